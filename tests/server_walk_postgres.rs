//! The TID-range walk of a PostgreSQL purge under the conditions that break a naive
//! one: runs resumed after `--max-runtime` (the start of the heap already purged, so
//! ranges sized from what was seen so far reach into the dense part), and a concurrent
//! `VACUUM FULL` that rewrites the table under the walk (every row moves).
//!
//! Batches are counted by the server itself: a statement-level trigger with a transition
//! table records how many rows each DELETE statement removed, in which transaction.

mod servers;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use servers::{server, sessctl_path, Kind, Table, REFERENCE};

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// `rows` sessions, every `active_every`-th one unexpired, the rest expired.
fn fill(client: &mut postgres::Client, table: &Table, rows: i64, active_every: i64) {
    client
        .batch_execute(&format!(
            "INSERT INTO {t} SELECT md5(g::text), 'e30:x:y', \
             CASE WHEN g % {active_every} = 0 THEN timestamptz '2025-07-01+00' \
             ELSE timestamptz '2025-05-01+00' END FROM generate_series(1, {rows}) g; \
             ANALYZE {t}",
            t = table.quoted()
        ))
        .unwrap();
}

/// Records the rows each DELETE statement on the table removes, with its transaction.
fn count_batches(client: &mut postgres::Client, table: &Table) -> String {
    let log = format!("\"{}_log\"", table.name);
    client
        .batch_execute(&format!(
            "CREATE TABLE {log} (xid bigint, n bigint); \
             CREATE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO {log} SELECT txid_current(), count(*) FROM gone; RETURN NULL; END $$; \
             CREATE TRIGGER {trg} AFTER DELETE ON {t} REFERENCING OLD TABLE AS gone \
             FOR EACH STATEMENT EXECUTE FUNCTION {f}()",
            f = format_args!("\"{}_count\"", table.name),
            trg = format_args!("\"{}_trg\"", table.name),
            t = table.quoted(),
        ))
        .unwrap();
    log
}

fn drop_counting(client: &mut postgres::Client, table: &Table, log: &str) {
    let _ = client.batch_execute(&format!(
        "DROP TABLE IF EXISTS {t}; DROP TABLE IF EXISTS {log}; DROP FUNCTION IF EXISTS \"{}_count\"()",
        table.name,
        t = table.quoted()
    ));
}

fn purge(table: &Table, extra: &[&str]) -> (i32, String) {
    let out = Command::new(sessctl_path())
        .env_remove("DATABASE_URL")
        .args([
            "--database-url",
            &table.url,
            "--table",
            &table.name,
            "--now",
            REFERENCE,
            "clear-expired",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn expired(client: &mut postgres::Client, table: &Table) -> i64 {
    client
        .query_one(
            &format!(
                "SELECT count(*) FROM {} WHERE expire_date < '2025-06-01T12:00:00+00'",
                table.quoted()
            ),
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn batch_size_is_a_ceiling_on_resumed_runs() {
    let Some(url) = server(Kind::Postgres, "batch_size_is_a_ceiling_on_resumed_runs") else {
        return;
    };
    let table = Table::create(Kind::Postgres, &url, "ceiling");
    let mut client = connect(&url);
    fill(&mut client, &table, 300_000, 10);
    let log = count_batches(&mut client, &table);
    let batch = 2_000;
    let args = [
        "--batch-size",
        "2000",
        "--max-runtime",
        "1s",
        "--sleep",
        "20ms",
    ];
    let mut runs = Vec::new();
    for run in 1..=4 {
        client.batch_execute(&format!("TRUNCATE {log}")).unwrap();
        let (code, output) = purge(&table, &args);
        assert!(code == 0, "run {run}: exit {code}: {output}");
        let per_tx: Vec<i64> = client
            .query(
                &format!("SELECT sum(n)::bigint FROM {log} GROUP BY xid ORDER BY min(xid)"),
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        println!(
            "run {run}: {} transactions, largest {} rows, {} in all",
            per_tx.len(),
            per_tx.iter().max().unwrap_or(&0),
            per_tx.iter().sum::<i64>()
        );
        runs.push(per_tx);
        if expired(&mut client, &table) == 0 {
            break;
        }
    }
    drop_counting(&mut client, &table, &log);
    assert!(
        runs.len() >= 2,
        "the first run finished alone: nothing resumed"
    );
    for (i, per_tx) in runs.iter().enumerate() {
        let over: Vec<&i64> = per_tx.iter().filter(|n| **n > batch).collect();
        assert!(
            over.is_empty(),
            "run {}: transactions changed more than --batch-size {batch}: {over:?}",
            i + 1
        );
    }
}

#[test]
fn concurrent_vacuum_full_leaves_no_expired_row() {
    let Some(url) = server(
        Kind::Postgres,
        "concurrent_vacuum_full_leaves_no_expired_row",
    ) else {
        return;
    };
    let table = Table::create(Kind::Postgres, &url, "vacfull");
    let mut client = connect(&url);
    // Every second row unexpired: the rewrite moves the rows not yet purged to the
    // front, into ranges the walk has already passed.
    fill(&mut client, &table, 60_000, 2);
    let mut child = Command::new(sessctl_path())
        .env_remove("DATABASE_URL")
        .args([
            "--database-url",
            &table.url,
            "--table",
            &table.name,
            "--now",
            REFERENCE,
            "clear-expired",
            "--batch-size",
            "500",
            "--sleep",
            "20ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while expired(&mut client, &table) > 20_000 {
        assert!(child.try_wait().unwrap().is_none(), "purge ended too early");
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before: i32 = client
        .query_one(
            &format!(
                "SELECT pg_relation_filenode('{}')::text::int",
                table.quoted()
            ),
            &[],
        )
        .unwrap()
        .get(0);
    client
        .batch_execute(&format!("VACUUM FULL {}", table.quoted()))
        .unwrap();
    let after: i32 = client
        .query_one(
            &format!(
                "SELECT pg_relation_filenode('{}')::text::int",
                table.quoted()
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_ne!(before, after, "VACUUM FULL rewrote the table");
    let out = child.wait_with_output().unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let left = expired(&mut client, &table);
    let active: i64 = client
        .query_one(&format!("SELECT count(*) FROM {}", table.quoted()), &[])
        .unwrap()
        .get(0);
    println!("after a concurrent VACUUM FULL: {left} expired left; {output}");
    assert_eq!(out.status.code(), Some(0), "{output}");
    assert_eq!(left, 0, "the run claimed complete: {output}");
    assert_eq!(active, 30_000, "unexpired sessions lost");
}
