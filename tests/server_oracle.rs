//! Oracle parity on server tables created and filled by real Django: for each set that
//! `.ci/django-oracle.sh --servers` made (a directory with `manifest.json` and a
//! `database-url` file), `clear-expired --now <reference>` deletes exactly the keys
//! Django's own `clearsessions` deleted — with USE_TZ=True and with USE_TZ=False in a
//! non-UTC zone (`--time-zone`).
//!
//! The sets are found in `SESSCTL_ORACLE_DIR`. Unset: under CI=true the test runs the
//! script itself (it needs the server URL variables); otherwise it says SKIPPED.
//! sessctl works on a copy of each Django table (`CREATE TABLE … LIKE`), so the sets
//! stay intact for the next run.

mod servers;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use servers::{manifest, say_skipped, sessctl, Client, Kind, Table};

fn oracle_dir() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
    if let Some(dir) = std::env::var_os("SESSCTL_ORACLE_DIR").filter(|d| !d.is_empty()) {
        return Some((PathBuf::from(dir), None));
    }
    if !std::env::var("CI").is_ok_and(|v| v == "true") {
        say_skipped("SKIPPED: server oracle parity: set SESSCTL_ORACLE_DIR to the output of \
             .ci/django-oracle.sh --servers (with SESSCTL_TEST_POSTGRES_URL and SESSCTL_TEST_MYSQL_URL)".to_owned());
        return None;
    }
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/django-oracle.sh");
    let status = std::process::Command::new("bash")
        .arg(&script)
        .args(["--servers", "--db-prefix", "sessctl_oracle_test", "--out"])
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("bash runs");
    assert!(status.success(), "{} --servers failed", script.display());
    Some((out.path().to_owned(), Some(out)))
}

#[test]
fn clear_expired_matches_clearsessions_on_servers() {
    let Some((dir, _keep)) = oracle_dir() else {
        return;
    };
    let mut checked = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("database-url").is_file())
        .collect();
    entries.sort();
    for set in entries {
        let url = std::fs::read_to_string(set.join("database-url"))
            .unwrap()
            .trim()
            .to_owned();
        let kind = if url.starts_with("postgres") {
            Kind::Postgres
        } else {
            Kind::Mysql
        };
        let m = manifest(&set);
        let source = m["database"]["table"].as_str().unwrap_or("django_session");
        let reference = m["reference_time"].as_str().unwrap();
        let zone = if m["settings"]["USE_TZ"] == false {
            m["settings"]["TIME_ZONE"].as_str().unwrap_or("UTC")
        } else {
            "UTC"
        };
        let oracle: BTreeSet<String> = m["oracle"]["db"]["deleted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        assert!(
            !oracle.is_empty(),
            "{}: the oracle deleted nothing",
            set.display()
        );

        // A copy of Django's table, with Django's column types and indexes.
        let name = format!("sessctl_oracle_copy_{}", std::process::id());
        let mut client = Client::connect(kind, &url).expect("oracle database");
        match kind {
            Kind::Postgres => client.exec(&format!(
                "DROP TABLE IF EXISTS \"{name}\"; \
                 CREATE TABLE \"{name}\" (LIKE \"{source}\" INCLUDING ALL); \
                 INSERT INTO \"{name}\" SELECT * FROM \"{source}\""
            )),
            Kind::Mysql => client.exec(&format!(
                "DROP TABLE IF EXISTS `{name}`; CREATE TABLE `{name}` LIKE `{source}`; \
                 INSERT INTO `{name}` SELECT * FROM `{source}`"
            )),
        }
        let mut table = Table {
            kind,
            url: url.clone(),
            name: name.clone(),
            client,
        };
        let before = table.keys();
        let out = sessctl()
            .args(["--database-url", &url, "--table", &name, "--now", reference])
            .args(["--time-zone", zone, "clear-expired", "--batch-size", "2"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            set.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let deleted: BTreeSet<String> = before.difference(&table.keys()).cloned().collect();
        assert_eq!(
            deleted,
            oracle,
            "{} ({zone}): sessctl and clearsessions deleted different sessions",
            set.display()
        );
        checked.push(format!(
            "{} ({zone}, {} deleted)",
            set.file_name().unwrap().to_string_lossy(),
            deleted.len()
        ));
    }
    assert!(
        checked.len() >= 4,
        "expected PostgreSQL and MySQL sets, USE_TZ on and off, in {}: found {checked:?}",
        dir.display()
    );
    eprintln!("oracle parity: {}", checked.join(", "));
}
