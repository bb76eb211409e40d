//! The batch engine shared by `clear-expired`, `purge`, `flush` and `expire`.
//!
//! It cuts a bulk change into short transactions. Before each batch it asks a
//! [`Pacer`] how many rows the batch may change and whether to wait or stop (a signal,
//! `--max-runtime`, the end of the work); after each it tells the pacer and every
//! [`Observer`] (progress bar, logs, metrics) what the batch did. A stop never leaves a
//! batch half done (the batch in flight commits or rolls back as a whole; committed
//! batches stay), and the outcome of a run is kept even when it fails, so what was
//! committed is always reported. It drives any [`SessionStore`] and never learns which.
//!
//! Three kinds of selection:
//! - a [`Condition`] the store checks itself: walked in physical ranges (`apply_range`);
//! - a condition plus a [`DecodeFilter`]: pages are read, decoded, and the chosen sessions
//!   changed by key *and* payload (`apply_exact`), so memory stays bounded by one batch;
//! - explicit keys.

pub mod lag;
pub mod observe;
pub mod pace;

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};

pub use self::lag::{LagBounds, LagFigures, LagPace, Look, Replication};
pub use self::observe::{BatchLog, Counting, Ledger, Observer, Observers, ProgressLines};
pub use self::pace::{FixedPace, PaceSettings, Pacer, StopFlag};
use crate::codec::Codec;
use crate::exit::{code_of, ExitCode};
use crate::session::{Action, Condition, DecodeFilter, Edit, Pick, StoredSession, Target};
use crate::store::{Cursor, Receipt, SessionStore};

/// Sessions read per page when a selection needs decoding (see `Engine::scan_page_size`).
const SCAN_PAGE: usize = 5_000;

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
    /// The `--stop-file` appeared.
    StopFile,
    /// An error ended it; committed batches stay.
    Failed,
}

/// What one batch did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    /// 1-based.
    pub number: u64,
    /// Rows the batch was allowed to change.
    pub limit: usize,
    pub matched: u64,
    pub changed: u64,
    pub took: Duration,
    /// Times the store rolled the batch back and ran it again.
    pub retries: u32,
    /// Times the store halved the batch to get it through (Galera certification
    /// conflicts); `limit` is the size asked for.
    pub halved: u32,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Sessions selected: counted up front, or found by the batches.
    pub matched: u64,
    /// Whether `matched` is the whole selection: counted up front, or the walk reached
    /// the end. A run stopped early without a count knows only what it found so far.
    pub matched_complete: bool,
    /// Sessions deleted or updated.
    pub changed: u64,
    /// Batches that changed sessions (a range that held none is walked, not counted).
    pub batches: u64,
    pub dry_run: bool,
    pub stopped: Option<Stop>,
    pub elapsed: Duration,
    pub first_batch: Option<Duration>,
    pub last_batch: Option<Duration>,
    /// Most rows one batch changed.
    pub largest_batch: u64,
    /// Batches rolled back and run again (deadlocks, lock or statement timeouts).
    pub retries: u64,
    /// Time the pace spent waiting between batches (`--sleep`, `--nice`, a pause file).
    pub waited: Duration,
    /// Times a batch was halved to get it through (Galera certification conflicts).
    pub halvings: u64,
    /// What the store replicates to and what waiting for it cost.
    pub replication: LagFigures,
}

impl Outcome {
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }

    fn record(&mut self, record: &BatchRecord) {
        self.retries += u64::from(record.retries);
        self.halvings += u64::from(record.halved);
        if record.changed == 0 {
            return;
        }
        self.batches += 1;
        self.changed += record.changed;
        self.largest_batch = self.largest_batch.max(record.changed);
        self.first_batch.get_or_insert(record.took);
        self.last_batch = Some(record.took);
    }
}

/// What a run has seen when it is about to change the first session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// Sessions looked at (for a selection the store checks itself: all of them).
    pub examined: u64,
    /// Of those, the sessions selected.
    pub matched: u64,
    /// Whether `examined` is the whole store.
    pub complete: bool,
}

/// Asked once, before the first session is changed: whether the change may go on. It
/// catches what is almost always a mistake — a wrong key that makes every session look
/// invalid, a filter that selects every session — before anything is lost.
pub trait Guard {
    /// `Ok(false)` or an error stops the run before any change.
    fn allow(&mut self, seen: &Seen) -> Result<bool>;
}

/// A run that ended in an error, with what it had done until then.
#[derive(Debug)]
pub struct Failed {
    pub outcome: Outcome,
    pub error: anyhow::Error,
}

pub struct Engine<'a, 'o> {
    pub store: &'a mut dyn SessionStore,
    pub codec: &'a Codec,
    pub pacer: &'a mut dyn Pacer,
    pub observers: &'a mut Observers<'o>,
    /// Count only; change nothing.
    pub dry_run: bool,
    /// Count the selection before changing it even when no observer shows the count
    /// (so that a run stopped early can say what is left).
    pub count_first: bool,
    pub now: DateTime<Utc>,
    /// Batches run so far, changed rows or not.
    pub batches_run: u64,
    /// Asked before the first change; `None`: no question.
    pub guard: Option<&'a mut dyn Guard>,
    /// Gives the auth state of the candidates of a filter that selects by it, a page at
    /// a time; required by such a filter.
    pub judge: Option<&'a mut crate::auth::Judge>,
}

impl Engine<'_, '_> {
    /// Runs the change. A failure keeps the outcome of what was committed before it.
    pub fn run(&mut self, selection: &Selection, action: Action) -> Result<Outcome, Box<Failed>> {
        let started = Instant::now();
        let mut outcome = Outcome {
            dry_run: self.dry_run,
            ..Outcome::default()
        };
        let result = match selection {
            Selection::Condition(cond) => self.run_condition(cond, action, &mut outcome),
            Selection::Decoded { cond, filter } => {
                self.run_decoded(cond, filter, action, &mut outcome)
            }
            Selection::Targets { targets, cond } => {
                self.run_targets(targets, cond, action, &mut outcome)
            }
        };
        outcome.elapsed = started.elapsed();
        let result = match result {
            Ok(()) => Ok(()),
            // A store that cut a statement short because of a signal: a stop, not an error.
            Err(e) if code_of(&e) == ExitCode::Interrupted => {
                outcome.stopped = Some(Stop::Interrupted);
                Ok(())
            }
            Err(error) => {
                outcome.stopped = Some(Stop::Failed);
                Err(error)
            }
        };
        if outcome.complete() {
            outcome.matched_complete = true;
        }
        self.observers.finished(&outcome);
        match result {
            Ok(()) => Ok(outcome),
            Err(error) => Err(Box::new(Failed { outcome, error })),
        }
    }

    fn edit(cond: &Condition, action: Action) -> Edit {
        Edit {
            action,
            cond: *cond,
            report_keys: false,
        }
    }

    fn run_condition(
        &mut self,
        cond: &Condition,
        action: Action,
        outcome: &mut Outcome,
    ) -> Result<()> {
        // A dry run's answer is the count, and --max-runtime reports what is left, so both
        // count first; otherwise the count only sizes the bar. Without a bar it is
        // skipped: it scans the expiry index, a large share of a purge on a server. A
        // store that must read every session to know its expiry counts as it goes.
        let cheap = self.store.capabilities().cheap_count;
        let count_first =
            self.dry_run || (cheap && (self.observers.wants_total() || self.count_first));
        if count_first {
            outcome.matched = self.store.count(cond)?;
            outcome.matched_complete = true;
        }
        if self.dry_run || (count_first && outcome.matched == 0) {
            return Ok(());
        }
        if self.guard.is_some() {
            let matched = if count_first {
                outcome.matched
            } else {
                self.store.count(cond)?
            };
            let seen = Seen {
                examined: self.store.count(&Condition::ALL)?,
                matched,
                complete: true,
            };
            self.ask_guard(&seen)?;
        }
        self.observers.started(
            count_first.then_some(outcome.matched),
            Counting::Changed,
            action.verb(),
        );
        let edit = Self::edit(cond, action);
        let mut cursor = Cursor::start();
        let mut found = 0;
        while !cursor.is_done() {
            if let Some(stop) = self.next_batch() {
                outcome.stopped = Some(stop);
                break;
            }
            let limit = self.pacer.batch_size();
            let batch_started = Instant::now();
            let receipt = self.store.apply_range(&mut cursor, &edit, limit)?;
            found += receipt.matched;
            self.record(outcome, limit, &receipt, batch_started.elapsed());
        }
        if !count_first {
            // Without a count, the batches are what was found.
            outcome.matched = found;
        }
        Ok(())
    }

    fn run_decoded(
        &mut self,
        cond: &Condition,
        filter: &DecodeFilter,
        action: Action,
        outcome: &mut Outcome,
    ) -> Result<()> {
        // The count only sizes the bar (what matches is known only by decoding), so
        // without a bar it is skipped, as in `run_condition`.
        if self.observers.wants_total() {
            let total = if !self.store.capabilities().cheap_count && *cond != Condition::ALL {
                None
            } else {
                Some(self.store.count(cond)?)
            };
            self.observers
                .started(total, Counting::Examined, "examined");
        }
        let mut scan = DecodedScan {
            cursor: Cursor::start(),
            examined: 0,
            pending: Vec::new(),
            outcome: std::mem::take(outcome),
            edit: Self::edit(cond, action),
        };
        let selector = filter.selector(self.codec);
        // The judge works on the pipeline's staging thread (its user-table queries then
        // overlap the decoding and reading of the next pages), so it leaves the engine
        // for the scan.
        let mut judge = self.judge.take();
        // The auth states an auth filter selects.
        let wanted: &[crate::auth::AuthState] = filter.auth.as_ref().map_or(&[], |a| &a.states);
        let result = {
            let mut state = (&mut *self, &mut scan);
            crate::parallel::staged_pipeline(
                &mut state,
                |(engine, scan)| {
                    if scan.cursor.is_done() {
                        return Ok(None);
                    }
                    if let Some(stop) = engine.pacer.check() {
                        scan.outcome.stopped = Some(stop);
                        return Ok(None);
                    }
                    let size = engine.scan_page_size();
                    let page = engine
                        .store
                        .scan_page(&mut scan.cursor, cond, engine.now, size)?;
                    Ok(Some(page))
                },
                |session| selector.pick(session),
                |_, picks| judged(judge.as_deref_mut(), picks, wanted),
                |(engine, scan), page, selected| {
                    // A stop seen while reading ahead also ends the page before: no batch
                    // starts once a signal or --max-runtime has been noticed.
                    if scan.outcome.stopped.is_some() {
                        return Ok(false);
                    }
                    engine.take_selected(scan, page, selected)
                },
            )
        };
        self.judge = judge;
        *outcome = scan.outcome;
        result
    }

    /// Queues a decoded page's chosen sessions and changes them once a batch is full or
    /// the scan has read its last page. Returns whether the scan goes on.
    fn take_selected(
        &mut self,
        scan: &mut DecodedScan,
        page: Vec<StoredSession>,
        selected: Vec<bool>,
    ) -> Result<bool> {
        let examined = page.len() as u64;
        scan.examined += examined;
        for (session, chosen) in page.into_iter().zip(selected) {
            if chosen {
                scan.outcome.matched += 1;
                // A dry run only counts: keeping its matches would hold every selected
                // session in memory.
                if self.dry_run {
                    continue;
                }
                scan.pending.push(Target {
                    key: session.key,
                    payload: Some(session.payload),
                });
            }
        }
        self.observers.examined(examined);
        // The next page has been read already (or the scan has stopped), so a done cursor
        // means nothing else will join this batch.
        let finished = scan.cursor.is_done();
        while !self.dry_run
            && (scan.pending.len() >= self.pacer.batch_size()
                || (finished && !scan.pending.is_empty()))
        {
            if let Some(stop) = self.next_batch() {
                scan.outcome.stopped = Some(stop);
                return Ok(false);
            }
            if self.batches_run == 0 && self.guard.is_some() {
                let seen = Seen {
                    examined: scan.examined,
                    matched: scan.outcome.matched,
                    complete: finished,
                };
                self.ask_guard(&seen)?;
            }
            let limit = self.pacer.batch_size();
            let batch: Vec<Target> = scan
                .pending
                .drain(..limit.min(scan.pending.len()))
                .collect();
            let batch_started = Instant::now();
            let receipt = self.store.apply_exact(&batch, &scan.edit)?;
            self.record(&mut scan.outcome, limit, &receipt, batch_started.elapsed());
        }
        Ok(true)
    }

    fn run_targets(
        &mut self,
        targets: &[Target],
        cond: &Condition,
        action: Action,
        outcome: &mut Outcome,
    ) -> Result<()> {
        outcome.matched = targets.len() as u64;
        outcome.matched_complete = true;
        if self.dry_run {
            return Ok(());
        }
        self.observers
            .started(Some(outcome.matched), Counting::Changed, action.verb());
        let edit = Self::edit(cond, action);
        let mut rest = targets;
        while !rest.is_empty() {
            if let Some(stop) = self.next_batch() {
                outcome.stopped = Some(stop);
                break;
            }
            let limit = self.pacer.batch_size();
            let (batch, later) = rest.split_at(limit.min(rest.len()));
            rest = later;
            let batch_started = Instant::now();
            let receipt = self.store.apply_exact(batch, &edit)?;
            self.record(outcome, limit, &receipt, batch_started.elapsed());
        }
        Ok(())
    }

    /// Asks the guard, once; a refusal is an error with exit code 6 unless the guard
    /// gave its own.
    fn ask_guard(&mut self, seen: &Seen) -> Result<()> {
        if let Some(guard) = self.guard.take() {
            if !guard.allow(seen)? {
                return Err(crate::exit::coded(
                    ExitCode::Declined,
                    "not confirmed; nothing was changed",
                ));
            }
        }
        Ok(())
    }

    /// Asked before every batch, so a stop never splits one: the first batch only
    /// checks, later ones wait as the pace says first.
    fn next_batch(&mut self) -> Option<Stop> {
        if self.batches_run == 0 {
            self.pacer.check()
        } else {
            self.pacer.wait()
        }
    }

    fn record(&mut self, outcome: &mut Outcome, limit: usize, receipt: &Receipt, took: Duration) {
        let record = BatchRecord {
            number: self.batches_run + 1,
            limit,
            matched: receipt.matched,
            changed: receipt.changed,
            took,
            retries: receipt.retries,
            halved: receipt.halved,
        };
        self.batches_run += 1;
        outcome.record(&record);
        self.pacer.record(&record);
        self.observers.batch(&record, outcome);
    }

    /// Sessions read per page when decoding. A page holds every session's data, where a
    /// batch holds only the selected ones, so pages stay small even when batches are big.
    fn scan_page_size(&self) -> usize {
        self.pacer.batch_size().min(SCAN_PAGE)
    }
}

/// Where a decoding scan is: shared by the page reader and the batch writer.
struct DecodedScan {
    cursor: Cursor,
    /// Sessions decoded so far.
    examined: u64,
    pending: Vec<Target>,
    outcome: Outcome,
    edit: Edit,
}

/// Turns a page's picks into choices, asking the judge about every claim of the page
/// in one go.
fn judged(
    judge: Option<&mut crate::auth::Judge>,
    picks: Vec<Pick>,
    wanted: &[crate::auth::AuthState],
) -> Result<Vec<bool>> {
    let claims: Vec<&crate::auth::Claim> = picks
        .iter()
        .filter_map(|p| match p {
            Pick::Judge(claim) => Some(claim),
            _ => None,
        })
        .collect();
    if claims.is_empty() {
        return Ok(picks.iter().map(Pick::is_yes).collect());
    }
    let Some(judge) = judge else {
        anyhow::bail!("an auth-state filter ran without the user table");
    };
    let mut verdicts = judge.verdicts(&claims)?.into_iter();
    Ok(picks
        .iter()
        .map(|p| match p {
            Pick::Yes => true,
            Pick::No => false,
            Pick::Judge(_) => verdicts.next().is_some_and(|v| wanted.contains(&v.state)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::Access;
    use crate::zone::StoreZone;

    /// A table of `n` expired sessions in a new database file.
    fn expired_table(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data text NOT NULL, expire_date datetime NOT NULL);",
        )
        .unwrap();
        for i in 0..n {
            conn.execute(
                "INSERT INTO django_session VALUES (?1, 'x', '2000-01-01 00:00:00')",
                [format!("k{i:031}")],
            )
            .unwrap();
        }
        (dir, path)
    }

    /// The fixed pace, and after the first batch the table is dropped behind the run's
    /// back, so that the second batch fails.
    struct Sabotage {
        pace: FixedPace,
        path: std::path::PathBuf,
    }

    impl Pacer for Sabotage {
        fn check(&mut self) -> Option<Stop> {
            self.pace.check()
        }
        fn batch_size(&self) -> usize {
            self.pace.batch_size()
        }
        fn wait(&mut self) -> Option<Stop> {
            self.pace.wait()
        }
        fn record(&mut self, _batch: &BatchRecord) {
            rusqlite::Connection::open(&self.path)
                .unwrap()
                .execute_batch("DROP TABLE django_session")
                .unwrap();
        }
    }

    #[derive(Default)]
    struct Seen {
        batches: Vec<BatchRecord>,
        finished: Option<Outcome>,
    }

    struct Recorder<'a>(&'a mut Seen);

    impl Observer for Recorder<'_> {
        fn batch(&mut self, batch: &BatchRecord, _so_far: &Outcome) {
            self.0.batches.push(batch.clone());
        }
        fn finished(&mut self, outcome: &Outcome) {
            self.0.finished = Some(outcome.clone());
        }
    }

    #[test]
    fn a_failed_run_keeps_what_it_committed_and_observers_hear_the_end() {
        let (_dir, path) = expired_table(25);
        let mut store =
            SqliteStore::open(&path, "django_session", StoreZone::UTC, Access::Delete).unwrap();
        let mut pacer = Sabotage {
            pace: FixedPace::fixed(10, None, None, StopFlag::default()),
            path: path.clone(),
        };
        let mut seen = Seen::default();
        let mut observers = Observers::new();
        observers.add(Recorder(&mut seen));
        let now = Utc::now();
        let failed = Engine {
            store: &mut store,
            codec: &Codec::new(crate::codec::DEFAULT_SALT, Vec::new()),
            pacer: &mut pacer,
            observers: &mut observers,
            dry_run: false,
            count_first: false,
            now,
            batches_run: 0,
            guard: None,
            judge: None,
        }
        .run(
            &Selection::Condition(Condition::expired_at(now)),
            Action::Delete,
        )
        .expect_err("the second batch finds no table");
        drop(observers);
        assert_eq!(failed.outcome.changed, 10);
        assert_eq!(failed.outcome.batches, 1);
        assert_eq!(failed.outcome.stopped, Some(Stop::Failed));
        assert!(!failed.outcome.matched_complete);
        assert!(
            format!("{:#}", failed.error).contains("no such table"),
            "{:#}",
            failed.error
        );
        assert_eq!(seen.batches.len(), 1);
        assert_eq!(seen.batches[0].limit, 10);
        assert_eq!(seen.finished.unwrap().changed, 10);
    }

    #[test]
    fn batches_never_exceed_the_pace_and_a_complete_run_knows_its_total() {
        let (_dir, path) = expired_table(25);
        let mut store =
            SqliteStore::open(&path, "django_session", StoreZone::UTC, Access::Delete).unwrap();
        let mut pacer = FixedPace::fixed(10, None, None, StopFlag::default());
        let mut seen = Seen::default();
        let mut observers = Observers::new();
        observers.add(Recorder(&mut seen));
        let now = Utc::now();
        let outcome = Engine {
            store: &mut store,
            codec: &Codec::new(crate::codec::DEFAULT_SALT, Vec::new()),
            pacer: &mut pacer,
            observers: &mut observers,
            dry_run: false,
            count_first: false,
            now,
            batches_run: 0,
            guard: None,
            judge: None,
        }
        .run(
            &Selection::Condition(Condition::expired_at(now)),
            Action::Delete,
        )
        .unwrap();
        drop(observers);
        assert_eq!((outcome.matched, outcome.changed), (25, 25));
        assert!(outcome.matched_complete);
        assert_eq!(outcome.largest_batch, 10);
        let sizes: Vec<u64> = seen.batches.iter().map(|b| b.changed).collect();
        assert_eq!(sizes, [10, 10, 5]);
    }
}
