//! Redis (Django's `RedisCache`, django-redis) as a [`CacheBackend`].
//!
//! Invariants:
//! - keys are listed with `SCAN … MATCH <exact escaped pattern>` (never `KEYS`, which
//!   blocks the server), on every server and database given;
//! - values and TTLs are read in pipelines (`GET` + `PTTL` per key, one round trip a page);
//! - only listed or named keys are deleted (`DEL`, or a short script that deletes a key
//!   only while it still holds the value that was judged); never `FLUSHDB`;
//! - several URLs are django-redis ShardClient shards (or Django's primary and replicas):
//!   every server is read, and a key is deleted on every server that has it; the
//!   ShardClient ring says where to look first.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use redis::{ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use super::url::{CacheLocation, RedisAddr, RedisLocation};
use super::{CacheBackend, CacheCapabilities, CacheEntry, Deletion, KeyRule};
use crate::codec::signing::hex;
use crate::codec::CachedValue;
use crate::exit::{coded, ExitCode};
use crate::store::Cursor;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Keys per conditional-delete script call: a script blocks the server while it runs, so
/// each stays short (about a millisecond).
const SCRIPT_CHUNK: usize = 500;

/// Deletes each key whose value still hashes to ARGV[2i-1] and whose expiry (unix ms) is
/// still before ARGV[2i] (an empty argument: no such condition); returns 1/0 per key.
/// `pcall`: a key of another type is left alone, not an error. PEXPIRETIME is Redis 7.
const DELETE_UNCHANGED: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  local want, before = ARGV[2 * i - 1], ARGV[2 * i]
  local ok = true
  if want ~= '' then
    local v = redis.pcall('GET', key)
    ok = type(v) == 'string' and redis.sha1hex(v) == want
  end
  if ok and before ~= '' then
    local t = redis.call('PEXPIRETIME', key)
    ok = t >= 0 and t < tonumber(before)
  end
  out[i] = 0
  if ok then out[i] = redis.call('DEL', key) end
end
return out
";

struct Server {
    location: RedisLocation,
    conn: redis::Connection,
}

pub struct RedisBackend {
    servers: Vec<Server>,
    ring: Option<ShardRing>,
    /// Which server the last listed keys came from: fetches ask it first.
    seen_on: HashMap<String, usize>,
}

impl RedisBackend {
    /// Connects to every location (all must be Redis).
    pub fn open(locations: &[CacheLocation]) -> Result<RedisBackend> {
        let mut servers = Vec::with_capacity(locations.len());
        for location in locations {
            let CacheLocation::Redis(location) = location else {
                return Err(coded(
                    ExitCode::Usage,
                    format!(
                        "--cache-url {} is not a Redis URL; all --cache-url of one cache are of one kind",
                        location.shown()
                    ),
                ));
            };
            servers.push(Server {
                conn: connect(location)?,
                location: location.clone(),
            });
        }
        let ring = (servers.len() > 1)
            .then(|| ShardRing::new(servers.iter().map(|s| s.location.text.as_str())));
        Ok(RedisBackend {
            servers,
            ring,
            seen_on: HashMap::new(),
        })
    }

    /// Servers in the order to look for `key`: where it was listed, else where the
    /// ShardClient ring places it, then the others.
    fn lookup_order(&self, key: &str) -> Vec<usize> {
        let first = self
            .seen_on
            .get(key)
            .copied()
            .or_else(|| self.ring.as_ref().map(|r| r.node(key)))
            .unwrap_or(0);
        std::iter::once(first)
            .chain((0..self.servers.len()).filter(|&i| i != first))
            .collect()
    }

    fn failed(&self, server: usize, what: &str) -> String {
        format!("Redis {}: {what}", self.servers[server].location.shown)
    }
}

fn connect(location: &RedisLocation) -> Result<redis::Connection> {
    let unreachable = |e: &dyn std::fmt::Display| {
        coded(
            ExitCode::StoreUnavailable,
            format!("cannot connect to Redis {}: {e}", location.shown),
        )
    };
    let addr = match &location.addr {
        RedisAddr::Tcp {
            host,
            port,
            tls: false,
        } => ConnectionAddr::Tcp(host.clone(), *port),
        RedisAddr::Tcp {
            host,
            port,
            tls: true,
        } => ConnectionAddr::TcpTls {
            host: host.clone(),
            port: *port,
            insecure: false,
            tls_params: None,
        },
        RedisAddr::Unix { path } => ConnectionAddr::Unix(path.clone()),
    };
    let mut settings = RedisConnectionInfo::default().set_db(location.db);
    if let Some(user) = &location.username {
        settings = settings.set_username(user);
    }
    if let Some(password) = &location.password {
        settings = settings.set_password(password);
    }
    let info = addr
        .into_connection_info()
        .map_err(|e| unreachable(&e))?
        .set_redis_settings(settings);
    let client = match (&location.addr, &location.ca_file) {
        (RedisAddr::Tcp { tls: true, .. }, Some(ca)) => {
            let pem = std::fs::read(ca).map_err(|e| {
                coded(
                    ExitCode::Usage,
                    format!("ssl_ca_certs {}: {e}", ca.display()),
                )
            })?;
            redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                },
            )
        }
        _ => redis::Client::open(info),
    }
    .map_err(|e| unreachable(&e))?;
    let conn = client
        .get_connection_with_timeout(CONNECT_TIMEOUT)
        .map_err(|e| unreachable(&e))?;
    conn.set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| conn.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| unreachable(&e))?;
    Ok(conn)
}

/// Where a walk over the servers is: the server, and its SCAN cursor.
struct ScanAt {
    server: usize,
    cursor: u64,
}

impl CacheBackend for RedisBackend {
    fn describe(&self) -> String {
        let shown: Vec<&str> = self
            .servers
            .iter()
            .map(|s| s.location.shown.as_str())
            .collect();
        format!("Redis {}", shown.join(", "))
    }

    fn capabilities(&self) -> CacheCapabilities {
        CacheCapabilities {
            list: true,
            keeps_expired: false,
            culls: false,
            walk_expired: false,
        }
    }

    fn scan_keys(
        &mut self,
        cursor: &mut Cursor,
        rule: &KeyRule,
        count: usize,
    ) -> Result<Vec<String>> {
        if cursor.is_done() {
            return Ok(Vec::new());
        }
        let (server, at) = match cursor.position::<ScanAt>() {
            Some(pos) => (pos.server, pos.cursor),
            None => (0, 0),
        };
        let pattern = rule.redis_pattern();
        let (next, raw): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(at)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(count.max(10))
            .query(&mut self.servers[server].conn)
            .with_context(|| self.failed(server, "SCAN failed"))?;
        if next != 0 {
            cursor.advance(ScanAt {
                server,
                cursor: next,
            });
        } else if server + 1 < self.servers.len() {
            cursor.advance(ScanAt {
                server: server + 1,
                cursor: 0,
            });
        } else {
            cursor.finish();
        }
        self.seen_on.clear();
        let mut keys = Vec::with_capacity(raw.len());
        for key in raw {
            // The pattern is text, so every key it matches is too; the rule checks again.
            let Ok(key) = String::from_utf8(key) else {
                continue;
            };
            if rule.session_key(&key).is_some() {
                self.seen_on.insert(key.clone(), server);
                keys.push(key);
            }
        }
        Ok(keys)
    }

    fn fetch(&mut self, keys: &[String]) -> Result<Vec<Option<CacheEntry>>> {
        let mut out: Vec<Option<CacheEntry>> = vec![None; keys.len()];
        let mut pending: Vec<(usize, Vec<usize>)> = Vec::new();
        // Group the keys by the server to ask first, then ask the others for the misses.
        let mut by_server: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            by_server
                .entry(self.lookup_order(key)[0])
                .or_default()
                .push(i);
        }
        pending.extend(by_server);
        let mut asked: HashMap<usize, Vec<usize>> = HashMap::new();
        while let Some((server, wanted)) = pending.pop() {
            // Milliseconds, as PTTL counts.
            let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis())
                .unwrap_or_else(Utc::now);
            let mut pipe = redis::pipe();
            for &i in &wanted {
                pipe.cmd("GET").arg(&keys[i]).cmd("PTTL").arg(&keys[i]);
            }
            let replies: Vec<(Option<Vec<u8>>, i64)> =
                pipe.query(&mut self.servers[server].conn)
                    .with_context(|| self.failed(server, "GET/PTTL failed"))?;
            let mut missed = Vec::new();
            for (&i, (value, pttl)) in wanted.iter().zip(replies) {
                match value {
                    Some(bytes) => {
                        out[i] = Some(CacheEntry {
                            key: keys[i].clone(),
                            value: CachedValue::plain(bytes),
                            // -1: no expiry; -2 (gone between the two commands): now.
                            expires: (pttl != -1)
                                .then(|| now + chrono::Duration::milliseconds(pttl.max(0))),
                        })
                    }
                    None => missed.push(i),
                }
            }
            for i in missed {
                asked.entry(i).or_default().push(server);
                let next = self
                    .lookup_order(&keys[i])
                    .into_iter()
                    .find(|s| !asked[&i].contains(s));
                if let Some(next) = next {
                    match pending.iter_mut().find(|(s, _)| *s == next) {
                        Some((_, list)) => list.push(i),
                        None => pending.push((next, vec![i])),
                    }
                }
            }
        }
        Ok(out)
    }

    fn delete(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        let mut gone = vec![false; deletions.len()];
        if deletions.is_empty() {
            return Ok(gone);
        }
        let conditional = deletions
            .iter()
            .any(|d| d.unchanged.is_some() || d.expired_before.is_some());
        for server in 0..self.servers.len() {
            for (chunk_no, chunk) in deletions.chunks(SCRIPT_CHUNK).enumerate() {
                let results: Vec<i64> = if conditional {
                    let mut script = redis::cmd("EVAL");
                    script.arg(DELETE_UNCHANGED).arg(chunk.len());
                    for d in chunk {
                        script.arg(d.key);
                    }
                    for d in chunk {
                        script
                            .arg(d.unchanged.map(|v| sha1_hex(&v.bytes)).unwrap_or_default())
                            .arg(
                                d.expired_before
                                    .map(|t| t.timestamp_millis().to_string())
                                    .unwrap_or_default(),
                            );
                    }
                    script.query(&mut self.servers[server].conn)
                } else {
                    let mut pipe = redis::pipe();
                    for d in chunk {
                        pipe.cmd("DEL").arg(d.key);
                    }
                    pipe.query(&mut self.servers[server].conn)
                }
                .with_context(|| self.failed(server, "DEL failed"))?;
                for (j, n) in results.into_iter().enumerate() {
                    if n > 0 {
                        gone[chunk_no * SCRIPT_CHUNK + j] = true;
                    }
                }
            }
        }
        Ok(gone)
    }

    fn expire(&mut self, keys: &[String], at: DateTime<Utc>) -> Result<Vec<bool>> {
        let mut existed = vec![false; keys.len()];
        let at_ms = at.timestamp_millis().max(1);
        for server in 0..self.servers.len() {
            let mut pipe = redis::pipe();
            for key in keys {
                // LT: only ever shorten; a key without expiry counts as expiring never.
                // An instant already past deletes the key, as Redis does with any
                // expired key.
                pipe.cmd("EXISTS")
                    .arg(key)
                    .cmd("PEXPIREAT")
                    .arg(key)
                    .arg(at_ms)
                    .arg("LT");
            }
            let replies: Vec<(i64, i64)> = pipe
                .query(&mut self.servers[server].conn)
                .with_context(|| self.failed(server, "PEXPIREAT failed"))?;
            for (i, (exists, _)) in replies.into_iter().enumerate() {
                existed[i] |= exists > 0;
            }
        }
        Ok(existed)
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex(&Sha1::digest(bytes))
}

/// django-redis's ShardClient `HashRing`: 128 points per server at
/// `sha256("<LOCATION entry>:<i>")`; a key belongs to the point just below
/// `sha256(key)` (the last point when there is none), hashing only the text inside
/// `{…}` when the key holds braces.
pub struct ShardRing {
    points: Vec<(String, usize)>,
}

impl ShardRing {
    pub fn new<'a>(nodes: impl Iterator<Item = &'a str>) -> ShardRing {
        let mut points = Vec::new();
        for (n, node) in nodes.enumerate() {
            for i in 0..128 {
                points.push((hex(&Sha256::digest(format!("{node}:{i}"))), n));
            }
        }
        // Python sorts (hash, node) tuples: equal hashes (never seen) by node text.
        points.sort();
        ShardRing { points }
    }

    /// The index of the server that holds `key`.
    pub fn node(&self, key: &str) -> usize {
        // `re.match(r".*\{(.*)\}.*", key)`: greedy, so the last `{` before the last `}`.
        let hashed = match (
            key.rfind('}'),
            key[..key.rfind('}').unwrap_or(0)].rfind('{'),
        ) {
            (Some(close), Some(open)) => &key[open + 1..close],
            _ => key,
        };
        let h = hex(&Sha256::digest(hashed));
        let idx = self
            .points
            .partition_point(|(p, _)| p.as_str() <= h.as_str());
        // bisect() - 1, where -1 is the last point.
        self.points[idx.checked_sub(1).unwrap_or(self.points.len() - 1)].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors from the reference ShardClient placement, checked against django-redis's
    /// own HashRing.
    #[test]
    fn shard_ring_matches_django_redis() {
        let ring =
            ShardRing::new(["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6380/0"].into_iter());
        let cases = [
            ("2hafcfgwpbbbw43jflha65pe83ef6cr9", 1),
            ("et4wrpm37b6eavj4ykde5ke9njbwh7jt", 1),
            ("3c0rclrjtj3cyw5v34c4k272srhl01h7", 0),
            ("g5yqmwgkrju2efzndsco6fut3eqe1mgz", 1),
            ("m36pxn60lntdw8j594viidkj8eukadfj", 0),
            ("nc1zunyr8t1uj8fqr0zr7hyrntzdw2o5", 1),
            ("kytae4zt14lz4ksxwnk734b3gbx4eivw", 0),
            ("stvsm6re8nv6vu3rf79hpqxibzccnju7", 1),
        ];
        for (session_key, want) in cases {
            let key = format!("site1:3:django.contrib.sessions.cache{session_key}");
            assert_eq!(ring.node(&key), want, "{key}");
        }
    }

    #[test]
    fn hash_tags_hash_only_their_inside() {
        let ring = ShardRing::new(["a", "b", "c"].into_iter());
        assert_eq!(ring.node("x{user42}y"), ring.node("user42"));
        assert_eq!(ring.node("{a}{user42}"), ring.node("user42"));
    }

    #[test]
    fn sha1_hex_is_lowercase_hex() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
