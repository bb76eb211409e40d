//! The batch engine shared by `clear-expired`, `purge`, `flush` and `expire`.
//!
//! It cuts a bulk change into short transactions and decides, between two of them,
//! whether to go on: a signal, `--max-runtime` or the end of the work stops it, and a
//! stop never leaves a batch half done (the batch in flight commits or rolls back as a
//! whole; committed batches stay). It drives any [`SessionStore`] and never learns which.
//!
//! Three kinds of selection:
//! - a [`Condition`] the store checks itself: walked in physical ranges (`apply_range`);
//! - a condition plus a [`DecodeFilter`]: pages are read, decoded, and the chosen sessions
//!   changed by key *and* data (`apply_exact`), so memory stays bounded by one batch;
//! - explicit keys.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::codec::Codec;
use crate::progress::Progress;
use crate::session::{Action, Condition, DecodeFilter, Target};
use crate::store::{Cursor, SessionStore};

/// Sessions read per page when a selection needs decoding (see `Engine::scan_page_size`).
const SCAN_PAGE: usize = 5_000;

/// How the work is cut and when it stops.
#[derive(Clone, Debug)]
pub struct Policy {
    pub batch_size: usize,
    pub sleep: Option<Duration>,
    pub max_runtime: Option<Duration>,
    pub dry_run: bool,
}

/// Which sessions the change applies to.
#[derive(Clone, Debug)]
pub enum Selection {
    /// Everything satisfying a condition the store evaluates.
    Condition(Condition),
    /// Sessions satisfying `cond` whose decoded data passes `filter`.
    Decoded {
        cond: Condition,
        filter: DecodeFilter,
    },
    /// These sessions (already known to exist), subject to `cond`.
    Targets {
        targets: Vec<Target>,
        cond: Condition,
    },
}

/// Why a run ended before its work was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Interrupted,
    MaxRuntime,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Sessions selected (for a stopped run: selected so far, or counted up front).
    pub matched: u64,
    /// Sessions deleted or updated.
    pub changed: u64,
    /// Transactions committed.
    pub batches: u64,
    pub dry_run: bool,
    pub stopped: Option<Stop>,
    pub elapsed: Duration,
    pub first_batch: Option<Duration>,
    pub last_batch: Option<Duration>,
}

impl Outcome {
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}

/// A flag raised by SIGINT/SIGTERM, checked between batches.
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct Engine<'a> {
    pub store: &'a mut dyn SessionStore,
    pub codec: &'a Codec,
    pub policy: &'a Policy,
    pub progress: &'a mut Progress,
    pub stop: &'a StopFlag,
    pub now: DateTime<Utc>,
}

impl Engine<'_> {
    pub fn run(&mut self, selection: &Selection, action: Action) -> Result<Outcome> {
        let started = Instant::now();
        let mut outcome = match selection {
            Selection::Condition(cond) => self.run_condition(cond, action)?,
            Selection::Decoded { cond, filter } => self.run_decoded(cond, filter, action)?,
            Selection::Targets { targets, cond } => self.run_targets(targets, cond, action)?,
        };
        outcome.dry_run = self.policy.dry_run;
        outcome.elapsed = started.elapsed();
        self.progress.finish();
        Ok(outcome)
    }

    fn run_condition(&mut self, cond: &Condition, action: Action) -> Result<Outcome> {
        // A dry run's answer is the count, and --max-runtime reports what is left, so both
        // count first; otherwise the count only sizes the bar. Without a bar it is
        // skipped: it scans the expiry index, a large share of a purge on a server. A
        // store that must read every session to know its expiry counts as it goes.
        let count_first = self.policy.dry_run
            || (!self.store.counting_reads_everything()
                && (self.progress.is_shown() || self.policy.max_runtime.is_some()));
        let mut outcome = Outcome {
            matched: if count_first {
                self.store.count(cond)?
            } else {
                0
            },
            ..Outcome::default()
        };
        if self.policy.dry_run || (count_first && outcome.matched == 0) {
            return Ok(outcome);
        }
        if count_first {
            self.progress.start(outcome.matched, action.verb());
        } else {
            self.progress.start_unsized(action.verb());
        }
        let started = Instant::now();
        let mut cursor = Cursor::Start;
        while !cursor.is_done() {
            if self.should_stop(started, &mut outcome) {
                break;
            }
            let batch_started = Instant::now();
            let changed =
                self.store
                    .apply_range(&mut cursor, cond, self.policy.batch_size, action)?;
            record_batch(&mut outcome, batch_started.elapsed(), changed);
            self.progress.advance(changed);
            if !cursor.is_done() {
                self.pause();
            }
        }
        if !count_first {
            // Interrupted without a count: only what was done is known.
            outcome.matched = self.store.matched_so_far().unwrap_or(outcome.changed);
        }
        Ok(outcome)
    }

    fn run_decoded(
        &mut self,
        cond: &Condition,
        filter: &DecodeFilter,
        action: Action,
    ) -> Result<Outcome> {
        // The count only sizes the bar (what matches is known only by decoding), so
        // without a bar it is skipped, as in `run_condition`.
        if self.progress.is_shown() {
            if self.store.counting_reads_everything() && *cond != Condition::ALL {
                self.progress.start_unsized("examined");
            } else {
                let examine = self.store.count(cond)?;
                self.progress.start(examine, "examined");
            }
        }
        let scan = DecodedScan {
            started: Instant::now(),
            cursor: Cursor::Start,
            pending: Vec::new(),
            outcome: Outcome::default(),
        };
        let selector = filter.selector(self.codec);
        let mut state = (self, scan);
        crate::parallel::pipeline(
            &mut state,
            |(engine, scan)| {
                if scan.cursor.is_done() || engine.should_stop(scan.started, &mut scan.outcome) {
                    return Ok(None);
                }
                let size = engine.scan_page_size();
                let page = engine
                    .store
                    .scan_page(&mut scan.cursor, cond, engine.now, size)?;
                Ok(Some(page))
            },
            |session| selector.select(session),
            |(engine, scan), page, selected| {
                // A stop seen while reading ahead also ends the page before: no batch
                // starts once a signal or --max-runtime has been noticed.
                if scan.outcome.stopped.is_some() {
                    return Ok(false);
                }
                engine.take_selected(scan, page, selected, cond, action)?;
                Ok(true)
            },
        )?;
        Ok(state.1.outcome)
    }

    /// Queues a decoded page's chosen sessions and changes them once a batch is full or
    /// the scan has read its last page.
    fn take_selected(
        &mut self,
        scan: &mut DecodedScan,
        page: Vec<crate::session::StoredSession>,
        selected: Vec<bool>,
        cond: &Condition,
        action: Action,
    ) -> Result<()> {
        let examined = page.len() as u64;
        for (session, chosen) in page.into_iter().zip(selected) {
            if chosen {
                scan.outcome.matched += 1;
                // A dry run only counts: keeping its matches would hold every selected
                // session in memory.
                if self.policy.dry_run {
                    continue;
                }
                scan.pending.push(Target {
                    key: session.key,
                    data: Some(session.data),
                });
            }
        }
        self.progress.advance(examined);
        // The next page has been read already (or the scan has stopped), so a done cursor
        // means nothing else will join this batch.
        let finished = scan.cursor.is_done();
        if !self.policy.dry_run
            && (scan.pending.len() >= self.policy.batch_size
                || (finished && !scan.pending.is_empty()))
        {
            let batch_started = Instant::now();
            let changed = self.store.apply_exact(&scan.pending, cond, action)?;
            record_batch(&mut scan.outcome, batch_started.elapsed(), changed);
            scan.pending.clear();
            if !finished {
                self.pause();
            }
        }
        Ok(())
    }

    fn run_targets(
        &mut self,
        targets: &[Target],
        cond: &Condition,
        action: Action,
    ) -> Result<Outcome> {
        let mut outcome = Outcome {
            matched: targets.len() as u64,
            ..Outcome::default()
        };
        if self.policy.dry_run {
            return Ok(outcome);
        }
        self.progress.start(outcome.matched, action.verb());
        let started = Instant::now();
        for chunk in targets.chunks(self.policy.batch_size) {
            if self.should_stop(started, &mut outcome) {
                break;
            }
            let batch_started = Instant::now();
            let changed = self.store.apply_exact(chunk, cond, action)?;
            record_batch(&mut outcome, batch_started.elapsed(), changed);
            self.progress.advance(chunk.len() as u64);
        }
        Ok(outcome)
    }

    /// Sessions read per page when decoding. A page holds every session's data, where a
    /// batch holds only the selected ones, so pages stay small even when batches are big.
    fn scan_page_size(&self) -> usize {
        self.policy.batch_size.min(SCAN_PAGE)
    }

    /// Checked between batches only, so a stop never splits one.
    fn should_stop(&self, started: Instant, outcome: &mut Outcome) -> bool {
        if self.stop.is_raised() {
            outcome.stopped = Some(Stop::Interrupted);
        } else if self
            .policy
            .max_runtime
            .is_some_and(|limit| started.elapsed() >= limit)
        {
            outcome.stopped = Some(Stop::MaxRuntime);
        }
        outcome.stopped.is_some()
    }

    /// `--sleep` between batches, cut short by a signal.
    fn pause(&self) {
        let Some(total) = self.policy.sleep else {
            return;
        };
        let until = Instant::now() + total;
        while !self.stop.is_raised() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }
}

/// Where a decoding scan is: shared by the page reader and the batch writer.
struct DecodedScan {
    started: Instant,
    cursor: Cursor,
    pending: Vec<Target>,
    outcome: Outcome,
}

fn record_batch(outcome: &mut Outcome, took: Duration, changed: u64) {
    outcome.batches += 1;
    outcome.changed += changed;
    outcome.first_batch.get_or_insert(took);
    outcome.last_batch = Some(took);
}
