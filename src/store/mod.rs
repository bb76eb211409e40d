//! The `SessionStore` trait: everything sessctl needs from a place that keeps sessions.
//!
//! Stores know SQL or files, nothing of the command line or output. The batch engine in
//! [`crate::purge`] drives them through this trait and never learns which store it drives.
//! Invariants every store keeps:
//! - each `apply_*` call is one short transaction (or its file-system equivalent), and
//!   re-checks its [`Condition`] (and a [`Target`]'s data) inside the change itself;
//! - scans are paged, so memory does not grow with the store;
//! - "expired" means what `clear-expired` would delete (see [`crate::session`]).

pub mod files;
pub mod galera_lock;
pub mod mysql;
pub mod mysql_replicas;
pub mod pg_standbys;
pub mod postgres;
pub mod sql;
pub mod sqlite;

use std::any::Any;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};

use self::files::{FileStore, FileStoreSettings};
use self::mysql::MysqlStore;
use self::postgres::PostgresStore;
use self::sqlite::SqliteStore;
use crate::cache::cached_db::CachedDbStore;
use crate::cache::store::CacheStore;
use crate::cache::CacheSpec;
use crate::codec::Codec;
pub use crate::db::Access;
use crate::dburl::StoreUrl;
use crate::purge::{Replication, StopFlag};
use crate::session::{Condition, Edit, StoredSession, Target};
use crate::zone::StoreZone;

/// Where the sessions are and how Django keeps them (its `SESSION_ENGINE`), resolved
/// once from the options; every store is opened from one of these.
#[derive(Clone, Debug)]
pub enum EngineSpec {
    /// `django.contrib.sessions.backends.db`: a session table.
    Db(TableSpec),
    /// `django.contrib.sessions.backends.file`: a session directory.
    File(FileStoreSettings),
    /// `django.contrib.sessions.backends.cache`: the cache is the store.
    Cache(CacheSpec),
    /// `django.contrib.sessions.backends.cached_db`: the table, read through the cache.
    /// Without a cache only reading is allowed: a change to the table alone leaves the
    /// sessions alive in the cache.
    CachedDb {
        table: TableSpec,
        cache: Option<CacheSpec>,
    },
}

/// The `store` and `target` labels of `--metrics-file`: the kind of store, and the
/// table, directory or cache key rule it works on (nothing secret).
pub fn metrics_labels(spec: &EngineSpec) -> (&'static str, String) {
    let table_kind = |t: &TableSpec| match t.url {
        StoreUrl::Sqlite { .. } => "sqlite",
        StoreUrl::Postgres(_) => "postgresql",
        StoreUrl::Mysql(_) => "mysql",
    };
    match spec {
        EngineSpec::Db(t) => (table_kind(t), t.table.clone()),
        EngineSpec::File(f) => ("file", f.dir.display().to_string()),
        EngineSpec::Cache(c) => ("cache", c.rule.describe()),
        EngineSpec::CachedDb { table, .. } => ("cached_db", table.table.clone()),
    }
}

/// A session table in a database.
#[derive(Clone, Debug)]
pub struct TableSpec {
    pub url: StoreUrl,
    /// The URL with its password redacted, for messages.
    pub shown: String,
    pub table: String,
    /// How the table's naive datetimes are read (`--time-zone`).
    pub zone: StoreZone,
}

/// Opens the store `spec` describes, for `access`.
/// `stop` (raised by SIGINT/SIGTERM) lets a store end a call to its server in flight.
pub fn open(
    spec: &EngineSpec,
    codec: &Codec,
    access: Access,
    stop: &StopFlag,
) -> Result<Box<dyn SessionStore>> {
    Ok(match spec {
        EngineSpec::Cache(cache) => Box::new(CacheStore::new(
            crate::cache::open_backend(cache, access, stop)?,
            cache.rule.clone(),
            codec.clone(),
            cache.max_entries,
        )),
        EngineSpec::CachedDb { table, cache } => {
            let db = open(&EngineSpec::Db(table.clone()), codec, access, stop)?;
            match cache {
                Some(cache) => Box::new(CachedDbStore::new(
                    db,
                    crate::cache::open_backend(cache, access, stop)?,
                    cache.rule.clone(),
                    codec.clone(),
                )),
                None if access.writes() => {
                    return Err(crate::exit::coded(
                        crate::exit::ExitCode::Usage,
                        "--engine cached_db without --cache-url: deleting or expiring rows alone leaves \
                         the sessions alive in the cache, where Django reads them first (until their \
                         TTL, up to SESSION_COOKIE_AGE); give the cache with --cache-url (CACHE_URL)",
                    ))
                }
                None => db,
            }
        }
        EngineSpec::File(settings) => {
            Box::new(FileStore::open(settings.clone(), codec.clone(), access)?)
        }
        EngineSpec::Db(t) => match &t.url {
            StoreUrl::Sqlite { path } => {
                Box::new(SqliteStore::open(path, &t.table, t.zone, access)?)
            }
            StoreUrl::Postgres(url) => Box::new(PostgresStore::open(
                url,
                &t.shown,
                &t.table,
                t.zone,
                access,
                stop.clone(),
            )?),
            StoreUrl::Mysql(url) => {
                Box::new(MysqlStore::open(url, &t.shown, &t.table, t.zone, access)?)
            }
        },
    })
}

/// Where a paged walk over a store has got to. The engine only starts a walk and asks
/// whether it is over; what a position is (a rowid, a key, a block range and the span
/// learnt so far, a directory offset) is the store's own type, kept inside.
#[derive(Default)]
pub struct Cursor {
    state: CursorState,
}

#[derive(Default)]
enum CursorState {
    #[default]
    Start,
    At(Box<dyn Any + Send>),
    Done,
}

impl Cursor {
    /// A walk that has not begun.
    pub fn start() -> Cursor {
        Cursor::default()
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, CursorState::Done)
    }

    /// The store's position: `None` before the first step or after the last.
    ///
    /// # Panics
    /// When the cursor holds another type: a cursor is used with the store, and the
    /// kind of walk (scan or change), that made it.
    pub fn position<T: 'static>(&self) -> Option<&T> {
        match &self.state {
            CursorState::At(pos) => Some(
                pos.downcast_ref::<T>()
                    .expect("a cursor is only used by the walk that made it"),
            ),
            _ => None,
        }
    }

    /// [`position`](Cursor::position), to change in place.
    pub fn position_mut<T: 'static>(&mut self) -> Option<&mut T> {
        match &mut self.state {
            CursorState::At(pos) => Some(
                pos.downcast_mut::<T>()
                    .expect("a cursor is only used by the walk that made it"),
            ),
            _ => None,
        }
    }

    /// Moves the walk on to `pos`.
    pub fn advance<T: Send + 'static>(&mut self, pos: T) {
        self.state = CursorState::At(Box::new(pos));
    }

    /// Ends the walk.
    pub fn finish(&mut self) {
        self.state = CursorState::Done;
    }

    /// Where a walk in session-key order stands after `page`: past its last key when the
    /// page was full (there may be more), done when it was not. The position is a
    /// [`KeyAfter`].
    pub fn after_key_page(&mut self, page: &[StoredSession], limit: usize) {
        match page.last() {
            Some(last) if page.len() >= limit => self.advance(KeyAfter(last.key.clone())),
            _ => self.finish(),
        }
    }
}

/// A position in session-key order: the walk goes on after this key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAfter(pub String);

/// What one bulk write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    /// Sessions that satisfied the selection when the write ran, changed or not (a file
    /// Django renewed between the check and the unlink is matched, not changed).
    pub matched: u64,
    /// Sessions deleted or updated.
    pub changed: u64,
    /// The keys of the sessions changed, when the [`Edit`] asked for them (a cache
    /// in front of the table must drop exactly these entries); empty otherwise.
    pub keys: Vec<String>,
    /// Times the write was rolled back and tried again (deadlock, lock or statement
    /// timeout) before it went through.
    pub retries: u32,
    /// Times the write was halved to get it through (Galera certification conflicts).
    pub halved: u32,
}

impl Receipt {
    /// Adds what a later write of the same batch did.
    pub fn absorb(&mut self, other: Receipt) {
        self.matched += other.matched;
        self.changed += other.changed;
        self.keys.extend(other.keys);
        self.retries += other.retries;
        self.halved += other.halved;
    }
}

/// What `clear-expired` means for a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClearExpired {
    /// Delete what has expired, in batches (tables, session directories, the database
    /// and file caches).
    Delete,
    /// Nothing to do: the server drops expired entries itself (Redis, memcached), as
    /// Django's own `clear_expired` of the cache engine knows.
    ServerExpires,
}

/// What a store can do, declared by the store, so that commands and the batch engine
/// ask instead of knowing each engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Its sessions can be listed ([`SessionStore::scan_page`]).
    pub enumerate: bool,
    /// [`SessionStore::count`] with an expiry condition costs an index scan, not a read
    /// of every session (a file directory must read every file to know its expiry).
    pub cheap_count: bool,
    pub clear_expired: ClearExpired,
}

/// Tries `take` (true: the lock is now held) until it succeeds, at once without `wait`,
/// every 100 ms for at most `wait` otherwise. For locks that have no waiting form that
/// can time out (flock, SQLite's byte-range lock). Returns whether the lock was taken.
pub fn poll_lock(wait: Option<Duration>, mut take: impl FnMut() -> Result<bool>) -> Result<bool> {
    let deadline = wait.map(|w| std::time::Instant::now().checked_add(w));
    loop {
        if take()? {
            return Ok(true);
        }
        let waiting = match deadline {
            None => false,
            // Too far ahead to represent: as good as forever.
            Some(None) => true,
            Some(Some(until)) => std::time::Instant::now() < until,
        };
        if !waiting {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What to do when another purge holds the lock: wait for it, or (when this run
/// waited already, `wait`) give it more time.
pub fn busy_advice(wait: Option<Duration>) -> String {
    match wait {
        None => "try later, or pass --wait".to_owned(),
        Some(w) => format!(
            "still running after waiting {} s (the rest of --max-runtime); try later, or allow a longer --max-runtime",
            w.as_secs()
        ),
    }
}

/// Table-wide figures for `stats`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStats {
    pub total: u64,
    pub expired: u64,
    pub oldest_expire_date: Option<DateTime<Utc>>,
    pub newest_expire_date: Option<DateTime<Utc>>,
    /// Bytes of encoded session data.
    pub data_bytes: u64,
    /// On-disk size of the table and its indexes, when the store can tell.
    pub table_bytes: Option<u64>,
    /// `table_bytes` is the server's estimate, not a measure (InnoDB's statistics when
    /// the tablespace file cannot be read).
    pub table_bytes_estimate: bool,
}

/// What `--vacuum` did to a store, for the summary and the JSON report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vacuum {
    /// The statement run (`VACUUM`, `VACUUM (ANALYZE)`, `OPTIMIZE TABLE`), `None` for a
    /// store with nothing to run (file directories, caches).
    pub statement: Option<&'static str>,
    /// How long it took.
    pub elapsed: Duration,
    /// What the sizes measure, e.g. "database file" or "table and indexes".
    pub measured: Option<&'static str>,
    /// Bytes on disk before and after, when the store can tell.
    pub bytes_before: Option<u64>,
    pub bytes_after: Option<u64>,
    /// The sizes are the server's estimates, not measures.
    pub estimate: bool,
    /// What the statement does to the space of deleted sessions, one sentence.
    pub effect: String,
    /// What else there is to know, e.g. how to really shrink a PostgreSQL table.
    pub note: Option<String>,
}

/// `stats` figures only a cache can give: who the sessions belong to and how long they
/// have left (a table answers these only by decoding every row, which `stats` does not).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheFigures {
    pub with_user: u64,
    pub anonymous: u64,
    pub undecodable: u64,
    /// Sessions stored without an expiry.
    pub no_expiry: u64,
    /// Seconds left of the session that expires first / last (negative: expired).
    pub ttl_min: Option<i64>,
    pub ttl_max: Option<i64>,
    /// `MAX_ENTRIES` of a cache that culls above it (database and file caches).
    pub max_entries: Option<u64>,
}

/// What `inspect` shows of a row's cache entry (cached_db).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheView {
    /// The entry's full key in the cache.
    pub key: String,
    pub present: bool,
    /// Seconds left; `None` when absent or stored without expiry.
    pub ttl_seconds: Option<i64>,
    /// Whether the cached dict equals the row's decoded data (`None`: either does not
    /// decode, or there is no entry).
    pub same_as_row: Option<bool>,
    /// The entry's format and size, when present.
    pub format: Option<String>,
    pub size: Option<usize>,
}

/// What a store has to say about a run beyond its figures: files it read without
/// verifying, sessions it kept where Django would crash, per-file failures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notices {
    /// Sentences for the summary (stderr), at most a few dozen whatever the store's size.
    pub messages: Vec<String>,
    /// Sessions that could not be read or changed (e.g. permission denied); a run with
    /// failures exits non-zero although the rest of the work was done.
    pub failures: u64,
}

pub trait SessionStore {
    /// The store for messages, passwords redacted.
    fn describe(&self) -> String;

    /// What this store can do.
    fn capabilities(&self) -> Capabilities;

    /// How many sessions satisfy `cond` at the moment.
    fn count(&mut self, cond: &Condition) -> Result<u64>;

    /// One session by key; `expired` evaluated at `now`.
    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>>;

    /// The next page (at most `limit`) of sessions satisfying `cond`, advancing
    /// `cursor`; an empty page means the walk is over.
    fn scan_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>>;

    /// Applies `edit` to the next range of sessions satisfying its condition, at most
    /// `limit` of them, in one short transaction that re-checks the condition. Finishes
    /// `cursor` once the whole store has been walked.
    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt>;

    /// Applies `edit` to these sessions, in one short transaction, to each only if it
    /// still satisfies the condition and (when given) still holds the same payload.
    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt>;

    /// Figures for `stats`.
    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats>;

    /// Takes this table's purge lock for as long as the store stays open, so two purges
    /// never walk the same table at once. When another process holds it: with `wait`,
    /// wait for it at most that long; without, or once the wait is over, fail with
    /// [`ExitCode::Busy`](crate::exit::ExitCode::Busy).
    fn lock_purge(&mut self, wait: Option<Duration>) -> Result<()>;

    /// Gives the space of deleted sessions back the way this store can (`--vacuum`), and
    /// says what that did: the statement, its time, the size before and after.
    fn vacuum(&mut self) -> Result<Vacuum>;

    /// A watcher of what this store replicates to, for pacing a bulk change
    /// (`--max-lag`, Galera's flow control): the standbys a PostgreSQL primary streams
    /// to, the MySQL/MariaDB replicas named by `replicas` (`--replica` URLs), the other
    /// nodes of a Galera cluster. `None` when it replicates nowhere it can see.
    fn replication(
        &mut self,
        replicas: &[String],
        _max_lag: bool,
    ) -> Result<Option<Box<dyn Replication>>> {
        if !replicas.is_empty() {
            return Err(crate::exit::coded(
                crate::exit::ExitCode::Usage,
                format!(
                    "--replica is for a MySQL/MariaDB store; {} has no replicas to wait for",
                    self.describe()
                ),
            ));
        }
        Ok(None)
    }

    /// The batch size to use when `--batch-size` was not given, when this store needs
    /// a smaller one than the default (Galera: every batch is one writeset the whole
    /// cluster certifies and applies).
    fn default_batch_size(&self) -> Option<usize> {
        None
    }

    /// Takes the notices gathered since the last call.
    fn take_notices(&mut self) -> Notices {
        Notices::default()
    }

    /// Cache entries really deleted alongside the changed sessions so far, for a store
    /// with a cache in front of it (cached_db); `None` for every other store.
    fn cache_deleted(&self) -> Option<u64> {
        None
    }

    /// The cache entry of the session `key`, for a store with a cache in front of it.
    fn cache_view(&mut self, _key: &str, _now: DateTime<Utc>) -> Result<Option<CacheView>> {
        Ok(None)
    }

    /// Figures of the last [`stats`](SessionStore::stats) that only a cache gives.
    fn cache_figures(&self) -> Option<CacheFigures> {
        None
    }

    /// `stats --histogram` and `--duplicates` computed where the sessions are (`GROUP BY`
    /// on a database server), so that their data need not be read; `None` when this store
    /// cannot, and the caller reads every session instead.
    fn aggregate(
        &mut self,
        _plan: &crate::shape::Aggregation,
        _now: DateTime<Utc>,
    ) -> Result<Option<crate::shape::Aggregates>> {
        Ok(None)
    }

    /// `stats --estimate`: the figures from the database's own statistics, without
    /// reading the table. Only database tables have such statistics.
    fn estimate(&mut self, _now: DateTime<Utc>) -> Result<Estimate> {
        Err(crate::exit::coded(
            crate::exit::ExitCode::Usage,
            format!(
                "stats --estimate reads a database's table statistics; {} has none (give stats without --estimate)",
                self.describe()
            ),
        ))
    }
}

/// What `stats --estimate` reads from a database's statistics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Estimate {
    /// Rows, as the statistics last counted them.
    pub total: Option<u64>,
    /// Rows with `expire_date < now`, as the query planner estimates them.
    pub expired: Option<u64>,
    /// Exact: read at both ends of the expiry index.
    pub oldest_expire_date: Option<DateTime<Utc>>,
    pub newest_expire_date: Option<DateTime<Utc>>,
    /// Bytes of session data: rows × the statistics' average width.
    pub data_bytes: Option<u64>,
    pub table_bytes: Option<u64>,
    /// `table_bytes` is itself InnoDB's estimate (see [`StoreStats`]).
    pub table_bytes_estimate: bool,
    /// Where the figures come from, for the report.
    pub source: &'static str,
    /// When the statistics were last gathered, when the database says.
    pub analyzed_at: Option<DateTime<Utc>>,
}
