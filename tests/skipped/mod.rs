//! How a test that cannot run here says so (each caller decides, first, that under
//! CI=true it fails instead).

/// Prints straight to the process's stderr: libtest captures `eprintln!` of passing
/// tests, and a skipped backend test must be seen without `--nocapture`.
pub fn say_skipped(message: String) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{message}");
}
