//! The binary: parse, run, map the outcome to an exit code.

use std::process::ExitCode as ProcessExit;

use clap::Parser;
use sessctl::cli::Cli;
use sessctl::exit::{code_of, ExitCode};

fn main() -> ProcessExit {
    let cli = Cli::parse();
    let code = match sessctl::run(&cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::Ok,
        Err(err) => {
            eprintln!("sessctl: {err:#}");
            code_of(&err)
        }
    };
    ProcessExit::from(code.code() as u8)
}

/// `sessctl list | head` closes the pipe early; that is success, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
