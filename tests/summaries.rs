//! The summary of a bulk change says what is known and no more: a total only when the
//! run counted it or walked to the end, and no batches for a run that had nothing to do.

use std::path::Path;

use assert_cmd::Command;

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

/// A session directory of `n` files last written in 2000: all expired under the mtime
/// rule (no key is given, so none is read as verified data).
fn old_session_dir(dir: &Path, n: usize) {
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(946_684_800);
    for i in 0..n {
        let path = dir.join(format!("sessionid{i:032}"));
        std::fs::write(&path, "e30:1uLgQ4:sig").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
}

fn stdout(cmd: &mut Command) -> (String, i32) {
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
fn a_run_stopped_before_the_end_without_a_count_prints_no_total() {
    let dir = tempfile::tempdir().unwrap();
    old_session_dir(dir.path(), 5);
    // A directory cannot be counted without reading every file, so nothing is counted
    // up front; --max-runtime 0s stops before the first batch.
    let (text, code) = stdout(sessctl().arg("--session-dir").arg(dir.path()).args([
        "clear-expired",
        "--max-runtime",
        "0s",
    ]));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("deleted 0 expired sessions (more may remain) in 0 batches"),
        "{text}"
    );
    assert!(!text.contains(" of "), "{text}");

    let (json, _) = stdout(sessctl().arg("--session-dir").arg(dir.path()).args([
        "clear-expired",
        "--max-runtime",
        "0s",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["matched_complete"], false, "{json}");
    assert_eq!(report["stopped"], "max_runtime", "{json}");
}

#[test]
fn nothing_to_delete_says_so_instead_of_counting_batches() {
    let dir = tempfile::tempdir().unwrap();
    old_session_dir(dir.path(), 3);
    let run = || {
        stdout(sessctl().arg("--session-dir").arg(dir.path()).args([
            "clear-expired",
            "--batch-size",
            "1",
        ]))
    };
    let (first, _) = run();
    assert!(
        first.contains("deleted 3 of 3 expired sessions in 3 batches"),
        "{first}"
    );
    let (second, code) = run();
    assert_eq!(code, 0);
    assert!(
        second.starts_with("clear-expired: no expired sessions ("),
        "{second}"
    );
}

#[test]
fn counts_have_thousands_separators() {
    let dir = tempfile::tempdir().unwrap();
    old_session_dir(dir.path(), 1234);
    let (text, _) = stdout(
        sessctl()
            .arg("--session-dir")
            .arg(dir.path())
            .args(["clear-expired", "--dry-run"]),
    );
    assert!(
        text.contains("would delete 1,234 expired sessions"),
        "{text}"
    );
}
