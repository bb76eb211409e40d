//! Rendering of command reports: human tables or JSON, written to stdout.
//!
//! Commands return typed reports and never print; this module turns one report into
//! either rendering, so table and JSON never disagree. The JSON shapes are the public
//! schema documented in the README (and checked by `tests/json_schema.rs`).

pub mod csv;
pub mod escape;
pub mod json;
pub mod metrics;
pub mod table;

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use crate::cli::OutputFormat;
use crate::codec::Decoded;
use crate::purge::Outcome;
use crate::store::StoreStats;

/// How output looks on this run: colours on stdout and on stderr, and whether tables
/// keep to ASCII. Resolved once from `--color` and the environment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Look {
    pub color_out: bool,
    pub color_err: bool,
    pub ascii: bool,
}

impl Look {
    /// `--color` as `when`, the environment through `env`, and whether stdout and stderr
    /// are terminals. `NO_COLOR` (any non-empty value, no-color.org) and `TERM=dumb` turn
    /// auto off; tables keep to ASCII unless the locale says UTF-8 (the first of LC_ALL,
    /// LC_CTYPE, LANG that is set, as C's setlocale reads them), and on `TERM=dumb`.
    pub fn resolve(
        when: crate::cli::ColorWhen,
        env: &dyn Fn(&str) -> Option<String>,
        stdout_terminal: bool,
        stderr_terminal: bool,
    ) -> Look {
        use crate::cli::ColorWhen;
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        let dumb = set("TERM").is_some_and(|t| t == "dumb");
        let auto = set("NO_COLOR").is_none() && !dumb;
        let (color_out, color_err) = match when {
            ColorWhen::Always => (true, true),
            ColorWhen::Never => (false, false),
            ColorWhen::Auto => (auto && stdout_terminal, auto && stderr_terminal),
        };
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .into_iter()
            .find_map(set)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let utf8 = locale.contains("utf-8") || locale.contains("utf8");
        Look {
            color_out,
            color_err,
            ascii: dumb || !utf8,
        }
    }

    /// `text` in `color` (an SGR code such as `31`) on stdout when colours are on.
    pub fn paint_out<'a>(&self, text: &'a str, color: &str) -> std::borrow::Cow<'a, str> {
        paint(self.color_out, text, color)
    }

    /// The same for stderr.
    pub fn paint_err<'a>(&self, text: &'a str, color: &str) -> std::borrow::Cow<'a, str> {
        paint(self.color_err, text, color)
    }
}

/// SGR colour codes used by [`Look`].
pub mod sgr {
    pub const RED: &str = "31";
    pub const GREEN: &str = "32";
    pub const YELLOW: &str = "33";
    pub const BOLD_RED: &str = "1;31";
}

fn paint<'a>(on: bool, text: &'a str, color: &str) -> std::borrow::Cow<'a, str> {
    if on {
        format!("\x1b[{color}m{text}\x1b[0m").into()
    } else {
        text.into()
    }
}

/// What a command produced.
// One report per run, moved once: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Report {
    /// Nothing to print (e.g. `list`, which streams its rows).
    None,
    Change(ChangeReport),
    Session(Box<SessionReport>),
    Stats(Box<StatsReport>),
    Message(String),
    /// Several reports in a row (`decode` of several stdin lines): JSON one object a
    /// line, tables one after the other with a blank line between.
    Many(Vec<Report>),
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
    /// What `--vacuum` did, when it ran (after a complete, real run).
    pub vacuum: Option<crate::store::Vacuum>,
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
    /// What Django's get_user() makes of it, when the user table was read (inspect).
    pub auth: Option<crate::auth::Verdict>,
}

pub struct StatsReport {
    pub stats: StoreStats,
    /// Figures only a cache gives (cache engine).
    pub cache: Option<crate::store::CacheFigures>,
    /// `--estimate`: where the figures come from (they are estimates, some unknown).
    pub estimate: Option<EstimateInfo>,
    /// `--histogram`, `--duplicates`: the store's shape.
    pub shape: Option<crate::shape::Shape>,
    /// Usernames of the `--top users` ids, where the user table has them.
    pub top_names: std::collections::HashMap<String, String>,
    /// `--users`: the sessions judged against the user table.
    pub auth: Option<crate::auth::census::AuthFigures>,
    pub store: String,
    /// The store is a file-session directory: its size on disk (`table_bytes`) is that of
    /// its session files, not of a table.
    pub session_files: bool,
    /// Thresholds exceeded.
    pub exceeded: Vec<Breach>,
    /// The ids of the thresholds given (exceeded or not).
    pub thresholds: Vec<&'static str>,
    /// The instant the figures are for (`--now`).
    pub now: DateTime<Utc>,
    /// The session engine (`db`, `cached_db`, `cache`, `file`).
    pub engine: &'static str,
    /// The `store` and `target` labels of the Prometheus output.
    pub labels: (&'static str, String),
}

/// What `stats --estimate` says besides the figures.
pub struct EstimateInfo {
    pub source: &'static str,
    pub analyzed_at: Option<DateTime<Utc>>,
    /// The expired count is not known (SQLite): `stats.expired` is 0 and means nothing.
    pub expired_unknown: bool,
    pub data_bytes_unknown: bool,
}

/// A `stats` threshold exceeded: its machine id (the option's name without `--` and
/// with `_`), the limit, the value found, and the sentence the table shows.
pub struct Breach {
    pub id: &'static str,
    pub limit: serde_json::Value,
    pub value: serde_json::Value,
    pub text: String,
}

/// One row of `list`.
pub struct ListRow {
    pub session_key: String,
    pub expire_date: Option<DateTime<Utc>>,
    pub expired: bool,
    pub size: usize,
    pub user_id: Option<String>,
    /// The owner's username and the auth state, when the user table was read.
    pub auth: Option<RowAuth>,
}

/// What the user table says about a listed session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowAuth {
    pub username: Option<String>,
    pub state: crate::auth::AuthState,
}

/// Writes `report` to `out` in `format`; `quiet` silences table output only. CSV is
/// list's alone (refused for other commands before they run), so other reports render
/// as tables there.
pub fn render(
    report: &Report,
    format: OutputFormat,
    quiet: bool,
    verbose: bool,
    look: Look,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => json::render(report, out),
        OutputFormat::Prometheus => match report {
            Report::Stats(stats) => out.write_all(metrics::stats(stats).as_bytes()),
            // Refused before any other command runs.
            _ => table::render(report, verbose, look, out),
        },
        OutputFormat::Table | OutputFormat::Csv if quiet => Ok(()),
        OutputFormat::Table | OutputFormat::Csv => table::render(report, verbose, look, out),
    }
}

/// Streams `list` rows in any format without holding them.
pub struct ListWriter<'a> {
    format: OutputFormat,
    look: Look,
    header: bool,
    /// Whether the user table was read: the table and CSV get username and auth columns.
    users: bool,
    out: &'a mut dyn Write,
    rows: u64,
}

impl<'a> ListWriter<'a> {
    /// `header`: the table's header line and closing count, CSV's header row.
    pub fn new(
        format: OutputFormat,
        look: Look,
        header: bool,
        users: bool,
        out: &'a mut dyn Write,
    ) -> ListWriter<'a> {
        ListWriter {
            format,
            look,
            header,
            users,
            out,
            rows: 0,
        }
    }

    pub fn row(&mut self, row: &ListRow) -> io::Result<()> {
        let first = self.rows == 0 && self.header;
        match self.format {
            OutputFormat::Json => json::list_row(row, self.out)?,
            // Refused for list before it runs; a table if it ever got here.
            OutputFormat::Table | OutputFormat::Prometheus => {
                if first {
                    table::list_header(self.users, self.out)?;
                }
                table::list_row(row, self.users, self.look, self.out)?;
            }
            OutputFormat::Csv => {
                if first {
                    csv::list_header(self.users, self.out)?;
                }
                csv::list_row(row, self.users, self.out)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the listing; a table says how many rows it had, CSV has its header even
    /// when no session matched.
    pub fn finish(self, quiet: bool) -> io::Result<()> {
        match self.format {
            OutputFormat::Table if self.header && !quiet => {
                table::list_footer(self.rows, self.out)?
            }
            OutputFormat::Csv if self.header && self.rows == 0 => {
                csv::list_header(self.users, self.out)?
            }
            _ => {}
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorWhen;

    fn look(when: ColorWhen, vars: &[(&str, &str)], tty: bool) -> Look {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Look::resolve(when, &env, tty, tty)
    }

    #[test]
    fn auto_colours_only_a_terminal_without_no_color_or_a_dumb_term() {
        let utf8 = [("LANG", "en_US.UTF-8")];
        assert!(look(ColorWhen::Auto, &utf8, true).color_out);
        assert!(!look(ColorWhen::Auto, &utf8, false).color_out);
        let no_color = [("LANG", "en_US.UTF-8"), ("NO_COLOR", "1")];
        assert!(!look(ColorWhen::Auto, &no_color, true).color_err);
        // An empty NO_COLOR does not count (no-color.org).
        let empty = [("LANG", "en_US.UTF-8"), ("NO_COLOR", "")];
        assert!(look(ColorWhen::Auto, &empty, true).color_err);
        let dumb = [("LANG", "en_US.UTF-8"), ("TERM", "dumb")];
        assert!(!look(ColorWhen::Auto, &dumb, true).color_out);
        assert!(look(ColorWhen::Always, &no_color, false).color_out);
        assert!(!look(ColorWhen::Never, &utf8, true).color_out);
    }

    #[test]
    fn tables_keep_to_ascii_unless_the_locale_is_utf8() {
        assert!(!look(ColorWhen::Never, &[("LANG", "de_DE.utf8")], false).ascii);
        assert!(look(ColorWhen::Never, &[], false).ascii);
        assert!(look(ColorWhen::Never, &[("LANG", "C")], false).ascii);
        // LC_ALL wins over LANG, as setlocale reads them.
        assert!(
            look(
                ColorWhen::Never,
                &[("LC_ALL", "C"), ("LANG", "C.UTF-8")],
                false
            )
            .ascii
        );
        let dumb = [("LANG", "C.UTF-8"), ("TERM", "dumb")];
        assert!(look(ColorWhen::Never, &dumb, false).ascii);
    }
}
