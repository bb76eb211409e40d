//! What sessctl's SQL databases share, whatever table it reads: reading a
//! dj-database-url style URL into connection settings, the TLS mode, retrying transient
//! connection failures, and the error that means a store cannot be used. The
//! dialects' own connection code is in [`postgres`] and [`mysql`]; every table on a
//! database (sessions, users, Django's cache table) is reached through it.
//!
//! Invariants:
//! - a password read from a URL lives only in [`ServerUrl::password`] and is handed to
//!   the driver; nothing here formats it into a message;
//! - connection retries are for transient failures only (refused, reset, timed out,
//!   server starting, too many connections), bounded in count and time; an
//!   authentication failure or an unknown database is reported at once.

pub mod defaults;
pub mod mysql;
pub mod postgres;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use percent_encoding::percent_decode_str;
use url::Url;

use crate::exit::{coded, ExitCode};

/// How long establishing a connection may take when the URL does not say
/// (`connect_timeout=SECONDS`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the command will do to the store: a connection for a command that only reads is
/// opened read-only where the database allows it, and a server store checks, before the
/// first batch, exactly the privileges the command needs (SELECT; and DELETE, or UPDATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `list`, `inspect`, `stats`, dry runs.
    Read,
    /// `clear-expired`, `purge`, `flush`.
    Delete,
    /// `expire`: sets `expire_date`, deletes nothing.
    Update,
}

impl Access {
    /// Whether the command changes the store at all.
    pub fn writes(self) -> bool {
        self != Access::Read
    }

    /// The table privileges a server store needs for this access, no more.
    pub fn privileges(self) -> &'static [&'static str] {
        match self {
            Access::Read => &["SELECT"],
            Access::Delete => &["SELECT", "DELETE"],
            Access::Update => &["SELECT", "UPDATE"],
        }
    }

    /// The commands that open a store this way, for messages.
    fn commands(self) -> &'static str {
        match self {
            Access::Read => "list, inspect, stats and dry runs need",
            Access::Delete => "clear-expired, purge and flush need",
            Access::Update => "expire needs",
        }
    }
}

/// The message for a user that lacks `missing` privileges on `table` (described with
/// where it is): which, and what the command needs there.
pub fn missing_privileges(who: &str, missing: &[&str], access: Access, table: &str) -> String {
    format!(
        "{who} lacks the {} privilege on {table} (permission denied); {} {} on it: grant {}",
        missing.join(" and "),
        access.commands(),
        access.privileges().join(" and "),
        missing.join(", "),
    )
}

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerHost {
    /// Host name or IP address (brackets of an IPv6 literal removed).
    Tcp(String),
    /// Unix socket: for PostgreSQL the socket directory, for MySQL the socket file.
    Socket(PathBuf),
}

/// A server URL taken apart the way dj-database-url takes it apart: user, password and
/// database percent-decoded, a host starting with `/` (percent-encoded in the URL, or
/// given as `?host=/path`) meaning a Unix socket, the query string as options.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: Option<ServerHost>,
    pub port: Option<u16>,
    pub database: Option<String>,
    /// Query options in order, names lower-cased with `-` read as `_`.
    pub options: Vec<(String, String)>,
    /// Where the password came from when not from the URL (`PGPASSWORD`, a password
    /// or option file and its line), for messages.
    pub password_from: Option<String>,
}

// No Debug derive: it would print the password.
impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerUrl")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("password_from", &self.password_from)
            .field(
                "options",
                &self
                    .options
                    .iter()
                    .map(|(k, v)| (k, if k == "password" { "****" } else { v }))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ServerUrl {
    /// Takes `url` apart; `shown` is the redacted URL for messages.
    pub fn parse(url: &Url, shown: &str) -> Result<ServerUrl> {
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = Some(decode(url.username())).filter(|u| !u.is_empty());
        let password = url.password().map(decode);
        let options: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.to_ascii_lowercase().replace('-', "_"), v.into_owned()))
            .collect();
        let host_text = url
            .host_str()
            .map(decode)
            .filter(|h| !h.is_empty())
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned());
        let option = |name: &str| {
            options
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let host_text = option("host").filter(|h| !h.is_empty()).or(host_text);
        let host = host_text.map(|h| {
            if h.starts_with('/') {
                ServerHost::Socket(PathBuf::from(h))
            } else {
                ServerHost::Tcp(h)
            }
        });
        let port = match option("port") {
            Some(p) => Some(p.parse::<u16>().map_err(|_| {
                coded(
                    ExitCode::Usage,
                    format!("`{shown}`: port `{p}` is not a port number"),
                )
            })?),
            None => url.port(),
        };
        let database = url
            .path()
            .strip_prefix('/')
            .map(decode)
            .filter(|d| !d.is_empty())
            .or_else(|| option("dbname"));
        Ok(ServerUrl {
            user: user.or_else(|| option("user")),
            password: password.or_else(|| option("password")),
            host,
            port,
            database,
            options,
            password_from: None,
        })
    }

    /// The last value of the first of `names` that is present.
    pub fn option(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.options
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        })
    }

    /// `connect_timeout=SECONDS` (libpq's name, also read for MySQL), else the default.
    pub fn connect_timeout(&self, shown: &str) -> Result<Duration> {
        match self.option(&["connect_timeout"]) {
            None => Ok(DEFAULT_CONNECT_TIMEOUT),
            Some(text) => match text.trim().parse::<f64>() {
                // libpq reads 0 as "no limit"; a bounded wait is what a cron job wants.
                Ok(secs) if secs > 0.0 && secs.is_finite() => Ok(Duration::from_secs_f64(secs)),
                Ok(_) => Ok(DEFAULT_CONNECT_TIMEOUT),
                Err(_) => Err(coded(
                    ExitCode::Usage,
                    format!("`{shown}`: connect_timeout `{text}` is not a number of seconds"),
                )),
            },
        }
    }

    /// The TLS mode from `sslmode` / `ssl_mode` (either dialect's names), else `default`.
    pub fn tls_mode(&self, shown: &str, default: TlsMode) -> Result<TlsMode> {
        match self.option(&["sslmode", "ssl_mode"]) {
            None => Ok(default),
            Some(text) => TlsMode::parse(text).ok_or_else(|| {
                coded(
                    ExitCode::Usage,
                    format!("`{shown}`: unknown sslmode `{text}`; use disable, prefer, require, verify-ca or verify-full"),
                )
            }),
        }
    }

    /// The CA file that verifies the server's certificate (`sslrootcert`, `ssl_ca`).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.option(&["sslrootcert", "ssl_ca", "sslca"])
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    }
}

/// How a connection uses TLS. Both dialects' spellings are accepted: PostgreSQL's
/// `disable|allow|prefer|require|verify-ca|verify-full` and MySQL's
/// `DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    Prefer,
    /// TLS or fail; the certificate is checked against the CA file only when one is
    /// given (as libpq does with a root certificate), otherwise not at all.
    Require,
    /// TLS with a certificate signed by the CA; the host name is not checked.
    VerifyCa,
    /// TLS with a certificate signed by the CA and naming the host.
    VerifyFull,
}

impl TlsMode {
    pub fn parse(text: &str) -> Option<TlsMode> {
        Some(
            match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "disable" | "disabled" | "false" | "0" => TlsMode::Disable,
                // `allow` (plain first, TLS if the server insists) has no separate
                // meaning here: the server decides either way.
                "allow" | "prefer" | "preferred" => TlsMode::Prefer,
                "require" | "required" | "true" | "1" => TlsMode::Require,
                "verify-ca" => TlsMode::VerifyCa,
                "verify-full" | "verify-identity" => TlsMode::VerifyFull,
                _ => return None,
            },
        )
    }
}

/// Runs `connect` until it succeeds, fails for good, or the retry window is over.
/// Waits 0.25 s, 0.5 s, 1 s … between tries, at most `window` in all.
pub fn retry_connect<T, E>(
    window: Duration,
    mut connect: impl FnMut() -> std::result::Result<T, E>,
    transient: impl Fn(&E) -> bool,
) -> std::result::Result<T, E> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        match connect() {
            Ok(conn) => return Ok(conn),
            Err(e) if transient(&e) && started.elapsed() + pause < window => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A message for a failure that means the store cannot be used (exit 3).
pub fn unavailable(message: impl Into<String>) -> anyhow::Error {
    coded(ExitCode::StoreUnavailable, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> ServerUrl {
        ServerUrl::parse(&Url::parse(raw).unwrap(), "x").unwrap()
    }

    #[test]
    fn dj_database_url_forms() {
        let u = parsed("postgres://app:p%40ss%2Fw@db.example:6432/my%20db?sslmode=require");
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.password.as_deref(), Some("p@ss/w"));
        assert_eq!(u.host, Some(ServerHost::Tcp("db.example".into())));
        assert_eq!(u.port, Some(6432));
        assert_eq!(u.database.as_deref(), Some("my db"));
        assert_eq!(u.option(&["sslmode"]), Some("require"));
    }

    #[test]
    fn unix_socket_hosts() {
        let u = parsed("postgres://%2Fvar%2Frun%2Fpostgresql/app");
        assert_eq!(
            u.host,
            Some(ServerHost::Socket("/var/run/postgresql".into()))
        );
        assert_eq!(u.database.as_deref(), Some("app"));
        let u = parsed("postgres:///app?host=/tmp/pg");
        assert_eq!(u.host, Some(ServerHost::Socket("/tmp/pg".into())));
        let u = parsed("mysql://root@%2Frun%2Fmysqld%2Fmysqld.sock/app");
        assert_eq!(
            u.host,
            Some(ServerHost::Socket("/run/mysqld/mysqld.sock".into()))
        );
        let u = parsed("mysql://root@[::1]:3307/app");
        assert_eq!(u.host, Some(ServerHost::Tcp("::1".into())));
    }

    #[test]
    fn option_names_of_both_dialects() {
        let u = parsed("mysql://u@h/d?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem");
        assert_eq!(
            u.tls_mode("x", TlsMode::Prefer).unwrap(),
            TlsMode::VerifyFull
        );
        assert_eq!(u.ca_file(), Some(PathBuf::from("/etc/ca.pem")));
        let u = parsed("postgres://u@h/d?sslmode=verify-ca&sslrootcert=/ca.crt");
        assert_eq!(u.tls_mode("x", TlsMode::Prefer).unwrap(), TlsMode::VerifyCa);
        let u = parsed("postgres://u@h/d?sslmode=bogus");
        assert!(u.tls_mode("x", TlsMode::Prefer).is_err());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let u = parsed("postgres://app:hunter2@h/d");
        assert!(!format!("{u:?}").contains("hunter2"));
        let u = parsed("postgres://app@h/d?password=hunter2");
        assert_eq!(u.password.as_deref(), Some("hunter2"));
        assert!(!format!("{u:?}").contains("hunter2"));
    }
}
