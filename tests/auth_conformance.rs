//! Sessions and users: for every session of the auth sets made by real Django
//! (tests/fixtures/auth: Django 3.2, 4.2, 5.2, 6.1; `auth.User`, a UUID-pk model with its
//! own table, an e-mail-login model with a char pk, a model without
//! `get_session_auth_hash`), sessctl's auth state must agree with the verdict Django's
//! own `get_user()` gave at the reference time, recorded by the generator: the same user
//! logged in (or none), and a flush exactly where Django flushed. Then the filters built
//! on it (`purge --stale`, `purge --user-deleted`, `flush --username/--email`) must
//! delete exactly those sessions. The same checks run on the fresh sets of the live
//! oracle (SESSCTL_ORACLE_DIR: a random key, SQLite, PostgreSQL and MariaDB) when given.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::*;
use serde_json::Value;

struct AuthSet {
    name: String,
    dir: PathBuf,
    manifest: Value,
}

impl AuthSet {
    fn load(dir: &Path) -> AuthSet {
        let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        AuthSet {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_owned(),
            manifest: serde_json::from_str(&text).unwrap(),
        }
    }

    fn version(&self) -> &str {
        self.manifest["django_version"].as_str().unwrap()
    }

    fn variants(&self) -> Vec<(&String, &Value)> {
        self.manifest["variants"]
            .as_object()
            .unwrap()
            .iter()
            .collect()
    }

    fn key_file(&self, into: &Path) -> PathBuf {
        let mut lines = vec![self.manifest["secret_key"].as_str().unwrap().to_owned()];
        for k in self.manifest["secret_key_fallbacks"].as_array().unwrap() {
            lines.push(k.as_str().unwrap().to_owned());
        }
        let path = into.join(format!("{}.keys", self.name));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }
}

/// The committed sets, one per Django version.
fn committed() -> Vec<AuthSet> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/auth"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 4, "auth fixture sets missing");
    dirs.iter().map(|d| AuthSet::load(d)).collect()
}

/// A variant's database: a copy of its SQLite file (tests may delete), or its server URL.
fn database(set: &AuthSet, variant: &Value, tmp: &Path, tag: &str) -> String {
    let db = &variant["database"];
    if let Some(url) = db["database_url"].as_str() {
        return url.to_owned();
    }
    let file = db["location"].as_str().unwrap();
    let copy = tmp.join(format!("{}-{tag}-{file}", set.name));
    std::fs::copy(set.dir.join(file), &copy).unwrap();
    format!("sqlite:///{}", copy.display())
}

/// sessctl with the set's settings for one variant: user table and columns, backends,
/// Django version, keys, the reference time.
fn sessctl_for(set: &AuthSet, variant: &Value, url: &str, keys: Option<&Path>) -> Command {
    let settings = &set.manifest["settings"];
    let backends: Vec<&str> = settings["AUTHENTICATION_BACKENDS"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut cmd = sessctl();
    cmd.args(["--database-url", url])
        .args([
            "--user-table",
            variant["database"]["user_table"].as_str().unwrap(),
        ])
        .args(["--user-pk", variant["pk"]["column"].as_str().unwrap()])
        .args([
            "--user-username",
            variant["username_field"].as_str().unwrap(),
        ])
        .args(["--user-email", variant["email_field"].as_str().unwrap()])
        .args(["--auth-backends", &backends.join(",")])
        .args(["--django-version", set.version()])
        .args(["--now", set.manifest["reference_time"].as_str().unwrap()]);
    if !variant["has_get_session_auth_hash"].as_bool().unwrap() {
        cmd.arg("--no-session-auth-hash");
    }
    if let Some(keys) = keys {
        cmd.arg("--secret-key-file").arg(keys);
    }
    cmd
}

/// The state sessctl must give a fixture state (SPEC: `get_user()`, version by version).
fn expected_state(state: &str, version: &str) -> &'static str {
    let v3 = version.starts_with("3.");
    match state {
        "valid" | "valid_after_password_change" | "unusable_password" | "inactive_allowall" => {
            "valid"
        }
        "fallback_key" | "fallback_hash_resigned" => "valid_fallback",
        "legacy_sha1_hash" if v3 => "valid",
        "legacy_sha1_hash"
        | "stale_password"
        | "unusable_password_set_after_login"
        | "retired_key_hash" => "stale",
        "missing_hash" => "missing_hash",
        "deleted_user" => "user_deleted",
        "inactive_modelbackend" => "inactive",
        "backend_not_configured" => "backend_not_configured",
        "expired" => "expired",
        "undecodable" => "undecodable",
        "anonymous_cart" | "anonymous_after_logout" => "anonymous",
        "no_hash_check" => "no_hash_check",
        other => panic!("fixture state {other} unknown to this test"),
    }
}

fn list(set: &AuthSet, variant: &Value, url: &str, keys: Option<&Path>) -> Vec<Value> {
    json_lines(sessctl_for(set, variant, url, keys).args(["list", "--format", "json"]))
}

/// Every session's state agrees with the fixture's state and with Django's verdict.
fn check_verdicts(set: &AuthSet, tmp: &Path) {
    let keys = set.key_file(tmp);
    for (name, variant) in set.variants() {
        let url = database(set, variant, tmp, "verdicts");
        let rows: BTreeMap<String, Value> = list(set, variant, &url, Some(&keys))
            .into_iter()
            .map(|r| (r["session_key"].as_str().unwrap().to_owned(), r))
            .collect();
        let items = variant["items"].as_array().unwrap();
        assert_eq!(rows.len(), items.len(), "{} {name}", set.name);
        for item in items {
            let key = item["key"].as_str().unwrap();
            let row = &rows[key];
            let what = format!("{} {name} {} ({key})", set.name, item["state"]);
            let state = row["auth"].as_str().unwrap();
            assert_eq!(
                state,
                expected_state(item["state"].as_str().unwrap(), set.version()),
                "{what}"
            );
            // Django's own verdict: who request.user was, and what it did to the row.
            let django = &item["django"];
            let logged_in = ["valid", "valid_fallback", "no_hash_check"].contains(&state);
            let owner = item["user"]["pk"].as_str();
            if logged_in {
                assert_eq!(django["user"].as_str(), owner, "{what}");
            } else {
                assert!(django["user"].is_null(), "{what}: Django logged it in");
            }
            let action = django["action"].as_str().unwrap();
            let flushes = ["stale", "missing_hash"].contains(&state);
            assert_eq!(
                action == "flush",
                flushes,
                "{what}: Django's action {action}"
            );
            assert_eq!(
                action == "cycle_key",
                state == "valid_fallback",
                "{what}: Django's action {action}"
            );
            // The owner's username, whenever the user row exists.
            let user = &item["user"];
            let names_user = item["session"].get("_auth_user_id").is_some();
            if user["exists"].as_bool() == Some(true) && names_user {
                assert_eq!(
                    row["username"].as_str(),
                    user["username"].as_str(),
                    "{what}"
                );
            }
        }
        // No password hash string ever reaches the output.
        let text = String::from_utf8(
            sessctl_for(set, variant, &url, Some(&keys))
                .args(["list"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        for user in variant["users"].as_array().unwrap() {
            if let Some(password) = user["password"].as_str() {
                assert!(
                    !text.contains(password),
                    "{} {name}: password shown",
                    set.name
                );
            }
        }
        eprintln!(
            "{} {name}: {} sessions, every verdict Django's",
            set.name,
            items.len()
        );
    }
}

/// Without the secret key the owner is known, the hash is not checked.
fn check_unverified(set: &AuthSet, tmp: &Path) {
    let (name, variant) = set.variants()[0];
    let url = database(set, variant, tmp, "unverified");
    for row in list(set, variant, &url, None) {
        let state = row["auth"].as_str().unwrap();
        assert!(
            !["valid", "valid_fallback", "stale"].contains(&state),
            "{} {name}: {state} without a key",
            set.name
        );
    }
}

/// `purge --stale` deletes exactly the sessions Django flushed, `--user-deleted` exactly
/// those of deleted users; everything else stays.
fn check_purges(set: &AuthSet, tmp: &Path) {
    let keys = set.key_file(tmp);
    for (name, variant) in set.variants() {
        if variant["database"]["database_url"].is_string() {
            // A server set is shared by the other checks: purge only on SQLite copies.
            continue;
        }
        let items = variant["items"].as_array().unwrap();
        let remaining = |url: &str| -> Vec<String> {
            let mut k: Vec<String> = list(set, variant, url, Some(&keys))
                .iter()
                .map(|r| r["session_key"].as_str().unwrap().to_owned())
                .collect();
            k.sort();
            k
        };
        let keys_where = |pred: &dyn Fn(&Value) -> bool| -> Vec<String> {
            let mut k: Vec<String> = items
                .iter()
                .filter(|i| pred(i))
                .map(|i| i["key"].as_str().unwrap().to_owned())
                .collect();
            k.sort();
            k
        };
        let url = database(set, variant, tmp, "stale");
        sessctl_for(set, variant, &url, Some(&keys))
            .args(["purge", "--stale", "--yes", "-q"])
            .assert()
            .success();
        assert_eq!(
            remaining(&url),
            keys_where(&|i| i["django"]["action"] != "flush"),
            "{} {name}: purge --stale",
            set.name
        );
        let url = database(set, variant, tmp, "deleted");
        sessctl_for(set, variant, &url, Some(&keys))
            .args(["purge", "--user-deleted", "--yes", "-q"])
            .assert()
            .success();
        assert_eq!(
            remaining(&url),
            keys_where(&|i| i["state"] != "deleted_user"),
            "{} {name}: purge --user-deleted",
            set.name
        );
        // flush --email: every session of the owner of the first valid session.
        let Some(valid) = items.iter().find(|i| i["state"] == "valid") else {
            continue;
        };
        let owner = valid["user"]["pk"].as_str().unwrap().to_owned();
        let email = valid["user"]["email"].as_str().unwrap().to_owned();
        let url = database(set, variant, tmp, "email");
        sessctl_for(set, variant, &url, Some(&keys))
            .args(["flush", "--email", &email, "--yes", "-q"])
            .assert()
            .success();
        let owns = |i: &Value| i["session"]["_auth_user_id"].as_str() == Some(owner.as_str());
        assert_eq!(
            remaining(&url),
            keys_where(&|i| !owns(i)),
            "{} {name}: flush --email",
            set.name
        );
    }
}

#[test]
fn auth_states_are_djangos_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    for set in committed() {
        check_verdicts(&set, tmp.path());
        check_unverified(&set, tmp.path());
    }
}

#[test]
fn purge_stale_and_user_deleted_delete_exactly_those_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    for set in committed() {
        check_purges(&set, tmp.path());
    }
}

/// `--username` names one user; an unknown name is exit 4 and changes nothing.
#[test]
fn username_filters_find_the_user_and_refuse_unknown_names() {
    let tmp = tempfile::tempdir().unwrap();
    let set = committed().pop().unwrap();
    let (_, variant) = set.variants()[0];
    let keys = set.key_file(tmp.path());
    let url = database(&set, variant, tmp.path(), "username");
    let items = variant["items"].as_array().unwrap();
    let valid = items.iter().find(|i| i["state"] == "valid").unwrap();
    let username = valid["user"]["username"].as_str().unwrap();
    let pk = valid["user"]["pk"].as_str().unwrap();
    let rows = json_lines(sessctl_for(&set, variant, &url, Some(&keys)).args([
        "list",
        "--format",
        "json",
        "--username",
        username,
    ]));
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["user_id"] == pk), "{rows:?}");
    let out = sessctl_for(&set, variant, &url, Some(&keys))
        .args(["flush", "--username", "no-such-user-here", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with username"));
    assert_eq!(
        list(&set, variant, &url, Some(&keys)).len(),
        items.len(),
        "nothing deleted"
    );
}

/// `inspect` names the owner and says what Django makes of the session.
#[test]
fn inspect_shows_the_owner_and_the_auth_state() {
    let tmp = tempfile::tempdir().unwrap();
    let set = committed().pop().unwrap();
    let (_, variant) = set.variants()[0];
    let keys = set.key_file(tmp.path());
    let url = database(&set, variant, tmp.path(), "inspect");
    let items = variant["items"].as_array().unwrap();
    let stale = items
        .iter()
        .find(|i| i["state"] == "stale_password")
        .unwrap();
    let report = json_lines(sessctl_for(&set, variant, &url, Some(&keys)).args([
        "inspect",
        stale["key"].as_str().unwrap(),
        "--format",
        "json",
    ]))
    .pop()
    .unwrap();
    assert_eq!(report["auth"], "stale");
    assert_eq!(report["owner"]["username"], stale["user"]["username"]);
    assert_eq!(report["owner"]["email"], stale["user"]["email"]);
    assert_eq!(report["owner"]["id"], stale["user"]["pk"]);
    let text = sessctl_for(&set, variant, &url, Some(&keys))
        .args(["inspect", stale["key"].as_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("stale"), "{text}");
    assert!(
        text.contains(stale["user"]["username"].as_str().unwrap()),
        "{text}"
    );
    assert!(!text.contains(stale["user"]["password"].as_str().unwrap()));
}

/// `stats --users` counts what Django decided.
#[test]
fn stats_users_counts_djangos_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    for set in committed() {
        let keys = set.key_file(tmp.path());
        for (name, variant) in set.variants() {
            let url = database(&set, variant, tmp.path(), "stats");
            let report = json_lines(
                sessctl_for(&set, variant, &url, Some(&keys))
                    .args(["stats", "--users", "--format", "json"]),
            )
            .pop()
            .unwrap();
            let users = &report["users"];
            let items = variant["items"].as_array().unwrap();
            let count =
                |pred: &dyn Fn(&Value) -> bool| items.iter().filter(|i| pred(i)).count() as u64;
            let what = format!("{} {name}", set.name);
            assert_eq!(
                users["logged_in"].as_u64().unwrap(),
                count(&|i| !i["django"]["user"].is_null()),
                "{what}"
            );
            assert_eq!(
                users["stale"].as_u64().unwrap(),
                count(&|i| i["django"]["action"] == "flush"),
                "{what}"
            );
            assert_eq!(
                users["user_deleted"].as_u64().unwrap(),
                count(&|i| i["state"] == "deleted_user"),
                "{what}"
            );
            // The user with the most sessions is named first, with their count.
            let mut per_user: BTreeMap<String, u64> = BTreeMap::new();
            for item in items {
                if let Some(id) = item["session"]["_auth_user_id"].as_str() {
                    *per_user.entry(id.to_owned()).or_default() += 1;
                }
            }
            let most = per_user.values().max().copied().unwrap_or(0);
            assert_eq!(
                users["top_users"][0]["sessions"].as_u64().unwrap_or(0),
                most,
                "{what}: {users}"
            );
        }
    }
}

/// The fresh sets of the live oracle: a random key, and PostgreSQL and MariaDB beside
/// SQLite, made by the newest Django.
#[test]
fn fresh_django_auth_sets_agree() {
    let Some(dir) = std::env::var_os("SESSCTL_ORACLE_DIR") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but SESSCTL_ORACLE_DIR is unset: .ci/run must generate the live Django oracle"
        );
        say_skipped(
            "SKIPPED: live Django auth oracle (set SESSCTL_ORACLE_DIR; .ci/run does)".to_owned(),
        );
        return;
    };
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("auth-")
                && p.join("manifest.json").is_file()
        })
        .collect();
    sets.sort();
    assert!(!sets.is_empty(), "no auth sets in the oracle directory");
    let tmp = tempfile::tempdir().unwrap();
    for set in sets {
        let set = AuthSet::load(&set);
        check_verdicts(&set, tmp.path());
        check_purges(&set, tmp.path());
    }
}
