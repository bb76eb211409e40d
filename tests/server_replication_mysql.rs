//! `--replica` and `--max-lag` on a private MariaDB primary with a GTID replica of its
//! own (`mariadb-install-db`, `mariadbd` on free loopback ports, log_bin, server_id,
//! `CHANGE MASTER TO … MASTER_USE_GTID=slave_pos`): a replica whose SQL thread is
//! stopped pauses the purge with a message; once the thread runs again the replica
//! catches up and the purge finishes.

mod background;
mod private_mariadb;

use background::wait_at_most;
use std::time::{Duration, Instant};

use private_mariadb::{count, session_table, PrivateMariadb};

const NOW: &str = "2025-06-01T12:00:00Z";
const EXPIRED: u64 = 20_000;
const ACTIVE: u64 = 1_000;

/// A primary and its replica, replicating, with the session table on both.
fn pair(test: &str) -> Option<(PrivateMariadb, PrivateMariadb)> {
    let primary = PrivateMariadb::start(
        test,
        "server_id=1\nlog_bin=binlog\nbinlog_format=ROW\ngtid_domain_id=0",
        &[],
        &[],
    )?;
    let replica = PrivateMariadb::start(
        test,
        "server_id=2\nrelay_log=relay\nbinlog_format=ROW\nread_only=ON",
        &[],
        &[],
    )?;
    primary.sql(
        "SET SESSION sql_log_bin = 0; \
         CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'; \
         GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'",
    );
    replica.sql(&format!(
        "CHANGE MASTER TO master_host='127.0.0.1', master_port={}, master_user='repl', \
         master_password='repl', master_use_gtid=slave_pos, master_connect_retry=1; START SLAVE",
        primary.port
    ));
    session_table(&primary, EXPIRED, ACTIVE);
    let started = Instant::now();
    while replica
        .try_sql("SELECT COUNT(*) FROM test.django_session")
        .ok()
        .as_deref()
        != Some(&(EXPIRED + ACTIVE).to_string())
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the replica never caught up: {}",
            replica.sql("SHOW SLAVE STATUS\\G")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Some((primary, replica))
}

#[test]
fn a_replica_with_its_sql_thread_stopped_pauses_the_purge_until_it_runs_again() {
    let Some((primary, replica)) = pair("--replica with a stopped SQL thread") else {
        return;
    };
    replica.sql("STOP SLAVE SQL_THREAD");
    let mut purge = background::spawn(
        &primary.url("test"),
        NOW,
        &[
            "clear-expired",
            "--batch-size",
            "200",
            "--sleep",
            "20ms",
            "--max-lag",
            "2s",
            "--replica",
            &replica.url("test"),
            "--format",
            "json",
            "-v",
        ],
    );
    std::thread::sleep(Duration::from_secs(3));
    let first = count(&primary, "expire_date < '2025-06-01'");
    std::thread::sleep(Duration::from_secs(2));
    let second = count(&primary, "expire_date < '2025-06-01'");
    if purge.try_wait().unwrap().is_some() {
        let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(1), "purge");
        panic!("the purge ended with the SQL thread stopped: {status}\n{out}\n{err}");
    }
    assert_eq!(
        first, second,
        "the purge went on with the SQL thread stopped"
    );
    // It pauses after its first batch (which may have walked only unexpired keys).
    assert!(
        first >= EXPIRED - 200,
        "the purge did not pause: {first} left"
    );
    println!("SQL thread stopped: the purge held at {first} expired sessions left");
    replica.sql("START SLAVE SQL_THREAD");
    let resumed = Instant::now();
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(180), "purge");
    println!(
        "finished {:.1?} after START SLAVE SQL_THREAD; stderr without batch lines:\n{}",
        resumed.elapsed(),
        err.lines()
            .filter(|l| !l.starts_with("batch ") && !l.ends_with("next batch"))
            .take(12)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(status.success(), "{err}");
    assert_eq!(count(&primary, "expire_date < '2025-06-01'"), 0);
    assert_eq!(count(&primary, "expire_date >= '2025-06-01'"), ACTIVE);
    assert!(
        err.contains("its SQL thread is not running"),
        "no message for the stopped thread: {err}"
    );
    let report: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(report["complete"], true, "{report}");
    assert_eq!(report["replication"]["stopped_pauses"], 1, "{report}");
    assert!(
        report["replication"]["lag_waited_seconds"]
            .as_f64()
            .unwrap()
            >= 3.0,
        "{report}"
    );
    // The replica has applied the purge too.
    let started = Instant::now();
    while count(&replica, "expire_date < '2025-06-01'") != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "replica behind"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(count(&replica, "expire_date >= '2025-06-01'"), ACTIVE);
}

#[test]
fn a_replica_that_cannot_be_reached_at_the_start_is_an_error() {
    let Some(primary) = PrivateMariadb::start(
        "--replica that cannot be reached",
        "server_id=1\nlog_bin=binlog\nbinlog_format=ROW",
        &[],
        &[],
    ) else {
        return;
    };
    session_table(&primary, 10, 1);
    let port = private_mariadb::free_port();
    let mut purge = background::spawn(
        &primary.url("test"),
        NOW,
        &[
            "clear-expired",
            "--max-lag",
            "2s",
            "--replica",
            &format!("mysql://root:hunter2@127.0.0.1:{port}/test?connect_timeout=2"),
        ],
    );
    let (status, _out, err) = wait_at_most(&mut purge, Duration::from_secs(60), "purge");
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert_eq!(count(&primary, "true"), 11, "nothing may be deleted");
}
