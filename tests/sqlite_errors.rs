//! Bad input gives its documented exit code, a one-line message that says what is wrong
//! and what to do, and leaves the data unchanged.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;

fn url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

/// One line on stderr, starting with `sessctl: `.
fn one_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr).into_owned();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("sessctl: "), "{text}");
    text
}

#[test]
fn a_file_that_is_not_sqlite_exits_3_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not a database, just some text long enough\n".repeat(20),
    )
    .unwrap();
    let before = std::fs::read(&path).unwrap();
    for args in [&["clear-expired"][..], &["list"], &["stats"]] {
        let out = sessctl()
            .args(["-d", &url(&path)])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(one_line(&out.stderr).contains("not a SQLite database"));
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_missing_file_exits_3_and_is_not_created() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("nope.sqlite3");
    let out = sessctl()
        .args(["-d", &url(&path), "clear-expired"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(one_line(&out.stderr).contains("no SQLite database at"));
    assert!(!path.exists());
}

#[test]
fn a_database_without_the_table_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("other.sqlite3");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let out = sessctl()
        .args(["-d", &url(&path), "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let message = one_line(&out.stderr);
    assert!(
        message.contains("no table `django_session`") && message.contains("--table"),
        "{message}"
    );
}

#[test]
fn a_table_with_the_wrong_columns_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wrong.sqlite3");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE django_session (session_key TEXT PRIMARY KEY, payload TEXT, expires TEXT)")
        .unwrap();
    let out = sessctl()
        .args(["-d", &url(&path), "clear-expired"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(one_line(&out.stderr).contains("no column session_data, expire_date"));
}

#[test]
fn a_custom_table_is_reached_with_table() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("ALTER TABLE django_session RENAME TO mysessions_customsession")
        .unwrap();
    let out = json_lines(sessctl_on(&db, &set).args([
        "--table",
        "mysessions_customsession",
        "clear-expired",
        "--format",
        "json",
    ]));
    assert_eq!(out[0]["deleted"], 7);
}

#[test]
fn garbage_urls_are_usage_errors_and_hide_passwords() {
    let out = sessctl()
        .args(["-d", "no-scheme-here", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(one_line(&out.stderr).contains("not a database URL"));
    let out = sessctl()
        .args(["-d", "redis://u:hunter2@localhost/0", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = one_line(&out.stderr);
    assert!(
        !message.contains("hunter2") && message.contains("****"),
        "{message}"
    );
}

#[test]
fn no_store_given_names_both_the_flag_and_the_variable() {
    sessctl().arg("list").assert().code(2).stderr(
        predicate::str::contains("--database-url").and(predicate::str::contains("DATABASE_URL")),
    );
}

#[test]
fn bad_times_and_zones_are_usage_errors() {
    sessctl()
        .args(["decode", "x", "--now", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
    sessctl()
        .args(["decode", "x", "--time-zone", "Mars/Base"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("IANA"));
    sessctl()
        .args(["clear-expired", "--batch-size", "0"])
        .assert()
        .code(2);
    sessctl()
        .args(["purge", "--sleep", "forever"])
        .assert()
        .code(2);
}

#[test]
fn a_corrupt_row_does_not_stop_list_or_purge() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let conn = rusqlite::Connection::open(&db).unwrap();
    // Not even text: a BLOB of bytes that are not UTF-8.
    conn.execute(
        "INSERT INTO django_session VALUES ('blobrow000000000', X'00FF10', '2025-06-20 00:00:00')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO django_session VALUES ('corruptrow000000', 'AAAA:BBBB:CC', '2025-06-20 00:00:00')",
        [],
    )
    .unwrap();
    let rows = json_lines(sessctl_with_keys(&db, &set).args(["list", "--format", "json"]));
    assert_eq!(rows.len(), 28);
    for key in ["blobrow000000000", "corruptrow000000"] {
        let out =
            json_lines(sessctl_with_keys(&db, &set).args(["inspect", key, "--format", "json"]));
        assert_eq!(out[0]["data"], serde_json::Value::Null);
        assert!(out[0]["error"].is_string());
    }
    let out =
        json_lines(sessctl_with_keys(&db, &set).args(["purge", "--invalid", "--format", "json"]));
    assert!(out[0]["deleted"].as_u64().unwrap() >= 1);
    assert!(!keys_in(&db, &set).contains(&"corruptrow000000".to_owned()));
}

/// Root ignores file permissions, so the unprivileged case runs as `nobody` when the
/// tests run as root (as in CI).
#[test]
fn an_unwritable_database_exits_3_for_changes_but_still_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&db).unwrap();
    // A copy of the binary that `nobody` can run: the build tree may sit in a directory
    // only root can enter (CI clones into a fresh `mktemp -d`).
    let bin = tmp.path().join("sessctl");
    std::fs::copy(assert_cmd::cargo::cargo_bin("sessctl"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_unprivileged = |args: &[&str]| {
        let mut cmd = if unsafe_is_root() {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            c
        } else {
            std::process::Command::new(&bin)
        };
        cmd.env_remove("DATABASE_URL")
            .args([
                "-d",
                &format!("sqlite:///{}", db.display()),
                "--now",
                &set.reference_time(),
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let out = as_unprivileged(&["clear-expired"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(one_line(&out.stderr).contains("read-only"));
    let out = as_unprivileged(&["stats"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
