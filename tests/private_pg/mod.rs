//! A PostgreSQL server of a test's own, for faults that cannot be caused on a shared
//! server: initdb/pg_ctl from /usr/lib/postgresql/*/bin (as the `postgres` user when the
//! test runs as root, since initdb refuses root), trust authentication, a free loopback
//! port and a Unix socket in the test's temporary directory. [`PrivatePostgres::freeze`]
//! stops every process of the server with SIGSTOP — the server then takes TCP
//! connections (the kernel completes them) but never answers, as a hung host does.
//!
//! The server is stopped (`pg_ctl -m immediate`) when the value is dropped, thawed first.
#![allow(dead_code)]

#[path = "../skipped/mod.rs"]
mod skipped;
pub use skipped::say_skipped;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Says the test `what` is skipped and why; under CI=true that is a failure instead.
pub fn skip(what: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} cannot run in CI: {why}");
    }
    say_skipped(format!("SKIPPED: {what}: {why}"));
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The newest installed PostgreSQL's bin directory.
pub fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Runs a PostgreSQL tool, as `postgres` when we are root.
pub fn pg(bin: &Path, tool: &str, args: &[&str]) -> std::process::Output {
    let program = bin.join(tool);
    let out = if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&program)
            .args(args)
            .output()
    } else {
        Command::new(&program).args(args).output()
    }
    .expect("PostgreSQL tool runs");
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    frozen: bool,
}

impl PrivatePostgres {
    /// Starts a server with `conf` appended to postgresql.conf; `None` (after a SKIPPED
    /// line, or a failure under CI=true) when PostgreSQL is not installed.
    pub fn start(test: &str, conf: &str) -> Option<PrivatePostgres> {
        let Some(bin) = pg_bin() else {
            skip(test, "no /usr/lib/postgresql/*/bin/initdb");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("sessctl-pg-")
            .tempdir()
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data_s = data.to_string_lossy().into_owned();
        pg(
            &bin,
            "initdb",
            &[
                "-D",
                &data_s,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        let mut existing = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        existing.push_str(&format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{d}'\n\
             fsync = off\nsynchronous_commit = off\n{conf}\n",
            d = dir.path().display()
        ));
        std::fs::write(data.join("postgresql.conf"), existing).unwrap();
        let log = dir.path().join("log").to_string_lossy().into_owned();
        pg(
            &bin,
            "pg_ctl",
            &["-D", &data_s, "-l", &log, "-w", "-t", "60", "start"],
        );
        Some(PrivatePostgres {
            bin,
            dir,
            port,
            frozen: false,
        })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The bin directory of the server's tools.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres` plus `query` (without `?`).
    pub fn url(&self, query: &str) -> String {
        let base = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        }
    }

    /// A client over the Unix socket.
    pub fn client(&self) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .user("postgres")
            .dbname("postgres")
            .connect(postgres::NoTls)
            .expect("connect to the private server")
    }

    /// The postmaster and every process it started.
    fn processes(&self) -> Vec<u32> {
        let pid_file = std::fs::read_to_string(self.data().join("postmaster.pid")).unwrap();
        let postmaster: u32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(postmaster) {
                pids.push(pid);
            }
        }
        pids
    }

    fn signal(&self, signal: &str) {
        for pid in self.processes() {
            // A backend may have ended since the listing.
            let _ = Command::new("kill")
                .args([signal, &pid.to_string()])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }

    /// Stops every server process: connections stay open, nothing answers.
    pub fn freeze(&mut self) {
        self.signal("-STOP");
        self.frozen = true;
    }

    pub fn thaw(&mut self) {
        self.signal("-CONT");
        self.frozen = false;
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if self.frozen {
            self.thaw();
        }
        let data = self.data().to_string_lossy().into_owned();
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
