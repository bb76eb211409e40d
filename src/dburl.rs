//! Store URLs, read as dj-database-url reads Django's `DATABASE_URL`, and redacted for
//! every message (a password never reaches the terminal or a log).

use std::path::PathBuf;

use anyhow::Result;
use url::Url;

use crate::exit::{coded, ExitCode};

/// Where the sessions live, as named by a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite:////abs/path` (absolute) or `sqlite:///rel/path` (relative to the cwd).
    Sqlite { path: PathBuf },
    /// `postgres://`, `postgresql://`, `pgsql://`, GeoDjango's `postgis://`.
    Postgres(Url),
    /// `mysql://`, `mariadb://`, GeoDjango's `mysqlgis://`.
    Mysql(Url),
}

const SCHEMES: &str =
    "sqlite://, postgres://, postgresql://, postgis://, mysql://, mariadb:// or mysqlgis://";

/// Parses a store URL. Errors are usage errors (exit 2) and never echo a password.
pub fn parse(raw: &str) -> Result<StoreUrl> {
    let shown = redact(raw);
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err(coded(
            ExitCode::Usage,
            format!("`{shown}` is not a database URL; expected {SCHEMES} (e.g. sqlite:////srv/app/db.sqlite3)"),
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" | "sqlite3" => sqlite_path(rest, &shown),
        "postgres" | "postgresql" | "pgsql" | "postgis" => {
            Ok(StoreUrl::Postgres(network_url(raw, &shown)?))
        }
        "mysql" | "mysql2" | "mariadb" | "mysqlgis" => {
            Ok(StoreUrl::Mysql(network_url(raw, &shown)?))
        }
        other => Err(coded(
            ExitCode::Usage,
            format!(
                "`{shown}`: unsupported database URL scheme `{other}://`; sessctl reads {SCHEMES}"
            ),
        )),
    }
}

/// dj-database-url takes the path after `sqlite://` minus one leading slash, so three
/// slashes mean a relative path and four an absolute one.
fn sqlite_path(rest: &str, shown: &str) -> Result<StoreUrl> {
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let Some(path) = rest.strip_prefix('/') else {
        return Err(coded(
            ExitCode::Usage,
            format!("`{shown}`: a SQLite URL needs a path: sqlite:////absolute/path.sqlite3 or sqlite:///relative/path.sqlite3"),
        ));
    };
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if path.is_empty() || path == ":memory:" {
        return Err(coded(
            ExitCode::Usage,
            format!("`{shown}` names an in-memory database, which holds no sessions; give the path of the database file"),
        ));
    }
    Ok(StoreUrl::Sqlite {
        path: PathBuf::from(path.into_owned()),
    })
}

fn network_url(raw: &str, shown: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| {
        let hint = if looks_like_raw_password(raw) {
            format!(" ({ENCODE_HINT})")
        } else {
            String::new()
        };
        coded(
            ExitCode::Usage,
            format!("`{shown}` is not a valid URL: {e}{hint}"),
        )
    })?;
    // `postgres://u:12#pw@host/db` parses, as host `u`, port 12 and a fragment: the
    // password held a raw `#`. An `@` after the authority, outside a `name=value` of the
    // query, is such a password (or a database name that must be encoded anyway).
    let stray_at = url.path().contains('@')
        || url.fragment().is_some_and(|f| f.contains('@'))
        || url.query().is_some_and(|q| {
            q.split('&')
                .any(|pair| pair.split('=').next().unwrap_or_default().contains('@'))
        });
    if stray_at {
        return Err(coded(
            ExitCode::Usage,
            format!("`{shown}` has an `@` after the host: {ENCODE_HINT}"),
        ));
    }
    Ok(url)
}

const ENCODE_HINT: &str = "a password or name holding `/`, `?`, `#`, `@` or `:` must be percent-encoded: %2F, %3F, %23, %40, %3A";

/// Whether a URL that failed to parse has `user:…@` with a character in the password
/// that ends the authority (`/`, `?`, `#`).
fn looks_like_raw_password(raw: &str) -> bool {
    let rest = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    let Some(at) = rest.rfind('@') else {
        return false;
    };
    rest[..at].contains(':') && rest[..at].contains(['/', '?', '#'])
}

/// Replaces every password in a URL-like string with `****`, even when the string is
/// not a valid URL (a malformed URL is exactly what error messages show).
///
/// Hidden are: the user information's password, from its first `:` to the *last* `@`
/// of the string, so that a password holding a raw `/`, `?`, `#` or `@` is hidden whole;
/// and the value of every query option whose name, percent-decoded and in any case,
/// holds `pass` or is `pwd`, to the next `&` (the parser takes `password=` there).
/// When an `@` that does not end a password follows (in a query value), more than the
/// password is hidden: showing too little of a URL is the safe side.
pub fn redact(raw: &str) -> String {
    let mut hidden: Vec<(usize, usize)> = Vec::new();
    let start = raw.find("://").map_or(0, |i| i + 3);
    if let Some(at) = raw[start..].rfind('@').map(|i| start + i) {
        if let Some(colon) = raw[start..at].find(':').map(|i| start + i) {
            hidden.push((colon + 1, at));
        }
    }
    if let Some(q) = raw[start..].find('?').map(|i| start + i + 1) {
        let mut pos = q;
        for pair in raw[q..].split('&') {
            if let Some((name, _)) = pair.split_once('=') {
                let name = percent_encoding::percent_decode_str(&name.replace('+', " "))
                    .decode_utf8_lossy()
                    .to_ascii_lowercase();
                if name.contains("pass") || name.trim() == "pwd" {
                    hidden.push((pos + name_len(pair) + 1, pos + pair.len()));
                }
            }
            pos += pair.len() + 1;
        }
    }
    hidden.retain(|(from, to)| from < to);
    if hidden.is_empty() {
        return raw.to_owned();
    }
    hidden.sort_unstable();
    let mut shown = String::with_capacity(raw.len());
    let mut done = 0;
    for (from, to) in hidden {
        if to <= done {
            continue;
        }
        let from = from.max(done);
        shown.push_str(&raw[done..from]);
        if !shown.ends_with("****") {
            shown.push_str("****");
        }
        done = to;
    }
    shown.push_str(&raw[done..]);
    shown
}

/// Length of the name of a `name=value` pair.
fn name_len(pair: &str) -> usize {
    pair.find('=').unwrap_or(pair.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_slashes_follow_dj_database_url() {
        assert_eq!(
            parse("sqlite:////srv/db.sqlite3").unwrap(),
            StoreUrl::Sqlite {
                path: "/srv/db.sqlite3".into()
            }
        );
        assert_eq!(
            parse("sqlite:///db.sqlite3").unwrap(),
            StoreUrl::Sqlite {
                path: "db.sqlite3".into()
            }
        );
        assert!(parse("sqlite://").is_err());
        assert!(parse("sqlite:///:memory:").is_err());
    }

    #[test]
    fn geodjango_schemes_and_the_local_socket_form() {
        assert!(matches!(
            parse("postgis://app@db/geo").unwrap(),
            StoreUrl::Postgres(_)
        ));
        assert!(matches!(
            parse("mysqlgis://app@db/geo").unwrap(),
            StoreUrl::Mysql(_)
        ));
        // libpq and dj-database-url: no host, the local socket; no user, the OS user.
        let StoreUrl::Postgres(url) = parse("postgres:///app").unwrap() else {
            panic!("not PostgreSQL");
        };
        let server = crate::db::ServerUrl::parse(&url, "x").unwrap();
        assert_eq!(server.host, None);
        assert_eq!(server.user, None);
        assert_eq!(server.database.as_deref(), Some("app"));
    }

    #[test]
    fn unknown_and_garbage_are_usage_errors() {
        for bad in ["redis://localhost", "not a url", "/tmp/x.sqlite3"] {
            let err = parse(bad).unwrap_err();
            assert_eq!(crate::exit::code_of(&err), ExitCode::Usage, "{bad}");
        }
    }

    #[test]
    fn passwords_never_shown() {
        assert_eq!(
            redact("postgres://app:s3cr%40t@db:5432/x"),
            "postgres://app:****@db:5432/x"
        );
        assert_eq!(redact("mysql://app:p@ss@db/x"), "mysql://app:****@db/x");
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
        let err = parse("bogus://u:hunter2@h/d").unwrap_err();
        assert!(!format!("{err:#}").contains("hunter2"));
    }

    #[test]
    fn passwords_in_the_query_and_with_raw_special_characters_are_hidden() {
        for (raw, shown) in [
            (
                "postgres://u@h/db?password=hunter2",
                "postgres://u@h/db?password=****",
            ),
            (
                "postgres://u@h/db?sslmode=require&PASSWORD=hunter2&x=1",
                "postgres://u@h/db?sslmode=require&PASSWORD=****&x=1",
            ),
            (
                "postgres://u@h/db?pass%77ord=hunter2",
                "postgres://u@h/db?pass%77ord=****",
            ),
            ("mysql://u:a/b?c#d@h/db", "mysql://u:****@h/db"),
            ("mysql://u:a@b@h/db", "mysql://u:****@h/db"),
            ("postgres://u:12#hunter2@h/db", "postgres://u:****@h/db"),
            ("u:hunter2@h/db", "u:****@h/db"),
            ("postgres:/u:hunter2@h/db", "postgres:****@h/db"),
            // The last `@` is in the query: everything from the password on is hidden.
            ("postgres://u:x@h/db?password=hun@ter2", "postgres://u:****"),
            ("postgres://u:hun?password=x@h/db", "postgres://u:****"),
            (
                "postgres://h:5432/db?sslmode=require",
                "postgres://h:5432/db?sslmode=require",
            ),
            ("sqlite:////srv/db.sqlite3", "sqlite:////srv/db.sqlite3"),
        ] {
            assert_eq!(redact(raw), shown, "{raw}");
        }
    }

    #[test]
    fn a_password_with_a_raw_special_character_is_refused_with_the_fix() {
        for raw in [
            "postgres://u:12#pw@h/db",
            "postgres://u:12?pw@h/db",
            "postgres://u:12/pw@h/db",
            "postgres://u:p/w@h/db",
            "mysql://u:p?w@h/db",
        ] {
            let err = parse(raw).unwrap_err();
            let text = format!("{err:#}");
            assert_eq!(crate::exit::code_of(&err), ExitCode::Usage, "{raw}");
            assert!(
                text.contains("%2F") && !text.contains("pw"),
                "{raw}: {text}"
            );
        }
        // An `@` in a query value is not a password's.
        assert!(parse("postgres://u@h/db?sslrootcert=/etc/ca@2.pem").is_ok());
    }
}
