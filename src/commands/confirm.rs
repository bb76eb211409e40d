//! Asking before a change that cannot be undone: `flush --all`, and the guard of
//! [`crate::purge::Guard`] against a selection that takes (nearly) every session — a
//! mistyped `DJANGO_SECRET_KEY` makes every session fail verification, and
//! `purge --invalid` would delete them all.
//!
//! On a terminal the question is asked; elsewhere (cron, CI, a pipe) the change is
//! refused unless `--yes` was given, with exit code 6 ([`ExitCode::Declined`]).

use std::io::{BufRead, Write};

use anyhow::Result;

use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::output::table::thousands;
use crate::purge::{Guard, Seen};

/// Asks `question` on the terminal and reads a yes or no; `Ok(false)` for anything but yes.
pub fn ask(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Which selections are worth a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Risk {
    /// `--invalid`: more than half of the sessions failing verification means the key
    /// is wrong far more often than that the sessions are.
    MostInvalid,
    /// Any other filter: one that selects every session.
    Everything,
}

/// The guard a bulk change is given: asks on a terminal, refuses elsewhere, says yes
/// at once with `--yes`.
pub struct Confirm {
    pub risk: Risk,
    pub yes: bool,
    pub interactive: bool,
    /// What is being deleted, for the question ("sessions of user 42").
    pub selected: String,
    /// The store, for the question.
    pub store: String,
}

impl Confirm {
    pub fn new(ctx: &Context, risk: Risk, yes: bool, selected: &str, store: String) -> Confirm {
        Confirm {
            risk,
            yes,
            interactive: ctx.stdin_is_terminal && ctx.stderr_is_terminal,
            selected: selected.to_owned(),
            store,
        }
    }

    /// What is wrong with `seen`, when something is.
    fn concern(&self, seen: &Seen) -> Option<String> {
        let (matched, examined) = (seen.matched, seen.examined);
        let scope = if seen.complete {
            format!("{} of {} sessions", thousands(matched), thousands(examined))
        } else {
            format!(
                "{} of the first {} sessions examined",
                thousands(matched),
                thousands(examined)
            )
        };
        match self.risk {
            Risk::MostInvalid if matched * 2 > examined => Some(format!(
                "{scope} fail verification with the given key — is DJANGO_SECRET_KEY right?"
            )),
            Risk::Everything | Risk::MostInvalid if examined > 0 && matched == examined => {
                Some(format!(
                    "{scope} are {}: that is every session, and every user would be logged out.",
                    self.selected
                ))
            }
            _ => None,
        }
    }
}

impl Guard for Confirm {
    fn allow(&mut self, seen: &Seen) -> Result<bool> {
        let Some(concern) = self.concern(seen) else {
            return Ok(true);
        };
        if self.yes {
            return Ok(true);
        }
        if !self.interactive {
            return Err(coded(
                ExitCode::Declined,
                format!("{concern} Nothing was deleted; check the key and the filters, or pass --yes to go on."),
            ));
        }
        if ask(&format!("{concern}\nDelete them from {}?", self.store))? {
            Ok(true)
        } else {
            Err(coded(
                ExitCode::Declined,
                "not confirmed; nothing was deleted",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirm(risk: Risk) -> Confirm {
        Confirm {
            risk,
            yes: false,
            interactive: false,
            selected: "invalid sessions".to_owned(),
            store: "the store".to_owned(),
        }
    }

    fn seen(matched: u64, examined: u64) -> Seen {
        Seen {
            examined,
            matched,
            complete: true,
        }
    }

    #[test]
    fn a_key_that_fails_most_sessions_is_refused_off_a_terminal() {
        let mut guard = confirm(Risk::MostInvalid);
        assert!(guard.allow(&seen(5, 10)).unwrap(), "half is not most");
        let err = guard.allow(&seen(6, 10)).unwrap_err();
        assert_eq!(crate::exit::code_of(&err), ExitCode::Declined);
        assert!(
            err.to_string()
                .starts_with("6 of 10 sessions fail verification with the given key — is DJANGO_SECRET_KEY right?"),
            "{err}"
        );
        guard.yes = true;
        assert!(guard.allow(&seen(10, 10)).unwrap());
    }

    #[test]
    fn a_filter_that_takes_every_session_is_refused_off_a_terminal() {
        let mut guard = confirm(Risk::Everything);
        assert!(guard.allow(&seen(9, 10)).unwrap());
        assert!(guard.allow(&seen(0, 0)).unwrap(), "nothing to delete");
        let err = guard
            .allow(&Seen {
                complete: false,
                ..seen(5000, 5000)
            })
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("5,000 of the first 5,000 sessions examined are invalid sessions: that is every session"),
            "{err}"
        );
    }
}
