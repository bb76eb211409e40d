//! The `cached_db` engine as a [`SessionStore`]: a database store and the cache Django
//! reads first.
//!
//! Django's `load()` reads the cache and, on a hit, never looks at the table: deleting or
//! expiring a row alone leaves the user logged in for the rest of the entry's TTL (SPEC
//! §5.6). Invariants:
//! - every change goes to the database first, in its own batches, and then to exactly
//!   the cache keys of the sessions that batch changed (the store's [`Receipt`] names
//!   them), Django's own order; sessions named on the command line lose their cache entry
//!   even when their row needed no change (an expired row whose entry still logs in);
//! - cache entries really deleted are counted ([`SessionStore::cache_deleted`]), so a
//!   wrong prefix, version or database number shows as zero instead of passing silently;
//! - a cache error after a database commit does not undo the commit or stop the run: the
//!   keys left in the cache are reported by name and the run exits 1;
//! - where the cache can be listed, a walk over the sessions goes on after the table with
//!   the sessions that live only in the cache (a row deleted while a request refilled
//!   the cache: it still logs its user in), so `--user` and `--invalid` find them.

use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{CacheBackend, Deletion, KeyRule};
use crate::codec::Codec;
use crate::session::{Action, Condition, Edit, Payload, StoredSession, Target};
use crate::store::{
    CacheFigures, CacheView, Capabilities, Cursor, Notices, Receipt, SessionStore, StoreStats,
    Vacuum,
};

/// Keys asked of the cache per listing step of the cache-only walk.
const LIST_PAGE: usize = 5_000;
/// Cache keys named in one message; the rest are counted.
const KEYS_SHOWN: usize = 200;

pub struct CachedDbStore {
    db: Box<dyn SessionStore>,
    cache: Box<dyn CacheBackend>,
    rule: KeyRule,
    codec: Codec,
    cache_deleted: u64,
    /// Cache keys whose delete failed after their rows changed, and the first error.
    left: Vec<String>,
    left_error: Option<String>,
}

/// A walk over the table, then over the cache entries that have no row.
enum Walk {
    Table(Cursor),
    CacheOnly(Cursor),
}

impl CachedDbStore {
    pub fn new(
        db: Box<dyn SessionStore>,
        cache: Box<dyn CacheBackend>,
        rule: KeyRule,
        codec: Codec,
    ) -> CachedDbStore {
        CachedDbStore {
            db,
            cache,
            rule,
            codec,
            cache_deleted: 0,
            left: Vec::new(),
            left_error: None,
        }
    }

    /// Deletes the cache entries of these sessions; a failure is recorded, not raised:
    /// the rows have been committed already. Returns the keys whose entry was deleted.
    fn drop_entries(&mut self, session_keys: &[String]) -> Vec<String> {
        if session_keys.is_empty() {
            return Vec::new();
        }
        let full: Vec<String> = session_keys.iter().map(|k| self.rule.full_key(k)).collect();
        let deletions: Vec<Deletion<'_>> = full
            .iter()
            .map(|key| Deletion {
                key,
                unchanged: None,
                expired_before: None,
            })
            .collect();
        match self.cache.delete(&deletions) {
            Ok(gone) => {
                let deleted: Vec<String> = session_keys
                    .iter()
                    .zip(gone)
                    .filter(|(_, g)| *g)
                    .map(|(k, _)| k.clone())
                    .collect();
                self.cache_deleted += deleted.len() as u64;
                deleted
            }
            Err(e) => {
                self.left_error.get_or_insert_with(|| format!("{e:#}"));
                self.left.extend(full);
                Vec::new()
            }
        }
    }

    /// A page of sessions that live only in the cache.
    fn cache_only_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>> {
        let keys = self
            .cache
            .scan_keys(cursor, &self.rule, limit.min(LIST_PAGE))?;
        let entries = self.cache.fetch(&keys)?;
        let mut page = Vec::new();
        for entry in entries.into_iter().flatten() {
            let Some(key) = self.rule.session_key(&entry.key).map(str::to_owned) else {
                continue;
            };
            let expires = entry.expires;
            let wanted = cond
                .expired_at
                .is_none_or(|t| expires.is_some_and(|at| at < t))
                && cond
                    .active_at
                    .is_none_or(|t| expires.is_none_or(|at| at >= t));
            if !wanted || self.db.get(&key, now)?.is_some() {
                continue;
            }
            page.push(StoredSession {
                key,
                expired: entry.expired_at(now),
                expire_date: expires,
                payload: Payload::Cached(entry.value),
            });
        }
        Ok(page)
    }

    fn with_keys(edit: &Edit) -> Edit {
        Edit {
            report_keys: true,
            ..*edit
        }
    }
}

impl SessionStore for CachedDbStore {
    fn describe(&self) -> String {
        format!(
            "{} with the cache {} (entries {})",
            self.db.describe(),
            self.cache.describe(),
            self.rule.describe()
        )
    }

    fn capabilities(&self) -> Capabilities {
        self.db.capabilities()
    }

    fn count(&mut self, cond: &Condition) -> Result<u64> {
        self.db.count(cond)
    }

    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
        if let Some(row) = self.db.get(key, now)? {
            return Ok(Some(row));
        }
        // No row, but an entry in the cache logs the session in all the same.
        let full = self.rule.full_key(key);
        let entry = self
            .cache
            .fetch(std::slice::from_ref(&full))?
            .pop()
            .flatten();
        Ok(entry.map(|entry| StoredSession {
            key: key.to_owned(),
            expired: entry.expired_at(now),
            expire_date: entry.expires,
            payload: Payload::Cached(entry.value),
        }))
    }

    fn scan_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>> {
        if cursor.position::<Walk>().is_none() {
            cursor.advance(Walk::Table(Cursor::start()));
        }
        let listable = self.cache.capabilities().list;
        let walk = cursor.position_mut::<Walk>().expect("just set");
        let page = match walk {
            Walk::Table(inner) => {
                let page = self.db.scan_page(inner, cond, now, limit)?;
                if inner.is_done() {
                    *walk = Walk::CacheOnly(Cursor::start());
                }
                page
            }
            Walk::CacheOnly(inner) => {
                let mut inner = std::mem::take(inner);
                let page = if listable {
                    self.cache_only_page(&mut inner, cond, now, limit)?
                } else {
                    inner.finish();
                    Vec::new()
                };
                let done = inner.is_done();
                *cursor.position_mut::<Walk>().expect("set") = Walk::CacheOnly(inner);
                if done {
                    cursor.finish();
                }
                page
            }
        };
        Ok(page)
    }

    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        let mut receipt = self.db.apply_range(cursor, &Self::with_keys(edit), limit)?;
        self.drop_entries(&receipt.keys);
        if !edit.report_keys {
            receipt.keys.clear();
        }
        Ok(receipt)
    }

    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt> {
        let (cache_only, rows): (Vec<&Target>, Vec<&Target>) = targets
            .iter()
            .partition(|t| matches!(t.payload, Some(Payload::Cached(_))));
        let rows: Vec<Target> = rows.into_iter().cloned().collect();
        let mut receipt = if rows.is_empty() {
            Receipt::default()
        } else {
            self.db.apply_exact(&rows, &Self::with_keys(edit))?
        };
        // Named sessions lose their entry whatever their row needed; chosen ones only
        // when their row was changed (a row rewritten since was not, nor is its entry).
        let mut changed: Vec<String> = receipt.keys.clone();
        let named: Vec<String> = rows
            .iter()
            .filter(|t| t.payload.is_none())
            .map(|t| t.key.clone())
            .collect();
        let mut drop: Vec<String> = named.clone();
        drop.extend(receipt.keys.iter().filter(|k| !named.contains(k)).cloned());
        for key in self.drop_entries(&drop) {
            if !changed.contains(&key) {
                changed.push(key);
            }
        }
        // Sessions found only in the cache: deleted there, if still as judged (an expire
        // of a session without a row is its delete as well).
        if !cache_only.is_empty() {
            let full: Vec<String> = cache_only
                .iter()
                .map(|t| self.rule.full_key(&t.key))
                .collect();
            let deletions: Vec<Deletion<'_>> = full
                .iter()
                .zip(&cache_only)
                .map(|(key, t)| Deletion {
                    key,
                    unchanged: match &t.payload {
                        Some(Payload::Cached(v)) => Some(v),
                        _ => None,
                    },
                    expired_before: match edit.action {
                        Action::Delete => edit.cond.expired_at,
                        Action::ExpireAt(_) => None,
                    },
                })
                .collect();
            let gone = self.cache.delete(&deletions)?;
            receipt.matched += cache_only.len() as u64;
            for (t, g) in cache_only.iter().zip(gone) {
                if g {
                    self.cache_deleted += 1;
                    changed.push(t.key.clone());
                }
            }
        }
        receipt.changed = changed.len() as u64;
        receipt.keys = if edit.report_keys {
            changed
        } else {
            Vec::new()
        };
        Ok(receipt)
    }

    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats> {
        self.db.stats(now)
    }

    fn estimate(&mut self, now: DateTime<Utc>) -> Result<crate::store::Estimate> {
        self.db.estimate(now)
    }

    fn aggregate(
        &mut self,
        plan: &crate::shape::Aggregation,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::shape::Aggregates>> {
        self.db.aggregate(plan, now)
    }

    fn lock_purge(&mut self, wait: Option<Duration>) -> Result<()> {
        self.db.lock_purge(wait)
    }

    fn replication(
        &mut self,
        replicas: &[String],
        max_lag: bool,
    ) -> Result<Option<Box<dyn crate::purge::Replication>>> {
        self.db.replication(replicas, max_lag)
    }

    fn default_batch_size(&self) -> Option<usize> {
        self.db.default_batch_size()
    }

    fn vacuum(&mut self) -> Result<Vacuum> {
        self.db.vacuum()
    }

    fn take_notices(&mut self) -> Notices {
        let mut notices = self.db.take_notices();
        if !self.left.is_empty() {
            let left = std::mem::take(&mut self.left);
            let shown: Vec<&str> = left.iter().take(KEYS_SHOWN).map(String::as_str).collect();
            let more = left.len().saturating_sub(KEYS_SHOWN);
            notices.messages.push(format!(
                "the rows were changed, but {} cache entr{} could not be deleted ({}); until deleted \
                 they keep their sessions logged in, for the rest of their TTL: {}{}",
                left.len(),
                if left.len() == 1 { "y" } else { "ies" },
                self.left_error.take().unwrap_or_default(),
                shown.join(" "),
                if more > 0 {
                    format!(" … and {more} more")
                } else {
                    String::new()
                }
            ));
            notices.failures += left.len() as u64;
        }
        notices
    }

    fn cache_deleted(&self) -> Option<u64> {
        Some(self.cache_deleted)
    }

    fn cache_view(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<CacheView>> {
        let full = self.rule.full_key(key);
        let entry = self
            .cache
            .fetch(std::slice::from_ref(&full))?
            .pop()
            .flatten();
        let Some(entry) = entry else {
            return Ok(Some(CacheView {
                key: full,
                present: false,
                ttl_seconds: None,
                same_as_row: None,
                format: None,
                size: None,
            }));
        };
        let cached = self
            .codec
            .decode_payload(&Payload::Cached(entry.value.clone()));
        let row = self.db.get(key, now)?;
        let same_as_row = match (row, &cached.data) {
            (Some(row), Some(data)) => self
                .codec
                .decode_payload(&row.payload)
                .data
                .map(|row_data| &row_data == data),
            _ => None,
        };
        Ok(Some(CacheView {
            key: full,
            present: true,
            ttl_seconds: entry.expires.map(|at| (at - now).num_seconds()),
            same_as_row,
            format: Some(cached.format.as_str().to_owned()),
            size: Some(entry.value.bytes.len()),
        }))
    }

    fn cache_figures(&self) -> Option<CacheFigures> {
        None
    }
}
