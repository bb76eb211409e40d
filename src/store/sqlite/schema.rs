//! Whether a SQLite table is a Django session table sessctl can work on, checked when
//! the store opens (exit 3 otherwise, with what is wrong).
//!
//! - It is a table with rowids (not a view, a virtual or a `WITHOUT ROWID` table): scans
//!   and range changes walk rowids. Django creates nothing else.
//! - It has the three columns, whatever their ASCII case (SQLite's rule for names).
//! - `expire_date` holds Django's text datetimes, because sessctl compares it as Django
//!   does, `expire_date < 'YYYY-MM-DD HH:MM:SS'`, and that comparison is a comparison of
//!   times only between texts: SQLite sorts every number before any text and every blob
//!   after it, so an epoch stored as an integer is "expired" whatever its value. Two
//!   checks: the declared type must give text or Django's `datetime` affinity, and the
//!   smallest and largest stored values must be text. Those two are the values of the
//!   two ends of the `expire_date` index (two seeks), and because of that sort order
//!   they are text only if every value is (NULLs aside, which no comparison selects).

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension};

use crate::exit::{coded, ExitCode};

/// The table as the schema knows it.
pub(super) struct Table {
    /// The name as `sqlite_schema` stores it (the spelling it was created with).
    pub name: String,
}

/// SQLite's type affinities (§3.1 of "Datatypes In SQLite").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

impl Affinity {
    /// The affinity SQLite gives a column declared `decl`, by its rules in their order.
    fn of(decl: &str) -> Affinity {
        let decl = decl.to_ascii_uppercase();
        if decl.contains("INT") {
            Affinity::Integer
        } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| decl.contains(t)) {
            Affinity::Text
        } else if decl.contains("BLOB") || decl.trim().is_empty() {
            Affinity::Blob
        } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| decl.contains(t)) {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }

    fn name(self) -> &'static str {
        match self {
            Affinity::Integer => "INTEGER",
            Affinity::Text => "TEXT",
            Affinity::Blob => "BLOB (none)",
            Affinity::Real => "REAL",
            Affinity::Numeric => "NUMERIC",
        }
    }
}

/// Whether a column declared `decl` keeps Django's datetime text as text: text
/// affinity, or the NUMERIC affinity of a date or time type (Django declares
/// `datetime`), under which text that is not a number stays text.
fn holds_datetime_text(decl: &str) -> bool {
    match Affinity::of(decl) {
        Affinity::Text => true,
        Affinity::Numeric => {
            let upper = decl.to_ascii_uppercase();
            upper.contains("DATE") || upper.contains("TIME")
        }
        _ => false,
    }
}

/// Checks `table` (as the user spelled it) in the main database of `conn`; `shown` is
/// the database for messages. `read_error` turns a failed read into the store's error.
pub(super) fn check(
    conn: &Connection,
    table: &str,
    shown: &str,
    read_error: impl Fn(rusqlite::Error) -> anyhow::Error,
) -> Result<Table> {
    let unusable = |why: String| coded(ExitCode::StoreUnavailable, why);
    let found: Option<(String, String, bool)> = conn
        .query_row(
            "SELECT name, type, wr FROM pragma_table_list \
             WHERE schema = 'main' AND name = ?1 COLLATE NOCASE",
            [table],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(&read_error)?;
    let Some((name, kind, without_rowid)) = found else {
        return Err(unusable(format!(
            "{shown} has no table `{table}`; is this the Django database? (custom session models: --table)"
        )));
    };
    match kind.as_str() {
        "table" => {}
        "view" => {
            return Err(unusable(format!(
                "`{name}` in {shown} is a view, not a table: sessctl reads and deletes the rows of the session table itself; give that table with --table"
            )))
        }
        other => {
            return Err(unusable(format!(
                "`{name}` in {shown} is a {other} table, not an ordinary one; Django keeps sessions in an ordinary table (give it with --table)"
            )))
        }
    }
    if without_rowid {
        return Err(unusable(format!(
            "table `{name}` in {shown} is a WITHOUT ROWID table: sessctl walks a session table in rowid order, and Django creates its tables with rowids; copy the sessions into a table without that clause"
        )));
    }
    let mut stmt = conn
        .prepare("SELECT name, type FROM pragma_table_info(?1)")
        .map_err(&read_error)?;
    let columns: Vec<(String, String)> = stmt
        .query_map([&name], |row| Ok((row.get(0)?, row.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(&read_error)?;
    let column = |wanted: &str| {
        columns
            .iter()
            .find(|(have, _)| have.eq_ignore_ascii_case(wanted))
    };
    let missing: Vec<&str> = ["session_key", "session_data", "expire_date"]
        .into_iter()
        .filter(|c| column(c).is_none())
        .collect();
    if !missing.is_empty() {
        let have: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        return Err(unusable(format!(
            "table `{name}` in {shown} is not a session table: no column {} (it has {})",
            missing.join(", "),
            have.join(", ")
        )));
    }
    let (_, decl) = column("expire_date").expect("checked above");
    if !holds_datetime_text(decl) {
        return Err(unusable(format!(
            "table `{name}` in {shown} is not a Django session table: its expire_date is declared `{decl}` ({} affinity), where Django declares `datetime` and stores text such as '2025-06-01 12:00:00'; sessctl compares expire_date as that text, and would take other values for other times",
            Affinity::of(decl).name()
        )));
    }
    let quoted = super::quote_ident(&name);
    let (low_type, high_type, low, high): (String, String, String, String) = conn
        .query_row(
            &format!(
                "SELECT typeof(lo), typeof(hi), quote(lo), quote(hi) FROM \
                 (SELECT (SELECT min(expire_date) FROM {quoted}) AS lo, \
                         (SELECT max(expire_date) FROM {quoted}) AS hi)"
            ),
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .map_err(&read_error)?;
    let odd = [(low_type, low), (high_type, high)]
        .into_iter()
        .find(|(t, _)| t != "text" && t != "null");
    if let Some((kind, example)) = odd {
        let example: String = example.chars().take(40).collect();
        return Err(unusable(format!(
            "table `{name}` in {shown} is not a Django session table: its expire_date holds {kind} values (for example {example}), where Django stores text such as '2025-06-01 12:00:00'; SQLite sorts every number before any text and every blob after it, so comparing them with a time as Django does would select rows whatever time they stand for"
        )));
    }
    Ok(Table { name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affinities_follow_sqlite_rules() {
        for (decl, affinity) in [
            ("datetime", Affinity::Numeric),
            ("INTEGER", Affinity::Integer),
            ("bigint", Affinity::Integer),
            ("varchar(40)", Affinity::Text),
            ("text", Affinity::Text),
            ("", Affinity::Blob),
            ("blob", Affinity::Blob),
            ("double precision", Affinity::Real),
            ("FLOATING POINT", Affinity::Integer), // "INT" wins, as in SQLite
            ("decimal(10,5)", Affinity::Numeric),
        ] {
            assert_eq!(Affinity::of(decl), affinity, "{decl}");
        }
        assert!(holds_datetime_text("datetime"));
        assert!(holds_datetime_text("timestamp with time zone"));
        assert!(!holds_datetime_text("numeric"));
        assert!(!holds_datetime_text("integer"));
    }
}
