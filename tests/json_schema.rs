//! The JSON output schema (README "JSON output"), checked by strict deserialization:
//! an unknown, missing or mistyped field fails here before it reaches a user's script.
#![allow(dead_code)] // the fields exist to be checked by serde, not read

mod common;

use common::*;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListRow {
    session_key: String,
    expire_date: Option<String>,
    expired: bool,
    size: u64,
    user_id: Option<String>,
    /// The owner's USERNAME_FIELD and the auth state, when the user table was read.
    username: Option<String>,
    auth: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionReport {
    session_key: Option<String>,
    expire_date: Option<String>,
    expired: Option<bool>,
    format: String,
    signature: String,
    algorithm: Option<String>,
    signed_at: Option<String>,
    fallback_index: Option<u64>,
    user_id: Option<String>,
    user_backend: Option<String>,
    session_expiry: Option<serde_json::Value>,
    size: u64,
    data: Option<serde_json::Map<String, serde_json::Value>>,
    error: Option<String>,
    note: Option<String>,
    cache: Option<CacheView>,
    /// inspect with the user table: the auth state and the owner (null otherwise).
    auth: Option<String>,
    owner: Option<Owner>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Owner {
    id: String,
    username: Option<String>,
    email: Option<String>,
    is_active: Option<bool>,
    last_login: Option<String>,
}

/// `inspect` on cached_db: the row's cache entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheView {
    key: String,
    present: bool,
    ttl_seconds: Option<i64>,
    same_as_row: Option<bool>,
    format: Option<String>,
    size: Option<u64>,
}

/// `stats` on the cache engine.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheFigures {
    with_user: u64,
    anonymous: u64,
    undecodable: u64,
    no_expiry: u64,
    ttl_min_seconds: Option<i64>,
    ttl_max_seconds: Option<i64>,
    max_entries: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeReport {
    command: String,
    matched: u64,
    matched_complete: bool,
    #[serde(alias = "updated")]
    deleted: u64,
    batches: u64,
    dry_run: bool,
    complete: bool,
    stopped: Option<String>,
    not_found: Vec<String>,
    cache_deleted: Option<u64>,
    elapsed_seconds: f64,
    first_batch_seconds: Option<f64>,
    last_batch_seconds: Option<f64>,
    largest_batch: u64,
    retries: u64,
    waited_seconds: f64,
    halvings: u64,
    replication: Option<Replication>,
    vacuum: Option<Vacuum>,
}

/// What the run's replicas cost it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Replication {
    replicates_to: String,
    lag_waited_seconds: f64,
    flow_control_waited_seconds: f64,
    stopped_pauses: u64,
}

/// What `--vacuum` did.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vacuum {
    statement: Option<String>,
    seconds: f64,
    measured: Option<String>,
    bytes_before: Option<u64>,
    bytes_after: Option<u64>,
    bytes_estimate: bool,
    effect: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stats {
    total: u64,
    expired: u64,
    active: u64,
    oldest_expire_date: Option<String>,
    newest_expire_date: Option<String>,
    data_bytes: u64,
    table_bytes: Option<u64>,
    table_bytes_estimate: bool,
    files_bytes: Option<u64>,
    exceeded: Vec<Breach>,
    now: String,
    store: String,
    engine: String,
    cache: Option<CacheFigures>,
    estimate: Option<EstimateInfo>,
    expiry_histogram: Option<ExpiryHistogram>,
    size_histogram: Option<SizeHistogram>,
    duplicates: Option<Vec<Duplicate>>,
    top_users: Option<Vec<TopUser>>,
    users: Option<UserFigures>,
}

/// `stats --estimate`: where the figures come from.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EstimateInfo {
    source: String,
    statistics_gathered: Option<String>,
    expired_known: bool,
    data_bytes_known: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpiryHistogram {
    width: String,
    width_seconds: u64,
    no_expiry: u64,
    buckets: Vec<ExpiryBucket>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpiryBucket {
    start: String,
    sessions: u64,
    expired: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SizeHistogram {
    buckets: Vec<SizeBucket>,
    p50_bytes: u64,
    p90_bytes: u64,
    p99_bytes: u64,
    max_bytes: u64,
    largest: Vec<Largest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SizeBucket {
    up_to_bytes: u64,
    sessions: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Largest {
    session_key: String,
    bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Duplicate {
    sessions: u64,
    bytes: u64,
    example_key: String,
}

/// `stats --users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFigures {
    logged_in: u64,
    with_user: u64,
    anonymous: u64,
    stale: u64,
    user_deleted: u64,
    states: std::collections::BTreeMap<String, u64>,
    top_users: Vec<TopUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopUser {
    id: String,
    username: Option<String>,
    sessions: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Breach {
    id: String,
    limit: serde_json::Value,
    value: serde_json::Value,
}

fn strict<T: for<'de> Deserialize<'de>>(value: &serde_json::Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value}"))
}

fn rfc3339_utc(text: &str) {
    let parsed = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    assert_eq!(parsed.offset().local_minus_utc(), 0, "{text}");
    assert!(text.ends_with('Z'), "{text}");
}

#[test]
fn list_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let rows = json_lines(sessctl_with_keys(&db, &set).args(["list", "--format", "json"]));
    assert_eq!(rows.len(), 26);
    for row in &rows {
        let row: ListRow = strict(row);
        rfc3339_utc(row.expire_date.as_deref().unwrap());
    }
}

#[test]
fn inspect_and_decode() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    for item in set.items("db") {
        let out = json_lines(sessctl_with_keys(&db, &set).args([
            "inspect",
            item["key"].as_str().unwrap(),
            "--format",
            "json",
        ]));
        assert_eq!(out.len(), 1);
        let report: SessionReport = strict(&out[0]);
        assert!(["valid", "valid_fallback", "invalid", "unverified"]
            .contains(&report.signature.as_str()));
        assert_eq!(report.data.is_none(), report.error.is_some());
    }
    let raw = set.items("db")[1]["raw"].as_str().unwrap();
    let out = json_lines(sessctl().args(["decode", raw, "--format", "json"]));
    let report: SessionReport = strict(&out[0]);
    assert!(report.session_key.is_none() && report.expire_date.is_none());
}

#[test]
fn bulk_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let key = set.items("db")[0]["key"].as_str().unwrap().to_owned();
    for args in [
        vec!["clear-expired"],
        vec!["clear-expired", "--dry-run"],
        vec!["purge", "--expired"],
        vec!["expire", key.as_str()],
        vec!["flush", key.as_str()],
        vec!["flush", "--all", "--yes"],
    ] {
        let db = set.copy_db(tmp.path());
        let out = json_lines(
            sessctl_with_keys(&db, &set)
                .args(&args)
                .args(["--format", "json"]),
        );
        let report: ChangeReport = strict(&out[0]);
        assert_eq!(report.command, args[0]);
        assert!(report.complete);
        let verb = if args[0] == "expire" {
            "updated"
        } else {
            "deleted"
        };
        assert!(out[0].get(verb).is_some(), "{args:?}: {}", out[0]);
        assert!(
            report.vacuum.is_none(),
            "{args:?}: no --vacuum, no vacuum report"
        );
    }
}

#[test]
fn bulk_change_with_vacuum() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let out =
        json_lines(sessctl_on(&db, &set).args(["clear-expired", "--vacuum", "--format", "json"]));
    let report: ChangeReport = strict(&out[0]);
    let vacuum = report.vacuum.expect("--vacuum reports what it did");
    assert_eq!(vacuum.statement.as_deref(), Some("VACUUM"));
    assert!(vacuum.seconds >= 0.0);
    assert!(vacuum.measured.is_some());
    assert!(vacuum.bytes_before.unwrap() > 0 && vacuum.bytes_after.unwrap() > 0);
    assert!(!vacuum.bytes_estimate);
    assert!(!vacuum.effect.is_empty());
    // A dry run vacuums nothing.
    let db = set.copy_db(tmp.path());
    let out = json_lines(sessctl_on(&db, &set).args([
        "clear-expired",
        "--vacuum",
        "--dry-run",
        "--format",
        "json",
    ]));
    let report: ChangeReport = strict(&out[0]);
    assert!(report.vacuum.is_none());
}

#[test]
fn stats() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let out = json_lines(sessctl_on(&db, &set).args(["stats", "--format", "json"]));
    let stats: Stats = strict(&out[0]);
    assert_eq!(stats.total, stats.expired + stats.active);
    assert!(!stats.table_bytes_estimate, "SQLite measures its pages");
    rfc3339_utc(stats.oldest_expire_date.as_deref().unwrap());
}

/// `--histogram expiry|size` and `--duplicates`: every session counted once, expired
/// ones marked, percentiles in order, and data held by several sessions found.
#[test]
fn stats_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    // Three more sessions holding the data of one that exists.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (key, data): (String, String) = conn
        .query_row(
            "SELECT session_key, session_data FROM django_session ORDER BY length(session_data) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    for i in 0..3 {
        conn.execute(
            "INSERT INTO django_session SELECT ?1, session_data, expire_date FROM django_session WHERE session_key = ?2",
            rusqlite::params![format!("copy{i}{}", &key[5..]), key],
        )
        .unwrap();
    }
    drop(conn);
    let out = json_lines(sessctl_on(&db, &set).args([
        "stats",
        "--format",
        "json",
        "--histogram",
        "expiry",
        "--histogram",
        "size",
        "--duplicates",
    ]));
    let stats: Stats = strict(&out[0]);
    let expiry = stats.expiry_histogram.unwrap();
    let counted: u64 = expiry.buckets.iter().map(|b| b.sessions).sum();
    assert_eq!(counted + expiry.no_expiry, stats.total);
    assert_eq!(
        expiry.buckets.iter().map(|b| b.expired).sum::<u64>(),
        stats.expired
    );
    assert!(expiry.buckets.len() <= 48);
    for b in &expiry.buckets {
        rfc3339_utc(&b.start);
    }
    let size = stats.size_histogram.unwrap();
    assert_eq!(
        size.buckets.iter().map(|b| b.sessions).sum::<u64>(),
        stats.total
    );
    assert!(size.p50_bytes <= size.p90_bytes && size.p90_bytes <= size.p99_bytes);
    assert_eq!(size.max_bytes, data.len() as u64);
    assert_eq!(size.largest[0].bytes, data.len() as u64);
    let dups = stats.duplicates.unwrap();
    assert_eq!(dups[0].sessions, 4, "the copied data, four times");
    assert_eq!(dups[0].bytes, data.len() as u64);
}

/// `stats --estimate` on SQLite: the total from sqlite_stat1 after ANALYZE (the expired
/// count unknown, and said so), a clear refusal before.
#[test]
fn stats_estimate_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let before = sessctl_on(&db, &set)
        .args(["stats", "--estimate"])
        .output()
        .unwrap();
    assert_eq!(before.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&before.stderr).contains("run ANALYZE"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("ANALYZE").unwrap();
    drop(conn);
    let out = json_lines(sessctl_on(&db, &set).args(["stats", "--estimate", "--format", "json"]));
    let stats: Stats = strict(&out[0]);
    assert_eq!(stats.total, set.items("db").len() as u64);
    let estimate = stats.estimate.unwrap();
    let exact: Stats =
        strict(&json_lines(sessctl_on(&db, &set).args(["stats", "--format", "json"]))[0]);
    assert_eq!(stats.oldest_expire_date, exact.oldest_expire_date);
    assert!(exact.estimate.is_none());
    // The bundled SQLite keeps sqlite_stat4 samples: the expired count is estimated
    // from them (a sample every row or two on this small set, so within two rows).
    assert!(estimate.expired_known, "{}", estimate.source);
    assert!(estimate.source.contains("sqlite_stat4"));
    assert!(
        stats.expired.abs_diff(exact.expired) <= 2,
        "estimated {} expired, exactly {}",
        stats.expired,
        exact.expired
    );
    // A build without STAT4 leaves only sqlite_stat1: the total, and no expired figure.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE sqlite_stat4").unwrap();
    drop(conn);
    let out = json_lines(sessctl_on(&db, &set).args(["stats", "--estimate", "--format", "json"]));
    let stats: Stats = strict(&out[0]);
    let estimate = stats.estimate.unwrap();
    assert!(!estimate.expired_known);
    assert!(estimate.source.contains("without sqlite_stat4"));
}

/// `--baseline` + `--max-growth`: a table that doubled since the baseline exits 5 with
/// both growth ids; within the limit it passes; a file that is not a stats report is a
/// usage error.
#[test]
fn stats_growth_against_a_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let baseline = tmp.path().join("baseline.json");
    let out = sessctl_on(&db, &set)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    std::fs::write(&baseline, &out.stdout).unwrap();
    let grow = |pct: &str| {
        sessctl_on(&db, &set)
            .args([
                "stats",
                "--format",
                "json",
                "--max-growth",
                pct,
                "--baseline",
            ])
            .arg(&baseline)
            .output()
            .unwrap()
    };
    assert_eq!(grow("0").status.code(), Some(0), "unchanged");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "INSERT INTO django_session SELECT 'x' || session_key, session_data, expire_date FROM django_session",
    )
    .unwrap();
    drop(conn);
    let doubled = grow("50");
    assert_eq!(doubled.status.code(), Some(5), "{doubled:?}");
    let stats: Stats = strict(&serde_json::from_slice(&doubled.stdout).unwrap());
    let ids: Vec<&str> = stats.exceeded.iter().map(|b| b.id.as_str()).collect();
    assert!(ids.contains(&"max_growth_total"), "{ids:?}");
    assert_eq!(
        stats
            .exceeded
            .iter()
            .find(|b| b.id == "max_growth_total")
            .unwrap()
            .value,
        serde_json::json!(100.0)
    );
    assert_eq!(grow("150").status.code(), Some(0), "within 150 %");
    std::fs::write(&baseline, "{\"not\": \"stats\"}").unwrap();
    assert_eq!(grow("50").status.code(), Some(2));
}

/// `stats --users`, `list` and `inspect` with a user table (the auth fixture of Django 6.1).
#[test]
fn outputs_with_the_user_table() {
    let dir = repo().join("tests/fixtures/auth/django-6.1");
    let url = format!("sqlite:///{}", dir.join("default.sqlite3").display());
    let run = |args: &[&str]| {
        json_lines(
            sessctl()
                .args(["--database-url", &url, "--now", "2025-06-01T12:00:00Z"])
                .env(
                    "DJANGO_SECRET_KEY",
                    "sessctl-sample-secret-key-not-for-production",
                )
                .args(args)
                .args(["--format", "json"]),
        )
    };
    let stats: Stats = strict(&run(&["stats", "--users", "--top", "users"])[0]);
    let top = stats.top_users.as_ref().expect("--top users");
    assert!(top[0].username.is_some(), "the user table names them");
    assert!(top.windows(2).all(|w| w[0].sessions >= w[1].sessions));
    let users = stats.users.expect("--users figures");
    assert_eq!(users.states.values().sum::<u64>(), stats.total);
    assert!(!users.top_users.is_empty());
    let rows = run(&["list"]);
    for row in &rows {
        let row: ListRow = strict(row);
        assert!(row.auth.is_some());
    }
    let key = rows[0]["session_key"].as_str().unwrap();
    let report: SessionReport = strict(&run(&["inspect", key])[0]);
    assert!(report.auth.is_some());
}

/// Every threshold, just below and just above the figures: exit 5 and its id in
/// `exceeded` only when exceeded.
#[test]
fn stats_thresholds_are_a_machine_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let set = sample();
    let db = set.copy_db(tmp.path());
    let base = &json_lines(sessctl_on(&db, &set).args(["stats", "--format", "json"]))[0];
    let s: Stats = strict(base);
    assert!(s.exceeded.is_empty());
    assert_eq!(s.engine, "db");
    assert_eq!(s.now, set.reference_time().replace("+00:00", "Z"));
    let ratio = s.expired as f64 / s.total as f64;
    let oldest =
        chrono::DateTime::parse_from_rfc3339(s.oldest_expire_date.as_deref().unwrap()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(&s.now).unwrap();
    let behind = (now - oldest).num_seconds();
    assert!(behind > 60, "the sample's oldest expiry is in the past");
    let cases: Vec<(&str, String, String)> = vec![
        ("max_total", s.total.to_string(), (s.total - 1).to_string()),
        (
            "max_expired",
            s.expired.to_string(),
            (s.expired - 1).to_string(),
        ),
        (
            "max_bytes",
            s.table_bytes.unwrap().to_string(),
            (s.table_bytes.unwrap() - 1).to_string(),
        ),
        (
            "max_data_bytes",
            s.data_bytes.to_string(),
            (s.data_bytes - 1).to_string(),
        ),
        (
            "max_expired_ratio",
            format!("{}", ratio + 0.001),
            format!("{}", ratio - 0.001),
        ),
        (
            "max_oldest_expiry",
            format!("{}s", behind + 60),
            format!("{}s", behind - 60),
        ),
    ];
    for (id, ok, exceeded) in cases {
        let flag = format!("--{}", id.replace('_', "-"));
        let out = sessctl_on(&db, &set)
            .args(["stats", "--format", "json", &flag, &ok])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag} {ok}");
        let out = sessctl_on(&db, &set)
            .args(["stats", "--format", "json", &flag, &exceeded])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{flag} {exceeded}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let report: Stats = strict(&v);
        assert_eq!(report.exceeded.len(), 1, "{v}");
        assert_eq!(report.exceeded[0].id, id);
        assert!(!out.stderr.is_empty(), "{flag}: no sentence on stderr");
    }
    // Sizes read as a sysadmin writes them.
    let out = sessctl_on(&db, &set)
        .args(["stats", "--max-bytes", "2G"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = sessctl_on(&db, &set)
        .args(["stats", "--max-bytes", "2X"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
