
use builtin;
use str;

set edit:completion:arg-completer[sessctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sessctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sessctl'= {
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand clear-expired 'Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches'
            cand purge 'Delete sessions by filter: expired, invalid, by user, expired before a time'
            cand list 'List sessions: key, expiry, size, user'
            cand inspect 'Show one session: metadata, signature status, format and decoded data'
            cand decode 'Decode a raw session_data string (or a signed_cookies cookie) without a store'
            cand expire 'Make sessions expire now, so Django stops accepting them at once'
            cand flush 'Delete sessions now, by key, by user, or all of them'
            cand stats 'Counts, expiry range and sizes; thresholds turn it into a CI check'
            cand generate 'Write shell completions and man pages (for packaging)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sessctl;clear-expired'= {
            cand --batch-size 'Rows per batch; each batch is its own short transaction'
            cand --sleep 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic'
            cand --max-runtime 'Stop cleanly after this long, e.g. 10m, and report what is left'
            cand --progress 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand --dry-run 'Count what would change; change nothing'
            cand --wait 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
            cand --vacuum 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;purge'= {
            cand --user 'Sessions of this user (_auth_user_id): log an account out everywhere'
            cand --expired-before 'Sessions whose expiry is before this RFC 3339 instant'
            cand --batch-size 'Rows per batch; each batch is its own short transaction'
            cand --sleep 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic'
            cand --max-runtime 'Stop cleanly after this long, e.g. 10m, and report what is left'
            cand --progress 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand --expired 'Sessions that clear-expired would delete (the default when no filter is given)'
            cand --invalid 'Sessions whose data fails to decode or verify with the given keys (what a SECRET_KEY rotation leaves behind); needs the secret key'
            cand -y 'Go on without asking when the filters select every session, or --invalid most of them (that is usually a wrong key or filter; sessctl asks on a terminal and refuses with exit 6 elsewhere)'
            cand --yes 'Go on without asking when the filters select every session, or --invalid most of them (that is usually a wrong key or filter; sessctl asks on a terminal and refuses with exit 6 elsewhere)'
            cand --dry-run 'Count what would change; change nothing'
            cand --wait 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
            cand --vacuum 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;list'= {
            cand --user 'Only sessions of this user (_auth_user_id)'
            cand --limit 'Stop after N sessions'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand --expired 'Only sessions that clear-expired would delete'
            cand --active 'Only sessions that have not expired'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;inspect'= {
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;decode'= {
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand --cookie 'The value is a signed_cookies backend cookie (its own salt and max-age rule; the max age is the global --cookie-age)'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;expire'= {
            cand --user 'Every session of this user (_auth_user_id)'
            cand --batch-size 'Rows per batch; each batch is its own short transaction'
            cand --sleep 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic'
            cand --max-runtime 'Stop cleanly after this long, e.g. 10m, and report what is left'
            cand --progress 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand --dry-run 'Count what would change; change nothing'
            cand --wait 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
            cand --vacuum 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;flush'= {
            cand --user 'Every session of this user (_auth_user_id)'
            cand --batch-size 'Rows per batch; each batch is its own short transaction'
            cand --sleep 'Pause between batches, e.g. 200ms or 1s, to leave room for live traffic'
            cand --max-runtime 'Stop cleanly after this long, e.g. 10m, and report what is left'
            cand --progress 'Off a terminal, print a timestamped progress line (done, rate, elapsed) every DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand --all 'Every session in the table (asks first on a terminal; needs --yes otherwise)'
            cand -y 'Confirm --all, or a --user that owns every session, without asking'
            cand --yes 'Confirm --all, or a --user that owns every session, without asking'
            cand --dry-run 'Count what would change; change nothing'
            cand --wait 'When another purge of the same table is running, wait for it instead of exiting 75 (the wait counts against --max-runtime)'
            cand --vacuum 'Afterwards, give the space back to the file system (SQLite VACUUM, PostgreSQL VACUUM (ANALYZE), MySQL OPTIMIZE TABLE)'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;stats'= {
            cand --max-total 'Exit 5 when there are more than N sessions in all'
            cand --max-expired 'Exit 5 when more than N sessions have expired'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;generate'= {
            cand --out 'Directory that receives completions/ and man/'
            cand -d 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --database-url 'The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3 [env: DATABASE_URL]'
            cand --session-dir 'A file-session directory instead of a database [env: SESSION_FILE_PATH]'
            cand --table 'Session table (custom session models use other tables)'
            cand --now 'Evaluate expiry at this RFC 3339 instant instead of the clock'
            cand --cookie-name 'SESSION_COOKIE_NAME, the prefix of session file names [env: SESSION_COOKIE_NAME] [default: sessionid]'
            cand --cookie-age 'SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]'
            cand --time-zone 'Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False'
            cand --secret-key-file 'File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below'
            cand --salt 'Signing salt of a custom session store class [default: django.contrib.sessions.SessionStore]'
            cand --store-class 'Derive the salt from a custom store class''s __qualname__, e.g. CustomSessionStore'
            cand --format 'Output format'
            cand -q 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand --quiet 'Print nothing but errors that make the run fail (and JSON, when asked for)'
            cand -v 'Say more: one line per batch (rows, time, retries) on stderr'
            cand --verbose 'Say more: one line per batch (rows, time, retries) on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sessctl;help'= {
            cand clear-expired 'Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches'
            cand purge 'Delete sessions by filter: expired, invalid, by user, expired before a time'
            cand list 'List sessions: key, expiry, size, user'
            cand inspect 'Show one session: metadata, signature status, format and decoded data'
            cand decode 'Decode a raw session_data string (or a signed_cookies cookie) without a store'
            cand expire 'Make sessions expire now, so Django stops accepting them at once'
            cand flush 'Delete sessions now, by key, by user, or all of them'
            cand stats 'Counts, expiry range and sizes; thresholds turn it into a CI check'
            cand generate 'Write shell completions and man pages (for packaging)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sessctl;help;clear-expired'= {
        }
        &'sessctl;help;purge'= {
        }
        &'sessctl;help;list'= {
        }
        &'sessctl;help;inspect'= {
        }
        &'sessctl;help;decode'= {
        }
        &'sessctl;help;expire'= {
        }
        &'sessctl;help;flush'= {
        }
        &'sessctl;help;stats'= {
        }
        &'sessctl;help;generate'= {
        }
        &'sessctl;help;help'= {
        }
    ]
    $completions[$command]
}
