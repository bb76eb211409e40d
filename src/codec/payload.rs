//! The bytes inside a signed value: bounded zlib inflation and serializer detection.
//!
//! Invariants:
//! * Inflation never produces more than [`MAX_DECOMPRESSED`] bytes: the output buffer
//!   is grown in steps and capped at the limit + 1, so a zip bomb costs at most that
//!   much memory and the time to inflate it, then is refused.
//! * Like CPython's `zlib.decompress`, the stream must be complete (a truncated stream
//!   is an error) and anything after its end is ignored; the Adler-32 trailer is
//!   checked.
//! * Serializer detection: a payload starting with `0x80` (pickle `PROTO`, protocol
//!   ≥ 2) is pickle, anything else is JSON. Django itself is configured with one
//!   serializer and reads the other as an empty session; the pickle note says so.
//! * The inflater state (~43 KiB) is reused per thread (a `thread_local`), because
//!   allocating and zeroing a fresh one costs more than inflating a typical session.

use super::json::Loaded;
use super::{json, pickle};
use flate2::{Decompress, FlushDecompress, Status};

/// Hard cap on the size of an inflated payload (64 MiB).
pub const MAX_DECOMPRESSED: usize = 64 << 20;

/// Which serializer wrote a payload, judged from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Serializer {
    Json,
    Pickle,
}

pub(crate) fn detect(bytes: &[u8]) -> Serializer {
    if bytes.first() == Some(&0x80) {
        Serializer::Pickle
    } else {
        Serializer::Json
    }
}

/// Whether `bytes` start with a zlib stream header (CMF 0x78, and the header check of
/// RFC 1950: `(CMF * 256 + FLG) % 31 == 0`). Neither a pickle (`0x80`) nor JSON starts so.
pub(crate) fn looks_zlib(bytes: &[u8]) -> bool {
    matches!(bytes, [0x78, flg, ..] if (0x7800u16 | u16::from(*flg)).is_multiple_of(31))
}

/// Deserialize with the detected serializer. Ok carries the session dict and notes;
/// with `only`, a JSON dict may hold just that key (see [`json::loads_only`]).
pub(crate) fn deserialize(
    bytes: &[u8],
    only: Option<&[&str]>,
) -> (Serializer, Result<Loaded, String>) {
    match (detect(bytes), only) {
        (Serializer::Json, None) => (Serializer::Json, json::loads(bytes)),
        (Serializer::Json, Some(keys)) => (Serializer::Json, json::loads_only(bytes, keys)),
        (Serializer::Pickle, _) => (Serializer::Pickle, pickle::loads(bytes)),
    }
}

/// `zlib.decompress(data)` with a hard output cap.
pub(crate) fn inflate(data: &[u8]) -> Result<Vec<u8>, String> {
    inflate_limited(data, MAX_DECOMPRESSED).map_err(|e| match e {
        InflateError::TooLarge => format!(
            "compressed payload expands beyond {} MiB; refusing (zip bomb?)",
            MAX_DECOMPRESSED >> 20
        ),
        InflateError::Bad(m) => m,
    })
}

pub(crate) enum InflateError {
    TooLarge,
    Bad(String),
}

/// Inflate a complete zlib stream of at most `limit` bytes; more is
/// [`InflateError::TooLarge`].
pub(crate) fn inflate_limited(data: &[u8], limit: usize) -> Result<Vec<u8>, InflateError> {
    // Fast path: one call with FlushDecompress::Finish into a buffer that session
    // payloads fit (they compress < 16x). miniz_oxide then inflates straight into it,
    // without its 32 KiB window copy. Anything else (larger output, truncation) is left
    // to the streaming loop below, which reports it precisely.
    thread_local! {
        static INFLATER: std::cell::RefCell<Decompress> = std::cell::RefCell::new(Decompress::new(true));
    }
    let guess = data.len().saturating_mul(16).max(4096).min(limit);
    let mut out: Vec<u8> = Vec::with_capacity(guess);
    let fast = INFLATER.with(|cell| {
        let Ok(mut z) = cell.try_borrow_mut() else {
            return false;
        };
        z.reset(true);
        matches!(
            z.decompress_vec(data, &mut out, FlushDecompress::Finish),
            Ok(Status::StreamEnd)
        )
    });
    if fast && out.len() <= limit {
        return Ok(out);
    }
    out.clear();
    let mut z = Decompress::new(true);
    loop {
        // Grow geometrically, never beyond limit + 1 (the extra byte is how "too large"
        // is detected).
        if out.len() == out.capacity() {
            if out.len() > limit {
                return Err(InflateError::TooLarge);
            }
            let grow = out.capacity().max(64).min(limit + 1 - out.len());
            out.reserve_exact(grow);
        }
        let consumed = usize::try_from(z.total_in())
            .unwrap_or(usize::MAX)
            .min(data.len());
        let (before_in, before_out) = (z.total_in(), out.len());
        let status = z
            .decompress_vec(&data[consumed..], &mut out, FlushDecompress::None)
            .map_err(|e| {
                InflateError::Bad(format!("compressed payload is not valid zlib data ({e})"))
            })?;
        if out.len() > limit {
            return Err(InflateError::TooLarge);
        }
        if status == Status::StreamEnd {
            return Ok(out);
        }
        // Output space left but nothing more came out: the input ran dry mid-stream.
        let stalled = z.total_in() == before_in && out.len() == before_out;
        let input_done = usize::try_from(z.total_in()).is_ok_and(|n| n >= data.len());
        if (input_done || stalled) && out.len() < out.capacity() {
            return Err(InflateError::Bad(
                "compressed payload is an incomplete or truncated zlib stream".to_owned(),
            ));
        }
    }
}

/// The first (up to) `n` inflated bytes, or None if the stream is broken before that.
/// Used only to name the format of a value whose signature failed.
pub(crate) fn peek(data: &[u8], n: usize) -> Option<Vec<u8>> {
    let mut z = Decompress::new(true);
    let mut out = Vec::with_capacity(n);
    for _ in 0..8 {
        let consumed = usize::try_from(z.total_in()).ok()?.min(data.len());
        let status = z
            .decompress_vec(&data[consumed..], &mut out, FlushDecompress::None)
            .ok()?;
        if out.len() >= n || status == Status::StreamEnd {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `zlib.compress(data)` at level 6 (Django's default). The bytes may differ from
/// CPython's zlib; only the length decides whether Django would compress.
pub(crate) fn compress(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 2 + 16),
        flate2::Compression::new(6),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflate_round_trip_and_errors() {
        let z = compress(b"hello hello hello hello");
        assert_eq!(inflate(&z).unwrap(), b"hello hello hello hello");
        let mut trailing = z.clone();
        trailing.extend_from_slice(b"junk");
        assert_eq!(inflate(&trailing).unwrap(), b"hello hello hello hello");
        for cut in 0..z.len() {
            assert!(inflate(&z[..cut]).is_err(), "cut {cut}");
        }
        let mut bad_sum = z.clone();
        let n = bad_sum.len();
        bad_sum[n - 1] ^= 1;
        assert!(inflate(&bad_sum).is_err());
        assert!(inflate(b"not zlib").is_err());
    }

    #[test]
    fn peek_first_bytes() {
        let z = compress(&[b'{'; 10_000]);
        assert_eq!(peek(&z, 1).unwrap(), b"{");
        assert!(matches!(
            inflate_limited(&z, 9_999),
            Err(InflateError::TooLarge)
        ));
        assert!(matches!(inflate_limited(&z, 10_000), Ok(v) if v.len() == 10_000));
        assert!(peek(b"xx", 1).is_none());
    }
}
