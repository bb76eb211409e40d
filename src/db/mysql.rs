//! MySQL/MariaDB connections, for every table sessctl reads on a MySQL or MariaDB
//! database.
//!
//! [`connect`] turns a `mysql://` URL into a session: the socket default of the client
//! libraries, the TLS mode (`ssl-ca` as the only trust anchor: the driver's public
//! roots are patched out, see patches/webpki-roots), the connect timeout, retries of
//! transient failures, and the session settings every table store relies on: READ
//! COMMITTED for changes (as Django runs; REPEATABLE READ's gap locks stall live
//! writes), a read-only session for commands that only read, and a short
//! `innodb_lock_wait_timeout`. [`Connection::columns`] reads a table's definition;
//! [`Connection::error`] turns a failure into a message naming the table.

use std::path::Path;

use anyhow::Result;
use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, OptsBuilder, SslOpts};
use url::Url;

use super::{retry_connect, unavailable, Access, ServerHost, ServerUrl, TlsMode};
use crate::exit::{coded, ExitCode};
use crate::store::sql::LOCK_TIMEOUT;

/// An open MySQL/MariaDB session and what messages say about it.
pub struct Connection {
    pub conn: Conn,
    /// The URL with its password redacted.
    pub shown: String,
    /// The database the URL names (`DATABASE()`).
    pub database: String,
    /// MariaDB rather than MySQL: they limit statement time differently.
    pub mariadb: bool,
}

/// Connects as the URL says and sets the session up for `access`; every failure is
/// exit 3 with the reason (never the password).
pub fn connect(url: &Url, shown: &str, access: Access) -> Result<Connection> {
    let mut server = ServerUrl::parse(url, shown)?;
    super::defaults::mysql(&mut server, &super::defaults::Env::process())?;
    let mut conn = open(&server, shown)?;
    let version: String = conn
        .query_first("SELECT VERSION()")
        .map_err(|e| {
            anyhow::Error::new(e).context(format!("reading the server version at {shown}"))
        })?
        .unwrap_or_default();
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let setup = [
        format!(
            "SET SESSION innodb_lock_wait_timeout = {}",
            LOCK_TIMEOUT.as_secs().max(1)
        ),
        match access {
            Access::Delete | Access::Update => {
                "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED".to_owned()
            }
            // A command that only reads cannot change anything, whatever goes wrong.
            Access::Read => "SET SESSION TRANSACTION READ ONLY".to_owned(),
        },
    ];
    for statement in &setup {
        conn.query_drop(statement).map_err(|e| {
            anyhow::Error::new(e).context(format!("setting up the session at {shown}"))
        })?;
    }
    let database: Option<String> = conn
        .query_first("SELECT DATABASE()")
        .map_err(|e| anyhow::Error::new(e).context(format!("reading {shown}")))?
        .flatten();
    let Some(database) = database else {
        return Err(coded(
            ExitCode::Usage,
            format!("`{shown}` names no database; write mysql://USER[:PASSWORD]@HOST/DATABASE"),
        ));
    };
    Ok(Connection {
        conn,
        shown: shown.to_owned(),
        database,
        mariadb,
    })
}

impl Connection {
    /// Column names and data types of `table` in the URL's database, in column order;
    /// empty when there is no such table.
    pub fn columns(&mut self, table: &str) -> Result<Vec<(String, String)>> {
        self.conn
            .exec(
                "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
                (table,),
            )
            .map_err(|e| self.error(e, "reading the table definition", Some(table)))
    }

    /// Prepares `sql` and closes it without running it: the server checks the
    /// statement's privileges (and that its tables and columns exist) when preparing.
    pub fn prepare_only(&mut self, sql: &str) -> std::result::Result<(), mysql::Error> {
        let statement = self.conn.prep(sql)?;
        self.conn.close(statement)
    }

    /// The account the server matched this connection to, as `'user'@'host'`.
    pub fn current_user(&mut self) -> String {
        let user: Option<String> = self
            .conn
            .query_first("SELECT CURRENT_USER()")
            .ok()
            .flatten();
        match user.as_deref().and_then(|u| u.rsplit_once('@')) {
            Some((name, host)) => format!("'{name}'@'{host}'"),
            None => user.unwrap_or_else(|| "(unknown)".to_owned()),
        }
    }

    /// Whether `table` shows in information_schema: it exists and this user holds some
    /// privilege on it.
    pub fn table_visible(&mut self, table: &str) -> bool {
        self.conn
            .exec_first::<u8, _, _>(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
                (table,),
            )
            .ok()
            .flatten()
            .is_some()
    }

    /// Maps a failure to an error that names the table (when given); problems that
    /// make the store unusable (permission, missing table or column, read-only server)
    /// exit 3.
    pub fn error(&self, e: mysql::Error, what: &str, table: Option<&str>) -> anyhow::Error {
        let context = match table {
            Some(table) => format!("{what} in table `{table}` at {}", self.shown),
            None => format!("{what} at {}", self.shown),
        };
        match mysql_code(&e) {
            Some(1142 | 1143 | 1044 | 1045) => unavailable(format!(
                "{context}: permission denied ({})",
                server_message(&e)
            )),
            Some(1146 | 1054) => unavailable(format!("{context}: {}", server_message(&e))),
            Some(1290 | 1792) => unavailable(format!(
                "{context}: the server is read-only (a replica?): {}",
                server_message(&e)
            )),
            _ => anyhow::Error::new(e).context(context),
        }
    }
}

/// Connects, retrying transient failures; every failure is exit 3 with the reason.
fn open(server: &ServerUrl, shown: &str) -> Result<Conn> {
    let timeout = server.connect_timeout(shown)?;
    let mut builder = OptsBuilder::new()
        .user(server.user.clone())
        .pass(server.password.clone())
        .db_name(server.database.clone())
        // Otherwise the driver may switch a loopback TCP connection to a socket it
        // guesses: connect where the URL says.
        .prefer_socket(false)
        .tcp_connect_timeout(Some(timeout))
        // The driver has no deadline of its own for the handshake: a server that takes
        // the connection and never sends its greeting would be waited for for ever.
        // These bound every read and write of the handshake; once connected, the
        // session's own socket is given the longer statement deadline (below).
        .read_timeout(Some(timeout))
        .write_timeout(Some(timeout));
    let socket = match &server.host {
        Some(ServerHost::Socket(path)) => {
            builder = builder.socket(Some(path.to_string_lossy().into_owned()));
            true
        }
        Some(ServerHost::Tcp(host)) => {
            builder = builder
                .ip_or_hostname(Some(host.clone()))
                .tcp_port(server.port.unwrap_or(3306));
            false
        }
        None => {
            // The client libraries' default: the local socket when there is one.
            match [
                "/run/mysqld/mysqld.sock",
                "/var/run/mysqld/mysqld.sock",
                "/tmp/mysql.sock",
            ]
            .into_iter()
            .find(|p| Path::new(p).exists())
            {
                Some(path) => {
                    builder = builder.socket(Some(path));
                    true
                }
                None => {
                    builder = builder
                        .ip_or_hostname(Some("127.0.0.1"))
                        .tcp_port(server.port.unwrap_or(3306));
                    false
                }
            }
        }
    };
    let mode = if socket {
        TlsMode::Disable
    } else {
        server.tls_mode(shown, TlsMode::Prefer)?
    };
    let ca = server.ca_file();
    if ca.is_none() && matches!(mode, TlsMode::VerifyCa | TlsMode::VerifyFull) {
        // The driver trusts no public CA (patches/webpki-roots), so there would be
        // nothing to verify against; the mysql client refuses these modes without a CA too.
        return Err(unavailable(format!(
            "{shown}: ssl-mode={} needs ssl-ca=CA.pem, the CA that signed the server's certificate \
             (sessctl trusts no public CA for MySQL)",
            if mode == TlsMode::VerifyCa { "VERIFY_CA" } else { "VERIFY_IDENTITY" }
        )));
    }
    let ssl = match mode {
        TlsMode::Disable => None,
        TlsMode::Prefer => Some(SslOpts::default().with_danger_accept_invalid_certs(true)),
        TlsMode::Require => Some(match &ca {
            // With a CA file, require checks the chain (as libpq does).
            Some(ca) => SslOpts::default()
                .with_root_cert_path(Some(ca.clone()))
                .with_danger_skip_domain_validation(true),
            None => SslOpts::default().with_danger_accept_invalid_certs(true),
        }),
        TlsMode::VerifyCa => Some(
            SslOpts::default()
                .with_root_cert_path(ca.clone())
                .with_danger_skip_domain_validation(true),
        ),
        TlsMode::VerifyFull => Some(SslOpts::default().with_root_cert_path(ca.clone())),
    };
    if let Some(ca) = &ca {
        if mode != TlsMode::Disable && !ca.is_file() {
            return Err(unavailable(format!(
                "{shown}: cannot read ssl-ca {}",
                ca.display()
            )));
        }
    }
    let attempt = |ssl: Option<SslOpts>| {
        let opts = builder.clone().ssl_opts(ssl);
        retry_connect(
            std::time::Duration::from_secs(3),
            || Conn::new(opts.clone()),
            is_transient,
        )
    };
    let before = socket_fds();
    let result = match attempt(ssl) {
        // prefer: a server without TLS is spoken to in plain text.
        Err(mysql::Error::DriverError(DriverError::TlsNotSupported)) if mode == TlsMode::Prefer => {
            attempt(None)
        }
        other => other,
    };
    let plain_tcp = !socket && mode == TlsMode::Disable;
    let conn = result.map_err(|e| connect_error(&e, server, shown, plain_tcp))?;
    // The driver offers no way to change its socket's timeouts once connected: the
    // socket it opened is the one this thread's connect added to the process.
    for fd in socket_fds().difference(&before) {
        set_deadline(*fd, STATEMENT_DEADLINE);
    }
    Ok(conn)
}

/// How long a connected session waits for any one reply: a frozen server or a cut
/// network ends the call with an error instead of a wait for ever. Longer than any
/// batch may run (the per-statement limit is well below it) and than a scan's page.
pub const STATEMENT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The process's socket descriptors, from `/proc/self/fd`.
fn socket_fds() -> std::collections::BTreeSet<i32> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return Default::default();
    };
    dir.filter_map(|entry| {
        let entry = entry.ok()?;
        let fd: i32 = entry.file_name().to_str()?.parse().ok()?;
        let target = std::fs::read_link(entry.path()).ok()?;
        target
            .to_str()
            .is_some_and(|t| t.starts_with("socket:"))
            .then_some(fd)
    })
    .collect()
}

/// Sets the receive and send timeouts of socket `fd` (best effort: a descriptor that
/// is not a socket any more is left alone).
fn set_deadline(fd: i32, deadline: std::time::Duration) {
    use std::os::fd::BorrowedFd;
    // SAFETY: `fd` was listed in /proc/self/fd a moment ago by this thread, after the
    // driver opened it; it is borrowed only for the two calls below.
    let socket = unsafe { BorrowedFd::borrow_raw(fd) };
    for which in [
        rustix::net::sockopt::Timeout::Recv,
        rustix::net::sockopt::Timeout::Send,
    ] {
        let _ = rustix::net::sockopt::set_socket_timeout(socket, which, Some(deadline));
    }
}

/// `plain_tcp`: the URL turned TLS off for a TCP connection (ssl-mode=DISABLED).
fn connect_error(
    e: &mysql::Error,
    server: &ServerUrl,
    shown: &str,
    plain_tcp: bool,
) -> anyhow::Error {
    let user = server.user.as_deref().unwrap_or("");
    let reason = match mysql_code(e) {
        // MariaDB refuses a plain-text connection under require_secure_transport with
        // this same "access denied" (MySQL says so with its own error, 3159).
        Some(1045) if plain_tcp => format!(
            "authentication failed for user `{user}` ({}); check the user and {}, \
             or drop ssl-mode=DISABLED: a server running with require_secure_transport refuses \
             connections without TLS this way",
            server_message(e),
            super::postgres::password_source(server)
        ),
        Some(1045) => format!(
            "authentication failed for user `{user}` ({}); check the user and {}",
            server_message(e),
            super::postgres::password_source(server)
        ),
        Some(1049) => format!(
            "database `{}` does not exist",
            server.database.as_deref().unwrap_or("")
        ),
        Some(1044) => format!(
            "user `{user}` may not use database `{}` ({})",
            server.database.as_deref().unwrap_or(""),
            server_message(e)
        ),
        Some(_) => server_message(e),
        None => match e {
            mysql::Error::DriverError(DriverError::TlsNotSupported) => {
                "the server does not offer TLS, and the URL's ssl-mode requires it".to_owned()
            }
            mysql::Error::DriverError(DriverError::ConnectTimeout) => {
                "timed out (connect_timeout)".to_owned()
            }
            other => {
                let text = other.to_string();
                refused_certificate(&text).unwrap_or(text)
            }
        },
    };
    unavailable(format!("cannot connect to {shown}: {reason}"))
}

/// The driver reports a refused server certificate as a nested debug string
/// (``CodecError { IO error: `invalid peer certificate: UnknownIssuer' }``); this keeps
/// rustls' reason and says what to check.
fn refused_certificate(text: &str) -> Option<String> {
    const MARK: &str = "invalid peer certificate: ";
    let rest = &text[text.find(MARK)? + MARK.len()..];
    let reason = rest
        .split(['`', '\'', '"', '}'])
        .next()
        .unwrap_or(rest)
        .trim();
    Some(format!(
        "the server's TLS certificate was refused ({reason}); check ssl-ca (the CA that \
         signed it) and, for VERIFY_IDENTITY, that it names the host in the URL"
    ))
}

pub fn mysql_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

pub fn server_message(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => m.message.clone(),
        other => other.to_string(),
    }
}

/// Lock wait timeout, deadlock, statement timeout: the transaction rolled back and may
/// be run again.
pub fn is_retryable(e: &mysql::Error) -> bool {
    matches!(mysql_code(e), Some(1205 | 1213 | 1969 | 3024))
}

fn is_transient(e: &mysql::Error) -> bool {
    let refused = |kind: std::io::ErrorKind| {
        matches!(
            kind,
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
        )
    };
    match e {
        // Too many connections; server shutting down or starting.
        mysql::Error::MySqlError(m) => matches!(m.code, 1040 | 1053 | 1203),
        mysql::Error::IoError(io) => refused(io.kind()),
        mysql::Error::DriverError(DriverError::CouldNotConnect(Some((_, _, kind)))) => {
            refused(*kind)
        }
        _ => false,
    }
}

pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_certificates_are_explained() {
        let text = "CodecError { IO error: `invalid peer certificate: UnknownIssuer' }";
        let message = refused_certificate(text).unwrap();
        assert!(
            message.contains("certificate was refused (UnknownIssuer)"),
            "{message}"
        );
        assert!(message.contains("ssl-ca"), "{message}");
        assert_eq!(refused_certificate("Connection refused"), None);
    }

    /// The driver puts `webpki_roots::TLS_SERVER_ROOTS` in every TLS trust store next to
    /// ssl-ca. The build must use patches/webpki-roots (one anchor no certificate chains
    /// to), not Mozilla's set of well over a hundred public CAs.
    #[test]
    fn the_driver_trusts_no_public_ca() {
        let roots = webpki_roots::TLS_SERVER_ROOTS;
        assert_eq!(roots.len(), 1, "webpki-roots is not the patched crate");
        let subject: &[u8] = roots[0].subject.as_ref();
        assert!(subject.ends_with(b"sessctl: no public roots; MySQL TLS trusts ssl-ca only"));
        // AlgorithmIdentifier { id-X25519 }: a key no signature algorithm verifies with.
        let key: &[u8] = roots[0].subject_public_key_info.as_ref();
        assert!(
            key.starts_with(b"\x30\x05\x06\x03\x2b\x65\x6e"),
            "{key:02x?}"
        );
    }

    /// A certificate whose issuer carries the anchor's name (anyone can make one) does
    /// not verify against the driver's store; trusting its real CA, as ssl-ca does, makes
    /// it verify, so the refusal comes from the anchor's key, not from the fixture.
    #[test]
    fn the_placeholder_anchor_verifies_nothing() {
        use rustls::client::danger::ServerCertVerifier;
        use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

        let ca = CertificateDer::from(
            &include_bytes!("../../tests/fixtures/tls/anchor-name-ca.der")[..],
        );
        let leaf = CertificateDer::from(
            &include_bytes!("../../tests/fixtures/tls/anchor-name-leaf.der")[..],
        );
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let verify = |extra: Option<&CertificateDer<'_>>| {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            if let Some(ca) = extra {
                roots.add(ca.clone()).unwrap();
            }
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                std::sync::Arc::new(roots),
                provider.clone(),
            )
            .build()
            .unwrap()
            .verify_server_cert(
                &leaf,
                &[],
                &ServerName::try_from("localhost").unwrap(),
                &[],
                UnixTime::now(),
            )
            .map(|_| ())
        };
        let refused = verify(None).expect_err("the placeholder anchor let a certificate through");
        // Refused for the key's algorithm, before any signature arithmetic.
        assert!(
            matches!(
                refused,
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
                )
            ),
            "{refused:?}"
        );
        verify(Some(&ca)).expect("the fixture chain verifies once its CA is trusted");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("django_session"), "`django_session`");
        assert_eq!(quote_ident("we`ird"), "`we``ird`");
    }

    #[test]
    fn refused_plain_text_points_at_tls() {
        let url = Url::parse("mysql://app:hunter2@db/x?ssl-mode=DISABLED").unwrap();
        let server = ServerUrl::parse(&url, "db").unwrap();
        let denied = mysql::Error::MySqlError(mysql::MySqlError {
            state: "28000".into(),
            message: "Access denied for user 'app'@'10.0.0.2' (using password: YES)".into(),
            code: 1045,
        });
        let plain = format!("{:#}", connect_error(&denied, &server, "db", true));
        assert!(plain.contains("require_secure_transport"), "{plain}");
        assert!(plain.contains("check the user and password"), "{plain}");
        let tls = format!("{:#}", connect_error(&denied, &server, "db", false));
        assert!(!tls.contains("require_secure_transport"), "{tls}");
    }
}
