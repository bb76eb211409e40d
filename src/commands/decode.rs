//! `decode [VALUE]`: decode a raw `session_data` string, or with `--cookie` a
//! signed_cookies cookie value, without any store. Input that cannot be decoded at all
//! exits 2 with the reason; a value whose signature fails is reported (exit 0).

use std::io::Read;

use anyhow::Result;
use chrono::{DateTime, Duration};

use super::Finished;
use crate::cli::DecodeArgs;
use crate::codec::Signature;
use crate::context::Context;
use crate::exit::{coded, ExitCode};
use crate::output::{Report, SessionReport};

/// Larger input is refused before decoding (Django's own rows are far smaller).
const MAX_INPUT: u64 = 128 << 20;

pub fn run(ctx: &Context, args: &DecodeArgs) -> Result<Finished> {
    let raw = match args.value.as_deref() {
        None | Some("-") => read_stdin()?,
        Some(value) => value.to_owned(),
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(coded(
            ExitCode::Usage,
            "nothing to decode: give a session_data value or pipe one on stdin",
        ));
    }
    let decoded = if args.cookie {
        ctx.codec.decode_cookie(raw)
    } else {
        ctx.codec.decode(raw)
    };
    if decoded.data.is_none() && decoded.signature != Signature::Invalid {
        let reason = decoded
            .error
            .clone()
            .unwrap_or_else(|| "not a Django session value".to_owned());
        return Err(coded(ExitCode::Usage, format!("cannot decode: {reason}")));
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
    Ok(Finished::ok(Report::Session(Box::new(SessionReport {
        session_key: None,
        expire_date,
        expired,
        size: raw.len(),
        decoded,
        cache: None,
    }))))
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
