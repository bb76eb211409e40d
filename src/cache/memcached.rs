//! memcached (Django's `PyMemcacheCache`) as a [`CacheBackend`], over memcached's own
//! text protocol (1.6: meta commands and `lru_crawler metadump`).
//!
//! Invariants:
//! - keys are listed with `lru_crawler metadump hash` on every server (memcached 1.6.9+:
//!   a walk of the hash table, where every item is exactly once), read line by line as
//!   the crawler sends them (memory does not grow with the cache) and kept only when the
//!   key rule matches exactly; `metadump all` walks the LRUs instead and misses items
//!   that memcached's LRU maintainer is moving between them, which it does to items
//!   just read, even on an idle cache, so it serves only servers older than 1.6.9; a
//!   crawl of a busy cache can miss items written while it runs, so listings are as of
//!   the crawl;
//! - values are read with `mg <key> v f t c` (value, flags, seconds left, CAS), pipelined;
//! - only listed or named keys are deleted (`md`), never `flush_all`; a delete that must
//!   find the entry unchanged (or still expired) reads its CAS first and deletes with
//!   `md <key> C<cas>`, so an entry rewritten in between is left alone;
//! - several servers are pymemcache `HashClient` nodes: rendezvous hashing of
//!   `"<host:port>-<key>"` with murmur3 says where a key lives; fetches ask that server
//!   first and then the others, and deletes go to every server;
//! - keys memcached cannot carry (spaces, control characters, over 250 bytes) are never
//!   sent: Django cannot store such keys either (`InvalidCacheKey`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use anyhow::{anyhow, Result};
use chrono::{DateTime, Utc};

use super::url::CacheLocation;
use super::{CacheBackend, CacheCapabilities, CacheEntry, Deletion, KeyRule};
use crate::codec::cached::Envelope;
use crate::codec::CachedValue;
use crate::exit::{coded, ExitCode};
use crate::store::Cursor;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// memcached's longest key.
const MAX_KEY: usize = 250;
/// Requests written before their replies are read: bounded so neither side's socket
/// buffer fills while the other waits.
const PIPELINE: usize = 200;

/// A byte stream to one server: TCP or a Unix socket.
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

struct Server {
    /// `host:port` (or `unix:/path`), as pymemcache names the node.
    node: String,
    conn: Connection,
}

/// One connection, read line by line.
struct Connection {
    reader: BufReader<Box<dyn Stream>>,
    shown: String,
}

impl Connection {
    fn open(node: &str, shown: &str) -> Result<Connection> {
        let unreachable = |e: &dyn std::fmt::Display| {
            coded(
                ExitCode::StoreUnavailable,
                format!("cannot connect to memcached {node} ({shown}): {e}"),
            )
        };
        let stream: Box<dyn Stream> = match node.strip_prefix("unix:") {
            Some(path) => {
                let s = UnixStream::connect(path).map_err(|e| unreachable(&e))?;
                s.set_read_timeout(Some(IO_TIMEOUT))
                    .and_then(|()| s.set_write_timeout(Some(IO_TIMEOUT)))
                    .map_err(|e| unreachable(&e))?;
                Box::new(s)
            }
            None => {
                use std::net::ToSocketAddrs;
                let addrs: Vec<_> = node
                    .to_socket_addrs()
                    .map_err(|e| unreachable(&e))?
                    .collect();
                let mut last = None;
                let mut connected = None;
                for addr in addrs {
                    match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                        Ok(s) => {
                            connected = Some(s);
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                let s = match (connected, last) {
                    (Some(s), _) => s,
                    (None, Some(e)) => return Err(unreachable(&e)),
                    (None, None) => return Err(unreachable(&"no address")),
                };
                s.set_read_timeout(Some(IO_TIMEOUT))
                    .and_then(|()| s.set_write_timeout(Some(IO_TIMEOUT)))
                    .and_then(|()| s.set_nodelay(true))
                    .map_err(|e| unreachable(&e))?;
                Box::new(s)
            }
        };
        Ok(Connection {
            reader: BufReader::new(stream),
            shown: format!("memcached {node}"),
        })
    }

    fn send(&mut self, request: &[u8]) -> Result<()> {
        let shown = &self.shown;
        self.reader
            .get_mut()
            .write_all(request)
            .map_err(|e| anyhow!("{shown}: writing failed: {e}"))
    }

    /// The next reply line, without its CRLF; error replies are errors.
    fn line(&mut self) -> Result<String> {
        let line = self.raw_line()?;
        if line.starts_with("SERVER_ERROR") || line.starts_with("CLIENT_ERROR") || line == "ERROR" {
            return Err(anyhow!("{}: {line}", self.shown));
        }
        Ok(line)
    }

    /// The next reply line, without its CRLF, whatever it says.
    fn raw_line(&mut self) -> Result<String> {
        let mut line = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut line)
            .map_err(|e| anyhow!("{}: reading failed: {e}", self.shown))?;
        if n == 0 {
            return Err(anyhow!("{}: the server closed the connection", self.shown));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// `n` bytes of data and the CRLF after them.
    fn data(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0; n + 2];
        self.reader
            .read_exact(&mut buf)
            .map_err(|e| anyhow!("{}: reading a value failed: {e}", self.shown))?;
        buf.truncate(n);
        Ok(buf)
    }
}

/// An item as `mg <key> v f t c` reports it.
struct Item {
    bytes: Vec<u8>,
    flags: u32,
    /// Seconds left; `None`: never expires.
    ttl: Option<i64>,
    cas: u64,
}

/// Reads the reply to `mg <key> v f t c`: `VA <len> <flags>` and the data, or `EN`.
fn read_item(conn: &mut Connection) -> Result<Option<Item>> {
    let line = conn.line()?;
    if line == "EN" {
        return Ok(None);
    }
    let mut words = line.split(' ');
    if words.next() != Some("VA") {
        return Err(anyhow!("{}: unexpected reply `{line}` to mg", conn.shown));
    }
    let len: usize = words
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| anyhow!("{}: unexpected reply `{line}` to mg", conn.shown))?;
    let (mut flags, mut ttl, mut cas) = (0, None, 0);
    for word in words {
        let (tag, value) = word.split_at(word.len().min(1));
        match tag {
            "f" => flags = value.parse().unwrap_or(0),
            "t" => ttl = value.parse::<i64>().ok().filter(|t| *t >= 0),
            "c" => cas = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let bytes = conn.data(len)?;
    Ok(Some(Item {
        bytes,
        flags,
        ttl,
        cas,
    }))
}

/// Whether memcached can carry `key` as it is (Django checks the same).
fn sendable(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY && key.bytes().all(|b| b > b' ' && b != 0x7f)
}

/// memcached's metadump encoding of a key: every byte outside `[A-Za-z0-9-._~]` is `%XX`.
fn metadump_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// MurmurHash3 (x86, 32 bit), as pymemcache's `murmur3_32` computes it over UTF-8.
fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    let mut k = 0u32;
    for (i, b) in tail.iter().enumerate() {
        k |= u32::from(*b) << (8 * i);
    }
    if !tail.is_empty() {
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// pymemcache `HashClient`'s node for `key`: the highest murmur3 of `"<node>-<key>"`,
/// ties to the greater node name.
fn rendezvous<'a>(nodes: impl Iterator<Item = &'a str>, key: &str) -> Option<&'a str> {
    let mut best: Option<(u32, &str)> = None;
    for node in nodes {
        let score = murmur3_32(format!("{node}-{key}").as_bytes(), 0);
        best = match best {
            Some((s, n)) if s > score || (s == score && n >= node) => Some((s, n)),
            _ => Some((score, node)),
        };
    }
    best.map(|(_, node)| node)
}

pub struct MemcachedBackend {
    servers: Vec<Server>,
    shown: String,
}

/// Where a listing is: the server being crawled, on a connection of its own that the
/// crawl's lines arrive on.
struct DumpAt {
    server: usize,
    conn: Connection,
    /// The crawl's first line, read to tell which walk the server does.
    first: Option<String>,
}

impl MemcachedBackend {
    /// Connects to every server of one `memcached://` cache.
    pub fn open(locations: &[CacheLocation]) -> Result<MemcachedBackend> {
        let mut servers = Vec::new();
        let mut shown = Vec::new();
        for location in locations {
            let CacheLocation::Memcached {
                servers: nodes,
                shown: text,
            } = location
            else {
                return Err(coded(
                    ExitCode::Usage,
                    format!(
                        "--cache-url {} is not a memcached URL; all --cache-url of one cache are of one kind",
                        location.shown()
                    ),
                ));
            };
            shown.push(text.clone());
            for node in nodes {
                servers.push(Server {
                    node: node.clone(),
                    conn: Connection::open(node, text)?,
                });
            }
        }
        Ok(MemcachedBackend {
            servers,
            shown: shown.join(", "),
        })
    }

    /// Starts the listing of one server on a connection of its own: the walk of the hash
    /// table, or on a server older than 1.6.9 (which takes `hash` for a bad slab class)
    /// the walk of its LRUs.
    fn start_crawl(&self, server: usize) -> Result<DumpAt> {
        let node = &self.servers[server].node;
        let mut conn = Connection::open(node, &self.shown)?;
        conn.send(b"lru_crawler metadump hash\r\n")?;
        let first = conn.raw_line()?;
        if first.starts_with("BADCLASS") || first.starts_with("CLIENT_ERROR") {
            let mut conn = Connection::open(node, &self.shown)?;
            conn.send(b"lru_crawler metadump all\r\n")?;
            return Ok(DumpAt {
                server,
                conn,
                first: None,
            });
        }
        Ok(DumpAt {
            server,
            conn,
            first: Some(first),
        })
    }

    /// Servers in the order to look for `key`: its rendezvous node first.
    fn lookup_order(&self, key: &str) -> Vec<usize> {
        let first = rendezvous(self.servers.iter().map(|s| s.node.as_str()), key)
            .and_then(|node| self.servers.iter().position(|s| s.node == node))
            .unwrap_or(0);
        std::iter::once(first)
            .chain((0..self.servers.len()).filter(|&i| i != first))
            .collect()
    }

    /// `mg key v f t c` for each key on one server, pipelined.
    fn get_many(&mut self, server: usize, keys: &[&str]) -> Result<Vec<Option<Item>>> {
        let mut out = Vec::with_capacity(keys.len());
        let conn = &mut self.servers[server].conn;
        for chunk in keys.chunks(PIPELINE) {
            let mut request = Vec::new();
            for key in chunk {
                request.extend_from_slice(format!("mg {key} v f t c\r\n").as_bytes());
            }
            conn.send(&request)?;
            for _ in chunk {
                out.push(read_item(conn)?);
            }
        }
        Ok(out)
    }

    /// One command per key on one server, pipelined; the reply line of each.
    fn each(&mut self, server: usize, requests: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(requests.len());
        let conn = &mut self.servers[server].conn;
        for chunk in requests.chunks(PIPELINE) {
            conn.send(chunk.concat().as_bytes())?;
            for _ in chunk {
                out.push(conn.line()?);
            }
        }
        Ok(out)
    }
}

fn entry(key: &str, item: Item, now: DateTime<Utc>) -> CacheEntry {
    CacheEntry {
        key: key.to_owned(),
        value: CachedValue {
            bytes: item.bytes,
            envelope: Envelope::Memcached { flags: item.flags },
        },
        expires: item.ttl.map(|t| now + chrono::Duration::seconds(t)),
    }
}

impl CacheBackend for MemcachedBackend {
    fn describe(&self) -> String {
        format!("memcached {}", self.shown)
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
        if cursor.position::<DumpAt>().is_none() {
            let at = self.start_crawl(0)?;
            cursor.advance(at);
        }
        let mut keys = Vec::new();
        while keys.len() < count.max(1) {
            let at = cursor
                .position_mut::<DumpAt>()
                .expect("the crawl was started above");
            let line = match at.first.take() {
                Some(line) if line.starts_with("SERVER_ERROR") || line == "ERROR" => {
                    Err(anyhow!("{}: {line}", at.conn.shown))
                }
                Some(line) => Ok(line),
                None => at.conn.line(),
            }
            .map_err(|e| {
                e.context("lru_crawler metadump failed (memcached 1.4.31 or newer lists keys)")
            })?;
            if line == "END" {
                let next = at.server + 1;
                if next >= self.servers.len() {
                    cursor.finish();
                    break;
                }
                let at = self.start_crawl(next)?;
                cursor.advance(at);
                continue;
            }
            if line.starts_with("BUSY") {
                return Err(anyhow!(
                    "memcached {}: the LRU crawler is busy ({line}); try again in a moment",
                    self.servers[at.server].node
                ));
            }
            let Some(encoded) = line.split(' ').find_map(|field| field.strip_prefix("key=")) else {
                continue;
            };
            if let Some(key) = metadump_decode(encoded) {
                if rule.session_key(&key).is_some() {
                    keys.push(key);
                }
            }
        }
        Ok(keys)
    }

    fn fetch(&mut self, keys: &[String]) -> Result<Vec<Option<CacheEntry>>> {
        let mut out: Vec<Option<CacheEntry>> = vec![None; keys.len()];
        let mut wanted: Vec<usize> = (0..keys.len()).filter(|&i| sendable(&keys[i])).collect();
        // Ask each key's own node first, then the other servers for what it lacks.
        for round in 0..self.servers.len() {
            if wanted.is_empty() {
                break;
            }
            let mut by_server: Vec<Vec<usize>> = vec![Vec::new(); self.servers.len()];
            for &i in &wanted {
                by_server[self.lookup_order(&keys[i])[round]].push(i);
            }
            let mut missed = Vec::new();
            for (server, indices) in by_server.into_iter().enumerate() {
                if indices.is_empty() {
                    continue;
                }
                let asked: Vec<&str> = indices.iter().map(|&i| keys[i].as_str()).collect();
                let now = Utc::now();
                for (&i, item) in indices.iter().zip(self.get_many(server, &asked)?) {
                    match item {
                        Some(item) => out[i] = Some(entry(&keys[i], item, now)),
                        None => missed.push(i),
                    }
                }
            }
            wanted = missed;
        }
        Ok(out)
    }

    fn delete(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        let mut gone = vec![false; deletions.len()];
        for server in 0..self.servers.len() {
            let eligible: Vec<usize> = (0..deletions.len())
                .filter(|&i| sendable(deletions[i].key))
                .collect();
            // Conditional deletes delete by CAS: read the items first, judge them, then
            // delete only what is still the item judged.
            let conditional: Vec<usize> = eligible
                .iter()
                .copied()
                .filter(|&i| {
                    deletions[i].unchanged.is_some() || deletions[i].expired_before.is_some()
                })
                .collect();
            let mut requests: Vec<(usize, String)> = eligible
                .iter()
                .copied()
                .filter(|i| !conditional.contains(i))
                .map(|i| (i, format!("md {}\r\n", deletions[i].key)))
                .collect();
            if !conditional.is_empty() {
                let keys: Vec<&str> = conditional.iter().map(|&i| deletions[i].key).collect();
                let now = Utc::now();
                for (&i, item) in conditional.iter().zip(self.get_many(server, &keys)?) {
                    let Some(item) = item else { continue };
                    let d = &deletions[i];
                    let same = d.unchanged.is_none_or(|v| v.bytes == item.bytes);
                    let expires = item.ttl.map(|t| now + chrono::Duration::seconds(t));
                    let still_expired = d
                        .expired_before
                        .is_none_or(|before| expires.is_some_and(|at| at < before));
                    if same && still_expired {
                        requests.push((i, format!("md {} C{}\r\n", d.key, item.cas)));
                    }
                }
            }
            let lines: Vec<String> = requests.iter().map(|(_, r)| r.clone()).collect();
            for ((i, _), reply) in requests.iter().zip(self.each(server, &lines)?) {
                match reply.as_str() {
                    "HD" => gone[*i] = true,
                    // Not there, or changed since it was read (CAS mismatch): left alone.
                    "NF" | "EX" => {}
                    other => {
                        return Err(anyhow!(
                            "memcached {}: unexpected reply `{other}` to md",
                            self.servers[server].node
                        ))
                    }
                }
            }
        }
        Ok(gone)
    }

    fn expire(&mut self, keys: &[String], at: DateTime<Utc>) -> Result<Vec<bool>> {
        let mut existed = vec![false; keys.len()];
        let now = Utc::now();
        let left = (at - now).num_seconds();
        for server in 0..self.servers.len() {
            let indices: Vec<usize> = (0..keys.len()).filter(|&i| sendable(&keys[i])).collect();
            let asked: Vec<&str> = indices.iter().map(|&i| keys[i].as_str()).collect();
            let items = self.get_many(server, &asked)?;
            let mut requests = Vec::new();
            for (&i, item) in indices.iter().zip(items) {
                let Some(item) = item else { continue };
                existed[i] = true;
                if left <= 0 {
                    // memcached cannot hold an expiry in the past: the entry goes now.
                    requests.push(format!("md {} C{}\r\n", keys[i], item.cas));
                } else if item.ttl.is_none_or(|t| t > left) {
                    // Only ever shorten; `mg … T` touches the item with a new TTL.
                    requests.push(format!("mg {} T{left}\r\n", keys[i]));
                }
            }
            for reply in self.each(server, &requests)? {
                if !matches!(reply.as_str(), "HD" | "NF" | "EX" | "EN") {
                    return Err(anyhow!(
                        "memcached {}: unexpected reply `{reply}` while expiring",
                        self.servers[server].node
                    ));
                }
            }
        }
        Ok(existed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placement as pymemcache 4.0's `RendezvousHash(seed=0, murmur3_32)` computes it.
    #[test]
    fn rendezvous_matches_pymemcache() {
        let nodes = ["127.0.0.1:11211", "127.0.0.1:11212", "10.0.0.7:11211"];
        let cases = [
            (
                "site1:3:django.contrib.sessions.cache2hafcfgwpbbbw43jflha65pe83ef6cr9",
                "127.0.0.1:11211",
            ),
            (
                ":1:django.contrib.sessions.cached_dbet4wrpm37b6eavj4ykde5ke9njbwh7jt",
                "127.0.0.1:11211",
            ),
            ("a", "10.0.0.7:11211"),
            (
                "shop:eu-[1]:9:django.contrib.sessions.cachem36pxn60lntdw8j594viidkj8eukadfj",
                "127.0.0.1:11212",
            ),
        ];
        for (key, want) in cases {
            assert_eq!(rendezvous(nodes.iter().copied(), key), Some(want), "{key}");
        }
        assert_eq!(
            murmur3_32(
                b"127.0.0.1:11211-site1:3:django.contrib.sessions.cache2hafcfgwpbbbw43jflha65pe83ef6cr9",
                0
            ),
            3_017_428_293
        );
    }

    #[test]
    fn metadump_keys_are_percent_decoded() {
        assert_eq!(
            metadump_decode("shop%3Aeu-%5B1%5D%3A9%3Ax").as_deref(),
            Some("shop:eu-[1]:9:x")
        );
        assert_eq!(metadump_decode("caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(metadump_decode("bad%4"), None);
    }

    #[test]
    fn keys_memcached_cannot_carry_are_never_sent() {
        assert!(sendable(":1:django.contrib.sessions.cacheabc"));
        assert!(!sendable("abc def"));
        assert!(!sendable(&"k".repeat(251)));
        assert!(!sendable("a\u{7f}"));
    }
}
