//! sessctl: an admin tool for Django session stores.
//!
//! Stages: [`cli`] parses argv → [`context`] resolves settings (the only place that reads
//! the environment, but for the connection defaults of [`db::defaults`]) → a
//! [`commands`] module does the work through a [`store::SessionStore`] and returns a
//! typed report → [`output`] renders it as a table or JSON.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod codec;
pub mod commands;
pub mod context;
pub mod db;
pub mod dburl;
pub mod docs;
pub mod duration;
pub mod exit;
pub mod help;
pub mod output;
pub mod parallel;
pub mod progress;
pub mod purge;
pub mod session;
pub mod shape;
pub mod store;
pub mod textfile;
pub mod zone;

use std::io::Write;

use anyhow::Result;

use crate::cli::Cli;
use crate::context::Context;
use crate::exit::ExitCode;

/// Runs a parsed command line and says what went wrong on stderr; the returned code is
/// the process exit status.
pub fn run(cli: &Cli) -> ExitCode {
    let started = std::time::SystemTime::now();
    let mut seen = Seen::default();
    let code = match run_command(cli, &mut seen) {
        Ok(code) => code,
        // `sessctl list | head` closes the pipe early; that is success, not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::Ok,
        Err(err) => {
            let code = exit::code_of(&err);
            if !(cli.global.quiet && quiet_hides(code)) {
                let look = context::look(&cli.global);
                eprintln!(
                    "{} {err:#}",
                    look.paint_err("sessctl:", output::sgr::BOLD_RED)
                );
            }
            code
        }
    };
    let Some(path) = cli.command.metrics_file() else {
        return code;
    };
    let figures = output::metrics::RunFigures {
        command: cli.command.name(),
        store: seen.store.unwrap_or_else(|| "unknown".to_owned()),
        target: seen.target.unwrap_or_default(),
        started,
        ended: std::time::SystemTime::now(),
        outcome: seen.outcome,
        exit_code: code.code(),
    };
    match output::metrics::write(path, &figures) {
        Ok(()) => code,
        Err(e) => {
            eprintln!(
                "sessctl: cannot write --metrics-file {}: {e}",
                path.display()
            );
            if code == ExitCode::Ok {
                ExitCode::Error
            } else {
                code
            }
        }
    }
}

/// What a run learnt before it ended, for `--metrics-file`.
#[derive(Default)]
struct Seen {
    store: Option<String>,
    target: Option<String>,
    outcome: Option<purge::Outcome>,
}

/// Under `-q` only errors that make the run fail are printed: another purge holding the
/// lock (75) is what a cron job expects now and then, and its code says it.
fn quiet_hides(code: ExitCode) -> bool {
    matches!(code, ExitCode::Busy)
}

/// Whether what stderr would say explains a failure (1–4 and 6), which `-q` still prints.
fn is_failure(code: ExitCode) -> bool {
    matches!(
        code,
        ExitCode::Error
            | ExitCode::Usage
            | ExitCode::StoreUnavailable
            | ExitCode::NotFound
            | ExitCode::Declined
    )
}

fn run_command(cli: &Cli, seen: &mut Seen) -> Result<ExitCode> {
    if cli.global.format == cli::OutputFormat::Prometheus
        && !matches!(cli.command, cli::Command::Stats(_))
    {
        return Err(exit::coded(
            ExitCode::Usage,
            "--format prometheus is for stats, whose figures are gauges; bulk changes write theirs with --metrics-file",
        ));
    }
    if cli.global.format == cli::OutputFormat::Csv && !matches!(cli.command, cli::Command::List(_))
    {
        return Err(exit::coded(
            ExitCode::Usage,
            "--format csv is for list, whose rows are a table; give --format json (or table) for this command",
        ));
    }
    let ctx = Context::resolve(&cli.global)?;
    if let Some(engine) = &ctx.engine {
        let (store, target) = store::metrics_labels(engine);
        seen.store = Some(store.to_owned());
        seen.target = Some(target);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let finished = commands::run(&cli.command, &ctx, &mut out)?;
    if let output::Report::Change(change) = &finished.report {
        seen.outcome = Some(change.outcome.clone());
    }
    output::render(
        &finished.report,
        ctx.format,
        ctx.quiet,
        ctx.verbose,
        ctx.look,
        &mut out,
    )
    .and_then(|()| out.flush())
    .map_err(|e| {
        // The work is done (committed batches stay); only its report was lost.
        anyhow::Error::new(e)
            .context("the command finished, but its report could not be written to stdout")
    })?;
    if !ctx.quiet || is_failure(finished.exit) || finished.failure.is_some() {
        for warning in &finished.warnings {
            eprintln!(
                "{} {warning}",
                ctx.look.paint_err("sessctl:", output::sgr::YELLOW)
            );
        }
    }
    match finished.failure {
        Some(error) => Err(error),
        None => Ok(finished.exit),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
