//! JSON output. The shapes below are the public schema (README "JSON output"); fields
//! are only ever added, never renamed or removed.
//!
//! - `list`: one object per line:
//!   `{"session_key", "expire_date", "expired", "size", "user_id"}`
//! - `inspect` / `decode`: one object: `{"session_key", "expire_date", "expired", "format",
//!   "signature", "algorithm", "signed_at", "fallback_index", "user_id", "user_backend",
//!   "session_expiry", "size", "data", "error", "note"}`
//! - `clear-expired` / `purge` / `flush` / `expire`: one object: `{"command", "matched", "matched_complete",
//!   "deleted" | "updated", "batches", "dry_run", "complete", "stopped", "not_found",
//!   "elapsed_seconds", "first_batch_seconds", "last_batch_seconds", "largest_batch",
//!   "retries", "waited_seconds", "halvings", "replication", "vacuum"}`; `replication` is
//!   null unless the run watched replicas: `{"replicates_to", "lag_waited_seconds",
//!   "flow_control_waited_seconds", "stopped_pauses"}`; `vacuum` is null unless `--vacuum` ran:
//!   `{"statement", "seconds", "measured", "bytes_before", "bytes_after",
//!   "bytes_estimate", "effect", "note"}`
//! - `stats`: one object: `{"total", "expired", "active", "oldest_expire_date",
//!   "newest_expire_date", "data_bytes", "table_bytes", "table_bytes_estimate",
//!   "files_bytes", "exceeded", "now", "store", "engine"}` (`table_bytes_estimate`: the server's estimate, not a
//!   measure: InnoDB's statistics when the tablespace file cannot be read)
//!   (for a file directory `table_bytes` repeats `files_bytes`, as it always held that
//!   figure there; for a database `files_bytes` is null)
//!
//! Times are RFC 3339 in UTC; absent values are `null`.

use crate::auth::users::Active;
use crate::auth::AuthState;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{ListRow, Report, SessionReport};
use crate::codec::{SessionExpiry, Signature};
use crate::purge::Stop;
use crate::zone::rfc3339;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let value = match report {
        Report::None => return Ok(()),
        Report::Many(reports) => {
            for report in reports {
                render(report, out)?;
            }
            return Ok(());
        }
        Report::Message(text) => json!({ "message": text }),
        Report::Change(change) => {
            let o = &change.outcome;
            let mut object = Map::new();
            object.insert("command".into(), json!(change.command));
            object.insert("matched".into(), json!(o.matched));
            object.insert("matched_complete".into(), json!(o.matched_complete));
            object.insert(change.verb.into(), json!(o.changed));
            object.insert("batches".into(), json!(o.batches));
            object.insert("dry_run".into(), json!(o.dry_run));
            object.insert("complete".into(), json!(o.complete()));
            object.insert(
                "stopped".into(),
                json!(o.stopped.map(|s| match s {
                    Stop::Interrupted => "interrupted",
                    Stop::MaxRuntime => "max_runtime",
                    Stop::StopFile => "stop_file",
                    Stop::Failed => "error",
                })),
            );
            object.insert("not_found".into(), json!(change.not_found));
            object.insert("cache_deleted".into(), json!(change.cache_deleted));
            object.insert("elapsed_seconds".into(), json!(o.elapsed.as_secs_f64()));
            object.insert(
                "first_batch_seconds".into(),
                json!(o.first_batch.map(|d| d.as_secs_f64())),
            );
            object.insert(
                "last_batch_seconds".into(),
                json!(o.last_batch.map(|d| d.as_secs_f64())),
            );
            object.insert("largest_batch".into(), json!(o.largest_batch));
            object.insert("retries".into(), json!(o.retries));
            object.insert("waited_seconds".into(), json!(o.waited.as_secs_f64()));
            object.insert("halvings".into(), json!(o.halvings));
            let r = &o.replication;
            object.insert(
                "replication".into(),
                r.replicates_to.as_ref().map_or(Value::Null, |to| {
                    json!({
                        "replicates_to": to,
                        "lag_waited_seconds": r.lag_waited.as_secs_f64(),
                        "flow_control_waited_seconds": r.flow_waited.as_secs_f64(),
                        "stopped_pauses": r.stopped_pauses,
                    })
                }),
            );
            object.insert(
                "vacuum".into(),
                change.vacuum.as_ref().map_or(Value::Null, |v| {
                    json!({
                        "statement": v.statement,
                        "seconds": v.elapsed.as_secs_f64(),
                        "measured": v.measured,
                        "bytes_before": v.bytes_before,
                        "bytes_after": v.bytes_after,
                        "bytes_estimate": v.estimate,
                        "effect": v.effect,
                        "note": v.note,
                    })
                }),
            );
            Value::Object(object)
        }
        Report::Session(session) => session_json(session),
        Report::Stats(report) => {
            let s = &report.stats;
            json!({
                "total": s.total,
                "expired": s.expired,
                "active": s.total - s.expired,
                "oldest_expire_date": s.oldest_expire_date.map(rfc3339),
                "newest_expire_date": s.newest_expire_date.map(rfc3339),
                "data_bytes": s.data_bytes,
                "table_bytes": s.table_bytes,
                "table_bytes_estimate": s.table_bytes_estimate,
                "files_bytes": if report.session_files { s.table_bytes } else { None },
                "exceeded": report.exceeded.iter().map(|b| json!({
                    "id": b.id,
                    "limit": b.limit,
                    "value": b.value,
                })).collect::<Vec<_>>(),
                "now": rfc3339(report.now),
                "store": report.store,
                "engine": report.engine,
                "cache": report.cache.as_ref().map(|c| json!({
                    "with_user": c.with_user,
                    "anonymous": c.anonymous,
                    "undecodable": c.undecodable,
                    "no_expiry": c.no_expiry,
                    "ttl_min_seconds": c.ttl_min,
                    "ttl_max_seconds": c.ttl_max,
                    "max_entries": c.max_entries,
                })),
                "estimate": report.estimate.as_ref().map(|e| json!({
                    "source": e.source,
                    "statistics_gathered": e.analyzed_at.map(rfc3339),
                    "expired_known": !e.expired_unknown,
                    "data_bytes_known": !e.data_bytes_unknown,
                })),
                "expiry_histogram": report.shape.as_ref().and_then(|s| s.expiry.as_ref()).map(|h| json!({
                    "width": h.width_name,
                    "width_seconds": h.width_seconds,
                    "no_expiry": h.no_expiry,
                    "buckets": h.buckets.iter().map(|b| json!({
                        "start": rfc3339(b.start),
                        "sessions": b.sessions,
                        "expired": b.expired,
                    })).collect::<Vec<_>>(),
                })),
                "size_histogram": report.shape.as_ref().and_then(|s| s.size.as_ref()).map(|h| json!({
                    "buckets": h.buckets.iter().map(|(upto, n)| json!({"up_to_bytes": upto, "sessions": n})).collect::<Vec<_>>(),
                    "p50_bytes": h.p50,
                    "p90_bytes": h.p90,
                    "p99_bytes": h.p99,
                    "max_bytes": h.max,
                    "largest": h.largest.iter().map(|(k, b)| json!({"session_key": k, "bytes": b})).collect::<Vec<_>>(),
                })),
                "duplicates": report.shape.as_ref().and_then(|s| s.duplicates.as_ref()).map(|d| d.iter().map(|d| json!({
                    "sessions": d.sessions,
                    "bytes": d.bytes,
                    "example_key": d.example_key,
                })).collect::<Vec<_>>()),
                "top_users": report.shape.as_ref().and_then(|s| s.top_users.as_ref()).map(|t| t.iter().map(|(id, n)| json!({
                    "id": id,
                    "username": report.top_names.get(id),
                    "sessions": n,
                })).collect::<Vec<_>>()),
                "users": report.auth.as_ref().map(|a| json!({
                    "logged_in": a.logged_in(),
                    "with_user": a.with_user,
                    "anonymous": a.count(AuthState::Anonymous),
                    "stale": a.count(AuthState::Stale) + a.count(AuthState::MissingHash),
                    "user_deleted": a.count(AuthState::UserDeleted),
                    "states": a.states.iter().map(|(s, n)| (s.as_str().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
                    "top_users": a.top_users.iter().map(|u| json!({
                        "id": u.id,
                        "username": u.username,
                        "sessions": u.sessions,
                    })).collect::<Vec<_>>(),
                })),
            })
        }
    };
    serde_json::to_writer(&mut *out, &value)?;
    writeln!(out)
}

pub fn session_json(report: &SessionReport) -> Value {
    let d = &report.decoded;
    let mut object = match json!({
        "session_key": report.session_key,
        "expire_date": report.expire_date.map(rfc3339),
        "expired": report.expired,
        "format": d.format.as_str(),
        "signature": d.signature.as_str(),
        "algorithm": d.algorithm.map(|a| a.as_str()),
        "signed_at": d.timestamp.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(rfc3339),
        "fallback_index": match d.signature { Signature::ValidFallback(i) => Some(i), _ => None },
        "user_id": d.user_id(),
        "user_backend": d.user_backend(),
    }) {
        Value::Object(object) => object,
        _ => unreachable!("json! of an object literal is an object"),
    };
    // Session data goes in as values, never through `json!` (which re-serializes and
    // would choke on the NaN/Infinity that Python's json accepts).
    let session_expiry = d.session_expiry().map(|e| match e {
        SessionExpiry::Seconds(n) => json!(n),
        SessionExpiry::At(text) => json!(text),
        SessionExpiry::Other(v) => json_safe(&v),
    });
    object.insert(
        "session_expiry".into(),
        session_expiry.unwrap_or(Value::Null),
    );
    object.insert("size".into(), json!(report.size));
    let data = d
        .data
        .as_ref()
        .map(|m| json_safe(&Value::Object(m.clone())));
    object.insert("data".into(), data.unwrap_or(Value::Null));
    object.insert("error".into(), json!(d.error));
    object.insert("note".into(), json!(d.note));
    // Always present, null when the user table was not read, so the schema is one.
    object.insert(
        "auth".into(),
        json!(report.auth.as_ref().map(|v| v.state.as_str())),
    );
    object.insert(
        "owner".into(),
        report
            .auth
            .as_ref()
            .and_then(|v| v.owner.as_ref())
            .map_or(Value::Null, |o| {
                json!({
                    "id": o.pk.django_text(),
                    "username": o.username,
                    "email": o.email,
                    "is_active": match o.active {
                        Active::Yes | Active::NoColumn => Some(true),
                        Active::No => Some(false),
                        Active::Null => None,
                    },
                    "last_login": o.last_login.map(rfc3339),
                })
            }),
    );
    object.insert(
        "cache".into(),
        report.cache.as_ref().map_or(Value::Null, |c| {
            json!({
                "key": c.key,
                "present": c.present,
                "ttl_seconds": c.ttl_seconds,
                "same_as_row": c.same_as_row,
                "format": c.format,
                "size": c.size,
            })
        }),
    );
    Value::Object(object)
}

/// `value` with the numbers JSON cannot express (`NaN`, `Infinity`, `-Infinity`, which
/// Python's json reads and writes) turned into strings, so the output stays valid JSON;
/// the codec's note says the session held them.
pub fn json_safe(value: &Value) -> Value {
    match value {
        Value::Number(n) if matches!(n.to_string().as_str(), "NaN" | "Infinity" | "-Infinity") => {
            Value::String(n.to_string())
        }
        Value::Array(items) => Value::Array(items.iter().map(json_safe).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), json_safe(v))).collect())
        }
        other => other.clone(),
    }
}

pub fn list_row(row: &ListRow, out: &mut dyn Write) -> io::Result<()> {
    let value = json!({
        "session_key": row.session_key,
        "expire_date": row.expire_date.map(rfc3339),
        "expired": row.expired,
        "size": row.size,
        "user_id": row.user_id,
        "username": row.auth.as_ref().and_then(|a| a.username.as_deref()),
        "auth": row.auth.as_ref().map(|a| a.state.as_str()),
    });
    serde_json::to_writer(&mut *out, &value)?;
    writeln!(out)
}
