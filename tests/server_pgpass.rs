//! `~/.pgpass` and `PGPASSFILE` on a private PostgreSQL server that checks passwords
//! (scram-sha-256 in pg_hba.conf; the shared test server trusts every connection, so a
//! password it accepts proves nothing): the password file is read only when no password
//! is given, its first matching line wins, `*` and `\:` work as in libpq, a socket is
//! matched by its directory, and a file group or others may read is ignored with a
//! warning. HOME and the PG* variables point into a temporary directory (or are unset),
//! so no real file of the user is read.

mod private_pg;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Every variable libpq would read.
const CONNECTION_VARS: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGCONNECT_TIMEOUT",
    "PGAPPNAME",
    "PGOPTIONS",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGPASSFILE",
    "PGSYSCONFDIR",
];

/// sessctl with a private HOME and no connection variables but `vars`.
fn sessctl(home: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sessctl").unwrap();
    cmd.env_remove("DATABASE_URL")
        .env_remove("DATABASE_URL_FILE");
    for var in CONNECTION_VARS {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home).env("PGSYSCONFDIR", home);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `total` of a `stats --format json` run that must succeed.
fn total(out: &Output) -> i64 {
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    report["total"].as_i64().unwrap()
}

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// The private server's pg_hba.conf: the admin client over the socket as postgres
/// without a password, every other connection with scram-sha-256.
fn require_passwords(server: &private_pg::PrivatePostgres) {
    let hba = server.dir().join("data/pg_hba.conf");
    std::fs::write(
        &hba,
        "local all postgres trust\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    let mut client = server.client();
    client.batch_execute("SELECT pg_reload_conf()").unwrap();
    // The postmaster reads the file when it handles SIGHUP; wait until it has.
    for _ in 0..50 {
        let rows = client
            .query(
                "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'scram-sha-256'",
                &[],
            )
            .unwrap();
        if rows[0].get::<_, i64>(0) == 2 {
            std::thread::sleep(std::time::Duration::from_millis(300));
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("pg_hba.conf was not reloaded");
}

#[test]
fn pgpass_supplies_the_password_a_scram_server_checks() {
    let test = "pgpass_supplies_the_password_a_scram_server_checks";
    let Some(server) =
        private_pg::PrivatePostgres::start(test, "password_encryption = 'scram-sha-256'")
    else {
        return;
    };
    let role = format!("sessctl_conn_{}", std::process::id());
    // A password with a colon, written `\:` in .pgpass.
    let password = format!("pw:{}-secret", std::process::id());
    let mut admin = server.client();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{password}'; \
             CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY, \
               session_data text NOT NULL, expire_date timestamptz NOT NULL); \
             INSERT INTO django_session VALUES ('a', 'x', now() + interval '1 day'); \
             GRANT SELECT ON django_session TO {role};"
        ))
        .unwrap();
    require_passwords(&server);
    let port = server.port.to_string();
    let tcp = format!("postgres://{role}@127.0.0.1:{port}/postgres");
    let escaped = password.replace(':', "\\:");
    let home = tempfile::tempdir().unwrap();
    let stats = |vars: &[(&str, &str)], url: &str| {
        sessctl(home.path(), vars, &["-d", url, "stats", "--format", "json"])
    };

    // No password anywhere: the server refuses, and the message says where to put one.
    let out = stats(&[], &tcp);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(stderr(&out).contains("~/.pgpass"), "{out:?}");

    // ~/.pgpass: the first matching line wins; wildcards; `\:` in the password.
    let pgpass = write(
        home.path(),
        ".pgpass",
        &format!(
            "# test\n127.0.0.1:1:*:*:not-this-one\n127.0.0.1:{port}:*:{role}:{escaped}\n*:*:*:*:nor-this\n"
        ),
        0o600,
    );
    assert_eq!(total(&stats(&[], &tcp)), 1);

    // A password given otherwise wins, and .pgpass is not consulted.
    let out = stats(&[("PGPASSWORD", "wrong-password")], &tcp);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stderr(&out);
    assert!(
        text.contains("authentication failed") && text.contains("PGPASSWORD"),
        "{text}"
    );
    assert!(!text.contains("wrong-password"), "{text}");

    // A wrong password in the file: refused, the line named, the password never shown.
    let elsewhere = write(
        home.path(),
        "other-pgpass",
        &format!("*:*:*:{role}:bad-{}\n", std::process::id()),
        0o600,
    );
    let out = stats(&[("PGPASSFILE", elsewhere.to_str().unwrap())], &tcp);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stderr(&out);
    assert!(
        text.contains("password file") && text.contains("other-pgpass line 1"),
        "{text}"
    );
    assert!(
        !text.contains(&format!("bad-{}", std::process::id())),
        "{text}"
    );

    // ?passfile= beats PGPASSFILE.
    let out = stats(
        &[("PGPASSFILE", elsewhere.to_str().unwrap())],
        &format!("{tcp}?passfile={}", pgpass.display()),
    );
    assert_eq!(total(&out), 1);

    // Over the Unix socket: the host field is the socket directory.
    let dir = server.dir().to_str().unwrap().to_owned();
    let socket_url = format!("postgres:///postgres?host={dir}&port={port}&user={role}");
    let out = stats(&[], &socket_url);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    write(
        home.path(),
        ".pgpass",
        &format!(
            "{}:{port}:postgres:{role}:{escaped}\n",
            dir.replace(':', "\\:")
        ),
        0o600,
    );
    assert_eq!(total(&stats(&[], &socket_url)), 1);

    // Group-readable: ignored with libpq's warning, so the server refuses.
    std::fs::set_permissions(
        home.path().join(".pgpass"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let out = stats(&[], &socket_url);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stderr(&out);
    assert!(
        text.contains("warning") && text.contains("group or world access"),
        "{text}"
    );
    assert!(!text.contains(&password), "{text}");
}
