//! Sessions as sessctl sees them, and the selectors that pick them.
//!
//! The meaning of "expired" is fixed here for every store: a session is expired at `t`
//! when `clear-expired --now t` would delete it. For database stores that is Django's
//! `expire_date < t` (strict: a session whose expiry equals `t` is kept, even though
//! Django no longer loads it).

use chrono::{DateTime, Utc};

use crate::codec::{Codec, Decoded};

/// One stored session, as read from a store.
#[derive(Clone, Debug)]
pub struct StoredSession {
    pub key: String,
    /// The encoded `session_data`, exactly as stored.
    pub data: String,
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

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Delete => "deleted",
            Action::ExpireAt(_) => "updated",
        }
    }
}

/// A session picked by key. With `data`, the store acts only if the stored data is still
/// exactly this value: the session was chosen by decoding it, and a session rewritten
/// since (renewed, logged in as someone else) must be chosen again, not blindly changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub key: String,
    pub data: Option<String>,
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

    /// Decodes `session` and applies the filter; an empty filter selects everything
    /// without decoding.
    pub fn select(&self, codec: &Codec, session: &StoredSession) -> bool {
        self.is_empty() || self.matches(&codec.decode(&session.data))
    }
}
