//! `stats`: counts, expiry range and sizes. With `--max-total` / `--max-expired` it is a
//! CI check: exit 5 when a threshold is exceeded, the figures still printed.

use anyhow::Result;

use super::Finished;
use crate::cli::StatsArgs;
use crate::context::Context;
use crate::exit::ExitCode;
use serde_json::json;

use crate::output::{Breach, Report, StatsReport};
use crate::store::StoreStats;
use crate::store::{Access, EngineSpec};

pub fn run(ctx: &Context, args: &StatsArgs) -> Result<Finished> {
    let mut store = ctx.open_store(Access::Read)?;
    let stats = store.stats(ctx.now)?;
    let auth = if args.users {
        let mut judge = ctx.require_judge("stats --users")?;
        Some(crate::auth::census::census(
            store.as_mut(),
            &mut judge,
            &ctx.codec,
            ctx.now,
        )?)
    } else {
        None
    };
    let exceeded = breaches(ctx, args, &stats);
    let exit = if exceeded.is_empty() {
        ExitCode::Ok
    } else {
        ExitCode::ThresholdExceeded
    };
    let cache = store.cache_figures();
    let mut warnings: Vec<String> = exceeded.iter().map(|b| b.text.clone()).collect();
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
            auth,
            store: store.describe(),
            session_files: matches!(ctx.engine, Some(EngineSpec::File(_))),
            exceeded,
            now: ctx.now,
            engine: match ctx.engine {
                Some(EngineSpec::Db(_)) | None => "db",
                Some(EngineSpec::File(_)) => "file",
                Some(EngineSpec::Cache(_)) => "cache",
                Some(EngineSpec::CachedDb { .. }) => "cached_db",
            },
        }),
        exit,
        failure: None,
    };
    Ok(super::with_notices(finished, store.as_mut()))
}

/// The thresholds `stats` was given that the figures exceed.
fn breaches(ctx: &Context, args: &StatsArgs, s: &StoreStats) -> Vec<Breach> {
    let mut out = Vec::new();
    if let Some(max) = args.max_total.filter(|max| s.total > *max) {
        out.push(Breach {
            id: "max_total",
            limit: json!(max),
            value: json!(s.total),
            text: format!("{} sessions in all exceed --max-total {max}", s.total),
        });
    }
    if let Some(max) = args.max_expired.filter(|max| s.expired > *max) {
        out.push(Breach {
            id: "max_expired",
            limit: json!(max),
            value: json!(s.expired),
            text: format!("{} expired sessions exceed --max-expired {max}", s.expired),
        });
    }
    if let (Some(max), Some(bytes)) = (args.max_bytes, s.table_bytes) {
        if bytes > max {
            out.push(Breach {
                id: "max_bytes",
                limit: json!(max),
                value: json!(bytes),
                text: format!("{bytes} bytes on disk exceed --max-bytes {max}"),
            });
        }
    }
    if let Some(max) = args.max_data_bytes.filter(|max| s.data_bytes > *max) {
        out.push(Breach {
            id: "max_data_bytes",
            limit: json!(max),
            value: json!(s.data_bytes),
            text: format!(
                "{} bytes of session data exceed --max-data-bytes {max}",
                s.data_bytes
            ),
        });
    }
    if let Some(max) = args.max_expired_ratio {
        let ratio = if s.total == 0 {
            0.0
        } else {
            s.expired as f64 / s.total as f64
        };
        if ratio > max {
            out.push(Breach {
                id: "max_expired_ratio",
                limit: json!(max),
                value: json!(ratio),
                text: format!(
                    "{:.1} % of the sessions have expired, more than --max-expired-ratio {max}",
                    ratio * 100.0
                ),
            });
        }
    }
    if let (Some(age), Some(oldest)) = (args.max_oldest_expiry, s.oldest_expire_date) {
        let behind = (ctx.now - oldest).num_seconds();
        if behind > 0 && behind as u64 > age.as_secs() {
            out.push(Breach {
                id: "max_oldest_expiry",
                limit: json!(age.as_secs()),
                value: json!(behind),
                text: format!(
                    "the oldest session expired {} ago, longer than --max-oldest-expiry {}: is anything purging this store?",
                    crate::duration::show(std::time::Duration::from_secs(behind as u64)),
                    crate::duration::show(age)
                ),
            });
        }
    }
    out
}
