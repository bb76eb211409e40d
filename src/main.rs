//! The binary: parse, run, exit with the code the run asks for.

use std::process::ExitCode as ProcessExit;

use clap::Parser;
use sessctl::cli::Cli;

fn main() -> ProcessExit {
    let cli = Cli::parse();
    ProcessExit::from(sessctl::run(&cli).code() as u8)
}
