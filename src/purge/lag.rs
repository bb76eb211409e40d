//! Pacing against what a store replicates to: PostgreSQL standbys, MySQL/MariaDB
//! replicas, the other nodes of a Galera cluster. A [`Replication`] watcher looks at
//! them; [`LagPace`] asks it after each batch (after the command line's own pauses) and
//! waits while a replica is further behind than `--max-lag`, while one has stopped
//! replicating, or while Galera's flow control holds the cluster back.
//!
//! Invariants:
//! - a wait is never silent: a stopped replica is named on stderr when the pause begins
//!   and again every [`REMIND_EVERY`] while it lasts;
//! - a wait never outlives the run: SIGINT/SIGTERM, `--max-runtime` and `--stop-file`
//!   end it between two looks, as they end any pause;
//! - a watcher that cannot look (its connection lost) counts as a stopped replica, not
//!   as a caught-up one.

use std::time::{Duration, Instant};

use super::pace::{FixedPace, Pacer};
use super::{BatchRecord, Stop};

/// What a watcher saw at one look.
#[derive(Clone, Debug, PartialEq)]
pub enum Look {
    /// Every replica is within the bounds; the text says how far behind the worst is.
    Within(String),
    /// A replica is further behind than the bounds (`--max-lag`, `--max-lag-bytes`).
    Behind(String),
    /// A replica is not replicating (not streaming, a stopped thread, unreachable).
    Stopped(String),
    /// Galera's flow control is pausing the cluster, or a node's receive queue is long.
    FlowControl(String),
}

/// Bounds of a replication wait.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LagBounds {
    /// `--max-lag`: the most time a replica may be behind.
    pub time: Option<Duration>,
    /// `--max-lag-bytes`: the most WAL / binlog bytes a replica may be behind.
    pub bytes: Option<u64>,
}

impl LagBounds {
    /// Whether a replica `time` and `bytes` behind is within these bounds; an unknown
    /// figure is within (the other one decides).
    pub fn allows(&self, time: Option<Duration>, bytes: Option<u64>) -> bool {
        let time_ok = match (self.time, time) {
            (Some(limit), Some(t)) => t <= limit,
            _ => true,
        };
        let bytes_ok = match (self.bytes, bytes) {
            (Some(limit), Some(b)) => b <= limit,
            _ => true,
        };
        time_ok && bytes_ok
    }
}

/// Watches what a store replicates to.
pub trait Replication {
    /// What the store replicates to, for the summary: e.g. "2 standbys (standby1
    /// streaming, standby2 streaming)".
    fn describe(&self) -> String;

    /// Looks once at the replicas, judged against `bounds`.
    fn look(&mut self, bounds: &LagBounds) -> Look;

    /// Sentences to say once, before the first batch (e.g. what hot standbys risk).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// How often the replicas are looked at again while the run waits for them.
const POLL: Duration = Duration::from_millis(200);

/// A stopped replica is named again this often while the run waits for it.
pub const REMIND_EVERY: Duration = Duration::from_secs(30);

/// Galera's flow control is waited out at most this long at a time before a batch
/// goes anyway (flow control is the cluster pacing itself, not a broken replica).
const FLOW_CONTROL_MOST: Duration = Duration::from_secs(30);

/// What the replication gate did in a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LagFigures {
    /// What the store replicates to, when it replicates.
    pub replicates_to: Option<String>,
    /// Time spent waiting for replicas behind `--max-lag` (or stopped).
    pub lag_waited: Duration,
    /// Time spent backing off from Galera's flow control.
    pub flow_waited: Duration,
    /// Times a replica that had stopped replicating paused the run.
    pub stopped_pauses: u64,
}

/// The command line's pace, then a wait for the replicas.
pub struct LagPace {
    pub inner: FixedPace,
    watcher: Option<Box<dyn Replication>>,
    bounds: LagBounds,
    /// `-v`: one line per decision on stderr.
    verbose: bool,
    /// `-q`: no message on stderr, even for a stopped replica.
    quiet: bool,
    pub figures: LagFigures,
}

impl LagPace {
    pub fn new(
        inner: FixedPace,
        watcher: Option<Box<dyn Replication>>,
        bounds: LagBounds,
        verbose: bool,
        quiet: bool,
    ) -> LagPace {
        let figures = LagFigures {
            replicates_to: watcher.as_ref().map(|w| w.describe()),
            ..LagFigures::default()
        };
        LagPace {
            inner,
            watcher,
            bounds,
            verbose,
            quiet,
            figures,
        }
    }

    fn say(&self, text: &str) {
        if !self.quiet {
            eprintln!("sessctl: {text}");
        }
    }

    fn log(&self, text: &str) {
        if self.verbose && !self.quiet {
            eprintln!("{text}");
        }
    }

    /// Waits while the watcher says a replica is behind, stopped, or flow control is
    /// on; returns a stop that ends the wait.
    fn gate(&mut self) -> Option<Stop> {
        let mut watcher = self.watcher.take()?;
        let result = self.gate_with(watcher.as_mut());
        self.watcher = Some(watcher);
        result
    }

    fn gate_with(&mut self, watcher: &mut dyn Replication) -> Option<Stop> {
        let mut last_said: Option<(String, Instant)> = None;
        let mut flow_since: Option<Instant> = None;
        let mut paused_for_stop = false;
        loop {
            let look = watcher.look(&self.bounds);
            let began = Instant::now();
            match &look {
                Look::Within(text) => {
                    if last_said.is_some() {
                        self.say(&format!("replication caught up ({text}); going on"));
                    } else {
                        self.log(&format!("replication: {text}; next batch"));
                    }
                    return None;
                }
                Look::Behind(text) => {
                    if last_said.is_none() {
                        self.log(&format!("replication: {text}; waiting (--max-lag)"));
                        last_said = Some((text.clone(), Instant::now()));
                    } else if self.verbose {
                        self.log(&format!("replication: {text}; still waiting"));
                    }
                }
                Look::Stopped(text) => {
                    if !paused_for_stop {
                        paused_for_stop = true;
                        self.figures.stopped_pauses += 1;
                    }
                    let remind = match &last_said {
                        Some((said, at)) => said != text || at.elapsed() >= REMIND_EVERY,
                        None => true,
                    };
                    if remind {
                        self.say(&format!(
                            "purge paused: {text}; waiting for it to replicate again (--max-runtime, SIGINT or SIGTERM end the run)"
                        ));
                        last_said = Some((text.clone(), Instant::now()));
                    }
                }
                Look::FlowControl(text) => {
                    let since = *flow_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= FLOW_CONTROL_MOST {
                        self.log(&format!(
                            "galera: {text}; waited {} s, next batch anyway",
                            FLOW_CONTROL_MOST.as_secs()
                        ));
                        return None;
                    }
                    if last_said.is_none() {
                        self.log(&format!("galera: {text}; backing off"));
                        last_said = Some((text.clone(), Instant::now()));
                    }
                }
            }
            if let Some(stop) = self.inner.check() {
                return Some(stop);
            }
            self.inner.stop_flag().sleep(POLL);
            let waited = began.elapsed();
            match look {
                Look::FlowControl(_) => self.figures.flow_waited += waited,
                _ => self.figures.lag_waited += waited,
            }
        }
    }
}

impl Pacer for LagPace {
    fn check(&mut self) -> Option<Stop> {
        self.inner.check()
    }

    fn batch_size(&self) -> usize {
        self.inner.batch_size()
    }

    fn wait(&mut self) -> Option<Stop> {
        if let Some(stop) = self.inner.wait() {
            return Some(stop);
        }
        if let Some(stop) = self.gate() {
            return Some(stop);
        }
        self.inner.check()
    }

    fn record(&mut self, batch: &BatchRecord) {
        self.inner.record(batch);
    }
}

/// A duration as a short text: `850 ms`, `3.2 s`.
pub fn short(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Bytes as a short text: `512 B`, `3.4 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::purge::{PaceSettings, StopFlag};

    struct Script(Vec<Look>);

    impl Replication for Script {
        fn describe(&self) -> String {
            "1 test replica".to_owned()
        }
        fn look(&mut self, _bounds: &LagBounds) -> Look {
            if self.0.len() > 1 {
                self.0.remove(0)
            } else {
                self.0[0].clone()
            }
        }
    }

    fn pace(looks: Vec<Look>, max_runtime: Option<Duration>) -> LagPace {
        let inner = FixedPace::new(
            PaceSettings {
                batch_size: 10,
                max_runtime,
                ..PaceSettings::default()
            },
            StopFlag::default(),
        );
        LagPace::new(
            inner,
            Some(Box::new(Script(looks))),
            LagBounds {
                time: Some(Duration::from_secs(1)),
                bytes: None,
            },
            false,
            true,
        )
    }

    #[test]
    fn bounds_judge_time_and_bytes() {
        let b = LagBounds {
            time: Some(Duration::from_secs(2)),
            bytes: Some(1000),
        };
        assert!(b.allows(Some(Duration::from_secs(1)), Some(10)));
        assert!(!b.allows(Some(Duration::from_secs(3)), Some(10)));
        assert!(!b.allows(None, Some(1001)));
        assert!(b.allows(None, None));
        assert!(LagBounds::default().allows(Some(Duration::MAX), Some(u64::MAX)));
    }

    #[test]
    fn a_replica_behind_is_waited_for_then_the_run_goes_on() {
        let behind = Look::Behind("standby1 3 s behind".into());
        let mut p = pace(
            vec![behind.clone(), behind, Look::Within("0 s".into())],
            None,
        );
        assert_eq!(p.wait(), None);
        assert!(p.figures.lag_waited >= Duration::from_millis(300));
        assert_eq!(p.figures.replicates_to.as_deref(), Some("1 test replica"));
    }

    #[test]
    fn a_stopped_replica_pauses_until_max_runtime() {
        let mut p = pace(
            vec![Look::Stopped("standby1 is not streaming".into())],
            Some(Duration::from_millis(500)),
        );
        let began = Instant::now();
        assert_eq!(p.wait(), Some(Stop::MaxRuntime));
        assert!(began.elapsed() < Duration::from_secs(5));
        assert_eq!(p.figures.stopped_pauses, 1);
    }

    #[test]
    fn flow_control_is_waited_out_and_counted_apart() {
        let flow = Look::FlowControl("receive queue of 12 writesets".into());
        let mut p = pace(
            vec![flow.clone(), flow, Look::Within("synced".into())],
            None,
        );
        assert_eq!(p.wait(), None);
        assert!(p.figures.flow_waited >= Duration::from_millis(300));
        assert_eq!(p.figures.lag_waited, Duration::ZERO);
        assert_eq!(p.figures.stopped_pauses, 0);
    }

    #[test]
    fn a_signal_ends_a_wait_for_a_stopped_replica() {
        let mut p = pace(vec![Look::Stopped("replica gone".into())], None);
        let stop = p.inner.stop_flag().clone();
        let raiser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            stop.raise();
        });
        assert_eq!(p.wait(), Some(Stop::Interrupted));
        raiser.join().unwrap();
    }

    #[test]
    fn short_figures() {
        assert_eq!(short(Duration::from_millis(850)), "850 ms");
        assert_eq!(short(Duration::from_millis(3250)), "3.2 s");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 + 400 * 1024), "3.4 MiB");
    }
}
