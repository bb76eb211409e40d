//! The binary: parse, run, exit with the code the run asks for.

use std::process::ExitCode as ProcessExit;

use clap::Parser;
use sessctl::cli::Cli;

/// mimalloc instead of the C library's allocator. Scans decode sessions on worker threads
/// and hand what they found to the main thread: glibc's malloc makes each such
/// cross-thread free take an arena lock (a quarter of the CPU of `list --auth`), and
/// musl's, in the static release binary, is slower still.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ProcessExit {
    let cli = Cli::parse();
    ProcessExit::from(sessctl::run(&cli).code() as u8)
}
