//! One module per subcommand; this one only dispatches and holds what the bulk-change
//! commands share.

mod clear_expired;
mod confirm;
mod decode;
mod expire;
mod flush;
mod generate;
mod inspect;
mod list;
mod purge;
mod stats;

use std::io::Write;

use anyhow::Result;

use self::confirm::Risk;
use crate::cli::{BatchArgs, Command};
use crate::context::Context;
use crate::exit::{code_of, ExitCode};
use crate::output::{ChangeReport, Report};
use crate::progress::Progress;
use crate::purge::{
    BatchLog, Engine, FixedPace, Guard, LagBounds, LagPace, Ledger, Observers, PaceSettings,
    ProgressLines, Selection, Stop,
};
use crate::session::Action;
use crate::store::SessionStore;

/// What a command hands back: its report, the exit code it asks for, messages for
/// stderr (they explain a non-zero code that is not an error, like a missed threshold),
/// and the error that ended it, for a command whose report must still be shown (a bulk
/// change that failed after committing batches reports them, then the error).
pub struct Finished {
    pub report: Report,
    pub exit: ExitCode,
    pub warnings: Vec<String>,
    pub failure: Option<anyhow::Error>,
}

impl Finished {
    pub fn ok(report: Report) -> Finished {
        Finished {
            report,
            exit: ExitCode::Ok,
            warnings: Vec::new(),
            failure: None,
        }
    }
}

/// Runs `command`. Only `list` writes to `out` itself (it streams).
pub fn run(command: &Command, ctx: &Context, out: &mut dyn Write) -> Result<Finished> {
    match command {
        Command::ClearExpired(args) => clear_expired::run(ctx, args),
        Command::Purge(args) => purge::run(ctx, args),
        Command::List(args) => list::run(ctx, args, out),
        Command::Inspect(args) => inspect::run(ctx, args),
        Command::Decode(args) => decode::run(ctx, args),
        Command::Expire(args) => expire::run(ctx, args),
        Command::Flush(args) => flush::run(ctx, args),
        Command::Stats(args) => stats::run(ctx, args),
        Command::Generate(args) => generate::run(args),
    }
}

/// Rows per batch when `--batch-size` is not given and the store asks for no other.
pub const DEFAULT_BATCH_SIZE: usize = 50_000;

/// Everything a bulk change needs besides the store.
pub(crate) struct Change<'a> {
    pub command: &'static str,
    pub selected: String,
    pub selection: Selection,
    pub action: Action,
    pub batch: &'a BatchArgs,
    pub not_found: Vec<String>,
    /// Ask before the first change when the selection looks like a mistake, unless
    /// `--yes` (the bool) was given.
    pub guard: Option<(Risk, bool)>,
    /// Judges auth states for a selection that filters by them (`purge --stale`).
    pub judge: Option<crate::auth::Judge>,
}

/// Runs a bulk change through the batch engine and turns its outcome into a report
/// and an exit code (130 when a signal stopped it, 4 when named keys were missing).
pub(crate) fn run_change(
    ctx: &Context,
    store: &mut dyn SessionStore,
    mut change: Change<'_>,
) -> Result<Finished> {
    let batch = change.batch;
    let batch_size = batch
        .batch_size
        .map(|n| n as usize)
        .or_else(|| store.default_batch_size())
        .unwrap_or(DEFAULT_BATCH_SIZE);
    // --max-runtime counts from here: waiting for another purge's lock spends it too.
    let fixed = FixedPace::new(
        PaceSettings {
            batch_size,
            sleep: batch.sleep,
            nice: batch.nice,
            batch_time: batch.batch_time,
            max_runtime: batch.max_runtime,
            stop_file: batch.stop_file.clone(),
            pause_file: batch.pause_file.clone(),
        },
        ctx.stop.clone(),
    );
    let ledger = Ledger::default();
    let mut watcher = None;
    if !batch.dry_run {
        let wait = batch
            .wait
            .then(|| batch.max_runtime.unwrap_or(std::time::Duration::MAX));
        store.lock_purge(wait)?;
        watcher = store.replication(&batch.replica, batch.max_lag.is_some())?;
        if !ctx.quiet {
            if let Some(w) = &watcher {
                if ctx.verbose {
                    eprintln!(
                        "replication: {} replicates to {}",
                        store.describe(),
                        w.describe()
                    );
                }
                for note in w.notes() {
                    eprintln!("sessctl: note: {note}");
                }
            } else if batch.max_lag.is_some() {
                eprintln!(
                    "sessctl: note: --max-lag: {} replicates to no standby or replica sessctl can see; nothing to wait for",
                    store.describe()
                );
            }
        }
    }
    let mut pacer = LagPace::new(
        fixed,
        watcher,
        LagBounds {
            time: batch.max_lag,
            bytes: batch.max_lag_bytes,
        },
        ctx.verbose,
        ctx.quiet,
    );
    let bar = Progress::new(ctx.show_progress() && batch.progress.is_none());
    ctx.catch_signals(last_resort(ctx, &change, ledger.clone(), bar.handle()))?;
    let mut observers = Observers::new();
    observers.add(ledger.clone());
    observers.add(bar);
    if let Some(every) = batch.progress {
        observers.add(ProgressLines::new(std::io::stderr(), every, change.command));
    }
    if ctx.verbose && !ctx.quiet {
        observers.add(BatchLog::new(std::io::stderr()));
    }
    let mut confirm = change.guard.map(|(risk, yes)| {
        confirm::Confirm::new(ctx, risk, yes, &change.selected, store.describe())
    });
    let run = Engine {
        store,
        codec: &ctx.codec,
        pacer: &mut pacer,
        observers: &mut observers,
        dry_run: batch.dry_run,
        count_first: batch.max_runtime.is_some(),
        now: ctx.now,
        batches_run: 0,
        guard: confirm.as_mut().map(|c| c as &mut dyn Guard),
        judge: change.judge.as_mut(),
    }
    .run(&change.selection, change.action);
    drop(observers);
    let (mut outcome, failure) = match run {
        Ok(outcome) => (outcome, None),
        Err(failed) => (failed.outcome, Some(failed.error)),
    };
    outcome.waited = pacer.inner.waited;
    outcome.replication = pacer.figures.clone();
    let mut vacuum = None;
    let failure = match failure {
        None if batch.vacuum && !batch.dry_run && outcome.complete() => match store.vacuum() {
            Ok(done) => {
                vacuum = Some(done);
                None
            }
            Err(e) => Some(e),
        },
        other => other,
    };
    ledger.close();
    if let Some(error) = failure
        .as_ref()
        .filter(|e| code_of(e) == ExitCode::Declined)
    {
        // Nothing was changed: the refusal is the whole answer.
        let _ = error;
        return Ok(Finished {
            report: Report::None,
            exit: ExitCode::Declined,
            warnings: Vec::new(),
            failure,
        });
    }
    let mut warnings = Vec::new();
    let mut exit = ExitCode::Ok;
    let notices = store.take_notices();
    warnings.extend(notices.messages);
    if notices.failures > 0 {
        exit = ExitCode::Error;
    }
    if !change.not_found.is_empty() {
        warnings.push(format!(
            "no session with key {} in {}",
            change
                .not_found
                .iter()
                .map(|k| crate::output::escape::for_terminal(k).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            store.describe()
        ));
        exit = ExitCode::NotFound;
    }
    // A signal during --vacuum (after the last batch) still ends the run as interrupted:
    // never exit 0 after a signal.
    if outcome.stopped == Some(Stop::Interrupted) || ctx.stop.is_raised() {
        exit = ExitCode::Interrupted;
    }
    if let Some(error) = &failure {
        exit = code_of(error);
    }
    Ok(Finished {
        report: Report::Change(ChangeReport {
            command: change.command,
            verb: change.action.verb(),
            selected: change.selected,
            outcome,
            not_found: change.not_found,
            cache_deleted: store.cache_deleted(),
            vacuum,
        }),
        exit,
        warnings,
        failure,
    })
}

/// What a signal does when the batch in flight does not end in time: the summary of
/// what was committed, as the run would have printed it, then exit 130.
fn last_resort(
    ctx: &Context,
    change: &Change<'_>,
    ledger: Ledger,
    bar: Option<indicatif::ProgressBar>,
) -> impl Fn() + Send + Sync {
    let (format, quiet, look) = (ctx.format, ctx.quiet, ctx.look);
    let (command, verb) = (change.command, change.action.verb());
    let selected = change.selected.clone();
    let started = std::time::Instant::now();
    move || {
        if !ledger.take_last_word() {
            return;
        }
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let mut outcome = ledger.outcome();
        outcome.stopped = Some(Stop::Interrupted);
        outcome.matched_complete = outcome.matched_complete && outcome.complete();
        outcome.elapsed = started.elapsed();
        if !quiet {
            eprintln!(
                "sessctl: the statement in flight did not end within {} s of the signal; stopping without it (the server rolls it back)",
                crate::context::SIGNAL_GRACE.as_secs()
            );
        }
        let report = Report::Change(ChangeReport {
            command,
            verb,
            selected: selected.clone(),
            outcome,
            not_found: Vec::new(),
            // Not known here: the store is busy in the batch this report interrupts.
            cache_deleted: None,
            vacuum: None,
        });
        // The main thread holds stdout's lock (it is stuck in the batch): write the
        // report to the descriptor itself.
        let mut text = Vec::new();
        let _ = crate::output::render(&report, format, quiet, false, look, &mut text);
        let mut rest = &text[..];
        while !rest.is_empty() {
            match rustix::io::write(rustix::stdio::stdout(), rest) {
                Ok(n) if n > 0 => rest = &rest[n..],
                _ => break,
            }
        }
        std::process::exit(ExitCode::Interrupted.code());
    }
}

/// Adds a store's notices to a finished read-only command: its messages as warnings, and
/// exit 1 when sessions could not be read (unless the command already asks for a code).
pub(crate) fn with_notices(mut finished: Finished, store: &mut dyn SessionStore) -> Finished {
    let notices = store.take_notices();
    finished.warnings.extend(notices.messages);
    if notices.failures > 0 && finished.exit == ExitCode::Ok {
        finished.exit = ExitCode::Error;
    }
    finished
}

/// The users a command's `--user`, `--username` or `--email` names: their
/// `_auth_user_id` values and how the summary names them. `None` when no person filter
/// was given.
pub(crate) struct People {
    pub ids: Vec<String>,
    pub described: String,
}

pub(crate) fn people(
    ctx: &Context,
    // The command's own judge when it has one: the user table is then not opened twice.
    judge: Option<&mut crate::auth::Judge>,
    user: Option<&String>,
    username: Option<&String>,
    email: Option<&String>,
) -> Result<Option<People>> {
    use crate::auth::users::Field;
    if let Some(id) = user {
        return Ok(Some(People {
            ids: vec![id.clone()],
            described: format!("user {id}"),
        }));
    }
    let (field, value, option) = match (username, email) {
        (Some(name), _) => (Field::Username, name, "--username"),
        (None, Some(address)) => (Field::Email, address, "--email"),
        (None, None) => return Ok(None),
    };
    let mut opened = None;
    let judge = match judge {
        Some(judge) => judge,
        None => opened.insert(ctx.require_judge(option)?),
    };
    let found = crate::auth::resolve_people(judge.users(), field, value)?;
    let ids: Vec<String> = found.iter().map(|u| u.pk.django_text()).collect();
    let shown = crate::output::escape::for_terminal(value).into_owned();
    let described = match (field, ids.as_slice()) {
        (Field::Username, [id]) => format!("user {shown} (id {id})"),
        (_, [id]) => format!("the user with e-mail {shown} (id {id})"),
        (_, many) => format!(
            "the {} users with e-mail {shown} (ids {})",
            many.len(),
            many.join(", ")
        ),
    };
    Ok(Some(People { ids, described }))
}
