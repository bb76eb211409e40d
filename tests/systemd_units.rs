//! The systemd units in contrib/systemd: `systemd-analyze verify` accepts them (with
//! ExecStart pointed at the binary under test), and the service's command, run as
//! systemd runs it — its options from the unit's default or /etc/default/sessctl
//! (contrib/default/sessctl), credentials in `$CREDENTIALS_DIRECTORY`, nothing secret in
//! the environment or on the command line — purges a Django database and prints nothing.
//!
//! `systemd-analyze` missing: SKIPPED, except under CI=true, where it fails.

#[path = "skipped/mod.rs"]
mod skipped;

use std::path::{Path, PathBuf};
use std::process::Command;

const SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/django-6.1");
const UNITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/systemd");
const DEFAULTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/default/sessctl");
/// The command as the unit names it: systemd finds it in /usr/local/bin or /usr/bin.
const COMMAND: &str = "ExecStart=sessctl ";
/// The unit's variable for the options of the run.
const OPTIONS: &str = "SESSCTL_CLEAR_EXPIRED_OPTIONS";

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
        let text = unit(name).replace(
            COMMAND,
            &format!("ExecStart={} ", binary().to_str().unwrap()),
        );
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

/// `NAME="value"` or `NAME=value` in a systemd assignment (Environment= or a line of an
/// EnvironmentFile=), `None` when the text does not set NAME.
fn assignment(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.strip_prefix("Environment=").unwrap_or(line).trim();
        let line = line
            .strip_prefix('"')
            .map_or(line, |l| l.strip_suffix('"').unwrap_or(l));
        let value = line.strip_prefix(name)?.strip_prefix('=')?;
        Some(value.trim_matches('"').to_owned())
    })
}

/// The service's default for the options of the run, and the example /etc/default file's.
fn options() -> (String, String) {
    let unit = unit("sessctl-clear-expired.service");
    let defaults = std::fs::read_to_string(DEFAULTS).unwrap();
    (
        assignment(&unit, OPTIONS).expect("the unit sets a default for the options"),
        assignment(&defaults, OPTIONS).expect("contrib/default/sessctl sets the options"),
    )
}

/// The arguments of the service's ExecStart= line as systemd passes them: an unbraced
/// `$NAME` word becomes the variable's value split at whitespace.
fn exec_start_arguments(options: &str) -> Vec<String> {
    let text = unit("sessctl-clear-expired.service");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(COMMAND))
        .expect("ExecStart= runs sessctl from systemd's search path");
    let variable = format!("${OPTIONS}");
    line.split_whitespace()
        .flat_map(|word| {
            if word == variable {
                options.split_whitespace().map(str::to_owned).collect()
            } else {
                assert!(!word.contains('$'), "an unexpected variable: {word}");
                vec![word.to_owned()]
            }
        })
        .collect()
}

#[test]
fn the_example_defaults_change_nothing_until_edited() {
    let unit = unit("sessctl-clear-expired.service");
    assert!(
        unit.contains("\nEnvironmentFile=-/etc/default/sessctl\n"),
        "the unit does not read /etc/default/sessctl (or fails without it)"
    );
    let (default, example) = options();
    assert_eq!(default, example);
    // Every other setting in the example is commented out, and none is secret.
    let defaults = std::fs::read_to_string(DEFAULTS).unwrap();
    for line in defaults.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        assert!(line.starts_with(&format!("{OPTIONS}=")), "{line}");
    }
    for secret in ["DATABASE_URL=", "DJANGO_SECRET_KEY"] {
        assert!(!defaults.contains(secret), "the example names {secret}");
    }
}

#[test]
fn the_service_command_purges_with_credentials_only() {
    let (_, example) = options();
    let words = exec_start_arguments(&example);
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
        .args(&words)
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
