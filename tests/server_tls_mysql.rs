//! TLS to MySQL/MariaDB through the mysql crate's rustls: the test starts its own
//! MariaDB (mariadb-install-db and mariadbd, as the `mysql` user when run as root) with a
//! certificate signed by a CA made here with the openssl CLI, on a free loopback port,
//! with `require_secure_transport` so TCP connections must use TLS. Then:
//! ssl-mode=REQUIRED and PREFERRED connect; VERIFY_CA and VERIFY_IDENTITY with the right
//! CA connect; with another CA, or with no ssl-ca (no public CA is trusted), they fail
//! with exit 3; VERIFY_IDENTITY checks the host name and VERIFY_CA does not (on 127.0.0.2,
//! which the certificate does not name, when that address can be bound);
//! ssl-mode=DISABLED is refused (exit 3) with a message that points at TLS. The password
//! never shows in any output.
//!
//! Without the MariaDB server binaries or openssl the test says SKIPPED (fails under CI=true).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

const PASSWORD: &str = "hunter2";

mod tls;

use tls::{is_root, make_certs, say_skipped};

fn skip(why: &str) {
    tls::skip("MySQL/MariaDB TLS test", why);
}

/// `name` on the PATH or in the sbin directories (often not on a user's PATH).
fn find_bin(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The running server: killed (it holds only throwaway data) and its directory removed
/// when dropped, also when an assertion panics.
struct Server {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // `dir` is removed after this, once the server no longer writes to it.
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

/// A free loopback port for `address`, or None when the address cannot be bound.
fn free_port(address: &str) -> Option<u16> {
    Some(
        std::net::TcpListener::bind((address, 0))
            .ok()?
            .local_addr()
            .ok()?
            .port(),
    )
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
            "--format",
            "json",
        ])
        .output()
        .unwrap()
}

#[test]
fn mysql_tls_modes() {
    let (Some(mariadbd), Some(install_db)) = (find_bin("mariadbd"), find_bin("mariadb-install-db"))
    else {
        return skip("no mariadbd / mariadb-install-db (apt-get install mariadb-server)");
    };
    if Command::new("openssl").arg("version").output().is_err() {
        return skip("no openssl CLI to make the certificates");
    }
    let root = is_root();
    // In /tmp: the socket path must stay short (108 bytes), and the `mysql` user must
    // reach it, which it may not under a TMPDIR in root's home.
    let tmp = tempfile::Builder::new()
        .prefix("sessctl-mytls-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tmp.path().to_path_buf();
    make_certs(&dir);
    for f in ["server.crt", "ca.pem", "other-ca.pem"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    if root {
        // mariadbd refuses to run as root: it runs as `mysql`, which must own its files
        // (the server key among them).
        let status = Command::new("chown")
            .args(["-R", "mysql:mysql"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "chown to mysql");
    }
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let user_arg: &[&str] = if root { &["--user=mysql"] } else { &[] };

    let out = Command::new(&install_db)
        .arg("--no-defaults")
        .args(user_arg)
        .arg(format!("--datadir={}", path("data")))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
        .output()
        .expect("mariadb-install-db runs");
    assert!(
        out.status.success(),
        "mariadb-install-db: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let port = free_port("127.0.0.1").expect("a free port on 127.0.0.1");
    // A second loopback address not named by the certificate, to see VERIFY_IDENTITY
    // check the host name (Linux routes all of 127.0.0.0/8 to the loopback device).
    let other_host = free_port("127.0.0.2").map(|_| "127.0.0.2");
    let bind = match other_host {
        Some(h) => format!("127.0.0.1,{h}"),
        None => "127.0.0.1".to_owned(),
    };
    let socket = path("sock");
    let child = Command::new(&mariadbd)
        .arg("--no-defaults")
        .args(user_arg)
        .args([
            format!("--datadir={}", path("data")),
            format!("--socket={socket}"),
            format!("--port={port}"),
            format!("--bind-address={bind}"),
            format!("--pid-file={}", path("mariadbd.pid")),
            format!("--log-error={}", path("error.log")),
            format!("--ssl-ca={}", path("ca.pem")),
            format!("--ssl-cert={}", path("server.crt")),
            format!("--ssl-key={}", path("server.key")),
            "--require-secure-transport=ON".to_owned(),
            "--skip-name-resolve".to_owned(),
            "--innodb-buffer-pool-size=16M".to_owned(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mariadbd starts");
    let mut server = Server { child, dir: tmp };

    // Set up over the Unix socket, which require_secure_transport lets through in plain
    // text; waits until the server takes connections.
    let admin_opts = mysql::OptsBuilder::new()
        .socket(Some(socket.clone()))
        .user(Some("root"));
    let started = Instant::now();
    let mut admin = loop {
        match mysql::Conn::new(admin_opts.clone()) {
            Ok(conn) => break conn,
            Err(e) => {
                if let Some(status) = server.child.try_wait().unwrap() {
                    panic!("mariadbd exited ({status}): {}", server.log());
                }
                if started.elapsed() > Duration::from_secs(30) {
                    panic!("mariadbd not ready after 30 s ({e}): {}", server.log());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    let have_ssl: Option<(String, String)> =
        admin.query_first("SHOW VARIABLES LIKE 'have_ssl'").unwrap();
    assert_eq!(
        have_ssl.map(|(_, v)| v).as_deref(),
        Some("YES"),
        "the server did not load its certificate: {}",
        server.log()
    );
    admin
        .query_drop(format!(
            "CREATE DATABASE test; \
             CREATE USER 'tls'@'127.0.0.%' IDENTIFIED BY '{PASSWORD}'; \
             GRANT ALL ON test.* TO 'tls'@'127.0.0.%'; \
             CREATE TABLE test.django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data longtext NOT NULL, expire_date datetime(6) NOT NULL); \
             CREATE INDEX django_session_expire_date_a5c62663 ON test.django_session (expire_date); \
             INSERT INTO test.django_session VALUES \
             ('k1', 'e30:x:y', '2025-06-15 11:00:00'), ('k2', 'e30:x:z', '2025-05-01 00:00:00')"
        ))
        .unwrap();
    drop(admin);

    let ca = dir.join("ca.pem");
    let other = dir.join("other-ca.pem");
    let run = |host: &str, query: &str| {
        let url = format!("mysql://tls:{PASSWORD}@{host}:{port}/test?{query}");
        let out = sessctl(&url);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
            "{query}: password shown: {stdout}{stderr}"
        );
        (out.status.code(), stdout, stderr)
    };
    let ok_at = |host: &str, query: String| {
        let (code, stdout, stderr) = run(host, &query);
        assert_eq!(code, Some(0), "{host} {query}: {stderr}");
        let stats: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{query}: not JSON ({e}): {stdout}"));
        assert_eq!(stats["total"], 2, "{query}: {stdout}");
        assert_eq!(stats["expired"], 1, "{query}: {stdout}");
    };
    let fails_at = |host: &str, query: String, expect: &str| {
        let (code, _, stderr) = run(host, &query);
        assert_eq!(code, Some(3), "{host} {query}: {stderr}");
        assert!(
            stderr.contains(expect),
            "{host} {query}: `{expect}` not in {stderr}"
        );
    };
    let ok = |query: String| ok_at("127.0.0.1", query);
    let fails = |query: String, expect: &str| fails_at("127.0.0.1", query, expect);

    ok("ssl-mode=REQUIRED".into());
    ok("ssl-mode=PREFERRED".into());
    // No ssl-mode: PREFERRED, as the MySQL clients default to.
    ok(String::new());
    ok(format!("ssl-mode=VERIFY_CA&ssl-ca={}", ca.display()));
    ok(format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={}", ca.display()));
    // REQUIRED with a CA file checks the chain, as libpq does with a root certificate.
    ok(format!("ssl-mode=REQUIRED&ssl-ca={}", ca.display()));
    fails(
        format!("ssl-mode=REQUIRED&ssl-ca={}", other.display()),
        "certificate",
    );
    fails(
        format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={}", other.display()),
        "certificate",
    );
    fails(
        format!("ssl-mode=VERIFY_CA&ssl-ca={}", other.display()),
        "certificate",
    );
    // Nothing to verify against: no public CA is trusted.
    for mode in ["VERIFY_IDENTITY", "VERIFY_CA"] {
        fails(
            format!("ssl-mode={mode}"),
            &format!(
                "ssl-mode={mode} needs ssl-ca=CA.pem, the CA that signed the server's \
                 certificate (sessctl trusts no public CA for MySQL)"
            ),
        );
    }
    fails(
        format!(
            "ssl-mode=VERIFY_CA&ssl-ca={}",
            dir.join("missing.pem").display()
        ),
        "cannot read ssl-ca",
    );
    // The server takes TCP connections only with TLS.
    fails("ssl-mode=DISABLED".into(), "require_secure_transport");

    match other_host {
        Some(host) => {
            // The certificate names 127.0.0.1 and localhost, not 127.0.0.2.
            ok_at(host, format!("ssl-mode=VERIFY_CA&ssl-ca={}", ca.display()));
            fails_at(
                host,
                format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={}", ca.display()),
                "certificate",
            );
        }
        None => say_skipped(
            "SKIPPED: MySQL/MariaDB TLS test: host name check (127.0.0.2 cannot be bound)"
                .to_owned(),
        ),
    }
}
