//! `clear-expired`: exactly what `manage.py clearsessions` deletes — `expire_date < now`,
//! strict — in batches of short transactions.

use anyhow::Result;

use super::{run_change, Change, Finished};
use crate::cli::ClearExpiredArgs;
use crate::context::Context;
use crate::purge::Selection;
use crate::session::{Action, Condition};
use crate::store::Access;

pub fn run(ctx: &Context, args: &ClearExpiredArgs) -> Result<Finished> {
    let mut store = ctx.open_store(if args.batch.dry_run {
        Access::Read
    } else {
        Access::Delete
    })?;
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
        },
    )
}
