//! Rendering of command reports: human tables or JSON, written to stdout.
//!
//! Commands return typed reports and never print; this module turns one report into
//! either rendering, so table and JSON never disagree. The JSON shapes are the public
//! schema documented in the README (and checked by `tests/json_schema.rs`).

pub mod escape;
pub mod json;
pub mod table;

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use crate::cli::OutputFormat;
use crate::codec::Decoded;
use crate::purge::Outcome;
use crate::store::StoreStats;

/// What a command produced.
pub enum Report {
    /// Nothing to print (e.g. `list`, which streams its rows).
    None,
    Change(ChangeReport),
    Session(Box<SessionReport>),
    Stats(StatsReport),
    Message(String),
}

/// The result of `clear-expired`, `purge`, `flush` or `expire`.
pub struct ChangeReport {
    pub command: &'static str,
    /// `deleted` or `updated`.
    pub verb: &'static str,
    /// What was selected, e.g. "expired sessions", for the summary line.
    pub selected: String,
    pub outcome: Outcome,
    /// Keys given on the command line that are not in the store.
    pub not_found: Vec<String>,
    /// Cache entries really deleted alongside the changed sessions (cached_db only).
    pub cache_deleted: Option<u64>,
}

/// One session, from a store (`inspect`) or from a raw value (`decode`).
pub struct SessionReport {
    pub session_key: Option<String>,
    pub expire_date: Option<DateTime<Utc>>,
    pub expired: Option<bool>,
    pub size: usize,
    pub decoded: Decoded,
    /// The session's cache entry, for a table read through a cache (cached_db).
    pub cache: Option<crate::store::CacheView>,
}

pub struct StatsReport {
    pub stats: StoreStats,
    /// Figures only a cache gives (cache engine).
    pub cache: Option<crate::store::CacheFigures>,
    pub store: String,
    /// The store is a file-session directory: its size on disk (`table_bytes`) is that of
    /// its session files, not of a table.
    pub session_files: bool,
    /// Thresholds exceeded, as sentences.
    pub exceeded: Vec<String>,
}

/// One row of `list`.
pub struct ListRow {
    pub session_key: String,
    pub expire_date: Option<DateTime<Utc>>,
    pub expired: bool,
    pub size: usize,
    pub user_id: Option<String>,
}

/// Writes `report` to `out` in `format`; `quiet` silences table output only.
pub fn render(
    report: &Report,
    format: OutputFormat,
    quiet: bool,
    verbose: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => json::render(report, out),
        OutputFormat::Table if quiet => Ok(()),
        OutputFormat::Table => table::render(report, verbose, out),
    }
}

/// Streams `list` rows in either format without holding them.
pub struct ListWriter<'a> {
    format: OutputFormat,
    out: &'a mut dyn Write,
    rows: u64,
}

impl<'a> ListWriter<'a> {
    pub fn new(format: OutputFormat, out: &'a mut dyn Write) -> ListWriter<'a> {
        ListWriter {
            format,
            out,
            rows: 0,
        }
    }

    pub fn row(&mut self, row: &ListRow) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => json::list_row(row, self.out)?,
            OutputFormat::Table => {
                if self.rows == 0 {
                    table::list_header(self.out)?;
                }
                table::list_row(row, self.out)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the listing; a table says how many rows it had.
    pub fn finish(self, quiet: bool) -> io::Result<()> {
        if self.format == OutputFormat::Table && !quiet {
            table::list_footer(self.rows, self.out)?;
        }
        self.out.flush()
    }
}
