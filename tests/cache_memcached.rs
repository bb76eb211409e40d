//! The `cache` engine on a real memcached (1.6, started by the test on a free loopback
//! port): only this site's session keys are listed, a user's sessions are flushed and
//! nothing else is touched, a session rewritten after it was read is not deleted, and
//! `expire` ends a session at once.
//!
//! Values are what pymemcache's `pickle_serde` stores for a dict: flags 1 and
//! `pickle.dumps(dict, 5)` (the bytes below were made by CPython 3.11).

#[path = "skipped/mod.rs"]
mod skipped;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `{"_auth_user_id": "42", "_auth_user_backend": "…ModelBackend", "_auth_user_hash": "x"*64}`
const USER_42: &[u8] = b"\x80\x05\x95\xb0\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\r_auth_user_id\x94\x8c\x0242\x94\x8c\x12_auth_user_backend\x94\x8c)django.contrib.auth.backends.ModelBackend\x94\x8c\x0f_auth_user_hash\x94\x8c@xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x94u.";
/// `{"cart": [1, 2]}`: an anonymous session.
const ANONYMOUS: &[u8] =
    b"\x80\x05\x95\x13\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x04cart\x94]\x94(K\x01K\x02es.";

const PREFIX: &str = "shop:[1]";

struct Memcached {
    child: Child,
    port: u16,
}

impl Drop for Memcached {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private memcached, or `None` (after a SKIPPED line) when there is none and this is
/// not CI.
fn memcached() -> Option<Memcached> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let binary = ["/usr/bin/memcached", "/usr/local/bin/memcached"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(binary) = binary else {
        if ci {
            panic!("memcached is not installed; CI must run the memcached tests (apt-get install memcached)");
        }
        skipped::say_skipped(
            "SKIPPED: memcached tests: install memcached (apt-get install memcached) to run them"
                .to_owned(),
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args([
            "-l",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "0",
            "-m",
            "16",
        ])
        .arg("-u")
        .arg("root")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Memcached { child, port };
    // Readiness: a `version` answered.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) {
            conn.write_all(b"version\r\n").unwrap();
            let mut line = String::new();
            if BufReader::new(conn).read_line(&mut line).is_ok() && line.starts_with("VERSION") {
                return Some(server);
            }
        }
        assert!(Instant::now() < deadline, "memcached did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Memcached {
    fn command(&self, request: &[u8]) -> String {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        conn.write_all(request).unwrap();
        let mut reader = BufReader::new(conn);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(len) = line.strip_prefix("VA ").and_then(|r| r.split(' ').next()) {
            let mut data = vec![0; len.trim().parse::<usize>().unwrap() + 2];
            reader.read_exact(&mut data).unwrap();
        }
        line.trim_end().to_owned()
    }

    fn set(&self, key: &str, flags: u32, ttl: u32, value: &[u8]) {
        let mut request = format!("set {key} {flags} {ttl} {}\r\n", value.len()).into_bytes();
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
        assert_eq!(self.command(&request), "STORED", "{key}");
    }

    fn exists(&self, key: &str) -> bool {
        self.command(format!("mg {key} v\r\n").as_bytes()) != "EN"
    }

    fn ttl(&self, key: &str) -> i64 {
        let reply = self.command(format!("mg {key} t\r\n").as_bytes());
        reply
            .split(' ')
            .find_map(|w| w.strip_prefix('t'))
            .unwrap()
            .parse()
            .unwrap()
    }

    fn sessctl(&self, args: &[&str]) -> (i32, String, String) {
        sessctl_on(&format!("memcached://127.0.0.1:{}", self.port), args)
    }
}

/// sessctl on the cache engine of `url`, this site's prefix and version.
fn sessctl_on(url: &str, args: &[&str]) -> (i32, String, String) {
    {
        let out = Command::new(assert_cmd::cargo::cargo_bin("sessctl"))
            .env_remove("DATABASE_URL")
            .env_remove("CACHE_URL")
            .env_remove("SESSION_ENGINE")
            .args([
                "--engine",
                "cache",
                "--cache-url",
                url,
                "--cache-key-prefix",
                PREFIX,
                "--cache-version",
                "3",
            ])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn session(prefix: &str, version: u32, key: &str) -> String {
    format!("{prefix}:{version}:django.contrib.sessions.cache{key}")
}

/// A session key of 32 characters of `[a-z0-9]`.
fn k(n: u32) -> String {
    format!("{}{n:08}", "a".repeat(24))
}

#[test]
fn only_this_sites_sessions_are_listed_flushed_and_expired() {
    let Some(mc) = memcached() else { return };
    let (alice1, alice2, anon) = (k(1), k(2), k(3));
    for key in [&alice1, &alice2] {
        mc.set(&session(PREFIX, 3, key), 1, 3600, USER_42);
    }
    mc.set(&session(PREFIX, 3, &anon), 1, 3600, ANONYMOUS);
    // Not sessions of this site: a prefix the glob characters would match, another
    // version, a look-alike key, other data, a cached_db entry.
    let decoys = [
        session("shop:1", 3, &k(4)),
        session(PREFIX, 2, &k(5)),
        format!("{PREFIX}:3:django.contrib.sessions.cacheabc"),
        format!("{PREFIX}:3:hits"),
        format!("{PREFIX}:3:django.contrib.sessions.cached_db{}", k(6)),
    ];
    for key in &decoys {
        mc.set(key, 1, 3600, USER_42);
    }

    let (code, out, err) = mc.sessctl(&["--format", "json", "list"]);
    assert_eq!(code, 0, "{err}");
    let mut listed: Vec<(String, Option<String>)> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| {
            (
                v["session_key"].as_str().unwrap().to_owned(),
                v["user_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            (alice1.clone(), Some("42".to_owned())),
            (alice2.clone(), Some("42".to_owned())),
            (anon.clone(), None),
        ]
    );

    let (code, _, err) = mc.sessctl(&["flush", "--user", "42"]);
    assert_eq!(code, 0, "{err}");
    assert!(!mc.exists(&session(PREFIX, 3, &alice1)));
    assert!(!mc.exists(&session(PREFIX, 3, &alice2)));
    assert!(mc.exists(&session(PREFIX, 3, &anon)));
    for key in &decoys {
        assert!(mc.exists(key), "{key} was touched");
    }

    let (code, _, err) = mc.sessctl(&["expire", &anon]);
    assert_eq!(code, 0, "{err}");
    assert!(!mc.exists(&session(PREFIX, 3, &anon)), "expired at once");
    for key in &decoys {
        assert!(mc.exists(key), "{key} was touched");
        assert!(mc.ttl(key) > 3000, "{key}: its TTL was changed");
    }
}

#[test]
fn a_delete_that_must_find_the_value_unchanged_leaves_a_rewritten_entry() {
    use sessctl::cache::memcached::MemcachedBackend;
    use sessctl::cache::{CacheBackend, CacheLocation, Deletion};

    let Some(mc) = memcached() else { return };
    let key = session(PREFIX, 3, &k(7));
    mc.set(&key, 1, 3600, USER_42);
    let mut backend = MemcachedBackend::open(&[CacheLocation::Memcached {
        servers: vec![format!("127.0.0.1:{}", mc.port)],
        shown: "test".to_owned(),
    }])
    .unwrap();
    let read = backend.fetch(std::slice::from_ref(&key)).unwrap();
    let entry = read[0].clone().expect("the entry is there");
    assert!(entry.expires.is_some());
    // The site rewrites the session after sessctl read it.
    mc.set(&key, 1, 3600, ANONYMOUS);
    let gone = backend
        .delete(&[Deletion {
            key: &key,
            unchanged: Some(&entry.value),
            expired_before: None,
        }])
        .unwrap();
    assert_eq!(gone, [false]);
    assert!(
        mc.exists(&key),
        "a rewritten session is chosen again, not deleted"
    );
    // Unconditionally, and a key that is not there.
    let gone = backend
        .delete(&[
            Deletion {
                key: &key,
                unchanged: None,
                expired_before: None,
            },
            Deletion {
                key: "not-there",
                unchanged: None,
                expired_before: None,
            },
        ])
        .unwrap();
    assert_eq!(gone, [true, false]);
    assert!(!mc.exists(&key));
}

#[test]
fn every_server_of_a_sharded_cache_is_listed_and_flushed() {
    let (Some(one), Some(two)) = (memcached(), memcached()) else {
        return;
    };
    let keys: Vec<String> = (10..16).map(k).collect();
    // Wherever pymemcache put them: half on each server.
    for (i, key) in keys.iter().enumerate() {
        let server = if i % 2 == 0 { &one } else { &two };
        server.set(&session(PREFIX, 3, key), 1, 3600, USER_42);
    }
    let url = format!("memcached://127.0.0.1:{},127.0.0.1:{}", one.port, two.port);
    let (code, out, err) = sessctl_on(&url, &["--format", "json", "list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), keys.len(), "{out}");
    let (code, _, err) = sessctl_on(&url, &["flush", "--user", "42", "--yes"]);
    assert_eq!(code, 0, "{err}");
    for (i, key) in keys.iter().enumerate() {
        let server = if i % 2 == 0 { &one } else { &two };
        assert!(!server.exists(&session(PREFIX, 3, key)), "{key}");
    }
}

/// memcached's LRU maintainer moves items that were just read between its LRUs, and a
/// walk of the LRUs (`metadump all`) misses the items it is moving, even on an idle
/// cache: sessions read by the site a moment ago are listed every time all the same.
#[test]
fn sessions_just_read_are_listed_every_time() {
    let Some(mc) = memcached() else { return };
    let keys: Vec<String> = (20..26).map(k).collect();
    for (i, key) in keys.iter().enumerate() {
        let value = if i % 2 == 0 { USER_42 } else { ANONYMOUS };
        mc.set(&session(PREFIX, 3, key), 1, 3600, value);
    }
    for round in 0..50 {
        // The site reads its sessions, as every request does.
        for key in &keys {
            assert!(mc.exists(&session(PREFIX, 3, key)));
        }
        let (code, out, err) = mc.sessctl(&["--format", "json", "list"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out.lines().count(),
            keys.len(),
            "round {round}: listed {out}"
        );
    }
}

/// A server older than memcached 1.6.9 takes `metadump hash` for a bad slab class
/// (`BADCLASS`): the listing walks its LRUs instead. A stand-in for such a server
/// answers the three commands a listing sends.
#[test]
fn a_server_without_the_hash_walk_is_listed_by_its_lrus() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let key = session(PREFIX, 3, &k(30));
    let dumped = key
        .replace(':', "%3A")
        .replace('[', "%5B")
        .replace(']', "%5D");
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let (dumped, log) = (dumped.clone(), log.clone());
            std::thread::spawn(move || {
                let mut writer = conn.try_clone().unwrap();
                for line in BufReader::new(conn).lines() {
                    let Ok(line) = line else { return };
                    log.lock().unwrap().push(line.clone());
                    let reply = if line == "lru_crawler metadump hash" {
                        b"BADCLASS invalid class id\r\n".to_vec()
                    } else if line == "lru_crawler metadump all" {
                        format!("key={dumped} exp=-1 la=1 cas=1 fetch=no cls=1 size=99\nEND\r\n")
                            .into_bytes()
                    } else if line.starts_with("mg ") {
                        let mut r = format!("VA {} f1 t-1 c1\r\n", USER_42.len()).into_bytes();
                        r.extend_from_slice(USER_42);
                        r.extend_from_slice(b"\r\n");
                        r
                    } else {
                        b"ERROR\r\n".to_vec()
                    };
                    if writer.write_all(&reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let url = format!("memcached://127.0.0.1:{port}");
    let (code, out, err) = sessctl_on(&url, &["--format", "json", "list"]);
    assert_eq!(code, 0, "{err}");
    let listed: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 1, "{out}");
    assert_eq!(listed[0]["session_key"], k(30));
    assert_eq!(listed[0]["user_id"], "42");
    let asked = asked.lock().unwrap();
    let crawls: Vec<&String> = asked
        .iter()
        .filter(|l| l.starts_with("lru_crawler"))
        .collect();
    assert_eq!(
        crawls,
        ["lru_crawler metadump hash", "lru_crawler metadump all"],
        "{asked:?}"
    );
}
