//! `--metrics-file`: a bulk change leaves its figures in Prometheus text format, after a
//! complete run and after a failed one, and `promtool check metrics` accepts the file.
//! promtool missing: its check is SKIPPED, except under CI=true, where it fails.

#[path = "skipped/mod.rs"]
mod skipped;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/django-6.1");
const NOW: &str = "2025-06-01T12:00:00Z";

fn sessctl() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("sessctl"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("DJANGO_SECRET_KEY")
        .env_remove("SESSION_FILE_PATH");
    cmd
}

/// Metric name → (labels, value), from the exposition text.
fn parse(text: &str) -> BTreeMap<String, (String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, rest) = l.split_once('{').unwrap();
            let (labels, value) = rest.rsplit_once("} ").unwrap();
            (name.to_owned(), (labels.to_owned(), value.parse().unwrap()))
        })
        .collect()
}

fn promtool_accepts(path: &Path) {
    let Ok(out) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(path).unwrap())
        .output()
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "promtool is missing under CI=true (apt-get install prometheus)"
        );
        skipped::say_skipped(
            "SKIPPED: promtool check of --metrics-file (apt-get install prometheus)".to_owned(),
        );
        return;
    };
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_run_leaves_its_figures_for_the_textfile_collector() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("sessions.sqlite3");
    std::fs::copy(Path::new(SET).join("sessions.sqlite3"), &db).unwrap();
    let prom = tmp.path().join("sessctl.prom");
    let out = sessctl()
        .args(["--database-url", &format!("sqlite:///{}", db.display())])
        .args([
            "--now",
            NOW,
            "clear-expired",
            "--format",
            "json",
            "--metrics-file",
        ])
        .arg(&prom)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = std::fs::read_to_string(&prom).unwrap();
    let m = parse(&text);
    assert_eq!(
        m["sessctl_last_run_changed_sessions"].1,
        report["deleted"].as_f64().unwrap()
    );
    assert_eq!(
        m["sessctl_last_run_batches"].1,
        report["batches"].as_f64().unwrap()
    );
    assert_eq!(m["sessctl_last_run_exit_code"].1, 0.0);
    assert_eq!(m["sessctl_last_run_complete"].1, 1.0);
    assert!(
        m["sessctl_last_run_end_timestamp_seconds"].1
            >= m["sessctl_last_run_start_timestamp_seconds"].1
    );
    assert_eq!(
        m["sessctl_last_run_exit_code"].0,
        "command=\"clear-expired\",store=\"sqlite\",target=\"django_session\""
    );
    // Nothing but the file is left in the directory (the temporary one was renamed).
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    promtool_accepts(&prom);
}

#[test]
fn a_failed_run_leaves_its_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let prom = tmp.path().join("sessctl.prom");
    let out = sessctl()
        .args(["--database-url", "sqlite:////nonexistent/db.sqlite3"])
        .args(["clear-expired", "--metrics-file"])
        .arg(&prom)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let m = parse(&std::fs::read_to_string(&prom).unwrap());
    assert_eq!(m["sessctl_last_run_exit_code"].1, 3.0);
    assert_eq!(m["sessctl_last_run_complete"].1, 0.0);
    assert_eq!(m["sessctl_last_run_changed_sessions"].1, 0.0);
    promtool_accepts(&prom);
}

const AUTH_SET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/auth/django-6.1"
);

/// `stats --format prometheus` prints the gauges `--metrics-file` writes: the store's
/// figures, the auth states with `--users`, and each threshold given with whether it is
/// exceeded; promtool accepts them.
#[test]
fn stats_figures_are_gauges() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("stats.prom");
    let out = sessctl()
        .args([
            "--database-url",
            &format!("sqlite:///{AUTH_SET}/default.sqlite3"),
            "--now",
            NOW,
            "--format",
            "prometheus",
            "stats",
            "--users",
            "--max-total",
            "5",
            "--max-expired",
            "100",
            "--metrics-file",
        ])
        .arg(&file)
        .env(
            "DJANGO_SECRET_KEY",
            "sessctl-sample-secret-key-not-for-production",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} in {text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(line("sessctl_sessions{"), "19");
    assert_eq!(line("sessctl_sessions_expired{"), "1");
    assert_eq!(line("sessctl_stats_success{"), "1");
    assert_eq!(
        line("sessctl_sessions_by_auth_state{store=\"sqlite\",target=\"django_session\",state=\"user_deleted\"}"),
        "1"
    );
    assert_eq!(
        line("sessctl_stats_threshold_exceeded{store=\"sqlite\",target=\"django_session\",threshold=\"max_total\"}"),
        "1"
    );
    assert_eq!(
        line("sessctl_stats_threshold_exceeded{store=\"sqlite\",target=\"django_session\",threshold=\"max_expired\"}"),
        "0"
    );
    promtool_accepts(&file);
    // A store that cannot be read leaves a file that says so.
    let failed = sessctl()
        .args([
            "--database-url",
            "sqlite:////no/such/sessions.sqlite3",
            "stats",
            "--metrics-file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(3));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("sessctl_stats_success{store=\"sqlite\",target=\"django_session\"} 0\n"),
        "{text}"
    );
    promtool_accepts(&file);
    // Other commands refuse the format.
    let refused = sessctl()
        .args(["--format", "prometheus", "list"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
