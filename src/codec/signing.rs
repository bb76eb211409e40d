//! Django's signing primitives: `salted_hmac` key derivation, the per-secret HMAC
//! states, URL-safe base64 and base62.
//!
//! Invariants:
//! * Keys are derived once per (salt, secret, algorithm) in [`SignerKeys::new`]; every
//!   verification clones an already keyed HMAC state, so a message costs only the
//!   message blocks plus the two finalisations.
//! * Signatures are compared in constant time (`hmac`'s `verify_slice`) against the
//!   *strictly* decoded signature bytes. Strict (canonical, unpadded) decoding is
//!   equivalent to Django's comparison of the base64 *strings*: a canonical encoding is
//!   unique, so "decodes canonically to the MAC" ⇔ "equals the encoding of the MAC".
//! * [`python_b64decode`] reproduces CPython's lenient `binascii.a2b_base64` (what
//!   Django's `b64_decode` / `base64.b64decode` use), so payload decoding accepts and
//!   rejects exactly what Django does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::Algorithm;

pub(crate) type HmacSha256 = Hmac<Sha256>;
pub(crate) type HmacSha1 = Hmac<Sha1>;

/// Lowercase hex of `bytes`, as Python's `hexdigest()` writes digests.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    hex_into(bytes, &mut out);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Writes `bytes` as lowercase hex digits into `out` (twice as long; the rest is left).
pub(crate) fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
}

/// Length of a base64url SHA-256 signature without padding (32 bytes).
pub(crate) const SIG_LEN_SHA256: usize = 43;
/// Length of a base64url SHA-1 signature without padding (20 bytes).
pub(crate) const SIG_LEN_SHA1: usize = 27;

/// URL-safe, unpadded, but tolerant of non-zero trailing bits: used only as the fast
/// path of [`django_b64_decode`], where Python ignores those bits too.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// `salted_hmac(key_salt, value, secret, algorithm)` starts from a key that is a plain
/// digest `H(key_salt + secret)` (no HMAC); the HMAC is then keyed with it.
pub(crate) fn hmac_sha256_for(key_salt: &str, secret: &str) -> HmacSha256 {
    let mut h = Sha256::new();
    h.update(key_salt.as_bytes());
    h.update(secret.as_bytes());
    // A 32-byte key is always accepted by HMAC; the error arm cannot happen.
    HmacSha256::new_from_slice(&h.finalize()).unwrap_or_else(|_| unreachable!())
}

/// SHA-1 variant of [`hmac_sha256_for`] (Django ≤ 3.2 signatures and the legacy format).
pub(crate) fn hmac_sha1_for(key_salt: &str, secret: &str) -> HmacSha1 {
    let mut h = Sha1::new();
    h.update(key_salt.as_bytes());
    h.update(secret.as_bytes());
    HmacSha1::new_from_slice(&h.finalize()).unwrap_or_else(|_| unreachable!())
}

/// The keyed HMAC states of one `Signer` salt, for every secret
/// (`[SECRET_KEY, *SECRET_KEY_FALLBACKS]`, same order).
#[derive(Clone)]
pub(crate) struct SignerKeys {
    sha256: Vec<HmacSha256>,
    sha1: Vec<HmacSha1>,
}

impl SignerKeys {
    /// `Signer.signature()` uses `salted_hmac(salt + "signer", value, key)`.
    pub(crate) fn new(salt: &str, secrets: &[String]) -> SignerKeys {
        let key_salt = format!("{salt}signer");
        SignerKeys {
            sha256: secrets
                .iter()
                .map(|s| hmac_sha256_for(&key_salt, s))
                .collect(),
            sha1: secrets
                .iter()
                .map(|s| hmac_sha1_for(&key_salt, s))
                .collect(),
        }
    }

    /// Which (algorithm, secret index) produced `sig` over `value`, if any.
    ///
    /// The signature length selects the algorithm (43 chars: SHA-256, 27: SHA-1), so at
    /// most one family is computed; within it SECRET_KEY comes first, then the
    /// fallbacks, as in `Signer.unsign`.
    pub(crate) fn verify(&self, value: &[u8], sig: &str) -> Option<(Algorithm, usize)> {
        match sig.len() {
            SIG_LEN_SHA256 => {
                let mut buf = [0u8; 33];
                let n = URL_SAFE_NO_PAD.decode_slice(sig, &mut buf).ok()?;
                if n != 32 {
                    return None;
                }
                self.sha256
                    .iter()
                    .position(|k| {
                        let mut mac = k.clone();
                        mac.update(value);
                        mac.verify_slice(&buf[..32]).is_ok()
                    })
                    .map(|i| (Algorithm::Sha256, i))
            }
            SIG_LEN_SHA1 => {
                let mut buf = [0u8; 21];
                let n = URL_SAFE_NO_PAD.decode_slice(sig, &mut buf).ok()?;
                if n != 20 {
                    return None;
                }
                self.sha1
                    .iter()
                    .position(|k| {
                        let mut mac = k.clone();
                        mac.update(value);
                        mac.verify_slice(&buf[..20]).is_ok()
                    })
                    .map(|i| (Algorithm::Sha1, i))
            }
            _ => None,
        }
    }

    /// base64url(HMAC-SHA256) of `value` with SECRET_KEY, as Django 4.0+ signs.
    pub(crate) fn sign_sha256(&self, value: &[u8]) -> Option<String> {
        let mut mac = self.sha256.first()?.clone();
        mac.update(value);
        Some(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// base64url(HMAC-SHA1) of `value` with SECRET_KEY (Django 3.1/3.2 with
    /// `DEFAULT_HASHING_ALGORITHM = 'sha1'`); only tests need to produce those.
    #[cfg(test)]
    pub(crate) fn sign_sha1(&self, value: &[u8]) -> Option<String> {
        let mut mac = self.sha1.first()?.clone();
        mac.update(value);
        Some(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

/// Django's `signing.b64_encode`: URL-safe base64 with the `=` padding stripped.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Django's `signing.b64_decode(s)`: `urlsafe_b64decode(s + "=" * (-len(s) % 4))`.
///
/// The canonical case goes through the fast `base64` engine; anything else (stray
/// characters, padding, `+`/`/`) falls back to the exact CPython emulation, because
/// Python silently skips characters outside the alphabet.
pub(crate) fn django_b64_decode(s: &[u8]) -> Result<Vec<u8>, String> {
    if let Ok(v) = URL_SAFE_LENIENT.decode(s) {
        return Ok(v);
    }
    let pad = (4 - s.len() % 4) % 4;
    python_b64decode(s, pad, true)
}

/// CPython `binascii.a2b_base64(data + b"=" * pad, strict_mode=False)`, after
/// `base64.urlsafe_b64decode`'s translation of `-_` to `+/` when `urlsafe`.
///
/// Characters outside the alphabet (including any non-ASCII byte) are skipped; a pad
/// sequence that completes a quad ends the input; leftover bits are ignored; one data
/// character past a multiple of four, or a missing pad, is an error.
pub(crate) fn python_b64decode(data: &[u8], pad: usize, urlsafe: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    let mut quad_pos = 0u8;
    let mut left = 0u8;
    let mut pads = 0usize;
    let mut ndata = 0usize;
    let input = data.iter().copied().chain(std::iter::repeat_n(b'=', pad));
    for c in input {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos as usize + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'-' if urlsafe => 62,
            b'_' if urlsafe => 63,
            _ => continue,
        };
        pads = 0;
        ndata += 1;
        match quad_pos {
            0 => {
                quad_pos = 1;
                left = v;
            }
            1 => {
                quad_pos = 2;
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((left << 6) | v);
                left = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(format!(
            "invalid base64: number of data characters ({ndata}) cannot be 1 more than a multiple of 4"
        )),
        _ => Err("invalid base64: incorrect padding".to_owned()),
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Django's `b62_encode` (negative numbers get a leading `-`).
pub fn b62_encode(n: i64) -> String {
    if n == 0 {
        return "0".to_owned();
    }
    let mut v = n.unsigned_abs();
    let mut digits = Vec::with_capacity(12);
    while v > 0 {
        digits.push(BASE62[(v % 62) as usize]);
        v /= 62;
    }
    if n < 0 {
        digits.push(b'-');
    }
    digits.reverse();
    // Only ASCII bytes were pushed.
    String::from_utf8(digits).unwrap_or_default()
}

/// Outcome of Django's `b62_decode` on a timestamp field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum B62 {
    /// Decoded and fits in an i64.
    Value(i64),
    /// Valid for Django (Python ints are unbounded) but outside i64.
    OutOfRange,
}

/// Django's `b62_decode`: optional `-`, then base62 digits. `""` fails in Django
/// (`s[0]` raises IndexError) and so does any character outside the alphabet; `"-"`
/// alone decodes to 0.
pub fn b62_decode(s: &str) -> Result<B62, String> {
    if s.is_empty() {
        return Err("empty timestamp field".to_owned());
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut acc: Option<i128> = Some(0);
    for c in digits.bytes() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A' + 10,
            b'a'..=b'z' => c - b'a' + 36,
            _ => return Err(format!("timestamp {s:?} is not base62")),
        };
        acc = acc
            .and_then(|a| a.checked_mul(62))
            .and_then(|a| a.checked_add(i128::from(d)));
    }
    let v = match acc {
        Some(a) if neg => -a,
        Some(a) => a,
        None => return Ok(B62::OutOfRange),
    };
    Ok(i64::try_from(v).map_or(B62::OutOfRange, B62::Value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_matches_django() {
        assert_eq!(b62_encode(1748775600), "1uLgQ4");
        assert_eq!(b62_decode("1uLgQ4"), Ok(B62::Value(1748775600)));
        assert_eq!(b62_encode(0), "0");
        assert_eq!(b62_encode(-62), "-10");
        assert_eq!(b62_decode("-10"), Ok(B62::Value(-62)));
        assert_eq!(b62_decode("-"), Ok(B62::Value(0)));
        assert!(b62_decode("").is_err());
        assert!(b62_decode("1u+").is_err());
        assert!(b62_decode("é").is_err());
        assert_eq!(
            b62_decode("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
            Ok(B62::OutOfRange)
        );
        for n in [i64::MIN, i64::MIN + 1, -1, 1, 61, 62, i64::MAX] {
            assert_eq!(b62_decode(&b62_encode(n)), Ok(B62::Value(n)), "{n}");
        }
    }

    #[test]
    fn python_base64_semantics() {
        // Values checked against CPython 3.11 base64.urlsafe_b64decode(s + pad).
        let d = |s: &str| django_b64_decode(s.as_bytes());
        assert_eq!(d("e30").unwrap(), b"{}");
        assert_eq!(d("e31").unwrap(), b"{}"); // trailing bits ignored
        assert!(d("e3!0").is_err()); // stray char skipped, but padding counts it
        assert_eq!(d("e3!!0").unwrap(), b"{}");
        assert!(d("e3=0").is_err());
        assert_eq!(d("e+/_").unwrap(), vec![0x7b, 0xef, 0xff]);
        assert!(d("e").is_err());
        assert!(d("e30==x").unwrap() == b"{}");
        assert!(d("").unwrap().is_empty());
        // Standard alphabet: '-' and '_' are skipped, not mapped.
        assert_eq!(python_b64decode(b"e30-=", 0, false).unwrap(), b"{}");
    }

    #[test]
    fn strict_signature_decoding_rejects_noncanonical() {
        let keys = SignerKeys::new("salt", &["k".to_owned()]);
        let sig = keys.sign_sha256(b"v").unwrap();
        assert_eq!(keys.verify(b"v", &sig), Some((Algorithm::Sha256, 0)));
        // Flip the unused low bits of the last character: Django's string compare fails,
        // and so must we.
        let last = sig.as_bytes()[42];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let idx = alphabet.iter().position(|&c| c == last).unwrap();
        let mut tampered = sig.clone().into_bytes();
        tampered[42] = alphabet[idx ^ 1];
        assert_eq!(
            keys.verify(b"v", std::str::from_utf8(&tampered).unwrap()),
            None
        );
        let sig1 = keys.sign_sha1(b"v").unwrap();
        assert_eq!(sig1.len(), SIG_LEN_SHA1);
        assert_eq!(keys.verify(b"v", &sig1), Some((Algorithm::Sha1, 0)));
    }
}
