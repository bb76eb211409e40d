//! The file store end to end through the binary, against what real Django did.
//!
//! Every committed fixture set (`tests/fixtures/django-*`) was written by real Django,
//! which also ran `clearsessions` at the reference time and recorded what it deleted
//! (`manifest.oracle.file`). Each test works on a temporary copy whose mtimes are
//! restored from the manifest first (git keeps none). With `SESSCTL_ORACLE_DIR` set (the
//! output of `.ci/django-oracle.sh`), fresh sets with random keys are checked the same way.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
/// The set the targeted tests use: Django 6.1, default settings.
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/django-6.1");

/// sessctl with none of the caller's store or key settings leaking in.
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

/// A fixture set copied to a temporary directory, mtimes restored.
struct Set {
    name: String,
    manifest: Value,
    tmp: TempDir,
}

impl Set {
    fn copy(src: &Path) -> Set {
        let manifest: Value =
            serde_json::from_str(&fs::read_to_string(src.join("manifest.json")).unwrap()).unwrap();
        let tmp = TempDir::new().unwrap();
        copy_tree(&src.join("files"), &tmp.path().join("files"));
        let set = Set {
            name: src.file_name().unwrap().to_string_lossy().into_owned(),
            manifest,
            tmp,
        };
        set.restore_mtimes();
        let mut keys = set.manifest["secret_key"].as_str().unwrap().to_owned();
        for fallback in set.manifest["secret_key_fallbacks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            keys.push('\n');
            keys.push_str(fallback.as_str().unwrap());
        }
        fs::write(set.key_file(), keys + "\n").unwrap();
        set
    }

    fn files(&self) -> PathBuf {
        self.tmp.path().join("files")
    }

    fn key_file(&self) -> PathBuf {
        self.tmp.path().join("secret-keys")
    }

    /// The make_fixtures.py --restore-mtimes logic.
    fn restore_mtimes(&self) {
        for item in self.file_items() {
            let Some(mtime) = item["mtime"].as_str() else {
                continue;
            };
            let path = self.files().join(item["file_name"].as_str().unwrap());
            if fs::symlink_metadata(&path).is_ok() {
                set_mtime(&path, mtime);
            }
        }
    }

    fn file_items(&self) -> Vec<Value> {
        self.manifest["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["backend"] == "file")
            .cloned()
            .collect()
    }

    fn reference(&self) -> String {
        self.manifest["reference_time"].as_str().unwrap().to_owned()
    }

    fn zone(&self) -> String {
        let settings = &self.manifest["settings"];
        if settings["USE_TZ"].as_bool().unwrap() {
            "UTC".to_owned()
        } else {
            settings["TIME_ZONE"].as_str().unwrap().to_owned()
        }
    }

    /// sessctl on this set as Django saw it: its directory, keys, zone and reference time.
    fn cmd(&self) -> Command {
        let mut cmd = sessctl();
        cmd.arg("--session-dir")
            .arg(self.files())
            .arg("--secret-key-file")
            .arg(self.key_file())
            .args(["--now", &self.reference(), "--time-zone", &self.zone()]);
        cmd
    }

    fn oracle(&self, which: &str) -> BTreeSet<String> {
        self.manifest["oracle"]["file"][which]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    fn entries(&self) -> BTreeSet<String> {
        entries(&self.files())
    }

    fn inspect(&self, key: &str) -> Value {
        let out = self
            .cmd()
            .args(["inspect", key, "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: inspect {key}: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// File names of items whose data Django reads but this build's codec cannot (e.g.
    /// pickle, or a format the codec does not know yet): their verdicts may differ.
    fn undecodable(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for item in self.file_items() {
            let django_has_data = item["expected"].as_object().is_some_and(|m| !m.is_empty());
            let Some(key) = item["key"].as_str() else {
                continue;
            };
            if django_has_data && self.inspect(key)["data"].is_null() {
                names.insert(item["file_name"].as_str().unwrap().to_owned());
            }
        }
        names
    }
}

fn entries(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

fn set_mtime(path: &Path, iso: &str) {
    let t = chrono::DateTime::parse_from_rfc3339(iso).unwrap();
    let when =
        SystemTime::UNIX_EPOCH + Duration::new(t.timestamp() as u64, t.timestamp_subsec_nanos());
    fs::File::open(path).unwrap().set_modified(when).unwrap();
}

fn fixture_sets() -> Vec<PathBuf> {
    let mut sets: Vec<PathBuf> = fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("manifest.json").is_file() && p.join("files").is_dir())
        .collect();
    sets.sort();
    sets
}

/// `clear-expired --now <reference>` against Django's own `clearsessions` on one set:
/// exactly the same files deleted. Every file Django could read must decode (pickle and
/// legacy included): a file the codec cannot read would be decided by its mtime alone.
fn check_clear_expired(set: &Set) -> Vec<String> {
    let mut problems: Vec<String> = set
        .undecodable()
        .into_iter()
        .map(|name| {
            format!(
                "{}: {name} holds data Django reads but sessctl cannot",
                set.name
            )
        })
        .collect();
    let before = set.entries();
    let out = set.cmd().arg("clear-expired").output().unwrap();
    if !out.status.success() {
        problems.push(format!(
            "{}: clear-expired exited {:?}: {}",
            set.name,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
        return problems;
    }
    let after = set.entries();
    let deleted: BTreeSet<String> = before.difference(&after).cloned().collect();
    let django_deleted = set.oracle("deleted");
    for name in deleted.symmetric_difference(&django_deleted) {
        let by_django = django_deleted.contains(name);
        problems.push(format!(
            "{}: {name} {} by Django but {} by sessctl",
            set.name,
            if by_django { "deleted" } else { "kept" },
            if by_django { "kept" } else { "deleted" },
        ));
    }
    if after != set.oracle("remaining") {
        problems.push(format!(
            "{}: remaining {after:?} != Django's {:?}",
            set.name,
            set.oracle("remaining")
        ));
    }
    problems
}

#[test]
fn clear_expired_deletes_what_django_clearsessions_deleted() {
    let mut problems = Vec::new();
    for src in fixture_sets() {
        problems.extend(check_clear_expired(&Set::copy(&src)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn inspect_and_list_agree_with_django_per_file() {
    let mut problems = Vec::new();
    for src in fixture_sets() {
        let set = Set::copy(&src);
        let mut django_expired = BTreeSet::new();
        for item in set.file_items() {
            let Some(expected) = item["expired"].as_bool() else {
                continue; // not a session for Django (or no expiry): checked by clear-expired
            };
            let key = item["key"].as_str().unwrap();
            if expected {
                django_expired.insert(key.to_owned());
            }
            let shown = set.inspect(key);
            if shown["expired"] != Value::Bool(expected) {
                problems.push(format!(
                    "{}: {} ({key}) expired {} but Django says {expected}",
                    set.name, item["id"], shown["expired"]
                ));
            }
            let want = item["expire_date"]
                .as_str()
                .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc());
            let got = shown["expire_date"]
                .as_str()
                .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc());
            if want != got {
                problems.push(format!(
                    "{}: {} expire_date {got:?}, Django {want:?}",
                    set.name, item["id"]
                ));
            }
            let pickle = item["codec"]["format"]
                .as_str()
                .is_some_and(|f| f.contains("pickle"));
            // `{}` in a format this codec cannot read yet shows as null: not a mismatch
            // of Django's view (an empty session has no expiry of its own).
            let unread_empty = shown["data"].is_null() && item["expected"] == serde_json::json!({});
            if !pickle && !unread_empty && shown["data"] != item["expected"] {
                problems.push(format!(
                    "{}: {} data {} != Django's {}",
                    set.name, item["id"], shown["data"], item["expected"]
                ));
            }
        }
        // list --expired: exactly what clearsessions deletes (corrupt old files included).
        let out = set
            .cmd()
            .args(["list", "--expired", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listed: BTreeSet<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["session_key"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let prefix = "sessionid";
        let oracle: BTreeSet<String> = set
            .oracle("deleted")
            .into_iter()
            .map(|n| n[prefix.len()..].to_owned())
            .collect();
        if listed != oracle {
            problems.push(format!(
                "{}: list --expired {listed:?} != Django's deletions {oracle:?}",
                set.name
            ));
        }
        assert!(django_expired.is_subset(&listed), "{}", set.name);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn stats_and_dry_run_count_what_django_deletes() {
    let set = Set::copy(Path::new(SAMPLE));
    let out = set
        .cmd()
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let deleted = set.oracle("deleted").len() as u64;
    assert_eq!(stats["expired"], deleted);
    // Sessions: every regular file with a valid session name (placeholders included).
    assert_eq!(stats["total"], 24);
    let out = set
        .cmd()
        .args(["clear-expired", "--dry-run", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["matched"], deleted);
    assert_eq!(set.entries().len(), 29, "a dry run changes nothing");
}

/// The raw value of a sample item, by id.
fn raw_of(set: &Set, id: &str) -> String {
    set.file_items()
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap()["raw"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn symlinks_odd_names_and_undecidable_files_are_never_touched() {
    let sample = Set::copy(Path::new(SAMPLE));
    let paris = Set::copy(&Path::new(FIXTURES).join("django-6.1-notz-paris"));
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("sessions");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all(&outside).unwrap();
    let expired = raw_of(&sample, "simple");
    let old = "2020-01-01T00:00:00+00:00";
    let write = |name: &str, content: &[u8]| {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        set_mtime(&path, old);
    };
    // A real session, expired by its mtime: the one thing that goes.
    write("sessionidaaaaaaaaexpired1", expired.as_bytes());
    // An expired session outside, reached through a symlink with a session name.
    fs::write(outside.join("victim"), &expired).unwrap();
    set_mtime(&outside.join("victim"), old);
    std::os::unix::fs::symlink(outside.join("victim"), dir.join("sessionidsymlinktofile1"))
        .unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("sessionidsymlinktodir01")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", dir.join("sessioniddanglinglink1")).unwrap();
    // A FIFO with a session name: opening it must not hang the scan.
    assert!(std::process::Command::new("mkfifo")
        .arg(dir.join("sessionidfifo00000001"))
        .status()
        .unwrap()
        .success());
    fs::create_dir(dir.join("sessionidadirectory01")).unwrap();
    write("sessionidaaaaaaaaexpired1_out_x1y2z3", expired.as_bytes());
    write("csrftokenaaaaaaaaaaaaaaaaaaaaaaaa", expired.as_bytes());
    write("sessionidUPPERCASEKEY0001", expired.as_bytes());
    write("sessionidshort", expired.as_bytes());
    write("sessionidemptyplaceholder0", b"");
    // Django's clearsessions raises on these two instead of deciding.
    write("sessionidnonascii0000001", "caf\u{e9}:x:y".as_bytes());
    write(
        "sessionidnaiveexpiry0001",
        raw_of(&paris, "expiry_datetime_past").as_bytes(),
    );
    let before = entries(&dir);
    let out = sessctl()
        .arg("--session-dir")
        .arg(&dir)
        .arg("--secret-key-file")
        .arg(sample.key_file())
        .args(["--now", "2030-01-01T00:00:00Z", "clear-expired"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let gone: Vec<String> = before.difference(&entries(&dir)).cloned().collect();
    assert_eq!(gone, ["sessionidaaaaaaaaexpired1"]);
    assert!(outside.join("victim").exists());
    assert!(stderr.contains("sessionidnonascii0000001"), "{stderr}");
    assert!(stderr.contains("non-ASCII"), "{stderr}");
    assert!(stderr.contains("sessionidnaiveexpiry0001"), "{stderr}");
    assert!(stderr.contains("awareness"), "{stderr}");
}

#[test]
fn permission_errors_are_reported_per_file_and_the_rest_is_done() {
    let sample = Set::copy(Path::new(SAMPLE));
    let tmp = TempDir::new().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tmp.path().join("sessions");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let raw = raw_of(&sample, "simple");
    let names = [
        "sessionidreadable00001",
        "sessionidreadable00002",
        "sessionidunreadable001",
    ];
    for name in names {
        fs::write(dir.join(name), &raw).unwrap();
        set_mtime(&dir.join(name), "2020-01-01T00:00:00+00:00");
    }
    let locked = dir.join("sessionidunreadable001");
    let keys = tmp.path().join("keys");
    fs::copy(sample.key_file(), &keys).unwrap();
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o644)).unwrap();
    // A copy of the binary that `nobody` can run: the build tree may sit in a directory
    // only root can enter (CI clones into a fresh `mktemp -d`).
    let bin = tmp.path().join("sessctl");
    fs::copy(assert_cmd::cargo::cargo_bin("sessctl"), &bin).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("--session-dir")
        .arg(&dir)
        .arg("--secret-key-file")
        .arg(&keys)
        .args(["--now", "2030-01-01T00:00:00Z", "clear-expired"]);
    for var in ["DATABASE_URL", "SESSION_FILE_PATH", "DJANGO_SECRET_KEY"] {
        cmd.env_remove(var);
    }
    // Root reads anything, so as root the run is made as `nobody`, who owns the other
    // files (the directory is writable for all) but cannot read a 0600 file of root's.
    let me = fs::metadata("/proc/self").unwrap().uid();
    if me == 0 {
        use std::os::unix::process::CommandExt;
        for name in &names[..2] {
            std::os::unix::fs::chown(dir.join(name), Some(65534), Some(65534)).unwrap();
        }
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o600)).unwrap();
        cmd.uid(65534).gid(65534);
    } else {
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("sessionidunreadable001"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("permission denied"),
        "{stderr}"
    );
    assert_eq!(
        entries(&dir),
        BTreeSet::from(["sessionidunreadable001".to_owned()]),
        "the readable files are deleted despite the failure"
    );
}

#[test]
fn choosing_the_store() {
    let set = Set::copy(Path::new(SAMPLE));
    // A database beside the directory is where the users are: the sessions are the
    // files, and a command that needs no user reads no database.
    sessctl()
        .args([
            "--database-url",
            "sqlite:////nonexistent.sqlite3",
            "--session-dir",
        ])
        .arg(set.files())
        .arg("stats")
        .assert()
        .success()
        .stdout(predicates::str::contains("session directory"));
    // One that reads users says which database it could not open.
    sessctl()
        .args([
            "--database-url",
            "sqlite:////nonexistent.sqlite3",
            "--session-dir",
        ])
        .arg(set.files())
        .arg("list")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("nonexistent.sqlite3"));
    // A flag beats the environment.
    sessctl()
        .env("DATABASE_URL", "sqlite:////nonexistent.sqlite3")
        .arg("--session-dir")
        .arg(set.files())
        .arg("stats")
        .assert()
        .success();
    sessctl()
        .env("SESSION_FILE_PATH", set.files())
        .args(["stats", "--format", "json"])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"total\":24"));
    // Both variables, as a site with file sessions has them: the files are the
    // sessions, the database holds the users.
    sessctl()
        .env("SESSION_FILE_PATH", set.files())
        .env("DATABASE_URL", "sqlite:////nonexistent.sqlite3")
        .args(["stats", "--format", "json"])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"total\":24"));
    // Another cookie name is another prefix: no session files then.
    sessctl()
        .env("SESSION_FILE_PATH", set.files())
        .env("SESSION_COOKIE_NAME", "csrftoken")
        .args(["stats", "--format", "json"])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"total\":1,"));
    sessctl()
        .arg("--session-dir")
        .arg(set.files().join("nonexistent"))
        .arg("stats")
        .assert()
        .code(3);
}

#[test]
fn cookie_age_moves_the_mtime_rule() {
    let set = Set::copy(Path::new(SAMPLE));
    // With a one-hour cookie age every mtime-based session of the sample has expired
    // (the most recent mtime is 11:58:20, ten minutes before the reference... plus age).
    let out = set
        .cmd()
        .args(["--cookie-age", "3600", "stats", "--format", "json"])
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let default: Value = serde_json::from_slice(
        &set.cmd()
            .args(["stats", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(stats["expired"].as_u64() > default["expired"].as_u64());
}

#[test]
fn expire_sets_the_mtime_back_and_django_then_deletes_it() {
    let set = Set::copy(Path::new(SAMPLE));
    let simple = set
        .file_items()
        .into_iter()
        .find(|i| i["id"] == "simple")
        .unwrap();
    let key = simple["key"].as_str().unwrap();
    assert_eq!(set.inspect(key)["expired"], false);
    set.cmd().args(["expire", key]).assert().success();
    assert_eq!(set.inspect(key)["expired"], true);
    let path = set.files().join(simple["file_name"].as_str().unwrap());
    let mtime = fs::metadata(&path).unwrap().mtime();
    let reference = chrono::DateTime::parse_from_rfc3339(&set.reference()).unwrap();
    assert_eq!(mtime, reference.timestamp() - 1_209_600);
    // The content is untouched: only the mtime says it has expired.
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        simple["raw"].as_str().unwrap()
    );
}

#[test]
fn expire_of_a_session_with_its_own_expiry_needs_the_key() {
    let set = Set::copy(Path::new(SAMPLE));
    let item = set
        .file_items()
        .into_iter()
        .find(|i| i["id"] == "expiry_datetime_future")
        .unwrap();
    let out = sessctl()
        .arg("--session-dir")
        .arg(set.files())
        .args([
            "--now",
            &set.reference(),
            "expire",
            item["key"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DJANGO_SECRET_KEY"));
    let path = set.files().join(item["file_name"].as_str().unwrap());
    assert_eq!(
        fs::read_to_string(path).unwrap(),
        item["raw"].as_str().unwrap()
    );
}

#[test]
fn expire_rewrites_a_session_with_its_own_expiry_signed_with_the_key() {
    let set = Set::copy(Path::new(SAMPLE));
    let item = set
        .file_items()
        .into_iter()
        .find(|i| i["id"] == "expiry_datetime_future")
        .unwrap();
    let key = item["key"].as_str().unwrap();
    assert_eq!(set.inspect(key)["expired"], false);
    set.cmd().args(["expire", key]).assert().success();
    // Django reads the rewritten file with the same key: the signature verifies, the
    // data is kept, and `_session_expiry` is now, so its age floors to 0: expired.
    let after = set.inspect(key);
    assert_eq!(after["signature"], "valid");
    assert_eq!(after["expired"], true);
    assert_eq!(after["session_expiry"], "2025-06-01T12:00:00+00:00");
    let mut expected = item["expected"].clone();
    expected["_session_expiry"] = "2025-06-01T12:00:00+00:00".into();
    assert_eq!(after["data"], expected);
    // No temporary file is left beside it, and the next purge removes it.
    assert!(!entries(&set.files())
        .iter()
        .any(|n| n.contains("_out_") && n.contains(key)));
    set.cmd().args(["clear-expired", "-q"]).assert().success();
    assert!(!entries(&set.files()).contains(item["file_name"].as_str().unwrap()));
}

#[test]
fn without_a_key_the_summary_says_payloads_were_not_verified() {
    let set = Set::copy(Path::new(SAMPLE));
    let out = sessctl()
        .arg("--session-dir")
        .arg(set.files())
        .args(["--now", &set.reference(), "clear-expired", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("without verifying"));
}

/// Fresh ground truth from `.ci/django-oracle.sh` (newest Django, random keys and seed):
/// run with `SESSCTL_ORACLE_DIR=<its --out directory>`; without it there is nothing to do.
#[test]
fn fresh_django_oracle_sets() {
    let Ok(dir) = std::env::var("SESSCTL_ORACLE_DIR") else {
        return;
    };
    let index: Value =
        serde_json::from_str(&fs::read_to_string(Path::new(&dir).join("oracle.json")).unwrap())
            .unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in index["sets"].as_array().unwrap() {
        let set_dir = PathBuf::from(entry["dir"].as_str().unwrap());
        if !set_dir.join("files").is_dir() {
            continue;
        }
        problems.extend(check_clear_expired(&Set::copy(&set_dir)));
        checked += 1;
    }
    assert!(checked > 0, "no set with files/ under {dir}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Sessions renewed in place by path (`os.utime`, as a cron job or a hand-written
/// `touch` renewal does) while `clear-expired` deletes the expired ones around them:
/// every renewal that succeeded leaves its file in place. The window between sessctl's
/// last check and the unlink is closed by renaming the file to a private name, checking
/// it there, and putting it back when it was renewed.
#[test]
fn files_renewed_in_place_during_clear_expired_survive_it() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let old = SystemTime::now() - Duration::from_secs(30 * 86_400);
    let n = 20_000;
    let names: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "sessionid{:032x}",
                (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            )
        })
        .map(|name| name[..9 + 32].to_owned())
        .collect();
    for name in &names {
        let path = dir.join(name);
        fs::write(
            &path,
            "e30:1uLgQ4:AKwcdlZwxty_IzzWYO6MhpDLcT14LxsZnUPKzAGapUA",
        )
        .unwrap();
        fs::File::open(&path).unwrap().set_modified(old).unwrap();
    }
    let done = Arc::new(AtomicBool::new(false));
    let renewer = {
        let (dir, names, done) = (dir.clone(), names.clone(), done.clone());
        std::thread::spawn(move || {
            let mut renewed = BTreeSet::new();
            let mut state: u64 = 0x2545_f491_4f6c_dd1d;
            while !done.load(Ordering::SeqCst) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let name = &names[(state % names.len() as u64) as usize];
                let now = rustix::fs::Timespec {
                    tv_sec: 0,
                    tv_nsec: rustix::fs::UTIME_NOW,
                };
                let times = rustix::fs::Timestamps {
                    last_access: now,
                    last_modification: now,
                };
                // By path, as os.utime does: it reaches the file only under its name.
                if rustix::fs::utimensat(
                    rustix::fs::CWD,
                    dir.join(name),
                    &times,
                    rustix::fs::AtFlags::empty(),
                )
                .is_ok()
                {
                    renewed.insert(name.clone());
                }
            }
            renewed
        })
    };
    let out = sessctl()
        .arg("--session-dir")
        .arg(&dir)
        .args(["clear-expired", "--batch-size", "500"])
        .output()
        .unwrap();
    done.store(true, Ordering::SeqCst);
    let renewed = renewer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left = entries(&dir);
    let lost: Vec<&String> = renewed.iter().filter(|n| !left.contains(*n)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} renewed sessions were deleted: {:?}",
        lost.len(),
        renewed.len(),
        &lost[..lost.len().min(5)]
    );
    assert!(
        left.iter().all(|n| n.starts_with("sessionid")),
        "a private name was left behind: {left:?}"
    );
}
