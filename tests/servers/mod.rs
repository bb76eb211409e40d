//! Shared setup for tests against real PostgreSQL and MySQL/MariaDB servers.
//!
//! The servers are named by `SESSCTL_TEST_POSTGRES_URL` / `SESSCTL_TEST_MYSQL_URL`.
//! Unset or unreachable: the test prints a loud SKIPPED line and passes — except under
//! `CI=true`, where it fails (a backend test without its server must never pass quietly).
//! Every test works in its own uniquely named table (dropped afterwards), created with
//! Django's own DDL (SPEC.md §1.1).

#![allow(dead_code)]

#[path = "../skipped/mod.rs"]
mod skipped;
pub use skipped::say_skipped;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use mysql::prelude::Queryable;

pub const REFERENCE: &str = "2025-06-01T12:00:00Z";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mysql,
}

impl Kind {
    pub fn env(self) -> &'static str {
        match self {
            Kind::Postgres => "SESSCTL_TEST_POSTGRES_URL",
            Kind::Mysql => "SESSCTL_TEST_MYSQL_URL",
        }
    }
}

/// A connection to a test server, through the same driver crates sessctl uses (one per
/// test: the size of the enum does not matter).
#[allow(clippy::large_enum_variant)]
pub enum Client {
    Postgres(postgres::Client),
    Mysql(mysql::Conn),
}

impl Client {
    pub fn connect(kind: Kind, url: &str) -> Result<Client, String> {
        match kind {
            Kind::Postgres => postgres::Client::connect(url, postgres::NoTls)
                .map(Client::Postgres)
                .map_err(|e| e.to_string()),
            Kind::Mysql => mysql::Opts::from_url(url)
                .map_err(|e| e.to_string())
                .and_then(|o| {
                    mysql::Conn::new(mysql::OptsBuilder::from_opts(o).prefer_socket(false))
                        .map_err(|e| e.to_string())
                })
                .map(Client::Mysql),
        }
    }

    pub fn exec(&mut self, sql: &str) {
        match self {
            Client::Postgres(c) => c
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Client::Mysql(c) => c.query_drop(sql).unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// Runs `sql` and returns the number of rows it changed.
    pub fn change(&mut self, sql: &str) -> Result<u64, String> {
        match self {
            Client::Postgres(c) => c.execute(sql, &[]).map_err(|e| e.to_string()),
            Client::Mysql(c) => c
                .query_drop(sql)
                .map(|_| c.affected_rows())
                .map_err(|e| e.to_string()),
        }
    }

    /// First column of every row, as text.
    pub fn strings(&mut self, sql: &str) -> Vec<String> {
        match self {
            Client::Postgres(c) => c
                .query(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect(),
            Client::Mysql(c) => c
                .query::<String, _>(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    pub fn count(&mut self, sql: &str) -> i64 {
        match self {
            Client::Postgres(c) => c
                .query_one(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get::<_, i64>(0),
            Client::Mysql(c) => c
                .query_first::<i64, _>(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .unwrap_or(0),
        }
    }
}

/// The test server of `kind`, or `None` (after a SKIPPED line) when there is none and
/// this is not CI.
pub fn server(kind: Kind, test: &str) -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let url = std::env::var(kind.env()).ok().filter(|v| !v.is_empty());
    let Some(url) = url else {
        if ci {
            panic!(
                "{test}: {} is not set; CI must run the server tests",
                kind.env()
            );
        }
        say_skipped(format!(
            "SKIPPED: {test} on {kind:?}: set {} (see README.md, Development) to run it",
            kind.env()
        ));
        return None;
    };
    if let Err(e) = Client::connect(kind, &url) {
        if ci {
            panic!("{test}: cannot connect to {}: {e}", kind.env());
        }
        say_skipped(format!(
            "SKIPPED: {test} on {kind:?}: cannot connect to {}: {e}",
            kind.env()
        ));
        return None;
    }
    Some(url)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A session table of its own, dropped when the test ends.
pub struct Table {
    pub kind: Kind,
    pub url: String,
    pub name: String,
    pub client: Client,
}

impl Table {
    /// Creates a table with Django's DDL for `kind`, named after `tag`.
    pub fn create(kind: Kind, url: &str, tag: &str) -> Table {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("sessctl_t_{}_{}_{tag}", std::process::id(), n);
        let mut client = Client::connect(kind, url).expect("connect");
        let ddl = match kind {
            Kind::Postgres => format!(
                "DROP TABLE IF EXISTS \"{name}\"; \
                 CREATE TABLE \"{name}\" (\"session_key\" varchar(40) NOT NULL PRIMARY KEY, \"session_data\" text NOT NULL, \"expire_date\" timestamp with time zone NOT NULL); \
                 CREATE INDEX \"{name}_key_like\" ON \"{name}\" (\"session_key\" varchar_pattern_ops); \
                 CREATE INDEX \"{name}_expire\" ON \"{name}\" (\"expire_date\");"
            ),
            Kind::Mysql => format!(
                "DROP TABLE IF EXISTS `{name}`; \
                 CREATE TABLE `{name}` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL); \
                 CREATE INDEX `{name}_expire` ON `{name}` (`expire_date`);"
            ),
        };
        client.exec(&ddl);
        Table {
            kind,
            url: url.to_owned(),
            name,
            client,
        }
    }

    pub fn quoted(&self) -> String {
        match self.kind {
            Kind::Postgres => format!("\"{}\"", self.name),
            Kind::Mysql => format!("`{}`", self.name),
        }
    }

    /// A SQL literal for `t`: an instant for PostgreSQL, naive UTC text for MySQL
    /// (Django with USE_TZ=True).
    pub fn time_literal(&self, t: DateTime<Utc>) -> String {
        match self.kind {
            Kind::Postgres => format!("'{}'::timestamptz", t.format("%Y-%m-%d %H:%M:%S%.6f+00")),
            Kind::Mysql => format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f")),
        }
    }

    /// A SQL string literal (MySQL also reads backslashes as escapes).
    pub fn text_literal(&self, text: &str) -> String {
        let text = match self.kind {
            Kind::Postgres => text.to_owned(),
            Kind::Mysql => text.replace('\\', "\\\\"),
        };
        format!("'{}'", text.replace('\'', "''"))
    }

    /// Inserts rows (key, data, expiry), a few hundred per statement.
    pub fn insert(&mut self, rows: &[(String, String, DateTime<Utc>)]) {
        for chunk in rows.chunks(500) {
            let values: Vec<String> = chunk
                .iter()
                .map(|(k, d, t)| {
                    format!(
                        "({}, {}, {})",
                        self.text_literal(k),
                        self.text_literal(d),
                        self.time_literal(*t)
                    )
                })
                .collect();
            let sql = format!("INSERT INTO {} VALUES {}", self.quoted(), values.join(", "));
            self.client.exec(&sql);
        }
    }

    pub fn keys(&mut self) -> BTreeSet<String> {
        let sql = format!("SELECT session_key FROM {}", self.quoted());
        self.client.strings(&sql).into_iter().collect()
    }

    pub fn count_where(&mut self, cond: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {cond}", self.quoted());
        self.client.count(&sql)
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        let sql = format!("DROP TABLE IF EXISTS {}", self.quoted());
        if let Ok(mut c) = Client::connect(self.kind, &self.url) {
            let _ = c.change(&sql);
        }
    }
}

pub fn fixtures(set: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(set)
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// The db-backend rows of a fixture set, as Django wrote them (expiry as an instant).
pub fn fixture_rows(dir: &Path) -> Vec<(String, String, DateTime<Utc>)> {
    manifest(dir)["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["backend"] == "db")
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_owned(),
                i["raw"].as_str().unwrap().to_owned(),
                DateTime::parse_from_rfc3339(i["expire_date"].as_str().unwrap())
                    .unwrap()
                    .with_timezone(&Utc),
            )
        })
        .collect()
}

/// The sessctl binary with the environment cleared of store and key settings.
pub fn sessctl() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("sessctl").expect("binary");
    cmd.env_remove("DATABASE_URL")
        .env_remove("DATABASE_URL_FILE")
        .env_remove("DJANGO_SECRET_KEY")
        .env_remove("DJANGO_SECRET_KEY_FALLBACKS");
    cmd
}

pub fn sessctl_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sessctl")
}

/// A pseudo-random number from the clock (no rand dependency needed for test timing).
pub fn jitter(max: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    (nanos.wrapping_mul(6364136223846793005) >> 11) % max.max(1)
}

/// Generated sessions: `n` keys with a prefix, all expiring at `t` plus `i` µs.
pub fn generated(prefix: &str, n: usize, t: DateTime<Utc>) -> Vec<(String, String, DateTime<Utc>)> {
    (0..n)
        .map(|i| {
            // Keys spread over the key space, so both physical and key order mix kinds.
            let key = format!(
                "{:08x}{prefix}{i:08}",
                (i as u64).wrapping_mul(2654435761) as u32
            );
            (
                key,
                "e30:1uLgQ4:AKwcdlZwxty_IzzWYO6MhpDLcT14LxsZnUPKzAGapUA".to_owned(),
                t + chrono::Duration::microseconds(i as i64),
            )
        })
        .collect()
}
