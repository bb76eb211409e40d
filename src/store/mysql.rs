//! The MySQL/MariaDB store: Django's `django_session` table over a `mysql://` or
//! `mariadb://` URL.
//!
//! Bulk changes walk the clustered primary key forward: each batch finds the key that
//! closes it with a short index range read (`session_key > a ORDER BY session_key
//! LIMIT 1 OFFSET n`), then runs `DELETE … WHERE session_key > a AND session_key <= b
//! AND expire_date < now` in its own short transaction. Every batch starts where the
//! last one ended, so it never walks past rows deleted earlier (a `LIMIT` loop on the
//! `expire_date` index does, and slows down batch after batch). Ranges are sized so a
//! batch changes about `--batch-size` rows (see [`Span`]).
//!
//! Invariants:
//! - purges run under READ COMMITTED, as Django's own connections do: under REPEATABLE
//!   READ a range DELETE takes gap locks that stall the live application's writes;
//! - `innodb_lock_wait_timeout` and a statement time limit bound each batch (MariaDB:
//!   `SET STATEMENT max_statement_time = … FOR` on the batch's statements; MySQL: the
//!   `MAX_EXECUTION_TIME` hint, which it honours on SELECTs only); counts, scans and
//!   `OPTIMIZE TABLE` are not limited. Deadlocks and timeouts are retried with backoff;
//! - `expire_date` is `datetime(6)`, naive: UTC for USE_TZ=True, local time of
//!   `--time-zone` otherwise. `now` is bound as that naive wall-clock value and the
//!   server compares, exactly as Django's query does;
//! - key order is the server's (the column's collation); sessctl never compares keys
//!   itself, it only hands back the key the server gave it.

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, OptsBuilder, Params, Row, SslOpts, TxOpts, Value};
use url::Url;

use super::sql::{
    batch_backoff, retry_connect, unavailable, ServerHost, ServerUrl, Span, TlsMode, BATCH_RETRIES,
    LOCK_TIMEOUT, STATEMENT_TIMEOUT,
};
use super::sqlite::Access;
use super::{Cursor, SessionStore, StoreStats};
use crate::exit::{coded, ExitCode};
use crate::session::{Action, Condition, StoredSession, Target};
use crate::zone::StoreZone;

/// `GET_LOCK` with `--wait`: a year. MariaDB reads a negative timeout as an error, not
/// as "forever" the way MySQL does.
const LOCK_WAIT_FOREVER: u32 = 365 * 24 * 3600;

pub struct MysqlStore {
    conn: Conn,
    shown: String,
    table: String,
    quoted: String,
    database: String,
    zone: StoreZone,
    /// MariaDB rather than MySQL: they limit statement time differently.
    mariadb: bool,
    walk: Option<Span>,
    /// The purge lock's name while held.
    lock_name: Option<String>,
}

impl MysqlStore {
    pub fn open(
        url: &Url,
        shown: &str,
        table: &str,
        zone: StoreZone,
        access: Access,
    ) -> Result<MysqlStore> {
        let server = ServerUrl::parse(url, shown)?;
        let mut conn = connect(&server, shown)?;
        let version: String = conn
            .query_first("SELECT VERSION()")
            .map_err(|e| {
                anyhow::Error::new(e).context(format!("reading the server version at {shown}"))
            })?
            .unwrap_or_default();
        let mariadb = version.to_ascii_lowercase().contains("mariadb");
        let mut setup = vec![format!(
            "SET SESSION innodb_lock_wait_timeout = {}",
            LOCK_TIMEOUT.as_secs().max(1)
        )];
        setup.push(match access {
            Access::Write => "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED".to_owned(),
            // A command that only reads cannot change anything, whatever goes wrong.
            Access::Read => "SET SESSION TRANSACTION READ ONLY".to_owned(),
        });
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
        let mut store = MysqlStore {
            conn,
            shown: shown.to_owned(),
            table: table.to_owned(),
            quoted: quote_ident(table),
            database,
            zone,
            mariadb,
            walk: None,
            lock_name: None,
        };
        store.check_schema(access)?;
        Ok(store)
    }

    /// Fails with exit 3 unless the table exists, has Django's three session columns,
    /// and (for changes) may be deleted from by this user.
    fn check_schema(&mut self, access: Access) -> Result<()> {
        let columns: Vec<(String, String)> = self
            .conn
            .exec(
                "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
                (self.table.as_str(),),
            )
            .map_err(|e| self.error(e, "reading the table definition"))?;
        if columns.is_empty() {
            return Err(unavailable(format!(
                "database `{}` at {} has no table `{}`; is this the Django database? (custom session models: --table)",
                self.database, self.shown, self.table
            )));
        }
        let has = |name: &str| columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(name));
        let missing: Vec<&str> = ["session_key", "session_data", "expire_date"]
            .into_iter()
            .filter(|c| !has(c))
            .collect();
        if !missing.is_empty() {
            return Err(unavailable(format!(
                "table `{}` at {} is not a session table: no column {} (it has {})",
                self.table,
                self.shown,
                missing.join(", "),
                columns
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if let Some((_, kind)) = columns
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case("expire_date"))
        {
            if !matches!(kind.to_ascii_lowercase().as_str(), "datetime" | "timestamp") {
                return Err(unavailable(format!(
                    "table `{}` at {} is not a session table: expire_date is {kind}, not a datetime",
                    self.table, self.shown
                )));
            }
        }
        if access == Access::Write {
            // Privileges are checked when a statement is prepared, even when it would
            // change no row: this asks the server without parsing SHOW GRANTS.
            let probe = format!("DELETE FROM {} WHERE 1 = 0", self.quoted);
            if let Err(e) = self.conn.query_drop(probe) {
                return Err(match mysql_code(&e) {
                    Some(1142) => unavailable(format!(
                        "the user may not DELETE from table `{}` at {} (permission denied: {}); grant DELETE, UPDATE on it",
                        self.table,
                        self.shown,
                        server_message(&e)
                    )),
                    _ => self.error(e, "checking the DELETE privilege"),
                });
            }
        }
        Ok(())
    }

    /// `sql` (a batch's DELETE/UPDATE) under the per-statement time limit.
    fn limited(&self, sql: String) -> String {
        if self.mariadb {
            format!(
                "SET STATEMENT max_statement_time = {} FOR {sql}",
                STATEMENT_TIMEOUT.as_secs()
            )
        } else {
            // MySQL limits only SELECTs (MAX_EXECUTION_TIME); its DELETEs are bounded
            // by the range size and innodb_lock_wait_timeout.
            sql
        }
    }

    /// A batch's boundary SELECT under the per-statement time limit.
    fn limited_select(&self, rest: &str) -> String {
        if self.mariadb {
            format!(
                "SET STATEMENT max_statement_time = {} FOR SELECT {rest}",
                STATEMENT_TIMEOUT.as_secs()
            )
        } else {
            format!(
                "SELECT /*+ MAX_EXECUTION_TIME({}) */ {rest}",
                STATEMENT_TIMEOUT.as_millis()
            )
        }
    }

    /// `now` as Django binds it: the naive wall-clock value in the store's zone.
    fn time_param(&self, t: DateTime<Utc>) -> Value {
        let n = self.zone.naive(t);
        Value::Date(
            n.year() as u16,
            n.month() as u8,
            n.day() as u8,
            n.hour() as u8,
            n.minute() as u8,
            n.second() as u8,
            n.nanosecond() / 1000,
        )
    }

    fn cond_sql(&self, sql: &mut String, params: &mut Vec<Value>, cond: &Condition) {
        if let Some(t) = cond.expired_at {
            sql.push_str(" AND expire_date < ?");
            params.push(self.time_param(t));
        }
        if let Some(t) = cond.active_at {
            sql.push_str(" AND expire_date >= ?");
            params.push(self.time_param(t));
        }
    }

    fn change_sql(&self, action: Action, params: &mut Vec<Value>) -> String {
        match action {
            Action::Delete => format!("DELETE FROM {}", self.quoted),
            Action::ExpireAt(t) => {
                params.push(self.time_param(t));
                format!("UPDATE {} SET expire_date = ?", self.quoted)
            }
        }
    }

    fn read_session(&self, mut row: Row) -> StoredSession {
        let take = |row: &mut Row, i: usize| row.take::<Value, _>(i).unwrap_or(Value::NULL);
        let key = text(take(&mut row, 0));
        let data = text(take(&mut row, 1));
        let expire_date = naive(take(&mut row, 2)).map(|n| self.zone.instant(n));
        let expired = matches!(take(&mut row, 3), Value::Int(1) | Value::UInt(1))
            || matches!(row.get::<Value, _>(3), Some(Value::Bytes(b)) if b == b"1");
        StoredSession {
            key,
            data,
            expire_date,
            expired,
        }
    }

    /// Runs `statements` in one short transaction, retrying deadlocks and timeouts with
    /// backoff; `on_timeout` runs before a retry after a statement timeout.
    fn transaction(
        &mut self,
        statements: &[(String, Vec<Value>)],
        mut on_timeout: impl FnMut(&mut Self),
    ) -> Result<u64> {
        let statements: Vec<(String, Vec<Value>)> = statements
            .iter()
            .map(|(sql, params)| (self.limited(sql.clone()), params.clone()))
            .collect();
        let mut attempt = 0;
        loop {
            let result = (|| {
                let mut tx = self.conn.start_transaction(TxOpts::default())?;
                let mut changed = 0;
                for (sql, params) in &statements {
                    tx.exec_drop(sql.as_str(), Params::Positional(params.clone()))?;
                    changed += tx.affected_rows();
                }
                tx.commit()?;
                Ok::<u64, mysql::Error>(changed)
            })();
            match result {
                Ok(changed) => return Ok(changed),
                Err(e) if attempt < BATCH_RETRIES && is_retryable(&e) => {
                    attempt += 1;
                    if matches!(mysql_code(&e), Some(1969 | 3024)) {
                        on_timeout(self);
                    }
                    std::thread::sleep(batch_backoff(attempt));
                }
                Err(e) => return Err(self.error(e, "changing sessions")),
            }
        }
    }

    /// Maps a failure to an error that names the table; problems that make the store
    /// unusable (permission, missing table or column, read-only server) exit 3.
    fn error(&self, e: mysql::Error, what: &str) -> anyhow::Error {
        let context = format!("{what} in table `{}` at {}", self.table, self.shown);
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

impl SessionStore for MysqlStore {
    fn describe(&self) -> String {
        format!("table `{}` at {}", self.table, self.shown)
    }

    fn count(&mut self, cond: &Condition) -> Result<u64> {
        let mut sql = format!("SELECT COUNT(*) FROM {} WHERE 1", self.quoted);
        let mut params = Vec::new();
        self.cond_sql(&mut sql, &mut params, cond);
        let n: Option<u64> = self
            .conn
            .exec_first(sql, Params::Positional(params))
            .map_err(|e| self.error(e, "counting sessions"))?;
        Ok(n.unwrap_or(0))
    }

    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
        let sql = format!(
            "SELECT session_key, session_data, expire_date, expire_date < ? FROM {} WHERE session_key = ?",
            self.quoted
        );
        let params = vec![self.time_param(now), Value::from(key)];
        let row: Option<Row> = self
            .conn
            .exec_first(sql, Params::Positional(params))
            .map_err(|e| self.error(e, "reading a session"))?;
        Ok(row.map(|r| self.read_session(r)))
    }

    fn scan_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>> {
        let after = match cursor {
            Cursor::Start => None,
            Cursor::Key(k) => Some(k.clone()),
            Cursor::Done => return Ok(Vec::new()),
            Cursor::RowId(_) => unreachable!("MySQL pages by key"),
        };
        let mut sql = format!(
            "SELECT session_key, session_data, expire_date, expire_date < ? FROM {} WHERE 1",
            self.quoted
        );
        let mut params = vec![self.time_param(now)];
        if let Some(after) = after {
            sql.push_str(" AND session_key > ?");
            params.push(Value::from(after));
        }
        self.cond_sql(&mut sql, &mut params, cond);
        sql.push_str(&format!(" ORDER BY session_key LIMIT {limit}"));
        let rows: Vec<Row> = self
            .conn
            .exec(sql, Params::Positional(params))
            .map_err(|e| self.error(e, "reading sessions"))?;
        let page: Vec<StoredSession> = rows.into_iter().map(|r| self.read_session(r)).collect();
        *cursor = Cursor::after_key_page(&page, limit);
        Ok(page)
    }

    fn apply_range(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        limit: usize,
        action: Action,
    ) -> Result<u64> {
        let after = match cursor {
            Cursor::Start => {
                // The first range assumes every row matches; then the span follows
                // the density the batches find.
                self.walk = Some(Span::new(limit as f64, limit, limit as f64 * 50.0));
                None
            }
            Cursor::Key(k) => Some(k.clone()),
            Cursor::Done => return Ok(0),
            Cursor::RowId(_) => unreachable!("MySQL walks by key"),
        };
        let span = self
            .walk
            .get_or_insert_with(|| Span::new(limit as f64, limit, limit as f64 * 50.0))
            .units();
        // The key `span` entries further on closes this batch, found outside the
        // change's transaction: the DELETE re-checks everything it needs.
        let mut sql = self.limited_select(&format!("session_key FROM {}", self.quoted));
        let mut params = Vec::new();
        if let Some(after) = &after {
            sql.push_str(" WHERE session_key > ?");
            params.push(Value::from(after.as_str()));
        }
        sql.push_str(&format!(
            " ORDER BY session_key LIMIT 1 OFFSET {}",
            span.saturating_sub(1)
        ));
        let boundary: Option<Value> = self
            .conn
            .exec_first(sql, Params::Positional(params))
            .map_err(|e| self.error(e, "finding the end of a batch"))?;
        let boundary = boundary.map(text);
        let mut params = Vec::new();
        let mut sql = self.change_sql(action, &mut params);
        sql.push_str(" WHERE 1");
        if let Some(after) = &after {
            sql.push_str(" AND session_key > ?");
            params.push(Value::from(after.as_str()));
        }
        if let Some(end) = &boundary {
            sql.push_str(" AND session_key <= ?");
            params.push(Value::from(end.as_str()));
        }
        self.cond_sql(&mut sql, &mut params, cond);
        let changed = self.transaction(&[(sql, params)], |_| {})?;
        if let Some(walk) = &mut self.walk {
            walk.observe(span, changed);
        }
        *cursor = match boundary {
            Some(end) => Cursor::Key(end),
            None => Cursor::Done,
        };
        Ok(changed)
    }

    fn apply_exact(&mut self, targets: &[Target], cond: &Condition, action: Action) -> Result<u64> {
        if targets.is_empty() {
            return Ok(0);
        }
        let mut statements = Vec::with_capacity(targets.len());
        for target in targets {
            let mut params = Vec::new();
            let mut sql = self.change_sql(action, &mut params);
            sql.push_str(" WHERE session_key = ?");
            params.push(Value::from(target.key.as_str()));
            if let Some(data) = &target.data {
                // Byte for byte: the column's collation may ignore case or trailing space.
                sql.push_str(" AND CAST(session_data AS BINARY) = CAST(? AS BINARY)");
                params.push(Value::from(data.as_str()));
            }
            self.cond_sql(&mut sql, &mut params, cond);
            statements.push((sql, params));
        }
        self.transaction(&statements, |_| {})
    }

    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats> {
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(expire_date < ?), 0) AS SIGNED), MIN(expire_date), \
             MAX(expire_date), CAST(COALESCE(SUM(LENGTH(session_data)), 0) AS SIGNED) FROM {}",
            self.quoted
        );
        let row: Option<Row> = self
            .conn
            .exec_first(sql, Params::Positional(vec![self.time_param(now)]))
            .map_err(|e| self.error(e, "reading statistics"))?;
        let mut row = row.ok_or_else(|| anyhow::anyhow!("no statistics row"))?;
        let mut take = |i: usize| row.take::<Value, _>(i).unwrap_or(Value::NULL);
        let total = number(take(0));
        let expired = number(take(1));
        let oldest = naive(take(2)).map(|n| self.zone.instant(n));
        let newest = naive(take(3)).map(|n| self.zone.instant(n));
        let data_bytes = number(take(4));
        // InnoDB's own figures (refreshed by ANALYZE/OPTIMIZE, so an estimate).
        let table_bytes: Option<Option<u64>> = self
            .conn
            .exec_first(
                "SELECT CAST(data_length + index_length AS UNSIGNED) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = ?",
                (self.table.as_str(),),
            )
            .map_err(|e| self.error(e, "reading the table size"))?;
        Ok(StoreStats {
            total,
            expired,
            oldest_expire_date: oldest,
            newest_expire_date: newest,
            data_bytes,
            table_bytes: table_bytes.flatten(),
        })
    }

    fn lock_purge(&mut self, wait: bool) -> Result<()> {
        // A named lock held by this connection: released by the server when it closes,
        // even if sessctl is killed.
        let name = lock_name(&self.database, &self.table);
        let timeout = if wait { LOCK_WAIT_FOREVER } else { 0 };
        let got: Option<Option<i64>> = self
            .conn
            .exec_first("SELECT GET_LOCK(?, ?)", (name.as_str(), timeout))
            .map_err(|e| self.error(e, "taking the purge lock"))?;
        match got.flatten() {
            Some(1) => {
                self.lock_name = Some(name);
                Ok(())
            }
            Some(_) if !wait => Err(coded(
                ExitCode::Busy,
                format!(
                    "another sessctl purge of {} is running (lock `{name}`); try later, or pass --wait",
                    self.describe()
                ),
            )),
            _ => Err(anyhow::anyhow!(
                "cannot take the purge lock `{name}` of {}",
                self.describe()
            )),
        }
    }

    fn vacuum(&mut self) -> Result<()> {
        // InnoDB answers OPTIMIZE with a rebuild ("recreate + analyze"), done online;
        // it reports problems as result rows, not as errors.
        let rows: Vec<Row> = self
            .conn
            .query(format!("OPTIMIZE TABLE {}", self.quoted))
            .map_err(|e| self.error(e, "optimizing"))?;
        for mut row in rows {
            let kind = text(row.take::<Value, _>(2).unwrap_or(Value::NULL));
            let message = text(row.take::<Value, _>(3).unwrap_or(Value::NULL));
            if kind.eq_ignore_ascii_case("error") {
                return Err(anyhow::anyhow!(
                    "OPTIMIZE TABLE {}: {message}",
                    self.describe()
                ));
            }
        }
        Ok(())
    }
}

/// Connects, retrying transient failures; every failure is exit 3 with the reason.
fn connect(server: &ServerUrl, shown: &str) -> Result<Conn> {
    let timeout = server.connect_timeout(shown)?;
    let mut builder = OptsBuilder::new()
        .user(server.user.clone())
        .pass(server.password.clone())
        .db_name(server.database.clone())
        // Otherwise the driver may switch a loopback TCP connection to a socket it
        // guesses: connect where the URL says.
        .prefer_socket(false)
        .tcp_connect_timeout(Some(timeout));
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
    let result = match attempt(ssl) {
        // prefer: a server without TLS is spoken to in plain text.
        Err(mysql::Error::DriverError(DriverError::TlsNotSupported)) if mode == TlsMode::Prefer => {
            attempt(None)
        }
        other => other,
    };
    let plain_tcp = !socket && mode == TlsMode::Disable;
    result.map_err(|e| connect_error(&e, server, shown, plain_tcp))
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
            "authentication failed for user `{user}` ({}); check the user and password in the URL, \
             or drop ssl-mode=DISABLED: a server running with require_secure_transport refuses \
             connections without TLS this way",
            server_message(e)
        ),
        Some(1045) => format!(
            "authentication failed for user `{user}` ({}); check the user and password in the URL",
            server_message(e)
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

fn mysql_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

fn server_message(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => m.message.clone(),
        other => other.to_string(),
    }
}

/// Lock wait timeout, deadlock, statement timeout: the transaction rolled back and may
/// be run again.
fn is_retryable(e: &mysql::Error) -> bool {
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

fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The `GET_LOCK` name of a table: at most 64 characters (MySQL's limit), so a long
/// name is shortened and made unique again with a hash.
fn lock_name(database: &str, table: &str) -> String {
    let full = format!("sessctl:{database}.{table}");
    if full.len() <= 64 {
        return full;
    }
    // FNV-1a: stable across builds, unlike std's hasher.
    let hash = full.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut prefix: String = full.chars().take(40).collect();
    while prefix.len() > 40 {
        prefix.pop();
    }
    format!("{prefix}~{hash:016x}")
}

fn text(value: Value) -> String {
    match value {
        Value::Bytes(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Value::NULL => String::new(),
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        other => other.as_sql(true),
    }
}

fn number(value: Value) -> u64 {
    match value {
        Value::Int(n) => n.max(0) as u64,
        Value::UInt(n) => n,
        Value::Bytes(b) => String::from_utf8_lossy(&b).trim().parse().unwrap_or(0),
        _ => 0,
    }
}

fn naive(value: Value) -> Option<NaiveDateTime> {
    match value {
        Value::Date(y, mo, d, h, mi, s, us) => {
            NaiveDate::from_ymd_opt(y.into(), mo.into(), d.into())
                .and_then(|date| date.and_hms_micro_opt(h.into(), mi.into(), s.into(), us))
        }
        Value::Bytes(b) => {
            let text = String::from_utf8_lossy(&b).into_owned();
            ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
        }
        _ => None,
    }
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
    fn lock_names_fit_mysql() {
        assert_eq!(
            lock_name("app", "django_session"),
            "sessctl:app.django_session"
        );
        let long = lock_name(&"d".repeat(64), &"t".repeat(64));
        assert!(long.len() <= 64, "{long}");
        assert_ne!(long, lock_name(&"d".repeat(64), &"u".repeat(64)));
    }

    #[test]
    fn stored_datetimes_read_back() {
        let v = Value::Date(2025, 6, 1, 11, 59, 59, 999_999);
        assert_eq!(naive(v).unwrap().to_string(), "2025-06-01 11:59:59.999999");
        assert_eq!(
            naive(Value::Bytes(b"2025-06-15 11:00:00.000000".to_vec()))
                .unwrap()
                .to_string(),
            "2025-06-15 11:00:00"
        );
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
