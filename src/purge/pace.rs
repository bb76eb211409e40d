//! How fast a bulk change goes: the engine asks a [`Pacer`] before each batch how many
//! rows it may change and whether to wait or stop, and tells it afterwards what the
//! batch cost. [`FixedPace`] is the pace of the command line: `--batch-size`, `--sleep`,
//! `--max-runtime`, and the stop flag raised by SIGINT/SIGTERM.
//!
//! Invariant: a pacer only answers between batches, so a stop never splits one.

use std::path::PathBuf;
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

/// What the command line asks of the pace.
#[derive(Clone, Debug, Default)]
pub struct PaceSettings {
    /// `--batch-size`: the most rows a batch may change, whatever else the pace says.
    pub batch_size: usize,
    /// `--sleep`: a fixed pause between batches.
    pub sleep: Option<Duration>,
    /// `--nice RATIO`: after each batch, pause RATIO × the time the batch took.
    pub nice: Option<f64>,
    /// `--batch-time`: size batches so that each takes about this long.
    pub batch_time: Option<Duration>,
    /// `--max-runtime`.
    pub max_runtime: Option<Duration>,
    /// `--stop-file`: stop between batches once this file exists.
    pub stop_file: Option<PathBuf>,
    /// `--pause-file`: wait between batches while this file exists.
    pub pause_file: Option<PathBuf>,
}

/// Batches sized for `--batch-time` start here (pt-online-schema-change starts at 1,000
/// rows too), then follow the time the batches take.
const FIRST_TIMED_BATCH: usize = 1_000;

/// How often a pause file is looked at again.
const PAUSE_POLL: Duration = Duration::from_millis(200);

/// The pace the command line asks for: fixed or timed batch sizes under the
/// `--batch-size` ceiling, pauses, and the reasons to stop.
#[derive(Debug)]
pub struct FixedPace {
    settings: PaceSettings,
    stop: StopFlag,
    started: Instant,
    /// The size of the next batch.
    size: usize,
    /// How long the last batch took.
    last_took: Option<Duration>,
    /// Time spent waiting between batches (sleep, nice, pause file).
    pub waited: Duration,
}

impl FixedPace {
    /// A pace whose `--max-runtime` counts from now.
    pub fn new(settings: PaceSettings, stop: StopFlag) -> FixedPace {
        let ceiling = settings.batch_size.max(1);
        let size = match settings.batch_time {
            Some(_) => FIRST_TIMED_BATCH.min(ceiling),
            None => ceiling,
        };
        FixedPace {
            settings: PaceSettings {
                batch_size: ceiling,
                ..settings
            },
            stop,
            started: Instant::now(),
            size,
            last_took: None,
            waited: Duration::ZERO,
        }
    }

    /// A fixed pace: `batch_size` rows, `sleep` between batches.
    pub fn fixed(
        batch_size: usize,
        sleep: Option<Duration>,
        max_runtime: Option<Duration>,
        stop: StopFlag,
    ) -> FixedPace {
        FixedPace::new(
            PaceSettings {
                batch_size,
                sleep,
                max_runtime,
                ..PaceSettings::default()
            },
            stop,
        )
    }

    /// The flag raised by SIGINT/SIGTERM, for waits of the pace's own.
    pub fn stop_flag(&self) -> &StopFlag {
        &self.stop
    }

    fn out_of_time(&self) -> bool {
        self.settings
            .max_runtime
            .is_some_and(|limit| self.started.elapsed() >= limit)
    }

    /// Sleeps `pause`, cut short by a signal; counts it as waiting.
    fn pause(&mut self, pause: Duration) {
        let began = Instant::now();
        self.stop.sleep(pause);
        self.waited += began.elapsed();
    }
}

impl Pacer for FixedPace {
    fn check(&mut self) -> Option<Stop> {
        if self.stop.is_raised() {
            Some(Stop::Interrupted)
        } else if self.out_of_time() {
            Some(Stop::MaxRuntime)
        } else if self.settings.stop_file.as_ref().is_some_and(|f| f.exists()) {
            Some(Stop::StopFile)
        } else {
            None
        }
    }

    fn batch_size(&self) -> usize {
        self.size
    }

    fn wait(&mut self) -> Option<Stop> {
        if let Some(pause) = self.settings.sleep {
            self.pause(pause);
        }
        if let (Some(ratio), Some(took)) = (self.settings.nice, self.last_took) {
            self.pause(took.mul_f64(ratio));
        }
        while self
            .settings
            .pause_file
            .as_ref()
            .is_some_and(|f| f.exists())
        {
            if let Some(stop) = self.check() {
                return Some(stop);
            }
            self.pause(PAUSE_POLL);
        }
        self.check()
    }

    fn record(&mut self, batch: &BatchRecord) {
        self.last_took = Some(batch.took);
        if batch.halved > 0 {
            // The store had to halve the batch to get it through (a Galera certification
            // conflict): the next batches start from the size that went through.
            self.size = (batch.limit >> batch.halved.min(31)).max(1);
            return;
        }
        let Some(target) = self.settings.batch_time else {
            // After a halving, batches that go through grow back, doubling, to the
            // ceiling.
            self.size = (self.size * 2).min(self.settings.batch_size);
            return;
        };
        // Follow the time per row the last batch showed, at most doubling or quartering
        // at a time so that one odd batch (a lock wait, a cold cache) cannot swing it.
        let took = batch.took.as_secs_f64().max(1e-6);
        let ideal = batch.limit as f64 * target.as_secs_f64() / took;
        let next = ideal.clamp(self.size as f64 / 4.0, self.size as f64 * 2.0);
        self.size = (next.round() as usize).clamp(1, self.settings.batch_size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_flag_stops_and_cuts_the_sleep_short() {
        let stop = StopFlag::default();
        let mut pace = FixedPace::fixed(10, Some(Duration::from_secs(30)), None, stop.clone());
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
        let mut pace = FixedPace::fixed(10, None, Some(Duration::ZERO), StopFlag::default());
        assert_eq!(pace.check(), Some(Stop::MaxRuntime));
        let mut open = FixedPace::fixed(0, None, None, StopFlag::default());
        assert_eq!(open.check(), None);
        assert_eq!(open.batch_size(), 1, "a batch changes at least one row");
    }

    fn batch(limit: usize, took_ms: u64) -> BatchRecord {
        BatchRecord {
            number: 1,
            limit,
            matched: limit as u64,
            changed: limit as u64,
            took: Duration::from_millis(took_ms),
            retries: 0,
            halved: 0,
        }
    }

    #[test]
    fn batch_time_follows_the_time_batches_take_under_the_ceiling() {
        let settings = PaceSettings {
            batch_size: 10_000,
            batch_time: Some(Duration::from_millis(100)),
            ..PaceSettings::default()
        };
        let mut pace = FixedPace::new(settings, StopFlag::default());
        assert_eq!(pace.batch_size(), 1_000);
        pace.record(&batch(1_000, 50)); // twice as fast as wanted: double
        assert_eq!(pace.batch_size(), 2_000);
        pace.record(&batch(2_000, 10)); // far faster: still at most double
        assert_eq!(pace.batch_size(), 4_000);
        pace.record(&batch(4_000, 10));
        pace.record(&batch(8_000, 10));
        assert_eq!(pace.batch_size(), 10_000, "never above --batch-size");
        pace.record(&batch(10_000, 4_000)); // a stall: at most a quarter
        assert_eq!(pace.batch_size(), 2_500);
        pace.record(&batch(2_500, 250)); // 10 rows/ms: 1,000 rows take 100 ms
        assert_eq!(pace.batch_size(), 1_000);
    }

    #[test]
    fn a_halved_batch_shrinks_the_next_ones_then_they_grow_back() {
        let mut pace = FixedPace::fixed(1_000, None, None, StopFlag::default());
        let mut halved = batch(1_000, 10);
        halved.halved = 2;
        pace.record(&halved);
        assert_eq!(pace.batch_size(), 250);
        pace.record(&batch(250, 10));
        assert_eq!(pace.batch_size(), 500);
        pace.record(&batch(500, 10));
        pace.record(&batch(1_000, 10));
        assert_eq!(pace.batch_size(), 1_000, "never above --batch-size");
    }

    #[test]
    fn nice_pauses_in_proportion_to_the_last_batch() {
        let settings = PaceSettings {
            batch_size: 100,
            nice: Some(2.0),
            ..PaceSettings::default()
        };
        let mut pace = FixedPace::new(settings, StopFlag::default());
        pace.record(&batch(100, 40));
        let began = Instant::now();
        assert_eq!(pace.wait(), None);
        assert!(began.elapsed() >= Duration::from_millis(80));
        assert!(pace.waited >= Duration::from_millis(80));
    }

    #[test]
    fn stop_and_pause_files_are_obeyed_between_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (stop_file, pause_file) = (dir.path().join("stop"), dir.path().join("pause"));
        let settings = PaceSettings {
            batch_size: 100,
            stop_file: Some(stop_file.clone()),
            pause_file: Some(pause_file.clone()),
            ..PaceSettings::default()
        };
        let mut pace = FixedPace::new(settings, StopFlag::default());
        assert_eq!(pace.check(), None);
        std::fs::write(&pause_file, "").unwrap();
        let remover = {
            let pause_file = pause_file.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                std::fs::remove_file(pause_file).unwrap();
            })
        };
        let began = Instant::now();
        assert_eq!(pace.wait(), None, "goes on once the pause file is gone");
        assert!(began.elapsed() >= Duration::from_millis(400));
        remover.join().unwrap();
        std::fs::write(&stop_file, "").unwrap();
        assert_eq!(pace.check(), Some(Stop::StopFile));
        // A stop file also ends a pause.
        std::fs::write(&pause_file, "").unwrap();
        assert_eq!(pace.wait(), Some(Stop::StopFile));
    }
}
