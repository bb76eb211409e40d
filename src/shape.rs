//! The shape of a session store, for `stats --histogram expiry|size` and
//! `stats --duplicates`: how the sessions spread over their expiry (how much the next
//! purge deletes, how much expired backlog sits there), how large they are, and which
//! identical session data many sessions hold (a client creating sessions in a loop).
//!
//! PostgreSQL computes the histograms itself ([`SessionStore::aggregate`]: `GROUP BY`,
//! a few hundred rows over the network instead of every session's data, faster than any
//! full read). Otherwise — duplicates, `--top users` (which decodes the data), MySQL,
//! whose `GROUP BY`s measured slower than sending every row — one streaming pass over
//! the store, page by page. Memory
//! stays bounded by what is reported, not by the number of sessions: expiry buckets are
//! at most [`MAX_BUCKETS`] (the bucket width grows with the range), sizes are counted per
//! distinct byte length, the largest sessions are a fixed-size list; only a streamed
//! `--duplicates` holds one 16-byte entry per distinct session data, and `--top users`
//! one entry per user. Both ways give the same figures: ties among the largest sessions
//! and the example key of duplicated data are the smallest keys (bytewise).

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use anyhow::Result;
use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::session::{Condition, StoredSession};
use crate::store::{Cursor, SessionStore};

/// At most this many expiry bars.
pub const MAX_BUCKETS: usize = 48;
/// How many of the largest sessions and of the most duplicated data are named.
pub const TOP: usize = 10;
const PAGE: usize = 5_000;

/// What to compute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub expiry: bool,
    pub size: bool,
    pub duplicates: bool,
    /// Sessions per `_auth_user_id` (the data is decoded for it).
    pub top_users: bool,
}

impl Wanted {
    pub fn any(self) -> bool {
        self.expiry || self.size || self.duplicates || self.top_users
    }
}

/// One bar of the expiry histogram: sessions whose expiry falls in `[start, start+width)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiryBucket {
    pub start: DateTime<Utc>,
    pub sessions: u64,
    /// The bucket lies before `now` (its sessions have expired) — partly, for the
    /// bucket holding `now`, counted in `expired` below.
    pub expired: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiryHistogram {
    /// `hour`, `day`, `week` or `30 days`.
    pub width_name: &'static str,
    pub width_seconds: i64,
    pub buckets: Vec<ExpiryBucket>,
    /// Sessions without a fixed expiry (caches without TTL).
    pub no_expiry: u64,
}

/// Sizes: a bar per power of two, exact percentiles, the largest sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeHistogram {
    /// `(upper bound in bytes, sessions)`: sessions of at most that size and more than
    /// the bound before.
    pub buckets: Vec<(u64, u64)>,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
    /// `(key, bytes)`, largest first.
    pub largest: Vec<(String, u64)>,
}

/// Identical session data held by several sessions, most first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub sessions: u64,
    pub bytes: u64,
    /// One of the sessions that hold it.
    pub example_key: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub expiry: Option<ExpiryHistogram>,
    pub size: Option<SizeHistogram>,
    pub duplicates: Option<Vec<Duplicate>>,
    /// `(user id, sessions)`, most first, at most [`TOP`]; usernames are added by the
    /// caller when the user table is there.
    pub top_users: Option<Vec<(String, u64)>>,
}

/// What [`SessionStore::aggregate`] is asked to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregation {
    /// Expiry buckets of `width_seconds` from `origin`: bucket `i` holds the sessions
    /// with `floor(trunc(expire_date - origin in seconds) / width) = i`.
    pub expiry: Option<ExpiryGrid>,
    /// Sessions per byte length of their data, and the [`TOP`] largest.
    pub size: bool,
    /// The [`TOP`] session data held by most sessions (more than one).
    pub duplicates: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpiryGrid {
    pub origin: DateTime<Utc>,
    pub width_seconds: i64,
}

/// What a store computed for an [`Aggregation`], in the streaming pass's own terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// Bucket index → (sessions, of them expired at `now`).
    pub expiry: BTreeMap<i64, (u64, u64)>,
    /// Byte length → sessions.
    pub sizes: HashMap<u64, u64>,
    /// `(key, bytes)`, largest first, ties by key.
    pub largest: Vec<(String, u64)>,
    /// Most sessions first, ties by example key.
    pub duplicates: Vec<Duplicate>,
}

/// The bucket width that shows `span` in at most [`MAX_BUCKETS`] bars.
fn width_for(span: Duration) -> (&'static str, Duration) {
    let widths = [
        ("hour", Duration::hours(1)),
        ("day", Duration::days(1)),
        ("week", Duration::weeks(1)),
        ("30 days", Duration::days(30)),
        ("year", Duration::days(365)),
    ];
    for (name, width) in widths {
        if span.num_seconds() / width.num_seconds().max(1) < MAX_BUCKETS as i64 {
            return (name, width);
        }
    }
    ("10 years", Duration::days(3650))
}

/// Computes what `wanted` asks for: by the store itself where it can, otherwise by
/// reading every session once. `range` is the store's oldest and newest expiry (from
/// its statistics), which fixes the expiry buckets.
pub fn measure(
    store: &mut dyn SessionStore,
    codec: &crate::codec::Codec,
    wanted: Wanted,
    now: DateTime<Utc>,
    range: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<Shape> {
    let buckets = match range {
        (Some(oldest), Some(newest)) => {
            let (name, width) = width_for(newest - oldest);
            let origin = oldest
                .duration_trunc(width.min(Duration::days(1)))
                .unwrap_or(oldest);
            Some((name, width, origin))
        }
        _ => None,
    };
    // An empty range means an empty table or sessions without expiry: the streaming
    // pass counts those.
    let plan = Aggregation {
        expiry: match buckets {
            Some((_, width, origin)) if wanted.expiry => Some(ExpiryGrid {
                origin,
                width_seconds: width.num_seconds(),
            }),
            _ => None,
        },
        size: wanted.size,
        duplicates: wanted.duplicates,
    };
    let pushed = if (wanted.expiry && plan.expiry.is_none())
        || !(wanted.expiry || wanted.size || wanted.duplicates)
    {
        None
    } else {
        store.aggregate(&plan, now)?
    };
    let (mut found, streamed) = match pushed {
        Some(found) => (
            found,
            Wanted {
                top_users: wanted.top_users,
                ..Wanted::default()
            },
        ),
        None => (Aggregates::default(), wanted),
    };
    let mut no_expiry = 0u64;
    let mut seen_data: HashMap<u64, (u64, u64, String)> = HashMap::new();
    let mut per_user: HashMap<String, u64> = HashMap::new();
    let mut cursor = Cursor::start();
    while streamed.any() && !cursor.is_done() {
        let page = store.scan_page(&mut cursor, &Condition::ALL, now, PAGE)?;
        for session in page {
            let bytes = session.payload.len() as u64;
            if streamed.expiry {
                match (session.expire_date, buckets) {
                    (Some(at), Some((_, width, origin))) => {
                        let index = (at - origin).num_seconds().div_euclid(width.num_seconds());
                        let entry = found.expiry.entry(index).or_default();
                        entry.0 += 1;
                        if session.expired {
                            entry.1 += 1;
                        }
                    }
                    _ => no_expiry += 1,
                }
            }
            if streamed.size {
                *found.sizes.entry(bytes).or_default() += 1;
                keep_largest(&mut found.largest, &session.key, bytes);
            }
            if streamed.top_users {
                let id = codec
                    .decode_payload_only(&session.payload, &[crate::codec::USER_ID_KEY])
                    .user_id();
                if let Some(id) = id {
                    *per_user.entry(id).or_default() += 1;
                }
            }
            if streamed.duplicates {
                let entry = seen_data
                    .entry(digest(&session))
                    .or_insert_with(|| (0, bytes, session.key.clone()));
                entry.0 += 1;
                if session.key < entry.2 {
                    entry.2.clone_from(&session.key);
                }
            }
        }
    }
    if streamed.duplicates {
        found.duplicates = seen_data
            .into_values()
            .filter(|(n, _, _)| *n > 1)
            .map(|(sessions, bytes, example_key)| Duplicate {
                sessions,
                bytes,
                example_key,
            })
            .collect();
        rank_duplicates(&mut found.duplicates);
    }
    let mut shape = Shape::default();
    if wanted.expiry {
        let (name, width, origin) = buckets.unwrap_or(("day", Duration::days(1), now));
        shape.expiry = Some(ExpiryHistogram {
            width_name: name,
            width_seconds: width.num_seconds(),
            buckets: found
                .expiry
                .into_iter()
                .map(|(i, (sessions, expired))| ExpiryBucket {
                    start: origin + Duration::seconds(i * width.num_seconds()),
                    sessions,
                    expired,
                })
                .collect(),
            no_expiry,
        });
    }
    if wanted.size {
        shape.size = Some(size_histogram(&found.sizes, found.largest));
    }
    if wanted.duplicates {
        shape.duplicates = Some(found.duplicates);
    }
    if wanted.top_users {
        let mut ranked: Vec<(String, u64)> = per_user.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(TOP);
        shape.top_users = Some(ranked);
    }
    Ok(shape)
}

/// Most sessions first, then by example key; the first [`TOP`].
fn rank_duplicates(dups: &mut Vec<Duplicate>) {
    dups.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then_with(|| a.example_key.cmp(&b.example_key))
    });
    dups.truncate(TOP);
}

/// Keeps the [`TOP`] largest, ties to the smaller key (as `ORDER BY bytes DESC, key`).
fn keep_largest(largest: &mut Vec<(String, u64)>, key: &str, bytes: u64) {
    if largest.len() == TOP
        && largest.last().is_some_and(|(k, b)| {
            (*b, std::cmp::Reverse(k.as_str())) >= (bytes, std::cmp::Reverse(key))
        })
    {
        return;
    }
    largest.push((key.to_owned(), bytes));
    largest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    largest.truncate(TOP);
}

/// A 64-bit digest of the stored data (SipHash with fixed keys: the same data gives the
/// same digest in every run; a collision merges two groups, which only overstates one).
fn digest(session: &StoredSession) -> u64 {
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    match &session.payload {
        crate::session::Payload::Signed(text) => text.hash(&mut h),
        crate::session::Payload::Cached(value) => value.bytes.hash(&mut h),
    }
    h.finish()
}

fn size_histogram(sizes: &HashMap<u64, u64>, largest: Vec<(String, u64)>) -> SizeHistogram {
    let mut ordered: Vec<(u64, u64)> = sizes.iter().map(|(s, n)| (*s, *n)).collect();
    ordered.sort();
    let total: u64 = ordered.iter().map(|(_, n)| n).sum();
    // The smallest size at or below which `q` of the sessions fall (nearest rank).
    let quantile = |q: f64| -> u64 {
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (size, n) in &ordered {
            seen += n;
            if seen >= rank {
                return *size;
            }
        }
        0
    };
    let mut buckets: BTreeMap<u64, u64> = BTreeMap::new();
    for (size, n) in &ordered {
        *buckets.entry(size.max(&1).next_power_of_two()).or_default() += n;
    }
    SizeHistogram {
        buckets: buckets.into_iter().collect(),
        p50: quantile(0.5),
        p90: quantile(0.9),
        p99: quantile(0.99),
        max: ordered.last().map_or(0, |(s, _)| *s),
        largest,
    }
}

/// A horizontal bar `value / max` of `width` cells: Unicode eighth blocks, or `#` in
/// ASCII.
pub fn bar(value: u64, max: u64, width: usize, ascii: bool) -> String {
    if max == 0 {
        return String::new();
    }
    let eighths = (value as f64 / max as f64 * (width * 8) as f64).round() as usize;
    if ascii {
        let n = eighths.div_ceil(8).min(width);
        return "#".repeat(if value > 0 { n.max(1) } else { 0 });
    }
    let full = eighths / 8;
    let rest = eighths % 8;
    let mut s = "█".repeat(full);
    if rest > 0 {
        s.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest - 1]);
    } else if value > 0 && full == 0 {
        s.push('▏');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_never_hide_a_nonzero_value() {
        assert_eq!(bar(8, 8, 4, false), "████");
        assert_eq!(bar(1, 8, 4, false), "▌");
        assert_eq!(bar(1, 1000, 4, false), "▏");
        assert_eq!(bar(1, 1000, 4, true), "#");
        assert_eq!(bar(0, 1000, 4, true), "");
        assert_eq!(bar(8, 8, 4, true), "####");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let sizes: HashMap<u64, u64> = [(10, 50), (100, 40), (1000, 9), (5000, 1)]
            .into_iter()
            .collect();
        let h = size_histogram(&sizes, Vec::new());
        assert_eq!((h.p50, h.p90, h.p99, h.max), (10, 100, 1000, 5000));
        assert_eq!(h.buckets, vec![(16, 50), (128, 40), (1024, 9), (8192, 1)]);
    }

    #[test]
    fn bucket_widths_keep_the_bars_few() {
        assert_eq!(width_for(Duration::hours(20)).0, "hour");
        assert_eq!(width_for(Duration::days(14)).0, "day");
        assert_eq!(width_for(Duration::days(200)).0, "week");
    }
}
