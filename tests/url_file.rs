//! `--database-url-file` and `DATABASE_URL_FILE`: the store URL read from a file, so a
//! password never has to be on a command line; the file is checked as the secret key
//! file is, and the order of the URL's sources is the documented one.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn total(output: &std::process::Output) -> u64 {
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    let report: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    report["total"].as_u64().unwrap()
}

fn usage_error(output: &std::process::Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_url_is_read_from_the_file_given_by_flag_or_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let url = format!("sqlite:///{}", db.display());
    let expected = set.items("db").len() as u64;
    let file = write(tmp.path(), "url", &format!("{url}\n"), 0o600);
    let flag = sessctl()
        .arg("--database-url-file")
        .arg(&file)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(total(&flag), expected);
    assert!(flag.stderr.is_empty(), "{flag:?}");
    let crlf = write(tmp.path(), "url-crlf", &format!("{url}\r\n"), 0o600);
    let var = sessctl()
        .env("DATABASE_URL_FILE", &crlf)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(total(&var), expected);
}

#[test]
fn the_order_of_the_url_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let good = format!("sqlite:///{}", db.display());
    let missing = format!("sqlite:///{}/missing.sqlite3", tmp.path().display());
    let good_file = write(tmp.path(), "good", &format!("{good}\n"), 0o600);
    let missing_file = write(tmp.path(), "missing", &format!("{missing}\n"), 0o600);
    let expected = set.items("db").len() as u64;
    // --database-url-file beats DATABASE_URL and DATABASE_URL_FILE.
    let out = sessctl()
        .env("DATABASE_URL", &missing)
        .arg("--database-url-file")
        .arg(&good_file)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(total(&out), expected);
    let out = sessctl()
        .env("DATABASE_URL_FILE", &missing_file)
        .arg("--database-url-file")
        .arg(&good_file)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(total(&out), expected);
    // --database-url beats DATABASE_URL_FILE.
    let out = sessctl()
        .env("DATABASE_URL_FILE", &missing_file)
        .args(["-d", &good, "stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(total(&out), expected);
    // Two flags, or two variables, are ambiguous.
    let text = usage_error(
        &sessctl()
            .args(["-d", &good, "--database-url-file"])
            .arg(&good_file)
            .arg("stats")
            .output()
            .unwrap(),
    );
    assert!(text.contains("--database-url-file"), "{text}");
    let text = usage_error(
        &sessctl()
            .env("DATABASE_URL", &good)
            .env("DATABASE_URL_FILE", &good_file)
            .arg("stats")
            .output()
            .unwrap(),
    );
    assert!(
        text.contains("DATABASE_URL and DATABASE_URL_FILE"),
        "{text}"
    );
    // Beside a session directory the URL names where the users are: the sessions are
    // the directory's.
    let beside = sessctl()
        .arg("--database-url-file")
        .arg(&good_file)
        .arg("--session-dir")
        .arg(tmp.path())
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(total(&beside), 0, "{beside:?}");
    assert!(String::from_utf8_lossy(&beside.stdout).contains("session directory"));
}

#[test]
fn a_file_that_is_not_a_one_line_url_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let big = write(tmp.path(), "big", &"x".repeat(70 << 10), 0o600);
    let empty = write(tmp.path(), "empty", "\n", 0o600);
    let two = write(
        tmp.path(),
        "two",
        "sqlite:////a.sqlite3\nsqlite:////b.sqlite3\n",
        0o600,
    );
    let fifo = tmp.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (path, why) in [
        (tmp.path().to_path_buf(), "not a regular file"),
        (fifo, "not a regular file"),
        (big, "KiB"),
        (empty, "empty"),
        (two, "more than one line"),
        (tmp.path().join("absent"), "No such file"),
    ] {
        let text = usage_error(
            &sessctl()
                .arg("--database-url-file")
                .arg(&path)
                .arg("stats")
                .timeout(std::time::Duration::from_secs(30))
                .output()
                .unwrap(),
        );
        assert!(
            text.contains("--database-url-file") && text.contains(why),
            "{}: {text}",
            path.display()
        );
    }
}

#[test]
fn a_password_in_a_file_others_may_read_draws_a_warning_and_is_never_shown() {
    let tmp = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: the run fails (exit 3) after the warning.
    let url = "postgres://app:hunter2@127.0.0.1:1/app?connect_timeout=1\n";
    let open = write(tmp.path(), "open", url, 0o644);
    let out = sessctl()
        .env("HOME", tmp.path())
        .arg("--database-url-file")
        .arg(&open)
        .arg("stats")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        stderr.contains("warning") && stderr.contains("chmod 0600"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    // Private: no warning; quiet: no warning either.
    let private = write(tmp.path(), "private", url, 0o600);
    for (path, quiet) in [(&private, false), (&open, true)] {
        let mut cmd = sessctl();
        cmd.env("HOME", tmp.path())
            .arg("--database-url-file")
            .arg(path)
            .arg("stats");
        if quiet {
            cmd.arg("-q");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        assert!(!stderr.contains("warning"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}
