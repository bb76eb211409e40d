//! PostgreSQL connections, for every table sessctl reads on a PostgreSQL database.
//!
//! [`connect`] turns a `postgres://` URL into a session: libpq's socket default, the TLS
//! mode with rustls (`sslrootcert` as the only trust anchor when given, Mozilla's roots
//! otherwise), the connect timeout, retries of transient failures, and a read-only
//! session for commands that only read. [`Connection::table`] reads a table's
//! definition and this role's privileges on it, so each table's store can check the
//! columns it needs; [`Connection::error`] turns a failure into a message that names
//! the table and, for failures that make the store unusable, exits 3.
//!
//! The session runs on `tokio-postgres` driven by a current-thread runtime, one call at
//! a time, so that sessctl — not the socket — decides how long it waits:
//! - the connect timeout bounds the whole handshake (TCP, TLS, startup, authentication
//!   and the first query), not only the TCP connect;
//! - every call has a client-side deadline ([`Limit`]), because a server-side
//!   `statement_timeout` cannot fire on a server that is frozen or cut off;
//! - a raised [`StopFlag`] (SIGINT/SIGTERM) ends a call in flight within
//!   [`STOP_GRACE`] + [`CANCEL_WAIT`]: the call may finish, then a PostgreSQL cancel
//!   request is sent, and when even that gets no answer the socket is closed.
//!
//! Invariant: once a call was abandoned (deadline or signal without an answer) the socket
//! is closed and every later call fails; an abandoned transaction is rolled back by the
//! server, unless its COMMIT had already reached it (a frozen server commits it when it
//! resumes) — the messages say so.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use anyhow::Result;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row};
use tokio_postgres_rustls::MakeRustlsConnect;
use url::Url;

use super::{retry_connect, unavailable, Access, ServerHost, ServerUrl, TlsMode};
use crate::exit::{coded, ExitCode};
use crate::purge::StopFlag;

/// How long a call in flight may still finish by itself after a signal, before it is
/// cancelled: a batch about to commit is better committed than rolled back.
pub const STOP_GRACE: Duration = Duration::from_millis(500);

/// How long a cancel request, and then the answer to the cancelled call, may take before
/// the socket is closed instead (a frozen server answers neither).
pub const CANCEL_WAIT: Duration = Duration::from_millis(1500);

/// Added to a server-side limit to make the client-side deadline: the server's own
/// timeout fires first when the server is alive, and its error is the clearer one.
pub const DEADLINE_SLACK: Duration = Duration::from_secs(5);

/// Client-side deadline of a read (count, page, statistics) when the session has no
/// `statement_timeout` of its own.
pub const READ_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// Client-side deadline of VACUUM when the session has no `statement_timeout`.
pub const MAINTENANCE_DEADLINE: Duration = Duration::from_secs(2 * 60 * 60);

/// How long a call may take before sessctl stops waiting for the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// A query made while connecting: the connect timeout.
    Setup,
    /// A read: the session's `statement_timeout` (plus slack), else [`READ_DEADLINE`].
    Read,
    /// A transaction of at most two statements, each limited by the server to this
    /// (`SET LOCAL statement_timeout`).
    Bounded(Duration),
    /// VACUUM: the session's `statement_timeout` (plus slack), else
    /// [`MAINTENANCE_DEADLINE`].
    Maintenance,
    /// Waiting for a lock the user asked to wait for (`--wait`): only a signal ends it.
    Unbounded,
}

/// Why a call did not return a result.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with an error, or the connection broke.
    Db(tokio_postgres::Error),
    /// A signal stopped the call. `confirmed`: the server answered the cancel (the
    /// transaction in flight rolled back); otherwise the socket was closed unanswered.
    Stopped { confirmed: bool },
    /// No answer within the client-side deadline; the socket was closed.
    NoAnswer(Duration),
    /// An earlier call was abandoned and the connection closed.
    Closed,
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Failure {
        Failure::Db(e)
    }
}

impl Failure {
    /// The server's SQLSTATE, for errors the server sent.
    pub fn code(&self) -> Option<&SqlState> {
        match self {
            Failure::Db(e) => e.code(),
            _ => None,
        }
    }
}

/// The TLS connector a session (and its cancel requests) use.
#[derive(Clone)]
enum Tls {
    Off,
    Rustls(MakeRustlsConnect),
}

/// An open PostgreSQL session and what messages say about it.
pub struct Connection {
    runtime: tokio::runtime::Runtime,
    client: Client,
    /// The task that drives the socket; `None` once it was closed.
    link: Option<JoinHandle<()>>,
    tls: Tls,
    stop: StopFlag,
    connect_timeout: Duration,
    /// The session's own `statement_timeout` and `lock_timeout` (set for the role, the
    /// database or by `options`), when not 0.
    session_statement_timeout: Option<Duration>,
    session_lock_timeout: Option<Duration>,
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

/// Why one connection attempt failed.
enum Attempt {
    Db(tokio_postgres::Error),
    /// The handshake did not finish within the connect timeout.
    TimedOut,
}

/// Connects as the URL says, retrying transient failures; every failure is exit 3 with
/// the reason (never the password). With [`Access::Read`] the session is read-only.
/// `stop` lets a signal end any call of the session (see the module documentation).
pub fn connect(url: &Url, shown: &str, access: Access, stop: StopFlag) -> Result<Connection> {
    let mut server = ServerUrl::parse(url, shown)?;
    super::defaults::postgres(&mut server, shown, &super::defaults::Env::process())?;
    let (config, tls) = config(&server, shown)?;
    let connect_timeout = server.connect_timeout(shown)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the PostgreSQL client runtime: {e}"))?;
    let (client, link) = retry_connect(
        Duration::from_secs(3),
        || {
            runtime.block_on(async {
                match tokio::time::timeout(connect_timeout, open_session(&config, &tls)).await {
                    Ok(result) => result.map_err(Attempt::Db),
                    Err(_) => Err(Attempt::TimedOut),
                }
            })
        },
        |e| matches!(e, Attempt::Db(e) if is_transient(e)),
    )
    .map_err(|e| match e {
        Attempt::Db(e) => connect_error(&e, &server, shown),
        Attempt::TimedOut => unavailable(format!(
            "cannot connect to {shown}: no answer within {} (connect_timeout): the server took the connection but did not finish the handshake (TLS, startup or authentication); is it overloaded, frozen, or not PostgreSQL?",
            seconds(connect_timeout)
        )),
    })?;
    let mut conn = Connection {
        runtime,
        client,
        link: Some(link),
        tls,
        stop,
        connect_timeout,
        session_statement_timeout: None,
        session_lock_timeout: None,
        shown: shown.to_owned(),
        version: 0,
    };
    let row = conn
        .query_one(
            Limit::Setup,
            "SELECT current_setting('server_version_num')::int, \
             (SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'), \
             (SELECT setting::bigint FROM pg_settings WHERE name = 'lock_timeout')",
            &[],
        )
        .map_err(|e| conn.error(e, "reading the server version", None))?;
    conn.version = row.get(0);
    let millis = |ms: Option<i64>| {
        ms.filter(|ms| *ms > 0)
            .map(|ms| Duration::from_millis(ms as u64))
    };
    conn.session_statement_timeout = millis(row.get(1));
    conn.session_lock_timeout = millis(row.get(2));
    if access == Access::Read {
        // A command that only reads cannot change anything, whatever goes wrong.
        conn.batch_execute(Limit::Setup, "SET default_transaction_read_only = on")
            .map_err(|e| conn.error(e, "opening a read-only session", None))?;
    }
    Ok(conn)
}

/// One connection attempt: the handshake, then the task that drives the socket.
async fn open_session(
    config: &Config,
    tls: &Tls,
) -> Result<(Client, JoinHandle<()>), tokio_postgres::Error> {
    Ok(match tls {
        Tls::Off => {
            let (client, link) = config.connect(NoTls).await?;
            (client, tokio::spawn(async move { drop(link.await) }))
        }
        Tls::Rustls(tls) => {
            let (client, link) = config.connect(tls.clone()).await?;
            (client, tokio::spawn(async move { drop(link.await) }))
        }
    })
}

/// Returns once `stop` is raised.
async fn raised(stop: &StopFlag) {
    while !stop.is_raised() {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Returns after `limit`, or never.
async fn after(limit: Option<Duration>) {
    match limit {
        Some(limit) => tokio::time::sleep(limit).await,
        None => std::future::pending().await,
    }
}

/// How a call in flight ended.
enum Ended<T> {
    Done(Result<T, tokio_postgres::Error>),
    Stopped { confirmed: bool },
    NoAnswer,
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl Connection {
    /// Runs `call` on the session under `limit` and the stop flag.
    pub fn call<T>(
        &mut self,
        limit: Limit,
        call: impl AsyncFnOnce(&mut Client) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, Failure> {
        if self.link.is_none() {
            return Err(Failure::Closed);
        }
        let deadline = self.deadline(limit);
        let cancel = self.client.cancel_token();
        let tls = self.tls.clone();
        let stop = self.stop.clone();
        let client = &mut self.client;
        let ended = self.runtime.block_on(async move {
            let mut call = std::pin::pin!(call(client));
            let send_cancel = || async {
                let sent = match &tls {
                    Tls::Off => tokio::time::timeout(CANCEL_WAIT, cancel.cancel_query(NoTls)).await,
                    Tls::Rustls(tls) => {
                        tokio::time::timeout(CANCEL_WAIT, cancel.cancel_query(tls.clone())).await
                    }
                };
                matches!(sent, Ok(Ok(())))
            };
            match first(&mut call, &stop, deadline).await {
                First::Call(result) => return Ended::Done(result),
                First::Stop => {}
                First::Deadline => {
                    // The server may be alive but swamped: ask it to stop the work.
                    send_cancel().await;
                    return Ended::NoAnswer;
                }
            }
            if let Some(result) = finish_within(&mut call, STOP_GRACE).await {
                return Ended::Done(result);
            }
            if send_cancel().await {
                if let Some(result) = finish_within(&mut call, CANCEL_WAIT).await {
                    return match result {
                        // It finished before the cancel reached it: keep its result.
                        Ok(value) => Ended::Done(Ok(value)),
                        Err(_) => Ended::Stopped { confirmed: true },
                    };
                }
            }
            Ended::Stopped { confirmed: false }
        });
        match ended {
            Ended::Done(result) => result.map_err(Failure::Db),
            Ended::Stopped { confirmed } => {
                if !confirmed {
                    self.close();
                }
                Err(Failure::Stopped { confirmed })
            }
            Ended::NoAnswer => {
                self.close();
                Err(Failure::NoAnswer(deadline.unwrap_or_default()))
            }
        }
    }

    /// Closes the socket: the server ends the session (and rolls back its open
    /// transaction) as soon as it notices.
    fn close(&mut self) {
        if let Some(link) = self.link.take() {
            link.abort();
            let _ = self.runtime.block_on(link);
        }
    }

    /// The client-side deadline of a call under `limit`.
    pub fn deadline(&self, limit: Limit) -> Option<Duration> {
        let session = self.session_statement_timeout.map(|t| t + DEADLINE_SLACK);
        match limit {
            Limit::Setup => Some(self.connect_timeout),
            Limit::Read => Some(session.unwrap_or(READ_DEADLINE)),
            Limit::Bounded(each) => Some(each * 2 + DEADLINE_SLACK),
            Limit::Maintenance => Some(session.unwrap_or(MAINTENANCE_DEADLINE)),
            Limit::Unbounded => None,
        }
    }

    /// The `statement_timeout` and `lock_timeout` a batch runs under: `statement` and
    /// `lock`, or the session's own settings when they are stricter.
    pub fn strictest(&self, statement: Duration, lock: Duration) -> (Duration, Duration) {
        let pick = |own: Duration, session: Option<Duration>| session.map_or(own, |s| s.min(own));
        (
            pick(statement, self.session_statement_timeout),
            pick(lock, self.session_lock_timeout),
        )
    }

    pub fn query(
        &mut self,
        limit: Limit,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Failure> {
        self.call(limit, async |c| c.query(sql, params).await)
    }

    pub fn query_one(
        &mut self,
        limit: Limit,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Failure> {
        self.call(limit, async |c| c.query_one(sql, params).await)
    }

    pub fn query_opt(
        &mut self,
        limit: Limit,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Failure> {
        self.call(limit, async |c| c.query_opt(sql, params).await)
    }

    pub fn batch_execute(&mut self, limit: Limit, sql: &str) -> Result<(), Failure> {
        self.call(limit, async |c| c.batch_execute(sql).await)
    }

    /// The definition of `table` (quoted or not, resolved through the search_path),
    /// or `None` when there is no such table.
    pub fn table(&mut self, table: &str) -> Result<Option<Table>> {
        let rows = self
            .query(
                Limit::Read,
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
        self.query_one(Limit::Read, "SELECT current_database()::text", &[])
            .map(|r| r.get(0))
            .unwrap_or_default()
    }

    /// Maps a failure to an error that names the table (when given); problems that
    /// make the store unusable (permission, missing table or column, a read-only
    /// server, a server that stopped answering) exit 3, a signal exits 130.
    pub fn error(&self, failure: Failure, what: &str, table: Option<&str>) -> anyhow::Error {
        let context = match table {
            Some(table) => format!("{what} in table `{table}` at {}", self.shown),
            None => format!("{what} at {}", self.shown),
        };
        let e = match failure {
            Failure::Db(e) => e,
            Failure::Stopped { confirmed: true } => {
                return coded(
                    ExitCode::Interrupted,
                    format!("{context}: stopped by a signal; the statement in flight was cancelled and its transaction rolled back"),
                )
            }
            Failure::Stopped { confirmed: false } => {
                return coded(
                    ExitCode::Interrupted,
                    format!("{context}: stopped by a signal; the server answered neither the statement in flight nor the cancel request, so the connection was closed: its transaction rolls back, unless the server had already received its COMMIT"),
                )
            }
            Failure::NoAnswer(after) => {
                return unavailable(format!(
                    "{context}: no answer from the server within {} (sessctl's deadline; is the server frozen or the network cut?); the connection was closed, so its transaction rolls back unless the server had already received its COMMIT; run the command again once the server answers",
                    seconds(after)
                ))
            }
            Failure::Closed => {
                return unavailable(format!(
                    "{context}: the connection was closed after the server stopped answering"
                ))
            }
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

/// What happened first while a call was in flight.
enum First<T> {
    Call(T),
    Stop,
    Deadline,
}

async fn first<F: Future + Unpin>(
    call: &mut F,
    stop: &StopFlag,
    deadline: Option<Duration>,
) -> First<F::Output> {
    let mut stopped = std::pin::pin!(raised(stop));
    let mut late = std::pin::pin!(after(deadline));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = Pin::new(&mut *call).poll(cx) {
            return Poll::Ready(First::Call(value));
        }
        if stopped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(First::Stop);
        }
        if late.as_mut().poll(cx).is_ready() {
            return Poll::Ready(First::Deadline);
        }
        Poll::Pending
    })
    .await
}

/// Polls `call` for at most `limit`.
async fn finish_within<F: Future + Unpin>(call: &mut F, limit: Duration) -> Option<F::Output> {
    tokio::time::timeout(limit, call).await.ok()
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}

/// Deadlocks, serialization failures, lock and statement timeouts: the batch rolled
/// back as a whole and may simply be run again.
pub fn is_retryable(e: &Failure) -> bool {
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
fn is_transient(e: &tokio_postgres::Error) -> bool {
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
fn connect_error(e: &tokio_postgres::Error, server: &ServerUrl, shown: &str) -> anyhow::Error {
    let user = server.user.as_deref().unwrap_or("?");
    let db = server.database.as_deref().unwrap_or(user);
    let reason = match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            format!(
                "authentication failed for user `{user}` ({}); check the user and {}",
                db_message(e),
                password_source(server)
            )
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
                format!("authentication failed for user `{user}`: the server asks for a password and none was given (in the URL, PGPASSWORD, a service file or the password file ~/.pgpass / PGPASSFILE)")
            } else {
                text
            }
        }
    };
    unavailable(format!("cannot connect to {shown}: {reason}"))
}

/// Where to check the password, for messages: its source when it was not in the URL.
pub(super) fn password_source(server: &ServerUrl) -> String {
    match &server.password_from {
        Some(from) => format!("the password in {from}"),
        None => "password in the URL".to_owned(),
    }
}

/// The client configuration and, unless TLS is off, the rustls connector for it.
fn config(server: &ServerUrl, shown: &str) -> Result<(Config, Tls)> {
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
            format!("`{shown}` names no user, and neither PGUSER nor the operating-system user gives one; write postgres://USER[:PASSWORD]@HOST/DATABASE"),
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
        TlsMode::Disable => tokio_postgres::config::SslMode::Disable,
        TlsMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    let tls = match mode {
        TlsMode::Disable => Tls::Off,
        mode => Tls::Rustls(MakeRustlsConnect::new(tls_config(
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
