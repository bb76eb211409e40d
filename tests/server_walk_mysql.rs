//! The primary-key walk of a MySQL/MariaDB purge on runs resumed after `--max-runtime`:
//! the start of the key range is already purged, so a range sized from the density seen
//! there reaches far into the part still full of expired rows. `--batch-size` must stay
//! a ceiling on every transaction all the same.
//!
//! Batches are counted from sessctl's per-batch record (`-v`: one line per batch, its
//! rows as the server's affected-row count gave them), and the server's own row count
//! must agree with their sum. (InnoDB offers no per-transaction id a trigger could log
//! reliably: `information_schema.innodb_trx` is a snapshot refreshed every 100 ms.)

mod servers;

use std::process::{Command, Stdio};

use servers::{server, sessctl_path, Client, Kind, Table, REFERENCE};

/// `rows` sessions in random key order, every `active_every`-th one unexpired.
fn fill(client: &mut Client, table: &Table, rows: u32, active_every: u32) {
    // Five digits of ten: up to 100,000 numbers without a sequence table or recursion
    // limits, on MySQL and MariaDB alike.
    let digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 \
                  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 \
                  UNION ALL SELECT 8 UNION ALL SELECT 9)";
    client.exec(&format!(
        "INSERT INTO {t} SELECT md5(n), 'e30:x:y', \
         IF(n % {active_every} = 0, '2025-07-01 00:00:00', '2025-05-01 00:00:00') FROM \
         (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 AS n \
          FROM {digits} a, {digits} b, {digits} c, {digits} e, {digits} f) g WHERE n <= {rows}",
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

#[test]
fn batch_size_is_a_ceiling_on_resumed_runs() {
    let Some(url) = server(Kind::Mysql, "batch_size_is_a_ceiling_on_resumed_runs") else {
        return;
    };
    let mut table = Table::create(Kind::Mysql, &url, "ceiling");
    let mut client = Client::connect(Kind::Mysql, &url).unwrap();
    fill(&mut client, &table, 100_000, 10);
    let batch = 1_000;
    let args = [
        "-v",
        "--batch-size",
        "1000",
        "--max-runtime",
        "1s",
        "--sleep",
        "20ms",
    ];
    let mut runs = Vec::new();
    for run in 1..=12 {
        let before = table.count_where("1");
        let (code, output) = purge(&table, &args);
        assert!(code == 0, "run {run}: exit {code}: {output}");
        // "batch 3: deleted 1,000 (of at most 1,000) in 0.004 s, …"
        let per_tx: Vec<i64> = output
            .lines()
            .filter_map(|l| l.strip_prefix("batch "))
            .filter_map(|l| l.split_once(": deleted "))
            .map(|(_, rest)| {
                let n = rest.split_whitespace().next().unwrap();
                n.replace(',', "").parse().unwrap()
            })
            .collect();
        assert_eq!(
            per_tx.iter().sum::<i64>(),
            before - table.count_where("1"),
            "run {run}: the batches do not add up to what the table lost:\n{output}"
        );
        println!(
            "run {run}: {} transactions, largest {} rows, {} in all",
            per_tx.len(),
            per_tx.iter().max().unwrap_or(&0),
            per_tx.iter().sum::<i64>()
        );
        runs.push(per_tx);
        if table.count_where("expire_date < '2025-06-01 12:00:00'") == 0 {
            break;
        }
    }
    assert!(
        runs.len() >= 2,
        "the first run finished alone: nothing resumed"
    );
    assert_eq!(
        table.count_where("expire_date < '2025-06-01 12:00:00'"),
        0,
        "the runs left expired rows"
    );
    assert_eq!(
        table.count_where("1"),
        10_000,
        "an unexpired row was deleted"
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
