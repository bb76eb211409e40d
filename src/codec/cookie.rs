//! The signed_cookies backend (SPEC §3): the cookie value is the §2.1 layout signed with
//! the salt `django.contrib.sessions.backends.signed_cookies`, keyed by plain
//! SECRET_KEY (then the fallbacks), never in the legacy format.
//!
//! Invariants:
//! * Decoding is [`Codec::decode`]'s current-layout path with the cookie keys; the
//!   legacy format is not tried (Django never wrote cookies that way).
//! * Expiry is not judged here ([`Codec::decode_cookie`] is pure); [`cookie_expired`]
//!   applies Django's `max_age` rule to the decoded timestamp.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{current, Codec, CodecError, Decoded};

impl Codec {
    /// Decode a signed_cookies session cookie value.
    pub fn decode_cookie(&self, raw: &str) -> Decoded {
        self.decode_with(raw, &self.cookie, false, None, None)
            .expect("without a prefilter every value is decoded")
    }

    /// What the signed_cookies backend stores for `data` signed at `timestamp`.
    pub fn encode_cookie(
        &self,
        data: &Map<String, Value>,
        timestamp: i64,
    ) -> Result<String, CodecError> {
        current::encode(&self.cookie, data, timestamp)
    }
}

/// `signing.loads(value, max_age=SESSION_COOKIE_AGE)` fails when
/// `time.time() - TS > max_age`: strictly greater, so an age exactly equal still loads.
pub fn cookie_expired(signed_at: i64, now: DateTime<Utc>, max_age: i64) -> bool {
    let now_us =
        i128::from(now.timestamp()) * 1_000_000 + i128::from(now.timestamp_subsec_micros());
    now_us - i128::from(signed_at) * 1_000_000 > i128::from(max_age) * 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cookie_age_boundary() {
        let ts = 1_747_569_600;
        let at = |s: i64, us: u32| Utc.timestamp_opt(s, us * 1000).unwrap();
        assert!(!cookie_expired(ts, at(ts + 1_209_600, 0), 1_209_600));
        assert!(cookie_expired(ts, at(ts + 1_209_600, 1), 1_209_600));
        assert!(cookie_expired(ts - 1, at(ts + 1_209_600, 0), 1_209_600));
    }
}
