//! The Django user table (`auth_user`, or the table of a custom `AUTH_USER_MODEL`), read
//! on SQLite, PostgreSQL or MySQL/MariaDB through the same connection code as the
//! session tables.
//!
//! Invariants:
//! - columns are found by name, never by position (SQLite's `auth_user` has
//!   `first_name` last; a custom model puts its own fields after the inherited ones);
//! - users are looked up a page at a time (`WHERE pk IN (…)`, [`LOOKUP_CHUNK`] keys per
//!   statement), never one query per session;
//! - the key type (integer, UUID as `uuid` or as `char(32)` without dashes, text) comes
//!   from the column's declared type, and keys are sent as that type so the primary key
//!   index answers;
//! - nothing here writes; the connection is read-only where the database allows it.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::OpenFlags;

use super::pk::{self, PkKind, UserPk};
use crate::db::postgres::{self as pg, Limit};
use crate::db::{mysql as my, Access};
use crate::dburl::StoreUrl;
use crate::exit::{coded, ExitCode};
use crate::purge::StopFlag;
use crate::store::TableSpec;
use crate::zone::StoreZone;

/// Keys per `IN (…)` list: a scan page's users in one statement (a round trip per page,
/// not per few hundred sessions), within every database's limit on parameters.
const LOOKUP_CHUNK: usize = 5_000;

/// Where the users are and which columns hold what (`--user-table`, `--user-pk`,
/// `--user-username`, `--user-email`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserTableSpec {
    pub table: String,
    pub pk: String,
    pub username: String,
    pub email: String,
    /// Whether the table was named on the command line: a missing default `auth_user` only
    /// means there is no user information, a missing named table is an error.
    pub named: bool,
}

impl Default for UserTableSpec {
    fn default() -> Self {
        UserTableSpec {
            table: "auth_user".to_owned(),
            pk: "id".to_owned(),
            username: "username".to_owned(),
            email: "email".to_owned(),
            named: false,
        }
    }
}

/// `is_active` as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Active {
    Yes,
    No,
    /// NULL (a custom model with `null=True`): active on Django 3.2, inactive from 4.2.
    Null,
    /// The model has no `is_active` field: `AbstractBaseUser.is_active` is True.
    NoColumn,
}

/// One user, as the columns sessctl needs hold it. `password` never leaves the auth
/// module: no output writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub pk: UserPk,
    pub username: Option<String>,
    pub email: Option<String>,
    pub active: Active,
    pub password: String,
    pub last_login: Option<DateTime<Utc>>,
}

/// Which column a person is looked up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Username,
    Email,
}

enum Sql {
    Sqlite(rusqlite::Connection),
    Postgres(Box<pg::Connection>),
    Mysql(Box<my::Connection>),
}

/// The columns the select list reads, as found in the table.
struct Columns {
    pk: String,
    password: String,
    active: Option<String>,
    username: Option<String>,
    email: Option<String>,
    last_login: Option<String>,
}

pub struct UserDirectory {
    sql: Sql,
    quoted: String,
    columns: Columns,
    kind: PkKind,
    zone: StoreZone,
    /// PostgreSQL `last_login` is `timestamp with time zone` (an instant).
    pg_instant: bool,
    shown: String,
}

impl UserDirectory {
    /// Opens the user table `spec` names in the database `database` describes. `None`
    /// when the table is Django's default and does not exist there (a database without
    /// `django.contrib.auth`).
    pub fn open(
        spec: &UserTableSpec,
        database: &TableSpec,
        stop: &StopFlag,
    ) -> Result<Option<UserDirectory>> {
        let shown = format!("user table `{}` at {}", spec.table, database.shown);
        let (sql, quoted) = match &database.url {
            StoreUrl::Sqlite { path } => {
                // Opening read-only would report a missing file only at the first read.
                if !path.is_file() {
                    return Err(coded(
                        ExitCode::StoreUnavailable,
                        format!(
                            "no SQLite database at {} (where the user table is read); check --database-url",
                            path.display()
                        ),
                    ));
                }
                let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_READ_ONLY;
                let conn = crate::store::sqlite::connect(path, flags)?;
                (Sql::Sqlite(conn), sqlite_quote(&spec.table))
            }
            StoreUrl::Postgres(url) => {
                let conn = pg::connect(url, &database.shown, Access::Read, stop.clone())?;
                (Sql::Postgres(Box::new(conn)), pg::quote_ident(&spec.table))
            }
            StoreUrl::Mysql(url) => {
                let conn = my::connect(url, &database.shown, Access::Read)?;
                (Sql::Mysql(Box::new(conn)), my::quote_ident(&spec.table))
            }
        };
        let mut sql = sql;
        let declared = declared_columns(&mut sql, &spec.table, &shown)?;
        if declared.is_empty() {
            if !spec.named {
                return Ok(None);
            }
            return Err(coded(
                ExitCode::StoreUnavailable,
                format!(
                    "{shown}: no such table; give the table of AUTH_USER_MODEL with --user-table \
                     (auth_user for django.contrib.auth's User, <app>_<model> or Meta.db_table otherwise)"
                ),
            ));
        }
        let find = |name: &str| {
            declared
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(name))
                .map(|(c, t)| (c.clone(), t.to_ascii_lowercase()))
        };
        let list = || {
            declared
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some((pk_column, pk_type)) = find(&spec.pk) else {
            return Err(coded(
                ExitCode::StoreUnavailable,
                format!(
                    "{shown} has no column `{}` (it has {}); give the primary key column with --user-pk",
                    spec.pk,
                    list()
                ),
            ));
        };
        let Some((password, _)) = find("password") else {
            return Err(coded(
                ExitCode::StoreUnavailable,
                format!(
                    "{shown} is not a Django user table: it has no password column (it has {})",
                    list()
                ),
            ));
        };
        let kind = pk_kind(&pk_type);
        let last_login = find("last_login");
        let pg_instant = last_login
            .as_ref()
            .is_some_and(|(_, t)| t.starts_with("timestamp with time zone"));
        Ok(Some(UserDirectory {
            columns: Columns {
                pk: pk_column,
                password,
                active: find("is_active").map(|(c, _)| c),
                username: find(&spec.username).map(|(c, _)| c),
                email: find(&spec.email).map(|(c, _)| c),
                last_login: last_login.map(|(c, _)| c),
            },
            sql,
            quoted,
            kind,
            zone: database.zone,
            pg_instant,
            shown,
        }))
    }

    pub fn kind(&self) -> PkKind {
        self.kind
    }

    pub fn describe(&self) -> &str {
        &self.shown
    }

    /// Whether the table has the column `--username` / `--email` look people up by.
    pub fn has(&self, field: Field) -> bool {
        match field {
            Field::Username => self.columns.username.is_some(),
            Field::Email => self.columns.email.is_some(),
        }
    }

    /// The users with these keys; keys without a row are absent from the map.
    pub fn lookup(&mut self, keys: &[&UserPk]) -> Result<HashMap<UserPk, UserRow>> {
        let mut wanted: Vec<&UserPk> = keys.to_vec();
        wanted.sort();
        wanted.dedup();
        let mut found = HashMap::with_capacity(wanted.len());
        for chunk in wanted.chunks(LOOKUP_CHUNK) {
            let rows = self.select_by_pk(chunk)?;
            for row in rows {
                found.insert(row.pk.clone(), row);
            }
        }
        Ok(found)
    }

    /// The users whose username or e-mail column equals `value` exactly (byte for byte,
    /// also on MySQL, whose default collation ignores case).
    pub fn find(&mut self, field: Field, value: &str) -> Result<Vec<UserRow>> {
        let column = match field {
            Field::Username => self.columns.username.clone(),
            Field::Email => self.columns.email.clone(),
        };
        let Some(column) = column else {
            let (option, what) = match field {
                Field::Username => ("--user-username", "USERNAME_FIELD"),
                Field::Email => ("--user-email", "EMAIL_FIELD"),
            };
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "{} has no such column for {what}; name it with {option} COLUMN",
                    self.shown
                ),
            ));
        };
        let select = self.select_list();
        let rows = match &mut self.sql {
            Sql::Sqlite(conn) => {
                let sql = format!(
                    "SELECT {select} FROM {} WHERE {} = ?1",
                    self.quoted,
                    sqlite_quote(&column)
                );
                sqlite_rows(conn, &sql, vec![value.to_owned().into()])
                    .with_context(|| format!("reading {}", self.shown))?
            }
            Sql::Postgres(conn) => {
                let sql = format!(
                    "SELECT {select} FROM {} WHERE {}::text = $1",
                    self.quoted,
                    pg::quote_ident(&column)
                );
                pg_rows(conn, &sql, &[&value], &self.shown)?
            }
            Sql::Mysql(conn) => {
                let c = my::quote_ident(&column);
                let sql = format!(
                    "SELECT {select} FROM {} WHERE {c} = ? AND BINARY {c} = BINARY ?",
                    self.quoted
                );
                mysql_rows(conn, &sql, vec![value.into(), value.into()], &self.shown)?
            }
        };
        rows.into_iter().map(|r| self.row(r)).collect()
    }

    fn select_list(&self) -> String {
        let c = &self.columns;
        let q = |name: &str| match &self.sql {
            Sql::Sqlite(_) => sqlite_quote(name),
            Sql::Postgres(_) => pg::quote_ident(name),
            Sql::Mysql(_) => my::quote_ident(name),
        };
        let text = |col: Option<&String>| match col {
            None => "NULL".to_owned(),
            Some(name) => match &self.sql {
                Sql::Sqlite(_) => format!("CAST({} AS TEXT)", q(name)),
                Sql::Postgres(_) => format!("{}::text", q(name)),
                Sql::Mysql(_) => format!("CAST({} AS CHAR)", q(name)),
            },
        };
        let last_login = match (&c.last_login, &self.sql) {
            (None, _) => "NULL".to_owned(),
            // An instant is read as UTC wall-clock text; a naive column as stored.
            (Some(name), Sql::Postgres(_)) if self.pg_instant => format!(
                "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
                q(name)
            ),
            (Some(name), Sql::Postgres(_)) => {
                format!("to_char({}, 'YYYY-MM-DD HH24:MI:SS.US')", q(name))
            }
            (Some(name), _) => text(Some(name)),
        };
        format!(
            "{}, {}, {}, {}, {}, {}",
            text(Some(&c.pk)),
            text(Some(&c.password)),
            text(c.active.as_ref()),
            text(c.username.as_ref()),
            text(c.email.as_ref()),
            last_login
        )
    }

    fn select_by_pk(&mut self, keys: &[&UserPk]) -> Result<Vec<UserRow>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let select = self.select_list();
        let kind = self.kind;
        let rows = match &mut self.sql {
            Sql::Sqlite(conn) => {
                let marks = vec!["?"; keys.len()].join(", ");
                let sql = format!(
                    "SELECT {select} FROM {} WHERE {} IN ({marks})",
                    self.quoted,
                    sqlite_quote(&self.columns.pk)
                );
                let params = keys
                    .iter()
                    .map(|k| match k {
                        UserPk::Int(n) => rusqlite::types::Value::Integer(*n),
                        other => other.column_text(kind).into(),
                    })
                    .collect();
                sqlite_rows(conn, &sql, params)
                    .with_context(|| format!("reading {}", self.shown))?
            }
            Sql::Postgres(conn) => {
                let column = pg::quote_ident(&self.columns.pk);
                match kind {
                    PkKind::Integer => {
                        let ids: Vec<i64> = keys
                            .iter()
                            .filter_map(|k| match k {
                                UserPk::Int(n) => Some(*n),
                                _ => None,
                            })
                            .collect();
                        let sql = format!(
                            "SELECT {select} FROM {} WHERE {column} = ANY($1::int8[])",
                            self.quoted
                        );
                        pg_rows(conn, &sql, &[&ids], &self.shown)?
                    }
                    PkKind::Uuid { native: true } => {
                        let ids: Vec<String> = keys.iter().map(|k| k.column_text(kind)).collect();
                        let sql = format!(
                            "SELECT {select} FROM {} WHERE {column} = ANY($1::text[]::uuid[])",
                            self.quoted
                        );
                        pg_rows(conn, &sql, &[&ids], &self.shown)?
                    }
                    _ => {
                        let ids: Vec<String> = keys.iter().map(|k| k.column_text(kind)).collect();
                        let sql = format!(
                            "SELECT {select} FROM {} WHERE {column}::text = ANY($1::text[])",
                            self.quoted
                        );
                        pg_rows(conn, &sql, &[&ids], &self.shown)?
                    }
                }
            }
            Sql::Mysql(conn) => {
                let marks = vec!["?"; keys.len()].join(", ");
                let sql = format!(
                    "SELECT {select} FROM {} WHERE {} IN ({marks})",
                    self.quoted,
                    my::quote_ident(&self.columns.pk)
                );
                let params = keys
                    .iter()
                    .map(|k| match k {
                        UserPk::Int(n) => mysql::Value::Int(*n),
                        other => other.column_text(kind).into(),
                    })
                    .collect();
                mysql_rows(conn, &sql, params, &self.shown)?
            }
        };
        rows.into_iter().map(|r| self.row(r)).collect()
    }

    /// A row of the select list (every column as text) as a [`UserRow`].
    fn row(&self, cells: Vec<Option<String>>) -> Result<UserRow> {
        let mut cells = cells.into_iter();
        let mut next = || cells.next().flatten();
        let pk_text = next().unwrap_or_default();
        let pk = pk::from_column(&pk_text, self.kind).ok_or_else(|| {
            coded(
                ExitCode::StoreUnavailable,
                format!(
                    "{}: primary key `{}` is not a {} key",
                    self.shown,
                    pk_text.escape_debug(),
                    self.kind.as_str()
                ),
            )
        })?;
        let password = next().unwrap_or_default();
        let active = match (&self.columns.active, next()) {
            (None, _) => Active::NoColumn,
            (Some(_), None) => Active::Null,
            (Some(_), Some(v)) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "t" | "true" => Active::Yes,
                _ => Active::No,
            },
        };
        let username = next();
        let email = next();
        let last_login = next().and_then(|t| {
            let zone = if self.pg_instant {
                StoreZone::UTC
            } else {
                self.zone
            };
            zone.parse_stored(&t).ok()
        });
        Ok(UserRow {
            pk,
            username,
            email,
            active,
            password,
            last_login,
        })
    }
}

/// The key type a column's declared type means (see [`PkKind`]).
fn pk_kind(declared: &str) -> PkKind {
    let t = declared.trim();
    if t == "uuid" {
        return PkKind::Uuid { native: true };
    }
    // Django declares UUIDField as char(32) where the database has no uuid type;
    // CharField is varchar(n).
    if t == "char(32)" || t == "character(32)" {
        return PkKind::Uuid { native: false };
    }
    let integer = [
        "integer",
        "int",
        "bigint",
        "smallint",
        "serial",
        "bigserial",
    ]
    .iter()
    .any(|word| {
        t == *word || t.starts_with(&format!("{word}(")) || t.starts_with(&format!("{word} "))
    });
    if integer {
        PkKind::Integer
    } else {
        PkKind::Text
    }
}

fn sqlite_quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Column names and declared types of `table`; empty when there is no such table.
fn declared_columns(sql: &mut Sql, table: &str, shown: &str) -> Result<Vec<(String, String)>> {
    Ok(match sql {
        Sql::Sqlite(conn) => {
            let mut stmt = conn
                .prepare("SELECT name, type FROM pragma_table_info(?1)")
                .map_err(|e| crate::store::sqlite::classify(e, &format!("cannot read {shown}")))?;
            let rows = stmt
                .query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
            rows.map_err(|e| crate::store::sqlite::classify(e, &format!("cannot read {shown}")))?
        }
        Sql::Postgres(conn) => match conn.table(table)? {
            Some(t) => t.columns,
            None => Vec::new(),
        },
        Sql::Mysql(conn) => {
            use mysql::prelude::Queryable;
            conn.conn
                .exec(
                    "SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR) FROM information_schema.columns \
                     WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
                    (table,),
                )
                .map_err(|e| conn.error(e, "reading the table definition", Some(table)))?
        }
    })
}

fn sqlite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: Vec<rusqlite::types::Value>,
) -> Result<Vec<Vec<Option<String>>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let width = stmt.column_count();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |row| {
            (0..width)
                .map(|i| row.get::<_, Option<String>>(i))
                .collect()
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn pg_rows(
    conn: &mut pg::Connection,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    shown: &str,
) -> Result<Vec<Vec<Option<String>>>> {
    let rows = conn
        .query(Limit::Read, sql, params)
        .map_err(|e| conn.error(e, "reading users", None))
        .with_context(|| format!("reading {shown}"))?;
    Ok(rows
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.get::<_, Option<String>>(i))
                .collect()
        })
        .collect())
}

fn mysql_rows(
    conn: &mut my::Connection,
    sql: &str,
    params: Vec<mysql::Value>,
    shown: &str,
) -> Result<Vec<Vec<Option<String>>>> {
    use mysql::prelude::Queryable;
    let rows: Vec<mysql::Row> = conn
        .conn
        .exec(sql, params)
        .map_err(|e| conn.error(e, "reading users", None))
        .with_context(|| format!("reading {shown}"))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.get_opt::<Option<String>, _>(i)
                        .and_then(|r| r.ok())
                        .flatten()
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_follow_the_declared_column_type() {
        assert_eq!(pk_kind("integer"), PkKind::Integer);
        assert_eq!(pk_kind("int(11)"), PkKind::Integer);
        assert_eq!(pk_kind("bigint"), PkKind::Integer);
        assert_eq!(pk_kind("uuid"), PkKind::Uuid { native: true });
        assert_eq!(pk_kind("char(32)"), PkKind::Uuid { native: false });
        assert_eq!(pk_kind("varchar(16)"), PkKind::Text);
        assert_eq!(pk_kind("character varying(16)"), PkKind::Text);
        assert_eq!(pk_kind("text"), PkKind::Text);
    }
}
