//! The current (Django 3.1+) layout of `signing.dumps(obj, salt, compress=True)`:
//! `PAYLOAD ":" TS ":" SIG`, PAYLOAD being `b64u(serialized)` or `"." b64u(zlib(...))`.
//!
//! Invariants:
//! * Decoding runs in Django's order once the signature is accepted: split TS off with
//!   `rsplit(':', 1)`, `b62_decode` it (an invalid TS fails the load even though the
//!   db/file backends never check its value), strip the `.`, base64-decode with Python's
//!   leniency, inflate (bounded), then deserialize.
//! * A failure names the step that failed; `data` stays None (never `{}`), the caller
//!   reports what Django would do.
//! * Encoding is byte-identical to Django for uncompressed payloads; compressed payloads
//!   use the same rule (`len(z) < len(json) - 1`) but this crate's deflate, whose bytes
//!   may differ from CPython's zlib (the signature covers whatever bytes are there).

use super::json;
use super::payload::{self, Serializer};
use super::signing::{b62_decode, b62_encode, b64_encode, django_b64_decode, SignerKeys, B62};
use super::{CodecError, Decoded, Format};

const EMPTY: &str = "so Django reads the session as empty";

/// A test on the raw bytes of a JSON payload: `false` means the caller does not want the
/// session, so parsing it can be skipped (see [`super::Codec::decode_unless`]).
pub(crate) type Prefilter<'a> = Option<&'a dyn Fn(&[u8]) -> bool>;

/// Decode the signed part `value` (= `PAYLOAD ":" TS`) into `d`. Returns `false` when
/// `prefilter` turned a JSON payload down before it was parsed (`d` is then incomplete).
/// With `only`, `d.data` may hold just that key (see [`super::Codec::decode_only`]).
pub(crate) fn decode_value(
    value: &str,
    d: &mut Decoded,
    notes: &mut Vec<String>,
    prefilter: Prefilter<'_>,
    only: Option<&[&str]>,
) -> bool {
    let Some((payload_str, ts)) = value.rsplit_once(':') else {
        d.error = Some(format!("the signed value has no timestamp field, {EMPTY}"));
        return true;
    };
    match b62_decode(ts) {
        Ok(B62::Value(t)) => d.timestamp = Some(t),
        Ok(B62::OutOfRange) => {
            notes.push("the timestamp does not fit in 64 bits (Django accepts it)".to_owned())
        }
        Err(e) => {
            d.error = Some(format!("{e}, {EMPTY}"));
            return true;
        }
    }
    let (compressed, body) = match payload_str.strip_prefix('.') {
        Some(b) => (true, b),
        None => (false, payload_str),
    };
    let bytes = match django_b64_decode(body.as_bytes()) {
        Ok(b) => b,
        Err(e) => {
            d.error = Some(format!("payload is not valid base64 ({e}), {EMPTY}"));
            return true;
        }
    };
    let bytes = if compressed {
        match payload::inflate(&bytes) {
            Ok(b) => b,
            Err(e) => {
                d.error = Some(format!("{e}, {EMPTY}"));
                return true;
            }
        }
    } else {
        bytes
    };
    if let Some(wanted) = prefilter {
        if payload::detect(&bytes) == Serializer::Json && !wanted(&bytes) {
            return false;
        }
    }
    let (ser, result) = payload::deserialize(&bytes, only);
    d.format = Format::of(ser, compressed, false);
    fill(d, notes, ser, result);
    true
}

/// Store a deserialization result (shared with the legacy format).
pub(crate) fn fill(
    d: &mut Decoded,
    notes: &mut Vec<String>,
    ser: Serializer,
    result: Result<json::Loaded, String>,
) {
    if ser == Serializer::Pickle {
        notes.push(
            "pickle payload: only Django ≤ 4.2 with SESSION_SERIALIZER = PickleSerializer reads it \
             (decoded here without running any code)"
                .to_owned(),
        );
    }
    match result {
        Ok((map, extra)) => {
            d.data = Some(map);
            notes.extend(extra);
        }
        Err(e) if ser == Serializer::Json => d.error = Some(format!("{e}, {EMPTY}")),
        Err(e) => d.error = Some(e),
    }
}

/// Best guess at the format of a value whose signature did not verify: looks only at
/// the first bytes of the payload, decodes nothing beyond that.
pub(crate) fn guess_format(value: &str) -> Format {
    let payload_str = value.rsplit_once(':').map_or(value, |(p, _)| p);
    let (compressed, body) = match payload_str.strip_prefix('.') {
        Some(b) => (true, b),
        None => (false, payload_str),
    };
    let first = if compressed {
        django_b64_decode(body.as_bytes())
            .ok()
            .and_then(|z| payload::peek(&z, 1))
            .and_then(|b| b.first().copied())
    } else {
        let head = &body.as_bytes()[..body.len().min(4)];
        django_b64_decode(head)
            .ok()
            .and_then(|b| b.first().copied())
    };
    match first {
        Some(0x80) => Format::of(Serializer::Pickle, compressed, false),
        Some(b'{' | b' ' | b'\t' | b'\n' | b'\r') => {
            Format::of(Serializer::Json, compressed, false)
        }
        _ => Format::Unknown,
    }
}

/// `SessionStore.encode(data)`: JSON, compressed when that saves 2+ bytes, signed with
/// SECRET_KEY (SHA-256) at `timestamp`.
pub(crate) fn encode(
    keys: &SignerKeys,
    data: &serde_json::Map<String, serde_json::Value>,
    timestamp: i64,
) -> Result<String, CodecError> {
    let json = json::dumps(data);
    let z = payload::compress(json.as_bytes());
    // Django: `if len(compressed) < (len(data) - 1)`.
    let mut value = if z.len() + 1 < json.len() {
        format!(".{}", b64_encode(&z))
    } else {
        b64_encode(json.as_bytes())
    };
    value.push(':');
    value.push_str(&b62_encode(timestamp));
    sign(keys, value)
}

/// `value ":" SIG` with SECRET_KEY and SHA-256.
pub(crate) fn sign(keys: &SignerKeys, mut value: String) -> Result<String, CodecError> {
    let sig = keys
        .sign_sha256(value.as_bytes())
        .ok_or_else(|| CodecError("no SECRET_KEY given: cannot sign".to_owned()))?;
    value.push(':');
    value.push_str(&sig);
    Ok(value)
}
