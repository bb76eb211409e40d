//! `decode [VALUE]`: decode a raw `session_data` string, or with `--cookie` a
//! signed_cookies cookie value, without any store. Input that cannot be decoded at all
//! exits 2 with the reason; a value whose signature fails is reported (exit 0).
//!
//! On stdin every non-empty line is one value (`psql -Atc "select session_data …" |
//! sessctl decode`): one report each, and lines that cannot be decoded are named on
//! stderr with exit 2 once the rest are shown. A value that is really a session key or
//! a cookie of the other kind gets a hint saying which command or flag reads it.

use std::io::Read;

use anyhow::Result;
use chrono::{DateTime, Duration};

use super::Finished;
use crate::cli::DecodeArgs;
use crate::codec::{Decoded, Signature};
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::output::{Report, SessionReport};

/// Larger input is refused before decoding (Django's own rows are far smaller).
const MAX_INPUT: u64 = 128 << 20;

pub fn run(ctx: &Context, args: &DecodeArgs) -> Result<Finished> {
    let text = match args.value.as_deref() {
        None | Some("-") => read_stdin()?,
        Some(value) => value.to_owned(),
    };
    let values: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    match values.as_slice() {
        [] => Err(coded(
            ExitCode::Usage,
            "nothing to decode: give a session_data value or pipe one on stdin",
        )),
        // One value: exactly as before, an undecodable one is the command's error.
        [raw] => {
            let (report, hint) = decode_one(ctx, args, raw)
                .map_err(|why| coded(ExitCode::Usage, format!("cannot decode: {why}")))?;
            let mut finished = Finished::ok(Report::Session(Box::new(report)));
            finished.warnings.extend(hint);
            Ok(finished)
        }
        many => {
            let mut reports = Vec::new();
            let mut warnings = Vec::new();
            let mut failed = 0;
            for (i, raw) in many.iter().enumerate() {
                match decode_one(ctx, args, raw) {
                    Ok((report, hint)) => {
                        reports.push(Report::Session(Box::new(report)));
                        warnings.extend(hint.map(|h| format!("value {}: {h}", i + 1)));
                    }
                    Err(why) => {
                        failed += 1;
                        warnings.push(format!("value {}: cannot decode: {why}", i + 1));
                    }
                }
            }
            let mut finished = Finished::ok(Report::Many(reports));
            if failed > 0 {
                finished.exit = ExitCode::Usage;
                warnings.push(format!(
                    "{failed} of {} values could not be decoded",
                    many.len()
                ));
            }
            finished.warnings = warnings;
            Ok(finished)
        }
    }
}

/// Decodes one value: its report and a hint, or why it cannot be decoded at all.
fn decode_one(
    ctx: &Context,
    args: &DecodeArgs,
    raw: &str,
) -> Result<(SessionReport, Option<String>), String> {
    let decoded = if args.cookie {
        ctx.codec.decode_cookie(raw)
    } else {
        ctx.codec.decode(raw)
    };
    let hint = hint(ctx, args, raw, &decoded);
    if decoded.data.is_none() && decoded.signature != Signature::Invalid {
        let reason = decoded
            .error
            .clone()
            .unwrap_or_else(|| "not a Django session value".to_owned());
        return Err(match hint {
            Some(hint) => format!("{reason}; {hint}"),
            None => reason,
        });
    }
    // A cookie carries its own age rule: expired once now - signed_at > SESSION_COOKIE_AGE.
    let (expire_date, expired) = match (args.cookie, decoded.timestamp) {
        (true, Some(ts)) => {
            let signed = DateTime::from_timestamp(ts, 0);
            let expire = signed.map(|s| s + Duration::seconds(ctx.cookie_age));
            (expire, Some(ctx.now.timestamp() - ts > ctx.cookie_age))
        }
        _ => (None, None),
    };
    let report = SessionReport {
        session_key: None,
        expire_date,
        expired,
        size: raw.len(),
        decoded,
        cache: None,
        auth: None,
    };
    Ok((report, hint))
}

/// What the value more likely is, when it did not decode or verify as asked.
fn hint(ctx: &Context, args: &DecodeArgs, raw: &str, decoded: &Decoded) -> Option<String> {
    let verified =
        |d: &Decoded| matches!(d.signature, Signature::Valid | Signature::ValidFallback(_));
    if verified(decoded) {
        return None;
    }
    if looks_like_session_key(raw) {
        return Some(format!(
            "`{raw}` looks like a session key, not session_data: `sessctl inspect {raw}` reads it from the store"
        ));
    }
    if !ctx.codec.has_keys() {
        return None;
    }
    if !args.cookie && verified(&ctx.codec.decode_cookie(raw)) {
        return Some(
            "it verifies as a signed_cookies cookie (another salt): add --cookie".to_owned(),
        );
    }
    if args.cookie && verified(&ctx.codec.decode(raw)) {
        return Some("it verifies as session_data, not as a cookie: drop --cookie".to_owned());
    }
    None
}

/// Django's session keys: 32 characters of `[a-z0-9]` (8 to 40 for hand-made ones).
fn looks_like_session_key(raw: &str) -> bool {
    (8..=40).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn read_stdin() -> Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(coded(
            ExitCode::Usage,
            "input is larger than 128 MiB; that is no Django session value",
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        coded(
            ExitCode::Usage,
            "input is not text; session values are ASCII",
        )
    })
}
