//! `list`: key, expiry, expired?, size and user of each session, streamed page by page
//! so the table is never held in memory.

use std::io::Write;

use anyhow::Result;

use super::Finished;
use crate::cli::ListArgs;
use crate::codec::USER_ID_KEY;
use crate::context::Context;
use crate::output::{ListRow, ListWriter, Report};
use crate::session::{Condition, DecodeFilter};
use crate::store::Access;
use crate::store::Cursor;

const PAGE: usize = 5_000;

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
    let mut writer = ListWriter::new(ctx.format, out);
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
                if shown >= limit {
                    break;
                }
                if args.user.is_some() && user_id != args.user {
                    continue;
                }
                writer.row(&ListRow {
                    size: session.payload.len(),
                    session_key: session.key,
                    expire_date: session.expire_date,
                    expired: session.expired,
                    user_id,
                })?;
                shown += 1;
            }
            Ok(shown < limit)
        },
    )?;
    writer.finish(ctx.quiet)?;
    Ok(super::with_notices(
        Finished::ok(Report::None),
        store.as_mut(),
    ))
}
