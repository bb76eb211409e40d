//! MySQL/MariaDB servers that stop answering: a loopback listener that accepts and never
//! sends the server greeting, and the real server behind a loopback relay that freezes
//! (stops passing bytes either way) in the middle of a purge, as a hung host or a cut
//! network does. sessctl must not wait for them for ever: the connect timeout bounds the
//! handshake, and SIGTERM ends a purge within a few seconds with exit 130 and a summary
//! of what was committed. No unexpired session is lost, and a rerun finishes the job.

mod background;
mod servers;

use background::wait_at_most;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use servers::{server, sessctl_path, Kind, Table, REFERENCE};

/// A listener that takes connections and never says a word.
fn silent_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// A relay to `target` that passes bytes both ways until `frozen` is raised, then holds
/// them (the connections stay open).
fn relay(target: String, frozen: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(&target) else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                (upstream, client),
            ] {
                let frozen = frozen.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        let n = match from.read(&mut buf) {
                            Ok(0) | Err(_) => {
                                // One side closed: close the other, so the server ends
                                // the session (and releases its purge lock).
                                let _ = to.shutdown(std::net::Shutdown::Both);
                                let _ = from.shutdown(std::net::Shutdown::Both);
                                break;
                            }
                            Ok(n) => n,
                        };
                        while frozen.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        }
    });
    port
}

/// The URL with its host and port replaced by the relay's.
fn through(url: &str, port: u16) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    parsed.set_host(Some("127.0.0.1")).unwrap();
    parsed.set_port(Some(port)).unwrap();
    parsed.to_string()
}

fn host_port(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(3306)
    )
}

fn sessctl(url: &str, table: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(sessctl_path());
    cmd.env_remove("DATABASE_URL")
        .args(["--database-url", url, "--table", table, "--now", REFERENCE])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn a_server_that_never_greets_is_given_up_after_the_connect_timeout() {
    let port = silent_listener();
    let url = format!("mysql://root@127.0.0.1:{port}/test?connect_timeout=2");
    let started = Instant::now();
    let mut child = sessctl(&url, "django_session", &["stats"]).spawn().unwrap();
    let (status, out, err) = wait_at_most(&mut child, Duration::from_secs(30), "silent listener");
    let (code, text) = (status.code(), out + &err);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

#[test]
fn sigterm_ends_a_purge_on_a_frozen_server() {
    let Some(url) = server(Kind::Mysql, "sigterm_ends_a_purge_on_a_frozen_server") else {
        return;
    };
    let mut table = Table::create(Kind::Mysql, &url, "frozen");
    let now = chrono::DateTime::parse_from_rfc3339(REFERENCE)
        .unwrap()
        .with_timezone(&chrono::Utc);
    table.insert(&servers::generated(
        "old",
        20_000,
        now - chrono::Duration::days(1),
    ));
    let active = servers::generated("new", 1_000, now + chrono::Duration::days(1));
    table.insert(&active);
    let frozen = Arc::new(AtomicBool::new(false));
    let port = relay(host_port(&url), frozen.clone());
    let relayed = through(&url, port);
    let mut child = sessctl(
        &relayed,
        &table.name,
        &["clear-expired", "--batch-size", "200", "--sleep", "30ms"],
    )
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    frozen.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(500));
    let signalled = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let (status, out, err) = wait_at_most(&mut child, Duration::from_secs(30), "frozen server");
    let (code, text) = (status.code(), out + &err);
    assert_eq!(code, Some(130), "{text}");
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "ended {:?} after the signal",
        signalled.elapsed()
    );
    assert!(
        text.contains("clear-expired: deleted"),
        "no summary: {text}"
    );
    frozen.store(false, Ordering::SeqCst);
    // A rerun straight to the server finishes the job once the server has ended the
    // frozen session (its purge lock goes with it); nothing active was lost.
    let mut rerun = sessctl(
        &url,
        &table.name,
        &["clear-expired", "--wait", "--max-runtime", "30s"],
    )
    .spawn()
    .unwrap();
    let (status, out, err) = wait_at_most(&mut rerun, Duration::from_secs(60), "rerun");
    let (code, text) = (status.code(), out + &err);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        table.count_where("expire_date < '2025-06-01 12:00:00'"),
        0,
        "{text}"
    );
    assert_eq!(table.count_where("1"), active.len() as i64);
}
