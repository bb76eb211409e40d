//! sessctl run in the background by the fault and topology tests: started against a
//! database URL while the test changes the servers around it, then waited for with a
//! time limit, so that a run that hangs fails its test instead of hanging the suite.

#![allow(dead_code)] // each test binary uses its own part

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// `sessctl --database-url URL --now NOW ARGS…`, started with its output piped and
/// nothing from the developer's shell: no `DATABASE_URL`, no home directory (so no
/// `~/.pgpass` or `~/.my.cnf`), no terminal on stdin.
pub fn spawn(url: &str, now: &str, args: &[&str]) -> Child {
    command(url, now, args).spawn().unwrap()
}

/// The command [`spawn`] starts, for tests that change it first.
pub fn command(url: &str, now: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("sessctl"));
    cmd.env_remove("DATABASE_URL")
        .env("HOME", "/nonexistent")
        .args(["--database-url", url, "--now", now])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Waits for `child` at most `limit`; kills it and fails the test past that (`what`
/// names the run in the failure). Returns the status, stdout and stderr.
pub fn wait_at_most(
    child: &mut Child,
    limit: Duration,
    what: &str,
) -> (ExitStatus, String, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (mut out, mut err) = (String::new(), String::new());
            if let Some(mut stdout) = child.stdout.take() {
                stdout.read_to_string(&mut out).unwrap();
            }
            if let Some(mut stderr) = child.stderr.take() {
                stderr.read_to_string(&mut err).unwrap();
            }
            return (status, out, err);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: sessctl still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
