//! Progress of a bulk change: an indicatif bar on a terminal, nothing otherwise.
//!
//! The one-line summary for pipes and cron is not printed here: it is the rendering of the
//! command's report, so table and JSON output stay two views of the same result.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::purge::{BatchRecord, Counting, Observer, Outcome};

pub struct Progress {
    bar: Option<ProgressBar>,
    /// What the bar counts in the run under way.
    counting: Counting,
}

impl Progress {
    /// A bar on stderr when `enabled` (stderr is a terminal and output is not quiet).
    pub fn new(enabled: bool) -> Progress {
        Progress {
            bar: enabled.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
            counting: Counting::Changed,
        }
    }

    /// A progress reporter that shows nothing.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            counting: Counting::Changed,
        }
    }

    /// The bar itself, for whoever must clear it from another thread.
    pub fn handle(&self) -> Option<ProgressBar> {
        self.bar.clone()
    }

    /// Whether anything is drawn: work done only to feed the bar can be skipped otherwise.
    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// Sizes the bar (`total` sessions) and labels it with what is being counted.
    pub fn start(&mut self, total: u64, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {msg} ({rate}, ETA {eta})",
                )
                .expect("the template is valid")
                .with_key("rate", rate)
                .progress_chars("=> "),
            );
            bar.set_message(what.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    /// A counter without a bar, for work whose size is unknown until it is done.
    pub fn start_unsized(&mut self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {human_pos} {msg} ({rate})",
                )
                .expect("the template is valid")
                .with_key("rate", rate),
            );
            bar.set_message(what.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Removes the bar, so the summary that follows stands alone.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Sessions a second, whole and with thousands separators (indicatif's own `per_sec`
/// shows four decimals).
fn rate(state: &ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(
        out,
        "{}/s",
        crate::output::table::thousands(state.per_sec().max(0.0) as u64)
    );
}

impl Observer for Progress {
    fn wants_total(&self) -> bool {
        self.is_shown()
    }

    fn started(&mut self, total: Option<u64>, counting: Counting, verb: &str) {
        self.counting = counting;
        match total {
            Some(total) => self.start(total, verb),
            None => self.start_unsized(verb),
        }
    }

    fn examined(&mut self, n: u64) {
        if self.counting == Counting::Examined {
            self.advance(n);
        }
    }

    fn batch(&mut self, batch: &BatchRecord, _so_far: &Outcome) {
        if self.counting == Counting::Changed {
            self.advance(batch.changed);
        }
    }

    fn finished(&mut self, _outcome: &Outcome) {
        self.finish();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
