//! `purge`: delete by combinable filters. Filters the store can check (expiry) run as
//! ranged batches; filters that need the decoded data (user, invalid) stream the table
//! and delete by key and data, so a session rewritten meanwhile is not deleted.

use anyhow::Result;

use super::{run_change, Change, Finished, Risk};
use crate::cli::PurgeArgs;
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::purge::Selection;
use crate::session::{Action, Condition, DecodeFilter};
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
    let before = args
        .expired_before
        .as_deref()
        .map(|text| parse_time(text, ctx.now))
        .transpose()
        .map_err(|e| coded(ExitCode::Usage, format!("--expired-before: {e}")))?;
    let filter = DecodeFilter {
        user: args.user.clone(),
        invalid: args.invalid,
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
    let selected = describe(expired, before.is_some(), &filter);
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
    let mut store = ctx.open_store(if args.batch.dry_run {
        Access::Read
    } else {
        Access::Delete
    })?;
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
        },
    )
}

fn describe(expired: bool, before: bool, filter: &DecodeFilter) -> String {
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
    let mut text = format!("{} sessions", parts.join(" "))
        .trim_start()
        .to_owned();
    if let Some(user) = &filter.user {
        text.push_str(&format!(" of user {user}"));
    }
    text
}
