//! PostgreSQL connections, for every table sessctl reads on a PostgreSQL database.
//!
//! [`connect`] turns a `postgres://` URL into a client: libpq's socket default, the TLS
//! mode with rustls (`sslrootcert` as the only trust anchor when given, Mozilla's roots
//! otherwise), the connect timeout, retries of transient failures, and a read-only
//! session for commands that only read. [`Connection::table`] reads a table's
//! definition and this role's privileges on it, so each table's store can check the
//! columns it needs; [`Connection::error`] turns a failure into a message that names
//! the table and, for failures that make the store unusable, exits 3.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use url::Url;

use super::{retry_connect, unavailable, Access, ServerHost, ServerUrl, TlsMode};
use crate::exit::{coded, ExitCode};

/// An open PostgreSQL session and what messages say about it.
pub struct Connection {
    pub client: Client,
    /// The URL with its password redacted.
    pub shown: String,
    /// `server_version_num`, e.g. 150004.
    pub version: i32,
}

/// A table's definition as this role sees it.
#[derive(Clone, Debug)]
pub struct Table {
    pub oid: u32,
    /// Column names and their types (`format_type`), in column order.
    pub columns: Vec<(String, String)>,
    /// Table-level privileges of the connected role.
    pub may_select: bool,
    pub may_delete: bool,
    pub may_update: bool,
    /// The role connected (`current_user`).
    pub user: String,
}

impl Table {
    /// The type of column `name`, if the table has it.
    pub fn column_type(&self, name: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(c, _)| c == name)
            .map(|(_, t)| t.as_str())
    }

    /// Which of `needed` the table lacks.
    pub fn missing<'a>(&self, needed: &[&'a str]) -> Vec<&'a str> {
        needed
            .iter()
            .copied()
            .filter(|c| self.column_type(c).is_none())
            .collect()
    }

    /// The column names, comma-separated, for messages.
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Connects as the URL says, retrying transient failures; every failure is exit 3 with
/// the reason (never the password). With [`Access::Read`] the session is read-only.
pub fn connect(url: &Url, shown: &str, access: Access) -> Result<Connection> {
    let server = ServerUrl::parse(url, shown)?;
    let (config, tls) = config(&server, shown)?;
    let client = retry_connect(
        std::time::Duration::from_secs(3),
        || match &tls {
            Some(tls) => config.connect(tls.clone()),
            None => config.connect(NoTls),
        },
        is_transient,
    )
    .map_err(|e| connect_error(&e, &server, shown))?;
    let mut conn = Connection {
        client,
        shown: shown.to_owned(),
        version: 0,
    };
    conn.version = conn
        .client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map_err(|e| conn.error(e, "reading the server version", None))?
        .get(0);
    if access == Access::Read {
        // A command that only reads cannot change anything, whatever goes wrong.
        conn.client
            .batch_execute("SET default_transaction_read_only = on")
            .map_err(|e| conn.error(e, "opening a read-only session", None))?;
    }
    Ok(conn)
}

impl Connection {
    /// The definition of `table` (quoted or not, resolved through the search_path),
    /// or `None` when there is no such table.
    pub fn table(&mut self, table: &str) -> Result<Option<Table>> {
        let rows = self
            .client
            .query(
                "SELECT c.oid::bigint, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                 has_table_privilege(c.oid, 'DELETE'), current_user::text, \
                 has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'UPDATE') \
                 FROM pg_class c LEFT JOIN pg_attribute a \
                 ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
                 WHERE c.oid = to_regclass($1::text)",
                &[&quote_ident(table)],
            )
            .map_err(|e| self.error(e, "reading the table definition", Some(table)))?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(Table {
            oid: first.get::<_, i64>(0) as u32,
            may_select: first.get(5),
            may_delete: first.get(3),
            may_update: first.get(6),
            user: first.get(4),
            columns: rows
                .iter()
                .filter_map(|r| Some((r.get::<_, Option<String>>(1)?, r.get::<_, String>(2))))
                .collect(),
        }))
    }

    /// The database this session is connected to.
    pub fn database(&mut self) -> String {
        self.client
            .query_one("SELECT current_database()::text", &[])
            .map(|r| r.get(0))
            .unwrap_or_default()
    }

    /// Maps a failure to an error that names the table (when given); problems that
    /// make the store unusable (permission, missing table or column, a read-only
    /// server) exit 3.
    pub fn error(&self, e: postgres::Error, what: &str, table: Option<&str>) -> anyhow::Error {
        let context = match table {
            Some(table) => format!("{what} in table `{table}` at {}", self.shown),
            None => format!("{what} at {}", self.shown),
        };
        match e.code() {
            Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => {
                unavailable(format!("{context}: permission denied ({})", db_message(&e)))
            }
            Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::UNDEFINED_COLUMN => {
                unavailable(format!("{context}: {}", db_message(&e)))
            }
            Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => unavailable(format!(
                "{context}: the server is read-only (a replica?): {}",
                db_message(&e)
            )),
            _ => anyhow::Error::new(e).context(context),
        }
    }
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn db_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}

/// Deadlocks, serialization failures, lock and statement timeouts: the batch rolled
/// back as a whole and may simply be run again.
pub fn is_retryable(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        [
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::QUERY_CANCELED,
        ]
        .contains(c)
    })
}

/// A connection failure that may go away by itself within seconds.
fn is_transient(e: &postgres::Error) -> bool {
    if let Some(code) = e.code() {
        return *code == SqlState::CANNOT_CONNECT_NOW || *code == SqlState::TOO_MANY_CONNECTIONS;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            );
        }
        source = err.source();
    }
    false
}

/// Exit 3 with what went wrong; the URL in it is the redacted one.
fn connect_error(e: &postgres::Error, server: &ServerUrl, shown: &str) -> anyhow::Error {
    let user = server.user.as_deref().unwrap_or("?");
    let db = server.database.as_deref().unwrap_or(user);
    let reason = match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            format!("authentication failed for user `{user}` ({}); check the user and password in the URL", db_message(e))
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            format!("database `{db}` does not exist")
        }
        Some(_) => db_message(e),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                let more = s.to_string();
                if !text.contains(&more) {
                    text.push_str(": ");
                    text.push_str(&more);
                }
                source = s.source();
            }
            if text.contains("password missing") {
                format!("authentication failed for user `{user}`: the server asks for a password and the URL has none")
            } else {
                text
            }
        }
    };
    unavailable(format!("cannot connect to {shown}: {reason}"))
}

/// The client configuration and, unless TLS is off, the rustls connector for it.
fn config(
    server: &ServerUrl,
    shown: &str,
) -> Result<(Config, Option<tokio_postgres_rustls::MakeRustlsConnect>)> {
    let mut config = Config::new();
    let port = server.port.unwrap_or(5432);
    config.port(port);
    let socket = match &server.host {
        Some(ServerHost::Tcp(host)) => {
            config.host(host);
            false
        }
        Some(ServerHost::Socket(dir)) => {
            config.host_path(dir);
            true
        }
        None => {
            // libpq's default: the local socket directory when there is one.
            match ["/var/run/postgresql", "/tmp"]
                .into_iter()
                .find(|d| Path::new(d).join(format!(".s.PGSQL.{port}")).exists())
            {
                Some(dir) => {
                    config.host_path(dir);
                    true
                }
                None => {
                    config.host("localhost");
                    false
                }
            }
        }
    };
    let Some(user) = &server.user else {
        return Err(coded(
            ExitCode::Usage,
            format!("`{shown}` names no user; write postgres://USER[:PASSWORD]@HOST/DATABASE"),
        ));
    };
    config.user(user);
    if let Some(password) = &server.password {
        config.password(password.as_bytes());
    }
    config.dbname(server.database.as_deref().unwrap_or(user));
    config.application_name(server.option(&["application_name"]).unwrap_or("sessctl"));
    if let Some(options) = server.option(&["options"]) {
        config.options(options);
    }
    config.connect_timeout(server.connect_timeout(shown)?);
    // libpq's default is prefer; over a Unix socket TLS is never used.
    let mode = if socket {
        TlsMode::Disable
    } else {
        server.tls_mode(shown, TlsMode::Prefer)?
    };
    config.ssl_mode(match mode {
        TlsMode::Disable => postgres::config::SslMode::Disable,
        TlsMode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    });
    let tls = match mode {
        TlsMode::Disable => None,
        mode => Some(tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(
            mode,
            server.ca_file().as_deref(),
            shown,
        )?)),
    };
    Ok((config, tls))
}

/// A rustls client configuration for `mode`, with the CA file as the only trust
/// anchor when one is given (Mozilla's roots otherwise).
fn tls_config(mode: TlsMode, ca: Option<&Path>, shown: &str) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?;
    let roots = || -> Result<Arc<RootCertStore>> {
        let mut roots = RootCertStore::empty();
        match ca {
            Some(path) => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect())
                    .map_err(|e| {
                        unavailable(format!(
                            "{shown}: cannot read sslrootcert {}: {e}",
                            path.display()
                        ))
                    })?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(unavailable(format!(
                        "{shown}: sslrootcert {} holds no usable certificate",
                        path.display()
                    )));
                }
            }
            None => {
                roots.add_parsable_certificates(
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
                );
            }
        }
        Ok(Arc::new(roots))
    };
    let verifier = |roots| {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))
    };
    let config = match (mode, ca) {
        (TlsMode::VerifyFull, _) => builder
            .with_root_certificates(roots()?)
            .with_no_client_auth(),
        // libpq: with a root certificate, require behaves as verify-ca.
        (TlsMode::VerifyCa, _) | (TlsMode::Require, Some(_)) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CaOnly(verifier(roots()?)?)))
            .with_no_client_auth(),
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider.clone())))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// verify-ca: the chain must lead to the CA; the name in the certificate is not checked.
#[derive(Debug)]
struct CaOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for CaOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain before the name, so a name mismatch means the chain
        // itself was good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// prefer / require without a CA file: encrypted, the certificate not checked (what
/// libpq does in these modes). The handshake signatures are still verified.
#[derive(Debug)]
struct AnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("django_session"), "\"django_session\"");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
    }
}
