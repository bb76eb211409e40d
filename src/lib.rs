//! sessctl: an admin tool for Django session stores.
//!
//! Stages: [`cli`] parses argv → [`context`] resolves settings (the only place that reads
//! the environment) → a [`commands`] module does the work through a [`store::SessionStore`]
//! and returns a typed report → [`output`] renders it as a table or JSON.

pub mod cli;
pub mod codec;
pub mod commands;
pub mod context;
pub mod db;
pub mod dburl;
pub mod docs;
pub mod duration;
pub mod exit;
pub mod output;
pub mod parallel;
pub mod progress;
pub mod purge;
pub mod session;
pub mod store;
pub mod zone;

use std::io::Write;

use anyhow::Result;

use crate::cli::Cli;
use crate::context::Context;
use crate::exit::ExitCode;

/// Runs a parsed command line; the returned code is the process exit status.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    let ctx = Context::resolve(&cli.global)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let finished = commands::run(&cli.command, &ctx, &mut out)?;
    output::render(
        &finished.report,
        ctx.format,
        ctx.quiet,
        ctx.verbose,
        &mut out,
    )?;
    out.flush()?;
    for warning in &finished.warnings {
        eprintln!("sessctl: {warning}");
    }
    match finished.failure {
        Some(error) => Err(error),
        None => Ok(finished.exit),
    }
}
