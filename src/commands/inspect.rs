//! `inspect KEY`: one session's metadata, signature status, format and decoded data.
//! An undecodable session is still a successful inspection (exit 0): the report says why.

use anyhow::Result;

use super::Finished;
use crate::auth::Claim;
use crate::cli::InspectArgs;
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::output::escape::for_terminal;
use crate::output::{Report, SessionReport};
use crate::store::Access;

pub fn run(ctx: &Context, args: &InspectArgs) -> Result<Finished> {
    let mut store = ctx.open_store(Access::Read)?;
    let Some(session) = store.get(&args.key, ctx.now)? else {
        return Err(coded(
            ExitCode::NotFound,
            format!(
                "no session with key {} in {}",
                for_terminal(&args.key),
                store.describe()
            ),
        ));
    };
    // cached_db: what Django reads first.
    let cache = store.cache_view(&args.key, ctx.now)?;
    let decoded = ctx.codec.decode_payload(&session.payload);
    // Whose session it is, and whether Django still logs it in, when the users are known.
    let auth = match ctx.open_judge()? {
        Some(mut judge) => {
            let expired = Claim::expired_for_django(&session, ctx.now);
            let claim = Claim::of(&decoded, expired, &judge.rules, judge.kind());
            judge.verdicts(&[&claim])?.pop()
        }
        None => None,
    };
    let finished = Finished::ok(Report::Session(Box::new(SessionReport {
        session_key: Some(session.key),
        expire_date: session.expire_date,
        expired: Some(session.expired),
        size: session.payload.len(),
        decoded,
        cache,
        auth,
    })));
    Ok(super::with_notices(finished, store.as_mut()))
}
