//! The behavioural story every store passes, on real PostgreSQL and MySQL/MariaDB
//! servers: each step runs the same command against a server table and against a
//! temporary copy of the SQLite fixture, both holding the rows real Django wrote
//! (tests/fixtures/django-6.1), and the two must agree. `clear-expired` must delete
//! exactly what Django's `clearsessions` deleted (the manifest's oracle). Then the lock,
//! and the failures that must exit 3 without showing a password.

mod servers;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use servers::{fixture_rows, fixtures, manifest, server, sessctl, Kind, Table, REFERENCE};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(url: &str, table: &str, args: &[&str], key_file: Option<&Path>) -> Run {
    let mut cmd = sessctl();
    cmd.args(["--database-url", url, "--table", table, "--now", REFERENCE]);
    if let Some(path) = key_file {
        cmd.arg("--secret-key-file").arg(path);
    }
    let out = cmd.args(args).output().expect("sessctl runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A SQLite copy of the fixture set and a key file with its secrets.
struct Sqlite {
    _dir: tempfile::TempDir,
    url: String,
    keys: PathBuf,
}

fn sqlite_copy(set: &Path) -> Sqlite {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::copy(set.join("sessions.sqlite3"), &db).unwrap();
    let m = manifest(set);
    let mut keys = vec![m["secret_key"].as_str().unwrap().to_owned()];
    for k in m["secret_key_fallbacks"].as_array().into_iter().flatten() {
        keys.push(k.as_str().unwrap().to_owned());
    }
    let key_file = dir.path().join("keys");
    std::fs::write(&key_file, keys.join("\n") + "\n").unwrap();
    Sqlite {
        url: format!("sqlite:///{}", db.display()),
        keys: key_file,
        _dir: dir,
    }
}

fn listed(url: &str, table: &str) -> Vec<Value> {
    let out = run(url, table, &["--format", "json", "list"], None);
    assert_eq!(out.code, 0, "list: {}", out.stderr);
    let mut rows: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    rows.sort_by(|a, b| a["session_key"].as_str().cmp(&b["session_key"].as_str()));
    rows
}

fn json(out: &Run) -> Value {
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// Runs `args` on both stores and checks they agree on exit code and on what remains.
fn same_on_both(table: &Table, lite: &Sqlite, args: &[&str]) {
    let on_server = run(&table.url, &table.name, args, Some(&lite.keys));
    let on_sqlite = run(&lite.url, "django_session", args, Some(&lite.keys));
    assert_eq!(
        on_server.code, on_sqlite.code,
        "{args:?}: exit codes differ\nserver: {}\nsqlite: {}",
        on_server.stderr, on_sqlite.stderr
    );
    assert_eq!(
        listed(&table.url, &table.name),
        listed(&lite.url, "django_session"),
        "{args:?}: the stores hold different sessions afterwards"
    );
}

fn story(kind: Kind) {
    let Some(url) = server(kind, "server_story") else {
        return;
    };
    let set = fixtures("django-6.1");
    let rows = fixture_rows(&set);
    let oracle: BTreeSet<String> = manifest(&set)["oracle"]["db"]["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();

    // Reading: list, inspect and stats agree with SQLite.
    let mut table = Table::create(kind, &url, "story");
    table.insert(&rows);
    let lite = sqlite_copy(&set);
    assert_eq!(
        listed(&table.url, &table.name),
        listed(&lite.url, "django_session")
    );
    for (key, _, _) in &rows {
        let a = run(
            &url,
            &table.name,
            &["--format", "json", "inspect", key],
            Some(&lite.keys),
        );
        let b = run(
            &lite.url,
            "django_session",
            &["--format", "json", "inspect", key],
            Some(&lite.keys),
        );
        assert_eq!(a.code, 0, "{}", a.stderr);
        assert_eq!(json(&a), json(&b), "inspect {key}");
    }
    let missing = run(&url, &table.name, &["inspect", "nosuchkey"], None);
    assert_eq!(missing.code, 4, "{}", missing.stderr);
    let mut stats = json(&run(
        &url,
        &table.name,
        &["--format", "json", "stats"],
        None,
    ));
    let mut lite_stats = json(&run(
        &lite.url,
        "django_session",
        &["--format", "json", "stats"],
        None,
    ));
    assert!(stats["table_bytes"].as_u64().unwrap() > 0);
    // Where the figures come from differs; the figures do not.
    for field in ["table_bytes", "store"] {
        stats[field] = Value::Null;
        lite_stats[field] = Value::Null;
    }
    assert_eq!(stats, lite_stats);
    assert_eq!(stats["total"], 26);
    assert_eq!(stats["expired"], 7);

    // clear-expired deletes exactly what Django's clearsessions deleted.
    let before = table.keys();
    let dry = run(
        &url,
        &table.name,
        &["--format", "json", "clear-expired", "--dry-run"],
        None,
    );
    assert_eq!(json(&dry)["matched"], 7);
    assert_eq!(table.keys(), before, "a dry run changes nothing");
    let out = run(
        &url,
        &table.name,
        &["clear-expired", "--batch-size", "2", "--vacuum", "-v"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let deleted: BTreeSet<String> = before.difference(&table.keys()).cloned().collect();
    assert_eq!(
        deleted, oracle,
        "clear-expired must delete what clearsessions deleted"
    );
    same_on_both(&table, &lite, &["clear-expired"]);
    drop(table);

    // Changes: the same sequence on both stores leaves the same sessions.
    let mut table = Table::create(kind, &url, "changes");
    table.insert(&rows);
    let lite = sqlite_copy(&set);
    // An active session: the db item "empty" of the manifest.
    let active = manifest(&set)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["backend"] == "db" && i["id"] == "empty")
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .unwrap();
    assert!(rows.iter().any(|(k, _, _)| *k == active));
    same_on_both(&table, &lite, &["expire", &active]);
    same_on_both(&table, &lite, &["expire", "nosuchkey"]);
    same_on_both(&table, &lite, &["flush", "--user", "42"]);
    same_on_both(&table, &lite, &["purge", "--invalid", "--batch-size", "3"]);
    same_on_both(&table, &lite, &["purge", "--user", "7"]);
    same_on_both(
        &table,
        &lite,
        &["purge", "--expired-before", "2025-06-20T00:00:00Z"],
    );
    same_on_both(
        &table,
        &lite,
        &["flush", "--all", "--yes", "--batch-size", "4"],
    );
    assert!(table.keys().is_empty());
}

#[test]
fn story_postgres() {
    story(Kind::Postgres);
}

#[test]
fn story_mysql() {
    story(Kind::Mysql);
}

/// A second purge of the same table exits 75 at once while the first holds the lock;
/// with --wait it waits and then runs.
fn lock_contention(kind: Kind) {
    let Some(url) = server(kind, "lock_contention") else {
        return;
    };
    let mut table = Table::create(kind, &url, "lock");
    let past = chrono::DateTime::parse_from_rfc3339("2025-05-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    table.insert(&servers::generated("l", 40, past));
    // The first purge holds the lock while it sleeps between one-row batches.
    let mut first = std::process::Command::new(servers::sessctl_path())
        .args([
            "--database-url",
            &url,
            "--table",
            &table.name,
            "--now",
            REFERENCE,
        ])
        .args(["clear-expired", "--batch-size", "1", "--sleep", "100ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it has started deleting (so it holds the lock).
    let started = std::time::Instant::now();
    while table.count_where("1=1") == 40 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "first purge never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = run(&url, &table.name, &["clear-expired"], None);
    assert_eq!(second.code, 75, "{}", second.stderr);
    assert!(
        second.stderr.contains("another sessctl purge"),
        "{}",
        second.stderr
    );
    let waited = run(&url, &table.name, &["clear-expired", "--wait"], None);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(table.count_where("1=1"), 0);
}

#[test]
fn lock_contention_postgres() {
    lock_contention(Kind::Postgres);
}

#[test]
fn lock_contention_mysql() {
    lock_contention(Kind::Mysql);
}

/// Replaces the user (and password) of a URL.
fn with_user(url: &str, user: &str, password: Option<&str>) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_username(user).unwrap();
    u.set_password(password).unwrap();
    u.to_string()
}

fn with_path(url: &str, path: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_path(path);
    u.to_string()
}

fn unavailable(url: &str, table: &str, args: &[&str], expect: &str) {
    let out = run(url, table, args, None);
    assert_eq!(out.code, 3, "{args:?} on {url}: {}", out.stderr);
    assert!(
        out.stderr.contains(expect),
        "{args:?}: `{expect}` not in: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("hunter2"),
        "password shown: {}",
        out.stderr
    );
    assert!(
        !out.stdout.contains("hunter2"),
        "password shown: {}",
        out.stdout
    );
}

fn failures(kind: Kind) {
    let Some(url) = server(kind, "failures") else {
        return;
    };
    let table = Table::create(kind, &url, "fail");
    let mut admin = servers::Client::connect(kind, &url).unwrap();

    // Authentication: an unknown user (PostgreSQL in CI trusts known users), and for
    // MySQL a wrong password.
    unavailable(
        &with_user(&url, "sessctl_nosuchuser", Some("hunter2")),
        &table.name,
        &["stats"],
        "authentication failed",
    );
    if kind == Kind::Mysql {
        let user = url::Url::parse(&url).unwrap().username().to_owned();
        unavailable(
            &with_user(&url, &user, Some("hunter2")),
            &table.name,
            &["stats"],
            "authentication failed",
        );
    }
    unavailable(
        &with_path(&url, "/sessctl_no_such_db"),
        &table.name,
        &["stats"],
        "does not exist",
    );
    unavailable(&url, "sessctl_no_such_table", &["list"], "has no table");
    // Nothing listens on port 1.
    let mut closed = url::Url::parse(&url).unwrap();
    closed.set_port(Some(1)).unwrap();
    closed.set_password(Some("hunter2")).unwrap();
    unavailable(closed.as_str(), &table.name, &["stats"], "cannot connect");

    // Wrong columns.
    let odd = format!("sessctl_odd_{}", std::process::id());
    let (q, create) = match kind {
        Kind::Postgres => (
            "\"",
            format!("CREATE TABLE \"{odd}\" (session_key varchar(40) PRIMARY KEY, payload text)"),
        ),
        Kind::Mysql => (
            "`",
            format!("CREATE TABLE `{odd}` (session_key varchar(40) PRIMARY KEY, payload text)"),
        ),
    };
    admin.exec(&format!("DROP TABLE IF EXISTS {q}{odd}{q}"));
    admin.exec(&create);
    unavailable(
        &url,
        &odd,
        &["stats"],
        "no column session_data, expire_date",
    );
    admin.exec(&format!("DROP TABLE {q}{odd}{q}"));

    // A user who may read but not delete.
    let ro = format!("sessctl_ro_{}", std::process::id());
    let ro_url = match kind {
        Kind::Postgres => {
            admin.exec(&format!(
                "DROP ROLE IF EXISTS {ro}; CREATE ROLE {ro} LOGIN; GRANT SELECT ON \"{}\" TO {ro}",
                table.name
            ));
            with_user(&url, &ro, None)
        }
        Kind::Mysql => {
            let db = url::Url::parse(&url)
                .unwrap()
                .path()
                .trim_start_matches('/')
                .to_owned();
            for host in ["%", "localhost", "127.0.0.1"] {
                let _ = admin.change(&format!("DROP USER IF EXISTS '{ro}'@'{host}'"));
                admin.exec(&format!(
                    "CREATE USER '{ro}'@'{host}' IDENTIFIED BY 'hunter2'"
                ));
                admin.exec(&format!(
                    "GRANT SELECT ON `{db}`.`{}` TO '{ro}'@'{host}'",
                    table.name
                ));
            }
            with_user(&url, &ro, Some("hunter2"))
        }
    };
    let reads = run(&ro_url, &table.name, &["stats"], None);
    assert_eq!(reads.code, 0, "reading needs only SELECT: {}", reads.stderr);
    unavailable(
        &ro_url,
        &table.name,
        &["clear-expired"],
        "lacks the DELETE privilege",
    );
    match kind {
        Kind::Postgres => admin.exec(&format!(
            "REVOKE ALL ON \"{}\" FROM {ro}; DROP ROLE {ro}",
            table.name
        )),
        Kind::Mysql => {
            for host in ["%", "localhost", "127.0.0.1"] {
                admin.exec(&format!("DROP USER '{ro}'@'{host}'"));
            }
        }
    }
}

#[test]
fn failures_postgres() {
    failures(Kind::Postgres);
}

#[test]
fn failures_mysql() {
    failures(Kind::Mysql);
}
