//! `--max-lag` on a private PostgreSQL primary with a streaming hot standby of its own
//! (initdb, `pg_basebackup -R` with a physical slot, both on free loopback ports): a
//! standby whose replay is paused holds the purge back until replay resumes; a standby
//! that is stopped pauses the purge with a message, and `--max-runtime` ends the run.

mod background;
mod private_pg;

use background::wait_at_most;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use private_pg::{is_root, pg, PrivatePostgres};

const NOW: &str = "2025-06-01T12:00:00Z";
const EXPIRED: i64 = 20_000;
const ACTIVE: i64 = 1_000;

/// A hot standby of `primary`, streaming from its slot `standby1`; stopped on drop.
struct Standby {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Standby {
    fn start(primary: &PrivatePostgres) -> Standby {
        let dir = tempfile::Builder::new()
            .prefix("sessctl-standby-")
            .tempdir()
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data = dir.path().join("data");
        let data_s = data.to_string_lossy().into_owned();
        let port = free_port();
        pg(
            primary.bin(),
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
                "-D",
                &data_s,
                "-R",
                "-C",
                "-S",
                "standby1",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(&format!(
            "\nport = {port}\nunix_socket_directories = '{}'\nhot_standby = on\n\
             wal_receiver_status_interval = 1s\n",
            dir.path().display()
        ));
        std::fs::write(&conf, text).unwrap();
        let auto = data.join("postgresql.auto.conf");
        let text = std::fs::read_to_string(&auto).unwrap().replace(
            "primary_conninfo = '",
            "primary_conninfo = 'application_name=standby1 ",
        );
        std::fs::write(&auto, text).unwrap();
        let log = dir.path().join("log").to_string_lossy().into_owned();
        pg(
            primary.bin(),
            "pg_ctl",
            &["-D", &data_s, "-l", &log, "-w", "-t", "60", "start"],
        );
        let standby = Standby {
            bin: primary.bin().to_owned(),
            dir,
            port,
        };
        let started = Instant::now();
        while !streaming(primary) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the standby never streamed"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        standby
    }

    fn client(&self) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .user("postgres")
            .dbname("postgres")
            .connect(postgres::NoTls)
            .expect("connect to the standby")
    }

    fn stop(&self) {
        let data = self.dir.path().join("data").to_string_lossy().into_owned();
        pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "stop"],
        );
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").to_string_lossy().into_owned();
        let pg_ctl = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(pg_ctl)
                .args(args)
                .output()
        } else {
            Command::new(pg_ctl).args(args).output()
        };
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn streaming(primary: &PrivatePostgres) -> bool {
    primary
        .client()
        .query_opt(
            "SELECT 1 FROM pg_stat_replication WHERE application_name = 'standby1' AND state = 'streaming'",
            &[],
        )
        .unwrap()
        .is_some()
}

/// A primary with `EXPIRED` expired and `ACTIVE` unexpired sessions, and its standby
/// once it has replayed them.
fn topology(test: &str) -> Option<(PrivatePostgres, Standby)> {
    let primary = PrivatePostgres::start(test, "wal_receiver_status_interval = 1s")?;
    primary
        .client()
        .batch_execute(&format!(
            "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data text NOT NULL, expire_date timestamp with time zone NOT NULL); \
             CREATE INDEX django_session_expire_date ON django_session (expire_date); \
             INSERT INTO django_session SELECT 'x' || g, repeat('e30:x:y', 40), '2025-05-01+00' \
             FROM generate_series(1, {EXPIRED}) g; \
             INSERT INTO django_session SELECT 'a' || g, 'e30:x:y', '2025-07-01+00' \
             FROM generate_series(1, {ACTIVE}) g; ANALYZE django_session"
        ))
        .unwrap();
    let standby = Standby::start(&primary);
    let started = Instant::now();
    while count_on(&mut standby.client(), "true") != EXPIRED + ACTIVE {
        assert!(started.elapsed() < Duration::from_secs(60), "no replay");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((primary, standby))
}

fn count_on(client: &mut postgres::Client, cond: &str) -> i64 {
    client
        .query_one(
            &format!("SELECT count(*) FROM django_session WHERE {cond}"),
            &[],
        )
        .map(|r| r.get(0))
        .unwrap_or(-1)
}

fn expired(primary: &PrivatePostgres) -> i64 {
    count_on(&mut primary.client(), "expire_date < '2025-06-01+00'")
}

fn active(primary: &PrivatePostgres) -> i64 {
    count_on(&mut primary.client(), "expire_date >= '2025-06-01+00'")
}

#[test]
fn a_standby_with_paused_replay_holds_the_purge_until_it_resumes() {
    let Some((primary, standby)) = topology("max-lag with paused replay") else {
        return;
    };
    standby
        .client()
        .batch_execute("SELECT pg_wal_replay_pause()")
        .unwrap();
    let mut purge = background::spawn(
        &primary.url(""),
        NOW,
        &[
            "clear-expired",
            "--batch-size",
            "200",
            "--sleep",
            "100ms",
            "--max-lag",
            "1s",
            "--format",
            "json",
            "-v",
        ],
    );
    // The purge goes on until the standby is more than 1 s behind, then stops.
    std::thread::sleep(Duration::from_secs(4));
    let first = expired(&primary);
    std::thread::sleep(Duration::from_secs(3));
    let second = expired(&primary);
    if purge.try_wait().unwrap().is_some() {
        let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(1), "purge");
        panic!("the purge ended with replay paused: {status}\n{out}\n{err}");
    }
    assert_eq!(first, second, "the purge went on while replay was paused");
    assert!(first > 0 && first < EXPIRED, "{first} expired left");
    println!("replay paused: the purge held at {first} expired sessions left");
    let resumed = Instant::now();
    standby
        .client()
        .batch_execute("SELECT pg_wal_replay_resume()")
        .unwrap();
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(120), "purge");
    println!(
        "finished {:.1?} after replay resumed; stderr:\n{}",
        resumed.elapsed(),
        err.lines()
            .filter(|l| !l.starts_with("batch "))
            .take(12)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(status.success(), "{err}");
    assert_eq!(expired(&primary), 0);
    assert_eq!(active(&primary), ACTIVE);
    let report: serde_json::Value = serde_json::from_str(&out).expect(&out);
    let replication = &report["replication"];
    assert!(
        replication["replicates_to"]
            .as_str()
            .unwrap()
            .contains("standby1"),
        "{report}"
    );
    let waited = replication["lag_waited_seconds"].as_f64().unwrap();
    assert!(waited >= 2.0, "waited {waited} s: {report}");
    assert_eq!(report["complete"], true);
    assert!(err.contains("waiting (--max-lag)"), "{err}");
    assert!(err.contains("hot_standby_feedback"), "{err}");
}

#[test]
fn a_stopped_standby_pauses_the_purge_and_max_runtime_ends_it() {
    let Some((primary, standby)) = topology("max-lag with a stopped standby") else {
        return;
    };
    standby.stop();
    let started = Instant::now();
    let mut purge = background::spawn(
        &primary.url(""),
        NOW,
        &[
            "clear-expired",
            "--batch-size",
            "500",
            "--max-lag",
            "5s",
            "--max-runtime",
            "4s",
            "--format",
            "json",
        ],
    );
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(60), "purge");
    let took = started.elapsed();
    println!("stopped standby: exit {status} after {took:.1?}; stderr:\n{err}");
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(err.contains("purge paused"), "{err}");
    assert!(err.contains("standby1"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(report["stopped"], "max_runtime", "{report}");
    assert_eq!(report["complete"], false);
    assert_eq!(report["replication"]["stopped_pauses"], 1, "{report}");
    let left = expired(&primary);
    assert!(
        left >= EXPIRED - 500,
        "{left} expired left: the purge did not pause"
    );
    assert_eq!(active(&primary), ACTIVE);
}
