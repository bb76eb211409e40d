//! Text that `--help` and the man pages share: each command's examples, the environment
//! variables, the exit codes and the files sessctl uses.
//!
//! It is data, not prose inside attributes, so `--help` (through [`crate::cli`]) and the
//! generated man pages (through [`crate::docs`]) render the same facts and cannot drift.
//! The exit codes come from [`ExitCode::ALL`].

use std::fmt::Write as _;

use crate::exit::ExitCode;

/// One example command line and what it does.
pub struct Example {
    pub command: &'static str,
    pub does: &'static str,
}

const fn ex(command: &'static str, does: &'static str) -> Example {
    Example { command, does }
}

pub const CLEAR_EXPIRED: &[Example] = &[
    ex("sessctl clear-expired", "what manage.py clearsessions does"),
    ex("sessctl clear-expired --dry-run", "count only"),
    ex(
        "sessctl clear-expired -q --batch-size 5000 --sleep 200ms --max-runtime 20m",
        "a gentle nightly run that prints nothing unless it fails",
    ),
];

pub const PURGE: &[Example] = &[
    ex(
        "sessctl purge --invalid",
        "what a SECRET_KEY rotation left behind (needs the key)",
    ),
    ex("sessctl purge --user 42", "log account 42 out everywhere"),
    ex(
        "sessctl purge --expired-before 2025-01-01T00:00:00Z",
        "sessions that expired before 2025",
    ),
    ex(
        "sessctl purge --expired --user 42",
        "filters combine: all must hold",
    ),
];

pub const LIST: &[Example] = &[
    ex(
        "sessctl list --expired --limit 100",
        "the first 100 expired sessions",
    ),
    ex(
        "sessctl list --user 42 --format json",
        "one JSON object per line",
    ),
];

pub const INSPECT: &[Example] = &[ex(
    "DJANGO_SECRET_KEY=... sessctl inspect 2hafcfgwpbbbw43jflha65pe83ef6cr9",
    "one session, its signature checked",
)];

pub const DECODE: &[Example] = &[
    ex(
        "sessctl decode 'eyJmb28iOiJiYXIifQ:1uLgQ4:m0-UuiHY0rtycEHiRnAZeHzrh6PS-Da-yvLiFU5Ilyg'",
        "one raw session_data value",
    ),
    ex(
        "sessctl decode --cookie < cookie.txt",
        "a signed_cookies backend cookie",
    ),
];

pub const EXPIRE: &[Example] = &[
    ex(
        "sessctl expire 2hafcfgwpbbbw43jflha65pe83ef6cr9",
        "end one session now",
    ),
    ex("sessctl expire --user 42", "end every session of user 42"),
];

pub const FLUSH: &[Example] = &[
    ex(
        "sessctl flush 2hafcfgwpbbbw43jflha65pe83ef6cr9",
        "delete one session",
    ),
    ex("sessctl flush --user 42", "delete every session of user 42"),
    ex(
        "sessctl flush --all --yes",
        "delete every session, without asking",
    ),
];

pub const STATS: &[Example] = &[
    ex("sessctl stats", "counts, expiry range and sizes"),
    ex(
        "sessctl stats --max-total 1000000 --max-expired 50000",
        "a CI gate: exit 5 when a threshold is exceeded",
    ),
];

pub const ROOT: &[Example] = &[
    ex(
        "DATABASE_URL=sqlite:////srv/app/db.sqlite3 sessctl clear-expired",
        "what manage.py clearsessions does, in short transactions",
    ),
    ex(
        "sessctl --session-dir /var/lib/app/sessions list --expired",
        "expired sessions of a file-session directory",
    ),
    ex(
        "sessctl stats --max-expired 50000",
        "fail a CI job when expired sessions pile up",
    ),
];

/// The examples of the subcommand `name` (the root's for any other name).
pub fn examples_of(name: &str) -> &'static [Example] {
    match name {
        "clear-expired" => CLEAR_EXPIRED,
        "purge" => PURGE,
        "list" => LIST,
        "inspect" => INSPECT,
        "decode" => DECODE,
        "expire" => EXPIRE,
        "flush" => FLUSH,
        "stats" => STATS,
        _ => ROOT,
    }
}

/// The "Examples:" block at the end of a command's `--help`.
pub fn examples_help(examples: &[Example]) -> String {
    let mut text = String::from("Examples:");
    for example in examples {
        let _ = write!(text, "\n  {}\n      {}", example.command, example.does);
    }
    text
}

/// An environment variable sessctl reads, and what for.
pub struct EnvVar {
    pub name: &'static str,
    pub meaning: &'static str,
}

/// Every environment variable sessctl reads. A flag beats its variable.
pub const ENVIRONMENT: &[EnvVar] = &[
    EnvVar {
        name: "DATABASE_URL",
        meaning: "store URL when --database-url is not given",
    },
    EnvVar {
        name: "DATABASE_URL_FILE",
        meaning: "file holding the store URL, when neither --database-url, --database-url-file \
                  nor DATABASE_URL is given",
    },
    EnvVar {
        name: "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE",
        meaning: "PostgreSQL connection settings the URL leaves out (libpq's; a service file's \
                  entries beat them)",
    },
    EnvVar {
        name: "PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT, PGAPPNAME, PGOPTIONS",
        meaning: "the URL's sslmode, sslrootcert, connect_timeout, application_name and options \
                  when it has none",
    },
    EnvVar {
        name: "PGSERVICE, PGSERVICEFILE, PGSYSCONFDIR",
        meaning: "the libpq service whose settings fill what the URL leaves out, and the files \
                  it is looked up in",
    },
    EnvVar {
        name: "PGPASSFILE",
        meaning: "the password file (default ~/.pgpass), read when no password is given",
    },
    EnvVar {
        name: "HOME",
        meaning: "where ~/.pgpass, ~/.pg_service.conf and ~/.my.cnf are",
    },
    EnvVar {
        name: "SESSION_ENGINE",
        meaning: "Django's SESSION_ENGINE when --engine is not given",
    },
    EnvVar {
        name: "CACHE_URL",
        meaning: "cache URL when --cache-url is not given",
    },
    EnvVar {
        name: "SESSION_FILE_PATH",
        meaning: "file-session directory when --session-dir is not given",
    },
    EnvVar {
        name: "SESSION_COOKIE_NAME",
        meaning: "file-name prefix of session files (default sessionid)",
    },
    EnvVar {
        name: "SESSION_COOKIE_AGE",
        meaning: "SESSION_COOKIE_AGE in seconds, for file expiry (default 1209600)",
    },
    EnvVar {
        name: "DJANGO_SECRET_KEY",
        meaning: "SECRET_KEY, to verify signatures",
    },
    EnvVar {
        name: "DJANGO_SECRET_KEY_FALLBACKS",
        meaning: "SECRET_KEY_FALLBACKS, comma-separated",
    },
    EnvVar {
        name: "CREDENTIALS_DIRECTORY",
        meaning: "systemd credentials: database-url and secret-key files in it are read \
                  after --database-url / --secret-key-file and before DATABASE_URL / \
                  DJANGO_SECRET_KEY",
    },
    EnvVar {
        name: "NO_COLOR",
        meaning: "any value: no colours under --color auto",
    },
    EnvVar {
        name: "TERM",
        meaning: "dumb: no colours under --color auto, ASCII table borders",
    },
    EnvVar {
        name: "LC_ALL, LC_CTYPE, LANG",
        meaning: "the first one set decides UTF-8 or ASCII table borders",
    },
];

/// A file sessctl reads or writes, and why.
pub struct FileUse {
    pub path: &'static str,
    pub meaning: &'static str,
}

pub const FILES: &[FileUse] = &[
    FileUse {
        path: "--secret-key-file PATH",
        meaning: "SECRET_KEY on its first line, SECRET_KEY_FALLBACKS on the lines below; \
                  read instead of DJANGO_SECRET_KEY, so no key is ever on a command line",
    },
    FileUse {
        path: "--database-url-file PATH",
        meaning: "the store URL on one line, read instead of --database-url, so that its \
                  password is never on a command line",
    },
    FileUse {
        path: "~/.pgpass",
        meaning: "PostgreSQL passwords (PGPASSFILE names another file), as libpq reads them: \
                  lines host:port:database:user:password, * matching anything, \\: and \\\\ \
                  escapes, localhost matching the local socket; read only when no password is \
                  given, and ignored with a warning when group or others may read it",
    },
    FileUse {
        path: "~/.pg_service.conf",
        meaning: "libpq service definitions (PGSERVICEFILE names another file; \
                  /etc/postgresql-common/pg_service.conf is read after it), for ?service=NAME \
                  or PGSERVICE",
    },
    FileUse {
        path: "~/.my.cnf",
        meaning: "user, password, host, port and socket of its [client] section fill what a \
                  MySQL URL leaves out; ignored with a warning when world-writable, as the mysql \
                  client ignores it",
    },
    FileUse {
        path: "the SQLite database file",
        meaning: "SQLite has no named locks, so a bulk change also holds a byte-range lock on \
                  the database file itself, one byte per table beyond SQLite's own lock bytes, \
                  while it runs: a second purge of the same table exits 75 (or waits, with \
                  --wait). No lock file is created, and the operating system releases the lock \
                  when the process ends, so a run that crashed never blocks the next one. \
                  PostgreSQL uses an advisory lock and MySQL GET_LOCK instead.",
    },
];

/// The width the names of the help's two-column lists are padded to.
const NAME_WIDTH: usize = 30;

/// The width `--help` is laid out for (clap's `max_term_width`).
const WIDTH: usize = 100;

/// `text` wrapped to fit after an `indent`-wide first column, its further lines indented
/// by as much, so a long entry of a two-column list stays in its column.
fn hang(text: &str, indent: usize) -> String {
    let room = WIDTH - indent;
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split(' ') {
        if line_len > 0 && line_len + 1 + word.len() > room {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}

/// The end of the root's `--help`: environment variables and exit codes.
pub fn root_long_help() -> String {
    let mut text = String::from("Environment:");
    for var in ENVIRONMENT {
        if var.name.len() >= NAME_WIDTH {
            // A list of names takes its own line, the meaning goes below in its column.
            let _ = write!(
                text,
                "\n  {}\n  {:<NAME_WIDTH$}{}",
                var.name,
                "",
                hang(var.meaning, NAME_WIDTH + 2)
            );
            continue;
        }
        let _ = write!(
            text,
            "\n  {:<NAME_WIDTH$}{}",
            var.name,
            hang(var.meaning, NAME_WIDTH + 2)
        );
    }
    text.push_str("\n\nExit codes:");
    for (code, meaning) in ExitCode::ALL {
        let _ = write!(text, "\n  {:<5}{}", code.code(), hang(meaning, 7));
    }
    text.push_str("\n\n");
    text.push_str(&examples_help(ROOT));
    text
}

/// `sessctl --version`: the version, the commit it was built from, and what this build
/// can work on (`-V` prints the version alone).
pub fn long_version() -> String {
    format!(
        "{version}\n\
         commit: {commit}\n\
         stores: SQLite {sqlite} (bundled), PostgreSQL, MySQL/MariaDB, file sessions\n\
         caches: Redis, memcached, Django's database cache, Django's file cache\n\
         TLS: rustls (no system OpenSSL)",
        version = env!("CARGO_PKG_VERSION"),
        commit = env!("SESSCTL_GIT_COMMIT"),
        sqlite = rusqlite::version(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_entries_hang_under_their_column() {
        let text = hang("word ".repeat(30).trim_end(), 7);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].len() <= WIDTH - 7);
        assert!(lines[1].starts_with("       word"));
        assert_eq!(hang("short", 7), "short");
    }
}
