//! Connection settings as psql, the mysql client and Django's drivers take them, on real
//! servers: `postgres:///DB` (the local socket as the operating-system user), libpq's
//! environment, service files and `~/.pgpass` in libpq's order, the `[client]` section of
//! `~/.my.cnf`, and GeoDjango's `postgis://` and `mysqlgis://` schemes.
//!
//! Every test runs with HOME, PGSYSCONFDIR and the PG* variables pointing into a
//! temporary directory (or unset), so no real file of the user is read. A password from
//! `~/.my.cnf` is proved to reach the server with a MariaDB user created with one;
//! `~/.pgpass`, which needs a server that checks passwords, is in server_pgpass.rs.

mod servers;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use servers::{Client, Kind, Table};

/// Every variable libpq or the mysql client would read.
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
    "MYSQL_PWD",
    "MYSQL_HOST",
];

/// sessctl with a private HOME and no connection variables but `vars`.
fn sessctl(home: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = servers::sessctl();
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

/// Says the test is skipped and why; under CI=true that is a failure instead.
fn skip(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test} cannot run in CI: {why}");
    }
    servers::say_skipped(format!("SKIPPED: {test}: {why}"));
}

fn os_user() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A table of two sessions on the test PostgreSQL server, readable by every role.
fn pg_table(url: &str, tag: &str) -> Table {
    let mut table = Table::create(Kind::Postgres, url, tag);
    let t = chrono::Utc::now() + chrono::Duration::days(1);
    table.insert(&servers::generated("conn", 2, t));
    let sql = format!("GRANT SELECT ON {} TO PUBLIC", table.quoted());
    table.client.exec(&sql);
    table
}

#[test]
fn postgres_without_host_or_user_is_the_local_socket_as_the_os_user() {
    let test = "postgres_without_host_or_user_is_the_local_socket_as_the_os_user";
    let Some(url) = servers::server(Kind::Postgres, test) else {
        return;
    };
    if !Path::new("/var/run/postgresql/.s.PGSQL.5432").exists() {
        skip(test, "no PostgreSQL socket in /var/run/postgresql");
        return;
    }
    let user = os_user();
    let mut admin = Client::connect(Kind::Postgres, &url).unwrap();
    let exists = admin.count(&format!(
        "SELECT COUNT(*) FROM pg_roles WHERE rolname = '{}' AND rolcanlogin",
        user.replace('\'', "''")
    ));
    if exists == 0 {
        skip(test, &format!("no login role `{user}` on the test server"));
        return;
    }
    let table = pg_table(&url, "socket");
    let database = url::Url::parse(&url).unwrap().path()[1..].to_owned();
    let home = tempfile::tempdir().unwrap();
    for scheme in ["postgres", "postgis"] {
        let out = sessctl(
            home.path(),
            &[],
            &[
                "-d",
                &format!("{scheme}:///{database}"),
                "--table",
                &table.name,
                "stats",
                "--format",
                "json",
            ],
        );
        assert_eq!(total(&out), 2, "{scheme}");
    }
}

#[test]
fn libpq_environment_fills_what_the_url_leaves_out_and_the_url_wins() {
    let test = "libpq_environment_fills_what_the_url_leaves_out_and_the_url_wins";
    let Some(url) = servers::server(Kind::Postgres, test) else {
        return;
    };
    let table = pg_table(&url, "env");
    let parsed = url::Url::parse(&url).unwrap();
    let host = parsed.host_str().unwrap().to_owned();
    let port = parsed.port().unwrap_or(5432).to_string();
    let user = parsed.username().to_owned();
    let database = parsed.path()[1..].to_owned();
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("PGHOST", host.as_str()),
        ("PGPORT", port.as_str()),
        ("PGUSER", user.as_str()),
        ("PGDATABASE", database.as_str()),
        ("PGAPPNAME", "sessctl-env-test"),
    ];
    let stats = |vars: &[(&str, &str)], url: &str| {
        sessctl(
            home.path(),
            vars,
            &[
                "-d",
                url,
                "--table",
                &table.name,
                "stats",
                "--format",
                "json",
            ],
        )
    };
    assert_eq!(total(&stats(&env, "postgres:///")), 2);
    // The variable is really read: a wrong port fails.
    let mut wrong = env.to_vec();
    wrong[1] = ("PGPORT", "1");
    let out = stats(&wrong, "postgres:///");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(stderr(&out).contains("cannot connect"), "{out:?}");
    // The URL's components win over the variables.
    let bad = [
        ("PGHOST", "no-such-host.invalid"),
        ("PGPORT", "1"),
        ("PGUSER", "nobody_here"),
        ("PGDATABASE", "no_such_db"),
    ];
    assert_eq!(total(&stats(&bad, &url)), 2);
    // An invalid variable is a usage error naming it.
    let out = stats(&[("PGPORT", "many")], "postgres:///");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("PGPORT"), "{out:?}");
}

#[test]
fn a_service_file_names_the_server_and_beats_the_environment() {
    let test = "a_service_file_names_the_server_and_beats_the_environment";
    let Some(url) = servers::server(Kind::Postgres, test) else {
        return;
    };
    let table = pg_table(&url, "service");
    let parsed = url::Url::parse(&url).unwrap();
    let home = tempfile::tempdir().unwrap();
    let services = write(
        home.path(),
        "services.conf",
        &format!(
            "# services of the test\n[elsewhere]\nport=1\n\n[sessctl]\nhost={}\nport={}\nuser={}\ndbname={}\n",
            parsed.host_str().unwrap(),
            parsed.port().unwrap_or(5432),
            parsed.username(),
            &parsed.path()[1..]
        ),
        0o644,
    );
    let services = services.to_str().unwrap();
    let stats = |vars: &[(&str, &str)], url: &str| {
        sessctl(
            home.path(),
            vars,
            &[
                "-d",
                url,
                "--table",
                &table.name,
                "stats",
                "--format",
                "json",
            ],
        )
    };
    // ?service= and PGSERVICE; PGPORT and PGHOST lose to the service's entries (libpq).
    let env = [
        ("PGSERVICEFILE", services),
        ("PGPORT", "1"),
        ("PGHOST", "no-such-host.invalid"),
    ];
    assert_eq!(total(&stats(&env, "postgres:///?service=sessctl")), 2);
    let mut with_var = env.to_vec();
    with_var.push(("PGSERVICE", "sessctl"));
    assert_eq!(total(&stats(&with_var, "postgres:///")), 2);
    // The user's ~/.pg_service.conf when PGSERVICEFILE is unset.
    std::fs::copy(services, home.path().join(".pg_service.conf")).unwrap();
    assert_eq!(
        total(&stats(&[("PGSERVICE", "sessctl")], "postgres:///")),
        2
    );
    // The URL still wins over the service.
    let out = stats(
        &[("PGSERVICEFILE", services)],
        &format!(
            "postgres://{}@127.0.0.1:1/x?service=sessctl&connect_timeout=1",
            parsed.username()
        ),
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // A service that no file defines is a usage error that says where it looked.
    let out = stats(&[("PGSERVICEFILE", services)], "postgres:///?service=nope");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let text = stderr(&out);
    assert!(
        text.contains("service `nope`") && text.contains("services.conf"),
        "{text}"
    );
}

/// A MariaDB database and a user with a password of the test's own, dropped at the end.
struct MysqlAccount {
    admin_url: String,
    name: String,
    password: String,
}

impl MysqlAccount {
    fn create(admin_url: &str) -> MysqlAccount {
        let name = format!("sessctl_conn_{}", std::process::id());
        let password = format!("pw#{}'s \"secret\"", std::process::id());
        let mut admin = Client::connect(Kind::Mysql, admin_url).unwrap();
        admin.exec(&format!(
            "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}; \
             DROP USER IF EXISTS '{name}'@'%'; \
             CREATE USER '{name}'@'%' IDENTIFIED BY '{}'; \
             GRANT SELECT ON {name}.* TO '{name}'@'%';",
            password.replace('\\', "\\\\").replace('\'', "''")
        ));
        MysqlAccount {
            admin_url: admin_url.to_owned(),
            name,
            password,
        }
    }
}

impl Drop for MysqlAccount {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(Kind::Mysql, &self.admin_url) {
            let _ = c.change(&format!("DROP DATABASE IF EXISTS {}", self.name));
            let _ = c.change(&format!("DROP USER IF EXISTS '{}'@'%'", self.name));
        }
    }
}

#[test]
fn my_cnf_client_section_supplies_what_the_mysql_url_lacks() {
    let test = "my_cnf_client_section_supplies_what_the_mysql_url_lacks";
    let Some(url) = servers::server(Kind::Mysql, test) else {
        return;
    };
    let account = MysqlAccount::create(&url);
    let mut admin_url = url::Url::parse(&url).unwrap();
    admin_url.set_path(&format!("/{}", account.name));
    let mut table = Table::create(Kind::Mysql, admin_url.as_str(), "mycnf");
    let t = chrono::Utc::now() + chrono::Duration::days(1);
    table.insert(&servers::generated("conn", 3, t));
    let parsed = url::Url::parse(&url).unwrap();
    let host = parsed.host_str().unwrap().to_owned();
    let port = parsed.port().unwrap_or(3306);
    let home = tempfile::tempdir().unwrap();
    // The password quoted, as it must be with `#` and quotes in it.
    let quoted = account.password.replace('\\', "\\\\").replace('"', "\\\"");
    let my_cnf = |password: &str| {
        write(
            home.path(),
            ".my.cnf",
            &format!(
                "[mysqld]\nuser = mysql\n\n[client]\nuser = {}\npassword = \"{password}\"  # the test's\nhost = {host}\nport = {port}\n\n[mysqldump]\nuser = other\n",
                account.name
            ),
            0o600,
        )
    };
    my_cnf(&quoted);
    let stats = |url: &str| {
        sessctl(
            home.path(),
            &[],
            &[
                "-d",
                url,
                "--table",
                &table.name,
                "stats",
                "--format",
                "json",
            ],
        )
    };
    let db = &account.name;
    for scheme in ["mysql", "mysqlgis"] {
        assert_eq!(total(&stats(&format!("{scheme}:///{db}"))), 3, "{scheme}");
    }
    // The URL's user wins: root, with the file's password, is refused.
    let out = stats(&format!("mysql://root@{host}:{port}/{db}"));
    assert_eq!(out.status.code(), Some(3), "{out:?}");

    // The password is really the file's: a wrong one is refused, and the message names
    // the file's line, never the password.
    let wrong = format!("wrong-{}", std::process::id());
    my_cnf(&wrong);
    let out = stats(&format!("mysql:///{db}"));
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stderr(&out);
    assert!(
        text.contains("authentication failed") && text.contains(".my.cnf line 6"),
        "{text}"
    );
    assert!(!text.contains(&wrong), "{text}");
    // A password in the URL wins over the file's.
    let encoded: String =
        url::form_urlencoded::byte_serialize(account.password.as_bytes()).collect();
    let out = stats(&format!(
        "mysql://{}:{}@{host}:{port}/{db}",
        account.name,
        encoded.replace('+', "%20")
    ));
    assert_eq!(total(&out), 3);

    // World-writable: ignored, as the mysql client ignores it, with a warning.
    my_cnf(&quoted);
    std::fs::set_permissions(
        home.path().join(".my.cnf"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let out = stats(&format!("mysql://{}@{host}:{port}/{db}", account.name));
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stderr(&out);
    assert!(
        text.contains("warning") && text.contains("world-writable"),
        "{text}"
    );
}
