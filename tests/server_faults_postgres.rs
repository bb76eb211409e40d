//! PostgreSQL servers that stop answering: a loopback listener that accepts and never
//! speaks, and a private server frozen with SIGSTOP before a purge connects or in the
//! middle of one. sessctl must never wait for them for ever: the connect timeout bounds
//! the whole handshake, every statement has a client-side deadline, and SIGTERM ends a
//! run within a few seconds with exit 130. No unexpired session is lost, and a rerun
//! once the server answers finishes the job.

mod background;
mod private_pg;

use background::wait_at_most;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use private_pg::PrivatePostgres;

const NOW: &str = "2025-06-01T12:00:00Z";
const EXPIRED: i64 = 20_000;
const ACTIVE: i64 = 1_000;

/// A server with `EXPIRED` expired and `ACTIVE` unexpired sessions in django_session.
fn server_with_sessions(test: &str) -> Option<PrivatePostgres> {
    let server = PrivatePostgres::start(test, "")?;
    server
        .client()
        .batch_execute(&format!(
            "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data text NOT NULL, expire_date timestamp with time zone NOT NULL); \
             CREATE INDEX django_session_expire_date ON django_session (expire_date); \
             INSERT INTO django_session SELECT 'x' || g, 'e30:x:y', '2025-05-01+00' \
             FROM generate_series(1, {EXPIRED}) g; \
             INSERT INTO django_session SELECT 'a' || g, 'e30:x:y', '2025-07-01+00' \
             FROM generate_series(1, {ACTIVE}) g; ANALYZE django_session"
        ))
        .unwrap();
    Some(server)
}

fn count(server: &PrivatePostgres, cond: &str) -> i64 {
    server
        .client()
        .query_one(
            &format!("SELECT count(*) FROM django_session WHERE {cond}"),
            &[],
        )
        .unwrap()
        .get(0)
}

/// Starts a throttled purge and returns once it has committed a few batches.
fn purge_under_way(server: &PrivatePostgres, url: &str) -> Child {
    let mut purge = background::command(
        url,
        NOW,
        &["clear-expired", "--batch-size", "100", "--sleep", "50ms"],
    )
    .spawn()
    .unwrap();
    let started = Instant::now();
    while count(server, "expire_date < '2025-06-01+00'") > EXPIRED - 500 {
        assert!(
            purge.try_wait().unwrap().is_none(),
            "the purge ended too early"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    purge
}

/// After the fault: nothing unexpired was lost, and a rerun finishes the job.
fn rerun_finishes(server: &PrivatePostgres) {
    assert_eq!(count(server, "expire_date >= '2025-06-01+00'"), ACTIVE);
    let mut rerun = background::command(&server.url(""), NOW, &["clear-expired"])
        .spawn()
        .unwrap();
    let (status, out, err) = wait_at_most(&mut rerun, Duration::from_secs(60), "rerun");
    let stderr = out + &err;
    assert!(status.success(), "rerun: {stderr}");
    assert_eq!(count(server, "expire_date < '2025-06-01+00'"), 0);
    assert_eq!(count(server, "expire_date >= '2025-06-01+00'"), ACTIVE);
}

#[test]
fn half_open_listener_is_bounded_by_the_connect_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts every connection and keeps it open, never sending a byte.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    for query in [
        "connect_timeout=2&sslmode=disable",
        "connect_timeout=2&sslmode=require",
        "connect_timeout=2",
    ] {
        let url = format!("postgres://app:hunter2@127.0.0.1:{port}/db?{query}");
        let started = Instant::now();
        let mut child = background::command(&url, NOW, &["stats"]).spawn().unwrap();
        let (status, out, err) = wait_at_most(&mut child, Duration::from_secs(30), query);
        let stderr = out + &err;
        let took = started.elapsed();
        println!("half-open listener, {query}: exit {status} after {took:.2?}");
        assert_eq!(status.code(), Some(3), "{query}: {stderr}");
        assert!(took < Duration::from_secs(8), "{query}: took {took:?}");
        assert!(stderr.contains("connect_timeout"), "{query}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{query}: {stderr}");
    }
}

#[test]
fn frozen_server_is_bounded_by_the_connect_timeout() {
    let Some(mut server) = server_with_sessions("frozen_server_is_bounded_by_the_connect_timeout")
    else {
        return;
    };
    server.freeze();
    let started = Instant::now();
    let mut child = background::command(&server.url("connect_timeout=2"), NOW, &["stats"])
        .spawn()
        .unwrap();
    let (status, out, err) = wait_at_most(&mut child, Duration::from_secs(30), "frozen connect");
    let stderr = out + &err;
    let took = started.elapsed();
    println!("frozen server, connect: exit {status} after {took:.2?}");
    server.thaw();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(stderr.contains("connect_timeout"), "{stderr}");
}

#[test]
fn signal_ends_a_purge_on_a_frozen_server() {
    let Some(mut server) = server_with_sessions("signal_ends_a_purge_on_a_frozen_server") else {
        return;
    };
    let mut purge = purge_under_way(&server, &server.url(""));
    server.freeze();
    // Long enough for the purge to be waiting on the frozen server.
    std::thread::sleep(Duration::from_millis(800));
    let signalled = Instant::now();
    let sent = Command::new("kill")
        .args(["-TERM", &purge.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(60), "SIGTERM");
    let stderr = out + &err;
    let took = signalled.elapsed();
    println!("frozen server, SIGTERM: exit {status} after {took:.2?}; stderr: {stderr}");
    server.thaw();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    rerun_finishes(&server);
}

#[test]
fn statement_deadline_ends_a_purge_on_a_frozen_server() {
    let Some(mut server) =
        server_with_sessions("statement_deadline_ends_a_purge_on_a_frozen_server")
    else {
        return;
    };
    // A session statement_timeout of 1 s: sessctl's deadline is that plus its slack.
    let url = server.url("options=-c%20statement_timeout%3D1000");
    let mut purge = purge_under_way(&server, &url);
    server.freeze();
    let frozen = Instant::now();
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(60), "deadline");
    let stderr = out + &err;
    let took = frozen.elapsed();
    println!("frozen server, no signal: exit {status} after {took:.2?}; stderr: {stderr}");
    server.thaw();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(stderr.contains("no answer from the server"), "{stderr}");
    rerun_finishes(&server);
}

/// A `statement_timeout` set for the role is stricter than sessctl's own per-batch limit
/// and is kept, not overridden: batches that outlast it fail (after their retries), and
/// the message names the setting. (Each DELETE here is slowed by a trigger.)
#[test]
fn role_statement_timeout_is_kept_when_stricter() {
    let Some(server) = server_with_sessions("role_statement_timeout_is_kept_when_stricter") else {
        return;
    };
    server
        .client()
        .batch_execute(
            "CREATE ROLE app LOGIN; GRANT SELECT, DELETE, UPDATE ON django_session TO app; \
             ALTER ROLE app SET statement_timeout = '100ms'; \
             CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$; \
             CREATE TRIGGER slow BEFORE DELETE ON django_session \
             FOR EACH STATEMENT EXECUTE FUNCTION slow()",
        )
        .unwrap();
    let url = format!("postgres://app@127.0.0.1:{}/postgres", server.port);
    let mut purge = background::command(&url, NOW, &["clear-expired"])
        .spawn()
        .unwrap();
    let (status, out, err) = wait_at_most(&mut purge, Duration::from_secs(60), "role timeout");
    let output = out + &err;
    assert_eq!(status.code(), Some(1), "{output}");
    assert!(output.contains("statement_timeout"), "{output}");
    assert!(output.contains("100 ms"), "{output}");
    assert_eq!(count(&server, "expire_date < '2025-06-01+00'"), EXPIRED);
}
