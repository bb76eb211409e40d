//! SQLite databases that are not quite Django's, or that a crash or another purge left
//! in a state of their own: tables whose `expire_date` is not Django's text datetime,
//! views and WITHOUT ROWID tables, a hot journal left by a writer killed mid-transaction,
//! and the purge lock (one purge per table whatever the spelling of the table or the
//! path, any valid table name, no trace left, never blocked by a dead process).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;

const NOW: &str = "2025-06-01T12:00:00Z";
const PAST: &str = "2025-05-31 12:00:00";
const FUTURE: &str = "2025-06-10 12:00:00";
const DATA: &str = "eyJmb28iOiJiYXIifQ:1uLgQ4:m0-UuiHY0rtycEHiRnAZeHzrh6PS-Da-yvLiFU5Ilyg";

/// Django's DDL for a session table named `table`.
fn django_ddl(table: &str) -> String {
    let q = format!("\"{}\"", table.replace('"', "\"\""));
    format!(
        "CREATE TABLE {q} (\"session_key\" varchar(40) NOT NULL PRIMARY KEY, \
         \"session_data\" text NOT NULL, \"expire_date\" datetime NOT NULL); \
         CREATE INDEX \"{}_expire_date\" ON {q} (\"expire_date\");",
        table.replace('"', "\"\"")
    )
}

/// A database at `path` with `table` holding `rows` sessions, every other one expired.
fn django_db(path: &Path, table: &str, rows: usize) {
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch(&django_ddl(table)).unwrap();
    fill(&mut conn, table, rows, |i| {
        rusqlite::types::Value::Text(if i % 2 == 0 { PAST } else { FUTURE }.into())
    });
}

fn fill(
    conn: &mut Connection,
    table: &str,
    rows: usize,
    expire: impl Fn(usize) -> rusqlite::types::Value,
) {
    let tx = conn.transaction().unwrap();
    {
        let sql = format!(
            "INSERT INTO \"{}\" (session_key, session_data, expire_date) VALUES (?, ?, ?)",
            table.replace('"', "\"\"")
        );
        let mut insert = tx.prepare(&sql).unwrap();
        for i in 0..rows {
            insert
                .execute((format!("k{i:031}"), DATA, expire(i)))
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn count(path: &Path, table: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(
            &format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")),
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn bin(db: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("sessctl"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("DJANGO_SECRET_KEY")
        .args(["-d", &format!("sqlite:///{}", db.display()), "--now", NOW]);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------
// Column types

/// Integers sort before text in SQLite: `expire_date < '2025-…'` holds for every
/// integer, so an epoch column would be purged whole.
#[test]
fn an_integer_expire_date_is_refused_before_anything_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    // Declared INTEGER, holding epochs: half in the past, half in the future.
    let db = tmp.path().join("epochs.sqlite3");
    let mut conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY, \
         session_data text NOT NULL, expire_date integer NOT NULL)",
    )
    .unwrap();
    fill(&mut conn, "django_session", 100, |i| {
        (1_748_779_200i64 + if i % 2 == 0 { -86_400 } else { 86_400 }).into()
    });
    drop(conn);
    for args in [
        &["clear-expired"][..],
        &["stats"],
        &["list"],
        &["purge", "--dry-run"],
    ] {
        let out = bin(&db).args(args).output().unwrap();
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {message}");
        assert!(
            message.contains("expire_date") && message.to_lowercase().contains("integer"),
            "{args:?}: {message}"
        );
    }
    assert_eq!(count(&db, "django_session"), 100);
}

/// Declared `datetime` as Django does, but holding numbers (written by something else):
/// the stored type is checked too.
#[test]
fn numbers_stored_in_a_datetime_column_are_refused() {
    for (what, value) in [
        ("integer", rusqlite::types::Value::Integer(1_748_779_200)),
        ("real", rusqlite::types::Value::Real(1_748_779_200.5)),
        (
            "blob",
            rusqlite::types::Value::Blob(b"2025-06-10 12:00:00".to_vec()),
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("mixed.sqlite3");
        django_db(&db, "django_session", 10);
        let conn = Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO django_session VALUES ('odd0000000000000', 'x', ?)",
            [value],
        )
        .unwrap();
        drop(conn);
        let out = bin(&db).arg("clear-expired").output().unwrap();
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{what}: {message}");
        assert!(message.contains(what), "{what}: {message}");
        assert_eq!(count(&db, "django_session"), 11, "{what}");
    }
}

#[test]
fn a_text_or_real_declared_expire_date_is_judged_by_its_affinity() {
    for (decl, ok) in [
        ("datetime", true),
        ("timestamp", true),
        ("text", true),
        ("varchar(32)", true),
        ("integer", false),
        ("bigint", false),
        ("real", false),
        ("double", false),
        ("", false),
        ("blob", false),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("decl.sqlite3");
        let mut conn = Connection::open(&db).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY, \
             session_data text NOT NULL, expire_date {decl})"
        ))
        .unwrap();
        fill(&mut conn, "django_session", 4, |i| {
            rusqlite::types::Value::Text(if i % 2 == 0 { PAST } else { FUTURE }.into())
        });
        drop(conn);
        let out = bin(&db).arg("clear-expired").output().unwrap();
        if ok {
            assert_eq!(out.status.code(), Some(0), "{decl}: {}", stderr(&out));
            assert_eq!(count(&db, "django_session"), 2, "{decl}");
        } else {
            assert_eq!(out.status.code(), Some(3), "{decl}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("declared"),
                "{decl}: {}",
                stderr(&out)
            );
            assert_eq!(count(&db, "django_session"), 4, "{decl}");
        }
    }
}

/// Django's own tables, on every committed set, pass the checks.
#[test]
fn every_committed_fixture_set_passes_the_checks() {
    let tmp = tempfile::tempdir().unwrap();
    for set in common::all_sets() {
        let db = set.copy_db(tmp.path());
        for args in [
            &["stats"][..],
            &["clear-expired", "--dry-run"],
            &["clear-expired"],
        ] {
            let out = common::sessctl_on(&db, &set).args(args).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{} {args:?}: {}",
                set.name,
                stderr(&out)
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Views and WITHOUT ROWID

#[test]
fn a_view_or_a_without_rowid_table_exits_3_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("odd.sqlite3");
    django_db(&db, "real_sessions", 10);
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE VIEW django_session AS SELECT * FROM real_sessions; \
             CREATE TABLE clustered (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data text NOT NULL, expire_date datetime NOT NULL) WITHOUT ROWID; \
             INSERT INTO clustered SELECT * FROM real_sessions;",
        )
        .unwrap();
    for (table, what) in [("django_session", "a view"), ("clustered", "WITHOUT ROWID")] {
        for args in [
            &["clear-expired"][..],
            &["list"],
            &["stats"],
            &["purge", "--dry-run"],
        ] {
            let out = bin(&db)
                .args(["--table", table])
                .args(args)
                .output()
                .unwrap();
            let message = stderr(&out);
            assert_eq!(out.status.code(), Some(3), "{table} {args:?}: {message}");
            assert!(
                message.contains(what) && !message.contains("no such column"),
                "{table} {args:?}: {message}"
            );
        }
    }
    assert_eq!(count(&db, "clustered"), 10);
    assert_eq!(count(&db, "real_sessions"), 10);
}

// ---------------------------------------------------------------------------------
// Hot journal

/// The first bytes of a rollback journal once SQLite has synced it: from then on, until
/// the commit deletes it, the journal is "hot" (the database file is being changed).
const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/// Runs a purge in one big transaction on a rollback-journal database and kills it
/// (SIGKILL) while it writes the database file, as a crash would: the journal stays,
/// hot. Returns the number of rows before.
fn crash_mid_transaction(db: &Path) -> i64 {
    django_db(db, "django_session", 60_000);
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    let before = count(db, "django_session");
    let synced = || {
        let mut head = [0u8; 8];
        std::fs::File::open(&journal)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .is_ok_and(|()| head == JOURNAL_MAGIC)
    };
    for _attempt in 0..5 {
        let mut child = bin(db)
            .args(["clear-expired", "--batch-size", "1000000", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while child.try_wait().unwrap().is_none() {
            if synced() {
                child.kill().unwrap();
                child.wait().unwrap();
                assert!(synced());
                return before;
            }
        }
        // It committed before the journal was seen: start again from a full table.
        std::fs::remove_file(db).unwrap();
        django_db(db, "django_session", 60_000);
    }
    panic!("never caught the purge while it wrote the database file");
}

#[test]
fn read_only_commands_roll_back_a_hot_journal_when_they_may() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("crashed.sqlite3");
    let before = crash_mid_transaction(&db);
    let out = bin(&db)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The interrupted delete was rolled back: every row is there.
    assert_eq!(stats["total"], before, "{stats}");
    assert!(
        stderr(&out).contains("hot journal") && stderr(&out).contains("rolled"),
        "{}",
        stderr(&out)
    );
    assert!(!Path::new(&format!("{}-journal", db.display())).exists());
    // Later runs have nothing to say.
    let out = bin(&db).args(["list", "--limit", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn a_hot_journal_that_cannot_be_rolled_back_is_explained() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("crashed.sqlite3");
    crash_mid_transaction(&db);
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    let (db_bytes, journal_bytes) = (
        std::fs::read(&db).unwrap(),
        std::fs::read(&journal).unwrap(),
    );
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in [&db, &journal] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let bin_copy = tmp.path().join("sessctl");
    std::fs::copy(assert_cmd::cargo::cargo_bin("sessctl"), &bin_copy).unwrap();
    std::fs::set_permissions(&bin_copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin_copy);
        c
    } else {
        // Not root: the file is ours, so take the write permission away instead.
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
        Command::new(&bin_copy)
    };
    let out = cmd
        .env_remove("DATABASE_URL")
        .args(["-d", &format!("sqlite:///{}", db.display()), "stats"])
        .output()
        .unwrap();
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{message}");
    assert!(
        message.contains("hot journal")
            && message.contains("crashed")
            && message.contains("write access"),
        "{message}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), db_bytes);
    assert_eq!(std::fs::read(&journal).unwrap(), journal_bytes);
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------------
// The purge lock

/// A purge that holds the lock for a while: one row per batch, a second between them.
fn slow_purge(db: &Path, table: &str) -> Child {
    let child = bin(db)
        .args([
            "--table",
            table,
            "clear-expired",
            "--batch-size",
            "1",
            "--sleep",
            "1s",
            "-q",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It holds the lock once its first batch is committed.
    let started = Instant::now();
    while count(db, table) == 20 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the slow purge did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn purge(db: &Path, table: &str, extra: &[&str]) -> Output {
    bin(db)
        .args(["--table", table, "clear-expired", "-q"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn the_lock_is_the_table_whatever_its_spelling_and_the_file_whatever_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db.sqlite3");
    django_db(&db, "django_session", 20);
    let link = tmp.path().join("link.sqlite3");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let hard = other_dir.path().join("hard.sqlite3");
    std::fs::hard_link(&db, &hard).unwrap();
    let mut holder = slow_purge(&db, "django_session");
    for (path, table) in [
        (&db, "django_session"),
        (&db, "DJANGO_SESSION"),
        (&db, "Django_Session"),
        (&link, "django_session"),
        (&link, "DJANGO_session"),
        (&hard, "django_session"),
    ] {
        let out = purge(path, table, &[]);
        assert_eq!(
            out.status.code(),
            Some(75),
            "{} {table}: {}",
            path.display(),
            stderr(&out)
        );
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
}

#[test]
fn another_table_of_the_same_database_is_not_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db.sqlite3");
    django_db(&db, "django_session", 20);
    Connection::open(&db)
        .unwrap()
        .execute_batch(&django_ddl("other_sessions"))
        .unwrap();
    let mut conn = Connection::open(&db).unwrap();
    fill(&mut conn, "other_sessions", 20, |i| {
        rusqlite::types::Value::Text(if i % 2 == 0 { PAST } else { FUTURE }.into())
    });
    drop(conn);
    let mut holder = slow_purge(&db, "django_session");
    let out = purge(&db, "other_sessions", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&db, "other_sessions"), 10);
    holder.kill().unwrap();
    holder.wait().unwrap();
}

/// Table names that are no file name (a `/`, 300 characters) are purged like any other,
/// and a run leaves nothing in the database's directory.
#[test]
fn any_valid_table_name_can_be_purged_and_no_file_is_left_behind() {
    let long = "s".repeat(300);
    for table in [
        "a/b",
        long.as_str(),
        "we\"ird name",
        "../../etc/x",
        "ünïcode",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("db.sqlite3");
        django_db(&db, table, 20);
        let listed = names(tmp.path());
        let out = purge(&db, table, &[]);
        assert_eq!(out.status.code(), Some(0), "{table}: {}", stderr(&out));
        assert_eq!(count(&db, table), 10, "{table}");
        assert_eq!(names(tmp.path()), listed, "{table}");
    }
}

#[test]
fn a_killed_purge_never_blocks_the_next_and_leaves_no_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db.sqlite3");
    django_db(&db, "django_session", 20);
    let listed = names(tmp.path());
    let mut holder = slow_purge(&db, "django_session");
    assert_eq!(purge(&db, "django_session", &[]).status.code(), Some(75));
    // SIGKILL: no cleanup of any kind runs.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let started = Instant::now();
    let out = purge(&db, "django_session", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(count(&db, "django_session"), 10);
    assert_eq!(names(tmp.path()), listed);
}

#[test]
fn wait_queues_behind_the_running_purge() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db.sqlite3");
    django_db(&db, "django_session", 20);
    let mut holder = slow_purge(&db, "django_session");
    let mut waiter = bin(&db)
        .args(["--table", "DJANGO_SESSION", "clear-expired", "--wait", "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(waiter.try_wait().unwrap().is_none(), "--wait did not wait");
    // Still waiting while the holder works; the holder's rows are untouched by it.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let out = waiter.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&db, "django_session"), 10);
}

/// Read-only commands take no lock and are not blocked by one.
#[test]
fn reads_and_dry_runs_go_on_beside_a_running_purge() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db.sqlite3");
    django_db(&db, "django_session", 20);
    let mut holder = slow_purge(&db, "django_session");
    for args in [&["stats"][..], &["list"], &["clear-expired", "--dry-run"]] {
        let out = bin(&db).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
}

/// `--wait` counts against `--max-runtime`: a run that waited its whole budget for the
/// lock stops there, saying so, instead of waiting on.
#[test]
fn wait_ends_with_the_max_runtime_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db.sqlite3");
    django_db(&db, "django_session", 20);
    let mut holder = slow_purge(&db, "django_session");
    let started = Instant::now();
    let out = bin(&db)
        .args(["clear-expired", "--wait", "--max-runtime", "2s"])
        .output()
        .unwrap();
    let took = started.elapsed();
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(
        took < Duration::from_secs(8),
        "waited {took:?} with --max-runtime 2s"
    );
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("still running after waiting 2 s"),
        "{}",
        stderr(&out)
    );
}
