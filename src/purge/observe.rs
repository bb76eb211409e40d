//! Who hears about a bulk change as it goes: the progress bar, logs, metrics. The engine
//! tells every [`Observer`] when the run starts, how much has been examined, what each
//! batch did, and how the run ended — also when it failed.

use super::{BatchRecord, Outcome};

/// What a run's progress counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// Sessions changed (walks the store checks itself, named sessions).
    Changed,
    /// Sessions examined (scans that decode every session to choose).
    Examined,
}

/// Told about a bulk change while it runs. Every method has a default that ignores it.
pub trait Observer {
    /// Whether this observer shows a total, so that counting up front is worth it.
    fn wants_total(&self) -> bool {
        false
    }

    /// The run begins: `total` of what `counting` counts, when known; `verb` says what
    /// is done to each session (`deleted`, `updated`, `examined`).
    fn started(&mut self, _total: Option<u64>, _counting: Counting, _verb: &str) {}

    /// `n` more sessions were examined by a decoding scan.
    fn examined(&mut self, _n: u64) {}

    /// A batch was committed; `so_far` is the run's outcome including it.
    fn batch(&mut self, _batch: &BatchRecord, _so_far: &Outcome) {}

    /// The run is over (done, stopped or failed).
    fn finished(&mut self, _outcome: &Outcome) {}
}

/// Every observer of a run, told in order.
#[derive(Default)]
pub struct Observers<'a> {
    list: Vec<Box<dyn Observer + 'a>>,
    counting: Option<Counting>,
}

impl<'a> Observers<'a> {
    pub fn new() -> Observers<'a> {
        Observers::default()
    }

    pub fn add(&mut self, observer: impl Observer + 'a) {
        self.list.push(Box::new(observer));
    }

    pub fn wants_total(&self) -> bool {
        self.list.iter().any(|o| o.wants_total())
    }

    pub fn started(&mut self, total: Option<u64>, counting: Counting, verb: &str) {
        self.counting = Some(counting);
        for o in &mut self.list {
            o.started(total, counting, verb);
        }
    }

    pub fn examined(&mut self, n: u64) {
        for o in &mut self.list {
            o.examined(n);
        }
    }

    pub fn batch(&mut self, batch: &BatchRecord, so_far: &Outcome) {
        for o in &mut self.list {
            o.batch(batch, so_far);
        }
    }

    pub fn finished(&mut self, outcome: &Outcome) {
        for o in &mut self.list {
            o.finished(outcome);
        }
    }
}

/// `-v`: one line per batch on stderr (or any writer): its number, rows, time, retries.
pub struct BatchLog<W: std::io::Write> {
    out: W,
    verb: String,
}

impl<W: std::io::Write> BatchLog<W> {
    pub fn new(out: W) -> BatchLog<W> {
        BatchLog {
            out,
            verb: String::new(),
        }
    }
}

impl<W: std::io::Write> Observer for BatchLog<W> {
    fn started(&mut self, _total: Option<u64>, _counting: Counting, verb: &str) {
        self.verb = match verb {
            // A decoding scan counts what it examined; its batches change sessions.
            "examined" => "changed".to_owned(),
            other => other.to_owned(),
        };
    }

    fn batch(&mut self, batch: &BatchRecord, so_far: &Outcome) {
        // A log line that cannot be written must not end the purge.
        let halved = match batch.halved {
            0 => String::new(),
            n => format!(
                ", halved {n} time{} after certification conflicts",
                if n == 1 { "" } else { "s" }
            ),
        };
        let _ = writeln!(
            self.out,
            "batch {}: {} {} (of at most {}) in {:.3} s, {} {}{halved}; {} so far",
            batch.number,
            self.verb,
            thousands(batch.changed),
            thousands(batch.limit as u64),
            batch.took.as_secs_f64(),
            batch.retries,
            if batch.retries == 1 {
                "retry"
            } else {
                "retries"
            },
            thousands(so_far.changed),
        );
    }
}

/// `--progress SECONDS`: a timestamped line at that interval, for logs (the bar is for
/// terminals): what was done, the rate, the time elapsed.
pub struct ProgressLines<W: std::io::Write> {
    out: W,
    every: std::time::Duration,
    command: String,
    started: std::time::Instant,
    last: std::time::Instant,
    counting: Counting,
    verb: String,
    examined: u64,
    changed: u64,
}

impl<W: std::io::Write> ProgressLines<W> {
    pub fn new(out: W, every: std::time::Duration, command: &str) -> ProgressLines<W> {
        let now = std::time::Instant::now();
        ProgressLines {
            out,
            every,
            command: command.to_owned(),
            started: now,
            last: now,
            counting: Counting::Changed,
            verb: String::new(),
            examined: 0,
            changed: 0,
        }
    }

    fn line(&mut self, force: bool) {
        let now = std::time::Instant::now();
        if !force && now.duration_since(self.last) < self.every {
            return;
        }
        self.last = now;
        let elapsed = now.duration_since(self.started).as_secs_f64();
        let done = match self.counting {
            Counting::Changed => self.changed,
            Counting::Examined => self.examined,
        };
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        let mut text = format!(
            "{} {}: {} {}",
            crate::zone::rfc3339(chrono::Utc::now()),
            self.command,
            self.verb,
            thousands(done)
        );
        if self.counting == Counting::Examined {
            text.push_str(&format!(", changed {}", thousands(self.changed)));
        }
        text.push_str(&format!(
            " ({}/s), {elapsed:.1} s elapsed",
            thousands(rate as u64)
        ));
        let _ = writeln!(self.out, "{text}");
    }
}

impl<W: std::io::Write> Observer for ProgressLines<W> {
    fn started(&mut self, _total: Option<u64>, counting: Counting, verb: &str) {
        self.counting = counting;
        self.verb = verb.to_owned();
    }

    fn examined(&mut self, n: u64) {
        self.examined += n;
        self.line(false);
    }

    fn batch(&mut self, _batch: &BatchRecord, so_far: &Outcome) {
        self.changed = so_far.changed;
        self.line(false);
    }
}

/// The outcome of the run under way, readable from another thread: what a signal's last
/// resort reports when the batch in flight cannot be stopped.
#[derive(Clone, Default)]
pub struct Ledger(std::sync::Arc<std::sync::Mutex<LedgerState>>);

#[derive(Default)]
struct LedgerState {
    outcome: Outcome,
    /// Whoever reports the run has claimed it (the run itself, or the last resort).
    claimed: bool,
}

impl Ledger {
    /// What was committed so far.
    pub fn outcome(&self) -> Outcome {
        self.0
            .lock()
            .map(|state| state.outcome.clone())
            .unwrap_or_default()
    }

    /// Claims the report of the run: true once, for the first caller.
    pub fn take_last_word(&self) -> bool {
        match self.0.lock() {
            Ok(mut state) if !state.claimed => {
                state.claimed = true;
                true
            }
            _ => false,
        }
    }

    /// The run reports itself: a last resort that comes later does nothing.
    pub fn close(&self) {
        self.take_last_word();
    }

    fn keep(&self, outcome: &Outcome) {
        if let Ok(mut state) = self.0.lock() {
            state.outcome = outcome.clone();
        }
    }
}

impl Observer for Ledger {
    fn batch(&mut self, _batch: &BatchRecord, so_far: &Outcome) {
        self.keep(so_far);
    }

    fn finished(&mut self, outcome: &Outcome) {
        self.keep(outcome);
    }
}

fn thousands(n: u64) -> String {
    crate::output::table::thousands(n)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record(number: u64, changed: u64, retries: u32) -> BatchRecord {
        BatchRecord {
            number,
            limit: 5000,
            matched: changed,
            changed,
            took: Duration::from_millis(51),
            retries,
            halved: 0,
        }
    }

    #[test]
    fn verbose_logs_one_line_per_batch() {
        let mut buf = Vec::new();
        {
            let mut log = BatchLog::new(&mut buf);
            log.started(None, Counting::Changed, "deleted");
            let mut so_far = Outcome::default();
            for (n, retries) in [(1, 0), (2, 1), (3, 2)] {
                so_far.changed += 5000;
                log.batch(&record(n, 5000, retries), &so_far);
            }
        }
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[1],
            "batch 2: deleted 5,000 (of at most 5,000) in 0.051 s, 1 retry; 10,000 so far"
        );
        assert!(lines[2].contains("2 retries; 15,000 so far"), "{text}");
    }

    #[test]
    fn progress_lines_come_at_the_interval_with_a_time_and_a_rate() {
        let mut buf = Vec::new();
        {
            let mut lines = ProgressLines::new(&mut buf, Duration::from_millis(50), "purge");
            lines.started(None, Counting::Examined, "examined");
            lines.examined(10); // too early for a line
            std::thread::sleep(Duration::from_millis(60));
            lines.examined(10);
        }
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("Z purge: examined 20, changed 0 ("), "{text}");
        assert!(text.contains("/s), 0."), "{text}");
    }
}
