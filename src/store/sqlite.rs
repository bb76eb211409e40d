//! The SQLite store: a Django `django_session` table in a database file.
//!
//! Bulk changes walk the table in rowid order, one short `BEGIN IMMEDIATE` transaction
//! per batch: each batch finds the rowid that closes it, then changes the rows in that
//! rowid range that still satisfy the condition. Walking in rowid order keeps page
//! locality (a batch touches a run of neighbouring pages once), where walking the
//! `expire_date` index touches pages all over the file; and every DELETE re-checks the
//! condition, so a session renewed between two batches survives.
//!
//! The connection waits (busy timeout) instead of failing when the live Django app holds
//! the write lock, and it changes no persistent setting (journal mode and the like).
//!
//! Between two write transactions the store leaves the lock free for a moment (see
//! [`writer_gap`]). A waiting writer does not queue for the lock: SQLite's busy handler,
//! which Django's connections use, sleeps and retries, up to 100 ms apart. Without the
//! gap the next batch takes the lock microseconds after the last one released it, the
//! sleeping writer never finds it free, and after 5 s (Django's default timeout) its
//! write fails with "database is locked" although every batch was short.
//!
//! A writing connection gets a larger page cache ([`WRITE_CACHE_KIB`], for this
//! connection only), so that fewer of a batch's changed pages are spilled to the file
//! before its commit: each spill costs a journal fsync, writes again pages the batch
//! changes again later, and takes the exclusive lock early, which blocks the app's reads.
//!
//! bench/sqlite.py measures both.
//!
//! Opening checks that the table is Django's ([`schema`]); a read-only command that
//! meets a hot journal (a writer crashed mid-transaction) lets SQLite roll it back when
//! this user may write the file, as any SQLite client does on its next read, and says
//! what to do otherwise. Bulk changes take the purge lock ([`lock`]).

mod lock;
mod schema;
mod stat4;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::OptionalExtension as _;
use rusqlite::{params_from_iter, Connection, ErrorCode, OpenFlags, TransactionBehavior};

use self::lock::{FileId, PurgeLock};
use super::{
    Capabilities, ClearExpired, Cursor, Estimate, Notices, Receipt, SessionStore, StoreStats,
    Vacuum,
};
use crate::exit::{coded, ExitCode};
use crate::session::{Action, Condition, Edit, Payload, StoredSession, Target};
use crate::zone::StoreZone;

/// How long a statement waits for a lock held by another connection (the Django app).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Page cache of a writing connection, in KiB; it bounds the memory of a purge whatever
/// the table's size. Against SQLite's default 2 MiB, on a 1M-session table with 50,000-row
/// batches, 64 MiB cut the pages written by 43% and the fsyncs from 938 to 64.
const WRITE_CACHE_KIB: u32 = 64 * 1024;

/// The longest sleep of SQLite's default busy handler between two tries
/// (`sqliteDefaultBusyCallback`: 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms, then 100).
const BUSY_HANDLER_MAX_SLEEP: Duration = Duration::from_millis(100);

/// How long to leave the write lock free after a write transaction that held it for
/// `held`, so that any writer that started waiting during it wakes within the gap.
/// A writer that has waited `held` sleeps at most `BUSY_HANDLER_MAX_SLEEP`, and for
/// short waits less than `5 ms + 3/4 of held` (by the busy handler's schedule above), so
/// short batches get short gaps.
fn writer_gap(held: Duration) -> Duration {
    (Duration::from_millis(5) + held * 3 / 4).min(BUSY_HANDLER_MAX_SLEEP)
}

use crate::db::Access;

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// The table's name as the schema stores it.
    table: String,
    /// The table name quoted for SQL.
    quoted: String,
    zone: StoreZone,
    /// The database file the connection opened (device, inode).
    file: FileId,
    /// When the last write transaction committed, and how long it held the lock.
    last_write: Option<(Instant, Duration)>,
    /// Sentences for the summary (a hot journal rolled back).
    notices: Vec<String>,
    /// The purge lock's descriptor of the database file. Declared last, so dropped last:
    /// closing it while `conn` is open would drop SQLite's own locks (see [`lock`]).
    purge_lock: Option<PurgeLock>,
}

impl SqliteStore {
    pub fn open(path: &Path, table: &str, zone: StoreZone, access: Access) -> Result<SqliteStore> {
        let shown = path.display();
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                return Err(coded(
                    ExitCode::StoreUnavailable,
                    format!(
                        "{shown} is not a file; --database-url must name the SQLite database file"
                    ),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(coded(ExitCode::StoreUnavailable, format!("no SQLite database at {shown}; check --database-url (sqlite:////absolute/path or sqlite:///relative/path)")));
            }
            Err(e) => {
                return Err(coded(
                    ExitCode::StoreUnavailable,
                    format!("cannot read {shown}: {e}"),
                ))
            }
        }
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        flags |= match access {
            Access::Read => OpenFlags::SQLITE_OPEN_READ_ONLY,
            Access::Delete | Access::Update => OpenFlags::SQLITE_OPEN_READ_WRITE,
        };
        let mut notices = Vec::new();
        let mut conn = connect(path, flags)?;
        if let Err(e) = first_read(&conn) {
            if !needs_recovery(&e) {
                return Err(classify(e, &format!("cannot read {shown}")));
            }
            // Only a read-only connection gets here: a writing one rolls back itself.
            drop(conn);
            notices.push(recover(path, &e)?);
            conn = connect(path, flags)?;
            first_read(&conn).map_err(|e| classify(e, &format!("cannot read {shown}")))?;
        }
        let file = std::fs::metadata(path)
            .map(|meta| lock::id_of(&meta))
            .map_err(|e| {
                coded(
                    ExitCode::StoreUnavailable,
                    format!("cannot read {shown}: {e}"),
                )
            })?;
        if access.writes() {
            conn.execute_batch(&format!("PRAGMA cache_size = -{WRITE_CACHE_KIB}"))
                .map_err(|e| classify(e, &format!("cannot open {shown}")))?;
        }
        let shown_text = shown.to_string();
        let found = schema::check(&conn, table, &shown_text, |e| {
            classify(e, &format!("cannot read {shown_text}"))
        })?;
        let store = SqliteStore {
            conn,
            path: path.to_owned(),
            quoted: quote_ident(&found.name),
            table: found.name,
            zone,
            file,
            last_write: None,
            notices,
            purge_lock: None,
        };
        if access.writes() && store.conn.is_readonly(rusqlite::DatabaseName::Main)? {
            return Err(coded(
                ExitCode::StoreUnavailable,
                format!("{shown} is read-only for this user (permission denied); deleting or expiring sessions needs write access to the file and its directory"),
            ));
        }
        Ok(store)
    }

    /// Whether the database has a table (or other schema object) of this name: the
    /// `sqlite_stat*` tables exist only once ANALYZE has run.
    fn has_table(&self, name: &str) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
    }

    /// The `sqlite_stat4` samples of an index that starts with `expire_date` (Django's
    /// `django_session_expire_date_…`), or None when the database keeps none.
    fn expiry_samples(&self) -> rusqlite::Result<Option<Vec<stat4::Sample>>> {
        if !self.has_table("sqlite_stat4")? {
            return Ok(None);
        }
        let mut indexes = self.conn.prepare(
            "SELECT il.name FROM pragma_index_list(?1) AS il \
             WHERE (SELECT lower(ii.name) FROM pragma_index_info(il.name) AS ii WHERE ii.seqno = 0) = 'expire_date'",
        )?;
        let names: Vec<String> = indexes
            .query_map([&self.table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut rows = self
            .conn
            .prepare("SELECT neq, nlt, sample FROM sqlite_stat4 WHERE tbl = ?1 AND idx = ?2")?;
        for name in names {
            let samples: Vec<Option<stat4::Sample>> = rows
                .query_map([&self.table, &name], |r| {
                    let (neq, nlt): (String, String) = (r.get(0)?, r.get(1)?);
                    let sample = r.get_ref(2)?.as_blob().unwrap_or_default();
                    Ok(stat4::Sample::from_row(&neq, &nlt, sample))
                })?
                .collect::<rusqlite::Result<_>>()?;
            // Every sample must be read, or the gaps between them mean nothing.
            if !samples.is_empty() {
                return Ok(samples.into_iter().collect::<Option<Vec<_>>>());
            }
        }
        Ok(None)
    }

    /// SQL for `cond` (to append after a WHERE clause) and its parameters.
    fn condition_sql(&self, cond: &Condition) -> (String, Vec<String>) {
        let mut sql = String::new();
        let mut params = Vec::new();
        if let Some(t) = cond.expired_at {
            sql.push_str(" AND expire_date < ?");
            params.push(self.zone.django_text(t));
        }
        if let Some(t) = cond.active_at {
            sql.push_str(" AND expire_date >= ?");
            params.push(self.zone.django_text(t));
        }
        (sql, params)
    }

    fn read_session(
        &self,
        row: &rusqlite::Row<'_>,
        first: usize,
    ) -> rusqlite::Result<StoredSession> {
        let key = text(row.get_ref(first)?);
        let data = text(row.get_ref(first + 1)?);
        let expire_text = text(row.get_ref(first + 2)?);
        let expired: bool = row.get::<_, Option<bool>>(first + 3)?.unwrap_or(false);
        Ok(StoredSession {
            key,
            payload: Payload::Signed(data),
            expire_date: self.zone.parse_stored(&expire_text).ok(),
            expired,
        })
    }

    /// The change statement up to its WHERE clause, and its parameters. `scan`: the rows
    /// are found by a rowid range, never through an index (see the module doc); otherwise
    /// by key, through the primary-key index.
    fn set_clause(&self, action: Action, scan: bool) -> (String, Vec<String>) {
        let hint = if scan { " NOT INDEXED" } else { "" };
        match action {
            Action::Delete => (format!("DELETE FROM {}{hint}", self.quoted), Vec::new()),
            Action::ExpireAt(t) => (
                format!("UPDATE {}{hint} SET expire_date = ?", self.quoted),
                vec![self.zone.django_text(t)],
            ),
        }
    }

    fn context(&self, what: &str) -> String {
        format!("{what} in {} (table `{}`)", self.path.display(), self.table)
    }

    /// Bytes the database takes on disk: its file and its write-ahead log, if any.
    fn disk_bytes(&self) -> Option<u64> {
        let file = std::fs::metadata(&self.path).ok()?.len();
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        Some(file + std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len()))
    }
}

impl SessionStore for SqliteStore {
    fn describe(&self) -> String {
        format!("table `{}` in {}", self.table, self.path.display())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            enumerate: true,
            cheap_count: true,
            clear_expired: ClearExpired::Delete,
        }
    }

    fn count(&mut self, cond: &Condition) -> Result<u64> {
        let (where_sql, params) = self.condition_sql(cond);
        let sql = format!("SELECT count(*) FROM {} WHERE 1{where_sql}", self.quoted);
        self.conn
            .query_row(&sql, params_from_iter(params), |row| row.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| classify(e, &self.context("counting sessions")))
    }

    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
        let sql = format!(
            "SELECT session_key, session_data, expire_date, expire_date < ?1 FROM {} WHERE session_key = ?2",
            self.quoted
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params![self.zone.django_text(now), key])?;
        match rows
            .next()
            .map_err(|e| classify(e, &self.context("reading a session")))?
        {
            Some(row) => Ok(Some(self.read_session(row, 0)?)),
            None => Ok(None),
        }
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
        let after = cursor.position::<RowIdAfter>().map_or(i64::MIN, |p| p.0);
        let (where_sql, cond_params) = self.condition_sql(cond);
        let sql = format!(
            "SELECT rowid, session_key, session_data, expire_date, expire_date < ? FROM {} NOT INDEXED \
             WHERE rowid > ?{where_sql} ORDER BY rowid LIMIT ?",
            self.quoted
        );
        let mut params: Vec<rusqlite::types::Value> =
            vec![self.zone.django_text(now).into(), after.into()];
        params.extend(cond_params.into_iter().map(Into::into));
        params.push((limit as i64).into());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params))?;
        let mut page = Vec::with_capacity(limit.min(4096));
        let mut last = after;
        while let Some(row) = rows
            .next()
            .map_err(|e| classify(e, &self.context("reading sessions")))?
        {
            last = row.get(0)?;
            page.push(self.read_session(row, 1)?);
        }
        if page.len() < limit {
            cursor.finish();
        } else {
            cursor.advance(RowIdAfter(last));
        }
        Ok(page)
    }

    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        if cursor.is_done() {
            return Ok(Receipt::default());
        }
        let after = cursor.position::<RowIdAfter>().map_or(i64::MIN, |p| p.0);
        let (where_sql, cond_params) = self.condition_sql(&edit.cond);
        let (change_sql, change_params) = self.set_clause(edit.action, true);
        let returning = returning(edit);
        let context = self.context("changing sessions");
        // The rowid of the `limit`-th matching row closes this batch. It is looked up
        // before the write lock is taken, while waiting writers have their gap: a read
        // does not stop them, and the batch holds the lock only for the change itself.
        // The change re-checks the condition, so what changes in between is harmless.
        let boundary_sql = format!(
            "SELECT rowid FROM {} NOT INDEXED WHERE rowid > ?{where_sql} ORDER BY rowid LIMIT 1 OFFSET ?",
            self.quoted
        );
        let mut params: Vec<rusqlite::types::Value> = vec![after.into()];
        params.extend(cond_params.iter().cloned().map(Into::into));
        params.push((limit as i64 - 1).into());
        let boundary: Option<i64> = {
            let mut stmt = self.conn.prepare_cached(&boundary_sql)?;
            let mut rows = stmt
                .query(params_from_iter(params))
                .map_err(|e| classify(e, &context))?;
            match rows.next().map_err(|e| classify(e, &context))? {
                Some(row) => Some(row.get(0)?),
                None => None,
            }
        };
        let (tx, began) = begin_write(&mut self.conn, self.last_write, &context)?;
        let mut params: Vec<rusqlite::types::Value> =
            change_params.into_iter().map(Into::into).collect();
        params.push(after.into());
        let range_sql = match boundary {
            Some(end) => {
                params.push(end.into());
                format!("{change_sql} WHERE rowid > ? AND rowid <= ?{where_sql}{returning}")
            }
            None => format!("{change_sql} WHERE rowid > ?{where_sql}{returning}"),
        };
        params.extend(cond_params.into_iter().map(Into::into));
        let receipt = run_change(&tx, &range_sql, params, edit.report_keys)
            .map_err(|e| classify(e, &context))?;
        tx.commit().map_err(|e| classify(e, &context))?;
        self.last_write = Some((Instant::now(), began.elapsed()));
        match boundary {
            Some(end) => cursor.advance(RowIdAfter(end)),
            None => cursor.finish(),
        }
        Ok(receipt)
    }

    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt> {
        if targets.is_empty() {
            return Ok(Receipt::default());
        }
        let (where_sql, cond_params) = self.condition_sql(&edit.cond);
        let (change_sql, change_params) = self.set_clause(edit.action, false);
        let returning = returning(edit);
        let by_key = format!("{change_sql} WHERE session_key = ?{where_sql}{returning}");
        let by_key_and_data = format!(
            "{change_sql} WHERE session_key = ? AND session_data = ?{where_sql}{returning}"
        );
        let context = self.context("changing sessions");
        let (tx, began) = begin_write(&mut self.conn, self.last_write, &context)?;
        let mut receipt = Receipt::default();
        for target in targets {
            let mut params: Vec<rusqlite::types::Value> =
                change_params.iter().cloned().map(Into::into).collect();
            params.push(target.key.clone().into());
            let sql = match &target.payload {
                Some(Payload::Signed(data)) => {
                    params.push(data.clone().into());
                    &by_key_and_data
                }
                // A table holds text: bytes from elsewhere cannot be what it holds.
                Some(Payload::Cached(_)) => continue,
                None => &by_key,
            };
            params.extend(cond_params.iter().cloned().map(Into::into));
            receipt.absorb(
                run_change(&tx, sql, params, edit.report_keys)
                    .map_err(|e| classify(e, &context))?,
            );
        }
        tx.commit().map_err(|e| classify(e, &context))?;
        self.last_write = Some((Instant::now(), began.elapsed()));
        Ok(receipt)
    }

    fn estimate(&mut self, now: DateTime<Utc>) -> Result<Estimate> {
        let context = self.context("reading the table's statistics");
        let has_stat1 = self
            .has_table("sqlite_stat1")
            .map_err(|e| classify(e, &context))?;
        // sqlite_stat1's `stat` starts with the row count ANALYZE found.
        let stat: Option<String> = if has_stat1 {
            self.conn
                .query_row(
                    "SELECT stat FROM sqlite_stat1 WHERE tbl = ?1 LIMIT 1",
                    [&self.table],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| classify(e, &context))?
        } else {
            None
        };
        let Some(total) = stat
            .as_deref()
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "{} has no statistics for table `{}` (sqlite_stat1): run ANALYZE on it once, or give stats without --estimate",
                    self.path.display(),
                    self.table
                ),
            ));
        };
        let (oldest, newest) = self
            .conn
            .query_row(
                // Two subqueries: SQLite reads a lone min() or max() at one end of the
                // index, but both in one SELECT scan the whole index.
                &format!(
                    "SELECT (SELECT min(expire_date) FROM {0}), (SELECT max(expire_date) FROM {0})",
                    self.quoted
                ),
                [],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                    ))
                },
            )
            .map_err(|e| classify(e, &context))?;
        let zone = self.zone;
        let time = |t: &str| zone.parse_stored(t).ok();
        let expired = self
            .expiry_samples()
            .map_err(|e| classify(e, &context))?
            .map(|mut samples| {
                stat4::rows_before(
                    &mut samples,
                    total,
                    &zone.django_text(now),
                    oldest.as_deref(),
                    newest.as_deref(),
                    time,
                )
            });
        let end = |t: Option<String>| t.as_deref().and_then(time);
        Ok(Estimate {
            total: Some(total),
            expired,
            oldest_expire_date: end(oldest),
            newest_expire_date: end(newest),
            data_bytes: None,
            table_bytes: None,
            table_bytes_estimate: false,
            source: if expired.is_some() {
                "sqlite_stat1 and sqlite_stat4 (as of the last ANALYZE)"
            } else {
                "sqlite_stat1 (as of the last ANALYZE; without sqlite_stat4, no expired estimate)"
            },
            analyzed_at: None,
        })
    }

    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats> {
        let context = self.context("reading statistics");
        let sql = format!(
            "SELECT count(*), coalesce(sum(expire_date < ?1), 0), min(expire_date), max(expire_date), \
             coalesce(sum(length(CAST(session_data AS BLOB))), 0) FROM {}",
            self.quoted
        );
        let (total, expired, oldest, newest, data_bytes) = self
            .conn
            .query_row(&sql, [self.zone.django_text(now)], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })
            .map_err(|e| classify(e, &context))?;
        // dbstat counts the pages of the table and of its indexes.
        let table_bytes = self
            .conn
            .query_row(
                "SELECT sum(pgsize) FROM dbstat WHERE name = ?1 \
                 OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1)",
                [&self.table],
                |row| row.get::<_, Option<i64>>(0),
            )
            .ok()
            .flatten()
            .map(|n| n as u64);
        Ok(StoreStats {
            total: total as u64,
            expired: expired as u64,
            oldest_expire_date: oldest.and_then(|t| self.zone.parse_stored(&t).ok()),
            newest_expire_date: newest.and_then(|t| self.zone.parse_stored(&t).ok()),
            data_bytes: data_bytes as u64,
            table_bytes,
            table_bytes_estimate: false,
        })
    }

    fn lock_purge(&mut self, wait: Option<std::time::Duration>) -> Result<()> {
        if self.purge_lock.is_none() {
            self.purge_lock = Some(PurgeLock::open(&self.path, &self.table, self.file)?);
        }
        let Some(purge_lock) = self.purge_lock.as_mut() else {
            unreachable!("opened above");
        };
        // A lock not taken stays open with the store all the same (see `lock`).
        if !purge_lock.take(wait)? {
            return Err(coded(
                ExitCode::Busy,
                format!(
                    "another sessctl purge of {} is running; {}",
                    self.describe(),
                    super::busy_advice(wait)
                ),
            ));
        }
        Ok(())
    }

    fn vacuum(&mut self) -> Result<Vacuum> {
        // VACUUM rewrites the whole database into a new file and truncates the old one:
        // the space of deleted sessions goes back to the file system. It holds the write
        // lock while it runs (the app's writes wait) and needs free disk of up to twice
        // the database's size (a temporary copy, and the journal or write-ahead log).
        let context = self.context("vacuuming");
        let before = self.disk_bytes();
        let started = Instant::now();
        self.conn
            .execute_batch("VACUUM")
            .map_err(|e| classify(e, &context))?;
        let mut note = None;
        let journal: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .map_err(|e| classify(e, &context))?;
        if journal.eq_ignore_ascii_case("wal") {
            // In WAL mode the rewritten pages sit in the log until a checkpoint copies
            // them back and truncates the file; do that now, so the space really returns.
            let busy: i64 = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
                .map_err(|e| classify(e, &context))?;
            if busy != 0 {
                note = Some(
                    "the write-ahead log could not be checkpointed while other connections read the database; it shrinks at the next checkpoint".to_owned(),
                );
            }
        }
        Ok(Vacuum {
            statement: Some("VACUUM"),
            elapsed: started.elapsed(),
            measured: Some("database file (with its -wal)"),
            bytes_before: before,
            bytes_after: self.disk_bytes(),
            estimate: false,
            effect: "rewrote the database file without the free pages, giving their space back to the file system (it holds the write lock while it runs and needs free disk of up to twice the database's size)".to_owned(),
            note,
        })
    }

    fn take_notices(&mut self) -> Notices {
        Notices {
            messages: std::mem::take(&mut self.notices),
            failures: 0,
        }
    }
}

/// Opens a connection to `path` that waits for the app's locks.
pub(crate) fn connect(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| classify(e, &format!("cannot open {}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The first read of a connection: where SQLite finds a hot journal or a WAL to
/// recover, and fails on a read-only connection.
fn first_read(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
}

/// Whether `err` says a crash left a transaction for a writer to roll back (a hot
/// rollback journal, or a WAL whose index must be rebuilt) and the connection may not.
fn needs_recovery(err: &rusqlite::Error) -> bool {
    use rusqlite::ffi::{SQLITE_READONLY_RECOVERY, SQLITE_READONLY_ROLLBACK};
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.extended_code == SQLITE_READONLY_ROLLBACK || e.extended_code == SQLITE_READONLY_RECOVERY)
}

/// Lets SQLite roll back what a crashed writer left in `path` (`err`: what the read-only
/// connection said), through a short-lived writing connection, when this user may write
/// the database and its directory; a notice for the summary when it did. Nothing else is
/// written: SQLite only puts back the pages the journal holds, as Django's next read
/// would have done.
fn recover(path: &Path, err: &rusqlite::Error) -> Result<String> {
    use rustix::fs::Access as Mode;
    let shown = path.display();
    let wal = matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.extended_code == rusqlite::ffi::SQLITE_READONLY_RECOVERY);
    let what = if wal {
        format!("a write-ahead log to recover ({shown}-wal)")
    } else {
        format!("a hot journal ({shown}-journal)")
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let writable = rustix::fs::access(path, Mode::WRITE_OK).is_ok()
        && rustix::fs::access(dir, Mode::WRITE_OK | Mode::EXEC_OK).is_ok();
    if !writable {
        return Err(coded(
            ExitCode::StoreUnavailable,
            format!(
                "{shown} has {what}: a writer crashed in the middle of a transaction, and SQLite must roll that back before the database can be read, which needs write access to the file and its directory; run sessctl once as a user who may write them (the app's user, or root), or let the app read the database once; do not delete the journal, the database is inconsistent without it"
            ),
        ));
    }
    let conn = connect(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    first_read(&conn).map_err(|e| classify(e, &format!("rolling back {what} of {shown}")))?;
    conn.close()
        .map_err(|(_, e)| classify(e, &format!("rolling back {what} of {shown}")))?;
    Ok(format!(
        "{shown} had {what} left by a writer that crashed mid-transaction; SQLite rolled that transaction back before reading, as the app's next read would have"
    ))
}

/// Where a rowid walk stands: it goes on after this rowid.
struct RowIdAfter(i64);

/// The RETURNING clause of a change whose keys are wanted.
fn returning(edit: &Edit) -> &'static str {
    if edit.report_keys {
        " RETURNING session_key"
    } else {
        ""
    }
}

/// Runs one change statement inside `tx`: rows changed, and their keys when the
/// statement returns them.
fn run_change(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    params: Vec<rusqlite::types::Value>,
    keys: bool,
) -> rusqlite::Result<Receipt> {
    let mut stmt = tx.prepare_cached(sql)?;
    if !keys {
        let changed = stmt.execute(params_from_iter(params))? as u64;
        return Ok(Receipt {
            matched: changed,
            changed,
            ..Receipt::default()
        });
    }
    let keys: Vec<String> = stmt
        .query_map(params_from_iter(params), |row| Ok(text(row.get_ref(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let changed = keys.len() as u64;
    Ok(Receipt {
        matched: changed,
        changed,
        keys,
        ..Receipt::default()
    })
}

/// Starts a write transaction on `conn`, once the writer gap after the previous one
/// (`last_write`: when it committed, how long it held the lock) has passed.
fn begin_write<'c>(
    conn: &'c mut Connection,
    last_write: Option<(Instant, Duration)>,
    context: &str,
) -> Result<(rusqlite::Transaction<'c>, Instant)> {
    if let Some((committed, held)) = last_write {
        let gap = writer_gap(held);
        let since = committed.elapsed();
        if since < gap {
            std::thread::sleep(gap - since);
        }
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, context))?;
    // BEGIN IMMEDIATE has taken the lock: from here on, writers wait.
    Ok((tx, Instant::now()))
}

/// Session text as stored. Django writes TEXT; anything else is shown lossily rather than
/// aborting a scan over millions of rows because of one odd value.
fn text(value: ValueRef<'_>) -> String {
    match value {
        // from_utf8 checks ASCII a word at a time; the lossy conversion goes byte by
        // byte, which showed in scans of a million rows. Only invalid text needs it.
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => match std::str::from_utf8(bytes) {
            Ok(valid) => valid.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        },
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Null => String::new(),
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Maps SQLite failures that mean "not a usable session store" to exit code 3.
pub(crate) fn classify(err: rusqlite::Error, context: &str) -> anyhow::Error {
    let code = err.sqlite_error_code();
    let hint = match code {
        Some(ErrorCode::NotADatabase) => Some("the file is not a SQLite database"),
        Some(ErrorCode::ReadOnly) => {
            Some("the database is read-only for this user (permission denied)")
        }
        Some(ErrorCode::CannotOpen) => {
            Some("cannot open the database file (missing, or its directory is not accessible)")
        }
        Some(ErrorCode::PermissionDenied) => Some("permission denied"),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            Some("the database stayed locked by another connection past the busy timeout")
        }
        _ => None,
    };
    match hint {
        Some(hint) => {
            let exit = if matches!(
                code,
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            ) {
                ExitCode::Error
            } else {
                ExitCode::StoreUnavailable
            };
            coded(exit, format!("{context}: {hint}"))
        }
        None => anyhow::Error::new(err).context(context.to_owned()),
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

    /// A writer that started waiting during a batch has waited at most `held` when the
    /// batch commits; the sleep of SQLite's busy handler it is in, at most as long as the
    /// one after waiting `held`, must end within the gap.
    #[test]
    fn writer_gap_outlasts_the_busy_handler_sleep_in_progress() {
        const DELAYS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
        for held_ms in 0..2_000u64 {
            let mut waited = 0;
            let sleep = DELAYS_MS
                .iter()
                .find(|&&d| {
                    waited += d;
                    waited > held_ms
                })
                .copied()
                .unwrap_or(100);
            let gap = writer_gap(Duration::from_millis(held_ms));
            assert!(
                gap >= Duration::from_millis(sleep),
                "held {held_ms} ms: gap {gap:?}, busy handler sleeping {sleep} ms"
            );
            assert!(gap <= BUSY_HANDLER_MAX_SLEEP);
        }
    }

    /// Changes by key ran with NOT INDEXED, so each key scanned the whole table: a
    /// `purge --invalid` of 100k sessions ran for minutes instead of a second.
    #[test]
    fn changes_by_key_use_the_primary_key_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE \"django_session\" (\"session_key\" varchar(40) NOT NULL PRIMARY KEY, \
                 \"session_data\" text NOT NULL, \"expire_date\" datetime NOT NULL);
                 CREATE INDEX \"django_session_expire_date_a5c62663\" ON \"django_session\" (\"expire_date\");",
            )
            .unwrap();
        let store =
            SqliteStore::open(&path, "django_session", StoreZone::UTC, Access::Delete).unwrap();
        let now = crate::zone::parse_instant("2025-06-01T12:00:00Z").unwrap();
        for action in [Action::Delete, Action::ExpireAt(now)] {
            let (change_sql, _) = store.set_clause(action, false);
            let plan: Vec<String> = store
                .conn
                .prepare(&format!(
                    "EXPLAIN QUERY PLAN {change_sql} WHERE session_key = ?1 AND session_data = ?2 \
                     AND expire_date < ?3"
                ))
                .unwrap()
                .query_map([""; 3], |row| row.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter()
                    .any(|step| step.contains("sqlite_autoindex_django_session_1")),
                "{action:?}: {plan:?}"
            );
        }
    }

    #[test]
    fn busy_is_not_a_store_problem() {
        let err = classify(
            rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(5), None),
            "x",
        );
        assert_eq!(crate::exit::code_of(&err), ExitCode::Error);
    }
}
