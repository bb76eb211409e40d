//! Django's `DatabaseCache` as a [`CacheBackend`]: the table `createcachetable` makes
//! (`cache_key varchar(255)` primary key, `value text`: base64 of a pickle, `expires
//! datetime`), in the database of `--database-url`, on SQLite, PostgreSQL or MySQL,
//! reached through the same connection code as the session tables.
//!
//! Invariants:
//! - keys are listed page by page along the primary key with the exact head of this
//!   site's session keys as the SQL predicate (compared as bytes: a plain `LIKE` would
//!   over-match, case-insensitively on SQLite and MySQL), and then held to the key rule;
//! - every delete names its key (`DELETE … WHERE cache_key = …`, never the whole
//!   table) and re-checks inside the statement what the entry was judged by: the exact
//!   value (a session rewritten since is left) and that it is still expired;
//! - `expires` is read as Django writes it: with USE_TZ a UTC instant, without it the
//!   wall-clock time of `--time-zone`; `datetime.max` (no timeout) is "never";
//! - a page or a batch is one short statement or transaction.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Datelike as _, NaiveDateTime, Timelike as _, Utc};
use rusqlite::OpenFlags;

use super::{CacheBackend, CacheCapabilities, CacheEntry, Deletion, KeyRule};
use crate::codec::cached::Envelope;
use crate::codec::CachedValue;
use crate::db::postgres::{self as pg, Limit};
use crate::db::{mysql as my, Access};
use crate::dburl::StoreUrl;
use crate::exit::{coded, ExitCode};
use crate::purge::StopFlag;
use crate::store::sql::STATEMENT_TIMEOUT;
use crate::store::{Cursor, TableSpec};
use crate::zone::StoreZone;

/// Keys per `IN (…)` list of a fetch.
const FETCH_CHUNK: usize = 500;

/// How PostgreSQL holds `expires`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PgTime {
    /// `timestamp with time zone`, what Django creates.
    Instant,
    /// `timestamp without time zone`: naive, in `--time-zone`.
    Naive,
}

enum Sql {
    Sqlite(rusqlite::Connection),
    Postgres(Box<pg::Connection>, PgTime),
    Mysql(Box<my::Connection>),
}

pub struct DatabaseCacheBackend {
    sql: Sql,
    table: String,
    quoted: String,
    zone: StoreZone,
    shown: String,
}

/// The page position of a key listing: the last key seen.
struct After(String);

/// `datetime.max`, what Django stores for an entry without timeout, is "never".
fn never_before(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (at.year() < 9999).then_some(at)
}

/// Django stores `expires` without microseconds; an instant to set is cut the same way.
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(0).unwrap_or(at)
}

impl DatabaseCacheBackend {
    /// Opens Django's cache table `table` in the database of `database`.
    pub fn open(
        table: &str,
        database: &TableSpec,
        access: Access,
        stop: &StopFlag,
    ) -> Result<DatabaseCacheBackend> {
        let shown = format!("database cache `{table}` at {}", database.shown);
        let (sql, quoted) = match &database.url {
            StoreUrl::Sqlite { path } => {
                let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | if access.writes() {
                        OpenFlags::SQLITE_OPEN_READ_WRITE
                    } else {
                        OpenFlags::SQLITE_OPEN_READ_ONLY
                    };
                let conn = crate::store::sqlite::connect(path, flags)?;
                (
                    Sql::Sqlite(conn),
                    format!("\"{}\"", table.replace('"', "\"\"")),
                )
            }
            StoreUrl::Postgres(url) => {
                let conn = pg::connect(url, &database.shown, access, stop.clone())?;
                (
                    Sql::Postgres(Box::new(conn), PgTime::Instant),
                    pg::quote_ident(table),
                )
            }
            StoreUrl::Mysql(url) => {
                let conn = my::connect(url, &database.shown, access)?;
                (Sql::Mysql(Box::new(conn)), my::quote_ident(table))
            }
        };
        let mut backend = DatabaseCacheBackend {
            sql,
            table: table.to_owned(),
            quoted,
            zone: database.zone,
            shown,
        };
        backend.check_table()?;
        Ok(backend)
    }

    /// The table must be Django's cache table: its three columns, by name.
    fn check_table(&mut self) -> Result<()> {
        let columns: Vec<(String, String)> = match &mut self.sql {
            Sql::Sqlite(conn) => {
                let mut stmt = conn
                    .prepare("SELECT name, type FROM pragma_table_info(?1)")
                    .context("reading the cache table's definition")?;
                let rows = stmt
                    .query_map([&self.table], |row| Ok((row.get(0)?, row.get(1)?)))
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
                rows.map_err(|e| {
                    crate::store::sqlite::classify(e, &format!("cannot read {}", self.shown))
                })?
            }
            Sql::Postgres(conn, time) => match conn.table(&self.table)? {
                Some(t) => {
                    if let Some(kind) = t.column_type("expires") {
                        *time = if kind.starts_with("timestamp with time zone") {
                            PgTime::Instant
                        } else {
                            PgTime::Naive
                        };
                    }
                    t.columns
                }
                None => Vec::new(),
            },
            Sql::Mysql(conn) => conn.columns(&self.table)?,
        };
        if columns.is_empty() {
            return Err(coded(
                ExitCode::StoreUnavailable,
                format!(
                    "{}: no such table; a DatabaseCache table is made by `manage.py createcachetable` \
                     (check the cache's LOCATION and --database-url)",
                    self.shown
                ),
            ));
        }
        let missing: Vec<&str> = ["cache_key", "value", "expires"]
            .into_iter()
            .filter(|want| !columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(want)))
            .collect();
        if !missing.is_empty() {
            return Err(coded(
                ExitCode::StoreUnavailable,
                format!(
                    "{} is not Django's cache table: it has no {} column (it has {})",
                    self.shown,
                    missing.join(", "),
                    columns
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn entry(&self, key: String, value: String, expires: Option<DateTime<Utc>>) -> CacheEntry {
        CacheEntry {
            key,
            value: CachedValue {
                bytes: value.into_bytes(),
                envelope: Envelope::Base64,
            },
            // An `expires` that cannot be read counts as never: the entry is kept.
            expires: expires.and_then(never_before),
        }
    }

    fn page(&mut self, after: &str, head: &str, count: usize) -> Result<Vec<String>> {
        let n = head.chars().count() as i64;
        let limit = count.max(1) as i64;
        match &mut self.sql {
            Sql::Sqlite(conn) => {
                let sql = format!(
                    "SELECT cache_key FROM {} WHERE cache_key > ?1 AND substr(cache_key, 1, ?2) = ?3 \
                     ORDER BY cache_key LIMIT ?4",
                    self.quoted
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let keys = stmt
                    .query_map(rusqlite::params![after, n, head, limit], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(keys)
            }
            Sql::Postgres(conn, _) => {
                let sql = format!(
                    "SELECT cache_key::text FROM {} WHERE cache_key > $1 AND left(cache_key, $2::int) = $3 \
                     ORDER BY cache_key LIMIT $4",
                    self.quoted
                );
                let n = n as i32;
                let rows = conn
                    .query(Limit::Read, &sql, &[&after, &n, &head, &limit])
                    .map_err(|f| conn.error(f, "listing the cache keys", Some(&self.table)))?;
                Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
            }
            Sql::Mysql(conn) => {
                use mysql::prelude::Queryable as _;
                let sql = format!(
                    "SELECT CAST(cache_key AS CHAR) FROM {} WHERE cache_key > ? \
                     AND CAST(LEFT(cache_key, ?) AS BINARY) = CAST(? AS BINARY) ORDER BY cache_key LIMIT ?",
                    self.quoted
                );
                conn.conn
                    .exec(sql, (after, n, head, limit))
                    .map_err(|e| conn.error(e, "listing the cache keys", Some(&self.table)))
            }
        }
    }

    fn fetch_chunk(&mut self, keys: &[String]) -> Result<Vec<CacheEntry>> {
        let zone = self.zone;
        let rows: Vec<(String, String, Option<DateTime<Utc>>)> = match &mut self.sql {
            Sql::Sqlite(conn) => {
                let marks = vec!["?"; keys.len()].join(", ");
                let sql = format!(
                    "SELECT cache_key, value, expires FROM {} WHERE cache_key IN ({marks})",
                    self.quoted
                );
                let mut stmt = conn.prepare(&sql)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(keys), |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows.into_iter()
                    .map(|(k, v, t)| (k, v, zone.parse_stored(&t).ok()))
                    .collect()
            }
            Sql::Postgres(conn, time) => {
                let expires = match time {
                    PgTime::Instant => "expires",
                    PgTime::Naive => "expires::timestamp",
                };
                let sql = format!(
                    "SELECT cache_key::text, value::text, {expires} FROM {} WHERE cache_key = ANY($1)",
                    self.quoted
                );
                let time = *time;
                let rows = conn
                    .query(Limit::Read, &sql, &[&keys])
                    .map_err(|f| conn.error(f, "reading cache entries", Some(&self.table)))?;
                rows.iter()
                    .map(|r| {
                        let at = match time {
                            PgTime::Instant => r.get::<_, Option<DateTime<Utc>>>(2),
                            PgTime::Naive => r
                                .get::<_, Option<NaiveDateTime>>(2)
                                .map(|n| zone.instant(n)),
                        };
                        (r.get(0), r.get(1), at)
                    })
                    .collect()
            }
            Sql::Mysql(conn) => {
                use mysql::prelude::Queryable as _;
                let marks = vec!["?"; keys.len()].join(", ");
                let sql = format!(
                    "SELECT CAST(cache_key AS CHAR), CAST(value AS CHAR), expires FROM {} \
                     WHERE cache_key IN ({marks})",
                    self.quoted
                );
                let rows: Vec<(String, String, mysql::Value)> = conn
                    .conn
                    .exec(
                        sql,
                        mysql::Params::Positional(keys.iter().map(mysql::Value::from).collect()),
                    )
                    .map_err(|e| conn.error(e, "reading cache entries", Some(&self.table)))?;
                rows.into_iter()
                    .map(|(k, v, t)| (k, v, crate::store::mysql::naive(t).map(|n| zone.instant(n))))
                    .collect()
            }
        };
        Ok(rows
            .into_iter()
            .map(|(k, v, t)| self.entry(k, v, t))
            .collect())
    }

    /// Deletes each entry while it still satisfies its deletion, in one transaction.
    fn delete_all(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        let zone = self.zone;
        let quoted = &self.quoted;
        match &mut self.sql {
            Sql::Sqlite(conn) => {
                let tx = conn.transaction()?;
                let mut out = Vec::with_capacity(deletions.len());
                {
                    let sql = format!(
                        "DELETE FROM {quoted} WHERE cache_key = ?1 AND (?2 IS NULL OR value = ?2) \
                         AND (?3 IS NULL OR expires < ?3)"
                    );
                    let mut stmt = tx.prepare_cached(&sql)?;
                    for d in deletions {
                        let value = d.unchanged.map(|v| String::from_utf8_lossy(&v.bytes));
                        let before = d.expired_before.map(|t| zone.django_text(t));
                        out.push(stmt.execute(rusqlite::params![d.key, value, before])? > 0);
                    }
                }
                tx.commit()?;
                Ok(out)
            }
            Sql::Postgres(conn, time) => {
                let keys: Vec<&str> = deletions.iter().map(|d| d.key).collect();
                let values: Vec<Option<String>> = deletions
                    .iter()
                    .map(|d| {
                        d.unchanged
                            .map(|v| String::from_utf8_lossy(&v.bytes).into_owned())
                    })
                    .collect();
                // One statement: the batch is atomic, and each key carries its own value.
                let sql = |cmp: &str| {
                    format!(
                        "DELETE FROM {quoted} c USING unnest($1::text[], $2::text[], {cmp}) AS d(k, v, b) \
                         WHERE c.cache_key = d.k AND (d.v IS NULL OR c.value = d.v) \
                         AND (d.b IS NULL OR c.expires < d.b) RETURNING c.cache_key::text"
                    )
                };
                let limit = Limit::Bounded(STATEMENT_TIMEOUT);
                let rows = match time {
                    PgTime::Instant => {
                        let before: Vec<Option<DateTime<Utc>>> =
                            deletions.iter().map(|d| d.expired_before).collect();
                        conn.query(limit, &sql("$3::timestamptz[]"), &[&keys, &values, &before])
                    }
                    PgTime::Naive => {
                        let before: Vec<Option<NaiveDateTime>> = deletions
                            .iter()
                            .map(|d| d.expired_before.map(|t| zone.naive(t)))
                            .collect();
                        conn.query(limit, &sql("$3::timestamp[]"), &[&keys, &values, &before])
                    }
                }
                .map_err(|f| conn.error(f, "deleting cache entries", Some(&self.table)))?;
                let gone: std::collections::HashSet<String> =
                    rows.iter().map(|r| r.get::<_, String>(0)).collect();
                Ok(deletions.iter().map(|d| gone.contains(d.key)).collect())
            }
            Sql::Mysql(conn) => {
                use mysql::prelude::Queryable as _;
                let table = self.table.as_str();
                let mut tx = conn
                    .conn
                    .start_transaction(mysql::TxOpts::default())
                    .with_context(|| format!("starting a transaction on {table}"))?;
                // Values compared as bytes: the column's collation may ignore case.
                let sql = format!(
                    "DELETE FROM {quoted} WHERE cache_key = ? \
                     AND (? IS NULL OR CAST(value AS BINARY) = CAST(? AS BINARY)) \
                     AND (? IS NULL OR expires < ?)"
                );
                let stmt = tx.prep(&sql)?;
                let mut out = Vec::with_capacity(deletions.len());
                for d in deletions {
                    let value = d
                        .unchanged
                        .map(|v| String::from_utf8_lossy(&v.bytes).into_owned());
                    let before = d
                        .expired_before
                        .map(|t| crate::store::mysql::time_value(zone, t));
                    tx.exec_drop(&stmt, (d.key, &value, &value, before.clone(), before))
                        .with_context(|| format!("deleting cache entries of {table}"))?;
                    out.push(tx.affected_rows() > 0);
                }
                tx.commit()
                    .with_context(|| format!("committing deletes on {table}"))?;
                Ok(out)
            }
        }
    }

    /// Sets `expires` of each entry to `at` (to the second, as Django stores it).
    fn expire_all(&mut self, keys: &[String], at: DateTime<Utc>) -> Result<Vec<bool>> {
        let at = whole_second(at);
        let zone = self.zone;
        let quoted = &self.quoted;
        match &mut self.sql {
            Sql::Sqlite(conn) => {
                let tx = conn.transaction()?;
                let mut out = Vec::with_capacity(keys.len());
                {
                    let sql = format!("UPDATE {quoted} SET expires = ?1 WHERE cache_key = ?2");
                    let mut stmt = tx.prepare_cached(&sql)?;
                    let text = zone.django_text(at);
                    for key in keys {
                        out.push(stmt.execute(rusqlite::params![text, key])? > 0);
                    }
                }
                tx.commit()?;
                Ok(out)
            }
            Sql::Postgres(conn, time) => {
                let sql = format!(
                    "UPDATE {quoted} SET expires = $2 WHERE cache_key = ANY($1) RETURNING cache_key::text"
                );
                let rows = match time {
                    PgTime::Instant => {
                        conn.query(Limit::Bounded(STATEMENT_TIMEOUT), &sql, &[&keys, &at])
                    }
                    PgTime::Naive => conn.query(
                        Limit::Bounded(STATEMENT_TIMEOUT),
                        &sql,
                        &[&keys, &zone.naive(at)],
                    ),
                }
                .map_err(|f| conn.error(f, "expiring cache entries", Some(&self.table)))?;
                let done: std::collections::HashSet<String> =
                    rows.iter().map(|r| r.get::<_, String>(0)).collect();
                Ok(keys.iter().map(|k| done.contains(k)).collect())
            }
            Sql::Mysql(conn) => {
                use mysql::prelude::Queryable as _;
                let table = self.table.as_str();
                let mut tx = conn
                    .conn
                    .start_transaction(mysql::TxOpts::default())
                    .with_context(|| format!("starting a transaction on {table}"))?;
                let stmt = tx.prep(format!(
                    "UPDATE {quoted} SET expires = ? WHERE cache_key = ?"
                ))?;
                let mut out = Vec::with_capacity(keys.len());
                let naive = crate::store::mysql::time_value(zone, at);
                for key in keys {
                    // `expires = ?` may already hold: a matched row counts, not a changed one.
                    let found: Option<i64> = tx
                        .exec_first(
                            format!("SELECT 1 FROM {quoted} WHERE cache_key = ? FOR UPDATE"),
                            (key,),
                        )
                        .with_context(|| format!("expiring cache entries of {table}"))?;
                    if found.is_some() {
                        tx.exec_drop(&stmt, (naive.clone(), key))
                            .with_context(|| format!("expiring cache entries of {table}"))?;
                    }
                    out.push(found.is_some());
                }
                tx.commit()
                    .with_context(|| format!("committing expiries on {table}"))?;
                Ok(out)
            }
        }
    }
}

impl CacheBackend for DatabaseCacheBackend {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn capabilities(&self) -> CacheCapabilities {
        CacheCapabilities {
            list: true,
            keeps_expired: true,
            culls: true,
            walk_expired: false,
        }
    }

    fn scan_keys(
        &mut self,
        cursor: &mut Cursor,
        rule: &KeyRule,
        count: usize,
    ) -> Result<Vec<String>> {
        if cursor.is_done() {
            return Ok(Vec::new());
        }
        let after = cursor
            .position::<After>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let keys = self.page(&after, rule.head(), count)?;
        match keys.last() {
            Some(last) if keys.len() >= count.max(1) => cursor.advance(After(last.clone())),
            _ => cursor.finish(),
        }
        Ok(keys
            .into_iter()
            .filter(|k| rule.session_key(k).is_some())
            .collect())
    }

    fn fetch(&mut self, keys: &[String]) -> Result<Vec<Option<CacheEntry>>> {
        let mut found = std::collections::HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(FETCH_CHUNK) {
            for entry in self.fetch_chunk(chunk)? {
                found.insert(entry.key.clone(), entry);
            }
        }
        Ok(keys.iter().map(|k| found.remove(k)).collect())
    }

    fn delete(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        if deletions.is_empty() {
            return Ok(Vec::new());
        }
        self.delete_all(deletions)
    }

    fn expire(&mut self, keys: &[String], at: DateTime<Utc>) -> Result<Vec<bool>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.expire_all(keys, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_max_is_never() {
        let max = NaiveDateTime::parse_from_str("9999-12-31 23:59:59", "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc();
        assert_eq!(never_before(max), None);
        let t = DateTime::from_timestamp(1_748_779_200, 0).unwrap();
        assert_eq!(never_before(t), Some(t));
        let frac = DateTime::from_timestamp(1_748_779_200, 999_000_000).unwrap();
        assert_eq!(whole_second(frac), t);
    }
}
