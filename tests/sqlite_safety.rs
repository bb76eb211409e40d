//! Safety on a live database: signals stop between batches without losing anything, and
//! a session renewed while a purge runs survives it (one purge per table:
//! tests/sqlite_faults.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;

const DDL: &str = r#"CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL);
CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");"#;

const NOW: &str = "2025-06-01T12:00:00Z";

/// `rows` sessions in insertion order, every other one expired at NOW.
fn big_db(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join("big.sqlite3");
    let mut conn = Connection::open(&path).unwrap();
    conn.execute_batch(DDL).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO django_session VALUES (?, ?, ?)")
            .unwrap();
        for i in 0..rows {
            let expire = if i % 2 == 0 {
                "2025-05-31 12:00:00"
            } else {
                "2025-06-10 12:00:00"
            };
            insert
                .execute((
                    key(i),
                    "eyJmb28iOiJiYXIifQ:1uLgQ4:m0-UuiHY0rtycEHiRnAZeHzrh6PS-Da-yvLiFU5Ilyg",
                    expire,
                ))
                .unwrap();
        }
    }
    tx.commit().unwrap();
    path
}

fn key(i: usize) -> String {
    format!("k{i:031}")
}

fn count(path: &Path, sql: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn bin(db: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("sessctl"));
    cmd.env_remove("DATABASE_URL").args([
        "-d",
        &format!("sqlite:///{}", db.display()),
        "--now",
        NOW,
    ]);
    cmd
}

/// A cheap per-run seed, printed so a failure can be replayed.
fn seed() -> u64 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    eprintln!("seed {seed}");
    seed
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn sigint_and_sigterm_stop_between_batches_and_a_rerun_finishes() {
    let mut state = seed() | 1;
    for signal in ["INT", "TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        let db = big_db(tmp.path(), 20_000);
        let child = bin(&db)
            .args([
                "clear-expired",
                "--batch-size",
                "100",
                "--sleep",
                "10ms",
                "--format",
                "json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + next(&mut state) % 600));
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(130),
            "SIG{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["complete"], false);
        assert_eq!(report["stopped"], "interrupted");
        let deleted = report["deleted"].as_i64().unwrap();
        assert!(deleted > 0 && deleted < 10_000, "{report}");
        // Nothing unexpired is missing and every committed batch stayed committed.
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM django_session WHERE expire_date > '2025-06-01'"
            ),
            10_000
        );
        assert_eq!(
            count(&db, "SELECT count(*) FROM django_session"),
            20_000 - deleted
        );
        let rerun = bin(&db).args(["clear-expired", "-q"]).output().unwrap();
        assert!(rerun.status.success());
        assert_eq!(count(&db, "SELECT count(*) FROM django_session"), 10_000);
    }
}

#[test]
fn a_session_renewed_during_the_purge_survives_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = big_db(tmp.path(), 20_000);
    let mut purge = bin(&db)
        .args([
            "clear-expired",
            "--batch-size",
            "200",
            "--sleep",
            "5ms",
            "-q",
        ])
        .spawn()
        .unwrap();
    // Django renewing sessions: an UPDATE of expire_date, with Django's 5 s busy timeout.
    let conn = Connection::open(&db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut state = seed() | 1;
    let mut renewed = Vec::new();
    let started = Instant::now();
    while purge.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(60) {
        let i = (next(&mut state) % 10_000) as usize * 2; // an expired one
        let changed = conn
            .execute(
                "UPDATE django_session SET expire_date = '2025-06-15 12:00:00' WHERE session_key = ?",
                [key(i)],
            )
            .unwrap();
        if changed == 1 {
            renewed.push(key(i));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(purge.wait().unwrap().success());
    assert!(!renewed.is_empty());
    for k in &renewed {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM django_session WHERE session_key = ?",
                [k],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "renewed session {k} was deleted");
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM django_session WHERE expire_date < '2025-06-01'"
        ),
        0
    );
    eprintln!(
        "{} sessions renewed during the purge, all kept",
        renewed.len()
    );
}

#[test]
fn max_runtime_stops_cleanly_and_reports_what_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let db = big_db(tmp.path(), 4_000);
    let out = bin(&db)
        .args([
            "clear-expired",
            "--batch-size",
            "10",
            "--sleep",
            "20ms",
            "--max-runtime",
            "200ms",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["complete"], false);
    assert_eq!(report["stopped"], "max_runtime");
    assert!(report["deleted"].as_u64().unwrap() < 2_000);
    assert_eq!(report["matched"], 2_000);
}

/// A signal that arrives while `--vacuum` runs (after the last batch) still ends the run
/// with exit 130, never 0: the batches stay, the signal is not swallowed.
#[test]
fn a_signal_during_vacuum_exits_130() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("big.sqlite3");
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(DDL).unwrap();
        // 400,000 active sessions of 700 bytes and one expired: the purge is instant,
        // the VACUUM that follows rewrites about 300 MB.
        conn.execute_batch(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 400000) \
             INSERT INTO django_session SELECT printf('%032d', n), \
             printf('%.700c', 'x'), '2025-07-01 00:00:00' FROM g; \
             INSERT INTO django_session VALUES ('expired0000000000000000000000001', 'e30', '2025-05-01 00:00:00');",
        )
        .unwrap();
    }
    let mut child = bin(&db)
        .args(["clear-expired", "--vacuum"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the VACUUM is under way: it writes a rollback journal beside the file.
    let journal = tmp.path().join("big.sqlite3-journal");
    let started = Instant::now();
    while !journal.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the vacuum never started"
        );
        if child.try_wait().unwrap().is_some() {
            // Finished before it could be caught: nothing to test on this machine.
            eprintln!("vacuum finished too fast to signal");
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM django_session", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 400_000, "the purge's batch did not stay");
}
