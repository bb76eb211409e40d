//! `_auth_user_hash`: `get_session_auth_hash()`, the HMAC of the user's `password`
//! column, keyed from each secret the site accepts.
//!
//! `salted_hmac(KEY_SALT, password, secret, H).hexdigest()`: the HMAC key is the plain
//! digest `H(KEY_SALT + secret)`, derived here once per secret; each user's hash then
//! costs one HMAC of the short password string.

use hmac::Mac;

use crate::codec::signing::{hex_into, hmac_sha1_for, hmac_sha256_for, HmacSha1, HmacSha256};

/// The key salt of `AbstractBaseUser.get_session_auth_hash` (every Django version).
pub const KEY_SALT: &str = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// Which secret a session's hash was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashMatch {
    /// SHA-256 with `secrets[i]` (0 = SECRET_KEY, then the fallbacks in order).
    Sha256(usize),
    /// SHA-1 with SECRET_KEY: what Django < 3.1 (and 3.1/3.2 set to `'sha1'`) wrote.
    Sha1,
    None,
}

/// The keyed HMAC states of every secret, `[SECRET_KEY, *SECRET_KEY_FALLBACKS]`.
#[derive(Clone)]
pub struct HashKeys {
    sha256: Vec<HmacSha256>,
    sha1: Option<HmacSha1>,
}

impl HashKeys {
    pub fn new(secrets: &[String]) -> HashKeys {
        HashKeys {
            sha256: secrets
                .iter()
                .map(|s| hmac_sha256_for(KEY_SALT, s))
                .collect(),
            sha1: secrets.first().map(|s| hmac_sha1_for(KEY_SALT, s)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sha256.is_empty()
    }

    /// The hash Django's `get_session_auth_hash()` gives for `password` with `secrets[i]`.
    fn sha256_hex(&self, i: usize, password: &str) -> Option<[u8; 64]> {
        let mut mac = self.sha256.get(i)?.clone();
        mac.update(password.as_bytes());
        Some(hex_digits(&mac.finalize().into_bytes()))
    }

    fn sha1_hex(&self, password: &str) -> Option<[u8; 40]> {
        let mut mac = self.sha1.as_ref()?.clone();
        mac.update(password.as_bytes());
        Some(hex_digits(&mac.finalize().into_bytes()))
    }

    /// What `get_session_auth_hash()` gives for `password` with SECRET_KEY.
    #[cfg(test)]
    pub fn session_hash(&self, password: &str) -> String {
        String::from_utf8(self.sha256_hex(0, password).expect("a key").to_vec()).unwrap()
    }

    /// The hashes `get_session_auth_hash()` gives for `password` that a session of this
    /// user may hold: with SECRET_KEY, then (when `fallbacks`) each fallback in order,
    /// then (when `sha1`) the SHA-1 form. Computed once per user row read, then compared
    /// with every session of that user.
    pub fn expected(&self, password: &str, fallbacks: bool, sha1: bool) -> ExpectedHashes {
        let upto = if fallbacks { self.sha256.len() } else { 1 };
        ExpectedHashes {
            primary: self.sha256_hex(0, password),
            fallbacks: (1..upto.min(self.sha256.len()))
                .filter_map(|i| self.sha256_hex(i, password))
                .collect(),
            sha1: if sha1 { self.sha1_hex(password) } else { None },
        }
    }
}

/// One user's session hashes as lowercase hex (see [`HashKeys::expected`]), held
/// inline: a scan compares one with nearly every session it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedHashes {
    primary: Option<[u8; 64]>,
    fallbacks: Vec<[u8; 64]>,
    sha1: Option<[u8; 40]>,
}

impl ExpectedHashes {
    /// Which secret made `stored`. Django compares the strings with
    /// `constant_time_compare`; so does this.
    pub fn find(&self, stored: &str) -> HashMatch {
        let stored = stored.as_bytes();
        if self.primary.is_some_and(|h| same(&h, stored)) {
            return HashMatch::Sha256(0);
        }
        if let Some(i) = self.fallbacks.iter().position(|h| same(h, stored)) {
            return HashMatch::Sha256(i + 1);
        }
        if self.sha1.is_some_and(|h| same(&h, stored)) {
            return HashMatch::Sha1;
        }
        HashMatch::None
    }
}

/// `bytes` as lowercase hex digits, `N` = twice their number.
fn hex_digits<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    hex_into(bytes, &mut out);
    out
}

/// Constant-time comparison (the lengths are not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash Django 6.1 wrote (tests/fixtures/auth: user 10's session, SECRET_KEY
    /// `sessctl-sample-secret-key-not-for-production`).
    #[test]
    fn matches_a_hash_django_wrote() {
        let keys = HashKeys::new(&["sessctl-sample-secret-key-not-for-production".to_owned()]);
        let password = "pbkdf2_sha256$1500000$STDbnrXOa6r60Oxfk5dl7w$Or4YZGwDVvgQQwGASdeXOFDUvQxhIa7DopX0tWDpUHs=";
        let stored = "4ee6b0c9f51940bd27708ff39698d23a45a1fcd980d696b9e52f97a7beae0eee";
        assert_eq!(
            keys.expected(password, true, false).find(stored),
            HashMatch::Sha256(0)
        );
        assert_eq!(
            keys.expected(&format!("{password}x"), true, true)
                .find(stored),
            HashMatch::None
        );
    }
}
