//! Human output: summary lines for bulk changes, key/value tables for one session or the
//! statistics, and fixed-width rows for `list` (streamed, so widths cannot depend on the
//! data). Every untrusted string goes through [`escape`](super::escape).

use crate::auth::users::Active;
use crate::auth::AuthState;
use std::io::{self, Write};
use std::time::Duration;

use comfy_table::presets::{ASCII_BORDERS_ONLY, UTF8_BORDERS_ONLY};
use comfy_table::{Cell, Color, ContentArrangement, Table};

use super::escape::{block_for_terminal, for_terminal};
use super::{sgr, ChangeReport, ListRow, Look, Report, SessionReport, StatsReport};
use crate::codec::{SessionExpiry, Signature};
use crate::purge::Stop;
use crate::zone::rfc3339;

pub fn render(report: &Report, verbose: bool, look: Look, out: &mut dyn Write) -> io::Result<()> {
    match report {
        Report::None => Ok(()),
        Report::Message(text) => writeln!(out, "{text}"),
        Report::Change(change) => change_summary(change, verbose, out),
        Report::Session(session) => session_table(session, look, out),
        Report::Stats(stats) => stats_table(stats, look, out),
        Report::Many(reports) => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                render(report, verbose, look, out)?;
            }
            Ok(())
        }
    }
}

/// A table in the look of this run: ASCII or UTF-8 borders, styled cells only when
/// colours are on.
fn new_table(look: Look) -> Table {
    let mut table = Table::new();
    table.load_preset(if look.ascii {
        ASCII_BORDERS_ONLY
    } else {
        UTF8_BORDERS_ONLY
    });
    if look.color_out {
        table.enforce_styling();
    }
    table
}

/// A cell coloured when colours are on.
fn cell(text: String, color: Option<Color>, look: Look) -> Cell {
    match color {
        Some(color) if look.color_out => Cell::new(text).fg(color),
        _ => Cell::new(text),
    }
}

fn plural(n: u64, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "es" })
}

/// `1234567` as `1,234,567`: counts in summaries are read by people.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn change_summary(change: &ChangeReport, verbose: bool, out: &mut dyn Write) -> io::Result<()> {
    let o = &change.outcome;
    let what = &change.selected;
    let command = change.command;
    if o.dry_run {
        let would = if change.verb == "deleted" {
            "delete"
        } else {
            "update"
        };
        let (at_least, stopped) = match o.stopped {
            None => ("", ""),
            Some(Stop::Interrupted) => ("at least ", "; interrupted before the count was done"),
            Some(Stop::MaxRuntime) => (
                "at least ",
                "; stopped at --max-runtime before the count was done",
            ),
            Some(Stop::StopFile) => (
                "at least ",
                "; stopped by --stop-file before the count was done",
            ),
            Some(Stop::Failed) => ("at least ", "; failed before the count was done"),
        };
        return writeln!(
            out,
            "{command}: would {would} {at_least}{} {what} (dry run, nothing changed){stopped}",
            thousands(o.matched)
        );
    }
    if o.complete() && o.matched == 0 && o.changed == 0 {
        return writeln!(out, "{command}: no {what} ({})", seconds(o.elapsed));
    }
    // A total is printed only when it is known: a run stopped before the end of its
    // walk, without counting first, knows only what it found.
    let counts = if o.matched_complete {
        format!(
            "{} of {} {what}",
            thousands(o.changed),
            thousands(o.matched)
        )
    } else {
        format!("{} {what} (more may remain)", thousands(o.changed))
    };
    let mut line = format!(
        "{command}: {} {counts} in {} ({})",
        change.verb,
        plural(o.batches, "batch"),
        seconds(o.elapsed)
    );
    match o.stopped {
        Some(Stop::Interrupted) => {
            line.push_str("; interrupted, committed batches stay, run again to finish")
        }
        Some(Stop::MaxRuntime) => line.push_str("; stopped at --max-runtime, run again to finish"),
        Some(Stop::StopFile) => line.push_str("; stopped by --stop-file, run again to finish"),
        Some(Stop::Failed) => line.push_str("; failed, committed batches stay"),
        None => {}
    }
    if o.waited >= Duration::from_millis(10) {
        line.push_str(&format!(
            " ({} of it paused between batches)",
            seconds(o.waited)
        ));
    }
    if let Some(n) = change.cache_deleted {
        line.push_str(&format!(
            "; {} cache entr{} deleted",
            thousands(n),
            if n == 1 { "y" } else { "ies" }
        ));
    }
    if o.halvings > 0 {
        line.push_str(&format!(
            "; {} halved after certification conflicts",
            plural(o.halvings, "batch")
        ));
    }
    writeln!(out, "{line}")?;
    if let Some(to) = &o.replication.replicates_to {
        let r = &o.replication;
        let mut text = format!("replication: {to}");
        if r.lag_waited >= Duration::from_millis(10) {
            text.push_str(&format!(
                "; waited {} for replicas to catch up",
                seconds(r.lag_waited)
            ));
        }
        if r.stopped_pauses > 0 {
            text.push_str(&format!(
                " (paused {} for a replica that was not replicating)",
                match r.stopped_pauses {
                    1 => "once".to_owned(),
                    n => format!("{n} times"),
                }
            ));
        }
        if r.flow_waited >= Duration::from_millis(10) {
            text.push_str(&format!(
                "; backed off {} for Galera flow control",
                seconds(r.flow_waited)
            ));
        }
        writeln!(out, "{text}")?;
    }
    if let Some(v) = &change.vacuum {
        vacuum_summary(v, out)?;
    }
    if verbose {
        if let (Some(first), Some(last)) = (o.first_batch, o.last_batch) {
            writeln!(
                out,
                "first batch {}, last batch {}, largest {} rows, {} {}",
                seconds(first),
                seconds(last),
                thousands(o.largest_batch),
                thousands(o.retries),
                if o.retries == 1 { "retry" } else { "retries" }
            )?;
        }
    }
    Ok(())
}

/// What `--vacuum` did: the statement, its time and the sizes on one line, then what it
/// does to the space of deleted sessions and, where there is more to know, a note.
fn vacuum_summary(v: &crate::store::Vacuum, out: &mut dyn Write) -> io::Result<()> {
    let Some(statement) = v.statement else {
        return writeln!(out, "vacuum: {}", v.effect);
    };
    let mut line = format!("vacuum: {statement} in {}", seconds(v.elapsed));
    let bytes = |b: Option<u64>| b.map_or_else(|| "unknown".to_owned(), thousands);
    if v.bytes_before.is_some() || v.bytes_after.is_some() {
        line.push_str(&format!(
            "; {}: {} bytes before, {} after",
            v.measured.unwrap_or("size"),
            bytes(v.bytes_before),
            bytes(v.bytes_after)
        ));
        if let (Some(before), Some(after)) = (v.bytes_before, v.bytes_after) {
            if after < before {
                line.push_str(&format!(" ({} given back)", thousands(before - after)));
            } else {
                line.push_str(" (none given back)");
            }
        }
    }
    writeln!(out, "{line}")?;
    writeln!(out, "  {}", v.effect)?;
    if let Some(note) = &v.note {
        writeln!(out, "  {note}")?;
    }
    Ok(())
}

fn session_table(report: &SessionReport, look: Look, out: &mut dyn Write) -> io::Result<()> {
    let d = &report.decoded;
    let mut table = new_table(look);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(key) = &report.session_key {
        table.add_row(vec!["key".to_owned(), for_terminal(key).into_owned()]);
    }
    if let Some(expire) = report.expire_date {
        let (state, color) = match report.expired {
            Some(true) => (" (expired)", Some(Color::Red)),
            Some(false) => (" (active)", None),
            None => ("", None),
        };
        table.add_row(vec![
            Cell::new("expires"),
            cell(format!("{}{state}", rfc3339(expire)), color, look),
        ]);
    }
    table.add_row(vec!["format".to_owned(), d.format.as_str().to_owned()]);
    let signature = match d.signature {
        Signature::Valid => "valid (SECRET_KEY)".to_owned(),
        Signature::ValidFallback(i) => format!("valid with fallback key #{}", i + 1),
        Signature::Invalid => "invalid".to_owned(),
        Signature::Unverified => {
            "unverified: no secret key given (DJANGO_SECRET_KEY or --secret-key-file)".to_owned()
        }
        Signature::Unsigned => "unsigned (the cache engine keeps sessions unsigned)".to_owned(),
    };
    let algorithm = d
        .algorithm
        .map(|a| format!(", {}", a.as_str()))
        .unwrap_or_default();
    let color = match d.signature {
        Signature::Valid | Signature::ValidFallback(_) => Some(Color::Green),
        Signature::Invalid => Some(Color::Red),
        Signature::Unverified => Some(Color::Yellow),
        Signature::Unsigned => None,
    };
    table.add_row(vec![
        Cell::new("signature"),
        cell(format!("{signature}{algorithm}"), color, look),
    ]);
    if let Some(ts) = d
        .timestamp
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        table.add_row(vec!["signed at".to_owned(), rfc3339(ts)]);
    }
    if let Some(user) = d.user_id() {
        let backend = d
            .user_backend()
            .map(|b| format!(" via {b}"))
            .unwrap_or_default();
        table.add_row(vec![
            "user".to_owned(),
            for_terminal(&format!("{user}{backend}")).into_owned(),
        ]);
    }
    if let Some(expiry) = d.session_expiry() {
        let shown = match expiry {
            SessionExpiry::Seconds(n) => format!("{n} s (set_expiry({n}))"),
            SessionExpiry::At(text) => for_terminal(&text).into_owned(),
            SessionExpiry::Other(v) => for_terminal(&v.to_string()).into_owned(),
        };
        table.add_row(vec!["_session_expiry".to_owned(), shown]);
    }
    table.add_row(vec!["size".to_owned(), format!("{} bytes", report.size)]);
    if let Some(verdict) = &report.auth {
        let state = verdict.state.as_str();
        let state = if verdict.state.flushed_by_django() {
            look.paint_out(state, sgr::RED).into_owned()
        } else if verdict.state.logged_in() {
            look.paint_out(state, sgr::GREEN).into_owned()
        } else {
            state.to_owned()
        };
        table.add_row(vec![
            "auth".to_owned(),
            format!("{state}: {}", verdict.state.explain()),
        ]);
        if let Some(owner) = &verdict.owner {
            let mut who = format!("id {}", owner.pk.django_text());
            if let Some(name) = &owner.username {
                who.push_str(&format!(", username {name}"));
            }
            if let Some(email) = owner.email.as_deref().filter(|e| !e.is_empty()) {
                who.push_str(&format!(", e-mail {email}"));
            }
            table.add_row(vec!["owner".to_owned(), for_terminal(&who).into_owned()]);
            let active = match owner.active {
                Active::Yes | Active::NoColumn => "yes",
                Active::No => "no",
                Active::Null => "NULL",
            };
            table.add_row(vec!["active".to_owned(), active.to_owned()]);
            table.add_row(vec![
                "last login".to_owned(),
                owner
                    .last_login
                    .map(rfc3339)
                    .unwrap_or_else(|| "never".to_owned()),
            ]);
        }
    }
    if let Some(cache) = &report.cache {
        let state = if !cache.present {
            "absent: Django reads the row".to_owned()
        } else {
            let ttl = cache
                .ttl_seconds
                .map_or_else(|| "no expiry".to_owned(), |s| format!("{s} s left"));
            let same = match cache.same_as_row {
                Some(true) => "same data as the row",
                Some(false) => "differs from the row: Django uses the cache entry",
                None => "not comparable with the row",
            };
            format!(
                "present, {ttl}, {}, {} bytes, {same}",
                cache.format.as_deref().unwrap_or("unknown"),
                cache.size.unwrap_or(0)
            )
        };
        table.add_row(vec![
            "cache entry".to_owned(),
            for_terminal(&cache.key).into_owned(),
        ]);
        table.add_row(vec!["cache".to_owned(), state]);
    }
    // The signature row already says that no key was given; the note keeps the rest.
    let notes: Vec<&str> = d
        .note
        .iter()
        .flat_map(|note| note.split("; "))
        .filter(|part| *part != crate::codec::UNVERIFIED_NOTE)
        .collect();
    if !notes.is_empty() {
        table.add_row(vec!["note".to_owned(), notes.join("; ")]);
    }
    writeln!(out, "{table}")?;
    match (&d.data, &d.error) {
        (Some(data), _) => {
            let pretty = serde_json::to_string_pretty(data).map_err(io::Error::other)?;
            writeln!(out, "{}", block_for_terminal(&pretty))
        }
        (None, Some(error)) => writeln!(out, "undecodable: {}", for_terminal(error)),
        (None, None) => writeln!(out, "undecodable"),
    }
}

fn stats_table(report: &StatsReport, look: Look, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.stats;
    let mut table = new_table(look);
    let when =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(rfc3339).unwrap_or_else(|| "-".to_owned());
    table.add_row(vec!["store".to_owned(), report.store.clone()]);
    if let Some(e) = &report.estimate {
        table.add_row(vec![
            "ESTIMATE".to_owned(),
            format!(
                "from {}; statistics gathered {}",
                e.source,
                e.analyzed_at
                    .map(rfc3339)
                    .unwrap_or_else(|| "at an unknown time".to_owned())
            ),
        ]);
    }
    let unknown = report.estimate.as_ref().is_some_and(|e| e.expired_unknown);
    table.add_row(vec!["total".to_owned(), s.total.to_string()]);
    if unknown {
        table.add_row(vec!["expired".to_owned(), "unknown".to_owned()]);
        table.add_row(vec!["active".to_owned(), "unknown".to_owned()]);
    } else {
        table.add_row(vec!["expired".to_owned(), s.expired.to_string()]);
        table.add_row(vec!["active".to_owned(), (s.total - s.expired).to_string()]);
    }
    table.add_row(vec!["oldest expiry".to_owned(), when(s.oldest_expire_date)]);
    table.add_row(vec!["newest expiry".to_owned(), when(s.newest_expire_date)]);
    if report
        .estimate
        .as_ref()
        .is_some_and(|e| e.data_bytes_unknown)
    {
        table.add_row(vec!["data bytes".to_owned(), "unknown".to_owned()]);
    } else {
        table.add_row(vec!["data bytes".to_owned(), s.data_bytes.to_string()]);
    }
    table.add_row(vec![
        if report.session_files {
            "bytes of files on disk"
        } else {
            "table bytes"
        }
        .to_owned(),
        match s.table_bytes {
            None => "unknown".to_owned(),
            Some(b) if s.table_bytes_estimate => {
                format!("{b} (estimate: InnoDB statistics, refreshed by ANALYZE TABLE)")
            }
            Some(b) => b.to_string(),
        },
    ]);
    if let Some(c) = &report.cache {
        table.add_row(vec!["with a user".to_owned(), c.with_user.to_string()]);
        table.add_row(vec!["anonymous".to_owned(), c.anonymous.to_string()]);
        table.add_row(vec!["undecodable".to_owned(), c.undecodable.to_string()]);
        table.add_row(vec!["without expiry".to_owned(), c.no_expiry.to_string()]);
        let ttl = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), |s| format!("{s} s"));
        table.add_row(vec![
            "TTL range".to_owned(),
            format!("{} to {}", ttl(c.ttl_min), ttl(c.ttl_max)),
        ]);
        if let Some(max) = c.max_entries {
            table.add_row(vec!["MAX_ENTRIES".to_owned(), max.to_string()]);
        }
    }
    if let Some(a) = &report.auth {
        let n = |state| a.count(state);
        table.add_row(vec!["logged in".to_owned(), a.logged_in().to_string()]);
        table.add_row(vec![
            "anonymous".to_owned(),
            n(AuthState::Anonymous).to_string(),
        ]);
        table.add_row(vec![
            "stale (flushed at next request)".to_owned(),
            (n(AuthState::Stale) + n(AuthState::MissingHash)).to_string(),
        ]);
        table.add_row(vec![
            "of deleted users".to_owned(),
            n(AuthState::UserDeleted).to_string(),
        ]);
        let rest: Vec<String> = a
            .states
            .iter()
            .filter(|(s, _)| {
                !s.logged_in()
                    && !matches!(
                        s,
                        AuthState::Anonymous
                            | AuthState::Stale
                            | AuthState::MissingHash
                            | AuthState::UserDeleted
                    )
            })
            .map(|(s, count)| format!("{} {count}", s.as_str()))
            .collect();
        if !rest.is_empty() {
            table.add_row(vec!["other states".to_owned(), rest.join(", ")]);
        }
        for (i, u) in a.top_users.iter().enumerate() {
            let who = match &u.username {
                Some(name) => format!("{name} (id {})", u.id),
                None => format!("id {} (no such user)", u.id),
            };
            table.add_row(vec![
                if i == 0 { "most sessions" } else { "" }.to_owned(),
                for_terminal(&format!("{who}: {}", u.sessions)).into_owned(),
            ]);
        }
    }
    writeln!(out, "{table}")?;
    if let Some(shape) = &report.shape {
        draw_shape(shape, report.now, look, out)?;
        if let Some(top) = &shape.top_users {
            draw_top_users(top, &report.top_names, look, out)?;
        }
    }
    Ok(())
}

/// `--top users`: a bar per user.
fn draw_top_users(
    top: &[(String, u64)],
    names: &std::collections::HashMap<String, String>,
    look: Look,
    out: &mut dyn Write,
) -> io::Result<()> {
    if top.is_empty() {
        return writeln!(out, "\nNo session names a user.");
    }
    writeln!(out, "\nUsers with the most sessions:")?;
    let max = top.first().map_or(0, |(_, n)| *n);
    for (id, n) in top {
        let who = match names.get(id) {
            Some(name) => format!("{name} ({id})"),
            None => id.clone(),
        };
        writeln!(
            out,
            "{:<28} {:>10}  {}",
            for_terminal(&who),
            thousands(*n),
            crate::shape::bar(*n, max, BAR_WIDTH, look.ascii)
        )?;
    }
    Ok(())
}

/// Width of the longest bar of a histogram.
const BAR_WIDTH: usize = 40;

/// The `--histogram` and `--duplicates` charts, after the figures.
fn draw_shape(
    shape: &crate::shape::Shape,
    now: chrono::DateTime<chrono::Utc>,
    look: Look,
    out: &mut dyn Write,
) -> io::Result<()> {
    use crate::shape::bar;
    if let Some(h) = &shape.expiry {
        writeln!(
            out,
            "\nSessions by expiry, per {} (* expired at {}):",
            h.width_name,
            rfc3339(now)
        )?;
        let max = h.buckets.iter().map(|b| b.sessions).max().unwrap_or(0);
        let hourly = h.width_seconds < 86_400;
        for b in &h.buckets {
            let start = if hourly {
                b.start.format("%Y-%m-%d %H:00").to_string()
            } else {
                b.start.format("%Y-%m-%d").to_string()
            };
            let mark = if b.expired == b.sessions {
                "*"
            } else if b.expired > 0 {
                "+"
            } else {
                " "
            };
            let drawn = bar(b.sessions, max, BAR_WIDTH, look.ascii);
            let drawn = if b.expired > 0 {
                look.paint_out(&drawn, sgr::RED).into_owned()
            } else {
                drawn
            };
            writeln!(
                out,
                "{start:<16} {mark} {:>10}  {drawn}",
                thousands(b.sessions)
            )?;
        }
        if h.buckets
            .iter()
            .any(|b| b.expired > 0 && b.expired < b.sessions)
        {
            writeln!(out, "(+ partly expired)")?;
        }
        if h.no_expiry > 0 {
            writeln!(out, "without a fixed expiry: {}", thousands(h.no_expiry))?;
        }
    }
    if let Some(h) = &shape.size {
        writeln!(
            out,
            "\nSessions by size of their data (p50 {} B, p90 {} B, p99 {} B, largest {} B):",
            h.p50, h.p90, h.p99, h.max
        )?;
        let max = h.buckets.iter().map(|(_, n)| *n).max().unwrap_or(0);
        for (upto, n) in &h.buckets {
            writeln!(
                out,
                "<= {:<10} {:>10}  {}",
                format!("{upto} B"),
                thousands(*n),
                bar(*n, max, BAR_WIDTH, look.ascii)
            )?;
        }
        if !h.largest.is_empty() {
            writeln!(out, "largest:")?;
            for (key, bytes) in &h.largest {
                writeln!(out, "  {:<KEY_WIDTH$}  {bytes} B", for_terminal(key))?;
            }
        }
    }
    if let Some(dups) = &shape.duplicates {
        if dups.is_empty() {
            writeln!(out, "\nNo two sessions hold the same data.")?;
        } else {
            writeln!(out, "\nSession data held by several sessions (most first):")?;
            for d in dups {
                writeln!(
                    out,
                    "  {:>10} sessions  {:>7} B  e.g. {}",
                    thousands(d.sessions),
                    d.bytes,
                    for_terminal(&d.example_key)
                )?;
            }
        }
    }
    Ok(())
}

const KEY_WIDTH: usize = 32;

/// Width of the USER column when username and auth columns follow it.
const USER_WIDTH: usize = 8;
/// Width of the USERNAME column (longer names overflow it).
const USERNAME_WIDTH: usize = 20;

pub fn list_header(users: bool, out: &mut dyn Write) -> io::Result<()> {
    if users {
        return writeln!(
            out,
            "{:<KEY_WIDTH$}  {:<27}  {:<7}  {:>8}  {:<USER_WIDTH$}  {:<USERNAME_WIDTH$}  AUTH",
            "KEY", "EXPIRES", "EXPIRED", "SIZE", "USER", "USERNAME"
        );
    }
    writeln!(
        out,
        "{:<KEY_WIDTH$}  {:<27}  {:<7}  {:>8}  USER",
        "KEY", "EXPIRES", "EXPIRED", "SIZE"
    )
}

pub fn list_row(row: &ListRow, users: bool, look: Look, out: &mut dyn Write) -> io::Result<()> {
    // Padded first, then painted: the escape codes take no columns.
    let expired = if row.expired {
        look.paint_out(&format!("{:<7}", "yes"), sgr::RED)
            .into_owned()
    } else {
        format!("{:<7}", "no")
    };
    let user = row
        .user_id
        .as_deref()
        .map(for_terminal)
        .unwrap_or_else(|| "-".into());
    let expires = row
        .expire_date
        .map(rfc3339)
        .unwrap_or_else(|| "-".to_owned());
    if !users {
        return writeln!(
            out,
            "{:<KEY_WIDTH$}  {:<27}  {}  {:>8}  {}",
            for_terminal(&row.session_key),
            expires,
            expired,
            row.size,
            user,
        );
    }
    let username = row
        .auth
        .as_ref()
        .and_then(|a| a.username.as_deref())
        .map(for_terminal)
        .unwrap_or_else(|| "-".into());
    let auth = row.auth.as_ref().map_or("-", |a| a.state.as_str());
    let auth = match row.auth.as_ref().map(|a| a.state) {
        Some(state) if state.flushed_by_django() => look.paint_out(auth, sgr::RED).into_owned(),
        _ => auth.to_owned(),
    };
    writeln!(
        out,
        "{:<KEY_WIDTH$}  {:<27}  {}  {:>8}  {:<USER_WIDTH$}  {:<USERNAME_WIDTH$}  {}",
        for_terminal(&row.session_key),
        expires,
        expired,
        row.size,
        user,
        username,
        auth,
    )
}

pub fn list_footer(rows: u64, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "({rows} session{})", if rows == 1 { "" } else { "s" })
}
