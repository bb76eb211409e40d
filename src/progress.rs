//! Progress of a bulk change: an indicatif bar on a terminal, nothing otherwise.
//!
//! The one-line summary for pipes and cron is not printed here: it is the rendering of the
//! command's report, so table and JSON output stay two views of the same result.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar on stderr when `enabled` (stderr is a terminal and output is not quiet).
    pub fn new(enabled: bool) -> Progress {
        Progress {
            bar: enabled.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
        }
    }

    /// A progress reporter that shows nothing.
    pub fn hidden() -> Progress {
        Progress { bar: None }
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
                    "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {msg} ({per_sec}, ETA {eta})",
                )
                .expect("the template is valid")
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
                    "{spinner} [{elapsed_precise}] {human_pos} {msg} ({per_sec})",
                )
                .expect("the template is valid"),
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

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
