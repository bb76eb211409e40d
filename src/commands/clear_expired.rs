//! `clear-expired`: exactly what `manage.py clearsessions` deletes — `expire_date < now`,
//! strict — in batches of short transactions.

use anyhow::Result;

use super::{run_change, Change, Finished};
use crate::cli::ClearExpiredArgs;
use crate::context::Context;
use crate::output::Report;
use crate::purge::Selection;
use crate::session::{Action, Condition};
use crate::store::{Access, ClearExpired};

pub fn run(ctx: &Context, args: &ClearExpiredArgs) -> Result<Finished> {
    let mut store = ctx.open_store(if args.batch.dry_run {
        Access::Read
    } else {
        Access::Delete
    })?;
    if store.capabilities().clear_expired == ClearExpired::ServerExpires {
        // What Django's own clear_expired of the cache engine knows: nothing to do.
        return Ok(Finished::ok(Report::Message(format!(
            "clear-expired: nothing to do: {} drops expired sessions itself",
            store.describe()
        ))));
    }
    run_change(
        ctx,
        store.as_mut(),
        Change {
            command: "clear-expired",
            selected: "expired sessions".to_owned(),
            selection: Selection::Condition(Condition::expired_at(ctx.now)),
            action: Action::Delete,
            batch: &args.batch,
            not_found: Vec::new(),
            guard: None,
            judge: None,
        },
    )
}
