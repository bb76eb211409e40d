//! Shared by the end-to-end tests: fixture sets made by real Django, and a way to run the
//! binary with a clean environment (nothing leaks in from the developer's shell).
#![allow(dead_code)]

#[path = "../skipped/mod.rs"]
mod skipped;
#[allow(unused_imports)] // used by some of the test crates that include this module
pub use skipped::say_skipped;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// A committed set under tests/fixtures/, made with real Django: a SQLite database, a
/// files/ directory and manifest.json with what Django decoded and what its clearsessions
/// deleted.
pub struct FixtureSet {
    pub name: String,
    pub dir: PathBuf,
    pub manifest: Value,
}

impl FixtureSet {
    pub fn load(dir: &Path) -> FixtureSet {
        let text = std::fs::read_to_string(dir.join("manifest.json"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        FixtureSet {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_owned(),
            manifest: serde_json::from_str(&text).unwrap(),
        }
    }

    pub fn reference_time(&self) -> String {
        self.manifest["reference_time"].as_str().unwrap().to_owned()
    }

    /// `--time-zone` for this set: TIME_ZONE under USE_TZ=False, else UTC.
    pub fn time_zone(&self) -> String {
        let settings = &self.manifest["settings"];
        if settings["USE_TZ"].as_bool().unwrap() {
            "UTC".to_owned()
        } else {
            settings["TIME_ZONE"].as_str().unwrap().to_owned()
        }
    }

    pub fn secret_key(&self) -> String {
        self.manifest["secret_key"].as_str().unwrap().to_owned()
    }

    pub fn fallbacks(&self) -> Vec<String> {
        self.manifest["secret_key_fallbacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    pub fn items(&self, backend: &str) -> Vec<&Value> {
        self.manifest["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["backend"] == backend)
            .collect()
    }

    pub fn oracle_db(&self, which: &str) -> Vec<String> {
        let mut keys: Vec<String> = self.manifest["oracle"]["db"][which]
            .as_array()
            .expect("the set was made with --run-clearsessions")
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        keys.sort();
        keys
    }

    /// A private copy of the database, so tests never change the committed data.
    pub fn copy_db(&self, into: &Path) -> PathBuf {
        let target = into.join(format!("{}.sqlite3", self.name));
        std::fs::copy(self.dir.join("sessions.sqlite3"), &target).unwrap();
        target
    }
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The set most tests use: Django 6.1 with default settings (USE_TZ, UTC, JSON).
pub fn sample() -> FixtureSet {
    FixtureSet::load(&repo().join("tests/fixtures/django-6.1"))
}

/// Every committed set (Django 3.2 to 6.1, several settings).
pub fn all_sets() -> Vec<FixtureSet> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    let sets: Vec<FixtureSet> = dirs.iter().map(|d| FixtureSet::load(d)).collect();
    assert!(sets.len() >= 10, "fixture sets missing");
    sets
}

/// The binary with no inherited configuration.
pub fn sessctl() -> Command {
    let mut cmd = Command::cargo_bin("sessctl").unwrap();
    for var in [
        "DATABASE_URL",
        "DATABASE_URL_FILE",
        "DJANGO_SECRET_KEY",
        "DJANGO_SECRET_KEY_FALLBACKS",
        "SESSION_FILE_PATH",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_AGE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The binary pointed at a SQLite file, evaluated at the set's reference time.
pub fn sessctl_on(db: &Path, set: &FixtureSet) -> Command {
    let mut cmd = sessctl();
    cmd.env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args([
            "--now",
            &set.reference_time(),
            "--time-zone",
            &set.time_zone(),
        ]);
    cmd
}

/// Same, with SECRET_KEY and its fallbacks in the environment.
pub fn sessctl_with_keys(db: &Path, set: &FixtureSet) -> Command {
    let mut cmd = sessctl_on(db, set);
    cmd.env("DJANGO_SECRET_KEY", set.secret_key())
        .env("DJANGO_SECRET_KEY_FALLBACKS", set.fallbacks().join(","));
    cmd
}

/// Runs and parses stdout as JSON lines.
pub fn json_lines(cmd: &mut Command) -> Vec<Value> {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Every session key in the store, through `sessctl list`.
pub fn keys_in(db: &Path, set: &FixtureSet) -> Vec<String> {
    let mut keys: Vec<String> = json_lines(sessctl_on(db, set).args(["list", "--format", "json"]))
        .into_iter()
        .map(|row| row["session_key"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}
