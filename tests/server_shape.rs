//! `stats --histogram expiry|size [--duplicates]` on PostgreSQL, where the server computes
//! the histograms (`GROUP BY`), and on MySQL/MariaDB, give exactly the figures of the
//! same rows in SQLite, where sessctl reads every session: expiry buckets to the microsecond at their edges,
//! expired counts, sizes and percentiles, the largest sessions with ties broken by key
//! (bytewise, whatever the column's collation), and duplicated data with its example key.
//! A MySQL store read in another zone (`--time-zone`) agrees too.

mod servers;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use servers::{server, sessctl, Kind, Table, REFERENCE};

fn reference() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(REFERENCE)
        .unwrap()
        .with_timezone(&Utc)
}

/// Rows that probe the edges: expiries a microsecond either side of bucket edges and of
/// `now`, sizes tied at the cut of the largest ten, keys whose case orders differently
/// under a collation than bytewise, data held by several sessions (with tied counts).
fn rows() -> Vec<(String, String, DateTime<Utc>)> {
    let now = reference();
    let mut rows = Vec::new();
    let micro = Duration::microseconds(1);
    let day = Duration::days(1);
    let mut n = 0;
    let mut key = |prefix: &str| {
        n += 1;
        format!("{prefix}{n:07}shapekey")
    };
    // Expiries spread over 40 days around now: days of width, edges on midnight.
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    for d in -20..20 {
        let edge = midnight + day * d;
        for (i, at) in [edge - micro, edge, edge + micro, edge + Duration::hours(7)]
            .into_iter()
            .enumerate()
        {
            let data = format!(
                "{}:{}",
                "x".repeat(40 + ((d + 20) as usize * 7 + i) % 90),
                d
            );
            rows.push((key(if i % 2 == 0 { "a" } else { "B" }), data, at));
        }
    }
    for at in [now - micro, now, now + micro] {
        rows.push((key("n"), "now-edge".to_owned(), at));
    }
    // Twelve sessions of the largest size: the ten named are the smallest keys.
    for i in 0..12 {
        let prefix = ["Z", "b", "A", "c"][i % 4];
        rows.push((key(prefix), "L".repeat(500), now + day * 3));
    }
    // Duplicates: counts 5, 3, 3, 2, beside the twelve largest and the three at now
    // (ties ordered by their smallest key).
    for (copies, data) in [
        (5, "dup-five"),
        (3, "dup-three-a"),
        (3, "dup-three-b"),
        (2, "dup-two"),
    ] {
        for c in 0..copies {
            let prefix = if c % 2 == 0 { "q" } else { "Q" };
            rows.push((key(prefix), data.to_owned(), now + Duration::hours(c)));
        }
    }
    rows
}

fn sqlite_copy(dir: &std::path::Path, rows: &[(String, String, DateTime<Utc>)]) -> String {
    let path = dir.join("shape.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
         session_data text NOT NULL, expire_date datetime NOT NULL); \
         CREATE INDEX django_session_expire_date ON django_session (expire_date);",
    )
    .unwrap();
    for (k, d, t) in rows {
        conn.execute(
            "INSERT INTO django_session VALUES (?1, ?2, ?3)",
            rusqlite::params![k, d, t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()],
        )
        .unwrap();
    }
    format!("sqlite:///{}", path.display())
}

/// The shape parts of `stats --format json`, with or without `--duplicates` (with it,
/// every store reads every session).
fn shape(url: &str, table: &str, extra: &[&str], duplicates: bool) -> Value {
    let out = sessctl()
        .args(["--database-url", url, "--table", table, "--now", REFERENCE])
        .args(extra)
        .args([
            "stats",
            "--format",
            "json",
            "--histogram",
            "expiry",
            "--histogram",
            "size",
        ])
        .args(duplicates.then_some("--duplicates"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    serde_json::json!({
        "expiry_histogram": report["expiry_histogram"],
        "size_histogram": report["size_histogram"],
        "duplicates": report["duplicates"],
    })
}

fn check(kind: Kind, url: &str, extra: &[&str]) {
    let rows = rows();
    let tmp = tempfile::tempdir().unwrap();
    let sqlite = sqlite_copy(tmp.path(), &rows);
    let mut table = Table::create(kind, url, "shape");
    if kind == Kind::Postgres {
        // A linguistic collation (a before B) on the key, as a database created with a
        // locale has, where bytewise order puts B first.
        let quoted = table.quoted();
        table
            .client
            .change(&format!(
                "ALTER TABLE {quoted} ALTER COLUMN session_key TYPE varchar(40) COLLATE \"und-x-icu\""
            ))
            .expect("PostgreSQL with ICU collations");
    }
    table.insert(&rows);
    for duplicates in [false, true] {
        let streamed = shape(&sqlite, "django_session", extra, duplicates);
        let pushed = shape(&table.url, &table.name, extra, duplicates);
        assert_eq!(
            pushed, streamed,
            "{kind:?} {extra:?} duplicates {duplicates}: the server's figures differ from reading every row"
        );
    }
    let streamed = shape(&sqlite, "django_session", extra, true);
    // The data probes what it is meant to.
    let dups = streamed["duplicates"].as_array().unwrap();
    // The twelve largest, 5, the three 3s (the now-edge data among them, its key
    // lowercase: after the uppercase ones bytewise), 2.
    let counts: Vec<_> = dups
        .iter()
        .map(|d| d["sessions"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [12, 5, 3, 3, 3, 2], "{streamed}");
    assert!(
        dups[4]["example_key"].as_str().unwrap().starts_with('n'),
        "{dups:?}"
    );
    let largest = streamed["size_histogram"]["largest"].as_array().unwrap();
    assert_eq!(largest.len(), 10);
    assert!(largest.iter().all(|l| l["bytes"] == 500));
    assert!(
        largest[0]["session_key"].as_str().unwrap().starts_with('A'),
        "{largest:?}"
    );
    let buckets = streamed["expiry_histogram"]["buckets"].as_array().unwrap();
    assert!(buckets.len() > 30, "{buckets:?}");
}

#[test]
fn postgres_computes_the_shape_as_a_full_read_does() {
    let Some(url) = server(Kind::Postgres, "postgres_shape") else {
        return;
    };
    check(Kind::Postgres, &url, &[]);
}

#[test]
fn mysql_computes_the_shape_as_a_full_read_does() {
    let Some(url) = server(Kind::Mysql, "mysql_shape") else {
        return;
    };
    check(Kind::Mysql, &url, &[]);
    // Naive times read in Paris: measured by reading every session, on both stores.
    check(Kind::Mysql, &url, &["--time-zone", "Europe/Paris"]);
}
