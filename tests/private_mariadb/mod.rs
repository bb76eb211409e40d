//! MariaDB servers of a test's own: `mariadb-install-db` and `mariadbd` with an option
//! file of their own (nothing in /etc/mysql is read), a data directory, socket and pid
//! file in the test's temporary directory, and free loopback ports. Set-up statements go
//! through the `mariadb` client over the socket as root; sessctl connects over TCP as
//! `root@127.0.0.1` (no password), an account created on each server without writing
//! it to the binlog. Replication pairs and Galera clusters are built from these.
//!
//! The server is killed (SIGKILL, it holds nothing worth keeping) when dropped.
#![allow(dead_code)]

#[path = "../skipped/mod.rs"]
mod skipped;
pub use skipped::say_skipped;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

fn find(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// `mariadbd`, `mariadb-install-db` and `mariadb`, when all are installed.
pub fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    Some((
        find(&["mariadbd"])?,
        find(&["mariadb-install-db"])?,
        find(&["mariadb"])?,
    ))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct PrivateMariadb {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
    client: PathBuf,
    mariadbd: PathBuf,
    args: Vec<String>,
}

impl PrivateMariadb {
    /// Installs a server whose option file holds `conf` under `[mariadbd]` (port,
    /// socket and paths are added), and starts it with `args`; `None` (after a SKIPPED
    /// line, or a failure under CI=true) when MariaDB is not installed.
    pub fn start(test: &str, conf: &str, install_args: &[&str], args: &[&str]) -> Option<Self> {
        let server = Self::install(test, conf, install_args)?;
        Some(server.run(args))
    }

    /// Installs, without starting.
    pub fn install(test: &str, conf: &str, install_args: &[&str]) -> Option<Self> {
        let Some((mariadbd, install, client)) = tools() else {
            skip(test, "no mariadbd / mariadb-install-db / mariadb");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("sessctl-mariadb-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let d = dir.path();
        // As root the server runs as `mysql`, as packaged servers do: Galera's rsync SST
        // daemon, started by the server, would otherwise write as `nobody`.
        let user = if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
            let status = Command::new("chown")
                .args(["mysql:mysql"])
                .arg(d)
                .status()
                .unwrap();
            assert!(status.success(), "chown mysql: {}", d.display());
            "user=mysql\n"
        } else {
            ""
        };
        std::fs::write(
            d.join("my.cnf"),
            format!(
                "[mariadbd]\ndatadir={d}/data\nsocket={d}/sock\npid-file={d}/pid\nlog-error={d}/err.log\n\
                 port={port}\nbind-address=127.0.0.1\nskip-name-resolve\n{user}\
                 innodb_buffer_pool_size=64M\ninnodb_log_file_size=16M\n\
                 character-set-server=utf8mb4\n{conf}\n",
                d = d.display()
            ),
        )
        .unwrap();
        let install_once = || {
            Command::new(&install)
                .arg(format!("--defaults-file={}", d.join("my.cnf").display()))
                .args(["--skip-test-db", "--auth-root-authentication-method=normal"])
                .args(install_args)
                .output()
                .unwrap()
        };
        let mut out = install_once();
        let mut first_log = String::new();
        if !out.status.success() {
            // Seen once under a loaded CI run and never reproduced: keep what the server
            // said, start from an empty data directory and try once more.
            first_log = std::fs::read_to_string(d.join("err.log")).unwrap_or_default();
            let _ = std::fs::remove_dir_all(d.join("data"));
            let _ = std::fs::remove_file(d.join("err.log"));
            out = install_once();
        }
        assert!(
            out.status.success(),
            "mariadb-install-db failed twice: {}{}\nerr.log of the first try:\n{first_log}\nerr.log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(d.join("err.log")).unwrap_or_default()
        );
        Some(PrivateMariadb {
            dir,
            port,
            child: None,
            client,
            mariadbd,
            args: Vec::new(),
        })
    }

    /// Starts the installed server with `args` and waits until it answers.
    pub fn run(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|a| a.to_string()).collect();
        self.spawn();
        self
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.mariadbd)
            .arg(format!(
                "--defaults-file={}",
                self.dir.path().join("my.cnf").display()
            ))
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        // A Galera node that is still joining answers SELECT 1 but refuses other
        // statements: the account is created once the node takes it.
        let account = "SET SESSION sql_log_bin = 0; \
             CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; \
             GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION";
        let started = Instant::now();
        loop {
            if self.try_sql(account).is_ok() {
                break;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("mariadbd exited ({status}): {}", self.log_tail());
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "mariadbd never answered: {}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("err.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `sql` as root over the socket; the output, tab-separated, without headers.
    pub fn try_sql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.client)
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-uroot", "-N", "-B", "-e", sql])
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn sql(&self, sql: &str) -> String {
        self.try_sql(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// `mysql://root@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }

    /// Kills the server (its data stays, for a restart).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Django's session table (MySQL DDL) in database `test`, with `expired` sessions
/// expired on 2025-05-01 and `active` ones expiring on 2025-07-01.
pub fn session_table(server: &PrivateMariadb, expired: u64, active: u64) {
    server.sql(&format!(
        "CREATE DATABASE IF NOT EXISTS test; USE test; \
         CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
         session_data longtext NOT NULL, expire_date datetime(6) NOT NULL, \
         KEY django_session_expire_date (expire_date)) ENGINE=InnoDB; \
         INSERT INTO django_session SELECT CONCAT('x', seq), REPEAT('e30:x:y', 40), \
         '2025-05-01 00:00:00' FROM seq_1_to_{expired}; \
         INSERT INTO django_session SELECT CONCAT('a', seq), 'e30:x:y', \
         '2025-07-01 00:00:00' FROM seq_1_to_{active}"
    ));
}

pub fn count(server: &PrivateMariadb, cond: &str) -> u64 {
    server
        .sql(&format!(
            "SELECT COUNT(*) FROM test.django_session WHERE {cond}"
        ))
        .parse()
        .unwrap()
}
