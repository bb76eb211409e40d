//! `stats`: counts, expiry range and sizes. With `--max-total` / `--max-expired` it is a
//! CI check: exit 5 when a threshold is exceeded, the figures still printed.

use anyhow::Result;

use super::Finished;
use crate::cli::StatsArgs;
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use serde_json::json;

use crate::output::{Breach, EstimateInfo, Report, StatsReport};
use crate::store::StoreStats;
use crate::store::{Access, EngineSpec};

pub fn run(ctx: &Context, args: &StatsArgs) -> Result<Finished> {
    let result = figures(ctx, args);
    let Some(path) = &args.metrics_file else {
        return result;
    };
    let text = match &result {
        Ok(Finished {
            report: Report::Stats(report),
            ..
        }) => crate::output::metrics::stats(report),
        _ => {
            let (store, target) = ctx
                .engine
                .as_ref()
                .map(crate::store::metrics_labels)
                .unwrap_or(("unknown", String::new()));
            crate::output::metrics::stats_failed((store, &target), std::time::SystemTime::now())
        }
    };
    if let Err(e) = crate::output::metrics::write_text(path, &text) {
        let message = format!("cannot write --metrics-file {}: {e}", path.display());
        return match result {
            // The figures are still shown; the run fails for the file.
            Ok(mut finished) => {
                finished.warnings.push(message);
                finished.exit = ExitCode::Error;
                Ok(finished)
            }
            Err(error) => Err(error.context(message)),
        };
    }
    result
}

/// The ids of the thresholds `args` gives.
fn thresholds(args: &StatsArgs) -> Vec<&'static str> {
    [
        ("max_total", args.max_total.is_some()),
        ("max_expired", args.max_expired.is_some()),
        ("max_bytes", args.max_bytes.is_some()),
        ("max_data_bytes", args.max_data_bytes.is_some()),
        ("max_expired_ratio", args.max_expired_ratio.is_some()),
        ("max_oldest_expiry", args.max_oldest_expiry.is_some()),
        ("max_growth_total", args.max_growth.is_some()),
        ("max_growth_bytes", args.max_growth.is_some()),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(id, _)| id)
    .collect()
}

fn figures(ctx: &Context, args: &StatsArgs) -> Result<Finished> {
    let mut store = ctx.open_store(Access::Read)?;
    let (stats, estimate) = if args.estimate {
        let e = store.estimate(ctx.now)?;
        if e.expired.is_none() && (args.max_expired.is_some() || args.max_expired_ratio.is_some()) {
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "{} gives no estimate of the expired sessions ({}): --max-expired and --max-expired-ratio need stats without --estimate",
                    store.describe(),
                    e.source
                ),
            ));
        }
        let info = EstimateInfo {
            source: e.source,
            analyzed_at: e.analyzed_at,
            expired_unknown: e.expired.is_none(),
            data_bytes_unknown: e.data_bytes.is_none(),
        };
        let total = e.total.unwrap_or(0);
        (
            StoreStats {
                total,
                // An estimate never says more expired than in all.
                expired: e.expired.unwrap_or(0).min(total),
                oldest_expire_date: e.oldest_expire_date,
                newest_expire_date: e.newest_expire_date,
                data_bytes: e.data_bytes.unwrap_or(0),
                table_bytes: e.table_bytes,
                table_bytes_estimate: e.table_bytes_estimate,
            },
            Some(info),
        )
    } else {
        (store.stats(ctx.now)?, None)
    };
    let wanted = crate::shape::Wanted {
        expiry: args.histogram.contains(&crate::cli::HistogramKind::Expiry),
        size: args.histogram.contains(&crate::cli::HistogramKind::Size),
        duplicates: args.duplicates,
        top_users: args.top == Some(crate::cli::TopKind::Users),
    };
    let shape = if wanted.any() {
        Some(crate::shape::measure(
            store.as_mut(),
            &ctx.codec,
            wanted,
            ctx.now,
            (stats.oldest_expire_date, stats.newest_expire_date),
        )?)
    } else {
        None
    };
    // The usernames of the top users, when the user table is there.
    // One judge serves both the top users' names and --users.
    let mut judge = if args.users {
        Some(ctx.require_judge("stats --users")?)
    } else if shape.as_ref().is_some_and(|s| s.top_users.is_some()) {
        ctx.open_judge()?
    } else {
        None
    };
    let top_names = match shape.as_ref().and_then(|s| s.top_users.as_ref()) {
        Some(top) => match judge.as_mut() {
            Some(judge) => {
                let kind = judge.kind();
                let keys: Vec<_> = top
                    .iter()
                    .filter_map(|(id, _)| {
                        crate::auth::pk::parse(&serde_json::Value::String(id.clone()), kind)
                    })
                    .collect();
                let rows = judge.users().lookup(&keys.iter().collect::<Vec<_>>())?;
                rows.into_values()
                    .filter_map(|r| Some((r.pk.django_text(), r.username?)))
                    .collect()
            }
            None => std::collections::HashMap::new(),
        },
        None => std::collections::HashMap::new(),
    };
    let auth = match judge.as_mut().filter(|_| args.users) {
        Some(judge) => Some(crate::auth::census::census(
            store.as_mut(),
            judge,
            &ctx.codec,
            ctx.now,
        )?),
        None => None,
    };
    let mut exceeded = breaches(ctx, args, &stats);
    if let (Some(path), Some(pct)) = (&args.baseline, args.max_growth) {
        exceeded.extend(growth(&read_baseline(path)?, &stats, pct));
    }
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
        report: Report::Stats(Box::new(StatsReport {
            stats,
            cache,
            estimate,
            shape,
            top_names,
            auth,
            store: store.describe(),
            session_files: matches!(ctx.engine, Some(EngineSpec::File(_))),
            exceeded,
            thresholds: thresholds(args),
            now: ctx.now,
            labels: ctx
                .engine
                .as_ref()
                .map(crate::store::metrics_labels)
                .unwrap_or(("unknown", String::new())),
            engine: match ctx.engine {
                Some(EngineSpec::Db(_)) | None => "db",
                Some(EngineSpec::File(_)) => "file",
                Some(EngineSpec::Cache(_)) => "cache",
                Some(EngineSpec::CachedDb { .. }) => "cached_db",
            },
        })),
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

/// What `--baseline` holds of a previous `stats --format json`.
struct Baseline {
    total: u64,
    table_bytes: Option<u64>,
    data_bytes: u64,
    shown: String,
}

/// The most a baseline file may hold: a stats report is one line.
const MAX_BASELINE: u64 = 1 << 20;

fn read_baseline(path: &std::path::Path) -> Result<Baseline> {
    let shown = path.display().to_string();
    let bad = |why: String| coded(ExitCode::Usage, format!("--baseline {shown}: {why}"));
    let text = crate::textfile::read(path, MAX_BASELINE).map_err(|p| {
        bad(match p {
            crate::textfile::Problem::Io(e) => e.to_string(),
            crate::textfile::Problem::NotRegular => "not a regular file".to_owned(),
            crate::textfile::Problem::TooLarge(_) => "larger than a stats report".to_owned(),
            crate::textfile::Problem::NotUtf8 => "not UTF-8 text".to_owned(),
        })
    })?;
    let value: serde_json::Value = serde_json::from_str(text.text.trim()).map_err(|e| {
        bad(format!(
            "not the JSON of `sessctl stats --format json` ({e})"
        ))
    })?;
    let number = |name: &str| value.get(name).and_then(serde_json::Value::as_u64);
    let (Some(total), Some(data_bytes)) = (number("total"), number("data_bytes")) else {
        return Err(bad(
            "no total and data_bytes: not the JSON of `sessctl stats --format json`".to_owned(),
        ));
    };
    Ok(Baseline {
        total,
        table_bytes: number("table_bytes"),
        data_bytes,
        shown,
    })
}

/// Growth in percent from `before` to `now` (from nothing, any growth is infinite).
fn percent(before: u64, now: u64) -> f64 {
    if before == 0 {
        return if now == 0 { 0.0 } else { f64::INFINITY };
    }
    (now as f64 - before as f64) * 100.0 / before as f64
}

/// The `--max-growth` breaches: sessions, and bytes on disk (or of data).
fn growth(base: &Baseline, s: &StoreStats, max: f64) -> Vec<Breach> {
    let (bytes_before, bytes_now, what) = match (base.table_bytes, s.table_bytes) {
        (Some(before), Some(now)) => (before, now, "bytes on disk"),
        _ => (base.data_bytes, s.data_bytes, "bytes of session data"),
    };
    let checks = [
        ("max_growth_total", base.total, s.total, "sessions"),
        ("max_growth_bytes", bytes_before, bytes_now, what),
    ];
    let mut out = Vec::new();
    for (id, before, now, what) in checks {
        let grew = percent(before, now);
        if grew > max {
            let shown = if grew.is_finite() {
                format!("{grew:.1} %")
            } else {
                "from none".to_owned()
            };
            out.push(Breach {
                id,
                limit: json!(max),
                // JSON has no infinity: growth from nothing is null.
                value: if grew.is_finite() { json!(grew) } else { serde_json::Value::Null },
                text: format!(
                    "{what} grew {shown} ({before} to {now}) since the baseline {}, more than --max-growth {max} %",
                    base.shown
                ),
            });
        }
    }
    out
}
