//! The command-line contract on SQLite, end to end through the binary, on copies of
//! databases made by real Django.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn clear_expired_deletes_exactly_what_django_clearsessions_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    for set in all_sets() {
        for batch in ["1", "3", "20000"] {
            let db = set.copy_db(tmp.path());
            let report = json_lines(sessctl_on(&db, &set).args([
                "clear-expired",
                "--batch-size",
                batch,
                "--format",
                "json",
            ]));
            let deleted = set.oracle_db("deleted").len() as u64;
            assert_eq!(report[0]["deleted"], deleted, "{} batch {batch}", set.name);
            assert_eq!(report[0]["matched"], deleted, "{}", set.name);
            assert_eq!(report[0]["complete"], true);
            assert_eq!(
                keys_in(&db, &set),
                set.oracle_db("remaining"),
                "{} batch {batch}",
                set.name
            );
        }
    }
}

#[test]
fn dry_run_counts_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let before = std::fs::read(&db).unwrap();
    let report =
        json_lines(sessctl_on(&db, &set).args(["clear-expired", "--dry-run", "--format", "json"]));
    assert_eq!(report[0]["matched"], 7);
    assert_eq!(report[0]["deleted"], 0);
    assert_eq!(report[0]["dry_run"], true);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn summary_line_when_not_on_a_terminal_and_silence_with_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    sessctl_on(&db, &set)
        .args(["clear-expired", "--batch-size", "2"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "clear-expired: deleted 7 of 7 expired sessions in 4 batches",
        ))
        .stderr("");
    let db = set.copy_db(tmp.path());
    sessctl_on(&db, &set)
        .args(["clear-expired", "-q"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn inspect_agrees_with_django_on_every_row_of_every_set() {
    let tmp = tempfile::tempdir().unwrap();
    for set in all_sets() {
        let db = set.copy_db(tmp.path());
        for item in set.items("db") {
            let key = item["key"].as_str().unwrap();
            let out =
                json_lines(sessctl_with_keys(&db, &set).args(["inspect", key, "--format", "json"]));
            let got = &out[0];
            let what = format!("{} {}", set.name, item["id"]);
            assert_eq!(got["session_key"], key, "{what}");
            assert_eq!(got["expired"], item["expired"], "{what}");
            let expected_expiry =
                chrono::DateTime::parse_from_rfc3339(item["expire_date"].as_str().unwrap())
                    .unwrap();
            let got_expiry =
                chrono::DateTime::parse_from_rfc3339(got["expire_date"].as_str().unwrap()).unwrap();
            assert_eq!(got_expiry, expected_expiry, "{what}");
            if item["codec"]["format"] == "undecodable" {
                // Django reads these as {}; sessctl says they are undecodable, and why.
                assert_eq!(got["data"], Value::Null, "{what}");
                assert!(
                    got["error"].as_str().is_some_and(|e| !e.is_empty()),
                    "{what}"
                );
            } else {
                assert_eq!(got["data"], item["expected"], "{what}");
                let want = if item["codec"]["secret_index"].as_u64().unwrap_or(0) == 0 {
                    "valid"
                } else {
                    "valid_fallback"
                };
                assert_eq!(got["signature"], want, "{what}");
            }
        }
    }
}

#[test]
fn without_a_key_data_is_read_but_unverified() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let item = set
        .items("db")
        .into_iter()
        .find(|i| i["id"] == "logged_in")
        .unwrap();
    let out = json_lines(sessctl_on(&db, &set).args([
        "inspect",
        item["key"].as_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(out[0]["signature"], "unverified");
    assert_eq!(out[0]["data"], item["expected"]);
    assert_eq!(out[0]["user_id"], "42");
}

#[test]
fn inspect_missing_key_exits_4_and_undecodable_row_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    sessctl_on(&db, &set)
        .args(["inspect", "nosuchsessionkey0000000000000000"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "no session with key nosuchsessionkey",
        ));
    let garbage = set
        .items("db")
        .into_iter()
        .find(|i| i["id"] == "garbage")
        .unwrap();
    sessctl_with_keys(&db, &set)
        .args(["inspect", garbage["key"].as_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("undecodable"));
}

#[test]
fn list_filters_and_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let all = json_lines(sessctl_on(&db, &set).args(["list", "--format", "json"]));
    assert_eq!(all.len(), 26);
    let expired = json_lines(sessctl_on(&db, &set).args(["list", "--expired", "--format", "json"]));
    let mut expired_keys: Vec<String> = expired
        .iter()
        .map(|r| r["session_key"].as_str().unwrap().to_owned())
        .collect();
    expired_keys.sort();
    assert_eq!(expired_keys, set.oracle_db("deleted"));
    assert!(expired.iter().all(|r| r["expired"] == true));
    let active = json_lines(sessctl_on(&db, &set).args(["list", "--active", "--format", "json"]));
    assert_eq!(active.len(), 19);
    let user =
        json_lines(sessctl_with_keys(&db, &set).args(["list", "--user", "42", "--format", "json"]));
    assert_eq!(user.len(), 1);
    assert_eq!(user[0]["user_id"], "42");
    let limited =
        json_lines(sessctl_on(&db, &set).args(["list", "--limit", "3", "--format", "json"]));
    assert_eq!(limited.len(), 3);
    sessctl_on(&db, &set)
        .args(["list", "--expired", "--active"])
        .assert()
        .code(2);
}

#[test]
fn expire_makes_django_stop_loading_and_the_next_purge_remove_it() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let item = set
        .items("db")
        .into_iter()
        .find(|i| i["id"] == "simple")
        .unwrap();
    let key = item["key"].as_str().unwrap();
    let out = json_lines(sessctl_on(&db, &set).args(["expire", key, "--format", "json"]));
    assert_eq!(out[0]["updated"], 1);
    // Stored exactly as Django writes `now`, so Django's `expire_date > now` fails at once.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: String = conn
        .query_row(
            "SELECT expire_date FROM django_session WHERE session_key = ?",
            [key],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "2025-06-01 12:00:00");
    // clear-expired at the same instant keeps it (strict <); a second later removes it.
    sessctl_on(&db, &set)
        .args(["clear-expired", "-q"])
        .assert()
        .success();
    assert!(keys_in(&db, &set).contains(&key.to_owned()));
    sessctl()
        .env("DATABASE_URL", format!("sqlite:///{}", db.display()))
        .args(["clear-expired", "-q", "--now", "2025-06-01T12:00:01Z"])
        .assert()
        .success();
    assert!(!keys_in(&db, &set).contains(&key.to_owned()));
}

#[test]
fn expire_leaves_already_expired_sessions_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let item = set
        .items("db")
        .into_iter()
        .find(|i| i["id"] == "expired_by_age")
        .unwrap();
    let out = json_lines(sessctl_on(&db, &set).args([
        "expire",
        item["key"].as_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(out[0]["updated"], 0);
}

#[test]
fn expire_by_user() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let out = json_lines(
        sessctl_with_keys(&db, &set).args(["expire", "--user", "42", "--format", "json"]),
    );
    assert_eq!(out[0]["updated"], 1);
    let user =
        json_lines(sessctl_with_keys(&db, &set).args(["list", "--user", "42", "--format", "json"]));
    assert_eq!(user[0]["expire_date"], "2025-06-01T12:00:00Z");
}

#[test]
fn flush_by_key_reports_missing_keys_with_exit_4() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let key = set.items("db")[0]["key"].as_str().unwrap().to_owned();
    let output = sessctl_on(&db, &set)
        .args(["flush", &key, "missingkey000000", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["deleted"], 1);
    assert_eq!(report["not_found"], serde_json::json!(["missingkey000000"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missingkey000000"));
    assert_eq!(keys_in(&db, &set).len(), 25);
}

#[test]
fn flush_all_needs_yes_off_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    sessctl_on(&db, &set)
        .args(["flush", "--all"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(keys_in(&db, &set).len(), 26);
    sessctl_on(&db, &set)
        .args(["flush", "--all", "--yes", "--batch-size", "5", "-q"])
        .assert()
        .success();
    assert!(keys_in(&db, &set).is_empty());
}

#[test]
fn flush_user_logs_one_account_out_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let out = json_lines(
        sessctl_with_keys(&db, &set).args(["flush", "--user", "42", "--format", "json"]),
    );
    assert_eq!(out[0]["deleted"], 1);
    let logged_in = set
        .items("db")
        .into_iter()
        .find(|i| i["id"] == "logged_in")
        .unwrap();
    assert!(!keys_in(&db, &set).contains(&logged_in["key"].as_str().unwrap().to_owned()));
    assert_eq!(keys_in(&db, &set).len(), 25);
}

#[test]
fn purge_invalid_removes_what_a_key_rotation_leaves_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let out =
        json_lines(sessctl_with_keys(&db, &set).args(["purge", "--invalid", "--format", "json"]));
    let invalid: Vec<&str> = set
        .items("db")
        .into_iter()
        .filter(|i| i["codec"]["format"] == "undecodable")
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(out[0]["deleted"], invalid.len() as u64);
    let left = keys_in(&db, &set);
    assert!(invalid.iter().all(|k| !left.contains(&k.to_string())));
    assert_eq!(left.len(), 26 - invalid.len());
}

#[test]
fn purge_invalid_without_a_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    sessctl_on(&db, &set)
        .args(["purge", "--invalid"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("DJANGO_SECRET_KEY"));
}

#[test]
fn purge_filters_combine() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    // No filter: the expired ones, like clear-expired.
    let db = set.copy_db(tmp.path());
    sessctl_on(&db, &set)
        .args(["purge", "-q"])
        .assert()
        .success();
    assert_eq!(keys_in(&db, &set), set.oracle_db("remaining"));
    // --user alone: that user's sessions whatever their expiry.
    let db = set.copy_db(tmp.path());
    let out =
        json_lines(sessctl_with_keys(&db, &set).args(["purge", "--user", "7", "--format", "json"]));
    assert_eq!(out[0]["deleted"], 1);
    // --expired --user 42: user 42's only session is active, so nothing.
    let out = json_lines(sessctl_with_keys(&db, &set).args([
        "purge",
        "--expired",
        "--user",
        "42",
        "--format",
        "json",
    ]));
    assert_eq!(out[0]["deleted"], 0);
    // --expired-before a day earlier than now: only sessions older than that.
    let db = set.copy_db(tmp.path());
    let out = json_lines(sessctl_on(&db, &set).args([
        "purge",
        "--expired-before",
        "2025-05-31T12:00:00Z",
        "--format",
        "json",
    ]));
    let older = set
        .items("db")
        .into_iter()
        .filter(|i| i["expire_date"].as_str().unwrap() < "2025-05-31T12:00:00+00:00")
        .count();
    assert_eq!(out[0]["deleted"], older as u64);
    assert!(older > 0 && older < 7);
}

#[test]
fn stats_thresholds_turn_it_into_a_ci_check() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let out = json_lines(sessctl_on(&db, &set).args(["stats", "--format", "json"]));
    assert_eq!(out[0]["total"], 26);
    assert_eq!(out[0]["expired"], 7);
    assert_eq!(out[0]["active"], 19);
    assert!(out[0]["table_bytes"].as_u64().unwrap() > 0);
    sessctl_on(&db, &set)
        .args(["stats", "--max-total", "26", "--max-expired", "7"])
        .assert()
        .success();
    sessctl_on(&db, &set)
        .args(["stats", "--max-expired", "6"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "7 expired sessions exceed --max-expired 6",
        ));
}

#[test]
fn decode_reads_an_argument_or_stdin() {
    let set = sample();
    let item = set
        .items("db")
        .into_iter()
        .find(|i| i["id"] == "unicode")
        .unwrap();
    let raw = item["raw"].as_str().unwrap();
    let out = json_lines(sessctl().args(["decode", raw, "--format", "json"]));
    assert_eq!(out[0]["data"], item["expected"]);
    assert_eq!(out[0]["session_key"], Value::Null);
    let out = json_lines(
        sessctl()
            .args(["decode", "--format", "json"])
            .write_stdin(format!("{raw}\n")),
    );
    assert_eq!(out[0]["data"], item["expected"]);
    sessctl()
        .args(["decode", "-"])
        .write_stdin("definitely not a session")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot decode"));
}

#[test]
fn decode_cookie_applies_the_max_age_rule() {
    let set = sample();
    for item in set.items("signed_cookies") {
        if item["expired"].is_null() {
            continue;
        }
        let out = json_lines(
            sessctl()
                .env("DJANGO_SECRET_KEY", set.secret_key())
                .args([
                    "decode",
                    "--cookie",
                    "--now",
                    &set.reference_time(),
                    "--format",
                    "json",
                ])
                .arg(item["raw"].as_str().unwrap()),
        );
        assert_eq!(out[0]["expired"], item["expired"], "{}", item["id"]);
        assert_eq!(out[0]["data"], item["expected"], "{}", item["id"]);
        assert_eq!(out[0]["signature"], "valid");
    }
}

#[test]
fn terminal_output_escapes_hostile_text() {
    use base64::Engine as _;
    // A session whose data holds an escape sequence and a bidi override (unsigned: no key).
    let payload =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"x":"\u001b[2J\u202eadmin"}"#);
    let value = format!("{payload}:1uLgQ4:signature");
    let raw = value.as_str();
    let output = sessctl().args(["decode", raw]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'),
        "{stdout}"
    );
    assert!(
        stdout.contains("\\u001b[2J") || stdout.contains("\\u{001B}[2J"),
        "{stdout}"
    );
    assert!(stdout.contains("\\u{202E}admin"), "{stdout}");
    // JSON output keeps the data exact.
    let out = json_lines(sessctl().args(["decode", raw, "--format", "json"]));
    assert_eq!(out[0]["data"]["x"], "\u{1b}[2J\u{202e}admin");
}

/// Python's json reads NaN and Infinity; rendering them once panicked in JSON output.
#[test]
fn json_output_of_a_session_holding_nan_is_valid_json() {
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"x":NaN,"y":[Infinity,-Infinity],"z":1.5}"#);
    let raw = format!("{payload}:1uLgQ4:signature");
    let out = json_lines(sessctl().args(["decode", &raw, "--format", "json"]));
    assert_eq!(
        out[0]["data"],
        serde_json::json!({"x": "NaN", "y": ["Infinity", "-Infinity"], "z": 1.5})
    );
    sessctl()
        .args(["decode", &raw])
        .assert()
        .success()
        .stdout(predicate::str::contains("NaN"));
}

/// The fixture database grown with `n` more expired sessions shaped like Django's: 32
/// lowercase key characters, the fixture's own session values, its expiry format.
fn grown_with_expired(db: &std::path::Path, set: &FixtureSet, n: usize, wal: bool) {
    let conn = rusqlite::Connection::open(db).unwrap();
    if wal {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = wal", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
    let expired = set.oracle_db("deleted");
    let (past, values): (String, Vec<String>) = {
        let past = conn
            .query_row(
                "SELECT expire_date FROM django_session WHERE session_key = ?",
                [&expired[0]],
                |r| r.get(0),
            )
            .unwrap();
        let mut stmt = conn
            .prepare("SELECT session_data FROM django_session")
            .unwrap();
        let values = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|v| v.unwrap())
            .collect();
        (past, values)
    };
    conn.execute_batch("BEGIN").unwrap();
    for i in 0..n {
        let key = format!(
            "{:024x}{i:08}",
            (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        )
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .collect::<String>();
        conn.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)",
            (&key[..32], &values[i % values.len()], &past),
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
}

/// Bytes of the database on disk: the file and its write-ahead log.
fn disk_bytes(db: &std::path::Path) -> u64 {
    let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
    std::fs::metadata(db).unwrap().len() + std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[test]
fn vacuum_gives_the_space_back_and_reports_the_sizes() {
    for wal in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let set = sample();
        let db = set.copy_db(tmp.path());
        grown_with_expired(&db, &set, 20_000, wal);
        let before = disk_bytes(&db);
        let out = json_lines(sessctl_on(&db, &set).args([
            "clear-expired",
            "--vacuum",
            "--format",
            "json",
        ]));
        let after = disk_bytes(&db);
        let vacuum = &out[0]["vacuum"];
        eprintln!("SQLite (wal: {wal}): {before} bytes before, {after} after: {vacuum}");
        assert_eq!(out[0]["deleted"], 20_007, "{}", out[0]);
        assert_eq!(vacuum["statement"], "VACUUM", "{vacuum}");
        // Measured just before VACUUM, after the deletes: in WAL mode they sit in the log.
        let measured_before = vacuum["bytes_before"].as_u64().unwrap();
        if wal {
            assert!(measured_before >= before, "{vacuum}");
        } else {
            assert_eq!(measured_before, before, "{vacuum}");
        }
        assert_eq!(vacuum["bytes_after"], after, "{vacuum}");
        assert_eq!(vacuum["bytes_estimate"], false);
        assert!(
            after * 4 < before,
            "VACUUM gave back too little: {before} -> {after}"
        );
        assert!(vacuum["seconds"].as_f64().unwrap() >= 0.0);
        assert!(vacuum["effect"].as_str().unwrap().contains("file system"));
        assert_eq!(keys_in(&db, &set).len(), 19, "the active sessions stay");
    }
    // The summary says the same for people.
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    grown_with_expired(&db, &set, 5_000, false);
    let out = sessctl_on(&db, &set)
        .args(["clear-expired", "--vacuum"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\nvacuum: VACUUM in "), "{text}");
    assert!(text.contains("bytes before, "), "{text}");
    assert!(text.contains(" given back)"), "{text}");
    assert!(text.contains("write lock"), "{text}");
}
