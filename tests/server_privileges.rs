//! Each command checks exactly the table privileges it needs, on PostgreSQL and
//! MySQL/MariaDB, and names the one that is missing: `list`, `inspect`, `stats` and dry
//! runs need SELECT; `clear-expired`, `purge` and `flush` SELECT and DELETE; `expire`
//! SELECT and UPDATE (it deletes nothing). A user without SELECT is told so, not that the
//! table is missing.

mod servers;

use chrono::{DateTime, Utc};
use servers::{generated, server, sessctl, Client, Kind, Table, REFERENCE};

const PASSWORD: &str = "hunter2";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(url: &str, table: &str, args: &[&str]) -> Run {
    let out = sessctl()
        .args(["--database-url", url, "--table", table, "--now", REFERENCE])
        .args(args)
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
        "{args:?}: password shown: {}{}",
        run.stdout,
        run.stderr
    );
    run
}

/// A login of its own with exactly `grants` on the test's table; dropped afterwards.
struct Account {
    kind: Kind,
    admin_url: String,
    name: String,
    url: String,
}

/// MySQL accounts for every host a loopback connection may come from.
const MYSQL_HOSTS: [&str; 3] = ["%", "localhost", "127.0.0.1"];

impl Account {
    fn create(kind: Kind, admin_url: &str, table: &Table, tag: &str, grants: &[&str]) -> Account {
        let name = format!("sessctl_priv_{}_{tag}", std::process::id());
        let mut admin = Client::connect(kind, admin_url).unwrap();
        let mut url = url::Url::parse(admin_url).unwrap();
        url.set_username(&name).unwrap();
        match kind {
            Kind::Postgres => {
                admin.exec(&format!(
                    "DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'"
                ));
                if !grants.is_empty() {
                    admin.exec(&format!(
                        "GRANT {} ON {} TO {name}",
                        grants.join(", "),
                        table.quoted()
                    ));
                }
            }
            Kind::Mysql => {
                let db = url.path().trim_start_matches('/').to_owned();
                for host in MYSQL_HOSTS {
                    let _ = admin.change(&format!("DROP USER IF EXISTS '{name}'@'{host}'"));
                    admin.exec(&format!(
                        "CREATE USER '{name}'@'{host}' IDENTIFIED BY '{PASSWORD}'"
                    ));
                    if !grants.is_empty() {
                        admin.exec(&format!(
                            "GRANT {} ON `{db}`.{} TO '{name}'@'{host}'",
                            grants.join(", "),
                            table.quoted()
                        ));
                    }
                }
            }
        }
        url.set_password(Some(PASSWORD)).unwrap();
        Account {
            kind,
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let Ok(mut admin) = Client::connect(self.kind, &self.admin_url) else {
            return;
        };
        match self.kind {
            Kind::Postgres => {
                let _ = admin.change(&format!(
                    "DROP OWNED BY {0}; DROP ROLE IF EXISTS {0}",
                    self.name
                ));
            }
            Kind::Mysql => {
                for host in MYSQL_HOSTS {
                    let _ = admin.change(&format!("DROP USER IF EXISTS '{}'@'{host}'", self.name));
                }
            }
        }
    }
}

fn reference() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(REFERENCE)
        .unwrap()
        .with_timezone(&Utc)
}

fn refused(out: &Run, what: &str, missing: &str, needs: &str) {
    assert_eq!(out.code, 3, "{what}: {}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("lacks the {missing} privilege on table")),
        "{what}: missing privilege not named: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(needs),
        "{what}: `{needs}` not in {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("has no table"),
        "{what}: the table exists: {}",
        out.stderr
    );
}

fn ok(out: &Run, what: &str) {
    assert_eq!(out.code, 0, "{what}: {}", out.stderr);
}

fn privileges(kind: Kind) {
    let Some(url) = server(kind, "privileges") else {
        return;
    };
    let now = reference();
    let mut table = Table::create(kind, &url, "priv");
    table.insert(&generated("old", 20, now - chrono::Duration::days(1)));
    let active_rows = generated("new", 20, now + chrono::Duration::days(1));
    table.insert(&active_rows);
    let name = table.name.clone();
    let key = active_rows[0].0.clone();

    // DELETE without SELECT: the table exists, and SELECT is what is missing.
    let delete_only = Account::create(kind, &url, &table, "d", &["DELETE"]);
    for args in [&["stats"][..], &["list"], &["clear-expired"]] {
        refused(
            &run(&delete_only.url, &name, args),
            &format!("DELETE only, {args:?}"),
            "SELECT",
            "need SELECT",
        );
    }

    // SELECT only: everything that reads, dry runs included; no change.
    let select_only = Account::create(kind, &url, &table, "s", &["SELECT"]);
    for args in [
        &["stats"][..],
        &["list"],
        &["inspect", &key],
        &["clear-expired", "--dry-run"],
        &["expire", &key, "--dry-run"],
    ] {
        ok(
            &run(&select_only.url, &name, args),
            &format!("SELECT only, {args:?}"),
        );
    }
    // Without PROCESS, MySQL/MariaDB do not show the tablespace file: the size is
    // InnoDB's estimate, and both renderings say so.
    let stats = run(&select_only.url, &name, &["stats", "--format", "json"]);
    ok(&stats, "SELECT only, stats --format json");
    let stats: serde_json::Value = serde_json::from_str(stats.stdout.trim()).unwrap();
    assert_eq!(
        stats["table_bytes_estimate"],
        kind == Kind::Mysql,
        "SELECT only: {stats}"
    );
    let table_out = run(&select_only.url, &name, &["stats"]);
    assert_eq!(
        table_out.stdout.contains("(estimate"),
        kind == Kind::Mysql,
        "SELECT only: {}",
        table_out.stdout
    );
    refused(
        &run(&select_only.url, &name, &["clear-expired"]),
        "SELECT only, clear-expired",
        "DELETE",
        "clear-expired, purge and flush need SELECT and DELETE",
    );
    refused(
        &run(&select_only.url, &name, &["flush", &key]),
        "SELECT only, flush",
        "DELETE",
        "SELECT and DELETE",
    );
    refused(
        &run(&select_only.url, &name, &["expire", &key]),
        "SELECT only, expire",
        "UPDATE",
        "expire needs SELECT and UPDATE",
    );

    // SELECT and UPDATE: expire works (it deletes nothing); purges are refused.
    let updater = Account::create(kind, &url, &table, "u", &["SELECT", "UPDATE"]);
    refused(
        &run(&updater.url, &name, &["clear-expired"]),
        "SELECT+UPDATE, clear-expired",
        "DELETE",
        "SELECT and DELETE",
    );
    let active = table.count_where(&format!("expire_date > {}", table.time_literal(now)));
    let out = run(&updater.url, &name, &["expire", &key]);
    ok(&out, "SELECT+UPDATE, expire");
    let after = table.count_where(&format!("expire_date > {}", table.time_literal(now)));
    assert_eq!(after, active - 1, "expire should end exactly one session");

    // SELECT and DELETE: purges work; expire is refused.
    let deleter = Account::create(kind, &url, &table, "x", &["SELECT", "DELETE"]);
    refused(
        &run(&deleter.url, &name, &["expire", &key]),
        "SELECT+DELETE, expire",
        "UPDATE",
        "SELECT and UPDATE",
    );
    ok(
        &run(&deleter.url, &name, &["clear-expired"]),
        "SELECT+DELETE, clear-expired",
    );
    assert_eq!(
        table.count_where(&format!("expire_date < {}", table.time_literal(now))),
        0,
        "clear-expired left expired sessions"
    );

    // No privilege at all: PostgreSQL lets the role in and refuses it SELECT; MySQL
    // refuses a user without any privilege in the database at the door.
    let nobody = Account::create(kind, &url, &table, "n", &[]);
    let out = run(&nobody.url, &name, &["stats"]);
    match kind {
        Kind::Postgres => refused(&out, "no privilege, stats", "SELECT", "need SELECT"),
        Kind::Mysql => {
            assert_eq!(out.code, 3, "no privilege, stats: {}", out.stderr);
            assert!(
                out.stderr.contains("may not use database"),
                "no privilege, stats: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn privileges_postgres() {
    privileges(Kind::Postgres);
}

#[test]
fn privileges_mysql() {
    privileges(Kind::Mysql);
}
