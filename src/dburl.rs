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
    /// `postgres://`, `postgresql://`, `pgsql://`.
    Postgres(Url),
    /// `mysql://`, `mariadb://`.
    Mysql(Url),
}

const SCHEMES: &str = "sqlite://, postgres://, postgresql://, mysql:// or mariadb://";

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
        "postgres" | "postgresql" | "pgsql" => Ok(StoreUrl::Postgres(network_url(raw, &shown)?)),
        "mysql" | "mysql2" | "mariadb" => Ok(StoreUrl::Mysql(network_url(raw, &shown)?)),
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
    Url::parse(raw).map_err(|e| {
        coded(
            ExitCode::Usage,
            format!("`{shown}` is not a valid URL: {e}"),
        )
    })
}

/// Replaces the password of a URL-like string with `****`, even when the string is not a
/// valid URL (a malformed URL is exactly what error messages show).
pub fn redact(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some(at) = authority.rfind('@') else {
        return raw.to_owned();
    };
    let (userinfo, host) = authority.split_at(at);
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:****{host}{tail}"),
        None => raw.to_owned(),
    }
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
}
