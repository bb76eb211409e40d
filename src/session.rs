//! Sessions as sessctl sees them, and the selectors that pick them.
//!
//! The meaning of "expired" is fixed here for every store: a session is expired at `t`
//! when `clear-expired --now t` would delete it. For database stores that is Django's
//! `expire_date < t` (strict: a session whose expiry equals `t` is kept, even though
//! Django no longer loads it).

use chrono::{DateTime, Utc};
use memchr::memmem;

use crate::auth::pk::PkKind;
use crate::auth::{AuthState, Claim, Rules};
use crate::codec::{CachedValue, Codec, Decoded, AUTH_KEYS, USER_ID_KEY};

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
    /// `_auth_user_id` equal to one of these (empty: any user or none).
    pub users: Vec<String>,
    /// Data that does not decode or verify.
    pub invalid: bool,
    /// An auth state among these, as the user table says (see [`crate::auth`]).
    pub auth: Option<AuthSelect>,
}

/// `--auth`, `--stale`, `--user-deleted`: sessions whose verdict is one of `states`.
/// The verdict needs the user table, so a scan gives each candidate's [`Claim`] and the
/// engine asks the [`crate::auth::Judge`] about a whole page at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSelect {
    pub states: Vec<AuthState>,
    pub rules: Rules,
    pub kind: PkKind,
    pub now: DateTime<Utc>,
}

/// What a [`Selector`] makes of one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    No,
    Yes,
    /// Chosen if the judge's verdict on this claim is among the wanted states.
    Judge(Claim),
}

impl Pick {
    pub fn is_yes(&self) -> bool {
        matches!(self, Pick::Yes)
    }
}

impl DecodeFilter {
    /// Sessions of one user.
    pub fn user(id: &str) -> DecodeFilter {
        DecodeFilter {
            users: vec![id.to_owned()],
            ..DecodeFilter::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && !self.invalid && self.auth.is_none()
    }

    /// Whether `decoded` passes the user and validity criteria (both must hold when
    /// both are given; the auth state is judged apart).
    pub fn matches(&self, decoded: &Decoded) -> bool {
        if self.invalid && decoded.data.is_some() {
            return false;
        }
        if self.users.is_empty() {
            return true;
        }
        decoded.user_id().is_some_and(|id| self.users.contains(&id))
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

    /// For a one-user filter, bytes every JSON payload of that user holds: Django writes
    /// `_auth_user_id` with `ensure_ascii`, so a plain ASCII id appears verbatim. Payloads
    /// without them are not parsed; the others are decoded and checked in full.
    fn user_prefilter(&self) -> Option<&[u8]> {
        let [user] = self.users.as_slice() else {
            return None;
        };
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
        self.pick(session).is_yes()
    }

    /// [`select`](Selector::select), with the auth state left to the judge.
    pub fn pick(&self, session: &StoredSession) -> Pick {
        if self.filter.is_empty() {
            return Pick::Yes;
        }
        let yes = |chosen: bool| if chosen { Pick::Yes } else { Pick::No };
        if let Some(auth) = &self.filter.auth {
            // The verdict and `matches` read the `_auth_user_*` entries only.
            let decoded = self.codec.decode_payload_only(&session.payload, &AUTH_KEYS);
            if !self.filter.matches(&decoded) {
                return Pick::No;
            }
            let expired = Claim::expired_for_django(session, auth.now);
            return Pick::Judge(Claim::of(&decoded, expired, &auth.rules, auth.kind));
        }
        match (&self.needles, &session.payload) {
            (Some((field, id)), Payload::Signed(raw)) => {
                let wanted = |json: &[u8]| field.find(json).is_some() && id.find(json).is_some();
                yes(self
                    .codec
                    .decode_unless(raw, &wanted)
                    .is_some_and(|decoded| self.filter.matches(&decoded)))
            }
            // `matches` looks only at whether the data decodes and at the user id, and
            // `decode_only` answers both as `decode` does without building the rest of
            // the dict (most of the cost of `--invalid`).
            _ => yes(self.filter.matches(
                &self
                    .codec
                    .decode_payload_only(&session.payload, &[USER_ID_KEY]),
            )),
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
        DecodeFilter::user(id)
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
            invalid: true,
            ..DecodeFilter::default()
        };
        let invalid_of_42 = DecodeFilter {
            invalid: true,
            ..DecodeFilter::user("42")
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
