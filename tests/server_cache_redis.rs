//! The `cache` and `cached_db` engines against a real Redis, on sessions written by real
//! Django (`tests/fixtures/cache/django-6.1`, made by `tools/django-fixtures/djfix cache`
//! through Django's RedisCache and django-redis with every compressor and serializer).
//!
//! The server is named by `SESSCTL_TEST_REDIS_URL` (e.g. redis://127.0.0.1:6379). Unset:
//! SKIPPED, except under `CI=true`, where it fails. Each test loads the entries of one
//! backend, exact bytes and TTLs, into a database number of its own (1 to 7, 9; 10 and 11 as two shards) and empties
//! only that database; the set also holds what else lives in a real cache (other
//! prefixes and versions, non-session entries, a look-alike key, a corrupt value).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{json_lines, repo, sessctl};
use serde_json::Value;

fn manifest() -> Value {
    let path = repo().join("tests/fixtures/cache/django-6.1/manifest.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The server's base URL, or None (after saying so) when the test cannot run here.
fn server() -> Option<String> {
    match std::env::var("SESSCTL_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_owned()),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "SESSCTL_TEST_REDIS_URL is not set under CI=true"
            );
            common::say_skipped(
                "SKIPPED: Redis tests (set SESSCTL_TEST_REDIS_URL=redis://127.0.0.1:6379)"
                    .to_owned(),
            );
            None
        }
    }
}

/// One backend of the set, loaded into database `db`.
struct Loaded {
    url: String,
    conn: redis::Connection,
    items: Vec<Value>,
}

fn load(base: &str, backend: &str, db: u32) -> Loaded {
    let url = format!("{base}/{db}");
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    // The test's own database: emptied by the test, never by sessctl.
    let _: () = redis::cmd("FLUSHDB").query(&mut conn).unwrap();
    let items: Vec<Value> = manifest()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["backend"] == backend && i["present"] == true)
        .cloned()
        .collect();
    for item in &items {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(item["value_b64"].as_str().unwrap())
            .unwrap();
        let key = item["backend_key"].as_str().unwrap();
        let mut set = redis::cmd("SET");
        set.arg(key).arg(bytes);
        match item["pttl"].as_i64().unwrap() {
            -1 => {}
            ms => {
                set.arg("PX").arg(ms.max(1000));
            }
        }
        let _: () = set.query(&mut conn).unwrap();
    }
    Loaded { url, conn, items }
}

impl Loaded {
    fn keys(&mut self) -> BTreeSet<String> {
        redis::cmd("KEYS")
            .arg("*")
            .query::<Vec<String>>(&mut self.conn)
            .unwrap()
            .into_iter()
            .collect()
    }

    fn sessions(&self, engine: &str) -> Vec<&Value> {
        self.items
            .iter()
            .filter(|i| i["kind"] == "session" && i["engine"] == engine)
            .collect()
    }

    fn key_of(&self, engine: &str, id: &str) -> String {
        let item = self
            .sessions(engine)
            .into_iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{engine}/{id}"));
        item["session_key"].as_str().unwrap().to_owned()
    }
}

fn sessctl_cache(loaded: &Loaded, told: &Value) -> assert_cmd::Command {
    let m = manifest();
    let mut cmd = sessctl();
    cmd.env_remove("CACHE_URL")
        .env_remove("SESSION_ENGINE")
        .args([
            "--cache-url",
            &loaded.url,
            "--cache-key-prefix",
            m["settings"]["KEY_PREFIX"].as_str().unwrap(),
            "--cache-version",
            &m["settings"]["VERSION"].to_string(),
        ]);
    if let Some(ser) = told["serializer"].as_str() {
        cmd.args(["--cache-serializer", ser]);
    }
    cmd
}

fn user_of(item: &Value) -> Option<String> {
    item["django_load"]["_auth_user_id"]
        .as_str()
        .map(str::to_owned)
}

const BACKENDS: [(&str, u32); 6] = [
    ("redis", 2),
    ("django_redis", 3),
    ("django_redis_zlib", 4),
    ("django_redis_lz4", 5),
    ("django_redis_json", 6),
    ("django_redis_msgpack", 7),
];

/// `list` finds exactly this site's cache-engine sessions in every backend format, with
/// the user Django sees; `inspect` shows the dict `load()` returns, or says why none.
#[test]
fn cache_engine_sessions_read_as_django_loads_them() {
    let Some(base) = server() else { return };
    let m = manifest();
    for (backend, db) in BACKENDS {
        let mut loaded = load(&base, backend, db);
        let told = &m["backends"][backend]["sessctl"];
        // A key only the unescaped glob of the prefix would match.
        let glob_bait = format!("sixte1:3:django.contrib.sessions.cache{}", "a".repeat(32));
        let _: () = redis::cmd("SET")
            .arg(&glob_bait)
            .arg(b"\x80\x05}\x94.".as_slice())
            .query(&mut loaded.conn)
            .unwrap();
        let rows = json_lines(sessctl_cache(&loaded, told).args(["list", "--format", "json"]));
        let listed: BTreeSet<(String, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r["session_key"].as_str().unwrap().to_owned(),
                    r["user_id"].as_str().map(str::to_owned),
                )
            })
            .collect();
        let want: BTreeSet<(String, Option<String>)> = loaded
            .sessions("cache")
            .iter()
            .map(|i| (i["session_key"].as_str().unwrap().to_owned(), user_of(i)))
            .collect();
        assert_eq!(listed, want, "{backend}");
        for item in loaded.sessions("cache") {
            let key = item["session_key"].as_str().unwrap();
            let out =
                json_lines(sessctl_cache(&loaded, told).args(["inspect", key, "--format", "json"]));
            let report = &out[0];
            assert_eq!(report["signature"], "unsigned", "{backend} {key}");
            if item["corrupt"] == true {
                assert!(report["data"].is_null(), "{backend}: corrupt entry decoded");
                assert!(report["error"].is_string());
            } else {
                assert_eq!(
                    report["data"], item["django_load"],
                    "{backend} {}",
                    item["id"]
                );
                assert!(
                    report["expire_date"].is_string(),
                    "{backend} {}",
                    item["id"]
                );
            }
        }
        let stats = json_lines(sessctl_cache(&loaded, told).args(["stats", "--format", "json"]));
        assert_eq!(stats[0]["total"], want.len(), "{backend}");
        assert_eq!(stats[0]["cache"]["with_user"], 3, "{backend}");
        assert_eq!(stats[0]["cache"]["undecodable"], 1, "{backend}");
        let _: () = redis::cmd("FLUSHDB").query(&mut loaded.conn).unwrap();
    }
}

/// `flush --user` deletes that user's sessions of this site and nothing else: not the
/// other site's session of the same user, not a non-session entry that names them, not
/// a look-alike key, not the cached_db entries.
#[test]
fn flush_user_deletes_exactly_that_users_sessions() {
    let Some(base) = server() else { return };
    let m = manifest();
    let mut loaded = load(&base, "redis", 9);
    let before = loaded.keys();
    let out = json_lines(
        sessctl_cache(&loaded, &m["backends"]["redis"]["sessctl"])
            .args(["flush", "--user", "42", "--format", "json"]),
    );
    assert_eq!(out[0]["deleted"], 2);
    let after = loaded.keys();
    let gone: BTreeSet<String> = before.difference(&after).cloned().collect();
    let prefix = m["settings"]["KEY_PREFIX"].as_str().unwrap();
    let want: BTreeSet<String> = ["logged_in", "logged_in_second_device"]
        .iter()
        .map(|id| {
            format!(
                "{prefix}:3:django.contrib.sessions.cache{}",
                loaded.key_of("cache", id)
            )
        })
        .collect();
    assert_eq!(gone, want);
    // --invalid needs no key on the cache engine (nothing is signed): only the corrupt one.
    let out = json_lines(sessctl_cache(&loaded, &Value::Null).args([
        "purge",
        "--invalid",
        "--yes",
        "--format",
        "json",
    ]));
    assert_eq!(out[0]["deleted"], 1);
    assert_eq!(loaded.keys().len(), after.len() - 1);
    // Redis expires entries itself.
    let done = sessctl_cache(&loaded, &Value::Null)
        .arg("clear-expired")
        .output()
        .unwrap();
    assert!(done.status.success());
    assert!(String::from_utf8_lossy(&done.stdout).contains("nothing to do"));
    // expire of a named key: Redis drops it at once.
    let key = loaded.key_of("cache", "logged_in_other_user");
    sessctl_cache(&loaded, &Value::Null)
        .args(["expire", &key])
        .assert()
        .success();
    sessctl_cache(&loaded, &Value::Null)
        .args(["inspect", &key])
        .assert()
        .code(4);
    let _: () = redis::cmd("FLUSHDB").query(&mut loaded.conn).unwrap();
}

fn copy_db(into: &Path) -> PathBuf {
    let to = into.join("sessions.sqlite3");
    std::fs::copy(
        repo().join("tests/fixtures/cache/django-6.1/sessions.sqlite3"),
        &to,
    )
    .unwrap();
    to
}

/// cached_db: rows first, then exactly their cache keys; the cache-only session of the
/// user is found and deleted too; `cache_deleted` counts what was really deleted, and a
/// wrong version shows as 0.
#[test]
fn cached_db_flush_user_deletes_rows_and_cache_entries() {
    let Some(base) = server() else { return };
    let m = manifest();
    let mut loaded = load(&base, "django_redis_zlib", 1);
    let tmp = tempfile::tempdir().unwrap();
    let db = copy_db(tmp.path());
    let with_db = |cmd: &mut assert_cmd::Command| {
        cmd.env("DATABASE_URL", format!("sqlite:///{}", db.display()));
    };
    // The wrong VERSION: rows go, but no cache entry does, and the report says so.
    let wrong = tempfile::tempdir().unwrap();
    let wrong_db = copy_db(wrong.path());
    let mut cmd = sessctl();
    cmd.env("DATABASE_URL", format!("sqlite:///{}", wrong_db.display()))
        .args(["--cache-url", &loaded.url, "--cache-key-prefix"])
        .arg(m["settings"]["KEY_PREFIX"].as_str().unwrap())
        .args([
            "--cache-version",
            "2",
            "flush",
            "--user",
            "7",
            "--format",
            "json",
        ]);
    let out = json_lines(&mut cmd);
    assert_eq!(out[0]["cache_deleted"], 0);
    assert!(out[0]["deleted"].as_u64().unwrap() > 0);

    let before = loaded.keys();
    let mut cmd = sessctl_cache(&loaded, &Value::Null);
    with_db(&mut cmd);
    let out = json_lines(cmd.args(["flush", "--user", "42", "--format", "json"]));
    // Two sessions of user 42 with rows and entries here, one with an entry only.
    assert_eq!(out[0]["cache_deleted"], 3, "{}", out[0]);
    let gone: BTreeSet<String> = before.difference(&loaded.keys()).cloned().collect();
    let prefix = m["settings"]["KEY_PREFIX"].as_str().unwrap();
    let want: BTreeSet<String> = ["logged_in", "logged_in_second_device", "stale_cache_only"]
        .iter()
        .map(|id| {
            format!(
                "{prefix}:3:django.contrib.sessions.cached_db{}",
                loaded.key_of("cached_db", id)
            )
        })
        .collect();
    assert_eq!(gone, want);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM django_session WHERE session_key IN (?1, ?2)",
            [
                loaded.key_of("cached_db", "logged_in"),
                loaded.key_of("cached_db", "logged_in_second_device"),
            ],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);

    // expire KEY: the row's expiry moves to now and the cache entry goes.
    let key = loaded.key_of("cached_db", "logged_in_other_user");
    let mut cmd = sessctl_cache(&loaded, &Value::Null);
    with_db(&mut cmd);
    // At the set's reference time, when the row is still active.
    let now = "2025-06-01T12:00:00Z";
    let out = json_lines(cmd.args(["--now", now, "expire", &key, "--format", "json"]));
    assert_eq!(
        (out[0]["updated"].as_u64(), out[0]["cache_deleted"].as_u64()),
        (Some(1), Some(1))
    );
    let mut cmd = sessctl_cache(&loaded, &Value::Null);
    with_db(&mut cmd);
    let out = json_lines(cmd.args(["--now", now, "inspect", &key, "--format", "json"]));
    // The row's expiry is the moment of the expire, which Django no longer loads.
    assert_eq!(out[0]["expire_date"], now);
    assert_eq!(out[0]["cache"]["present"], false);
    let _: () = redis::cmd("FLUSHDB").query(&mut loaded.conn).unwrap();
}

/// Without the cache, cached_db only reads; with an unreachable cache, the error names
/// the server without its password.
#[test]
fn cached_db_needs_its_cache_to_change_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let db = copy_db(tmp.path());
    let done = sessctl()
        .env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args(["--engine", "cached_db", "flush", "--user", "42"])
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&done.stderr).contains("alive in the cache"));
    sessctl()
        .env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args([
            "--engine",
            "django.contrib.sessions.backends.cached_db",
            "list",
        ])
        .assert()
        .success();
    let done = sessctl()
        .args(["--cache-url", "redis://:hunter2@127.0.0.1:1/0", "list"])
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(3));
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(!err.contains("hunter2") && err.contains("****"), "{err}");
}

/// django-redis ShardClient: two LOCATION entries, each key on the server the ring
/// places it on. Every server is listed, and a key is deleted wherever it is.
#[test]
fn sharded_cache_is_read_and_cleaned_on_every_server() {
    let Some(base) = server() else { return };
    let m = manifest();
    let shards = [format!("{base}/10"), format!("{base}/11")];
    let ring = sessctl::cache::redis::ShardRing::new(shards.iter().map(String::as_str));
    let mut conns: Vec<redis::Connection> = shards
        .iter()
        .map(|url| {
            let mut c = redis::Client::open(url.as_str())
                .unwrap()
                .get_connection()
                .unwrap();
            let _: () = redis::cmd("FLUSHDB").query(&mut c).unwrap();
            c
        })
        .collect();
    let items: Vec<Value> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["backend"] == "redis" && i["present"] == true)
        .cloned()
        .collect();
    let mut placed = [0, 0];
    for item in &items {
        let key = item["backend_key"].as_str().unwrap();
        let node = ring.node(key);
        placed[node] += 1;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(item["value_b64"].as_str().unwrap())
            .unwrap();
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg(bytes)
            .arg("PX")
            .arg(600_000)
            .query(&mut conns[node])
            .unwrap();
    }
    assert!(placed[0] > 0 && placed[1] > 0, "{placed:?}");
    let shard_args = |cmd: &mut assert_cmd::Command| {
        cmd.env_remove("CACHE_URL").args([
            "--cache-url",
            &shards[0],
            "--cache-url",
            &shards[1],
            "--cache-key-prefix",
            m["settings"]["KEY_PREFIX"].as_str().unwrap(),
            "--cache-version",
            "3",
        ]);
    };
    let mut cmd = sessctl();
    shard_args(&mut cmd);
    let rows = json_lines(cmd.args(["list", "--format", "json"]));
    let cache_sessions = items
        .iter()
        .filter(|i| i["kind"] == "session" && i["engine"] == "cache")
        .count();
    assert_eq!(rows.len(), cache_sessions);
    let mut cmd = sessctl();
    shard_args(&mut cmd);
    let out = json_lines(cmd.args(["flush", "--user", "42", "--format", "json"]));
    assert_eq!(out[0]["deleted"], 2);
    let left: usize = conns
        .iter_mut()
        .map(|c| redis::cmd("DBSIZE").query::<usize>(c).unwrap())
        .sum();
    assert_eq!(left, items.len() - 2);
    for c in &mut conns {
        let _: () = redis::cmd("FLUSHDB").query(c).unwrap();
    }
}
