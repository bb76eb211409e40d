//! `--vacuum` on live PostgreSQL and MySQL/MariaDB tables says what it did — the
//! statement, its time, the table's size before and after, as the server measures it —
//! and `stats` on MySQL/MariaDB gives the table's real size, not InnoDB's stale estimate.
//! The tables hold sessions shaped like Django's: its keys, its values (from a fixture
//! set Django wrote), its DDL.

mod servers;

use chrono::{DateTime, Utc};
use serde_json::Value;
use servers::{fixture_rows, fixtures, server, sessctl, Client, Kind, Table, REFERENCE};

fn reference() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(REFERENCE)
        .unwrap()
        .with_timezone(&Utc)
}

/// `n` sessions expiring at `t` (plus `i` µs), keyed like Django's (32 characters of
/// `[a-z0-9]`) and holding the values Django wrote in the fixture set.
fn django_rows(tag: char, n: usize, t: DateTime<Utc>) -> Vec<(String, String, DateTime<Utc>)> {
    let values: Vec<String> = fixture_rows(&fixtures("django-6.1"))
        .into_iter()
        .map(|(_, raw, _)| raw)
        .collect();
    (0..n)
        .map(|i| {
            let key = format!(
                "{tag}{:015x}{i:016}",
                (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 4
            );
            (
                key,
                values[i % values.len()].clone(),
                t + chrono::Duration::microseconds(i as i64),
            )
        })
        .collect()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(table: &Table, args: &[&str]) -> Out {
    let out = sessctl()
        .args([
            "--database-url",
            &table.url,
            "--table",
            &table.name,
            "--now",
            REFERENCE,
        ])
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(out: &Out) -> Value {
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// `pg_total_relation_size` and the file node of a PostgreSQL table.
fn pg_size(table: &mut Table) -> (u64, i64) {
    let sql = format!(
        "SELECT pg_total_relation_size('{0}'::regclass)::text || ' ' || \
         pg_relation_filenode('{0}'::regclass)::text",
        table.quoted()
    );
    let text = table.client.strings(&sql).remove(0);
    let (size, node) = text.split_once(' ').unwrap();
    (size.parse().unwrap(), node.parse().unwrap())
}

/// FILE_SIZE of a MariaDB/MySQL table's own tablespace.
fn ibd_size(table: &mut Table) -> u64 {
    let db = url::Url::parse(&table.url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    for view in ["INNODB_SYS_TABLESPACES", "INNODB_TABLESPACES"] {
        let sql = format!(
            "SELECT CAST(FILE_SIZE AS CHAR) FROM information_schema.{view} WHERE NAME = '{db}/{}'",
            table.name
        );
        if let Client::Mysql(c) = &mut table.client {
            use mysql::prelude::Queryable;
            if let Ok(Some(size)) = c.query_first::<String, _>(sql) {
                return size.parse().unwrap();
            }
        }
    }
    panic!("no tablespace file for {}", table.name)
}

#[test]
fn vacuum_on_postgres_reports_sizes_and_how_to_really_shrink() {
    let Some(url) = server(Kind::Postgres, "vacuum_on_postgres") else {
        return;
    };
    let now = reference();
    let mut table = Table::create(Kind::Postgres, &url, "vac");
    // No autovacuum on this table: the sizes seen are those sessctl's run made.
    table.client.exec(&format!(
        "ALTER TABLE {} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)",
        table.quoted()
    ));
    // Expired sessions first, active ones last: the deleted rows free no page at the end
    // of the table, so plain VACUUM can give nothing back to the file system.
    table.insert(&django_rows('e', 30_000, now - chrono::Duration::days(3)));
    table.insert(&django_rows('a', 3_000, now + chrono::Duration::days(14)));
    let (before, node) = pg_size(&mut table);

    let report = json(&run(
        &table,
        &["clear-expired", "--vacuum", "--format", "json"],
    ));
    let (after, node_after) = pg_size(&mut table);
    let vacuum = &report["vacuum"];
    eprintln!("PostgreSQL: {before} bytes before, {after} after: {vacuum}");
    assert_eq!(report["deleted"], 30_000, "{report}");
    assert_eq!(vacuum["statement"], "VACUUM (ANALYZE)", "{vacuum}");
    assert_eq!(vacuum["bytes_before"], before, "{vacuum}");
    assert_eq!(vacuum["bytes_after"], after, "{vacuum}");
    assert_eq!(vacuum["bytes_estimate"], false, "{vacuum}");
    assert!(
        vacuum["measured"]
            .as_str()
            .unwrap()
            .contains("pg_total_relation_size"),
        "{vacuum}"
    );
    assert!(vacuum["seconds"].as_f64().unwrap() >= 0.0);
    // Plain VACUUM: the space stays with the table, reusable, and the table is the same
    // file (no VACUUM FULL behind the user's back).
    assert!(after >= before, "{before} -> {after}");
    assert_eq!(node, node_after, "the table was rewritten");
    let note = vacuum["note"].as_str().unwrap();
    for word in [
        "VACUUM FULL",
        "ACCESS EXCLUSIVE",
        "pg_repack",
        "runs neither",
    ] {
        assert!(note.contains(word), "`{word}` not in the note: {note}");
    }
    assert!(vacuum["effect"].as_str().unwrap().contains("reusable"));

    // The summary for people says the same.
    table.insert(&django_rows('f', 2_000, now - chrono::Duration::days(2)));
    let out = run(&table, &["clear-expired", "--vacuum"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    eprintln!("{}", out.stdout);
    assert!(
        out.stdout.contains("\nvacuum: VACUUM (ANALYZE) in "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("bytes before, "), "{}", out.stdout);
    assert!(out.stdout.contains("(none given back)"), "{}", out.stdout);
    assert!(out.stdout.contains("pg_repack"), "{}", out.stdout);
}

#[test]
fn vacuum_on_mysql_rebuilds_and_reports_the_file_size() {
    let Some(url) = server(Kind::Mysql, "vacuum_on_mysql") else {
        return;
    };
    let now = reference();
    let mut table = Table::create(Kind::Mysql, &url, "vac");
    table.insert(&django_rows('e', 30_000, now - chrono::Duration::days(3)));
    table.insert(&django_rows('a', 3_000, now + chrono::Duration::days(14)));
    let before = ibd_size(&mut table);

    let report = json(&run(
        &table,
        &["clear-expired", "--vacuum", "--format", "json"],
    ));
    let after = ibd_size(&mut table);
    let vacuum = &report["vacuum"];
    eprintln!("MariaDB: {before} bytes before, {after} after: {vacuum}");
    assert_eq!(report["deleted"], 30_000, "{report}");
    assert_eq!(vacuum["statement"], "OPTIMIZE TABLE", "{vacuum}");
    assert_eq!(vacuum["bytes_before"], before, "{vacuum}");
    assert_eq!(vacuum["bytes_after"], after, "{vacuum}");
    assert_eq!(vacuum["bytes_estimate"], false, "{vacuum}");
    assert!(
        after < before,
        "the rebuild gave nothing back: {before} -> {after}"
    );
    assert!(vacuum["effect"].as_str().unwrap().contains("online"));
    assert_eq!(table.count_where("1 = 1"), 3_000);
}

#[test]
fn mysql_stats_table_bytes_is_the_file_not_a_stale_estimate() {
    let Some(url) = server(Kind::Mysql, "mysql_stats_table_bytes") else {
        return;
    };
    let now = reference();
    let mut table = Table::create(Kind::Mysql, &url, "vacst");
    // Statistics that are never refreshed by themselves, as on a table filled faster
    // than InnoDB recalculates them: its estimate stays that of the empty table.
    table.client.exec(&format!(
        "ALTER TABLE {} STATS_AUTO_RECALC = 0",
        table.quoted()
    ));
    table.insert(&django_rows('e', 20_000, now - chrono::Duration::days(3)));
    table.insert(&django_rows('a', 20_000, now + chrono::Duration::days(14)));
    let estimate: u64 = table
        .client
        .strings(&format!(
            "SELECT CAST(data_length + index_length AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = '{}'",
            table.name
        ))
        .remove(0)
        .parse()
        .unwrap();

    let stats = json(&run(&table, &["stats", "--format", "json"]));
    let file = ibd_size(&mut table);
    let data = stats["data_bytes"].as_u64().unwrap();
    eprintln!("MariaDB stats: {stats} (file {file}, InnoDB's estimate {estimate})");
    assert!(
        estimate < data,
        "the premise: InnoDB's estimate is stale ({estimate})"
    );
    assert_eq!(stats["table_bytes"], file, "{stats}");
    assert_eq!(stats["table_bytes_estimate"], false, "{stats}");
    assert!(
        file > data,
        "a table is larger than its session data: {stats}"
    );
    let out = run(&table, &["stats"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&file.to_string()), "{}", out.stdout);
    assert!(!out.stdout.contains("estimate"), "{}", out.stdout);
}
