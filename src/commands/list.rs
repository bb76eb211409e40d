//! `list`: key, expiry, expired?, size and user of each session, streamed page by page
//! so the table is never held in memory.

use std::io::Write;

use anyhow::Result;

use super::Finished;
use crate::auth::Claim;
use crate::cli::{ListArgs, ListSort};
use crate::codec::{AUTH_KEYS, USER_ID_KEY};
use crate::context::Context;
use crate::output::{ListRow, ListWriter, Report, RowAuth};
use crate::session::{Condition, DecodeFilter};
use crate::store::Access;
use crate::store::Cursor;

const PAGE: usize = 5_000;

/// `--sort`: expiry soonest first (no fixed expiry last), or size largest first; ties
/// by key, so the order is the same on every run.
fn sort_rows(rows: &mut [ListRow], order: ListSort) {
    match order {
        ListSort::Expiry => rows.sort_by(|a, b| {
            (a.expire_date.is_none(), a.expire_date, &a.session_key).cmp(&(
                b.expire_date.is_none(),
                b.expire_date,
                &b.session_key,
            ))
        }),
        ListSort::Size => rows.sort_by(|a, b| {
            b.size
                .cmp(&a.size)
                .then_with(|| a.session_key.cmp(&b.session_key))
        }),
    }
}

pub fn run(ctx: &Context, args: &ListArgs, out: &mut dyn Write) -> Result<Finished> {
    // The store first: a store that cannot be opened is the error to report.
    let mut store = ctx.open_store(Access::Read)?;
    // The user table is read whenever it is there; --auth cannot do without it.
    let mut judge = if args.auth.is_empty() {
        ctx.open_judge()?
    } else {
        Some(ctx.require_judge("list --auth")?)
    };
    let people = super::people(
        ctx,
        judge.as_mut(),
        args.user.as_ref(),
        args.username.as_ref(),
        args.email.as_ref(),
    )?;
    let cond = if args.expired {
        Condition::expired_at(ctx.now)
    } else if args.active {
        Condition::active_at(ctx.now)
    } else {
        Condition::ALL
    };
    let limit = args.limit.unwrap_or(u64::MAX);
    // With a person filter only their rows are shown, so the filter's fast path applies.
    let user_filter = people.as_ref().map(|p| DecodeFilter {
        users: p.ids.clone(),
        ..DecodeFilter::default()
    });
    let selector = user_filter.as_ref().map(|f| f.selector(&ctx.codec));
    let rules_and_kind = judge.as_ref().map(|j| (j.rules.clone(), j.kind()));
    // -q means nothing but errors for every command; JSON asked for is still written.
    let mut sink = std::io::sink();
    let out: &mut dyn Write = if ctx.quiet && ctx.format == crate::cli::OutputFormat::Table {
        &mut sink
    } else {
        out
    };
    let mut writer = ListWriter::new(ctx.format, ctx.look, !args.no_header, judge.is_some(), out);
    // Sorted: every row is held until the walk is done, then the first `limit` written.
    let mut held: Option<Vec<ListRow>> = args.sort.map(|_| Vec::new());
    let stream_limit = if held.is_some() { u64::MAX } else { limit };
    let mut cursor = Cursor::start();
    let mut shown = 0u64;
    crate::parallel::staged_pipeline(
        &mut (),
        |_| {
            if cursor.is_done() {
                return Ok(None);
            }
            store.scan_page(&mut cursor, &cond, ctx.now, PAGE).map(Some)
        },
        |session| -> Option<Seen> {
            if let Some(selector) = &selector {
                if !selector.select(session) {
                    return None;
                }
            }
            Some(match &rules_and_kind {
                Some((rules, kind)) => {
                    let decoded = ctx.codec.decode_payload_only(&session.payload, &AUTH_KEYS);
                    let expired = Claim::expired_for_django(session, ctx.now);
                    Seen {
                        user_id: decoded.user_id(),
                        claim: Some(Claim::of(&decoded, expired, rules, *kind)),
                    }
                }
                None => Seen {
                    user_id: ctx
                        .codec
                        .decode_payload_only(&session.payload, &[USER_ID_KEY])
                        .user_id(),
                    claim: None,
                },
            })
        },
        // The user table is asked about a page on a thread of its own, while the next
        // page is decoded and the one after it read.
        |_, seen| {
            let verdicts = match &mut judge {
                Some(judge) => {
                    let claims: Vec<&Claim> = seen
                        .iter()
                        .flatten()
                        .filter_map(|s| s.claim.as_ref())
                        .collect();
                    judge.verdicts(&claims)?
                }
                None => Vec::new(),
            };
            Ok((seen, verdicts))
        },
        |_, page, (seen, verdicts)| {
            let mut verdicts = verdicts.into_iter();
            for (session, seen) in page.into_iter().zip(seen) {
                if shown >= stream_limit {
                    break;
                }
                let Some(seen) = seen else { continue };
                let auth = seen
                    .claim
                    .is_some()
                    .then(|| verdicts.next())
                    .flatten()
                    .map(|v| RowAuth {
                        username: v.owner.and_then(|o| o.username.clone()),
                        state: v.state,
                    });
                if !args.auth.is_empty()
                    && !auth.as_ref().is_some_and(|a| args.auth.contains(&a.state))
                {
                    continue;
                }
                let row = ListRow {
                    size: session.payload.len(),
                    session_key: session.key,
                    expire_date: session.expire_date,
                    expired: session.expired,
                    user_id: seen.user_id,
                    auth,
                };
                match &mut held {
                    Some(rows) => rows.push(row),
                    None => writer.row(&row)?,
                }
                shown += 1;
            }
            Ok(shown < stream_limit)
        },
    )?;
    if let (Some(mut rows), Some(order)) = (held, args.sort) {
        sort_rows(&mut rows, order);
        for row in rows
            .iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
        {
            writer.row(row)?;
        }
    }
    writer.finish(ctx.quiet)?;
    Ok(super::with_notices(
        Finished::ok(Report::None),
        store.as_mut(),
    ))
}

/// What the parallel stage learns of a listed session.
struct Seen {
    user_id: Option<String>,
    claim: Option<Claim>,
}
