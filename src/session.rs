//! Sessions as sessctl sees them, and the selectors that pick them.
//!
//! The meaning of "expired" is fixed here for every store: a session is expired at `t`
//! when `clear-expired --now t` would delete it. For database stores that is Django's
//! `expire_date < t` (strict: a session whose expiry equals `t` is kept, even though
//! Django no longer loads it).

use chrono::{DateTime, Utc};
use memchr::memmem;

use crate::codec::{CachedValue, Codec, Decoded, USER_ID_KEY};

/// A session's encoded data, exactly as its store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Django's signed `session_data` text (db, cached_db and file engines).
    Signed(String),
    /// The value a cache holds for a session (cache engine, and cache-only sessions of
    /// cached_db): the session dict as the cache serialized it, unsigned.
    Cached(CachedValue),
}

impl Payload {
    /// Size in bytes, as stored.
    pub fn len(&self) -> usize {
        match self {
            Payload::Signed(text) => text.len(),
            Payload::Cached(value) => value.bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The signed text, for stores that keep text.
    pub fn as_signed(&self) -> Option<&str> {
        match self {
            Payload::Signed(text) => Some(text),
            Payload::Cached(_) => None,
        }
    }
}

/// One stored session, as read from a store.
#[derive(Clone, Debug)]
pub struct StoredSession {
    pub key: String,
    pub payload: Payload,
    /// When the session expires; `None` when the store holds no fixed expiry for it.
    pub expire_date: Option<DateTime<Utc>>,
    /// Whether `clear-expired` at the evaluation time deletes it, as the store decided.
    pub expired: bool,
}

/// A row-level condition a store can evaluate itself, inside its DELETE or UPDATE: the
/// re-check that makes a batch safe against sessions renewed while it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Condition {
    /// Only sessions that `clear-expired` would delete at this instant.
    pub expired_at: Option<DateTime<Utc>>,
    /// Only sessions that `clear-expired` would keep at this instant.
    pub active_at: Option<DateTime<Utc>>,
}

impl Condition {
    pub const ALL: Condition = Condition {
        expired_at: None,
        active_at: None,
    };

    pub fn expired_at(t: DateTime<Utc>) -> Condition {
        Condition {
            expired_at: Some(t),
            active_at: None,
        }
    }

    pub fn active_at(t: DateTime<Utc>) -> Condition {
        Condition {
            expired_at: None,
            active_at: Some(t),
        }
    }
}

/// What a bulk operation does to each selected session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Delete,
    /// Set the expiry to this instant (Django stops loading it at once).
    ExpireAt(DateTime<Utc>),
}

/// What a bulk write does to the sessions it selects: the action, the condition each
/// must still satisfy when it is changed, and whether the store reports which keys it
/// changed (see [`crate::store::Receipt`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    pub action: Action,
    pub cond: Condition,
    pub report_keys: bool,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Delete => "deleted",
            Action::ExpireAt(_) => "updated",
        }
    }
}

/// A session picked by key. With `payload`, the store acts only if the stored data is still
/// exactly this value: the session was chosen by decoding it, and a session rewritten
/// since (renewed, logged in as someone else) must be chosen again, not blindly changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub key: String,
    pub payload: Option<Payload>,
}

/// Selectors that need the decoded session data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeFilter {
    /// `_auth_user_id` equal to this.
    pub user: Option<String>,
    /// Data that does not decode or verify.
    pub invalid: bool,
}

impl DecodeFilter {
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && !self.invalid
    }

    /// Whether `decoded` is selected. Both criteria must hold when both are given.
    pub fn matches(&self, decoded: &Decoded) -> bool {
        if self.invalid && decoded.data.is_some() {
            return false;
        }
        match &self.user {
            Some(user) => decoded.user_id().as_deref() == Some(user.as_str()),
            None => true,
        }
    }

    /// What applies this filter to the sessions of a scan (built once per scan).
    pub fn selector<'a>(&'a self, codec: &'a Codec) -> Selector<'a> {
        let needles = self.user_prefilter().map(|id| {
            (
                memmem::Finder::new(b"\"_auth_user_id\""),
                memmem::Finder::new(id),
            )
        });
        Selector {
            filter: self,
            codec,
            needles,
        }
    }

    /// For a user-only filter, bytes every JSON payload of that user holds: Django writes
    /// `_auth_user_id` with `ensure_ascii`, so a plain ASCII id appears verbatim. Payloads
    /// without them are not parsed; the others are decoded and checked in full.
    fn user_prefilter(&self) -> Option<&[u8]> {
        let user = self.user.as_deref()?;
        let plain = !user.is_empty()
            && user
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
        (!self.invalid && plain).then_some(user.as_bytes())
    }
}

/// A [`DecodeFilter`] ready to test sessions: the codec, and the prefilter's substring
/// searchers, which cost about as much to build as to run once.
pub struct Selector<'a> {
    filter: &'a DecodeFilter,
    codec: &'a Codec,
    needles: Option<(memmem::Finder<'static>, memmem::Finder<'a>)>,
}

impl Selector<'_> {
    /// Decodes `session` and applies the filter; an empty filter selects everything
    /// without decoding.
    pub fn select(&self, session: &StoredSession) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        match (&self.needles, &session.payload) {
            (Some((field, id)), Payload::Signed(raw)) => {
                let wanted = |json: &[u8]| field.find(json).is_some() && id.find(json).is_some();
                self.codec
                    .decode_unless(raw, &wanted)
                    .is_some_and(|decoded| self.filter.matches(&decoded))
            }
            // `matches` looks only at whether the data decodes and at the user id, and
            // `decode_only` answers both as `decode` does without building the rest of
            // the dict (most of the cost of `--invalid`).
            _ => self.filter.matches(
                &self
                    .codec
                    .decode_payload_only(&session.payload, USER_ID_KEY),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn session(json: &str) -> StoredSession {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        StoredSession {
            key: "k".repeat(32),
            payload: Payload::Signed(format!("{payload}:1uLgQ4:unsigned")),
            expire_date: None,
            expired: false,
        }
    }

    fn user(id: &str) -> DecodeFilter {
        DecodeFilter {
            user: Some(id.to_owned()),
            invalid: false,
        }
    }

    /// The byte prefilter may only skip parsing; what it lets through is decided in full.
    #[test]
    fn user_filter_fast_path_agrees_with_a_full_decode() {
        let codec = Codec::new(crate::codec::DEFAULT_SALT, Vec::new());
        let cases = [
            (r#"{"_auth_user_id":"42","x":1}"#, true),
            (r#"{"_auth_user_id":"420"}"#, false),
            (r#"{"_auth_user_id":"7","note":"42"}"#, false),
            (r#"{"cart":{"_auth_user_id":"42"}}"#, false),
            (r#"{"_auth_user_id":42}"#, true),
            (r#"{"x":"42"}"#, false),
            (r#"{}"#, false),
        ];
        for (json, want) in cases {
            let s = session(json);
            assert_eq!(user("42").selector(&codec).select(&s), want, "{json}");
            assert_eq!(
                user("42").matches(&codec.decode_payload(&s.payload)),
                want,
                "{json}"
            );
        }
        // Ids that JSON would escape take the full path and still match.
        let s = session(r#"{"_auth_user_id":"a\"b"}"#);
        assert!(user("a\"b").selector(&codec).select(&s));
    }

    /// `--invalid` (alone or with `--user`) decides on one entry of the data; it must
    /// select exactly what a full decode says is undecodable.
    #[test]
    fn invalid_filter_agrees_with_a_full_decode() {
        let codec = Codec::new(crate::codec::DEFAULT_SALT, Vec::new());
        let invalid = DecodeFilter {
            user: None,
            invalid: true,
        };
        let invalid_of_42 = DecodeFilter {
            user: Some("42".to_owned()),
            invalid: true,
        };
        let cases = [
            r#"{"_auth_user_id":"42"}"#,
            r#"{"a":NaN,"_auth_user_id":"42"}"#,
            r#"{"a":[1,2,{"b":"\ud800"}]}"#,
            r#"{"a":1,}"#,
            r#"{"a":"unterminated}"#,
            r#"[1,2,3]"#,
            r#""a string""#,
            r#"{"a":1} trailing"#,
            "",
        ];
        for json in cases {
            let s = session(json);
            let undecodable = codec.decode_payload(&s.payload).data.is_none();
            assert_eq!(invalid.selector(&codec).select(&s), undecodable, "{json}");
            // An undecodable session has no user, so both criteria never hold together.
            assert!(!invalid_of_42.selector(&codec).select(&s), "{json}");
        }
    }
}
