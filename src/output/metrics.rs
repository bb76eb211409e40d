//! `--metrics-file`: a bulk change's figures in Prometheus text exposition format, for
//! node_exporter's textfile collector. Written at the end of every run — complete,
//! stopped, failed or refused — so an alert can tell "no run" from "a run that failed",
//! and written atomically (temporary file + rename) so the collector never reads half.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

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
    let rows: [(&str, &str, String); 9] = [
        ("last_run_start_timestamp_seconds", "When the last run started (unix time).", format!("{}", seconds(figures.started))),
        ("last_run_end_timestamp_seconds", "When the last run ended (unix time).", format!("{}", seconds(figures.ended))),
        ("last_run_duration_seconds", "How long the last run took.", format!("{duration}")),
        ("last_run_matched_sessions", "Sessions the last run selected (what it found when it stopped early).", o.map_or(0, |o| o.matched).to_string()),
        ("last_run_changed_sessions", "Sessions the last run deleted or expired.", o.map_or(0, |o| o.changed).to_string()),
        ("last_run_batches", "Batches of the last run that changed sessions.", o.map_or(0, |o| o.batches).to_string()),
        ("last_run_retries", "Batches of the last run rolled back and run again.", o.map_or(0, |o| o.retries).to_string()),
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

/// Writes `figures` to `path` atomically.
pub fn write(path: &Path, figures: &RunFigures) -> std::io::Result<()> {
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
        file.write_all(render(figures).as_bytes())?;
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
        assert_eq!(text.matches("# TYPE ").count(), 9);
    }
}
