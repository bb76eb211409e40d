//! Purges on a live server table: sessions renewed while a purge runs survive it, and a
//! purge stopped by SIGINT/SIGTERM at any moment loses no unexpired session and can be
//! run again to finish the job.

mod servers;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use servers::{generated, jitter, server, sessctl_path, Client, Kind, Table, REFERENCE};

fn reference() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(REFERENCE)
        .unwrap()
        .with_timezone(&Utc)
}

fn spawn_purge(table: &Table, extra: &[&str]) -> Child {
    Command::new(sessctl_path())
        .args([
            "--database-url",
            &table.url,
            "--table",
            &table.name,
            "--now",
            REFERENCE,
        ])
        .arg("clear-expired")
        .args(extra)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sessctl starts")
}

fn renewed_during_purge(kind: Kind) {
    let Some(url) = server(kind, "renewed_during_purge") else {
        return;
    };
    let now = reference();
    let mut table = Table::create(kind, &url, "renew");
    table.insert(&generated("x", 30_000, now - chrono::Duration::days(1)));
    // Sessions about to expire: expired at the purge's `now` unless renewed first.
    let hot = generated("r", 3_000, now - chrono::Duration::seconds(1));
    table.insert(&hot);
    let renewed_expiry = table.time_literal(now + chrono::Duration::days(14));

    let mut purge = spawn_purge(&table, &["--batch-size", "300", "--sleep", "10ms"]);
    let mut client = Client::connect(kind, &url).unwrap();
    let mut renewed = BTreeSet::new();
    let mut lost = 0;
    let started = Instant::now();
    let mut i = 0;
    let status = loop {
        if let Some(status) = purge.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "purge never ended"
        );
        // Renew like Django's save(): an UPDATE of the row, which counts only if the
        // row was still there.
        let key = &hot[(i * 7919) % hot.len()].0;
        i += 1;
        if renewed.contains(key) {
            continue;
        }
        let sql = format!(
            "UPDATE {} SET expire_date = {renewed_expiry} WHERE session_key = '{key}'",
            table.quoted()
        );
        match client.change(&sql) {
            Ok(1) => {
                renewed.insert(key.clone());
            }
            Ok(_) => lost += 1,
            Err(e) => panic!("renewal failed: {e}"),
        }
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(purge.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "purge failed: {stderr}");
    eprintln!(
        "{kind:?}: {} sessions renewed during the purge, {lost} renewals found the row gone",
        renewed.len()
    );
    assert!(
        renewed.len() > 20,
        "too few renewals raced the purge ({} renewed, {lost} already gone)",
        renewed.len()
    );
    let remaining = table.keys();
    let missing: Vec<&String> = renewed.iter().filter(|k| !remaining.contains(*k)).collect();
    assert!(missing.is_empty(), "renewed sessions deleted: {missing:?}");
    let still_expired = table.count_where(&format!("expire_date < {}", table.time_literal(now)));
    assert_eq!(still_expired, 0, "the purge left expired sessions");
    assert_eq!(remaining.len(), renewed.len());
}

#[test]
fn renewed_during_purge_postgres() {
    renewed_during_purge(Kind::Postgres);
}

#[test]
fn renewed_during_purge_mysql() {
    renewed_during_purge(Kind::Mysql);
}

fn interrupted(kind: Kind) {
    let Some(url) = server(kind, "interrupted") else {
        return;
    };
    let now = reference();
    let mut table = Table::create(kind, &url, "intr");
    table.insert(&generated("e", 40_000, now - chrono::Duration::days(2)));
    let active = generated("a", 10_000, now);
    table.insert(&active);
    let active_keys: BTreeSet<String> = active.into_iter().map(|(k, _, _)| k).collect();
    let active_sql = format!("expire_date >= {}", table.time_literal(now));

    let mut stopped = 0;
    for round in 0..4 {
        let mut purge = spawn_purge(&table, &["--batch-size", "400", "--sleep", "10ms"]);
        std::thread::sleep(Duration::from_millis(100 + jitter(1_200)));
        let signal = if round % 2 == 0 { "INT" } else { "TERM" };
        let _ = Command::new("kill")
            .args(["-s", signal, &purge.id().to_string()])
            .status();
        let status = purge.wait().unwrap();
        match status.code() {
            Some(130) => stopped += 1,
            Some(0) => {}
            // Killed before the handler was installed (while connecting): nothing done.
            None => {}
            Some(other) => {
                let mut stderr = String::new();
                std::io::Read::read_to_string(purge.stderr.as_mut().unwrap(), &mut stderr).unwrap();
                panic!("SIG{signal}: exit {other}: {stderr}");
            }
        }
        let remaining = table.keys();
        assert!(
            active_keys.is_subset(&remaining),
            "SIG{signal} round {round}: an unexpired session is missing"
        );
        assert_eq!(table.count_where(&active_sql), 10_000);
    }
    assert!(stopped > 0, "no run was stopped mid-purge");
    let mut rerun = spawn_purge(&table, &[]);
    assert!(rerun.wait().unwrap().success(), "the rerun failed");
    assert_eq!(table.keys(), active_keys, "the rerun finishes the job");
}

#[test]
fn interrupted_postgres() {
    interrupted(Kind::Postgres);
}

#[test]
fn interrupted_mysql() {
    interrupted(Kind::Mysql);
}
