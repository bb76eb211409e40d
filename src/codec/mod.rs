//! Django session codec: signing, the session_data formats and their payloads, as pure
//! functions (no I/O). Exact to Django 3.2–6.x (`django.core.signing`, the session
//! serializers and the pre-3.1 legacy format); the values Django itself wrote, under
//! `tests/fixtures/`, are the ground truth it is tested against.
//!
//! Invariants:
//! * [`Codec::decode`] and [`Codec::decode_cookie`] never panic and never allocate
//!   without bound, whatever the input: inflation is capped ([`MAX_DECOMPRESSED`]),
//!   JSON and pickle nesting is capped, pickles are interpreted, never executed.
//! * `data` is `Some` only for a session Django would load (or, without keys, could
//!   load if the signature is right); otherwise it is `None` and `error` says why in one
//!   sentence. An undecodable session is never reported as `{}`.
//! * Signature checks follow Django: SHA-256 then SHA-1 (3.1/3.2 only) in the current
//!   layout with SECRET_KEY then each fallback, compared in constant time; then the
//!   pre-3.1 legacy layout with SECRET_KEY only (db/file values, not cookies).
//! * All key material is derived once in [`Codec::new`]; decoding clones keyed HMAC
//!   states, so verification does no key derivation per session.
//!
//! Submodules: `signing` (keys, base64, base62), `current` (PAYLOAD:TS:SIG), `legacy`
//! (pre-3.1), `payload` (zlib, serializer detection), `json` and `pickle` (the two
//! serializers), `cookie` (signed_cookies), `expiry` (`_session_expiry` and Django's
//! expiry arithmetic).

pub mod cached;
mod cookie;
mod current;
pub mod expiry;
mod json;
mod legacy;
mod payload;
mod pickle;
pub(crate) mod signing;

use serde_json::{Map, Value};

use crate::session::Payload;

pub use cached::{
    CacheCompressor, CacheSerializer, CacheValueFormat, CachedFormat, CachedValue, Envelope,
};
pub use cookie::cookie_expired;
pub use expiry::{floor_seconds, parse_isoformat, IsoDateTime, SessionExpiry};
pub use json::MAX_JSON_DEPTH;
pub use legacy::legacy_salt_for;
pub use payload::MAX_DECOMPRESSED;
pub use pickle::{MAX_DEPTH as MAX_PICKLE_DEPTH, MAX_OBJECTS as MAX_PICKLE_OBJECTS};
pub use signing::{b62_decode, b62_encode, B62};

use legacy::LegacyKey;
use payload::Serializer;
use signing::SignerKeys;

/// `key_salt` of every built-in store (db, file, cache, cached_db).
pub const DEFAULT_SALT: &str = "django.contrib.sessions.SessionStore";

/// The session entry `django.contrib.auth` keeps the logged-in user's id in.
pub const USER_ID_KEY: &str = "_auth_user_id";
/// `_auth_user_backend`: the backend that logged the user in.
pub const USER_BACKEND_KEY: &str = "_auth_user_backend";
/// `_auth_user_hash`: `get_session_auth_hash()` when the user logged in.
pub const USER_HASH_KEY: &str = "_auth_user_hash";
/// Every entry Django's `get_user()` reads: what an auth verdict needs decoded.
pub const AUTH_KEYS: [&str; 3] = [USER_ID_KEY, USER_BACKEND_KEY, USER_HASH_KEY];

/// Salt of the signed_cookies backend.
pub const COOKIE_SALT: &str = "django.contrib.sessions.backends.signed_cookies";

/// `key_salt` of a store class: `"django.contrib.sessions." + __qualname__`.
pub fn salt_for_store_class(qualname: &str) -> String {
    format!("django.contrib.sessions.{qualname}")
}

/// Decodes and encodes session values for one store salt and one set of secrets.
#[derive(Clone)]
pub struct Codec {
    salt: String,
    legacy_salt: String,
    fallbacks: usize,
    has_keys: bool,
    store: SignerKeys,
    cookie: SignerKeys,
    legacy: Option<LegacyKey>,
    /// How cached values are serialized (cache and cached_db engines).
    cache_format: CacheValueFormat,
}

impl std::fmt::Debug for Codec {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("salt", &self.salt)
            .field("legacy_salt", &self.legacy_salt)
            .field("has_keys", &self.has_keys)
            .field("fallbacks", &self.fallbacks)
            .finish_non_exhaustive()
    }
}

/// How a value was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    JsonCompressed,
    Pickle,
    PickleCompressed,
    LegacyJson,
    LegacyPickle,
    /// A value a cache holds: its serializer and compressor.
    Cached(CachedFormat),
    Unknown,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::JsonCompressed => "json+zlib",
            Format::Pickle => "pickle",
            Format::PickleCompressed => "pickle+zlib",
            Format::LegacyJson => "legacy-json",
            Format::LegacyPickle => "legacy-pickle",
            Format::Cached(f) => f.as_str(),
            Format::Unknown => "unknown",
        }
    }

    pub fn is_pickle(self) -> bool {
        match self {
            Format::Cached(f) => f.serializer == cached::Serialized::Pickle,
            other => matches!(
                other,
                Format::Pickle | Format::PickleCompressed | Format::LegacyPickle
            ),
        }
    }

    pub fn is_legacy(self) -> bool {
        matches!(self, Format::LegacyJson | Format::LegacyPickle)
    }

    pub fn is_compressed(self) -> bool {
        match self {
            Format::Cached(f) => f.compressor.is_some(),
            other => matches!(other, Format::JsonCompressed | Format::PickleCompressed),
        }
    }

    fn of(ser: Serializer, compressed: bool, legacy: bool) -> Format {
        match (ser, compressed, legacy) {
            (Serializer::Json, _, true) => Format::LegacyJson,
            (Serializer::Pickle, _, true) => Format::LegacyPickle,
            (Serializer::Json, false, false) => Format::Json,
            (Serializer::Json, true, false) => Format::JsonCompressed,
            (Serializer::Pickle, false, false) => Format::Pickle,
            (Serializer::Pickle, true, false) => Format::PickleCompressed,
        }
    }
}

/// Outcome of the signature check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    /// Verified with SECRET_KEY.
    Valid,
    /// Verified with `SECRET_KEY_FALLBACKS[i]` (0-based).
    ValidFallback(usize),
    /// Keys were given and none verifies it.
    Invalid,
    /// No keys were given.
    Unverified,
    /// Not signed at all: a cache engine keeps the session dict itself.
    Unsigned,
}

impl Signature {
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::Valid => "valid",
            Signature::ValidFallback(_) => "valid_fallback",
            Signature::Invalid => "invalid",
            Signature::Unverified => "unverified",
            Signature::Unsigned => "unsigned",
        }
    }

    /// Index into `[SECRET_KEY, *fallbacks]` of the key that verified, if any.
    pub fn secret_index(self) -> Option<usize> {
        match self {
            Signature::Valid => Some(0),
            Signature::ValidFallback(i) => Some(i + 1),
            _ => None,
        }
    }
}

/// Hash algorithm of a verified signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha1,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha1 => "sha1",
        }
    }
}

/// Everything known about one decoded value.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub format: Format,
    pub signature: Signature,
    /// Sha256 / Sha1 when a signature verified.
    pub algorithm: Option<Algorithm>,
    /// Signing time (unix seconds), current layout only.
    pub timestamp: Option<i64>,
    /// The session dict; None = undecodable or rejected.
    pub data: Option<Map<String, Value>>,
    /// Why `data` is None, one sentence; None when `data` is Some.
    pub error: Option<String>,
    /// Anything worth knowing about a value that decoded (or not), e.g. which Django
    /// versions accept it. Several notes are joined with "; ".
    pub note: Option<String>,
}

impl Decoded {
    fn new(signature: Signature) -> Decoded {
        Decoded {
            format: Format::Unknown,
            signature,
            algorithm: None,
            timestamp: None,
            data: None,
            error: None,
            note: None,
        }
    }

    fn finish(mut self, notes: Vec<String>) -> Decoded {
        if self.data.is_some() {
            self.error = None;
        } else if self.error.is_none() {
            self.error = Some("undecodable".to_owned());
        }
        if !notes.is_empty() {
            self.note = Some(notes.join("; "));
        }
        self
    }

    /// Whether Django would load this session (the data decoded and verified).
    pub fn is_ok(&self) -> bool {
        self.data.is_some() && self.signature != Signature::Invalid
    }

    /// `_auth_user_id` (a string in Django; a JSON number is rendered as its digits).
    pub fn user_id(&self) -> Option<String> {
        match self.data.as_ref()?.get(USER_ID_KEY)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// `_auth_user_backend`.
    pub fn user_backend(&self) -> Option<String> {
        self.data
            .as_ref()?
            .get(USER_BACKEND_KEY)?
            .as_str()
            .map(str::to_owned)
    }

    /// `_auth_user_hash`.
    pub fn user_hash(&self) -> Option<String> {
        self.data
            .as_ref()?
            .get(USER_HASH_KEY)?
            .as_str()
            .map(str::to_owned)
    }

    /// `_session_expiry`, if present.
    pub fn session_expiry(&self) -> Option<SessionExpiry> {
        self.data
            .as_ref()?
            .get("_session_expiry")
            .map(SessionExpiry::from_value)
    }
}

/// Why an encode failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecError(String);

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

const SHA1_NOTE: &str =
    "SHA-1 signature: only Django 3.1/3.2 accept it (4.0+ read the session as empty)";
const LEGACY_NOTE: &str =
    "legacy pre-3.1 format: only Django 3.1/3.2 read it (4.0+ read the session as empty)";
/// The note of every value decoded without a key (the table shows it in the signature row).
pub const UNVERIFIED_NOTE: &str = "no secret key given: signature not checked";

impl Codec {
    /// `salt`: key_salt of the store (current format). The legacy (pre-3.1) salt is
    /// derived: `"django.contrib.sessions"` + the last dotted component of the qualname
    /// part of the salt (i.e. `__name__`), no dot.
    /// `secrets`: `[SECRET_KEY, fallbacks...]`; empty = no keys (decode unverified).
    pub fn new(salt: &str, secrets: Vec<String>) -> Codec {
        let legacy_salt = legacy::legacy_salt_for(salt);
        Codec {
            salt: salt.to_owned(),
            fallbacks: secrets.len().saturating_sub(1),
            has_keys: !secrets.is_empty(),
            store: SignerKeys::new(salt, &secrets),
            cookie: SignerKeys::new(COOKIE_SALT, &secrets),
            legacy: secrets.first().map(|k| LegacyKey::new(&legacy_salt, k)),
            legacy_salt,
            cache_format: CacheValueFormat::default(),
        }
    }

    /// This codec, reading cached values as a cache configured with `format` does.
    pub fn with_cache_format(mut self, format: CacheValueFormat) -> Codec {
        self.cache_format = format;
        self
    }

    pub fn cache_format(&self) -> CacheValueFormat {
        self.cache_format
    }

    pub fn has_keys(&self) -> bool {
        self.has_keys
    }

    /// The store salt this codec was made with.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The derived pre-3.1 salt (`django.contrib.sessionsSessionStore` by default).
    pub fn legacy_salt(&self) -> &str {
        &self.legacy_salt
    }

    /// Decode a db/file backend `session_data` value.
    pub fn decode(&self, raw: &str) -> Decoded {
        self.decode_with(raw, &self.store, true, None, None)
            .expect("without a prefilter every value is decoded")
    }

    /// Decode a session's payload as its store keeps it: signed text, or the bytes a
    /// cache holds (see [`Codec::decode_cached`]).
    pub fn decode_payload(&self, payload: &Payload) -> Decoded {
        match payload {
            Payload::Signed(raw) => self.decode(raw),
            Payload::Cached(bytes) => self.decode_cached(bytes, None),
        }
    }

    /// [`decode_only`](Codec::decode_only) for any payload.
    pub fn decode_payload_only(&self, payload: &Payload, keys: &[&str]) -> Decoded {
        match payload {
            Payload::Signed(raw) => self.decode_only(raw, keys),
            Payload::Cached(bytes) => {
                let mut d = self.decode_cached(bytes, Some(keys));
                if let Some(data) = d.data.as_mut() {
                    data.retain(|k, _| keys.contains(&k.as_str()));
                }
                d
            }
        }
    }

    /// Decode the value a cache holds for a session: the session dict as the cache
    /// serialized it (see [`cached`]), with this codec's `--cache-serializer` and
    /// `--cache-compressor`. Nothing is signed, so there is nothing to verify; pickles
    /// are read by the safe reader, never executed. (`_only` is accepted for symmetry with
    /// [`decode_only`](Codec::decode_only); cached dicts are small and built whole.)
    pub fn decode_cached(&self, value: &CachedValue, _only: Option<&[&str]>) -> Decoded {
        let mut d = Decoded::new(Signature::Unsigned);
        let mut notes = Vec::new();
        let decoded = cached::decode(value, self.cache_format);
        d.format = decoded.format.map_or(Format::Unknown, Format::Cached);
        match decoded.result {
            Ok((map, extra)) => {
                d.data = Some(map);
                notes.extend(extra);
            }
            Err(e) => {
                d.error = Some(format!(
                    "{e}; Django's cache engine fails to load it and starts an empty session"
                ))
            }
        }
        d.finish(notes)
    }

    /// `decode`, for callers that need a few entries of the data, such as
    /// `_session_expiry` or the `_auth_user_*` keys: `data` holds those of `keys` the
    /// dict has, with the values `decode` gives them, and is `None` exactly when `decode`
    /// gives `None`; the format, signature and error are `decode`'s. The rest of a JSON
    /// dict is parsed but not built, which is most of the decoding work saved; notes about
    /// the dropped entries may be missing.
    pub fn decode_only(&self, raw: &str, keys: &[&str]) -> Decoded {
        let mut d = self
            .decode_with(raw, &self.store, true, None, Some(keys))
            .expect("without a prefilter every value is decoded");
        if let Some(data) = d.data.as_mut() {
            data.retain(|k, _| keys.contains(&k.as_str()));
        }
        d
    }

    /// `decode`, except that a current-format JSON payload whose bytes `wanted` turns
    /// down (after the signature check and inflation, before parsing) gives `None`.
    /// Filters that look for one user scan millions of sessions: parsing only the
    /// payloads that can hold the user is most of the work saved.
    pub fn decode_unless(&self, raw: &str, wanted: &dyn Fn(&[u8]) -> bool) -> Option<Decoded> {
        self.decode_with(raw, &self.store, true, Some(wanted), None)
    }

    /// JSON serializer, Django's compression rule (compress iff `len(z) < len(json)-1`),
    /// signed with `secrets[0]`, SHA-256, at the given unix timestamp. Error if no key.
    pub fn encode(&self, data: &Map<String, Value>, timestamp: i64) -> Result<String, CodecError> {
        current::encode(&self.store, data, timestamp)
    }

    /// Append `":" + signature` to an arbitrary value, as `Signer(salt=store
    /// salt).sign(value)` does with SECRET_KEY and SHA-256.
    pub fn sign(&self, value: &str) -> Result<String, CodecError> {
        current::sign(&self.store, value.to_owned())
    }

    fn decode_with(
        &self,
        raw: &str,
        keys: &SignerKeys,
        allow_legacy: bool,
        prefilter: current::Prefilter<'_>,
        only: Option<&[&str]>,
    ) -> Option<Decoded> {
        let mut notes = Vec::new();
        if !self.has_keys {
            notes.push(UNVERIFIED_NOTE.to_owned());
            let mut d = Decoded::new(Signature::Unverified);
            if let Some((value, _sig)) = raw.rsplit_once(':') {
                if value.contains(':') {
                    if !current::decode_value(value, &mut d, &mut notes, prefilter, only) {
                        return None;
                    }
                    return Some(d.finish(notes));
                }
            }
            if allow_legacy {
                if let Some(parts) = legacy::parse(raw) {
                    self.decode_legacy_payload(&parts.serialized, &mut d, &mut notes, only);
                    return Some(d.finish(notes));
                }
            }
            d.error = Some(not_a_session(raw));
            return Some(d.finish(notes));
        }

        if let Some((value, sig)) = raw.rsplit_once(':') {
            if let Some((algorithm, index)) = keys.verify(value.as_bytes(), sig) {
                let signature = if index == 0 {
                    Signature::Valid
                } else {
                    Signature::ValidFallback(index - 1)
                };
                let mut d = Decoded::new(signature);
                d.algorithm = Some(algorithm);
                if algorithm == Algorithm::Sha1 {
                    notes.push(SHA1_NOTE.to_owned());
                }
                if index > 0 {
                    notes.push(format!(
                        "signed with SECRET_KEY_FALLBACKS[{}]: only Django 4.1+ accept it",
                        index - 1
                    ));
                }
                if !current::decode_value(value, &mut d, &mut notes, prefilter, only) {
                    return None;
                }
                return Some(d.finish(notes));
            }
        }
        let mut d = Decoded::new(Signature::Invalid);
        if allow_legacy {
            if let (Some(parts), Some(key)) = (legacy::parse(raw), self.legacy.as_ref()) {
                if key.verify(&parts) {
                    d.signature = Signature::Valid;
                    d.algorithm = Some(Algorithm::Sha1);
                    self.decode_legacy_payload(&parts.serialized, &mut d, &mut notes, only);
                } else {
                    d.format = Format::of(payload::detect(&parts.serialized), false, true);
                    d.error = Some(
                        "legacy (pre-3.1) hash does not match SECRET_KEY (fallback keys never apply to \
                         this format), so Django reads the session as empty"
                            .to_owned(),
                    );
                }
                return Some(d.finish(notes));
            }
        }
        match raw.rsplit_once(':') {
            Some((value, sig)) => {
                d.format = current::guess_format(value);
                let len_hint = match sig.len() {
                    signing::SIG_LEN_SHA256 | signing::SIG_LEN_SHA1 => String::new(),
                    n => format!(
                        " (the signature has {n} characters; Django's have {} for SHA-256, {} for SHA-1)",
                        signing::SIG_LEN_SHA256,
                        signing::SIG_LEN_SHA1
                    ),
                };
                d.error = Some(format!(
                    "signature matches neither SECRET_KEY nor any fallback key{len_hint}, so Django reads \
                     the session as empty"
                ));
            }
            None => d.error = Some(not_a_session(raw)),
        }
        Some(d.finish(notes))
    }

    fn decode_legacy_payload(
        &self,
        serialized: &[u8],
        d: &mut Decoded,
        notes: &mut Vec<String>,
        only: Option<&[&str]>,
    ) {
        notes.push(LEGACY_NOTE.to_owned());
        let (ser, result) = payload::deserialize(serialized, only);
        d.format = Format::of(ser, false, true);
        current::fill(d, notes, ser, result);
    }
}

fn not_a_session(raw: &str) -> String {
    if raw.is_empty() {
        "empty value, so Django reads the session as empty".to_owned()
    } else if raw.contains(':') {
        "not a signed session value (PAYLOAD:TIMESTAMP:SIGNATURE needs two ':'), so Django reads the \
         session as empty"
            .to_owned()
    } else {
        "not a signed session value (no ':' separator, and not the pre-3.1 base64 format), so Django \
         reads the session as empty"
            .to_owned()
    }
}

#[cfg(test)]
mod tests;
