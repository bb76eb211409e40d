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
pub mod mysql;
pub mod postgres;
pub mod sql;
pub mod sqlite;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::session::{Action, Condition, StoredSession, Target};

/// Where a paged walk over a store has got to. Stores choose the representation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Cursor {
    #[default]
    Start,
    RowId(i64),
    Key(String),
    Done,
}

impl Cursor {
    pub fn is_done(&self) -> bool {
        matches!(self, Cursor::Done)
    }

    /// Where a walk in session-key order stands after `page`: past its last key when the
    /// page was full (there may be more), done when it was not.
    pub fn after_key_page(page: &[StoredSession], limit: usize) -> Cursor {
        match page.last() {
            Some(last) if page.len() >= limit => Cursor::Key(last.key.clone()),
            _ => Cursor::Done,
        }
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

    /// How many sessions satisfy `cond` at the moment.
    fn count(&mut self, cond: &Condition) -> Result<u64>;

    /// One session by key; `expired` evaluated at `now`.
    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>>;

    /// The next page (at most `limit`) of sessions satisfying `cond`, in the store's
    /// physical order, advancing `cursor`; an empty page means the walk is over.
    fn scan_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>>;

    /// Applies `action` to the next range of sessions satisfying `cond`, at most `limit`
    /// of them, in one short transaction that re-checks `cond`. Sets `cursor` to
    /// [`Cursor::Done`] once the whole store has been walked. Returns the rows changed.
    fn apply_range(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        limit: usize,
        action: Action,
    ) -> Result<u64>;

    /// Applies `action` to these sessions, in one short transaction, to each only if it
    /// still satisfies `cond` and (when given) still holds the same data.
    fn apply_exact(&mut self, targets: &[Target], cond: &Condition, action: Action) -> Result<u64>;

    /// Figures for `stats`.
    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats>;

    /// Takes this table's purge lock for as long as the store stays open, so two purges
    /// never walk the same table at once. When another process holds it: with `wait`,
    /// block until it is free; without, fail at once with [`ExitCode::Busy`](crate::exit::ExitCode::Busy).
    fn lock_purge(&mut self, wait: bool) -> Result<()>;

    /// Gives the space of deleted sessions back the way this store needs (`--vacuum`).
    fn vacuum(&mut self) -> Result<()>;

    /// Whether [`count`](SessionStore::count) with an expiry condition costs as much as the
    /// change itself (a file directory reads every file to know its expiry). The batch
    /// engine then skips counting before a change and takes
    /// [`matched_so_far`](SessionStore::matched_so_far) afterwards.
    fn counting_reads_everything(&self) -> bool {
        false
    }

    /// Sessions that satisfied the condition in this store's `apply_range` calls so far,
    /// changed or not, for stores that count as they go.
    fn matched_so_far(&self) -> Option<u64> {
        None
    }

    /// Takes the notices gathered since the last call.
    fn take_notices(&mut self) -> Notices {
        Notices::default()
    }
}
