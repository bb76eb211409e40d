//! `list`: key, expiry, expired?, size and user of each session, streamed page by page
//! so the table is never held in memory.

use std::io::Write;

use anyhow::Result;

use super::Finished;
use crate::cli::{ListArgs, ListSort};
use crate::codec::USER_ID_KEY;
use crate::context::Context;
use crate::output::{ListRow, ListWriter, Report};
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
    let mut store = ctx.open_store(Access::Read)?;
    let cond = if args.expired {
        Condition::expired_at(ctx.now)
    } else if args.active {
        Condition::active_at(ctx.now)
    } else {
        Condition::ALL
    };
    let limit = args.limit.unwrap_or(u64::MAX);
    // With --user only that user's rows are shown, so the filter's fast path applies.
    let user_filter = args.user.as_ref().map(|user| DecodeFilter {
        user: Some(user.clone()),
        invalid: false,
    });
    let selector = user_filter.as_ref().map(|f| f.selector(&ctx.codec));
    // -q means nothing but errors for every command; JSON asked for is still written.
    let mut sink = std::io::sink();
    let out: &mut dyn Write = if ctx.quiet && ctx.format == crate::cli::OutputFormat::Table {
        &mut sink
    } else {
        out
    };
    let mut writer = ListWriter::new(ctx.format, ctx.look, !args.no_header, out);
    // Sorted: every row is held until the walk is done, then the first `limit` written.
    let mut held: Option<Vec<ListRow>> = args.sort.map(|_| Vec::new());
    let stream_limit = if held.is_some() { u64::MAX } else { limit };
    let mut cursor = Cursor::start();
    let mut shown = 0u64;
    crate::parallel::pipeline(
        &mut (),
        |_| {
            if cursor.is_done() {
                return Ok(None);
            }
            store.scan_page(&mut cursor, &cond, ctx.now, PAGE).map(Some)
        },
        |session| match &selector {
            Some(selector) => selector
                .select(session)
                .then(|| args.user.clone())
                .flatten(),
            None => ctx
                .codec
                .decode_payload_only(&session.payload, USER_ID_KEY)
                .user_id(),
        },
        |_, page, users| {
            for (session, user_id) in page.into_iter().zip(users) {
                if shown >= stream_limit {
                    break;
                }
                if args.user.is_some() && user_id != args.user {
                    continue;
                }
                let row = ListRow {
                    size: session.payload.len(),
                    session_key: session.key,
                    expire_date: session.expire_date,
                    expired: session.expired,
                    user_id,
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
