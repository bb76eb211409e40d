//! What an operator relies on around a bulk change: `-q` silences everything but
//! failures, `-v` and `--progress` log the batches, a selection that takes (nearly)
//! every session is asked about or refused (exit 6), a declined prompt exits 6, and a
//! signal ends a run whose batch cannot finish within a few seconds, reporting what was
//! committed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/django-6.1");
const KEY: &str = "sessctl-sample-secret-key-not-for-production";
const NOW: &str = "2025-06-01T12:00:00Z";

fn sessctl() -> Command {
    let mut cmd = Command::cargo_bin("sessctl").unwrap();
    for var in [
        "DATABASE_URL",
        "SESSION_FILE_PATH",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_AGE",
        "DJANGO_SECRET_KEY",
        "DJANGO_SECRET_KEY_FALLBACKS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A private copy of the Django 6.1 sample database.
fn copy_db(dir: &Path) -> PathBuf {
    let db = dir.join("sessions.sqlite3");
    std::fs::copy(Path::new(SET).join("sessions.sqlite3"), &db).unwrap();
    db
}

fn on(db: &Path) -> Command {
    let mut cmd = sessctl();
    cmd.env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args(["--now", NOW]);
    cmd
}

fn rows(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT count(*) FROM django_session", [], |r| r.get(0))
        .unwrap()
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn quiet_prints_nothing_but_failures_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    for args in [
        &["list"][..],
        &["stats", "--max-total", "1"],
        &["clear-expired", "--dry-run"],
        &["clear-expired"],
    ] {
        let ran = run(on(&db).arg("-q").args(args));
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
        assert!(ran.stderr.is_empty(), "{args:?}: {}", ran.stderr);
        assert_ne!(ran.code, 1, "{args:?}");
    }
    // A failure still says why.
    let ran = run(on(&db).args(["-q", "inspect", "nosuchkey0000000000000000000000"]));
    assert_eq!(ran.code, 4);
    assert!(ran.stderr.contains("no session with key"), "{}", ran.stderr);
    // JSON asked for is an answer, not chatter.
    let ran = run(on(&db).args(["-q", "--format", "json", "stats"]));
    assert!(ran.stdout.starts_with('{'), "{}", ran.stdout);
}

#[test]
fn quiet_says_nothing_when_another_purge_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    // A writer holding the database keeps the first purge in its first batch.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("sessctl"))
        .env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args(["--now", NOW, "clear-expired"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first takes the purge lock at once, then waits in its first batch.
    std::thread::sleep(Duration::from_millis(1500));
    let ran = run(on(&db).args(["-q", "clear-expired"]));
    holder.execute_batch("ROLLBACK").unwrap();
    first.wait().unwrap();
    assert_eq!(ran.code, 75, "{}", ran.stderr);
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

#[test]
fn verbose_and_progress_log_every_batch() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    let ran = run(on(&db).args([
        "-v",
        "clear-expired",
        "--batch-size",
        "2",
        "--progress",
        "0s",
    ]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let batches: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("batch "))
        .collect();
    // 7 expired sessions in batches of at most 2.
    assert!(batches.len() >= 4, "{}", ran.stderr);
    assert!(
        batches[0].starts_with("batch 1: deleted 2 (of at most 2) in "),
        "{}",
        ran.stderr
    );
    let progress = ran
        .stderr
        .lines()
        .filter(|l| l.contains("Z clear-expired: deleted "))
        .count();
    assert!(progress >= 4, "{}", ran.stderr);
    assert!(ran.stdout.contains("deleted 7 of 7"), "{}", ran.stdout);
}

#[test]
fn purge_invalid_with_a_wrong_key_is_refused_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    let before = rows(&db);
    let ran = run(on(&db)
        .env("DJANGO_SECRET_KEY", "a mistyped key")
        .args(["purge", "--invalid"]));
    assert_eq!(ran.code, 6, "{} {}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains(&format!("{before} of {before} sessions fail verification with the given key — is DJANGO_SECRET_KEY right?")),
        "{}",
        ran.stderr
    );
    assert_eq!(rows(&db), before, "nothing was deleted");

    // With the right key only the few invalid ones go, without a question.
    let ran = run(on(&db)
        .env("DJANGO_SECRET_KEY", KEY)
        .args(["purge", "--invalid"]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(rows(&db) < before && rows(&db) > before / 2);

    // --yes goes on.
    let left = rows(&db);
    let ran = run(on(&db).env("DJANGO_SECRET_KEY", "a mistyped key").args([
        "purge",
        "--invalid",
        "--yes",
    ]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(rows(&db), 0, "{left} sessions, all deleted as asked");
}

#[test]
fn a_filter_that_takes_every_session_is_refused_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    let before = rows(&db);
    let ran = run(on(&db).args(["purge", "--expired-before", "2100-01-01T00:00:00Z"]));
    assert_eq!(ran.code, 6, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("that is every session"),
        "{}",
        ran.stderr
    );
    assert_eq!(rows(&db), before);
    // Plain --expired is clearsessions: never asked about.
    let ran = run(on(&db).args(["purge", "--expired"]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
}

/// Runs `command` on a pseudo-terminal (util-linux `script`), answering `answer`.
fn on_terminal(command: &str, answer: &str) -> Option<Ran> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let mut child = std::process::Command::new(script)
        .args(["-qec", command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The answer goes in once the question is up.
    std::thread::sleep(Duration::from_millis(1500));
    use std::io::Write as _;
    // script(1) may have ended already (it then says why in its output).
    let _ = child.stdin.take().unwrap().write_all(answer.as_bytes());
    let out = child.wait_with_output().unwrap();
    Some(Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[test]
fn declining_a_prompt_exits_6_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    let before = rows(&db);
    let bin = assert_cmd::cargo::cargo_bin("sessctl");
    let url = format!("sqlite:///{}", db.display());
    let Some(ran) = on_terminal(
        &format!("{} --database-url {url} flush --all", bin.display()),
        "n\n",
    ) else {
        panic!("util-linux script(1) is needed to test prompts on a terminal");
    };
    assert_eq!(ran.code, 6, "{} {}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("Every user will be logged out. [y/N]"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("not confirmed"), "{}", ran.stdout);
    assert_eq!(rows(&db), before);

    let wrong = on_terminal(
        &format!(
            "DJANGO_SECRET_KEY=mistyped {} --database-url {url} --now {NOW} purge --invalid",
            bin.display()
        ),
        "n\n",
    )
    .unwrap();
    assert_eq!(wrong.code, 6, "{}", wrong.stdout);
    assert!(
        wrong.stdout.contains("is DJANGO_SECRET_KEY right?"),
        "{}",
        wrong.stdout
    );
    assert_eq!(rows(&db), before);

    let yes = on_terminal(
        &format!("{} --database-url {url} flush --all", bin.display()),
        "y\n",
    )
    .unwrap();
    assert_eq!(yes.code, 0, "{}", yes.stdout);
    assert_eq!(rows(&db), 0);
}

#[test]
fn a_signal_ends_a_batch_that_cannot_finish_and_reports_what_was_committed() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    // Another connection holds the database for writing: the purge's first batch waits
    // on it (SQLite's busy timeout is 30 s) and cannot end by itself.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sessctl"))
        .env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args(["--now", NOW, "--format", "json", "clear-expired"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let signalled = Instant::now();
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(took < Duration::from_secs(15), "{took:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(report["stopped"], "interrupted");
    assert_eq!(report["deleted"], 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not end within 5 s"), "{stderr}");
}

#[test]
fn a_dry_run_stopped_early_says_its_count_is_a_lower_bound() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    let ran = run(on(&db).env("DJANGO_SECRET_KEY", KEY).args([
        "purge",
        "--invalid",
        "--dry-run",
        "--max-runtime",
        "0s",
    ]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains(
            "would delete at least 0 invalid sessions (dry run, nothing changed); stopped at --max-runtime"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_stop_file_stops_between_batches_and_a_pause_file_holds_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_db(dir.path());
    let stop = dir.path().join("stop");
    std::fs::write(&stop, "").unwrap();
    let before = rows(&db);
    let ran = run(on(&db)
        .args(["--format", "json", "clear-expired", "--stop-file"])
        .arg(&stop));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(report["stopped"], "stop_file", "{}", ran.stdout);
    assert_eq!(
        rows(&db),
        before,
        "nothing deleted once the stop file exists"
    );

    // A pause file holds the run between batches until it goes away.
    let pause = dir.path().join("pause");
    std::fs::write(&pause, "").unwrap();
    let remover = {
        let pause = pause.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            std::fs::remove_file(pause).unwrap();
        })
    };
    let began = Instant::now();
    let ran = run(on(&db)
        .args([
            "--format",
            "json",
            "clear-expired",
            "--batch-size",
            "3",
            "--pause-file",
        ])
        .arg(&pause));
    remover.join().unwrap();
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(began.elapsed() >= Duration::from_millis(1200));
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(report["deleted"], 7);
    assert!(
        report["waited_seconds"].as_f64().unwrap() >= 1.0,
        "{}",
        ran.stdout
    );
    assert_eq!(report["largest_batch"], 3);
}

/// A report that cannot be written (stdout on a full disk) is a failure a script must
/// see (exit 1), but the message says the work itself was done: the batches committed.
#[test]
fn a_report_lost_to_a_full_stdout_says_the_purge_was_done() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = copy_db(tmp.path());
    let before = rows(&db);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("sessctl"))
        .env_remove("DJANGO_SECRET_KEY")
        .env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args(["--now", NOW, "clear-expired"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the command finished, but its report could not be written"),
        "{err}"
    );
    assert!(rows(&db) < before, "nothing was purged");
}
