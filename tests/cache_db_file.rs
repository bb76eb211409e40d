//! Django's DatabaseCache and FileBasedCache as session stores (`cache` and `cached_db`
//! engines), on entries written by real Django 6.1 (`tests/fixtures/cache/django-6.1`:
//! the `django_cache` table in `sessions.sqlite3` and the `filecache/` directory, made by
//! `tools/django-fixtures/djfix cache`). Every command runs at the set's reference time
//! (`--now`), so what is expired is what Django saw expired when it wrote the set.
//!
//! The SQLite and file tests need nothing but cargo. The same table loaded into
//! PostgreSQL and MySQL needs `SESSCTL_TEST_POSTGRES_URL` / `SESSCTL_TEST_MYSQL_URL`
//! (SKIPPED when unset, failing under `CI=true`).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{json_lines, repo, sessctl};
use serde_json::Value;

fn set_dir() -> PathBuf {
    repo().join("tests/fixtures/cache/django-6.1")
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(set_dir().join("manifest.json")).unwrap())
        .unwrap()
}

fn items(m: &Value, backend: &str) -> Vec<Value> {
    m["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["backend"] == backend && i["present"] == true)
        .cloned()
        .collect()
}

fn sessions<'a>(items: &'a [Value], engine: &str) -> Vec<&'a Value> {
    items
        .iter()
        .filter(|i| i["kind"] == "session" && i["engine"] == engine)
        .collect()
}

fn item<'a>(items: &'a [Value], engine: &str, id: &str) -> &'a Value {
    sessions(items, engine)
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{engine}/{id}"))
}

fn key(item: &Value) -> String {
    item["session_key"].as_str().unwrap().to_owned()
}

fn user_of(item: &Value) -> Option<String> {
    item["user_id"].as_str().map(str::to_owned)
}

/// sessctl on the set's cache, at its reference time, with its prefix and version.
fn at_reference(m: &Value) -> assert_cmd::Command {
    at(m, m["reference_time"].as_str().unwrap())
}

/// The set's reference time plus one second, as `--now` reads it.
fn just_after(m: &Value) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(m["reference_time"].as_str().unwrap()).unwrap();
    (t + chrono::Duration::seconds(1)).to_rfc3339()
}

/// sessctl on the set's cache at `now`, with its prefix and version.
fn at(m: &Value, now: &str) -> assert_cmd::Command {
    let mut cmd = sessctl();
    cmd.env_remove("CACHE_URL")
        .env_remove("SESSION_ENGINE")
        .args([
            "--now",
            now,
            "--cache-key-prefix",
            m["settings"]["KEY_PREFIX"].as_str().unwrap(),
            "--cache-version",
            &m["settings"]["VERSION"].to_string(),
        ]);
    cmd
}

fn copy_set(into: &Path) -> (PathBuf, PathBuf) {
    let db = into.join("sessions.sqlite3");
    std::fs::copy(set_dir().join("sessions.sqlite3"), &db).unwrap();
    let dir = into.join("filecache");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(set_dir().join("filecache")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    (db, dir)
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

// ---------------------------------------------------------------- FileBasedCache

fn on_files(m: &Value, dir: &Path) -> assert_cmd::Command {
    on_files_at(m, dir, m["reference_time"].as_str().unwrap())
}

fn on_files_at(m: &Value, dir: &Path, now: &str) -> assert_cmd::Command {
    let mut cmd = at(m, now);
    cmd.args(["--cache-url", &format!("file://{}", dir.display())]);
    cmd
}

/// Entries are reached by their key (the file name is its md5): `inspect` shows what
/// Django's `load()` gives; listing is refused with exit 2 and says why.
#[test]
fn file_cache_sessions_are_read_by_key() {
    let m = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = copy_set(tmp.path());
    let all = items(&m, "file_cache");
    for it in sessions(&all, "cache") {
        let out = json_lines(on_files(&m, &dir).args(["inspect", &key(it), "--format", "json"]));
        let report = &out[0];
        assert_eq!(report["signature"], "unsigned", "{}", it["id"]);
        if it["corrupt"] == true {
            assert!(report["data"].is_null(), "corrupt entry decoded");
        } else if it["expired"] == true {
            assert_eq!(report["expired"], true, "{}", it["id"]);
        } else {
            assert_eq!(report["data"], it["django_load"], "{}", it["id"]);
        }
    }
    for command in [&["list"][..], &["stats"], &["flush", "--user", "42"]] {
        let out = on_files(&m, &dir).args(command).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot be listed"), "{command:?}: {stderr}");
    }
    assert_eq!(files_in(&dir).len(), all.len(), "a read changed the cache");
}

/// `clear-expired` deletes the expired entries that hold a session dict and nothing
/// else: no live entry, no corrupt one, no file that is not Django's. The files hold no
/// key, so an expired entry of other data that is a dict goes too (the set's daily
/// report): Django's own next read of it would delete it as well.
#[test]
fn file_cache_clear_expired_deletes_exactly_the_expired_entries() {
    let m = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = copy_set(tmp.path());
    std::fs::write(dir.join("README"), "not an entry").unwrap();
    let before = files_in(&dir);
    let all = items(&m, "file_cache");
    let want: BTreeSet<String> = all
        .iter()
        .filter(|i| i["expired"] == true)
        .map(|i| i["file"].as_str().unwrap().to_owned())
        .collect();
    // Both engines' sessions, and the expired non-session entry holding a dict.
    assert!(want.len() >= 9, "the set lost its expired entries");
    let dry =
        json_lines(on_files(&m, &dir).args(["clear-expired", "--dry-run", "--format", "json"]));
    assert_eq!(files_in(&dir), before, "a dry run deleted");
    let out = json_lines(on_files(&m, &dir).args(["clear-expired", "--format", "json"]));
    assert_eq!(out[0]["deleted"], want.len(), "{}", out[0]);
    assert!(
        dry[0].to_string().contains(&want.len().to_string()),
        "{}",
        dry[0]
    );
    let gone: BTreeSet<String> = before.difference(&files_in(&dir)).cloned().collect();
    assert_eq!(gone, want);
}

/// `flush KEY` deletes exactly that entry; `expire KEY` rewrites it to expire now,
/// keeping its value, so Django stops accepting it and `clear-expired` takes it.
#[test]
fn file_cache_flush_and_expire_of_given_keys() {
    let m = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = copy_set(tmp.path());
    let all = items(&m, "file_cache");
    let before = files_in(&dir);
    let flushed = item(&all, "cache", "logged_in");
    on_files(&m, &dir)
        .args(["flush", &key(flushed), "--yes"])
        .assert()
        .success();
    let gone: BTreeSet<String> = before.difference(&files_in(&dir)).cloned().collect();
    assert_eq!(
        gone,
        BTreeSet::from([flushed["file"].as_str().unwrap().to_owned()])
    );

    let expired = item(&all, "cache", "logged_in_other_user");
    let file = dir.join(expired["file"].as_str().unwrap());
    let old = std::fs::read(&file).unwrap();
    on_files(&m, &dir)
        .args(["expire", &key(expired)])
        .assert()
        .success();
    let new = std::fs::read(&file).unwrap();
    // Same value after the 21-byte expiry pickle, an expiry at the reference time.
    assert_eq!(new[21..], old[21..]);
    let at = f64::from_be_bytes(new[12..20].try_into().unwrap());
    let reference = chrono::DateTime::parse_from_rfc3339(m["reference_time"].as_str().unwrap())
        .unwrap()
        .timestamp() as f64;
    assert!(at <= reference, "expiry {at} is after {reference}");
    // Expired from the instant it was given on: `expires < now`, as Django compares.
    let later = just_after(&m);
    let out = json_lines(on_files_at(&m, &dir, &later).args([
        "inspect",
        &key(expired),
        "--format",
        "json",
    ]));
    assert_eq!(out[0]["expired"], true);
}

// ---------------------------------------------------------------- DatabaseCache

fn on_table(m: &Value, database_url: &str) -> assert_cmd::Command {
    let mut cmd = at_reference(m);
    cmd.args([
        "--database-url",
        database_url,
        "--cache-url",
        "db://django_cache",
    ]);
    cmd
}

/// What `list` shows of the `cache` engine: (session key, user).
fn listed(cmd: &mut assert_cmd::Command) -> BTreeSet<(String, Option<String>)> {
    json_lines(cmd.args(["list", "--format", "json"]))
        .iter()
        .map(|r| {
            (
                r["session_key"].as_str().unwrap().to_owned(),
                r["user_id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The whole story of the `cache` engine on a DatabaseCache table at `url`, read back
/// through `cache_keys` (every `cache_key` in the table).
fn database_cache_story(url: &str, cache_keys: &dyn Fn() -> BTreeSet<String>) {
    let m = manifest();
    let all = items(&m, "database_cache");
    let prefix = m["settings"]["KEY_PREFIX"].as_str().unwrap();
    let full = |engine: &str, it: &Value| {
        format!(
            "{prefix}:{}:django.contrib.sessions.{engine}{}",
            m["settings"]["VERSION"],
            key(it)
        )
    };
    let cache = || {
        let mut cmd = on_table(&m, url);
        cmd.args(["--engine", "cache"]);
        cmd
    };
    // Exactly this site's cache-engine sessions, expired ones included (as rows are).
    let want: BTreeSet<(String, Option<String>)> = sessions(&all, "cache")
        .iter()
        .map(|i| (key(i), user_of(i)))
        .collect();
    assert_eq!(listed(&mut cache()), want);
    for it in sessions(&all, "cache") {
        let out = json_lines(cache().args(["inspect", &key(it), "--format", "json"]));
        if it["corrupt"] == true {
            assert!(out[0]["data"].is_null());
        } else if it["expired"] != true {
            assert_eq!(out[0]["data"], it["django_load"], "{}", it["id"]);
            assert_eq!(out[0]["expired"], false, "{}", it["id"]);
        } else {
            assert_eq!(out[0]["expired"], true, "{}", it["id"]);
        }
    }
    let stats = json_lines(cache().args(["stats", "--format", "json"]));
    assert_eq!(stats[0]["total"], want.len());
    assert_eq!(stats[0]["cache"]["max_entries"], 300, "{}", stats[0]);

    // flush --user 42: that user's sessions of this site, not the decoy of another
    // prefix, not the non-session entry that names the user, not cached_db entries.
    let before = cache_keys();
    let out = json_lines(cache().args(["flush", "--user", "42", "--format", "json"]));
    let users: BTreeSet<String> = sessions(&all, "cache")
        .into_iter()
        .filter(|i| i["user_id"] == "42")
        .map(|i| full("cache", i))
        .collect();
    assert_eq!(users.len(), 3, "two live sessions and an expired one");
    assert_eq!(out[0]["deleted"], users.len(), "{}", out[0]);
    let after = cache_keys();
    assert_eq!(
        before.difference(&after).cloned().collect::<BTreeSet<_>>(),
        users
    );

    // clear-expired: the expired cache-engine sessions left, nothing else.
    let expired: BTreeSet<String> = sessions(&all, "cache")
        .into_iter()
        .filter(|i| i["expired"] == true && i["user_id"] != "42")
        .map(|i| full("cache", i))
        .collect();
    let out = json_lines(cache().args(["clear-expired", "--format", "json"]));
    assert_eq!(out[0]["deleted"], expired.len(), "{}", out[0]);
    let cleared = cache_keys();
    assert_eq!(
        after.difference(&cleared).cloned().collect::<BTreeSet<_>>(),
        expired
    );

    // expire KEY: the entry stays, expired from now on; the next clear-expired takes
    // it (and the session that expires exactly at the reference time, a second later).
    let anonymous = item(&all, "cache", "anonymous");
    cache().args(["expire", &key(anonymous)]).assert().success();
    assert!(cache_keys().contains(&full("cache", anonymous)));
    let later = || {
        let mut cmd = at(&m, &just_after(&m));
        cmd.args(["--database-url", url, "--cache-url", "db://django_cache"])
            .args(["--engine", "cache"]);
        cmd
    };
    let out = json_lines(later().args(["inspect", &key(anonymous), "--format", "json"]));
    assert_eq!(out[0]["expired"], true);
    let out = json_lines(later().args(["clear-expired", "--format", "json"]));
    assert_eq!(out[0]["deleted"], 2, "{}", out[0]);
    let left = cache_keys();
    assert!(!left.contains(&full("cache", anonymous)));
    assert!(!left.contains(&full("cache", item(&all, "cache", "expires_at_reference"))));
}

fn sqlite_cache_keys(db: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT cache_key FROM django_cache").unwrap();
    let keys = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    keys
}

#[test]
fn database_cache_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = copy_set(tmp.path());
    let url = format!("sqlite:///{}", db.display());
    database_cache_story(&url, &|| sqlite_cache_keys(&db));
}

/// cached_db through a DatabaseCache in the same database: the rows of user 42, then
/// exactly their cache entries, and the user's entry whose row is gone.
#[test]
fn cached_db_on_a_database_cache_logs_the_user_out() {
    let m = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = copy_set(tmp.path());
    let url = format!("sqlite:///{}", db.display());
    let all = items(&m, "database_cache");
    let prefix = m["settings"]["KEY_PREFIX"].as_str().unwrap();
    let before = sqlite_cache_keys(&db);
    let out = json_lines(on_table(&m, &url).args(["flush", "--user", "42", "--format", "json"]));
    let want: BTreeSet<String> = sessions(&all, "cached_db")
        .into_iter()
        .filter(|i| i["user_id"] == "42")
        .map(|i| {
            format!(
                "{prefix}:{}:django.contrib.sessions.cached_db{}",
                m["settings"]["VERSION"],
                key(i)
            )
        })
        .collect();
    assert!(want.len() >= 3);
    assert_eq!(out[0]["cache_deleted"], want.len(), "{}", out[0]);
    let gone: BTreeSet<String> = before
        .difference(&sqlite_cache_keys(&db))
        .cloned()
        .collect();
    assert_eq!(gone, want);
}

/// A table that is not Django's cache table is refused, naming what is missing.
#[test]
fn database_cache_refuses_a_table_that_is_not_one() {
    let m = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = copy_set(tmp.path());
    let url = format!("sqlite:///{}", db.display());
    let mut cmd = at_reference(&m);
    let out = cmd
        .args(["--database-url", &url, "--engine", "cache"])
        .args(["--cache-url", "db://django_session", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not Django's cache table"), "{stderr}");
    let out = at_reference(&m)
        .args(["--database-url", &url, "--engine", "cache"])
        .args(["--cache-url", "db://no_such_table", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("createcachetable"));
}

/// The set's `django_cache` rows, as (key, value, expires text) for loading elsewhere.
fn cache_rows() -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(set_dir().join("sessions.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare("SELECT cache_key, value, expires FROM django_cache")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{var} is not set under CI=true"
            );
            common::say_skipped(format!("SKIPPED: database cache test (set {var})"));
            None
        }
    }
}

#[test]
fn database_cache_on_postgres() {
    let Some(base) = server_url("SESSCTL_TEST_POSTGRES_URL") else {
        return;
    };
    let name = format!("sessctl_dbcache_{}", std::process::id());
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    // Two calls: a multi-statement string runs as one transaction, which DROP DATABASE
    // refuses.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    {
        let mut conn = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        // Django's DDL for DatabaseCache on PostgreSQL (createcachetable).
        conn.batch_execute(
            "CREATE TABLE django_cache (cache_key varchar(255) NOT NULL PRIMARY KEY, \
             value text NOT NULL, expires timestamp with time zone NOT NULL); \
             CREATE INDEX django_cache_expires ON django_cache (expires)",
        )
        .unwrap();
        for (k, v, t) in cache_rows() {
            conn.execute(
                "INSERT INTO django_cache VALUES ($1, $2, ($3 || '+00')::timestamptz)",
                &[&k, &v, &t],
            )
            .unwrap();
        }
    }
    let keys = || {
        let mut conn = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        conn.query("SELECT cache_key FROM django_cache", &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<BTreeSet<String>>()
    };
    database_cache_story(&url, &keys);
    drop(admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
}

#[test]
fn database_cache_on_mysql() {
    use mysql::prelude::Queryable as _;
    let Some(base) = server_url("SESSCTL_TEST_MYSQL_URL") else {
        return;
    };
    let name = format!("sessctl_dbcache_{}", std::process::id());
    let mut admin = mysql::Conn::new(mysql::Opts::from_url(&base).unwrap()).unwrap();
    admin
        .query_drop(format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin.query_drop(format!("CREATE DATABASE {name}")).unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let connect = || mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).unwrap();
    {
        let mut conn = connect();
        // Django's DDL for DatabaseCache on MySQL (createcachetable).
        conn.query_drop(
            "CREATE TABLE django_cache (cache_key varchar(255) NOT NULL PRIMARY KEY, \
             value longtext NOT NULL, expires datetime(6) NOT NULL, KEY django_cache_expires (expires))",
        )
        .unwrap();
        for (k, v, t) in cache_rows() {
            conn.exec_drop("INSERT INTO django_cache VALUES (?, ?, ?)", (k, v, t))
                .unwrap();
        }
    }
    let keys = || {
        connect()
            .query::<String, _>("SELECT cache_key FROM django_cache")
            .unwrap()
            .into_iter()
            .collect::<BTreeSet<String>>()
    };
    database_cache_story(&url, &keys);
    admin
        .query_drop(format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
}

/// The file cache set agrees with its manifest: each entry file is the value recorded.
#[test]
fn the_file_cache_set_is_what_the_manifest_says() {
    let m = manifest();
    for it in items(&m, "file_cache") {
        let bytes = std::fs::read(
            set_dir()
                .join("filecache")
                .join(it["file"].as_str().unwrap()),
        )
        .unwrap();
        let want = base64::engine::general_purpose::STANDARD
            .decode(it["value_b64"].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes, want, "{}", it["id"]);
    }
}
