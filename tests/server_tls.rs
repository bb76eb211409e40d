//! TLS to PostgreSQL through rustls: the test starts its own PostgreSQL (initdb/pg_ctl
//! from /usr/lib/postgresql/*/bin, as the `postgres` user when run as root) with
//! `ssl=on`, a certificate signed by a CA made here with the openssl CLI, on a free
//! loopback port, accepting only TLS connections over TCP (`hostssl`). Then:
//! sslmode=require connects; verify-ca and verify-full with the right CA connect;
//! verify-full with another CA fails with exit 3; sslmode=disable is refused (exit 3).
//!
//! Without the PostgreSQL binaries or openssl the test says SKIPPED (fails under CI=true).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

mod tls;

use tls::{is_root, make_certs};

fn skip(why: &str) {
    tls::skip("PostgreSQL TLS test", why);
}

fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Runs a PostgreSQL tool, as `postgres` when we are root (initdb refuses root).
fn pg(bin: &Path, tool: &str, args: &[&str]) -> std::process::Output {
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

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(self.bin.join("pg_ctl"))
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        };
    }
}

fn sessctl(url: &str) -> std::process::Output {
    assert_cmd::Command::cargo_bin("sessctl")
        .unwrap()
        .env_remove("DATABASE_URL")
        .args([
            "--database-url",
            url,
            "--now",
            "2025-06-01T12:00:00Z",
            "stats",
        ])
        .output()
        .unwrap()
}

#[test]
fn postgres_tls_modes() {
    let Some(bin) = pg_bin() else {
        return skip("no /usr/lib/postgresql/*/bin/initdb");
    };
    if Command::new("openssl").arg("version").output().is_err() {
        return skip("no openssl CLI to make the certificates");
    }
    let root = tempfile::Builder::new()
        .prefix("sessctl-tls-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = root.path();
    make_certs(dir);
    for f in ["server.key", "server.crt", "ca.pem", "other-ca.pem"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
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
    let conf = format!(
        "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{d}'\n\
         ssl = on\nssl_cert_file = '{d}/server.crt'\nssl_key_file = '{d}/server.key'\n\
         fsync = off\n",
        d = dir.display()
    );
    let mut existing = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
    existing.push_str(&conf);
    std::fs::write(data.join("postgresql.conf"), existing).unwrap();
    // TCP only with TLS; the Unix socket (used here to set up) in plain text.
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
    )
    .unwrap();
    let log = dir.join("log").to_string_lossy().into_owned();
    pg(
        &bin,
        "pg_ctl",
        &["-D", &data_s, "-l", &log, "-w", "-t", "60", "start"],
    );
    let _cluster = Cluster {
        bin: bin.clone(),
        data: data.clone(),
    };

    let mut admin = postgres::Config::new()
        .host_path(dir)
        .port(port)
        .user("postgres")
        .dbname("postgres")
        .connect(postgres::NoTls)
        .expect("connect over the socket");
    admin
        .batch_execute(
            "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data text NOT NULL, expire_date timestamp with time zone NOT NULL); \
             INSERT INTO django_session VALUES ('k1', 'e30:x:y', '2025-06-15 11:00:00+00')",
        )
        .unwrap();

    let base = format!("postgres://postgres:hunter2@127.0.0.1:{port}/postgres");
    let ca = dir.join("ca.pem");
    let other = dir.join("other-ca.pem");
    let ok = |query: String| {
        let url = format!("{base}?{query}");
        let out = sessctl(&url);
        assert!(
            out.status.success(),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("total"));
    };
    let fails = |query: String, expect: &str| {
        let url = format!("{base}?{query}");
        let out = sessctl(&url);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{query}: {stderr}");
        assert!(
            stderr.contains(expect),
            "{query}: `{expect}` not in {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "password shown: {stderr}");
    };
    ok("sslmode=require".into());
    ok("sslmode=prefer".into());
    ok(format!("sslmode=verify-ca&sslrootcert={}", ca.display()));
    ok(format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    fails(
        format!("sslmode=verify-full&sslrootcert={}", other.display()),
        "certificate",
    );
    fails(
        format!("sslmode=verify-ca&sslrootcert={}", other.display()),
        "certificate",
    );
    // Mozilla's roots do not know the test CA.
    fails("sslmode=verify-full".into(), "certificate");
    // The server takes TCP connections only with TLS.
    fails("sslmode=disable".into(), "cannot connect");
}
