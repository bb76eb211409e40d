//! `stats`: counts, expiry range and sizes. With `--max-total` / `--max-expired` it is a
//! CI check: exit 5 when a threshold is exceeded, the figures still printed.

use anyhow::Result;

use super::Finished;
use crate::cli::StatsArgs;
use crate::context::Context;
use crate::exit::ExitCode;
use crate::output::{Report, StatsReport};
use crate::store::{Access, EngineSpec};

pub fn run(ctx: &Context, args: &StatsArgs) -> Result<Finished> {
    let mut store = ctx.open_store(Access::Read)?;
    let stats = store.stats(ctx.now)?;
    let mut exceeded = Vec::new();
    if let Some(max) = args.max_total.filter(|max| stats.total > *max) {
        exceeded.push(format!(
            "{} sessions in all exceed --max-total {max}",
            stats.total
        ));
    }
    if let Some(max) = args.max_expired.filter(|max| stats.expired > *max) {
        exceeded.push(format!(
            "{} expired sessions exceed --max-expired {max}",
            stats.expired
        ));
    }
    let exit = if exceeded.is_empty() {
        ExitCode::Ok
    } else {
        ExitCode::ThresholdExceeded
    };
    let cache = store.cache_figures();
    let mut warnings = exceeded.clone();
    // Django's database and file caches cull entries, sessions included, once a set()
    // finds MAX_ENTRIES of them: a count near it means sessions vanish unannounced.
    if let Some(max) = cache.as_ref().and_then(|c| c.max_entries) {
        if stats.total.saturating_mul(10) >= max.saturating_mul(9) {
            warnings.push(format!(
                "{} sessions, near the cache's MAX_ENTRIES {max}: Django culls entries above it, \
                 logging users out (--cache-max-entries sets the figure)",
                stats.total
            ));
        }
    }
    let finished = Finished {
        warnings,
        report: Report::Stats(StatsReport {
            stats,
            cache,
            store: store.describe(),
            session_files: matches!(ctx.engine, Some(EngineSpec::File(_))),
            exceeded,
        }),
        exit,
        failure: None,
    };
    Ok(super::with_notices(finished, store.as_mut()))
}
