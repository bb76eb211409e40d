//! How fast a bulk change goes: the engine asks a [`Pacer`] before each batch how many
//! rows it may change and whether to wait or stop, and tells it afterwards what the
//! batch cost. [`FixedPace`] is the pace of the command line: `--batch-size`, `--sleep`,
//! `--max-runtime`, and the stop flag raised by SIGINT/SIGTERM.
//!
//! Invariant: a pacer only answers between batches, so a stop never splits one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{BatchRecord, Stop};

/// A flag raised by SIGINT/SIGTERM, checked between batches (and by stores that can
/// cut a statement short).
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeps for `total`, or less when the flag is raised meanwhile. Returns whether
    /// the whole time passed.
    pub fn sleep(&self, total: Duration) -> bool {
        let until = Instant::now() + total;
        while !self.is_raised() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
        false
    }
}

/// Decides the pace of a bulk change, batch by batch.
pub trait Pacer {
    /// Whether the run must stop now. Never waits: it is asked between pages too.
    fn check(&mut self) -> Option<Stop>;

    /// Rows the next batch may change at most.
    fn batch_size(&self) -> usize;

    /// Before a batch that follows another: waits as long as the pace asks (a stop
    /// ends the wait early), then says whether to go on.
    fn wait(&mut self) -> Option<Stop>;

    /// What a batch did and cost.
    fn record(&mut self, batch: &BatchRecord);
}

/// The pace the command line asks for.
#[derive(Debug)]
pub struct FixedPace {
    batch_size: usize,
    sleep: Option<Duration>,
    max_runtime: Option<Duration>,
    stop: StopFlag,
    started: Instant,
}

impl FixedPace {
    /// A pace whose `--max-runtime` counts from now.
    pub fn new(
        batch_size: usize,
        sleep: Option<Duration>,
        max_runtime: Option<Duration>,
        stop: StopFlag,
    ) -> FixedPace {
        FixedPace {
            batch_size: batch_size.max(1),
            sleep,
            max_runtime,
            stop,
            started: Instant::now(),
        }
    }
}

impl Pacer for FixedPace {
    fn check(&mut self) -> Option<Stop> {
        if self.stop.is_raised() {
            Some(Stop::Interrupted)
        } else if self
            .max_runtime
            .is_some_and(|limit| self.started.elapsed() >= limit)
        {
            Some(Stop::MaxRuntime)
        } else {
            None
        }
    }

    fn batch_size(&self) -> usize {
        self.batch_size
    }

    fn wait(&mut self) -> Option<Stop> {
        if let Some(pause) = self.sleep {
            self.stop.sleep(pause);
        }
        self.check()
    }

    fn record(&mut self, _batch: &BatchRecord) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_flag_stops_and_cuts_the_sleep_short() {
        let stop = StopFlag::default();
        let mut pace = FixedPace::new(10, Some(Duration::from_secs(30)), None, stop.clone());
        assert_eq!(pace.check(), None);
        let raiser = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                stop.raise();
            })
        };
        let started = Instant::now();
        assert_eq!(pace.wait(), Some(Stop::Interrupted));
        assert!(started.elapsed() < Duration::from_secs(5));
        raiser.join().unwrap();
    }

    #[test]
    fn max_runtime_stops_once_spent() {
        let mut pace = FixedPace::new(10, None, Some(Duration::ZERO), StopFlag::default());
        assert_eq!(pace.check(), Some(Stop::MaxRuntime));
        let mut open = FixedPace::new(0, None, None, StopFlag::default());
        assert_eq!(open.check(), None);
        assert_eq!(open.batch_size(), 1, "a batch changes at least one row");
    }
}
