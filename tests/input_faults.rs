//! Hostile or broken inputs outside the store: key files that are devices, FIFOs or
//! huge, environment variables that are not UTF-8, passwords in malformed URLs. Each
//! gives its documented exit code and a message that names the input, fast, with
//! bounded memory, and never repeats a secret.

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::sessctl;

/// The binary with no inherited configuration, as a plain process (so that a test can
/// kill it when it hangs).
fn bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("sessctl"));
    for var in [
        "DATABASE_URL",
        "DJANGO_SECRET_KEY",
        "DJANGO_SECRET_KEY_FALLBACKS",
        "SESSION_FILE_PATH",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_AGE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd`, killing it if it has not finished within `limit` (a hang is a failure,
/// not a stuck test run).
fn run_within(cmd: &mut std::process::Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const SIGNED: &str = "eyJmb28iOiJiYXIifQ:1uLgQ4:m0-UuiHY0rtycEHiRnAZeHzrh6PS-Da-yvLiFU5Ilyg";

#[test]
fn a_secret_key_file_that_is_a_device_or_fifo_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("key.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for path in [
        std::path::Path::new("/dev/zero"),
        std::path::Path::new("/dev/urandom"),
        &fifo,
        tmp.path(),
    ] {
        let out = run_within(
            bin()
                .arg("--secret-key-file")
                .arg(path)
                .args(["decode", SIGNED]),
            Duration::from_secs(10),
        );
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {message}", path.display());
        assert!(
            message.contains("--secret-key-file")
                && message.contains(&path.display().to_string())
                && message.contains("not a regular file"),
            "{message}"
        );
    }
}

#[test]
fn a_huge_secret_key_file_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.key");
    // 3 GB, sparse: no disk used, but read whole it would take 3 GB of memory.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(3 << 30).unwrap();
    drop(file);
    let out = run_within(
        bin()
            .arg("--secret-key-file")
            .arg(&path)
            .args(["decode", SIGNED]),
        Duration::from_secs(10),
    );
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(
        message.contains("--secret-key-file") && message.contains("KiB"),
        "{message}"
    );
}

#[test]
fn a_secret_key_file_that_is_not_text_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("binary.key");
    std::fs::write(&path, b"\xff\xfe key\n").unwrap();
    let out = sessctl()
        .arg("--secret-key-file")
        .arg(&path)
        .args(["decode", SIGNED])
        .output()
        .unwrap();
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(message.contains("not valid UTF-8"), "{message}");
}

#[test]
fn a_normal_secret_key_file_still_works() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ok.key");
    std::fs::write(&path, "wrong-key\r\nanother\n").unwrap();
    let out = sessctl()
        .arg("--secret-key-file")
        .arg(&path)
        .args(["decode", SIGNED, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signature"], "invalid", "{report}");
}

/// Every variable sessctl reads as text, set to bytes that are not UTF-8: exit 2 and a
/// message naming the variable, never "unset" behaviour.
#[test]
fn environment_variables_that_are_not_utf8_are_named_and_refused() {
    let bad = OsStr::from_bytes(b"caf\xe9");
    for var in [
        "DATABASE_URL",
        "DJANGO_SECRET_KEY",
        "DJANGO_SECRET_KEY_FALLBACKS",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_AGE",
    ] {
        let mut cmd = sessctl();
        cmd.env(var, bad);
        if var != "DATABASE_URL" {
            cmd.env("DATABASE_URL", "sqlite:////nonexistent/db.sqlite3");
        }
        if var == "DJANGO_SECRET_KEY_FALLBACKS" {
            // Fallbacks are read only beside a key.
            cmd.env("DJANGO_SECRET_KEY", "key");
        }
        let out = cmd.arg("stats").output().unwrap();
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{var}: {message}");
        assert!(
            message.contains(var) && message.contains("not valid UTF-8"),
            "{var}: {message}"
        );
    }
}

/// SESSION_FILE_PATH is a path: any bytes are a valid one.
#[test]
fn a_session_dir_that_is_not_utf8_is_a_path_like_any_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(OsStr::from_bytes(b"sessions-\xe9"));
    std::fs::create_dir(&dir).unwrap();
    let out = sessctl()
        .env("SESSION_FILE_PATH", &dir)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

const CANARY: &str = "Hunter2Canary";

/// Every form of password the URL parser takes (userinfo, `password=` in the query, any
/// case or percent-encoding of its name), and URLs it fails on because the password
/// holds a raw `/`, `?`, `#` or `@`: whatever the error, the password is not in any
/// message. Each case runs the binary; stdout and stderr are searched for the password.
#[test]
fn no_message_repeats_a_password() {
    let c = CANARY;
    let mut urls: Vec<String> = [
        // Connection refused (nothing listens on port 1).
        format!("postgres://u:{c}@127.0.0.1:1/db?connect_timeout=1"),
        format!("postgres://u@127.0.0.1:1/db?password={c}&connect_timeout=1"),
        format!("postgres://u@127.0.0.1:1/db?connect_timeout=1&PassWord={c}"),
        format!("postgres://u@127.0.0.1:1/db?connect_timeout=1&pass%77ord={c}"),
        format!("postgres://u:first@127.0.0.1:1/db?connect_timeout=1&password={c}"),
        format!("postgresql://u:{c}@%2Fnonexistent%2Fdir/db"),
        format!("postgres://u:{c}@/db?host=/nonexistent/dir"),
        format!("mysql://u:{c}@127.0.0.1:1/db?connect_timeout=1"),
        format!("mysql://u@127.0.0.1:1/db?password={c}&connect_timeout=1"),
        format!("mariadb://u:{c}@127.0.0.1:1/db?connect_timeout=1"),
        // A raw `@` in the password: the last `@` ends the user information.
        format!("postgres://u:{c}@x@127.0.0.1:1/db?connect_timeout=1"),
        // Raw `/`, `?`, `#` in the password: the URL does not parse, or parses into
        // something else (a host `u`, a port, a fragment).
        format!("postgres://u:{c}/x@127.0.0.1/db"),
        format!("postgres://u:ab/{c}@127.0.0.1/db"),
        format!("postgres://u:{c}?x@127.0.0.1/db"),
        format!("postgres://u:{c}#x@127.0.0.1/db"),
        format!("postgres://u:12#{c}@127.0.0.1/db"),
        format!("postgres://u:12?{c}@127.0.0.1/db"),
        format!("postgres://u:12/{c}@127.0.0.1/db"),
        format!("mysql://u:{c}/x@127.0.0.1/db"),
        format!("mysql://u:12#{c}@127.0.0.1/db"),
        // Other malformed URLs.
        format!("postgres://u:{c}@[::1/db"),
        format!("postgres://u:{c}@127.0.0.1:99999/db"),
        format!("postgres://u:{c}@127.0.0.1:1/db?connect_timeout=soon"),
        format!("postgres://u:{c}@127.0.0.1:1/db?sslmode=sometimes"),
        format!("postgres://u:{c}@127.0.0.1:1/db?port=http"),
        format!("postgres://:{c}@127.0.0.1:1/db?connect_timeout=1"),
        format!("postgres://u:{c}@127.0.0.1:1?connect_timeout=1"),
        format!("postgres://u:{c}@127.0.0.1:1/db?sslmode=verify-ca&sslrootcert=/nonexistent"),
        format!("mysql://u:{c}@127.0.0.1:1/db?ssl-mode=VERIFY_CA"),
        format!("mysql://u:{c}@127.0.0.1:1"),
        format!("redis://u:{c}@127.0.0.1:1/0"),
        format!("u:{c}@127.0.0.1/db"),
        format!("postgres:/u:{c}@127.0.0.1/db"),
        format!("sqlite://u:{c}@/nonexistent.sqlite3"),
        format!("sqlite:////nonexistent.sqlite3?password={c}"),
    ]
    .into();
    // Past the connection: a server that accepts the password (trust) or refuses it,
    // then a table that does not exist.
    for (var, scheme) in [
        ("SESSCTL_TEST_POSTGRES_URL", "postgres"),
        ("SESSCTL_TEST_MYSQL_URL", "mysql"),
    ] {
        match std::env::var(var) {
            Ok(url) => {
                let rest = url.split_once("://").unwrap().1;
                let (user, host) = rest.split_once('@').unwrap();
                let user = user.split(':').next().unwrap();
                let table = "--table=no_such_session_table";
                urls.push(format!("{scheme}://{user}:{c}@{host} {table}"));
                urls.push(format!("{scheme}://{user}@{host}?password={c} {table}"));
            }
            Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("{var} is not set under CI=true")
            }
            Err(_) => common::say_skipped(format!("SKIPPED (server cases): {var} not set")),
        }
    }
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = urls
            .iter()
            .flat_map(|line| {
                let (url, extra) = line.split_once(' ').unwrap_or((line, ""));
                [&["stats"][..], &["clear-expired", "--format", "json", "-v"]]
                    .into_iter()
                    .map(move |args| (url, extra, args))
            })
            .map(|(url, extra, args)| {
                scope.spawn(move || {
                    let mut cmd = bin();
                    cmd.args(["-d", url]).args(args);
                    if !extra.is_empty() {
                        cmd.arg(extra);
                    }
                    let out = run_within(&mut cmd, Duration::from_secs(60));
                    let text = format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let leaked = text.contains(CANARY) || out.status.success() || text.is_empty();
                    leaked.then(|| format!("{url} {args:?}: {:?} {text}", out.status.code()))
                })
            })
            .collect();
        runs.into_iter().filter_map(|r| r.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
