//! Live conformance: sets freshly made by real Django with a random secret key and seed
//! (`.ci/django-oracle.sh`, run by `.ci/run`), checked against Django's own
//! `clearsessions`. The directory comes in SESSCTL_ORACLE_DIR; without it the test says
//! loudly that it skipped, and under CI=true that is a failure.

mod common;

use std::path::PathBuf;

use common::*;

fn oracle_sets() -> Option<Vec<FixtureSet>> {
    let Some(dir) = std::env::var_os("SESSCTL_ORACLE_DIR") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but SESSCTL_ORACLE_DIR is unset: .ci/run must generate the live Django oracle"
        );
        say_skipped(
            "SKIPPED: live Django oracle (set SESSCTL_ORACLE_DIR; .ci/run does)".to_owned(),
        );
        return None;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("sessions.sqlite3").is_file() && !p.join("database-url").exists())
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no SQLite sets in {}",
        PathBuf::from(dir).display()
    );
    Some(dirs.iter().map(|d| FixtureSet::load(d)).collect())
}

#[test]
fn fresh_django_sets_clear_expired_matches_clearsessions() {
    let Some(sets) = oracle_sets() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for set in sets {
        let db = set.copy_db(tmp.path());
        sessctl_on(&db, &set)
            .args(["clear-expired", "-q", "--batch-size", "2"])
            .assert()
            .success();
        assert_eq!(
            keys_in(&db, &set),
            set.oracle_db("remaining"),
            "{}",
            set.name
        );
        eprintln!(
            "{}: Django {} oracle matched",
            set.name, set.manifest["django_version"]
        );
    }
}

#[test]
fn fresh_django_sets_decode_as_django_decodes() {
    let Some(sets) = oracle_sets() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for set in sets {
        let db = set.copy_db(tmp.path());
        for item in set.items("db") {
            let out = json_lines(sessctl_with_keys(&db, &set).args([
                "inspect",
                item["key"].as_str().unwrap(),
                "--format",
                "json",
            ]));
            let what = format!("{} {}", set.name, item["id"]);
            assert_eq!(out[0]["expired"], item["expired"], "{what}");
            if item["codec"]["format"] == "undecodable" {
                assert!(out[0]["data"].is_null(), "{what}");
            } else {
                assert_eq!(out[0]["data"], item["expected"], "{what}");
            }
        }
    }
}
