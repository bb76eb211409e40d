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

/// Gauges in the exposition format, every sample carrying the same labels.
struct Gauges {
    labels: String,
    out: String,
}

impl Gauges {
    /// `labels`: name and (unescaped) value of each label every sample carries.
    fn new(labels: &[(&str, &str)]) -> Gauges {
        let labels = labels
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", label(value)))
            .collect::<Vec<_>>()
            .join(",");
        Gauges {
            labels,
            out: String::new(),
        }
    }

    /// A gauge with one sample.
    fn one(&mut self, name: &str, help: &str, value: impl std::fmt::Display) {
        self.each(name, help, &[(String::new(), value.to_string())]);
    }

    /// A gauge with a sample per `(extra labels, value)`; the extra labels start with
    /// a comma.
    fn each(&mut self, name: &str, help: &str, samples: &[(String, String)]) {
        self.out.push_str(&format!(
            "# HELP sessctl_{name} {help}\n# TYPE sessctl_{name} gauge\n"
        ));
        for (extra, value) in samples {
            self.out.push_str(&format!(
                "sessctl_{name}{{{}{extra}}} {value}\n",
                self.labels
            ));
        }
    }

    /// The two gauges every `stats` writes, whether it read the store or failed.
    fn stats_outcome(&mut self, success: bool, at: f64) {
        self.one(
            "stats_success",
            "1 when stats read the store, 0 when it failed.",
            u8::from(success),
        );
        self.one(
            "stats_timestamp_seconds",
            "The instant the figures are for (unix time).",
            at,
        );
    }
}

/// The exposition text of `figures`.
pub fn render(figures: &RunFigures) -> String {
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
    let mut gauges = Gauges::new(&[
        ("command", figures.command),
        ("store", &figures.store),
        ("target", &figures.target),
    ]);
    for (name, help, value) in rows {
        gauges.one(name, help, value);
    }
    gauges.out
}

/// `stats` as gauges: the store's figures, the auth and cache figures where there are
/// any, and each threshold given with whether it is exceeded.
pub fn stats(report: &StatsReport) -> String {
    let mut gauges = Gauges::new(&[("store", report.labels.0), ("target", &report.labels.1)]);
    let s = &report.stats;
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| (t.timestamp_millis() as f64 / 1000.0).to_string())
    };
    gauges.stats_outcome(true, report.now.timestamp_millis() as f64 / 1000.0);
    gauges.one("sessions", "Sessions in the store.", s.total.to_string());
    gauges.one(
        "sessions_expired",
        "Sessions clear-expired would delete now.",
        s.expired.to_string(),
    );
    gauges.one(
        "sessions_active",
        "Sessions that have not expired.",
        (s.total - s.expired).to_string(),
    );
    gauges.one(
        "session_data_bytes",
        "Bytes of session data.",
        s.data_bytes.to_string(),
    );
    if let Some(bytes) = s.table_bytes {
        gauges.one(
            "session_store_bytes",
            "Bytes the table and its indexes (or the session files) take on disk.",
            bytes.to_string(),
        );
    }
    if let Some(t) = time(s.oldest_expire_date) {
        gauges.one(
            "session_oldest_expiry_timestamp_seconds",
            "The earliest expiry in the store (unix time).",
            t,
        );
    }
    if let Some(t) = time(s.newest_expire_date) {
        gauges.one(
            "session_newest_expiry_timestamp_seconds",
            "The latest expiry in the store (unix time).",
            t,
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
        gauges.each(
            "sessions_by_auth_state",
            "Sessions by what Django's get_user() makes of them.",
            &samples,
        );
        gauges.one(
            "sessions_logged_in",
            "Sessions Django logs a user in with.",
            a.logged_in().to_string(),
        );
    }
    if let Some(c) = &report.cache {
        gauges.one(
            "cache_sessions_with_user",
            "Cached sessions that name a user.",
            c.with_user.to_string(),
        );
        gauges.one(
            "cache_sessions_undecodable",
            "Cached sessions whose value does not decode.",
            c.undecodable.to_string(),
        );
        gauges.one(
            "cache_sessions_without_expiry",
            "Cached sessions without a TTL.",
            c.no_expiry.to_string(),
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
        gauges.each(
            "stats_threshold_exceeded",
            "1 for each threshold given that the figures exceed (stats exits 5), else 0.",
            &samples,
        );
    }
    gauges.out
}

/// The gauges of a `stats` that failed before it had figures.
pub fn stats_failed(labels: (&str, &str), at: SystemTime) -> String {
    let mut gauges = Gauges::new(&[("store", labels.0), ("target", labels.1)]);
    gauges.stats_outcome(false, seconds(at));
    gauges.out
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
