//! Exit codes: one typed table, so scripts can rely on them and the docs cannot drift.
//!
//! Errors that must end with a specific code carry it as a [`Coded`] error somewhere in
//! their `anyhow` chain; `main` looks for it and falls back to [`ExitCode::Error`].

use std::fmt;

/// Every exit status sessctl can return. The numbers are part of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// An error not covered by a more specific code.
    Error = 1,
    /// Bad command line or bad input (also what clap uses for usage errors).
    Usage = 2,
    /// The store is unreachable or is not a Django session store.
    StoreUnavailable = 3,
    /// `inspect`, `expire` or `flush` named a session that does not exist.
    NotFound = 4,
    /// A `stats` threshold was exceeded.
    ThresholdExceeded = 5,
    /// A change was not confirmed: a prompt was declined, or sessctl refused (off a
    /// terminal, without `--yes`) a change that would delete nearly every session.
    Declined = 6,
    /// Another purge holds the table's purge lock (EX_TEMPFAIL).
    Busy = 75,
    /// Stopped by SIGINT or SIGTERM; committed batches stay committed.
    Interrupted = 130,
}

impl ExitCode {
    /// Every code, in numeric order, with its one-line meaning (used by docs and tests).
    pub const ALL: [(ExitCode, &'static str); 9] = [
        (ExitCode::Ok, "success"),
        (ExitCode::Error, "error"),
        (ExitCode::Usage, "usage error or bad input"),
        (
            ExitCode::StoreUnavailable,
            "store unreachable or not a session store (missing file, missing table, wrong columns, permission denied)",
        ),
        (ExitCode::NotFound, "session not found (inspect, expire or flush of a missing key)"),
        (ExitCode::ThresholdExceeded, "a stats threshold was exceeded"),
        (
            ExitCode::Declined,
            "a change was not confirmed: the prompt was declined, or a change that would delete nearly every session was refused off a terminal without --yes",
        ),
        (ExitCode::Busy, "another purge of the same table is running (EX_TEMPFAIL)"),
        (ExitCode::Interrupted, "interrupted by SIGINT or SIGTERM; committed batches stay"),
    ];

    pub fn code(self) -> i32 {
        self as i32
    }
}

/// An error that decides the process exit code.
#[derive(Debug)]
pub struct Coded {
    pub code: ExitCode,
    pub message: String,
}

impl fmt::Display for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Coded {}

/// Builds an `anyhow::Error` that exits with `code`.
pub fn coded(code: ExitCode, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Coded {
        code,
        message: message.into(),
    })
}

/// The exit code an error asks for: the first [`Coded`] in its chain, else 1.
pub fn code_of(err: &anyhow::Error) -> ExitCode {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<Coded>())
        .map_or(ExitCode::Error, |c| c.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_numbers() {
        let numbers: Vec<i32> = ExitCode::ALL.iter().map(|(c, _)| c.code()).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4, 5, 6, 75, 130]);
    }

    #[test]
    fn help_text_lists_every_code() {
        for (code, _) in ExitCode::ALL {
            assert!(
                crate::help::root_long_help().contains(&format!("\n  {:<5}", code.code())),
                "{code:?}"
            );
        }
    }

    #[test]
    fn code_is_found_under_context() {
        let err = coded(ExitCode::NotFound, "no such session").context("inspect failed");
        assert_eq!(code_of(&err), ExitCode::NotFound);
        assert_eq!(code_of(&anyhow::anyhow!("plain")), ExitCode::Error);
    }
}
