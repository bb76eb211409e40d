//! The PostgreSQL store: Django's `django_session` table over a `postgres://` URL.
//!
//! Bulk changes walk the heap in physical order with TID-range batches (PostgreSQL 14+),
//! each in its own short transaction with `SET LOCAL lock_timeout/statement_timeout`.
//! A TID range scan reads exactly the blocks of its range, so the last batch costs what
//! the first did — unlike a `LIMIT` loop over the `expire_date` index, which walks past
//! the dead index entries of every earlier batch again. Block ranges are sized so a
//! batch changes about `--batch-size` rows (see [`Span`]), but the size is only a guess
//! (the part of the heap walked so far may be emptier than what follows), so a batch
//! picks at most `--batch-size` matching rows of its range in `ctid` order, changes
//! exactly those, and the next batch starts right after the last one picked. Servers
//! before 14 have no TID range scan; there the walk goes along the primary key instead
//! (`session_key > a AND <= b`), bounded the same way.
//!
//! Invariants:
//! - a batch never changes more rows than `--batch-size`;
//! - every DELETE/UPDATE re-checks the condition, so a session renewed between two
//!   batches (its `expire_date` moved forward) survives;
//! - a walk that finds the table rewritten under it (VACUUM FULL, CLUSTER: a new file
//!   node, every row moved) starts again from the first block, so a run that ends
//!   complete has left no matching row behind in the ranges it walked;
//! - `expire_date` is `timestamptz` (what Django creates whatever `USE_TZ` is): it is
//!   compared with `now` bound as an instant, and read as an instant;
//! - a batch runs under sessctl's lock and statement timeouts, or the role's own when
//!   they are stricter;
//! - a read-only command opens a read-only session (`default_transaction_read_only`);
//! - the purge lock is a session-level advisory lock keyed by the table's oid, held for
//!   as long as the connection lives.

use anyhow::Result;
use chrono::{DateTime, NaiveDateTime, Utc};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use url::Url;

use super::sql::{batch_backoff, Span, BATCH_RETRIES, LOCK_TIMEOUT, STATEMENT_TIMEOUT};
use super::{
    Capabilities, ClearExpired, Cursor, Estimate, KeyAfter, Notices, Receipt, SessionStore,
    StoreStats, Vacuum,
};
use crate::db::postgres::{self as pg, is_retryable, quote_ident, Connection, Failure, Limit};
use crate::db::{unavailable, Access};
use crate::exit::{coded, ExitCode};
use crate::purge::StopFlag;
use crate::session::{Action, Condition, Edit, Payload, StoredSession, Target};
use crate::zone::StoreZone;

/// High half of the advisory-lock key; the low half is the table's oid.
const LOCK_NAMESPACE: i64 = 0x05E5_5C71;

/// How the `expire_date` column holds time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeKind {
    /// `timestamp with time zone`: an instant (Django's choice).
    Instant,
    /// `timestamp without time zone` (not Django's DDL): naive, read in `--time-zone`.
    Naive,
}

/// Where a bulk walk stands between two `apply_range` calls: the cursor's position.
#[derive(Debug)]
struct Walk {
    /// The next range starts here.
    at: WalkAt,
    span: Span,
    /// Tuple slots per block (`MaxHeapTuplesPerPage`): a position in the walk is
    /// `block * slots + offset`, so a range can end inside a block when one block holds
    /// more matching rows than a batch may change.
    slots: i64,
    /// Position of the end of the heap when the walk began; the range that reaches it
    /// is left open, so rows added at the end meanwhile are walked too.
    end: i64,
    /// The table's file node when the walk began: a rewrite gives it a new one.
    filenode: i64,
}

/// What the selection of one batch of a walk saw.
struct Picked {
    /// Rows picked to change (at most the batch size).
    count: u64,
    /// The last row picked (its `ctid` or key), as text.
    last: Option<String>,
    /// The table's file node while the batch held its lock.
    filenode: i64,
}

/// A position `block * slots + offset` from a `ctid` in text form, `(block,offset)`.
fn parse_tid(text: &str, slots: i64) -> Option<i64> {
    let (block, offset) = text.trim_matches(['(', ')']).split_once(',')?;
    Some(block.trim().parse::<i64>().ok()? * slots + offset.trim().parse::<i64>().ok()?)
}

#[derive(Debug)]
enum WalkAt {
    /// A position `block * slots + offset` in the heap (PostgreSQL 14+).
    Tid(i64),
    /// After this primary key (older servers; `None` before the first key).
    Key(Option<String>),
}

pub struct PostgresStore {
    conn: Connection,
    table: String,
    quoted: String,
    oid: u32,
    time: TimeKind,
    zone: StoreZone,
    /// PostgreSQL 14+: TID range scans.
    tid_ranges: bool,
    /// Sentences for the summary, gathered since the last `take_notices`.
    notices: Vec<String>,
    /// Where the store is, to watch its standbys over a connection of their own.
    url: Url,
    shown: String,
    stop: StopFlag,
}

/// SQL text and its parameters, numbered as they are bound.
struct Query {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Query {
    fn new(sql: impl Into<String>) -> Query {
        Query {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    fn push(&mut self, sql: &str) -> &mut Query {
        self.sql.push_str(sql);
        self
    }

    /// Binds `value` and returns its placeholder.
    fn bind(&mut self, value: Box<dyn ToSql + Sync>) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }
}

impl PostgresStore {
    pub fn open(
        url: &Url,
        shown: &str,
        table: &str,
        zone: StoreZone,
        access: Access,
        stop: StopFlag,
    ) -> Result<PostgresStore> {
        let conn = pg::connect(url, shown, access, stop.clone())?;
        let mut store = PostgresStore {
            url: url.clone(),
            shown: shown.to_owned(),
            stop,
            tid_ranges: conn.version >= 140_000,
            conn,
            table: table.to_owned(),
            quoted: quote_ident(table),
            oid: 0,
            time: TimeKind::Instant,
            zone,
            notices: Vec::new(),
        };
        store.check_schema(access)?;
        Ok(store)
    }

    /// Fails with exit 3 unless the table exists, has Django's three session columns,
    /// and (for changes) may be deleted from by this role.
    fn check_schema(&mut self, access: Access) -> Result<()> {
        let Some(table) = self.conn.table(&self.table)? else {
            let db = self.conn.database();
            return Err(unavailable(format!(
                "database `{db}` at {} has no table `{}` (in its search_path); is this the Django database? (custom session models: --table)",
                self.conn.shown, self.table
            )));
        };
        self.oid = table.oid;
        let missing = table.missing(&["session_key", "session_data", "expire_date"]);
        if !missing.is_empty() {
            return Err(unavailable(format!(
                "table `{}` at {} is not a session table: no column {} (it has {})",
                self.table,
                self.conn.shown,
                missing.join(", "),
                table.column_list()
            )));
        }
        self.time = match table.column_type("expire_date").unwrap_or_default() {
            t if t.starts_with("timestamp with time zone") => TimeKind::Instant,
            t if t.starts_with("timestamp") => TimeKind::Naive,
            other => {
                return Err(unavailable(format!(
                "table `{}` at {} is not a session table: expire_date is {other}, not a timestamp",
                self.table, self.conn.shown
            )))
            }
        };
        // Exactly what the command needs: every command reads the table; purges also
        // delete from it, `expire` only updates it.
        let missing: Vec<&str> = [
            ("SELECT", table.may_select),
            ("DELETE", access != Access::Delete || table.may_delete),
            ("UPDATE", access != Access::Update || table.may_update),
        ]
        .into_iter()
        .filter(|(_, granted)| !granted)
        .map(|(privilege, _)| privilege)
        .collect();
        if !missing.is_empty() {
            return Err(unavailable(crate::db::missing_privileges(
                &format!("role `{}`", table.user),
                &missing,
                access,
                &format!("table `{}` at {}", self.table, self.conn.shown),
            )));
        }
        Ok(())
    }

    fn time_param(&self, t: DateTime<Utc>) -> Box<dyn ToSql + Sync> {
        match self.time {
            TimeKind::Instant => Box::new(t),
            TimeKind::Naive => Box::new(self.zone.naive(t)),
        }
    }

    fn cond_sql(&self, q: &mut Query, cond: &Condition) {
        if let Some(t) = cond.expired_at {
            let p = q.bind(self.time_param(t));
            q.push(&format!(" AND expire_date < {p}"));
        }
        if let Some(t) = cond.active_at {
            let p = q.bind(self.time_param(t));
            q.push(&format!(" AND expire_date >= {p}"));
        }
    }

    /// The statement that starts a change; an UPDATE binds its new expiry first.
    fn change_sql(&self, action: Action, alias: &str) -> Query {
        let mut q = Query::new("");
        self.push_change(&mut q, action, alias);
        q
    }

    fn push_change(&self, q: &mut Query, action: Action, alias: &str) {
        match action {
            Action::Delete => q.push(&format!("DELETE FROM {} AS {alias}", self.quoted)),
            Action::ExpireAt(t) => {
                q.push(&format!(
                    "UPDATE {} AS {alias} SET expire_date = ",
                    self.quoted
                ));
                let p = q.bind(self.time_param(t));
                q.push(&p)
            }
        };
    }

    /// For an UPDATE walked in ranges: a row already set to the new expiry is left
    /// alone, so a row version the UPDATE itself moved further along the heap is not
    /// changed twice.
    fn not_already(&self, q: &mut Query, action: Action) {
        if let Action::ExpireAt(t) = action {
            let p = q.bind(self.time_param(t));
            q.push(&format!(" AND expire_date IS DISTINCT FROM {p}"));
        }
    }

    fn read_session(&self, row: &tokio_postgres::Row) -> StoredSession {
        let expire_date = match self.time {
            TimeKind::Instant => row.get::<_, Option<DateTime<Utc>>>(2),
            TimeKind::Naive => row
                .get::<_, Option<NaiveDateTime>>(2)
                .map(|n| self.zone.instant(n)),
        };
        StoredSession {
            key: row.get(0),
            payload: Payload::Signed(row.get::<_, Option<String>>(1).unwrap_or_default()),
            expire_date,
            expired: row.get::<_, Option<bool>>(3).unwrap_or(false),
        }
    }

    /// The `SET LOCAL` that bounds one batch: sessctl's lock and statement timeouts, or
    /// the role's own when they are stricter; and the client-side limit it runs under.
    fn batch_limits(&self) -> (String, Limit) {
        let (statement, lock) = self.conn.strictest(STATEMENT_TIMEOUT, LOCK_TIMEOUT);
        (
            format!(
                "SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {}",
                lock.as_millis(),
                statement.as_millis()
            ),
            Limit::Bounded(statement),
        )
    }

    /// Runs `statements` in one short transaction with per-batch lock and statement
    /// timeouts. With `keys`, each statement returns the keys it changed.
    fn batch(&mut self, statements: &[Query], keys: bool) -> Result<Receipt, Failure> {
        let (limits, limit) = self.batch_limits();
        self.conn.call(limit, async |c| {
            let tx = c.transaction().await?;
            tx.batch_execute(&limits).await?;
            let mut receipt = Receipt::default();
            for q in statements {
                if keys {
                    let rows = tx.query(q.sql.as_str(), &q.refs()).await?;
                    receipt.changed += rows.len() as u64;
                    receipt
                        .keys
                        .extend(rows.iter().map(|r| r.get::<_, String>(0)));
                } else {
                    receipt.changed += tx.execute(q.sql.as_str(), &q.refs()).await?;
                }
            }
            tx.commit().await?;
            receipt.matched = receipt.changed;
            Ok(receipt)
        })
    }

    /// The statement of one batch of a walk. It picks at most `limit` rows of the range
    /// (`range` appends its bounds) that the edit would change, in `order` (`ctid` or
    /// `session_key`), and changes exactly those, re-checking the condition: however
    /// far the range reaches, the batch never changes more than `limit` rows. It returns
    /// one row: rows picked, the last one picked, rows changed (and their keys, when
    /// asked), and the table's file node at that moment.
    fn bounded_sql(
        &self,
        edit: &Edit,
        limit: usize,
        order: &str,
        range: impl FnOnce(&mut Query),
    ) -> Query {
        let mut q = Query::new(format!(
            "WITH picked AS MATERIALIZED (SELECT {order} AS at FROM {} WHERE true",
            self.quoted
        ));
        range(&mut q);
        self.cond_sql(&mut q, &edit.cond);
        self.not_already(&mut q, edit.action);
        q.push(&format!(" ORDER BY {order} LIMIT {limit}), changed AS ("));
        self.push_change(&mut q, edit.action, "s");
        q.push(&format!(
            " WHERE s.{order} = ANY(ARRAY(SELECT at FROM picked))"
        ));
        self.cond_sql(&mut q, &edit.cond);
        self.not_already(&mut q, edit.action);
        // The keys only when asked: carrying them through the CTE costs.
        q.push(if edit.report_keys {
            " RETURNING s.session_key::text AS k"
        } else {
            " RETURNING 1"
        });
        q.push(
            ") SELECT (SELECT count(*) FROM picked), (SELECT max(at) FROM picked)::text, \
             (SELECT count(*) FROM changed), ",
        );
        q.push(if edit.report_keys {
            "(SELECT array_agg(k) FROM changed)"
        } else {
            "NULL::text[]"
        });
        q.push(&format!(
            ", pg_relation_filenode({})::text::bigint",
            self.oid
        ));
        q
    }

    /// Runs a statement of [`bounded_sql`](Self::bounded_sql) in its own short
    /// transaction with the per-batch lock and statement timeouts.
    fn bounded_batch(&mut self, q: &Query) -> Result<(Receipt, Picked), Failure> {
        let (limits, limit) = self.batch_limits();
        let row = self.conn.call(limit, async |c| {
            let tx = c.transaction().await?;
            tx.batch_execute(&limits).await?;
            let row = tx.query_one(q.sql.as_str(), &q.refs()).await?;
            tx.commit().await?;
            Ok(row)
        })?;
        let changed = row.get::<_, i64>(2) as u64;
        let receipt = Receipt {
            matched: changed,
            changed,
            keys: row.get::<_, Option<Vec<String>>>(3).unwrap_or_default(),
            retries: 0,
            halved: 0,
        };
        Ok((
            receipt,
            Picked {
                count: row.get::<_, i64>(0) as u64,
                last: row.get(1),
                filenode: row.get(4),
            },
        ))
    }

    /// Runs a batch built by `build` (given the span to cover), retrying deadlocks,
    /// serialization failures and timeouts with backoff; a statement timeout halves
    /// `span` first. Returns the span used and what the batch did.
    fn batch_with_retries(
        &mut self,
        span: &mut Span,
        mut build: impl FnMut(&mut Self, u64) -> Result<Query>,
    ) -> Result<(u64, Receipt, Picked)> {
        let mut attempt = 0;
        loop {
            let units = span.units();
            let q = build(self, units)?;
            match self.bounded_batch(&q) {
                Ok((receipt, picked)) => {
                    let receipt = Receipt {
                        retries: attempt,
                        ..receipt
                    };
                    return Ok((units, receipt, picked));
                }
                Err(e) if attempt < BATCH_RETRIES && is_retryable(&e) => {
                    attempt += 1;
                    if e.code() == Some(&SqlState::QUERY_CANCELED) {
                        span.shrink();
                    }
                    std::thread::sleep(batch_backoff(attempt));
                }
                Err(e) => return Err(self.batch_error(e)),
            }
        }
    }

    /// A batch that failed for good; a statement timeout set for the role, stricter than
    /// sessctl's own, is named (it is kept, not overridden).
    fn batch_error(&self, e: Failure) -> anyhow::Error {
        let (statement, _) = self.conn.strictest(STATEMENT_TIMEOUT, LOCK_TIMEOUT);
        let timed_out = e.code() == Some(&SqlState::QUERY_CANCELED);
        let error = self.error(e, "changing sessions");
        if timed_out && statement < STATEMENT_TIMEOUT {
            return error.context(format!(
                "the statement_timeout of this role or database ({} ms) is stricter than sessctl's {} s per batch and is kept: try a smaller --batch-size, or lift it for sessctl with `options=-c statement_timeout=0` in the URL",
                statement.as_millis(),
                STATEMENT_TIMEOUT.as_secs()
            ));
        }
        error
    }

    fn begin_walk(&mut self, limit: usize) -> Result<Walk> {
        if !self.tid_ranges {
            return Ok(Walk {
                at: WalkAt::Key(None),
                span: Span::new(limit as f64, limit, limit as f64 * 50.0),
                slots: 1,
                end: 0,
                filenode: 0,
            });
        }
        let row = self
            .conn
            .query_one(
                Limit::Read,
                &format!(
                    "SELECT pg_relation_size({oid}) / current_setting('block_size')::bigint, \
                     relpages::bigint, reltuples::float8, current_setting('block_size')::bigint, \
                     pg_relation_filenode({oid})::text::bigint FROM pg_class WHERE oid = {oid}",
                    oid = self.oid
                ),
                &[],
            )
            .map_err(|e| self.error(e, "reading the table size"))?;
        let blocks: i64 = row.get(0);
        let relpages: i64 = row.get(1);
        let reltuples: f64 = row.get(2);
        // MaxHeapTuplesPerPage: (block size - page header) / (tuple header + line pointer).
        let slots = ((row.get::<_, i64>(3) - 24) / 28).max(1);
        let per_block = if relpages > 0 && reltuples > 0.0 {
            reltuples / relpages as f64
        } else {
            // Never analyzed: count the rows of the first blocks.
            let sample = blocks.clamp(1, 32);
            let n: i64 = self
                .conn
                .query_one(
                    Limit::Read,
                    &format!(
                        "SELECT count(*) FROM {} WHERE ctid < '({sample},0)'::tid",
                        self.quoted
                    ),
                    &[],
                )
                .map_err(|e| self.error(e, "sampling the table"))?
                .get(0);
            (n as f64 / sample as f64).max(1.0)
        };
        // The first range assumes every row matches, so it is never larger than asked;
        // the span then follows the density the batches find.
        let per_slot = per_block / slots as f64;
        Ok(Walk {
            at: WalkAt::Tid(0),
            span: Span::new(limit as f64 / per_slot, limit, 1e12),
            slots,
            end: blocks * slots,
            filenode: row.get(4),
        })
    }

    /// The next TID range of the walk, from `start`. Returns what it did and whether
    /// the walk is over.
    fn range_by_blocks(
        &mut self,
        walk: &mut Walk,
        start: i64,
        edit: &Edit,
        limit: usize,
    ) -> Result<(Receipt, bool)> {
        let (slots, heap_end) = (walk.slots, walk.end);
        let tid = |position: i64| format!("'({},{})'::tid", position / slots, position % slots);
        let (units, receipt, picked) =
            self.batch_with_retries(&mut walk.span, |store, units| {
                let end = start + units as i64;
                Ok(store.bounded_sql(edit, limit, "ctid", |q| {
                    q.push(&format!(" AND ctid >= {}", tid(start)));
                    if end < heap_end {
                        q.push(&format!(" AND ctid < {}", tid(end)));
                    }
                }))
            })?;
        if picked.filenode != walk.filenode {
            // VACUUM FULL, CLUSTER or a table rewrite moved every row since the walk
            // began: its positions mean nothing in the new file. This batch still
            // changed only rows that matched; the walk starts again at the new file's
            // first block, so nothing moved behind it is left out.
            self.notices.push(format!(
                "{} was rewritten during the run (VACUUM FULL, CLUSTER or ALTER TABLE); the walk started again from its first block",
                self.describe()
            ));
            *walk = self.begin_walk(limit)?;
            return Ok((receipt, false));
        }
        let full = picked.count >= limit as u64;
        let next = match (&picked.last, full) {
            // The batch's share of the range ended at its last row: go on right after it.
            (Some(last), true) => parse_tid(last, slots).map_or(start + units as i64, |p| p + 1),
            _ => start + units as i64,
        };
        walk.span
            .observe((next - start).max(1) as u64, picked.count);
        walk.at = WalkAt::Tid(next);
        Ok((receipt, !full && start + units as i64 >= heap_end))
    }

    /// The next primary-key range of the walk, after `after`. Returns what it did and
    /// whether the walk is over.
    fn range_by_keys(
        &mut self,
        walk: &mut Walk,
        after: Option<String>,
        edit: &Edit,
        limit: usize,
    ) -> Result<(Receipt, bool)> {
        let mut boundary: Option<String> = None;
        let (units, receipt, picked) =
            self.batch_with_retries(&mut walk.span, |store, units| {
                // The key `units` rows further on closes this range. It is found outside
                // the change's transaction: the change re-checks everything it needs.
                let mut b = Query::new(format!("SELECT session_key FROM {}", store.quoted));
                if let Some(after) = &after {
                    let p = b.bind(Box::new(after.clone()));
                    b.push(&format!(" WHERE session_key > {p}"));
                }
                b.push(&format!(
                    " ORDER BY session_key OFFSET {} LIMIT 1",
                    units - 1
                ));
                boundary = store
                    .conn
                    .query_opt(Limit::Read, b.sql.as_str(), &b.refs())
                    .map_err(|e| store.error(e, "finding the end of a batch"))?
                    .map(|r| r.get(0));
                Ok(store.bounded_sql(edit, limit, "session_key", |q| {
                    if let Some(after) = &after {
                        let p = q.bind(Box::new(after.clone()));
                        q.push(&format!(" AND session_key > {p}"));
                    }
                    if let Some(end) = &boundary {
                        let p = q.bind(Box::new(end.clone()));
                        q.push(&format!(" AND session_key <= {p}"));
                    }
                }))
            })?;
        walk.span.observe(units, picked.count);
        if picked.count >= limit as u64 {
            walk.at = WalkAt::Key(picked.last);
            return Ok((receipt, false));
        }
        let done = boundary.is_none();
        walk.at = WalkAt::Key(boundary);
        Ok((receipt, done))
    }

    fn error(&self, e: Failure, what: &str) -> anyhow::Error {
        self.conn.error(e, what, Some(&self.table))
    }
}

impl PostgresStore {
    /// `pg_total_relation_size` of the table: its heap, indexes and TOAST on disk.
    fn total_bytes(&mut self) -> Result<u64> {
        let sql = format!("SELECT pg_total_relation_size({}::oid)", self.oid);
        let row = self
            .conn
            .query_one(Limit::Read, &sql, &[])
            .map_err(|e| self.error(e, "reading the table size"))?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}

impl SessionStore for PostgresStore {
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
        let mut q = Query::new(format!("SELECT count(*) FROM {} WHERE true", self.quoted));
        self.cond_sql(&mut q, cond);
        let n: i64 = self
            .conn
            .query_one(Limit::Read, q.sql.as_str(), &q.refs())
            .map_err(|e| self.error(e, "counting sessions"))?
            .get(0);
        Ok(n as u64)
    }

    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
        let mut q =
            Query::new("SELECT session_key::text, session_data, expire_date, expire_date < ");
        let p = q.bind(self.time_param(now));
        q.push(&p);
        q.push(&format!(" FROM {} WHERE session_key = ", self.quoted));
        let p = q.bind(Box::new(key.to_owned()));
        q.push(&p);
        let row = self
            .conn
            .query_opt(Limit::Read, q.sql.as_str(), &q.refs())
            .map_err(|e| self.error(e, "reading a session"))?;
        Ok(row.map(|r| self.read_session(&r)))
    }

    fn scan_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>> {
        // Pages follow the primary key: an ordered index walk that starts where the
        // last page ended (a heap-order page would need a sort of all that remains).
        if cursor.is_done() {
            return Ok(Vec::new());
        }
        let after = cursor.position::<KeyAfter>().map(|k| k.0.clone());
        let mut q =
            Query::new("SELECT session_key::text, session_data, expire_date, expire_date < ");
        let p = q.bind(self.time_param(now));
        q.push(&p);
        q.push(&format!(" FROM {} WHERE true", self.quoted));
        if let Some(after) = after {
            let p = q.bind(Box::new(after));
            q.push(&format!(" AND session_key > {p}"));
        }
        self.cond_sql(&mut q, cond);
        q.push(&format!(" ORDER BY session_key LIMIT {limit}"));
        let rows = self
            .conn
            .query(Limit::Read, q.sql.as_str(), &q.refs())
            .map_err(|e| self.error(e, "reading sessions"))?;
        let page: Vec<StoredSession> = rows.iter().map(|r| self.read_session(r)).collect();
        cursor.after_key_page(&page, limit);
        Ok(page)
    }

    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        if cursor.is_done() {
            return Ok(Receipt::default());
        }
        if cursor.position::<Walk>().is_none() {
            let walk = self.begin_walk(limit)?;
            cursor.advance(walk);
        }
        let walk = cursor
            .position_mut::<Walk>()
            .expect("the walk was begun above");
        let (receipt, done) = match &walk.at {
            WalkAt::Tid(start) => {
                let start = *start;
                self.range_by_blocks(walk, start, edit, limit)?
            }
            WalkAt::Key(after) => {
                let after = after.clone();
                self.range_by_keys(walk, after, edit, limit)?
            }
        };
        if done {
            cursor.finish();
        }
        Ok(receipt)
    }

    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt> {
        // A table holds text: bytes from elsewhere cannot be what it holds.
        let targets: Vec<&Target> = targets
            .iter()
            .filter(|t| !matches!(t.payload, Some(Payload::Cached(_))))
            .collect();
        if targets.is_empty() {
            return Ok(Receipt::default());
        }
        // One statement per kind of target, the keys (and data) bound as arrays.
        let (with_data, keys_only): (Vec<&Target>, Vec<&Target>) =
            targets.iter().partition(|t| t.payload.is_some());
        let mut statements = Vec::new();
        if !with_data.is_empty() {
            let keys: Vec<String> = with_data.iter().map(|t| t.key.clone()).collect();
            let data: Vec<String> = with_data
                .iter()
                .map(|t| {
                    t.payload
                        .as_ref()
                        .and_then(Payload::as_signed)
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            let mut q = self.change_sql(edit.action, "s");
            let k = q.bind(Box::new(keys));
            let d = q.bind(Box::new(data));
            let join = if edit.action == Action::Delete {
                "USING"
            } else {
                "FROM"
            };
            q.push(&format!(
                " {join} unnest({k}::text[], {d}::text[]) AS x(k, d) \
                 WHERE s.session_key = x.k AND s.session_data = x.d"
            ));
            self.cond_sql(&mut q, &edit.cond);
            returning(&mut q, edit);
            statements.push(q);
        }
        if !keys_only.is_empty() {
            let keys: Vec<String> = keys_only.iter().map(|t| t.key.clone()).collect();
            let mut q = self.change_sql(edit.action, "s");
            let k = q.bind(Box::new(keys));
            q.push(&format!(" WHERE s.session_key = ANY({k}::text[])"));
            self.cond_sql(&mut q, &edit.cond);
            returning(&mut q, edit);
            statements.push(q);
        }
        let mut attempt = 0;
        loop {
            match self.batch(&statements, edit.report_keys) {
                Ok(receipt) => {
                    return Ok(Receipt {
                        retries: attempt,
                        ..receipt
                    })
                }
                Err(e) if attempt < BATCH_RETRIES && is_retryable(&e) => {
                    attempt += 1;
                    std::thread::sleep(batch_backoff(attempt));
                }
                Err(e) => return Err(self.batch_error(e)),
            }
        }
    }

    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats> {
        let mut q = Query::new("SELECT count(*), count(*) FILTER (WHERE expire_date < ");
        let p = q.bind(self.time_param(now));
        q.push(&p);
        q.push(&format!(
            "), min(expire_date), max(expire_date), \
             coalesce(sum(octet_length(session_data)), 0)::bigint, \
             pg_total_relation_size({}) FROM {}",
            self.oid, self.quoted
        ));
        let row = self
            .conn
            .query_one(Limit::Read, q.sql.as_str(), &q.refs())
            .map_err(|e| self.error(e, "reading statistics"))?;
        let (oldest, newest) = match self.time {
            TimeKind::Instant => (
                row.get::<_, Option<DateTime<Utc>>>(2),
                row.get::<_, Option<DateTime<Utc>>>(3),
            ),
            TimeKind::Naive => (
                row.get::<_, Option<NaiveDateTime>>(2)
                    .map(|n| self.zone.instant(n)),
                row.get::<_, Option<NaiveDateTime>>(3)
                    .map(|n| self.zone.instant(n)),
            ),
        };
        Ok(StoreStats {
            total: row.get::<_, i64>(0) as u64,
            expired: row.get::<_, i64>(1) as u64,
            oldest_expire_date: oldest,
            newest_expire_date: newest,
            data_bytes: row.get::<_, i64>(4) as u64,
            table_bytes: Some(row.get::<_, i64>(5) as u64),
            table_bytes_estimate: false,
        })
    }

    fn aggregate(
        &mut self,
        plan: &crate::shape::Aggregation,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::shape::Aggregates>> {
        // Naive times in another zone than UTC would need the zone's rules on the server
        // to become instants; those stores are measured by reading every session.
        if plan.expiry.is_some() && self.time == TimeKind::Naive && self.zone != StoreZone::UTC {
            return Ok(None);
        }
        // Duplicates: grouping 1,000,000 rows by a hash of their data took the server
        // longer (2.5 s) than sending every row to a client (2.4 s, psql's COPY), so the
        // whole shape is then measured by reading every session.
        if plan.duplicates {
            return Ok(None);
        }
        let mut found = crate::shape::Aggregates::default();
        let count = |row: &tokio_postgres::Row, i: usize| row.get::<_, i64>(i) as u64;
        if let Some(grid) = plan.expiry {
            let cast = match self.time {
                TimeKind::Instant => "timestamptz",
                TimeKind::Naive => "timestamp",
            };
            let mut q = Query::new("");
            let origin = q.bind(self.time_param(grid.origin));
            let at = q.bind(self.time_param(now));
            q.push(&format!(
                "SELECT floor(trunc(extract(epoch FROM expire_date - {origin}::{cast})) / {})::int8 AS b, \
                 count(*), count(*) FILTER (WHERE expire_date < {at}::{cast}) FROM {} GROUP BY b",
                grid.width_seconds, self.quoted
            ));
            for row in self
                .conn
                .query(Limit::Read, q.sql.as_str(), &q.refs())
                .map_err(|e| self.error(e, "counting sessions by expiry"))?
            {
                found
                    .expiry
                    .insert(row.get::<_, i64>(0), (count(&row, 1), count(&row, 2)));
            }
        }
        if plan.size {
            let sql = format!(
                "SELECT octet_length(session_data)::int8, count(*) FROM {} GROUP BY 1",
                self.quoted
            );
            for row in self
                .conn
                .query(Limit::Read, &sql, &[])
                .map_err(|e| self.error(e, "counting sessions by size"))?
            {
                found.sizes.insert(count(&row, 0), count(&row, 1));
            }
            let sql = format!(
                "SELECT session_key::text, octet_length(session_data)::int8 FROM {} \
                 ORDER BY 2 DESC, session_key::text COLLATE \"C\" LIMIT {}",
                self.quoted,
                crate::shape::TOP
            );
            for row in self
                .conn
                .query(Limit::Read, &sql, &[])
                .map_err(|e| self.error(e, "finding the largest sessions"))?
            {
                found.largest.push((row.get(0), count(&row, 1)));
            }
        }
        Ok(Some(found))
    }

    fn estimate(&mut self, now: DateTime<Utc>) -> Result<Estimate> {
        let row = self
            .conn
            .query_one(
                Limit::Read,
                "SELECT c.reltuples::float8, pg_total_relation_size(c.oid), \
                 greatest(s.last_analyze, s.last_autoanalyze), \
                 (SELECT avg_width::float8 FROM pg_stats p WHERE p.schemaname = n.nspname \
                  AND p.tablename = c.relname AND p.attname = 'session_data') \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.oid = $1::bigint::oid",
                &[&i64::from(self.oid)],
            )
            .map_err(|e| self.error(e, "reading the table's statistics"))?;
        // -1 (PostgreSQL 14+) or 0 before the first ANALYZE: nothing known.
        let rows = row.get::<_, f64>(0);
        let analyzed_at = row.get::<_, Option<DateTime<Utc>>>(2);
        let total =
            (rows > 0.0 || (rows == 0.0 && analyzed_at.is_some())).then_some(rows.round() as u64);
        let width = row.get::<_, Option<f64>>(3);
        // The planner's row estimate for the purge predicate (from the expire_date
        // histogram); the instant is written into the statement, as EXPLAIN takes no
        // parameters to estimate with.
        let literal = match self.time {
            TimeKind::Instant => {
                format!("'{}'::timestamptz", now.format("%Y-%m-%d %H:%M:%S%.6f+00"))
            }
            TimeKind::Naive => format!(
                "'{}'::timestamp",
                self.zone.naive(now).format("%Y-%m-%d %H:%M:%S%.6f")
            ),
        };
        let plan = self
            .conn
            .query(
                Limit::Read,
                &format!(
                    "EXPLAIN SELECT 1 FROM {} WHERE expire_date < {literal}",
                    self.quoted
                ),
                &[],
            )
            .map_err(|e| self.error(e, "estimating the expired sessions"))?;
        // The top node's `rows=N`: "Index Only Scan using … (cost=… rows=N width=…)".
        let expired = plan
            .first()
            .map(|r| r.get::<_, String>(0))
            .and_then(|line| {
                let rest = &line[line.find("rows=")? + 5..];
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            });
        let ends = self
            .conn
            .query_one(
                Limit::Read,
                &format!(
                    "SELECT min(expire_date), max(expire_date) FROM {}",
                    self.quoted
                ),
                &[],
            )
            .map_err(|e| self.error(e, "reading the expiry range"))?;
        let end = |i: usize| match self.time {
            TimeKind::Instant => ends.get::<_, Option<DateTime<Utc>>>(i),
            TimeKind::Naive => ends
                .get::<_, Option<NaiveDateTime>>(i)
                .map(|n| self.zone.instant(n)),
        };
        Ok(Estimate {
            total,
            expired: expired.filter(|_| total.is_some()),
            oldest_expire_date: end(0),
            newest_expire_date: end(1),
            data_bytes: total.zip(width).map(|(n, w)| (n as f64 * w).round() as u64),
            table_bytes: Some(row.get::<_, i64>(1) as u64),
            table_bytes_estimate: false,
            source: "pg_class.reltuples and the planner's estimate from pg_stats",
            analyzed_at,
        })
    }

    fn lock_purge(&mut self, wait: Option<std::time::Duration>) -> Result<()> {
        // Session-level: held until the connection closes, released by the server
        // even if sessctl is killed. (Behind a transaction-pooling PgBouncer a
        // session lock means nothing; connect to the server or a session pool.)
        let key = (LOCK_NAMESPACE << 32) | i64::from(self.oid);
        if let Some(wait) = wait {
            // An advisory lock wait obeys lock_timeout (0: no limit), set for this
            // statement only.
            let millis = match wait.as_millis() {
                m if m >= i32::MAX as u128 => 0,
                m => m.max(1),
            };
            let limit = match millis {
                0 => Limit::Unbounded,
                _ => Limit::Bounded(wait),
            };
            let result = self.conn.batch_execute(
                limit,
                &format!(
                    "SET lock_timeout = {millis}; SELECT pg_advisory_lock({key}); RESET lock_timeout"
                ),
            );
            return match result {
                Ok(()) => Ok(()),
                Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                    let _ = self.conn.batch_execute(Limit::Read, "RESET lock_timeout");
                    Err(coded(
                        ExitCode::Busy,
                        format!(
                            "another sessctl purge of {} is still running after waiting {:.1} s for it (advisory lock {key})",
                            self.describe(),
                            wait.as_secs_f64()
                        ),
                    ))
                }
                Err(e) => Err(self.error(e, "waiting for the purge lock")),
            };
        }
        let got: bool = self
            .conn
            .query_one(Limit::Read, "SELECT pg_try_advisory_lock($1)", &[&key])
            .map_err(|e| self.error(e, "taking the purge lock"))?
            .get(0);
        if !got {
            return Err(coded(
                ExitCode::Busy,
                format!(
                    "another sessctl purge of {} is running (advisory lock {key}); {}",
                    self.describe(),
                    super::busy_advice(wait)
                ),
            ));
        }
        Ok(())
    }

    fn replication(
        &mut self,
        replicas: &[String],
        max_lag: bool,
    ) -> Result<Option<Box<dyn crate::purge::Replication>>> {
        if !replicas.is_empty() {
            return Err(coded(
                ExitCode::Usage,
                "--replica is for MySQL/MariaDB replicas; a PostgreSQL primary lists its standbys itself (pg_stat_replication)",
            ));
        }
        if !max_lag {
            return Ok(None);
        }
        Ok(
            super::pg_standbys::PgStandbys::open(&self.url, &self.shown, self.stop.clone())?
                .map(|w| Box::new(w) as Box<dyn crate::purge::Replication>),
        )
    }

    fn take_notices(&mut self) -> Notices {
        Notices {
            messages: std::mem::take(&mut self.notices),
            failures: 0,
        }
    }

    fn vacuum(&mut self) -> Result<Vacuum> {
        // Outside any transaction (VACUUM refuses to run inside one). It marks the
        // space of deleted rows reusable by new rows and refreshes the planner's
        // statistics, beside the app's reads and writes; the file shrinks only by the
        // empty pages at its end. VACUUM FULL or pg_repack would shrink it: neither is
        // run unasked (the first locks the table out for the whole rewrite).
        let before = self.total_bytes()?;
        let started = std::time::Instant::now();
        self.conn
            .batch_execute(
                Limit::Maintenance,
                &format!("VACUUM (ANALYZE) {}", self.quoted),
            )
            .map_err(|e| self.error(e, "vacuuming"))?;
        let elapsed = started.elapsed();
        let after = self.total_bytes()?;
        Ok(Vacuum {
            statement: Some("VACUUM (ANALYZE)"),
            elapsed,
            measured: Some("table and indexes (pg_total_relation_size)"),
            bytes_before: Some(before),
            bytes_after: Some(after),
            estimate: false,
            effect: "made the space of deleted sessions reusable by new rows inside the table and refreshed its statistics; it gives space back to the file system only from empty pages at the end of the table".to_owned(),
            note: Some(format!(
                "to shrink the table itself: VACUUM FULL {} rewrites it under an ACCESS EXCLUSIVE lock (the app can neither read nor write sessions until it ends), pg_repack rewrites it online with only brief locks; both need free disk of the table's size, and sessctl runs neither",
                self.quoted
            )),
        })
    }
}

/// Makes `q` return the keys it changes, when the edit asks for them.
fn returning(q: &mut Query, edit: &Edit) {
    if edit.report_keys {
        q.push(" RETURNING s.session_key::text");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tid_text_is_a_walk_position() {
        assert_eq!(parse_tid("(0,1)", 291), Some(1));
        assert_eq!(parse_tid("(12,34)", 291), Some(12 * 291 + 34));
        assert_eq!(parse_tid("garbage", 291), None);
    }

    #[test]
    fn lock_key_keeps_namespace_and_oid_apart() {
        let key = (LOCK_NAMESPACE << 32) | i64::from(u32::MAX);
        assert_eq!(key >> 32, LOCK_NAMESPACE);
        assert_eq!(key & 0xFFFF_FFFF, i64::from(u32::MAX));
    }
}
