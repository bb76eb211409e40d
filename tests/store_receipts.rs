//! What a bulk write reports, on every database store: when the write asks for the keys
//! it changed (a cache in front of the table must drop exactly those entries) it gets
//! exactly them — no more, no less — and its counts agree with them.

mod servers;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use servers::{server, Client, Kind, Table, REFERENCE};
use sessctl::codec::Codec;
use sessctl::dburl::{self, StoreUrl};
use sessctl::session::{Action, Condition, Edit, Payload, Target};
use sessctl::store::{self, Access, Cursor, EngineSpec, SessionStore, TableSpec};
use sessctl::zone::StoreZone;

fn reference() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(REFERENCE)
        .unwrap()
        .with_timezone(&Utc)
}

/// 40 sessions, every third one expired: (key, data, expiry).
fn rows() -> Vec<(String, String, DateTime<Utc>)> {
    (0..40)
        .map(|i| {
            let expiry = if i % 3 == 0 {
                reference() - Duration::hours(i + 1)
            } else {
                reference() + Duration::hours(i + 1)
            };
            (format!("k{i:031}"), format!("data-{i}"), expiry)
        })
        .collect()
}

fn expired_keys() -> BTreeSet<String> {
    rows()
        .into_iter()
        .filter(|(_, _, t)| *t < reference())
        .map(|(k, _, _)| k)
        .collect()
}

fn open(url: &str, table: &str) -> Box<dyn SessionStore> {
    let spec = EngineSpec::Db(TableSpec {
        url: dburl::parse(url).unwrap(),
        shown: dburl::redact(url),
        table: table.to_owned(),
        zone: StoreZone::UTC,
    });
    store::open(
        &spec,
        &Codec::new("salt", Vec::new()),
        Access::Delete,
        &sessctl::purge::StopFlag::default(),
    )
    .unwrap()
}

fn edit(action: Action, cond: Condition) -> Edit {
    Edit {
        action,
        cond,
        report_keys: true,
    }
}

/// Walks the whole store in batches of 4 and checks each receipt.
fn check_range_receipts(store: &mut dyn SessionStore, left: impl Fn() -> BTreeSet<String>) {
    let expired = expired_keys();
    let all: BTreeSet<String> = rows().into_iter().map(|(k, _, _)| k).collect();
    let mut cursor = Cursor::start();
    let mut reported = BTreeSet::new();
    let purge = edit(Action::Delete, Condition::expired_at(reference()));
    while !cursor.is_done() {
        let receipt = store.apply_range(&mut cursor, &purge, 4).unwrap();
        assert_eq!(receipt.keys.len() as u64, receipt.changed, "{receipt:?}");
        for key in receipt.keys {
            assert!(reported.insert(key), "a key reported twice");
        }
    }
    assert_eq!(reported, expired, "exactly the expired keys are reported");
    let remaining = left();
    assert_eq!(
        remaining,
        all.difference(&expired).cloned().collect::<BTreeSet<_>>()
    );

    // By key, with the payload re-checked: a session whose data changed is not touched,
    // and a key that is not there is not reported.
    let (key_a, data_a) = ("k0000000000000000000000000000001", "data-1");
    let key_b = "k0000000000000000000000000000002";
    let targets = [
        Target {
            key: key_a.to_owned(),
            payload: Some(Payload::Signed(data_a.to_owned())),
        },
        Target {
            key: key_b.to_owned(),
            payload: Some(Payload::Signed("rewritten meanwhile".to_owned())),
        },
        Target {
            key: "not-there".to_owned(),
            payload: None,
        },
    ];
    let expire = edit(
        Action::ExpireAt(reference()),
        Condition::active_at(reference()),
    );
    let receipt = store.apply_exact(&targets, &expire).unwrap();
    assert_eq!(receipt.keys, vec![key_a.to_owned()], "{receipt:?}");
    assert_eq!(receipt.changed, 1);
    assert_eq!(left().len(), remaining.len(), "expiring deletes nothing");
}

#[test]
fn sqlite_receipts_name_exactly_the_rows_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE \"django_session\" (\"session_key\" varchar(40) NOT NULL PRIMARY KEY, \
         \"session_data\" text NOT NULL, \"expire_date\" datetime NOT NULL);",
    )
    .unwrap();
    for (k, d, t) in rows() {
        conn.execute(
            "INSERT INTO django_session VALUES (?1, ?2, ?3)",
            (k, d, t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        )
        .unwrap();
    }
    let url = format!("sqlite:///{}", path.display());
    assert!(matches!(
        dburl::parse(&url).unwrap(),
        StoreUrl::Sqlite { .. }
    ));
    let mut store = open(&url, "django_session");
    let left = || -> BTreeSet<String> {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare("SELECT session_key FROM django_session")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    check_range_receipts(store.as_mut(), left);
}

fn on_server(kind: Kind) {
    let Some(url) = server(kind, "store receipts") else {
        return;
    };
    let mut table = Table::create(kind, &url, "receipts");
    table.insert(&rows());
    let mut store = open(&url, &table.name);
    let sql = format!("SELECT session_key FROM {}", table.quoted());
    let left = || -> BTreeSet<String> {
        let mut client = Client::connect(kind, &url).unwrap();
        client.strings(&sql).into_iter().collect()
    };
    check_range_receipts(store.as_mut(), left);
    drop(store);
    drop(table);
}

#[test]
fn postgres_receipts_name_exactly_the_rows_changed() {
    on_server(Kind::Postgres);
}

#[test]
fn mysql_receipts_name_exactly_the_rows_changed() {
    on_server(Kind::Mysql);
}
