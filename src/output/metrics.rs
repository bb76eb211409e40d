//! `--metrics-file`: a bulk change's figures in Prometheus text exposition format, for
//! node_exporter's textfile collector. Written at the end of every run — complete,
//! stopped, failed or refused — so an alert can tell "no run" from "a run that failed",
//! and written atomically (temporary file + rename) so the collector never reads half.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use crate::output::StatsReport;
use crate::purge::Outcome;

/// What one run did, as far as it got.
pub struct RunFigures {
    pub command: &'static str,
    /// `sqlite`, `postgresql`, `mysql`, `file`, `cache`, `cached_db` or `unknown`.
    pub store: String,
    /// The table, directory or cache the run worked on (redacted; empty when unknown).
    pub target: String,
    pub started: SystemTime,
    pub ended: SystemTime,
    pub outcome: Option<Outcome>,
    pub exit_code: i32,
}

fn seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A label value as the exposition format writes it: `\`, `"` and newlines escaped.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition text of `figures`.
pub fn render(figures: &RunFigures) -> String {
    let labels = format!(
        "command=\"{}\",store=\"{}\",target=\"{}\"",
        label(figures.command),
        label(&figures.store),
        label(&figures.target)
    );
    let o = figures.outcome.as_ref();
    let duration = figures
        .ended
        .duration_since(figures.started)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let complete = o.is_some_and(|o| o.complete()) && figures.exit_code == 0;
    let rows: [(&str, &str, String); 12] = [
        ("last_run_start_timestamp_seconds", "When the last run started (unix time).", format!("{}", seconds(figures.started))),
        ("last_run_end_timestamp_seconds", "When the last run ended (unix time).", format!("{}", seconds(figures.ended))),
        ("last_run_duration_seconds", "How long the last run took.", format!("{duration}")),
        ("last_run_matched_sessions", "Sessions the last run selected (what it found when it stopped early).", o.map_or(0, |o| o.matched).to_string()),
        ("last_run_changed_sessions", "Sessions the last run deleted or expired.", o.map_or(0, |o| o.changed).to_string()),
        ("last_run_batches", "Batches of the last run that changed sessions.", o.map_or(0, |o| o.batches).to_string()),
        ("last_run_retries", "Batches of the last run rolled back and run again.", o.map_or(0, |o| o.retries).to_string()),
        ("last_run_halvings", "Times a batch of the last run was halved to get through Galera certification conflicts.", o.map_or(0, |o| o.halvings).to_string()),
        ("last_run_replica_wait_seconds", "Time the last run waited for replicas behind --max-lag or not replicating.", o.map_or(0.0, |o| o.replication.lag_waited.as_secs_f64()).to_string()),
        ("last_run_flow_control_wait_seconds", "Time the last run backed off for Galera flow control.", o.map_or(0.0, |o| o.replication.flow_waited.as_secs_f64()).to_string()),
        ("last_run_exit_code", "Exit status of the last run (0 ok, 75 another purge was running, 130 interrupted; see sessctl(1)).", figures.exit_code.to_string()),
        ("last_run_complete", "1 when the last run did all it was asked, 0 otherwise.", u8::from(complete).to_string()),
    ];
    let mut out = String::new();
    for (name, help, value) in rows {
        out.push_str(&format!(
            "# HELP sessctl_{name} {help}\n# TYPE sessctl_{name} gauge\nsessctl_{name}{{{labels}}} {value}\n"
        ));
    }
    out
}

/// `stats` as gauges: the store's figures, the auth and cache figures where there are
/// any, and each threshold given with whether it is exceeded.
pub fn stats(report: &StatsReport) -> String {
    let labels = format!(
        "store=\"{}\",target=\"{}\"",
        label(report.labels.0),
        label(&report.labels.1)
    );
    let s = &report.stats;
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(String, String)]| {
        out.push_str(&format!(
            "# HELP sessctl_{name} {help}\n# TYPE sessctl_{name} gauge\n"
        ));
        for (extra, value) in samples {
            out.push_str(&format!("sessctl_{name}{{{labels}{extra}}} {value}\n"));
        }
    };
    let one = |v: String| vec![(String::new(), v)];
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| (t.timestamp_millis() as f64 / 1000.0).to_string())
    };
    gauge(
        "stats_success",
        "1 when stats read the store, 0 when it failed.",
        &one("1".into()),
    );
    gauge(
        "stats_timestamp_seconds",
        "The instant the figures are for (unix time).",
        &one(time(Some(report.now)).unwrap_or_default()),
    );
    gauge(
        "sessions",
        "Sessions in the store.",
        &one(s.total.to_string()),
    );
    gauge(
        "sessions_expired",
        "Sessions clear-expired would delete now.",
        &one(s.expired.to_string()),
    );
    gauge(
        "sessions_active",
        "Sessions that have not expired.",
        &one((s.total - s.expired).to_string()),
    );
    gauge(
        "session_data_bytes",
        "Bytes of session data.",
        &one(s.data_bytes.to_string()),
    );
    if let Some(bytes) = s.table_bytes {
        gauge(
            "session_store_bytes",
            "Bytes the table and its indexes (or the session files) take on disk.",
            &one(bytes.to_string()),
        );
    }
    if let Some(t) = time(s.oldest_expire_date) {
        gauge(
            "session_oldest_expiry_timestamp_seconds",
            "The earliest expiry in the store (unix time).",
            &one(t),
        );
    }
    if let Some(t) = time(s.newest_expire_date) {
        gauge(
            "session_newest_expiry_timestamp_seconds",
            "The latest expiry in the store (unix time).",
            &one(t),
        );
    }
    if let Some(a) = &report.auth {
        let samples: Vec<(String, String)> = crate::auth::AuthState::ALL
            .iter()
            .map(|state| {
                (
                    format!(",state=\"{}\"", state.as_str()),
                    a.count(*state).to_string(),
                )
            })
            .collect();
        gauge(
            "sessions_by_auth_state",
            "Sessions by what Django's get_user() makes of them.",
            &samples,
        );
        gauge(
            "sessions_logged_in",
            "Sessions Django logs a user in with.",
            &one(a.logged_in().to_string()),
        );
    }
    if let Some(c) = &report.cache {
        gauge(
            "cache_sessions_with_user",
            "Cached sessions that name a user.",
            &one(c.with_user.to_string()),
        );
        gauge(
            "cache_sessions_undecodable",
            "Cached sessions whose value does not decode.",
            &one(c.undecodable.to_string()),
        );
        gauge(
            "cache_sessions_without_expiry",
            "Cached sessions without a TTL.",
            &one(c.no_expiry.to_string()),
        );
    }
    if !report.thresholds.is_empty() {
        let samples: Vec<(String, String)> = report
            .thresholds
            .iter()
            .map(|id| {
                let hit = report.exceeded.iter().any(|b| b.id == *id);
                (format!(",threshold=\"{id}\""), u8::from(hit).to_string())
            })
            .collect();
        gauge(
            "stats_threshold_exceeded",
            "1 for each threshold given that the figures exceed (stats exits 5), else 0.",
            &samples,
        );
    }
    out
}

/// The gauges of a `stats` that failed before it had figures.
pub fn stats_failed(labels: (&str, &str), at: SystemTime) -> String {
    let labels = format!(
        "store=\"{}\",target=\"{}\"",
        label(labels.0),
        label(labels.1)
    );
    format!(
        "# HELP sessctl_stats_success 1 when stats read the store, 0 when it failed.\n\
         # TYPE sessctl_stats_success gauge\nsessctl_stats_success{{{labels}}} 0\n\
         # HELP sessctl_stats_timestamp_seconds The instant the figures are for (unix time).\n\
         # TYPE sessctl_stats_timestamp_seconds gauge\nsessctl_stats_timestamp_seconds{{{labels}}} {}\n",
        seconds(at)
    )
}

/// Writes `figures` to `path` atomically.
pub fn write(path: &Path, figures: &RunFigures) -> std::io::Result<()> {
    write_text(path, &render(figures))
}

/// Writes `text` to `path` atomically: a dot file beside it, synced, renamed over it.
pub fn write_text(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "metrics".to_owned());
    // A dot name: the textfile collector reads only *.prom, never the one being written.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_help_type_and_labels_escaped() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let text = render(&RunFigures {
            command: "clear-expired",
            store: "sqlite".to_owned(),
            target: "table \"x\\y\"".to_owned(),
            started: t,
            ended: t + std::time::Duration::from_millis(1500),
            outcome: None,
            exit_code: 75,
        });
        assert!(text.contains("sessctl_last_run_exit_code{command=\"clear-expired\",store=\"sqlite\",target=\"table \\\"x\\\\y\\\"\"} 75\n"), "{text}");
        assert!(text.contains("sessctl_last_run_duration_seconds{") && text.contains("} 1.5\n"));
        assert!(text.contains("sessctl_last_run_complete{") && text.contains("} 0\n"));
        assert_eq!(text.matches("# TYPE ").count(), 12);
    }
}
