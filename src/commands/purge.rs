//! `purge`: delete by combinable filters. Filters the store can check (expiry) run as
//! ranged batches; filters that need the decoded data (user, invalid) stream the table
//! and delete by key and data, so a session rewritten meanwhile is not deleted.

use anyhow::Result;

use super::{run_change, Change, Finished, Risk};
use crate::auth::AuthState;
use crate::cli::PurgeArgs;
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::purge::Selection;
use crate::session::{Action, AuthSelect, Condition, DecodeFilter};
use crate::store::Access;
use crate::zone::parse_time;

pub fn run(ctx: &Context, args: &PurgeArgs) -> Result<Finished> {
    // Cached values are not signed: on the cache engine `--invalid` needs no key.
    let signed = !matches!(ctx.engine, Some(crate::store::EngineSpec::Cache(_)));
    if args.invalid && signed && !ctx.codec.has_keys() {
        return Err(coded(
            ExitCode::Usage,
            "purge --invalid needs the secret key (DJANGO_SECRET_KEY or --secret-key-file): without it no signature can be checked",
        ));
    }
    // The store first: a store that cannot be opened is the error to report.
    let mut store = ctx.open_store(if args.batch.dry_run {
        Access::Read
    } else {
        Access::Delete
    })?;
    let before = args
        .expired_before
        .as_deref()
        .map(|text| parse_time(text, ctx.now))
        .transpose()
        .map_err(|e| coded(ExitCode::Usage, format!("--expired-before: {e}")))?;
    let mut states = Vec::new();
    if args.stale {
        if !ctx.codec.has_keys() {
            return Err(coded(
                ExitCode::Usage,
                "purge --stale needs the secret key (DJANGO_SECRET_KEY or --secret-key-file): \
                 without it no session hash can be checked",
            ));
        }
        states.extend([AuthState::Stale, AuthState::MissingHash]);
    }
    if args.user_deleted {
        states.push(AuthState::UserDeleted);
    }
    let mut judge = if states.is_empty() {
        None
    } else {
        Some(ctx.require_judge(if args.stale {
            "purge --stale"
        } else {
            "purge --user-deleted"
        })?)
    };
    let people = super::people(
        ctx,
        judge.as_mut(),
        args.user.as_ref(),
        args.username.as_ref(),
        args.email.as_ref(),
    )?;
    let filter = DecodeFilter {
        users: people.as_ref().map(|p| p.ids.clone()).unwrap_or_default(),
        invalid: args.invalid,
        auth: judge.as_ref().map(|judge| AuthSelect {
            states,
            rules: judge.rules.clone(),
            kind: judge.kind(),
            now: ctx.now,
        }),
    };
    // --expired is the default only when no other filter narrows the purge.
    let expired = args.expired || (filter.is_empty() && before.is_none());
    let cutoff = match (expired.then_some(ctx.now), before) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let cond = Condition {
        expired_at: cutoff,
        active_at: None,
    };
    let selected = describe(
        expired,
        before.is_some(),
        &filter,
        people.as_ref().map(|p| p.described.as_str()),
    );
    // Plain --expired is Django's own clearsessions: it asks nothing. A filter that
    // takes every session (or, with --invalid, most of them) is asked about first.
    let guard = if filter.invalid {
        Some((Risk::MostInvalid, args.yes))
    } else if !filter.is_empty() || before.is_some() {
        Some((Risk::Everything, args.yes))
    } else {
        None
    };
    let selection = if filter.is_empty() {
        Selection::Condition(cond)
    } else {
        Selection::Decoded { cond, filter }
    };
    run_change(
        ctx,
        store.as_mut(),
        Change {
            command: "purge",
            selected,
            selection,
            action: Action::Delete,
            batch: &args.batch,
            not_found: Vec::new(),
            guard,
            judge,
        },
    )
}

fn describe(expired: bool, before: bool, filter: &DecodeFilter, people: Option<&str>) -> String {
    let mut parts = Vec::new();
    if expired {
        parts.push("expired".to_owned());
    }
    if before {
        parts.push("expired-before".to_owned());
    }
    if filter.invalid {
        parts.push("invalid".to_owned());
    }
    let stale = filter
        .auth
        .as_ref()
        .is_some_and(|a| a.states.contains(&AuthState::Stale));
    let deleted_users = filter
        .auth
        .as_ref()
        .is_some_and(|a| a.states.contains(&AuthState::UserDeleted));
    if stale {
        parts.push("stale".to_owned());
    }
    let mut text = format!("{} sessions", parts.join(" "))
        .trim_start()
        .to_owned();
    if deleted_users {
        text = if stale {
            format!("{text} or sessions of deleted users")
        } else {
            format!("{text} of deleted users")
        };
    }
    if let Some(people) = people {
        text.push_str(&format!(" of {people}"));
    }
    text
}
