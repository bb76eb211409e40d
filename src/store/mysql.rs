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
use super::{
    Capabilities, ClearExpired, Cursor, Estimate, KeyAfter, Receipt, SessionStore, StoreStats,
    Vacuum,
};
use crate::db::mysql::{self as my, is_retryable, mysql_code, quote_ident, Connection};
use crate::db::{unavailable, Access};
use crate::exit::{coded, ExitCode};
use crate::session::{Action, Condition, Edit, Payload, StoredSession, Target};
use crate::zone::StoreZone;

/// `GET_LOCK` with `--wait`: a year. MariaDB reads a negative timeout as an error, not
/// as "forever" the way MySQL does.
const LOCK_WAIT_FOREVER: u32 = 365 * 24 * 3600;

/// Rows per batch on Galera when `--batch-size` is not given: every batch is one
/// writeset that each node certifies and applies, and a large one stalls the cluster
/// (flow control) and conflicts more often.
const GALERA_BATCH: usize = 1_000;

/// Halvings of one batch on Galera before its certification conflicts fail the run.
const GALERA_HALVINGS: u32 = 16;

/// Keys bound in one `IN (…)` list, well below the protocol's 65,535 placeholders.
const KEYS_PER_STATEMENT: usize = 10_000;

/// Where a bulk walk stands between two `apply_range` calls: the cursor's position.
struct Walk {
    /// The next range starts after this key (`None` before the first).
    after: Option<String>,
    span: Span,
}

/// One change statement of a batch, in parts: with keys wanted, the rows of `filter`
/// are found first and then changed by key under the same condition.
struct Change {
    /// `DELETE FROM t` or `UPDATE t SET …`, and the SET clause's parameters.
    prefix: String,
    set_params: Vec<Value>,
    /// The rows to change, the edit's condition included, and its parameters.
    filter: String,
    filter_params: Vec<Value>,
    /// The edit's condition alone (` AND …`), and its parameters.
    cond: String,
    cond_params: Vec<Value>,
    /// The one key `filter` can select, when it selects by key.
    single_key: Option<String>,
    /// At most this many rows, the first in key order (`ORDER BY session_key LIMIT n`):
    /// a range sized from the density seen so far may hold more matching rows than a
    /// batch may change.
    limit: Option<usize>,
}

pub struct MysqlStore {
    conn: Connection,
    table: String,
    quoted: String,
    zone: StoreZone,
    /// The purge lock's name while held.
    lock_name: Option<String>,
    /// Where the store is, for the connections of the replication watchers and the
    /// Galera lock's heartbeat.
    url: Url,
    shown: String,
    /// The server is a Galera node (`wsrep_on`).
    galera: bool,
    /// The cluster-wide purge lock, while held (Galera).
    cluster_lock: Option<super::galera_lock::ClusterLock>,
}

impl MysqlStore {
    pub fn open(
        url: &Url,
        shown: &str,
        table: &str,
        zone: StoreZone,
        access: Access,
    ) -> Result<MysqlStore> {
        let mut conn = my::connect(url, shown, access)?;
        let galera = super::galera_lock::wsrep_on(&mut conn.conn);
        let mut store = MysqlStore {
            conn,
            table: table.to_owned(),
            quoted: quote_ident(table),
            zone,
            lock_name: None,
            url: url.clone(),
            shown: shown.to_owned(),
            galera,
            cluster_lock: None,
        };
        store.check_schema(access)?;
        if galera && access.writes() {
            store.check_synced()?;
        }
        Ok(store)
    }

    /// Fails with exit 3 unless the table exists, has Django's three session columns,
    /// and this user holds exactly the privileges `access` needs (SELECT; DELETE for
    /// purges, UPDATE for `expire`).
    fn check_schema(&mut self, access: Access) -> Result<()> {
        // Privileges first: information_schema hides the columns of a table the user
        // may not read, which would look like a missing table. Privileges are checked
        // when a statement is prepared, so preparing (never running) one asks the
        // server without parsing SHOW GRANTS and without touching a row.
        let read = format!("SELECT * FROM {} WHERE 1 = 0", self.quoted);
        match self.conn.prepare_only(&read) {
            Ok(()) => {}
            Err(e) if mysql_code(&e) == Some(1146) => return Err(self.no_table()),
            Err(e) if matches!(mysql_code(&e), Some(1142 | 1143)) => {
                return Err(self.denied(&["SELECT"], access))
            }
            Err(e) => return Err(self.error(e, "checking the SELECT privilege")),
        }
        let columns = self.conn.columns(&self.table)?;
        if columns.is_empty() {
            return Err(self.no_table());
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
        let change = match access {
            Access::Read => return Ok(()),
            Access::Delete => ("DELETE", format!("DELETE FROM {} WHERE 1 = 0", self.quoted)),
            Access::Update => (
                "UPDATE",
                format!(
                    "UPDATE {} SET expire_date = expire_date WHERE 1 = 0",
                    self.quoted
                ),
            ),
        };
        match self.conn.prepare_only(&change.1) {
            Ok(()) => Ok(()),
            Err(e) if matches!(mysql_code(&e), Some(1142 | 1143)) => {
                Err(self.denied(&[change.0], access))
            }
            Err(e) => Err(self.error(e, &format!("checking the {} privilege", change.0))),
        }
    }

    /// A change on a Galera node that is not Synced (a donor, a joiner, a desynced
    /// node) would run on a node that is not part of the cluster's agreement, or wait
    /// behind its catch-up: refused (exit 3), naming the state.
    fn check_synced(&mut self) -> Result<()> {
        let status = super::mysql_replicas::wsrep_status(&mut self.conn.conn)
            .map_err(|e| self.error(e, "reading the Galera status"))?;
        let state = status
            .get("wsrep_local_state_comment")
            .cloned()
            .unwrap_or_default();
        let cluster = status
            .get("wsrep_cluster_status")
            .cloned()
            .unwrap_or_default();
        if state != "Synced" || cluster != "Primary" {
            return Err(unavailable(format!(
                "{} is a Galera node in state {state} (cluster {cluster}), not Synced in the Primary component; purge from a Synced node",
                self.conn.shown
            )));
        }
        Ok(())
    }

    fn no_table(&self) -> anyhow::Error {
        unavailable(format!(
            "database `{}` at {} has no table `{}`; is this the Django database? (custom session models: --table)",
            self.conn.database, self.conn.shown, self.table
        ))
    }

    /// Permission denied for `missing`: says which privileges the command needs. The
    /// server answers "denied" for a table that does not exist too, when the user holds
    /// no privilege on it at all: information_schema tells the two apart.
    fn denied(&mut self, missing: &[&str], access: Access) -> anyhow::Error {
        let user = self.conn.current_user();
        let visible = self.conn.table_visible(&self.table);
        let mut message = crate::db::missing_privileges(
            &format!("user {user}"),
            missing,
            access,
            &format!("table `{}` at {}", self.table, self.conn.shown),
        );
        if !visible {
            message.push_str(" (the user holds no privilege on that table, so the server does not say whether it exists)");
        }
        unavailable(message)
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
        time_value(self.zone, t)
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
            payload: Payload::Signed(data),
            expire_date,
            expired,
        }
    }

    /// Runs `changes` in one short transaction, retrying deadlocks and timeouts with
    /// backoff. With `keys`, each change reports the keys it changed.
    fn transaction(&mut self, changes: &[Change], keys: bool) -> Result<Receipt> {
        self.transaction_raw(changes, keys, false)
            .map_err(|e| self.error(e, "changing sessions"))
    }

    /// [`transaction`](Self::transaction) with the server's error as it came. With
    /// `halving`, a deadlock on a Galera node (a certification conflict at commit, or
    /// a local deadlock) is not retried at the same size: it is handed back, for the
    /// caller to retry with a smaller batch.
    fn transaction_raw(
        &mut self,
        changes: &[Change],
        keys: bool,
        halving: bool,
    ) -> mysql::Result<Receipt> {
        self.check_cluster_lock()?;
        let mut attempt = 0;
        loop {
            match self.try_transaction(changes, keys) {
                Ok(receipt) => {
                    return Ok(Receipt {
                        retries: attempt,
                        ..receipt
                    })
                }
                Err(e) if halving && mysql_code(&e) == Some(1213) => return Err(e),
                Err(e) if attempt < BATCH_RETRIES && is_retryable(&e) => {
                    attempt += 1;
                    std::thread::sleep(batch_backoff(attempt));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Fails once the cluster-wide lock's heartbeat has found it taken over.
    fn check_cluster_lock(&self) -> mysql::Result<()> {
        match &self.cluster_lock {
            Some(lock) if lock.lost() => Err(mysql::Error::MySqlError(mysql::MySqlError {
                state: "HY000".into(),
                message: format!(
                    "the cluster-wide purge lock `{}` expired and was taken by another sessctl: stopping (see sessctl_lock)",
                    lock.name()
                ),
                code: 0,
            })),
            _ => Ok(()),
        }
    }

    fn try_transaction(&mut self, changes: &[Change], keys: bool) -> mysql::Result<Receipt> {
        let mariadb = self.conn.mariadb;
        let limited = |sql: String| limited(mariadb, sql);
        let statement = |change: &Change, filter: &str, extra: &[Value]| {
            let mut params = change.set_params.clone();
            params.extend(extra.iter().cloned());
            (limited(format!("{} WHERE {filter}", change.prefix)), params)
        };
        let capped = |change: &Change, filter: &str| match change.limit {
            Some(n) => format!("{filter} ORDER BY session_key LIMIT {n}"),
            None => filter.to_owned(),
        };
        let mut tx = self.conn.conn.start_transaction(TxOpts::default())?;
        let mut receipt = Receipt::default();
        for change in changes {
            if !keys {
                let (sql, params) = statement(
                    change,
                    &capped(change, &change.filter),
                    &change.filter_params,
                );
                tx.exec_drop(sql.as_str(), Params::Positional(params))?;
                receipt.changed += tx.affected_rows();
                continue;
            }
            if let Some(key) = &change.single_key {
                let (sql, params) = statement(change, &change.filter, &change.filter_params);
                tx.exec_drop(sql.as_str(), Params::Positional(params))?;
                if tx.affected_rows() > 0 {
                    receipt.changed += tx.affected_rows();
                    receipt.keys.push(key.clone());
                }
                continue;
            }
            // MySQL has no RETURNING: the rows are found and locked first (READ
            // COMMITTED locks exactly the rows found), then changed by key, so the keys
            // reported are exactly the rows changed.
            let found: Vec<Value> = tx.exec(
                limited(format!(
                    "SELECT session_key FROM {} WHERE {} FOR UPDATE",
                    self.quoted,
                    capped(change, &change.filter)
                )),
                Params::Positional(change.filter_params.clone()),
            )?;
            let found: Vec<String> = found.into_iter().map(text).collect();
            for chunk in found.chunks(KEYS_PER_STATEMENT) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let mut extra: Vec<Value> = chunk.iter().map(|k| Value::from(k.as_str())).collect();
                extra.extend(change.cond_params.iter().cloned());
                let filter = format!("session_key IN ({marks}){}", change.cond);
                let (sql, params) = statement(change, &filter, &extra);
                tx.exec_drop(sql.as_str(), Params::Positional(params))?;
                receipt.changed += tx.affected_rows();
            }
            receipt.keys.extend(found);
        }
        tx.commit()?;
        receipt.matched = receipt.changed;
        Ok(receipt)
    }

    /// The change of `edit` for the rows `filter` selects (with the edit's condition).
    fn change(&self, edit: &Edit, filter: String, filter_params: Vec<Value>) -> Change {
        let mut set_params = Vec::new();
        let prefix = self.change_sql(edit.action, &mut set_params);
        let mut cond = String::new();
        let mut cond_params = Vec::new();
        self.cond_sql(&mut cond, &mut cond_params, &edit.cond);
        let mut all_params = filter_params;
        all_params.extend(cond_params.iter().cloned());
        Change {
            prefix,
            set_params,
            filter: format!("{filter}{cond}"),
            filter_params: all_params,
            cond,
            cond_params,
            single_key: None,
            limit: None,
        }
    }

    fn error(&self, e: mysql::Error, what: &str) -> anyhow::Error {
        self.conn.error(e, what, Some(&self.table))
    }
}

impl MysqlStore {
    /// The table's size on disk and whether it is only an estimate.
    ///
    /// A table with its own tablespace (innodb_file_per_table, the default) is measured
    /// by its `.ibd` file, as the server reports it (table, indexes and off-page data).
    /// Otherwise, or without the PROCESS privilege those figures need, it is InnoDB's
    /// `data_length + index_length`: an estimate from its statistics, stale until the
    /// next ANALYZE TABLE (32 KiB for a table of 77 MB filled since), marked as such.
    fn table_bytes(&mut self) -> Result<(Option<u64>, bool)> {
        if let Some(name) = tablespace_name(&self.conn.database, &self.table) {
            let views = if self.conn.mariadb {
                ["INNODB_SYS_TABLESPACES", "INNODB_TABLESPACES"]
            } else {
                ["INNODB_TABLESPACES", "INNODB_SYS_TABLESPACES"]
            };
            for view in views {
                let size: std::result::Result<Option<Option<u64>>, _> =
                    self.conn.conn.exec_first(
                        format!(
                            "SELECT CAST(FILE_SIZE AS UNSIGNED) FROM information_schema.{view} WHERE NAME = ?"
                        ),
                        (name.as_str(),),
                    );
                match size {
                    Ok(Some(Some(bytes))) => return Ok((Some(bytes), false)),
                    // No such tablespace: the table lives in a shared one.
                    Ok(_) => break,
                    // No such view (the other server), or no PROCESS privilege.
                    Err(_) => continue,
                }
            }
        }
        let estimate: Option<Option<u64>> = self
            .conn
            .conn
            .exec_first(
                "SELECT CAST(data_length + index_length AS UNSIGNED) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = ?",
                (self.table.as_str(),),
            )
            .map_err(|e| self.error(e, "reading the table size"))?;
        Ok((estimate.flatten(), true))
    }
}

/// The name InnoDB gives the tablespace of `database`.`table`: `database/table`, each
/// in the server's file-name encoding, which keeps ASCII letters, digits and `_` and
/// writes any other ASCII character as `@00xx`. `None` for a name with other
/// characters (their encoding depends on tables sessctl does not reproduce).
fn tablespace_name(database: &str, table: &str) -> Option<String> {
    let encode = |name: &str| -> Option<String> {
        let mut out = String::with_capacity(name.len());
        for c in name.chars() {
            match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => out.push(c),
                c if c.is_ascii() => out.push_str(&format!("@{:04x}", c as u32)),
                _ => return None,
            }
        }
        Some(out)
    };
    Some(format!("{}/{}", encode(database)?, encode(table)?))
}

impl SessionStore for MysqlStore {
    fn describe(&self) -> String {
        format!("table `{}` at {}", self.table, self.conn.shown)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            enumerate: true,
            cheap_count: true,
            clear_expired: ClearExpired::Delete,
        }
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
        if cursor.is_done() {
            return Ok(Vec::new());
        }
        let after = cursor.position::<KeyAfter>().map(|k| k.0.clone());
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
        cursor.after_key_page(&page, limit);
        Ok(page)
    }

    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        if cursor.is_done() {
            return Ok(Receipt::default());
        }
        if cursor.position::<Walk>().is_none() {
            // The first range assumes every row matches; then the span follows the
            // density the batches find.
            cursor.advance(Walk {
                after: None,
                span: Span::new(limit as f64, limit, limit as f64 * 50.0),
            });
        }
        let walk = cursor
            .position_mut::<Walk>()
            .expect("the walk was begun above");
        let span = walk.span.units();
        // The key `span` entries further on closes this batch, found outside the
        // change's transaction: the DELETE re-checks everything it needs.
        let mut sql = self.limited_select(&format!("session_key FROM {}", self.quoted));
        let mut params = Vec::new();
        if let Some(after) = &walk.after {
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
        let mut filter = "1".to_owned();
        let mut params = Vec::new();
        if let Some(after) = &walk.after {
            filter.push_str(" AND session_key > ?");
            params.push(Value::from(after.as_str()));
        }
        if let Some(end) = &boundary {
            filter.push_str(" AND session_key <= ?");
            params.push(Value::from(end.as_str()));
        }
        // An update leaves its rows in place (still matching, maybe): the walk goes on
        // after the last key it changed, so it needs the keys.
        let updates = matches!(edit.action, Action::ExpireAt(_));
        // On Galera a batch that meets a certification conflict is tried again with
        // half as many rows (a smaller writeset conflicts less), down to one row.
        let mut limit = limit;
        let mut halved = 0u32;
        let mut receipt = loop {
            let mut change = self.change(edit, filter.clone(), params.clone());
            change.limit = Some(limit);
            match self.transaction_raw(&[change], edit.report_keys || updates, self.galera) {
                Ok(receipt) => break receipt,
                Err(e) if mysql_code(&e) == Some(1213) && halved < GALERA_HALVINGS => {
                    if limit == 1 {
                        // One row cannot be halved: retry it as it is, a few times.
                        halved += 1;
                    } else {
                        limit = (limit / 2).max(1);
                        halved += 1;
                    }
                    std::thread::sleep(batch_backoff(halved.min(BATCH_RETRIES)));
                }
                Err(e) => return Err(self.error(e, "changing sessions")),
            }
        };
        receipt.halved = halved;
        let walk = cursor
            .position_mut::<Walk>()
            .expect("the walk was begun above");
        walk.span.observe(span, receipt.changed);
        let full = if updates {
            receipt.keys.len() >= limit
        } else {
            receipt.changed >= limit as u64
        };
        if full {
            // The cap cut the range short: the next batch starts where this one
            // stopped (deleted rows are gone; updated ones end before the next key).
            if updates {
                walk.after = receipt.keys.iter().max().cloned().or(walk.after.take());
            }
        } else {
            match boundary {
                Some(end) => walk.after = Some(end),
                None => cursor.finish(),
            }
        }
        if !edit.report_keys {
            receipt.keys.clear();
        }
        Ok(receipt)
    }

    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt> {
        let mut changes = Vec::with_capacity(targets.len());
        for target in targets {
            let mut filter = "session_key = ?".to_owned();
            let mut params = vec![Value::from(target.key.as_str())];
            match &target.payload {
                Some(Payload::Signed(data)) => {
                    // Byte for byte: the column's collation may ignore case or trailing space.
                    filter.push_str(" AND CAST(session_data AS BINARY) = CAST(? AS BINARY)");
                    params.push(Value::from(data.as_str()));
                }
                // A table holds text: bytes from elsewhere cannot be what it holds.
                Some(Payload::Cached(_)) => continue,
                None => {}
            }
            let mut change = self.change(edit, filter, params);
            change.single_key = Some(target.key.clone());
            changes.push(change);
        }
        if changes.is_empty() {
            return Ok(Receipt::default());
        }
        self.transaction(&changes, edit.report_keys)
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
        let (table_bytes, table_bytes_estimate) = self.table_bytes()?;
        Ok(StoreStats {
            total,
            expired,
            oldest_expire_date: oldest,
            newest_expire_date: newest,
            data_bytes,
            table_bytes,
            table_bytes_estimate,
        })
    }

    fn estimate(&mut self, now: DateTime<Utc>) -> Result<Estimate> {
        let row: Option<Row> = self
            .conn
            .conn
            .exec_first(
                "SELECT CAST(TABLE_ROWS AS UNSIGNED), CAST(AVG_ROW_LENGTH AS UNSIGNED) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                (self.table.as_str(),),
            )
            .map_err(|e| self.error(e, "reading the table's statistics"))?;
        let mut row = row.ok_or_else(|| anyhow::anyhow!("no statistics row for {}", self.table))?;
        let total = number(row.take::<Value, _>(0).unwrap_or(Value::NULL));
        let avg_row = number(row.take::<Value, _>(1).unwrap_or(Value::NULL));
        // InnoDB's persistent statistics say when they were gathered; reading them needs
        // SELECT on mysql.innodb_table_stats, which a session role may lack.
        let analyzed: Option<Value> = self
            .conn
            .conn
            .exec_first(
                "SELECT last_update FROM mysql.innodb_table_stats WHERE database_name = DATABASE() AND table_name = ?",
                (self.table.as_str(),),
            )
            .unwrap_or(None);
        let analyzed_at = analyzed
            .and_then(naive)
            .map(|n| chrono::DateTime::<Utc>::from_naive_utc_and_offset(n, Utc));
        // The optimizer's row estimate for the purge predicate: index dives on the
        // expire_date index, the figure EXPLAIN shows in `rows`.
        let explain: Vec<Row> = self
            .conn
            .conn
            .exec(
                format!(
                    "EXPLAIN SELECT 1 FROM {} WHERE expire_date < ?",
                    self.quoted
                ),
                Params::Positional(vec![self.time_param(now)]),
            )
            .map_err(|e| self.error(e, "estimating the expired sessions"))?;
        let expired = explain.into_iter().next().and_then(|mut r| {
            let i = r
                .columns_ref()
                .iter()
                .position(|c| c.name_str() == "rows")?;
            Some(number(r.take::<Value, _>(i)?))
        });
        let ends: Option<Row> = self
            .conn
            .conn
            .query_first(format!(
                "SELECT MIN(expire_date), MAX(expire_date) FROM {}",
                self.quoted
            ))
            .map_err(|e| self.error(e, "reading the expiry range"))?;
        let (oldest, newest) = match ends {
            Some(mut r) => (
                naive(r.take::<Value, _>(0).unwrap_or(Value::NULL)).map(|n| self.zone.instant(n)),
                naive(r.take::<Value, _>(1).unwrap_or(Value::NULL)).map(|n| self.zone.instant(n)),
            ),
            None => (None, None),
        };
        let (table_bytes, table_bytes_estimate) = self.table_bytes()?;
        Ok(Estimate {
            total: Some(total),
            expired,
            oldest_expire_date: oldest,
            newest_expire_date: newest,
            data_bytes: Some(total.saturating_mul(avg_row)),
            table_bytes,
            table_bytes_estimate,
            source: "information_schema.TABLES and the optimizer's row estimate",
            analyzed_at,
        })
    }

    fn lock_purge(&mut self, wait: Option<std::time::Duration>) -> Result<()> {
        let name = lock_name(&self.conn.database, &self.table);
        if self.galera {
            // GET_LOCK is node-local on Galera: a row in a cluster-wide table instead.
            let described = self.describe();
            let lock = super::galera_lock::ClusterLock::take(
                &mut self.conn,
                &self.url,
                &self.shown,
                &name,
                wait,
                &described,
            )?;
            self.cluster_lock = Some(lock);
            return Ok(());
        }
        // A named lock held by this connection: released by the server when it closes,
        // even if sessctl is killed.
        let timeout = wait.map_or(0, |w| {
            u32::try_from(w.as_secs_f64().ceil() as u64)
                .unwrap_or(LOCK_WAIT_FOREVER)
                .min(LOCK_WAIT_FOREVER)
        });
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
            Some(_) => Err(coded(
                ExitCode::Busy,
                format!(
                    "another sessctl purge of {} is running (lock `{name}`); {}",
                    self.describe(),
                    super::busy_advice(wait)
                ),
            )),
            _ => Err(anyhow::anyhow!(
                "cannot take the purge lock `{name}` of {}",
                self.describe()
            )),
        }
    }

    fn replication(
        &mut self,
        replicas: &[String],
        _max_lag: bool,
    ) -> Result<Option<Box<dyn crate::purge::Replication>>> {
        use super::mysql_replicas::{GaleraNode, MysqlReplicas, Several};
        let mut watchers: Vec<Box<dyn crate::purge::Replication>> = Vec::new();
        if self.galera {
            watchers.push(Box::new(GaleraNode::open(&self.url, &self.shown)?));
        }
        if !replicas.is_empty() {
            watchers.push(Box::new(MysqlReplicas::open(
                &self.url,
                &self.shown,
                replicas,
            )?));
        }
        Ok(match watchers.len() {
            0 => None,
            1 => watchers.pop(),
            _ => Some(Box::new(Several(watchers))),
        })
    }

    fn default_batch_size(&self) -> Option<usize> {
        self.galera.then_some(GALERA_BATCH)
    }

    fn vacuum(&mut self) -> Result<Vacuum> {
        // InnoDB answers OPTIMIZE with a rebuild ("recreate + analyze"): ALTER TABLE …
        // FORCE, online (ALGORITHM=INPLACE: the app reads and writes meanwhile, with a
        // brief metadata lock at the start and the end). It reports problems as result
        // rows, not as errors.
        let (before, estimate_before) = self.table_bytes()?;
        let started = std::time::Instant::now();
        let rows: Vec<Row> = self
            .conn
            .conn
            .query(format!("OPTIMIZE TABLE {}", self.quoted))
            .map_err(|e| self.error(e, "optimizing"))?;
        let elapsed = started.elapsed();
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
        let (after, estimate_after) = self.table_bytes()?;
        let estimate = estimate_before || estimate_after;
        Ok(Vacuum {
            statement: Some("OPTIMIZE TABLE"),
            elapsed,
            measured: Some(if estimate {
                "table and indexes (InnoDB's estimate)"
            } else {
                "table and indexes (its .ibd file)"
            }),
            bytes_before: before,
            bytes_after: after,
            estimate,
            effect: "rebuilt the table and its indexes online (InnoDB: ALTER TABLE … FORCE, ALGORITHM=INPLACE), which gives the space of deleted sessions back to the file system when the table has its own tablespace file (innodb_file_per_table); it needs free disk of the table's size while it runs".to_owned(),
            note: estimate.then(|| {
                "the sizes are InnoDB's estimates: the table's tablespace file could not be read (no PROCESS privilege, or the table lives in the shared tablespace)".to_owned()
            }),
        })
    }
}

/// `sql` (a batch's statement) under the per-statement time limit.
fn limited(mariadb: bool, sql: String) -> String {
    if mariadb {
        format!(
            "SET STATEMENT max_statement_time = {} FOR {sql}",
            STATEMENT_TIMEOUT.as_secs()
        )
    } else {
        // MySQL limits only SELECTs (MAX_EXECUTION_TIME); its DELETEs are bounded by
        // the range size and innodb_lock_wait_timeout.
        sql
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

/// `t` as Django binds a datetime on MySQL: the naive wall-clock value in `zone`
/// (session tables and Django's cache table alike).
pub(crate) fn time_value(zone: StoreZone, t: DateTime<Utc>) -> Value {
    let n = zone.naive(t);
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

pub(crate) fn naive(value: Value) -> Option<NaiveDateTime> {
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
    fn tablespace_names_in_the_file_name_encoding() {
        assert_eq!(
            tablespace_name("test", "django_session").as_deref(),
            Some("test/django_session")
        );
        assert_eq!(
            tablespace_name("my-site", "sess$ions").as_deref(),
            Some("my@002dsite/sess@0024ions")
        );
        assert_eq!(tablespace_name("test", "sessión"), None);
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
}
