//! The `cache` engine as a [`SessionStore`]: the cache is the store.
//!
//! Sessions are the entries whose key the [`KeyRule`] accepts, and nothing else: the
//! same cache holds other data and other sites' sessions. Invariants:
//! - listing walks the backend page by page ([`CacheBackend::scan_keys`]), holding one
//!   page; a backend that cannot list (FileBasedCache) refuses every command that needs
//!   a listing with exit 2, and still serves given keys;
//! - a batch deletes at most `limit` keys: a listing page larger than the batch is kept
//!   for the next batch, never cut short or over-run;
//! - a session chosen by decoding it is deleted only while it still holds the value that
//!   was judged ([`Deletion::unchanged`]);
//! - "expired" is the cache's own rule (`expires < now`), which only the database and
//!   file caches ever see: Redis and memcached drop such entries themselves.

use std::collections::VecDeque;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{CacheBackend, CacheEntry, Deletion, KeyRule};
use crate::codec::Codec;
use crate::exit::{coded, ExitCode};
use crate::session::{Action, Condition, Edit, Payload, StoredSession, Target};
use crate::store::{
    CacheFigures, Capabilities, ClearExpired, Cursor, Notices, Receipt, SessionStore, StoreStats,
    Vacuum,
};

/// Keys asked of the backend per listing step.
const LIST_PAGE: usize = 5_000;

pub struct CacheStore {
    backend: Box<dyn CacheBackend>,
    rule: KeyRule,
    codec: Codec,
    /// `MAX_ENTRIES` of a culling cache, for the stats warning.
    max_entries: u64,
    figures: Option<CacheFigures>,
    notices: Notices,
}

/// A walk over the cache's session keys: the backend's own cursor, and keys it listed
/// that a batch had no room for.
#[derive(Default)]
struct Walk {
    backend: Cursor,
    carry: VecDeque<String>,
}

impl CacheStore {
    pub fn new(
        backend: Box<dyn CacheBackend>,
        rule: KeyRule,
        codec: Codec,
        max_entries: u64,
    ) -> CacheStore {
        CacheStore {
            backend,
            rule,
            codec,
            max_entries,
            figures: None,
            notices: Notices::default(),
        }
    }

    fn require_listing(&self) -> Result<()> {
        if self.backend.capabilities().list {
            return Ok(());
        }
        Err(coded(
            ExitCode::Usage,
            format!(
                "{} cannot be listed (its file names are hashes of the keys, and the files hold no key), \
                 so this command cannot find its sessions; inspect, expire and flush of given session keys work",
                self.backend.describe()
            ),
        ))
    }

    /// The instant of an expired-only condition that this backend serves by its walk
    /// over expired entries (it cannot list keys: FileBasedCache).
    fn expired_walk(&self, cond: &Condition) -> Option<DateTime<Utc>> {
        let caps = self.backend.capabilities();
        if caps.list || !caps.walk_expired || cond.active_at.is_some() {
            return None;
        }
        cond.expired_at
    }

    /// The next expired entries of the walk over expired entries whose value is a
    /// session (a dict that decodes as one); their `key` is the backend's name for them.
    /// The files hold no key, so whose sessions they are cannot be told: an expired entry
    /// is dead to every Django reading the cache, which deletes it at its next read.
    fn next_expired(
        &mut self,
        cursor: &mut Cursor,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<CacheEntry>> {
        let mut out = Vec::new();
        while out.len() < limit && !cursor.is_done() {
            let page = self
                .backend
                .scan_expired(cursor, before, LIST_PAGE.min(limit.max(1)))?;
            out.extend(page.into_iter().filter(|entry| {
                self.codec
                    .decode_payload_only(
                        &Payload::Cached(entry.value.clone()),
                        &[crate::codec::USER_ID_KEY],
                    )
                    .data
                    .is_some()
            }));
        }
        Ok(out)
    }

    fn expired_session(entry: CacheEntry) -> StoredSession {
        StoredSession {
            key: entry.key,
            expired: true,
            expire_date: entry.expires,
            payload: Payload::Cached(entry.value),
        }
    }

    /// Deletes entries found by the walk over expired entries, each only while it is
    /// still the value judged and still expired.
    fn delete_expired(&mut self, entries: &[CacheEntry], edit: &Edit) -> Result<Receipt> {
        let deletions: Vec<Deletion<'_>> = entries
            .iter()
            .map(|entry| Deletion {
                key: &entry.key,
                unchanged: Some(&entry.value),
                expired_before: edit.cond.expired_at,
            })
            .collect();
        let done = self.backend.delete_expired(&deletions)?;
        Ok(receipt(
            entries.iter().map(|e| &e.key),
            done,
            edit.report_keys,
        ))
    }

    /// The next at most `limit` session keys of a walk (full backend keys).
    fn next_keys(&mut self, cursor: &mut Cursor, limit: usize) -> Result<Vec<String>> {
        self.require_listing()?;
        if cursor.is_done() {
            return Ok(Vec::new());
        }
        if cursor.position::<Walk>().is_none() {
            cursor.advance(Walk::default());
        }
        let walk = cursor.position_mut::<Walk>().expect("just set");
        while walk.carry.len() < limit && !walk.backend.is_done() {
            let page = self.backend.scan_keys(
                &mut walk.backend,
                &self.rule,
                LIST_PAGE.min(limit.max(1)),
            )?;
            walk.carry.extend(page);
        }
        let take = limit.min(walk.carry.len());
        let keys: Vec<String> = walk.carry.drain(..take).collect();
        if walk.carry.is_empty() && walk.backend.is_done() {
            cursor.finish();
        }
        Ok(keys)
    }

    fn session(&self, entry: CacheEntry, now: DateTime<Utc>) -> Option<StoredSession> {
        let key = self.rule.session_key(&entry.key)?.to_owned();
        Some(StoredSession {
            key,
            expired: entry.expired_at(now),
            expire_date: entry.expires,
            payload: Payload::Cached(entry.value),
        })
    }

    fn satisfies(session: &StoredSession, cond: &Condition) -> bool {
        let expires = session.expire_date;
        let expired_ok = cond
            .expired_at
            .is_none_or(|t| expires.is_some_and(|at| at < t));
        let active_ok = cond
            .active_at
            .is_none_or(|t| expires.is_none_or(|at| at >= t));
        expired_ok && active_ok
    }

    /// Applies `edit` to these sessions (already judged to satisfy its condition).
    fn change(&mut self, sessions: &[(String, Option<Payload>)], edit: &Edit) -> Result<Receipt> {
        let full: Vec<String> = sessions
            .iter()
            .map(|(k, _)| self.rule.full_key(k))
            .collect();
        let done = match edit.action {
            Action::Delete => {
                let deletions: Vec<Deletion<'_>> = full
                    .iter()
                    .zip(sessions)
                    .map(|(key, (_, payload))| Deletion {
                        key,
                        unchanged: match payload {
                            Some(Payload::Cached(value)) => Some(value),
                            _ => None,
                        },
                        expired_before: edit.cond.expired_at,
                    })
                    .collect();
                self.backend.delete(&deletions)?
            }
            Action::ExpireAt(at) => self.backend.expire(&full, at)?,
        };
        Ok(receipt(
            sessions.iter().map(|(k, _)| k),
            done,
            edit.report_keys,
        ))
    }
}

/// The receipt of a change asked of `keys`, `done` saying for each whether it happened.
fn receipt<'k>(
    keys: impl Iterator<Item = &'k String>,
    done: Vec<bool>,
    report_keys: bool,
) -> Receipt {
    let mut receipt = Receipt::default();
    for (key, changed) in keys.zip(done) {
        receipt.matched += 1;
        if changed {
            receipt.changed += 1;
            if report_keys {
                receipt.keys.push(key.clone());
            }
        }
    }
    receipt
}

impl SessionStore for CacheStore {
    fn describe(&self) -> String {
        format!(
            "{} (sessions {})",
            self.backend.describe(),
            self.rule.describe()
        )
    }

    fn capabilities(&self) -> Capabilities {
        let caps = self.backend.capabilities();
        Capabilities {
            enumerate: caps.list,
            cheap_count: false,
            clear_expired: if caps.keeps_expired {
                ClearExpired::Delete
            } else {
                ClearExpired::ServerExpires
            },
        }
    }

    fn count(&mut self, cond: &Condition) -> Result<u64> {
        let now = Utc::now();
        if let Some(before) = self.expired_walk(cond) {
            let mut cursor = Cursor::start();
            let mut n = 0;
            while !cursor.is_done() {
                n += self.next_expired(&mut cursor, before, LIST_PAGE)?.len() as u64;
            }
            return Ok(n);
        }
        let mut cursor = Cursor::start();
        let mut n = 0;
        while !cursor.is_done() {
            n += self.scan_page(&mut cursor, cond, now, LIST_PAGE)?.len() as u64;
        }
        Ok(n)
    }

    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
        let full = self.rule.full_key(key);
        let entry = self
            .backend
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
        if let Some(before) = self.expired_walk(cond) {
            let entries = self.next_expired(cursor, before, limit)?;
            return Ok(entries.into_iter().map(Self::expired_session).collect());
        }
        let keys = self.next_keys(cursor, limit)?;
        let entries = self.backend.fetch(&keys)?;
        Ok(entries
            .into_iter()
            .flatten()
            .filter_map(|entry| self.session(entry, now))
            .filter(|s| Self::satisfies(s, cond))
            .collect())
    }

    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        if let (Some(before), Action::Delete) = (self.expired_walk(&edit.cond), &edit.action) {
            let entries = self.next_expired(cursor, before, limit)?;
            return self.delete_expired(&entries, edit);
        }
        let keys = self.next_keys(cursor, limit)?;
        let sessions: Vec<(String, Option<Payload>)> = if edit.cond == Condition::ALL {
            // Every listed key is selected: nothing to read first.
            keys.iter()
                .filter_map(|k| self.rule.session_key(k).map(|s| (s.to_owned(), None)))
                .collect()
        } else {
            let now = Utc::now();
            self.backend
                .fetch(&keys)?
                .into_iter()
                .flatten()
                .filter_map(|entry| self.session(entry, now))
                .filter(|s| Self::satisfies(s, &edit.cond))
                .map(|s| (s.key, Some(s.payload)))
                .collect()
        };
        self.change(&sessions, edit)
    }

    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt> {
        let sessions: Vec<(String, Option<Payload>)> = targets
            .iter()
            // A signed payload is a table's, never this store's.
            .filter(|t| !matches!(t.payload, Some(Payload::Signed(_))))
            .map(|t| (t.key.clone(), t.payload.clone()))
            .collect();
        self.change(&sessions, edit)
    }

    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats> {
        let mut stats = StoreStats {
            total: 0,
            expired: 0,
            oldest_expire_date: None,
            newest_expire_date: None,
            data_bytes: 0,
            table_bytes: None,
            table_bytes_estimate: false,
        };
        let mut figures = CacheFigures::default();
        let mut cursor = Cursor::start();
        while !cursor.is_done() {
            for session in self.scan_page(&mut cursor, &Condition::ALL, now, LIST_PAGE)? {
                stats.total += 1;
                stats.expired += u64::from(session.expired);
                stats.data_bytes += session.payload.len() as u64;
                match session.expire_date {
                    Some(at) => {
                        stats.oldest_expire_date =
                            Some(stats.oldest_expire_date.map_or(at, |o| o.min(at)));
                        stats.newest_expire_date =
                            Some(stats.newest_expire_date.map_or(at, |n| n.max(at)));
                    }
                    None => figures.no_expiry += 1,
                }
                let decoded = self
                    .codec
                    .decode_payload_only(&session.payload, &[crate::codec::USER_ID_KEY]);
                if decoded.data.is_none() {
                    figures.undecodable += 1;
                } else if decoded.user_id().is_some() {
                    figures.with_user += 1;
                } else {
                    figures.anonymous += 1;
                }
            }
        }
        if self.backend.capabilities().culls {
            figures.max_entries = Some(self.max_entries);
        }
        figures.ttl_min = stats.oldest_expire_date.map(|at| (at - now).num_seconds());
        figures.ttl_max = stats.newest_expire_date.map(|at| (at - now).num_seconds());
        self.figures = Some(figures);
        Ok(stats)
    }

    fn lock_purge(&mut self, _wait: Option<Duration>) -> Result<()> {
        // No lock: a cache has no table to walk twice, and deleting a key twice is
        // harmless (the second delete finds nothing and counts nothing).
        Ok(())
    }

    fn vacuum(&mut self) -> Result<Vacuum> {
        Ok(Vacuum {
            effect: format!(
                "nothing to do: {} frees the memory of deleted entries by itself",
                self.backend.describe()
            ),
            ..Vacuum::default()
        })
    }

    fn take_notices(&mut self) -> Notices {
        std::mem::take(&mut self.notices)
    }

    fn cache_figures(&self) -> Option<CacheFigures> {
        self.figures.clone()
    }
}
