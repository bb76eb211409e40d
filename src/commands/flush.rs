//! `flush`: delete sessions now, by key, by user, or all of them. `--all` asks first on a
//! terminal and needs `--yes` otherwise, because it logs every user out.

use anyhow::Result;

use super::{run_change, Change, Finished, Risk};
use crate::cli::FlushArgs;
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::purge::Selection;
use crate::session::{Action, Condition, DecodeFilter, Target};
use crate::store::Access;
use crate::store::SessionStore;

pub fn run(ctx: &Context, args: &FlushArgs) -> Result<Finished> {
    let mut store = ctx.open_store(if args.batch.dry_run {
        Access::Read
    } else {
        Access::Delete
    })?;
    let people = super::people(
        ctx,
        None,
        args.user.as_ref(),
        args.username.as_ref(),
        args.email.as_ref(),
    )?;
    let (selection, selected, not_found, guard) = if args.all {
        if !args.batch.dry_run && !args.yes && !confirm(ctx, store.as_mut())? {
            return Err(coded(
                ExitCode::Declined,
                "flush --all not confirmed; nothing was deleted",
            ));
        }
        (
            Selection::Condition(Condition::ALL),
            "sessions".to_owned(),
            Vec::new(),
            None,
        )
    } else if let Some(people) = people {
        let filter = DecodeFilter {
            users: people.ids,
            ..DecodeFilter::default()
        };
        (
            Selection::Decoded {
                cond: Condition::ALL,
                filter,
            },
            format!("sessions of {}", people.described),
            Vec::new(),
            Some((Risk::Everything, args.yes)),
        )
    } else {
        let (targets, not_found) = existing(store.as_mut(), &args.keys, ctx)?;
        (
            Selection::Targets {
                targets,
                cond: Condition::ALL,
            },
            "named sessions".to_owned(),
            not_found,
            None,
        )
    };
    run_change(
        ctx,
        store.as_mut(),
        Change {
            command: "flush",
            selected,
            selection,
            action: Action::Delete,
            batch: &args.batch,
            not_found,
            guard,
            judge: None,
        },
    )
}

/// Splits `keys` into targets that exist and keys that do not (duplicates dropped).
pub(super) fn existing(
    store: &mut dyn SessionStore,
    keys: &[String],
    ctx: &Context,
) -> Result<(Vec<Target>, Vec<String>)> {
    let mut targets: Vec<Target> = Vec::new();
    let mut missing = Vec::new();
    for key in keys {
        if targets.iter().any(|t| &t.key == key) || missing.contains(key) {
            continue;
        }
        match store.get(key, ctx.now)? {
            Some(_) => targets.push(Target {
                key: key.clone(),
                payload: None,
            }),
            None => missing.push(key.clone()),
        }
    }
    Ok((targets, missing))
}

/// Asks on the terminal; refuses (usage error) when nobody can be asked.
fn confirm(ctx: &Context, store: &mut dyn SessionStore) -> Result<bool> {
    if !ctx.stdin_is_terminal {
        return Err(coded(
            ExitCode::Usage,
            "flush --all deletes every session and logs every user out; pass --yes to confirm when not on a terminal",
        ));
    }
    let total = store.count(&Condition::ALL)?;
    super::confirm::ask(&format!(
        "Delete all {} sessions in {}? Every user will be logged out.",
        crate::output::table::thousands(total),
        store.describe()
    ))
}
