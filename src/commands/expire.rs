//! `expire`: set the expiry of sessions to now, so Django stops accepting them at once
//! (it loads only `expire_date > now`) and the next purge removes them. Sessions that
//! have already expired are left as they are: moving their expiry to now would extend them.

use anyhow::Result;

use super::{run_change, Change, Finished};
use crate::cli::ExpireArgs;
use crate::context::Context;
use crate::purge::Selection;
use crate::session::{Action, Condition, DecodeFilter};
use crate::store::Access;

pub fn run(ctx: &Context, args: &ExpireArgs) -> Result<Finished> {
    let mut store = ctx.open_store(if args.batch.dry_run {
        Access::Read
    } else {
        Access::Update
    })?;
    let cond = Condition::active_at(ctx.now);
    let people = super::people(
        ctx,
        None,
        args.user.as_ref(),
        args.username.as_ref(),
        args.email.as_ref(),
    )?;
    let (selection, selected, not_found) = match people {
        Some(people) => (
            Selection::Decoded {
                cond,
                filter: DecodeFilter {
                    users: people.ids,
                    ..DecodeFilter::default()
                },
            },
            format!("active sessions of {}", people.described),
            Vec::new(),
        ),
        None => {
            let (targets, not_found) = super::flush::existing(store.as_mut(), &args.keys, ctx)?;
            (
                Selection::Targets { targets, cond },
                "named active sessions".to_owned(),
                not_found,
            )
        }
    };
    run_change(
        ctx,
        store.as_mut(),
        Change {
            command: "expire",
            selected,
            selection,
            action: Action::ExpireAt(ctx.now),
            batch: &args.batch,
            not_found,
            guard: None,
            judge: None,
        },
    )
}
