//! The systemd units in contrib/systemd: `systemd-analyze verify` accepts them (with
//! ExecStart pointed at the binary under test), and the service's command, run as
//! systemd runs it — credentials in `$CREDENTIALS_DIRECTORY`, nothing secret in the
//! environment or on the command line — purges a Django database and prints nothing.
//!
//! `systemd-analyze` missing: SKIPPED, except under CI=true, where it fails.

#[path = "skipped/mod.rs"]
mod skipped;

use std::path::{Path, PathBuf};
use std::process::Command;

const SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/django-6.1");
const UNITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/systemd");
const INSTALLED: &str = "/usr/local/bin/sessctl";

fn unit(name: &str) -> String {
    std::fs::read_to_string(Path::new(UNITS).join(name)).unwrap()
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sessctl")
}

#[test]
fn the_units_pass_systemd_analyze_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "systemd-analyze is missing under CI=true (apt-get install systemd)"
        );
        skipped::say_skipped(
            "SKIPPED: systemd unit check (install systemd for systemd-analyze)".to_owned(),
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in [
        "sessctl-clear-expired.service",
        "sessctl-clear-expired.timer",
    ] {
        let text = unit(name).replace(INSTALLED, binary().to_str().unwrap());
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&paths)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "warnings: {stderr}");
}

/// The words of the service's ExecStart= line.
fn exec_start() -> Vec<String> {
    let text = unit("sessctl-clear-expired.service");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart= line");
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_service_command_purges_with_credentials_only() {
    let words = exec_start();
    assert_eq!(words[0], INSTALLED);
    // What LoadCredential= names is what sessctl reads.
    let text = unit("sessctl-clear-expired.service");
    for name in ["database-url", "secret-key"] {
        assert!(
            text.contains(&format!("LoadCredential={name}:")),
            "the unit does not load {name}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("sessions.sqlite3");
    std::fs::copy(Path::new(SET).join("sessions.sqlite3"), &db).unwrap();
    let credentials = tmp.path().join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    std::fs::write(
        credentials.join("database-url"),
        format!("sqlite:///{}\n", db.display()),
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(SET).join("manifest.json")).unwrap(),
    )
    .unwrap();
    std::fs::write(
        credentials.join("secret-key"),
        format!("{}\n", manifest["secret_key"].as_str().unwrap()),
    )
    .unwrap();
    let count = || -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM django_session", [], |r| r.get(0))
            .unwrap()
    };
    let before = count();
    let out = Command::new(binary())
        .args(&words[1..])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("CREDENTIALS_DIRECTORY", &credentials)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "--quiet printed something"
    );
    assert!(count() < before, "nothing was purged");
    // The key was read: a session value decoded through the same credentials verifies.
    let raw = manifest["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["backend"] == "db" && i["expected"].is_object())
        .expect("a db item")["raw"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = Command::new(binary())
        .args(["decode", &raw, "--format", "json"])
        .env_clear()
        .env("CREDENTIALS_DIRECTORY", &credentials)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("\"signature\":\"valid"),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
