//! A private three-node MariaDB Galera cluster on loopback (galera-4; node 1 bootstrapped
//! with --wsrep-new-cluster, nodes 2 and 3 joined by rsync SST; every SQL, gcomm, IST
//! and SST port a free one). One cluster serves the whole story, in order:
//! - sessctl purges from node 1 (default batch size: 1,000 rows on Galera) while a writer
//!   on node 2 updates expired and live sessions: exit 0, every expired row deleted, no
//!   live row deleted, on every node;
//! - two purges on two nodes: the cluster-wide lock lets one run, the other exits 75, and
//!   the lock row is gone once the first ends;
//! - a node that is not Synced (desynced) is refused with exit 3.

mod background;
mod private_mariadb;

use background::wait_at_most;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use private_mariadb::{count, free_port, session_table, skip, PrivateMariadb};

const NOW: &str = "2025-06-01T12:00:00Z";
const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";
const EXPIRED: u64 = 20_000;
const ACTIVE: u64 = 1_000;

fn state(node: &PrivateMariadb) -> String {
    node.try_sql("SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'")
        .unwrap_or_default()
        .split('\t')
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

fn wait_synced(node: &PrivateMariadb, what: &str) {
    let started = Instant::now();
    while state(node) != "Synced" {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{what} never Synced: {}",
            node.log_tail()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Three Synced nodes.
fn cluster(test: &str) -> Option<Vec<PrivateMariadb>> {
    if !Path::new(PROVIDER).is_file() {
        skip(test, &format!("no {PROVIDER} (apt-get install galera-4)"));
        return None;
    }
    if !Path::new("/usr/bin/rsync").is_file() {
        skip(test, "no rsync (the SST method)");
        return None;
    }
    let ports: Vec<(u16, u16, u16)> = (0..3)
        .map(|_| (free_port(), free_port(), free_port()))
        .collect();
    let address = format!(
        "gcomm://{}",
        ports
            .iter()
            .map(|(g, _, _)| format!("127.0.0.1:{g}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut nodes = Vec::new();
    for (i, (gcomm, ist, sst)) in ports.iter().enumerate() {
        let conf = format!(
            "binlog_format=ROW\ndefault_storage_engine=InnoDB\ninnodb_autoinc_lock_mode=2\n\
             server_id={id}\nwsrep_on=ON\nwsrep_provider={PROVIDER}\n\
             wsrep_cluster_name=sessctl_test\nwsrep_cluster_address={address}\n\
             wsrep_node_name=node{n}\nwsrep_node_address=127.0.0.1:{gcomm}\n\
             wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:{gcomm};ist.recv_addr=127.0.0.1:{ist};gcache.size=64M\"\n\
             wsrep_sst_method=rsync\nwsrep_sst_receive_address=127.0.0.1:{sst}\n",
            id = 21 + i,
            n = i + 1,
        );
        let installed = PrivateMariadb::install(test, &conf, &["--wsrep-on=OFF"])?;
        let node = if i == 0 {
            installed.run(&["--wsrep-new-cluster"])
        } else {
            installed.run(&[])
        };
        wait_synced(&node, &format!("node {}", i + 1));
        nodes.push(node);
    }
    Some(nodes)
}

/// Updates random sessions on `url` (expired and live alike, their data only) until
/// `stop`; counts the updates that committed.
fn writer(url: String, stop: Arc<AtomicBool>, done: Arc<AtomicU64>) -> std::thread::JoinHandle<()> {
    use mysql::prelude::Queryable;
    std::thread::spawn(move || {
        let mut conn = mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).unwrap();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        while !stop.load(Ordering::SeqCst) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let key = if seed.is_multiple_of(10) {
                format!("a{}", seed / 10 % ACTIVE + 1)
            } else {
                format!("x{}", seed / 10 % EXPIRED + 1)
            };
            let updated = conn.exec_drop(
                "UPDATE django_session SET session_data = CONCAT('e30:', ?) WHERE session_key = ?",
                (seed.to_string(), key),
            );
            if updated.is_ok() {
                done.fetch_add(1, Ordering::SeqCst);
            }
        }
    })
}

#[test]
fn purges_on_a_galera_cluster() {
    let Some(nodes) = cluster("Galera cluster") else {
        return;
    };
    let (n1, n2, n3) = (&nodes[0], &nodes[1], &nodes[2]);
    session_table(n1, EXPIRED, ACTIVE);
    let started = Instant::now();
    while n2
        .try_sql("SELECT COUNT(*) FROM test.django_session")
        .ok()
        .as_deref()
        != Some(&(EXPIRED + ACTIVE).to_string())
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no replication"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // 1. A purge on node 1 while node 2 writes to the same rows.
    let stop = Arc::new(AtomicBool::new(false));
    let updates = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..2)
        .map(|_| writer(n2.url("test"), stop.clone(), updates.clone()))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut purge = background::spawn(
        &n1.url("test"),
        NOW,
        &["clear-expired", "--format", "json", "-v"],
    );
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(300), "purge");
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    println!(
        "purge with a writer on node 2 ({} updates meanwhile): {status}\n{out}\n{}",
        updates.load(Ordering::SeqCst),
        err.lines()
            .filter(|l| !l.starts_with("batch ") || l.contains("halved"))
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(status.success(), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(report["complete"], true, "{report}");
    assert!(report["largest_batch"].as_u64().unwrap() <= 1_000);
    assert!(
        report["replication"]["replicates_to"]
            .as_str()
            .unwrap()
            .contains("Galera cluster of 3 nodes"),
        "{report}"
    );
    for (i, node) in nodes.iter().enumerate() {
        let started = Instant::now();
        while count(node, "expire_date < '2025-06-01'") != 0 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "node {} keeps expired sessions",
                i + 1
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(
            count(node, "expire_date >= '2025-06-01'"),
            ACTIVE,
            "node {}",
            i + 1
        );
    }

    // 2. Two purges on two nodes: one runs, the other exits 75.
    n1.sql(&format!(
        "USE test; INSERT INTO django_session SELECT CONCAT('y', seq), 'e30:x:y', \
         '2025-05-01 00:00:00' FROM seq_1_to_{EXPIRED}"
    ));
    let mut first = background::spawn(
        &n1.url("test"),
        NOW,
        &["clear-expired", "--batch-size", "500", "--sleep", "250ms"],
    );
    let started = Instant::now();
    while n2
        .try_sql("SELECT COUNT(*) FROM test.sessctl_lock")
        .ok()
        .as_deref()
        != Some("1")
    {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first purge ended before the second started"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no lock row");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut second = background::spawn(&n2.url("test"), NOW, &["clear-expired"]);
    let (status, _, err) = wait_at_most(&mut second, Duration::from_secs(60), "second purge");
    println!("second purge on node 2: {status}: {err}");
    assert_eq!(status.code(), Some(75), "{err}");
    assert!(err.contains("another sessctl purge"), "{err}");
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first purge should still be running"
    );
    let (status, out, err) = wait_at_most(&mut first, Duration::from_secs(300), "first purge");
    println!("first purge on node 1: {status}: {out}");
    assert!(status.success(), "{err}");
    assert_eq!(count(n1, "expire_date < '2025-06-01'"), 0);
    assert_eq!(n2.sql("SELECT COUNT(*) FROM test.sessctl_lock"), "0");

    // 3. A node that is not Synced is refused.
    n3.sql("SET GLOBAL wsrep_desync = ON");
    let started = Instant::now();
    while state(n3) == "Synced" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never desynced"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut refused = background::spawn(&n3.url("test"), NOW, &["clear-expired"]);
    let (status, _, err) = wait_at_most(&mut refused, Duration::from_secs(60), "desynced");
    println!("purge on a desynced node: {status}: {err}");
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(err.contains("not Synced"), "{err}");
    n3.sql("SET GLOBAL wsrep_desync = OFF");
}
