//! The pre-3.1 session format: `base64(HEX ":" serialized)`, where HEX is the
//! HMAC-SHA1 hexdigest of `serialized`, keyed with
//! `SHA1("django.contrib.sessions" + StoreClass.__name__ + SECRET_KEY)`.
//!
//! Invariants:
//! * Parsing follows Django 3.2's `_legacy_decode`: the value must be ASCII, is decoded
//!   with the *standard* alphabet by CPython's lenient `b64decode` (so `-`/`_` are
//!   skipped, padding is required), split at the first `:`; the hash part must equal
//!   the lowercase hexdigest.
//! * Only SECRET_KEY is tried (Django never consults fallbacks here), in constant time.
//! * Only Django 3.1/3.2 read this format; 4.0+ read such a session as empty.

use hmac::Mac;

use super::signing::{hmac_sha1_for, python_b64decode, HmacSha1};

/// The legacy salt: `"django.contrib.sessions" + __name__` (no dot), where `__name__`
/// is the last dotted component of the store class qualname in `salt`.
pub fn legacy_salt_for(salt: &str) -> String {
    let qualname = salt
        .strip_prefix("django.contrib.sessions.")
        .unwrap_or(salt);
    let name = qualname.rsplit('.').next().unwrap_or(qualname);
    format!("django.contrib.sessions{name}")
}

/// The keyed HMAC-SHA1 state for SECRET_KEY.
#[derive(Clone)]
pub(crate) struct LegacyKey(HmacSha1);

impl LegacyKey {
    pub(crate) fn new(legacy_salt: &str, secret_key: &str) -> LegacyKey {
        LegacyKey(hmac_sha1_for(legacy_salt, secret_key))
    }

    /// Constant-time check of `hash` (40 lowercase hex chars) against `serialized`.
    pub(crate) fn verify(&self, parts: &LegacyParts) -> bool {
        let mut mac = self.0.clone();
        mac.update(&parts.serialized);
        mac.verify_slice(&parts.hash).is_ok()
    }
}

/// A value that has the legacy structure.
pub(crate) struct LegacyParts {
    pub(crate) hash: [u8; 20],
    pub(crate) serialized: Vec<u8>,
}

/// Split a raw value into the legacy (hash, serialized) parts, or None when it does not
/// have that structure. A hash that is not exactly 40 lowercase hex digits can never
/// equal Django's `hexdigest()`, so it does not count as the legacy structure.
pub(crate) fn parse(raw: &str) -> Option<LegacyParts> {
    if !raw.is_ascii() || raw.is_empty() {
        return None;
    }
    let blob = python_b64decode(raw.as_bytes(), 0, false).ok()?;
    let colon = blob.iter().position(|&b| b == b':')?;
    let hex = &blob[..colon];
    if hex.len() != 40 {
        return None;
    }
    let mut hash = [0u8; 20];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let nib = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        hash[i] = (nib(pair[0])? << 4) | nib(pair[1])?;
    }
    Some(LegacyParts {
        hash,
        serialized: blob[colon + 1..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_salt_uses_class_name() {
        assert_eq!(
            legacy_salt_for("django.contrib.sessions.SessionStore"),
            "django.contrib.sessionsSessionStore"
        );
        assert_eq!(
            legacy_salt_for("django.contrib.sessions.main.<locals>.CustomSessionStore"),
            "django.contrib.sessionsCustomSessionStore"
        );
        assert_eq!(legacy_salt_for("Other"), "django.contrib.sessionsOther");
    }

    #[test]
    fn parse_and_verify_django_32_value() {
        // Django 3.2, DEFAULT_HASHING_ALGORITHM='sha1' (sample/extra_vectors.json).
        let raw = "ZDUwNWMxYmUxMGM0OTAzNDNmZTU3NzUxN2RiMmYyZjc3NjAxZGNlMjp7ImZvbyI6ImJhciJ9";
        let p = parse(raw).unwrap();
        assert_eq!(p.serialized, br#"{"foo":"bar"}"#);
        let key = LegacyKey::new(
            "django.contrib.sessionsSessionStore",
            "sessctl-sample-secret-key-not-for-production",
        );
        assert!(key.verify(&p));
        assert!(!LegacyKey::new("django.contrib.sessionsSessionStore", "other").verify(&p));
        assert!(parse("not-a-session").is_none());
        assert!(parse("").is_none());
        assert!(parse("é").is_none());
    }
}
