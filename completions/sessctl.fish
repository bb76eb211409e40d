# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sessctl_global_optspecs
    string join \n d/database-url= database-url-file= session-dir= table= now= engine= cache-url= cache-key-prefix= cache-version= cache-key-template= cache-serializer= cache-compressor= cache-max-entries= cookie-name= cookie-age= time-zone= user-table= user-pk= user-username= user-email= auth-backends= django-version= no-session-auth-hash secret-key-file= salt= store-class= format= q/quiet v/verbose color= h/help V/version
end

function __fish_sessctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sessctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sessctl_using_subcommand
    set -l cmd (__fish_sessctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sessctl -n "__fish_sessctl_needs_command" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_needs_command" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_needs_command" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_needs_command" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_needs_command" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_needs_command" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_needs_command" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_needs_command" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_needs_command" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_needs_command" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_needs_command" -s V -l version -d 'Print version'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "clear-expired" -d 'Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "purge" -d 'Delete sessions by filter: expired, invalid, by user, expired before a time'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "list" -d 'List sessions: key, expiry, size, user'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "inspect" -d 'Show one session: metadata, signature status, format and decoded data'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "decode" -d 'Decode a raw session_data string (or a signed_cookies cookie) without a store'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "expire" -d 'Make sessions expire now, so Django stops accepting them at once'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "flush" -d 'Delete sessions now, by key, by user, or all of them'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "stats" -d 'Counts, expiry range and sizes; thresholds turn it into a CI check'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packaging)'
complete -c sessctl -n "__fish_sessctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l batch-size -d 'Rows per batch; each batch is its own short transaction [default: 50000; 1000 on Galera]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l sleep -d 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l batch-time -d 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l nice -d 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l stop-file -d 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l pause-file -d 'Wait between two batches for as long as this file exists' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l max-runtime -d 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l max-lag -d 'After each batch, wait while a replica is further behind than this, e.g. 5s' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l max-lag-bytes -d 'With --max-lag, also wait while a replica is more than SIZE of WAL or binlog behind, e.g. 64M' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l replica -d 'A MySQL/MariaDB replica of the store to wait for with --max-lag, e.g. mysql://monitor@replica1/app; repeat it for each replica' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l progress -d 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l metrics-file -d 'At the end of the run (also after an error or a signal), write its figures to PATH in Prometheus text format, for node_exporter\'s textfile collector' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l dry-run -d 'Count what would change; change nothing'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l wait -d 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l vacuum -d 'Afterwards, reclaim the space of deleted sessions and report the time taken and the size before and after'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand clear-expired" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l user -d 'Sessions of this user (_auth_user_id): log an account out everywhere' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l username -d 'Sessions of the user with this USERNAME_FIELD value (exact), read from the user table' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l email -d 'Sessions of the users with this e-mail address (exact; every account that has it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l expired-before -d 'Sessions whose expiry is before this time, e.g. 2025-01-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l batch-size -d 'Rows per batch; each batch is its own short transaction [default: 50000; 1000 on Galera]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l sleep -d 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l batch-time -d 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l nice -d 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l stop-file -d 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l pause-file -d 'Wait between two batches for as long as this file exists' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l max-runtime -d 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l max-lag -d 'After each batch, wait while a replica is further behind than this, e.g. 5s' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l max-lag-bytes -d 'With --max-lag, also wait while a replica is more than SIZE of WAL or binlog behind, e.g. 64M' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l replica -d 'A MySQL/MariaDB replica of the store to wait for with --max-lag, e.g. mysql://monitor@replica1/app; repeat it for each replica' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l progress -d 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l metrics-file -d 'At the end of the run (also after an error or a signal), write its figures to PATH in Prometheus text format, for node_exporter\'s textfile collector' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l expired -d 'Sessions that clear-expired would delete (the default when no filter is given)'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l invalid -d 'Sessions whose data fails to decode or verify with the given keys (what a SECRET_KEY rotation leaves behind); needs the secret key'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l stale -d 'Sessions Django deletes at their next request: the hash no longer matches the user\'s password (stale) or there is none (missing_hash); needs the secret key'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l user-deleted -d 'Sessions of users that no longer exist in the user table (their other data, e.g. a cart, goes with them)'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -s y -l yes -d 'Go on without asking when the filters select every session, or --invalid most of them (that is usually a wrong key or filter; sessctl asks on a terminal and refuses with exit 6 elsewhere)'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l dry-run -d 'Count what would change; change nothing'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l wait -d 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l vacuum -d 'Afterwards, reclaim the space of deleted sessions and report the time taken and the size before and after'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand purge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l user -d 'Only sessions of this user (_auth_user_id)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l username -d 'Sessions of the user with this USERNAME_FIELD value (exact), read from the user table' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l email -d 'Sessions of the users with this e-mail address (exact; every account that has it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l auth -d 'Only sessions in this auth state (repeatable): what Django\'s get_user() makes of them, e.g. stale, valid, user_deleted' -r -f -a "valid\t'Logged in: the hash matches SECRET_KEY'
valid_fallback\t'Logged in through a SECRET_KEY_FALLBACKS key: the next request re-keys it'
stale\t'The hash no longer matches (password changed, key retired, SHA-1 hash on 4.0+): Django flushes it at the next request'
missing_hash\t'Logged in without `_auth_user_hash`: Django flushes it at the next request'
no_hash_check\t'The user model has no `get_session_auth_hash()`: logged in, nothing to check'
user_deleted\t'The user row is gone: anonymous, row left'
inactive\t'`is_active` is false for a backend that checks it: anonymous, row left; it logs in again if the user is re-activated'
backend_not_configured\t'`_auth_user_backend` is not in AUTHENTICATION_BACKENDS: anonymous, row left; it logs in again if the backend is configured again'
invalid_user_id\t'`_auth_user_id` does not parse for the key type: Django answers 500'
anonymous\t'No user in the session'
expired\t'Django no longer loads it'
undecodable\t'The data does not decode or verify with the site\'s keys'
unverified\t'No secret key given: the owner is known, whether the hash matches is not'"
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l limit -d 'Stop after N sessions (with --sort: the first N in that order)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l sort -d 'Order by expiry (soonest first) or size (largest first)' -r -f -a "expiry\t'Soonest expiry first; sessions without a fixed expiry last'
size\t'Largest session_data first'"
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l expired -d 'Only sessions that clear-expired would delete'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l active -d 'Only sessions that have not expired'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l no-header -d 'No header line (table, CSV) and no closing count (table)'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l cookie -d 'The value is a signed_cookies backend cookie (its own salt and max-age rule; the max age is the global --cookie-age)'
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand decode" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l user -d 'Every session of this user (_auth_user_id)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l username -d 'Sessions of the user with this USERNAME_FIELD value (exact), read from the user table' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l email -d 'Sessions of the users with this e-mail address (exact; every account that has it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l batch-size -d 'Rows per batch; each batch is its own short transaction [default: 50000; 1000 on Galera]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l sleep -d 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l batch-time -d 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l nice -d 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l stop-file -d 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l pause-file -d 'Wait between two batches for as long as this file exists' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l max-runtime -d 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l max-lag -d 'After each batch, wait while a replica is further behind than this, e.g. 5s' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l max-lag-bytes -d 'With --max-lag, also wait while a replica is more than SIZE of WAL or binlog behind, e.g. 64M' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l replica -d 'A MySQL/MariaDB replica of the store to wait for with --max-lag, e.g. mysql://monitor@replica1/app; repeat it for each replica' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l progress -d 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l metrics-file -d 'At the end of the run (also after an error or a signal), write its figures to PATH in Prometheus text format, for node_exporter\'s textfile collector' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l dry-run -d 'Count what would change; change nothing'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l wait -d 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l vacuum -d 'Afterwards, reclaim the space of deleted sessions and report the time taken and the size before and after'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand expire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l user -d 'Every session of this user (_auth_user_id)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l username -d 'Sessions of the user with this USERNAME_FIELD value (exact), read from the user table' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l email -d 'Sessions of the users with this e-mail address (exact; every account that has it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l batch-size -d 'Rows per batch; each batch is its own short transaction [default: 50000; 1000 on Galera]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l sleep -d 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l batch-time -d 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l nice -d 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l stop-file -d 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l pause-file -d 'Wait between two batches for as long as this file exists' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l max-runtime -d 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l max-lag -d 'After each batch, wait while a replica is further behind than this, e.g. 5s' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l max-lag-bytes -d 'With --max-lag, also wait while a replica is more than SIZE of WAL or binlog behind, e.g. 64M' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l replica -d 'A MySQL/MariaDB replica of the store to wait for with --max-lag, e.g. mysql://monitor@replica1/app; repeat it for each replica' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l progress -d 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l metrics-file -d 'At the end of the run (also after an error or a signal), write its figures to PATH in Prometheus text format, for node_exporter\'s textfile collector' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l all -d 'Every session in the table (asks first on a terminal; needs --yes otherwise)'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -s y -l yes -d 'Confirm --all, or a --user that owns every session, without asking'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l dry-run -d 'Count what would change; change nothing'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l wait -d 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l vacuum -d 'Afterwards, reclaim the space of deleted sessions and report the time taken and the size before and after'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand flush" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l histogram -d 'Draw the store\'s shape: expiry (sessions by expiry hour, day or week, expired ones marked) or size (by power of two, percentiles, the largest sessions); repeatable' -r -f -a "expiry\t'Sessions by expiry: what the next purges delete, and the expired backlog'
size\t'Sessions by size of their data'"
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l top -d 'Rank by sessions: `users` names the ten users (_auth_user_id) with the most sessions, with their usernames when the user table is there' -r -f -a "users\t'Users with the most sessions'"
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l baseline -d 'A previous `stats --format json` output to compare with (see --max-growth)' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-growth -d 'Exit 5 when the sessions, or the bytes on disk, grew by more than PCT percent since --baseline, e.g. 20' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l metrics-file -d 'Also write the figures to PATH in Prometheus text format, atomically (for node_exporter\'s textfile collector); on failure the file says the run failed' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-total -d 'Exit 5 when there are more than N sessions in all' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-expired -d 'Exit 5 when more than N sessions have expired' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-bytes -d 'Exit 5 when the table (or session files) take more than SIZE on disk, e.g. 2G' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-data-bytes -d 'Exit 5 when the session data itself is more than SIZE bytes (K, M, G, T)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-expired-ratio -d 'Exit 5 when more than this share of the sessions has expired, e.g. 0.5' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l max-oldest-expiry -d 'Exit 5 when the oldest expiry is further back than AGE, e.g. 7d: expired sessions that old mean nothing is purging the store' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l estimate -d 'Answer from the database\'s own statistics instead of reading the table: in well under a second on any size, and an estimate'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l duplicates -d 'Name the session data many sessions hold identically (the signature of a client that creates sessions in a loop): the ten most repeated, with an example key'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l users -d 'Also read every session against the user table: logged in vs anonymous, stale, of deleted users, and the users with the most sessions (top 10)'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l out -d 'Directory that receives completions/ and man/' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -s d -l database-url -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l database-url-file -d 'Read the store URL from this file [env: DATABASE_URL_FILE]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l session-dir -d 'A file-session directory instead of a database [env: SESSION_FILE_PATH]' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l table -d 'Session table (custom session models use other tables)' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l now -d 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l engine -d 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-url -d 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-key-prefix -d 'CACHES KEY_PREFIX [default: empty]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-version -d 'CACHES VERSION [default: 1]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-key-template -d 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-serializer -d 'Serializer of cached values, when the bytes cannot tell' -r -f -a "auto\t'Tell by the first bytes'
pickle\t'Django\'s RedisCache, django-redis PickleSerializer, memcached, database and file caches'
json\t'django-redis JSONSerializer'
msgpack\t'django-redis MSGPackSerializer'"
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-compressor -d 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell' -r -f -a "auto\t'Tell by the header'
none\t'Never decompress'
zlib\t''
lz4\t''
zstd\t''
gzip\t''
lzma\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cache-max-entries -d 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cookie-name -d 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l cookie-age -d 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l time-zone -d 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l user-table -d 'The user table (AUTH_USER_MODEL\'s db_table) [default: auth_user]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l user-pk -d 'Primary key column of the user table [default: id]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l user-username -d 'Column of USERNAME_FIELD, what --username compares with [default: username]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l user-email -d 'Column of EMAIL_FIELD, what --email compares with [default: email]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l auth-backends -d 'AUTHENTICATION_BACKENDS, comma-separated dotted paths [default: django.contrib.auth.backends.ModelBackend]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l django-version -d 'The site\'s Django version, for the get_user() rules that changed [default: the newest rules]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l secret-key-file -d 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below' -r -F
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l salt -d 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l store-class -d 'Derive the salt from a custom store class\'s __qualname__, e.g. CustomSessionStore' -r
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l format -d 'Output format' -r -f -a "table\t'Human-readable tables and summary lines'
json\t'JSON (one object per line for list)'
csv\t'CSV, for list only: a header row, then one row per session (RFC 4180 quoting)'
prometheus\t'Prometheus text exposition format, for stats only (node_exporter\'s textfile collector, or anything that scrapes the format)'"
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set or TERM=dumb'
always\t''
never\t''"
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -l no-session-auth-hash -d 'The user model has no get_session_auth_hash() (a plain models.Model): Django logs its sessions in without checking _auth_user_hash'
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -s q -l quiet -d 'Print nothing but errors that make the run fail (and JSON, when asked for)'
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -s v -l verbose -d 'Say more: one line per batch (rows, time, retries) on stderr'
complete -c sessctl -n "__fish_sessctl_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "clear-expired" -d 'Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "purge" -d 'Delete sessions by filter: expired, invalid, by user, expired before a time'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "list" -d 'List sessions: key, expiry, size, user'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "inspect" -d 'Show one session: metadata, signature status, format and decoded data'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "decode" -d 'Decode a raw session_data string (or a signed_cookies cookie) without a store'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "expire" -d 'Make sessions expire now, so Django stops accepting them at once'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "flush" -d 'Delete sessions now, by key, by user, or all of them'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "stats" -d 'Counts, expiry range and sizes; thresholds turn it into a CI check'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "generate" -d 'Write shell completions and man pages (for packaging)'
complete -c sessctl -n "__fish_sessctl_using_subcommand help; and not __fish_seen_subcommand_from clear-expired purge list inspect decode expire flush stats generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
