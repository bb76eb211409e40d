//! What a developer meets at the command line: messages that say a thing once, usage
//! errors that name every way to call a command, figures named for what they measure.

mod common;

use common::{sample, sessctl, sessctl_on};
use tempfile::TempDir;

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn inspect_without_a_key_says_so_once() {
    let set = sample();
    let tmp = TempDir::new().unwrap();
    let db = set.copy_db(tmp.path());
    let key = common::keys_in(&db, &set)[0].clone();
    let text = stdout_of(sessctl_on(&db, &set).args(["inspect", &key]));
    assert_eq!(
        text.matches("no secret key").count(),
        1,
        "the missing key is reported more than once:\n{text}"
    );
    assert!(
        text.contains("DJANGO_SECRET_KEY or --secret-key-file"),
        "{text}"
    );
    // JSON keeps its note (fields are only ever added or kept).
    let json = stdout_of(sessctl_on(&db, &set).args(["inspect", &key, "--format", "json"]));
    assert!(json.contains("\"signature\":\"unverified\""), "{json}");
    assert!(json.contains("no secret key given"), "{json}");
}

#[test]
fn flush_and_expire_without_a_target_name_every_target() {
    for (command, targets) in [
        ("flush", &["<KEYS", "--user <ID>", "--all"][..]),
        ("expire", &["<KEYS", "--user <ID>"][..]),
    ] {
        let output = sessctl()
            .args(["--database-url", "sqlite:////nonexistent.sqlite3", command])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let usage = stderr
            .lines()
            .find(|l| l.starts_with("Usage:"))
            .unwrap_or_else(|| panic!("{command}: no usage line in {stderr}"));
        for target in targets {
            assert!(
                usage.contains(target),
                "{command}: {target} missing: {usage}"
            );
        }
    }
    // Two targets at once are still refused.
    let output = sessctl()
        .args(["flush", "--user", "42", "--all"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn file_directory_stats_name_the_files_not_a_table() {
    let set = sample();
    let dir = set.dir.join("files");
    let base = || {
        let mut cmd = sessctl();
        cmd.arg("--session-dir")
            .arg(&dir)
            .args(["--now", &set.reference_time()]);
        cmd
    };
    let text = stdout_of(base().arg("stats"));
    assert!(
        !text.contains("table"),
        "a file directory has no table:\n{text}"
    );
    assert!(text.contains("bytes of files on disk"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(base().args(["stats", "--format", "json"]))).unwrap();
    assert!(json["files_bytes"].as_u64().unwrap() > 0, "{json}");
    // table_bytes keeps the figure it always held there, for existing readers.
    assert_eq!(json["table_bytes"], json["files_bytes"], "{json}");

    let tmp = TempDir::new().unwrap();
    let db = set.copy_db(tmp.path());
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        sessctl_on(&db, &set).args(["stats", "--format", "json"]),
    ))
    .unwrap();
    assert!(json["files_bytes"].is_null(), "{json}");
    assert!(stdout_of(sessctl_on(&db, &set).arg("stats")).contains("table bytes"));
}

/// `stats --format json` of the sample database with `args` before the command.
fn stats_with(args: &[&str]) -> serde_json::Value {
    let set = sample();
    let db = set.dir.join("sessions.sqlite3");
    let mut cmd = sessctl();
    cmd.arg("--database-url")
        .arg(format!("sqlite:///{}", db.display()))
        .args(args)
        .args(["stats", "--format", "json"]);
    serde_json::from_str(&stdout_of(&mut cmd)).unwrap()
}

#[test]
fn times_can_be_dates_or_relative() {
    // A date is midnight UTC.
    assert_eq!(
        stats_with(&["--now", "2025-06-01"]),
        stats_with(&["--now", "2025-06-01T00:00:00Z"])
    );
    // A relative --now counts back from the clock: 30 days ago far fewer sessions of the
    // 2025 sample had expired than today, when all have.
    let today = stats_with(&[]);
    let long_ago = stats_with(&["--now", "-3650d"]);
    assert_eq!(long_ago["expired"], 0, "{long_ago}");
    assert_eq!(today["expired"], today["total"], "{today}");

    // --expired-before counts back from --now.
    let set = sample();
    let tmp = TempDir::new().unwrap();
    let db = set.copy_db(tmp.path());
    let dry_run = |before: &str| {
        let mut cmd = sessctl();
        cmd.arg("--database-url")
            .arg(format!("sqlite:///{}", db.display()))
            .args(["--now", "2025-06-10T12:00:00Z", "--format", "json"])
            .args(["purge", "--dry-run", "--expired-before", before]);
        let out: serde_json::Value = serde_json::from_str(&stdout_of(&mut cmd)).unwrap();
        out["matched"].clone()
    };
    assert_eq!(dry_run("-1d12h"), dry_run("2025-06-09T00:00:00Z"));
    assert_eq!(dry_run("-9d12h"), dry_run("2025-06-01"));
    assert_ne!(
        dry_run("-9d"),
        dry_run("-1d"),
        "the sample has sessions between"
    );

    let output = sessctl()
        .args(["--now", "last tuesday", "stats"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("-30d"),
        "the error shows the accepted forms: {stderr}"
    );
}

#[test]
fn durations_can_be_compound() {
    let set = sample();
    let tmp = TempDir::new().unwrap();
    let db = set.copy_db(tmp.path());
    let output = sessctl_on(&db, &set)
        .args([
            "clear-expired",
            "--dry-run",
            "--max-runtime",
            "1h30m",
            "--sleep",
            "1s500ms",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = sessctl_on(&db, &set)
        .args(["clear-expired", "--dry-run", "--max-runtime", "1h30"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// `--version` says what was built and what it works on; `-V` stays one line for
/// scripts that parse it.
#[test]
fn version_names_the_commit_and_the_stores() {
    let long = stdout_of(sessctl().arg("--version"));
    assert!(
        long.starts_with(&format!("sessctl {}\n", env!("CARGO_PKG_VERSION"))),
        "{long}"
    );
    assert!(long.contains("\ncommit: "), "{long}");
    assert!(long.contains("stores: SQLite 3."), "{long}");
    assert!(
        long.contains("PostgreSQL, MySQL/MariaDB, file sessions"),
        "{long}"
    );
    assert!(long.contains("caches: Redis, memcached"), "{long}");
    let short = stdout_of(sessctl().arg("-V"));
    assert_eq!(short, format!("sessctl {}\n", env!("CARGO_PKG_VERSION")));
}
