
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sessctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sessctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sessctl' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('clear-expired', 'clear-expired', [CompletionResultType]::ParameterValue, 'Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete sessions by filter: expired, invalid, by user, expired before a time')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sessions: key, expiry, size, user')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show one session: metadata, signature status, format and decoded data')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Decode a raw session_data string (or a signed_cookies cookie) without a store')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Make sessions expire now, so Django stops accepting them at once')
            [CompletionResult]::new('flush', 'flush', [CompletionResultType]::ParameterValue, 'Delete sessions now, by key, by user, or all of them')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Counts, expiry range and sizes; thresholds turn it into a CI check')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packaging)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sessctl;clear-expired' {
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Rows per batch; each batch is its own short transaction')
            [CompletionResult]::new('--sleep', '--sleep', [CompletionResultType]::ParameterName, 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic')
            [CompletionResult]::new('--batch-time', '--batch-time', [CompletionResultType]::ParameterName, 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size')
            [CompletionResult]::new('--nice', '--nice', [CompletionResultType]::ParameterName, 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)')
            [CompletionResult]::new('--stop-file', '--stop-file', [CompletionResultType]::ParameterName, 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")')
            [CompletionResult]::new('--pause-file', '--pause-file', [CompletionResultType]::ParameterName, 'Wait between two batches for as long as this file exists')
            [CompletionResult]::new('--max-runtime', '--max-runtime', [CompletionResultType]::ParameterName, 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count what would change; change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)')
            [CompletionResult]::new('--vacuum', '--vacuum', [CompletionResultType]::ParameterName, 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;purge' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Sessions of this user (_auth_user_id): log an account out everywhere')
            [CompletionResult]::new('--expired-before', '--expired-before', [CompletionResultType]::ParameterName, 'Sessions whose expiry is before this time, e.g. 2025-01-01 or -30d')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Rows per batch; each batch is its own short transaction')
            [CompletionResult]::new('--sleep', '--sleep', [CompletionResultType]::ParameterName, 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic')
            [CompletionResult]::new('--batch-time', '--batch-time', [CompletionResultType]::ParameterName, 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size')
            [CompletionResult]::new('--nice', '--nice', [CompletionResultType]::ParameterName, 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)')
            [CompletionResult]::new('--stop-file', '--stop-file', [CompletionResultType]::ParameterName, 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")')
            [CompletionResult]::new('--pause-file', '--pause-file', [CompletionResultType]::ParameterName, 'Wait between two batches for as long as this file exists')
            [CompletionResult]::new('--max-runtime', '--max-runtime', [CompletionResultType]::ParameterName, 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Sessions that clear-expired would delete (the default when no filter is given)')
            [CompletionResult]::new('--invalid', '--invalid', [CompletionResultType]::ParameterName, 'Sessions whose data fails to decode or verify with the given keys (what a SECRET_KEY rotation leaves behind); needs the secret key')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go on without asking when the filters select every session, or --invalid most of them (that is usually a wrong key or filter; sessctl asks on a terminal and refuses with exit 6 elsewhere)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go on without asking when the filters select every session, or --invalid most of them (that is usually a wrong key or filter; sessctl asks on a terminal and refuses with exit 6 elsewhere)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count what would change; change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)')
            [CompletionResult]::new('--vacuum', '--vacuum', [CompletionResultType]::ParameterName, 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;list' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only sessions of this user (_auth_user_id)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Stop after N sessions')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Only sessions that clear-expired would delete')
            [CompletionResult]::new('--active', '--active', [CompletionResultType]::ParameterName, 'Only sessions that have not expired')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;inspect' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;decode' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cookie', '--cookie', [CompletionResultType]::ParameterName, 'The value is a signed_cookies backend cookie (its own salt and max-age rule; the max age is the global --cookie-age)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;expire' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Every session of this user (_auth_user_id)')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Rows per batch; each batch is its own short transaction')
            [CompletionResult]::new('--sleep', '--sleep', [CompletionResultType]::ParameterName, 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic')
            [CompletionResult]::new('--batch-time', '--batch-time', [CompletionResultType]::ParameterName, 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size')
            [CompletionResult]::new('--nice', '--nice', [CompletionResultType]::ParameterName, 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)')
            [CompletionResult]::new('--stop-file', '--stop-file', [CompletionResultType]::ParameterName, 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")')
            [CompletionResult]::new('--pause-file', '--pause-file', [CompletionResultType]::ParameterName, 'Wait between two batches for as long as this file exists')
            [CompletionResult]::new('--max-runtime', '--max-runtime', [CompletionResultType]::ParameterName, 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count what would change; change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)')
            [CompletionResult]::new('--vacuum', '--vacuum', [CompletionResultType]::ParameterName, 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;flush' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Every session of this user (_auth_user_id)')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Rows per batch; each batch is its own short transaction')
            [CompletionResult]::new('--sleep', '--sleep', [CompletionResultType]::ParameterName, 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic')
            [CompletionResult]::new('--batch-time', '--batch-time', [CompletionResultType]::ParameterName, 'Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows and never above --batch-size')
            [CompletionResult]::new('--nice', '--nice', [CompletionResultType]::ParameterName, 'After each batch, pause RATIO times as long as the batch took (0.5: at most two thirds of the time is spent in batches)')
            [CompletionResult]::new('--stop-file', '--stop-file', [CompletionResultType]::ParameterName, 'Stop cleanly between two batches once this file exists (exit 0, "run again to finish")')
            [CompletionResult]::new('--pause-file', '--pause-file', [CompletionResultType]::ParameterName, 'Wait between two batches for as long as this file exists')
            [CompletionResult]::new('--max-runtime', '--max-runtime', [CompletionResultType]::ParameterName, 'Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every session in the table (asks first on a terminal; needs --yes otherwise)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm --all, or a --user that owns every session, without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm --all, or a --user that owns every session, without asking')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count what would change; change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)')
            [CompletionResult]::new('--vacuum', '--vacuum', [CompletionResultType]::ParameterName, 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;stats' {
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Exit 5 when there are more than N sessions in all')
            [CompletionResult]::new('--max-expired', '--max-expired', [CompletionResultType]::ParameterName, 'Exit 5 when more than N sessions have expired')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory that receives completions/ and man/')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]')
            [CompletionResult]::new('--session-dir', '--session-dir', [CompletionResultType]::ParameterName, 'A file-session directory instead of a database [env: SESSION_FILE_PATH]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Session table (custom session models use other tables)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]')
            [CompletionResult]::new('--cache-url', '--cache-url', [CompletionResultType]::ParameterName, 'The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache')
            [CompletionResult]::new('--cache-key-prefix', '--cache-key-prefix', [CompletionResultType]::ParameterName, 'CACHES KEY_PREFIX [default: empty]')
            [CompletionResult]::new('--cache-version', '--cache-version', [CompletionResultType]::ParameterName, 'CACHES VERSION [default: 1]')
            [CompletionResult]::new('--cache-key-template', '--cache-key-template', [CompletionResultType]::ParameterName, 'A custom KEY_FUNCTION as a template of {prefix}, {version} and {key} [default: {prefix}:{version}:{key}]')
            [CompletionResult]::new('--cache-serializer', '--cache-serializer', [CompletionResultType]::ParameterName, 'Serializer of cached values, when the bytes cannot tell')
            [CompletionResult]::new('--cache-compressor', '--cache-compressor', [CompletionResultType]::ParameterName, 'Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell')
            [CompletionResult]::new('--cache-max-entries', '--cache-max-entries', [CompletionResultType]::ParameterName, 'MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]')
            [CompletionResult]::new('--cookie-age', '--cookie-age', [CompletionResultType]::ParameterName, 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False')
            [CompletionResult]::new('--secret-key-file', '--secret-key-file', [CompletionResultType]::ParameterName, 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below')
            [CompletionResult]::new('--salt', '--salt', [CompletionResultType]::ParameterName, 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]')
            [CompletionResult]::new('--store-class', '--store-class', [CompletionResultType]::ParameterName, 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors that make the run fail (and JSON, when asked for)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more: one line per batch (rows, time, retries) on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sessctl;help' {
            [CompletionResult]::new('clear-expired', 'clear-expired', [CompletionResultType]::ParameterValue, 'Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete sessions by filter: expired, invalid, by user, expired before a time')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sessions: key, expiry, size, user')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show one session: metadata, signature status, format and decoded data')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Decode a raw session_data string (or a signed_cookies cookie) without a store')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Make sessions expire now, so Django stops accepting them at once')
            [CompletionResult]::new('flush', 'flush', [CompletionResultType]::ParameterValue, 'Delete sessions now, by key, by user, or all of them')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Counts, expiry range and sizes; thresholds turn it into a CI check')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packaging)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sessctl;help;clear-expired' {
            break
        }
        'sessctl;help;purge' {
            break
        }
        'sessctl;help;list' {
            break
        }
        'sessctl;help;inspect' {
            break
        }
        'sessctl;help;decode' {
            break
        }
        'sessctl;help;expire' {
            break
        }
        'sessctl;help;flush' {
            break
        }
        'sessctl;help;stats' {
            break
        }
        'sessctl;help;generate' {
            break
        }
        'sessctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
