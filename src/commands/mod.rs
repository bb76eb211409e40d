//! One module per subcommand; this one only dispatches and holds what the bulk-change
//! commands share.

mod clear_expired;
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

use crate::cli::{BatchArgs, Command};
use crate::context::Context;
use crate::exit::ExitCode;
use crate::output::{ChangeReport, Report};
use crate::progress::Progress;
use crate::purge::{Engine, FixedPace, Observers, Selection, Stop};
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

/// Everything a bulk change needs besides the store.
pub(crate) struct Change<'a> {
    pub command: &'static str,
    pub selected: String,
    pub selection: Selection,
    pub action: Action,
    pub batch: &'a BatchArgs,
    pub not_found: Vec<String>,
}

/// Runs a bulk change through the batch engine and turns its outcome into a report
/// and an exit code (130 when a signal stopped it, 4 when named keys were missing).
pub(crate) fn run_change(
    ctx: &Context,
    store: &mut dyn SessionStore,
    change: Change<'_>,
) -> Result<Finished> {
    let batch = change.batch;
    // --max-runtime counts from here: waiting for another purge's lock spends it too.
    let mut pacer = FixedPace::new(
        batch.batch_size as usize,
        batch.sleep,
        batch.max_runtime,
        ctx.stop.clone(),
    );
    if !batch.dry_run {
        let wait = batch
            .wait
            .then(|| batch.max_runtime.unwrap_or(std::time::Duration::MAX));
        store.lock_purge(wait)?;
        ctx.catch_signals()?;
    }
    let mut observers = Observers::new();
    observers.add(Progress::new(ctx.show_progress()));
    let run = Engine {
        store,
        codec: &ctx.codec,
        pacer: &mut pacer,
        observers: &mut observers,
        dry_run: batch.dry_run,
        count_first: batch.max_runtime.is_some(),
        now: ctx.now,
        batches_run: 0,
    }
    .run(&change.selection, change.action);
    drop(observers);
    let (outcome, failure) = match run {
        Ok(outcome) => (outcome, None),
        Err(failed) => (failed.outcome, Some(failed.error)),
    };
    let failure = match failure {
        None if batch.vacuum && !batch.dry_run && outcome.complete() => store.vacuum().err(),
        other => other,
    };
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
    if outcome.stopped == Some(Stop::Interrupted) {
        exit = ExitCode::Interrupted;
    }
    if let Some(error) = &failure {
        exit = crate::exit::code_of(error);
    }
    Ok(Finished {
        report: Report::Change(ChangeReport {
            command: change.command,
            verb: change.action.verb(),
            selected: change.selected,
            outcome,
            not_found: change.not_found,
        }),
        exit,
        warnings,
        failure,
    })
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
