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

use anyhow::Result;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use mysql::prelude::Queryable;
use mysql::{Params, Row, TxOpts, Value};
use url::Url;

use super::sql::{batch_backoff, Span, BATCH_RETRIES, STATEMENT_TIMEOUT};
use super::{Cursor, SessionStore, StoreStats};
use crate::db::mysql::{
    self as my, is_retryable, mysql_code, quote_ident, server_message, Connection,
};
use crate::db::{unavailable, Access};
use crate::exit::{coded, ExitCode};
use crate::session::{Action, Condition, StoredSession, Target};
use crate::zone::StoreZone;

/// `GET_LOCK` with `--wait`: a year. MariaDB reads a negative timeout as an error, not
/// as "forever" the way MySQL does.
const LOCK_WAIT_FOREVER: u32 = 365 * 24 * 3600;

pub struct MysqlStore {
    conn: Connection,
    table: String,
    quoted: String,
    zone: StoreZone,
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
        let conn = my::connect(url, shown, access)?;
        let mut store = MysqlStore {
            conn,
            table: table.to_owned(),
            quoted: quote_ident(table),
            zone,
            walk: None,
            lock_name: None,
        };
        store.check_schema(access)?;
        Ok(store)
    }

    /// Fails with exit 3 unless the table exists, has Django's three session columns,
    /// and (for changes) may be deleted from by this user.
    fn check_schema(&mut self, access: Access) -> Result<()> {
        let columns = self.conn.columns(&self.table)?;
        if columns.is_empty() {
            return Err(unavailable(format!(
                "database `{}` at {} has no table `{}`; is this the Django database? (custom session models: --table)",
                self.conn.database, self.conn.shown, self.table
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
                self.conn.shown,
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
                    self.table, self.conn.shown
                )));
            }
        }
        if access == Access::Write {
            // Privileges are checked when a statement is prepared, even when it would
            // change no row: this asks the server without parsing SHOW GRANTS.
            let probe = format!("DELETE FROM {} WHERE 1 = 0", self.quoted);
            if let Err(e) = self.conn.conn.query_drop(probe) {
                return Err(match mysql_code(&e) {
                    Some(1142) => unavailable(format!(
                        "the user may not DELETE from table `{}` at {} (permission denied: {}); grant DELETE, UPDATE on it",
                        self.table,
                        self.conn.shown,
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
        if self.conn.mariadb {
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
        if self.conn.mariadb {
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
                let mut tx = self.conn.conn.start_transaction(TxOpts::default())?;
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

    fn error(&self, e: mysql::Error, what: &str) -> anyhow::Error {
        self.conn.error(e, what, Some(&self.table))
    }
}

impl SessionStore for MysqlStore {
    fn describe(&self) -> String {
        format!("table `{}` at {}", self.table, self.conn.shown)
    }

    fn count(&mut self, cond: &Condition) -> Result<u64> {
        let mut sql = format!("SELECT COUNT(*) FROM {} WHERE 1", self.quoted);
        let mut params = Vec::new();
        self.cond_sql(&mut sql, &mut params, cond);
        let n: Option<u64> = self
            .conn
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
        let name = lock_name(&self.conn.database, &self.table);
        let timeout = if wait { LOCK_WAIT_FOREVER } else { 0 };
        let got: Option<Option<i64>> = self
            .conn
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
}
