//! Django's cache as a session store: the backends (Redis, memcached, DatabaseCache,
//! FileBasedCache) behind one [`CacheBackend`] trait, the key rule that tells this site's
//! sessions from everything else in the cache ([`key`]), cache URLs ([`url`]), and the
//! two engines built on them: [`store::CacheStore`] (`cache`: the cache is the store) and
//! [`cached_db::CachedDbStore`] (`cached_db`: a table read through the cache).
//!
//! Invariants every backend keeps:
//! - it touches only the keys it is given or that the key rule matches exactly: never
//!   `FLUSHDB`, `flush_all`, a `DELETE` without the exact key predicate, or `rm *`; the
//!   same cache holds other data and other sites' sessions;
//! - listing is paged ([`Cursor`]), so memory does not grow with the cache;
//! - a delete reports, key by key, whether the entry really existed: `cached_db` shows
//!   that count, and a wrong prefix, version or database number shows up as zeros;
//! - values are returned exactly as stored ([`CachedValue`]); decoding is the codec's.
//!
//! Values are decoded by [`crate::codec::cached`].

pub mod cached_db;
pub mod database;
pub mod file;
pub mod key;
pub mod memcached;
pub mod redis;
pub mod resolve;
pub mod store;
pub mod url;

use anyhow::Result;
use chrono::{DateTime, Utc};

pub use self::key::{KeyRule, SessionEngine};
pub use self::url::{CacheLocation, CacheUrl, RedisLocation};
use crate::codec::CachedValue;
use crate::store::Cursor;

/// Django's `MAX_ENTRIES` default for the database and file caches: a `set()` into a
/// fuller cache culls entries, sessions included.
pub const DEFAULT_MAX_ENTRIES: u64 = 300;

/// One cache entry as read.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheEntry {
    /// The full key, as the backend stores it.
    pub key: String,
    pub value: CachedValue,
    /// When the entry expires; `None`: never (no timeout).
    pub expires: Option<DateTime<Utc>>,
}

impl CacheEntry {
    /// Whether the cache treats the entry as gone at `now`: Django's database and file
    /// caches drop `expires < now` on read (Redis and memcached never return such an
    /// entry at all).
    pub fn expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|at| at < now)
    }
}

/// A key to delete, with what must still hold for the delete to happen.
#[derive(Clone, Debug, PartialEq)]
pub struct Deletion<'a> {
    pub key: &'a str,
    /// Delete only while the entry still holds exactly this value (it was chosen by
    /// decoding it; a session rewritten since must be chosen again).
    pub unchanged: Option<&'a CachedValue>,
    /// Delete only while the entry still expires before this instant (a purge of
    /// expired sessions must not delete one that was renewed since it was read).
    pub expired_before: Option<DateTime<Utc>>,
}

/// What a backend can do, declared by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheCapabilities {
    /// Its keys can be listed ([`CacheBackend::scan_keys`]); a FileBasedCache cannot (its
    /// file names are hashes).
    pub list: bool,
    /// Expired entries stay until something deletes them (database and file caches);
    /// Redis and memcached drop them themselves.
    pub keeps_expired: bool,
    /// The cache culls entries above `MAX_ENTRIES` (database and file caches).
    pub culls: bool,
    /// It cannot list keys but can walk its expired entries
    /// ([`CacheBackend::scan_expired`]): FileBasedCache, for `clear-expired`.
    pub walk_expired: bool,
}

/// One cache, as sessctl needs it. Every method works on full backend keys.
pub trait CacheBackend {
    /// The cache for messages, passwords redacted.
    fn describe(&self) -> String;

    fn capabilities(&self) -> CacheCapabilities;

    /// The next page of keys that `rule` matches exactly (about `count`; a page may be
    /// empty while the walk goes on), advancing `cursor`. Only for backends that
    /// [`list`](CacheCapabilities::list).
    fn scan_keys(
        &mut self,
        cursor: &mut Cursor,
        rule: &KeyRule,
        count: usize,
    ) -> Result<Vec<String>>;

    /// The entries of `keys`, in order; `None` where there is none (or it has expired,
    /// for backends that drop expired entries).
    fn fetch(&mut self, keys: &[String]) -> Result<Vec<Option<CacheEntry>>>;

    /// Deletes these entries; for each, whether it existed and was deleted.
    fn delete(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>>;

    /// Makes these entries expire at `at` (or at once, where the backend cannot hold an
    /// expiry in the past); for each, whether it existed.
    fn expire(&mut self, keys: &[String], at: DateTime<Utc>) -> Result<Vec<bool>>;

    /// The next page of entries that expired before `before` (about `count` examined),
    /// advancing `cursor`; an entry's `key` is the backend's own name for it (a file
    /// name), valid only for [`delete_expired`](Self::delete_expired). Only for
    /// backends that [`walk_expired`](CacheCapabilities::walk_expired).
    fn scan_expired(
        &mut self,
        _cursor: &mut Cursor,
        _before: DateTime<Utc>,
        _count: usize,
    ) -> Result<Vec<CacheEntry>> {
        Err(anyhow::anyhow!(
            "{} has no walk over expired entries",
            self.describe()
        ))
    }

    /// Deletes entries named by [`scan_expired`](Self::scan_expired); for each, whether
    /// it still satisfied its deletion and was deleted.
    fn delete_expired(&mut self, _deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        Err(anyhow::anyhow!(
            "{} has no walk over expired entries",
            self.describe()
        ))
    }
}

/// Opens the backend one resolved cache describes, for `access` (a database cache's
/// connection is read-only for commands that only read); `stop` ends a call to a
/// database server in flight.
pub fn open_backend(
    spec: &CacheSpec,
    access: crate::db::Access,
    stop: &crate::purge::StopFlag,
) -> Result<Box<dyn CacheBackend>> {
    Ok(match &spec.locations[0] {
        CacheLocation::Redis(_) => Box::new(redis::RedisBackend::open(&spec.locations)?),
        CacheLocation::Memcached { .. } => {
            Box::new(memcached::MemcachedBackend::open(&spec.locations)?)
        }
        CacheLocation::File { .. } => Box::new(file::FileCacheBackend::open(&spec.locations)?),
        CacheLocation::Database { table } => {
            if spec.locations.len() > 1 {
                return Err(crate::exit::coded(
                    crate::exit::ExitCode::Usage,
                    "a database cache is one table: give one --cache-url db://TABLE",
                ));
            }
            let database = spec.database.as_ref().ok_or_else(|| {
                crate::exit::coded(
                    crate::exit::ExitCode::Usage,
                    format!(
                        "--cache-url db://{table} is a DatabaseCache table: give its database with --database-url"
                    ),
                )
            })?;
            Box::new(database::DatabaseCacheBackend::open(
                table, database, access, stop,
            )?)
        }
    })
}

/// A cache, resolved from the options: its servers and the rule for its session keys.
#[derive(Clone, Debug)]
pub struct CacheSpec {
    /// One or more locations of the same kind (several: a sharded cache).
    pub locations: Vec<CacheLocation>,
    pub rule: KeyRule,
    /// `MAX_ENTRIES` of the database and file caches (`--cache-max-entries`).
    pub max_entries: u64,
    /// The database of a `db://TABLE` cache (`--database-url`).
    pub database: Option<crate::store::TableSpec>,
}
