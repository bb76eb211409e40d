//! Who is behind a session, and whether Django still treats it as logged in: the
//! verdict of Django's `get_user()`, computed from the session, the user table and the
//! site's keys, without Django.
//!
//! The order of the checks is Django's (`django.contrib.auth.get_user`): the session
//! loads (not expired, decodes and verifies) → it names a user and a backend → the id
//! parses for the key type → the backend is configured → the user row exists → the
//! backend lets the user in (`is_active`) → the user model checks the session hash →
//! the hash matches SECRET_KEY, or (Django 4.1.8+) a fallback key, or (3.2) the SHA-1
//! form. Each step that fails gives its own [`AuthState`]; which of them Django flushes
//! at the next request, and which it leaves, is [`AuthState::flushed_by_django`].

pub mod census;
pub mod hash;
pub mod pk;
pub mod users;

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::Value;

use self::hash::{HashKeys, HashMatch};
use self::pk::{PkKind, UserPk};
use self::users::{Active, UserDirectory, UserRow};
use crate::codec::{Algorithm, Decoded, USER_ID_KEY};
use crate::exit::{coded, ExitCode};
use crate::session::StoredSession;

/// What Django's `get_user()` makes of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum AuthState {
    /// Logged in: the hash matches SECRET_KEY.
    Valid,
    /// Logged in through a SECRET_KEY_FALLBACKS key: the next request re-keys it.
    ValidFallback,
    /// The hash no longer matches (password changed, key retired, SHA-1 hash on
    /// 4.0+): Django flushes it at the next request.
    Stale,
    /// Logged in without `_auth_user_hash`: Django flushes it at the next request.
    MissingHash,
    /// The user model has no `get_session_auth_hash()`: logged in, nothing to check.
    NoHashCheck,
    /// The user row is gone: anonymous, row left.
    UserDeleted,
    /// `is_active` is false for a backend that checks it: anonymous, row left; it logs
    /// in again if the user is re-activated.
    Inactive,
    /// `_auth_user_backend` is not in AUTHENTICATION_BACKENDS: anonymous, row left; it
    /// logs in again if the backend is configured again.
    BackendNotConfigured,
    /// `_auth_user_id` does not parse for the key type: Django answers 500.
    InvalidUserId,
    /// No user in the session.
    Anonymous,
    /// Django no longer loads it.
    Expired,
    /// The data does not decode or verify with the site's keys.
    Undecodable,
    /// No secret key given: the owner is known, whether the hash matches is not.
    Unverified,
}

impl AuthState {
    pub const ALL: [AuthState; 13] = [
        AuthState::Valid,
        AuthState::ValidFallback,
        AuthState::Stale,
        AuthState::MissingHash,
        AuthState::NoHashCheck,
        AuthState::UserDeleted,
        AuthState::Inactive,
        AuthState::BackendNotConfigured,
        AuthState::InvalidUserId,
        AuthState::Anonymous,
        AuthState::Expired,
        AuthState::Undecodable,
        AuthState::Unverified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthState::Valid => "valid",
            AuthState::ValidFallback => "valid_fallback",
            AuthState::Stale => "stale",
            AuthState::MissingHash => "missing_hash",
            AuthState::NoHashCheck => "no_hash_check",
            AuthState::UserDeleted => "user_deleted",
            AuthState::Inactive => "inactive",
            AuthState::BackendNotConfigured => "backend_not_configured",
            AuthState::InvalidUserId => "invalid_user_id",
            AuthState::Anonymous => "anonymous",
            AuthState::Expired => "expired",
            AuthState::Undecodable => "undecodable",
            AuthState::Unverified => "unverified",
        }
    }

    /// Whether `request.user` is the session's user.
    pub fn logged_in(self) -> bool {
        matches!(
            self,
            AuthState::Valid | AuthState::ValidFallback | AuthState::NoHashCheck
        )
    }

    /// Whether Django's next request with this session deletes it (`flush()` inside
    /// `get_user()`): such a session can never log anyone in again.
    pub fn flushed_by_django(self) -> bool {
        matches!(self, AuthState::Stale | AuthState::MissingHash)
    }

    /// One sentence for `inspect`.
    pub fn explain(self) -> &'static str {
        match self {
            AuthState::Valid => "logged in: the hash matches the user's password and SECRET_KEY",
            AuthState::ValidFallback => "logged in through a SECRET_KEY_FALLBACKS key; the next request re-keys the session",
            AuthState::Stale => "anonymous: the hash no longer matches (password changed, or a retired key); Django deletes the session at its next request",
            AuthState::MissingHash => "anonymous: no _auth_user_hash; Django deletes the session at its next request",
            AuthState::NoHashCheck => "logged in: the user model has no get_session_auth_hash(), so the hash is not checked",
            AuthState::UserDeleted => "anonymous: the user no longer exists; the session is left until it expires",
            AuthState::Inactive => "anonymous while the user is inactive (is_active false); logs in again if re-activated",
            AuthState::BackendNotConfigured => "anonymous: _auth_user_backend is not in AUTHENTICATION_BACKENDS; logs in again if it is configured again",
            AuthState::InvalidUserId => "_auth_user_id does not parse for the user table's key: Django answers 500",
            AuthState::Anonymous => "anonymous: no user in the session",
            AuthState::Expired => "anonymous: Django no longer loads the session (expired)",
            AuthState::Undecodable => "anonymous: the data does not decode or verify with the keys given",
            AuthState::Unverified => "the owner is known; no secret key given, so whether the hash still matches is not",
        }
    }
}

/// The Django release lines whose `get_user()` rules differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DjangoLine {
    /// 3.1 and 3.2: SHA-1 hashes accepted beside SHA-256, no fallbacks, NULL
    /// `is_active` counts as active, SHA-1 signatures and the legacy format load.
    V3,
    /// 4.0 to 4.1.7: SHA-256 with SECRET_KEY only.
    V4Early,
    /// 4.1.8 and later: fallback keys accepted for the hash (ticket #34384).
    Current,
}

impl DjangoLine {
    /// `--django-version`: `3.2`, `4.1.7`, `4.2`, `5.2.1`, `6.1`…
    pub fn parse(text: &str) -> Result<DjangoLine, String> {
        let parts: Vec<u32> = text
            .trim()
            .split('.')
            .map(|p| p.parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("`{text}` is not a Django version; give e.g. 4.2 or 4.1.7"))?;
        let at = |i: usize| parts.get(i).copied().unwrap_or(0);
        match (at(0), at(1), at(2)) {
            (3, 1..=2, _) => Ok(DjangoLine::V3),
            (3, _, _) | (0..=2, _, _) => Err(format!(
                "Django {text} is not supported; sessctl knows Django 3.1 and later"
            )),
            (4, 0, _) => Ok(DjangoLine::V4Early),
            // "4.1" alone means the newest 4.1 release.
            (4, 1, patch) if parts.len() >= 3 && patch < 8 => Ok(DjangoLine::V4Early),
            _ => Ok(DjangoLine::Current),
        }
    }
}

/// Django's default AUTHENTICATION_BACKENDS.
pub const DEFAULT_BACKEND: &str = "django.contrib.auth.backends.ModelBackend";

/// The settings `get_user()` depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub line: DjangoLine,
    /// AUTHENTICATION_BACKENDS, compared as exact strings.
    pub backends: Vec<String>,
    /// Whether the user model has `get_session_auth_hash()` (every `AbstractBaseUser`).
    pub hash_check: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            line: DjangoLine::Current,
            backends: vec![DEFAULT_BACKEND.to_owned()],
            hash_check: true,
        }
    }
}

impl Rules {
    /// Whether the backend's `get_user()` refuses inactive users
    /// (`user_can_authenticate`): ModelBackend and RemoteUserBackend (and, as far as a
    /// tool can know, custom backends, which mostly extend ModelBackend); not the
    /// AllowAllUsers variants.
    fn checks_active(backend: &str) -> bool {
        !backend
            .rsplit('.')
            .next()
            .unwrap_or(backend)
            .starts_with("AllowAllUsers")
    }

    /// Whether `user` can pass `user_can_authenticate()` with this backend.
    fn lets_in(&self, backend: &str, active: Active) -> bool {
        if !Self::checks_active(backend) {
            return true;
        }
        match active {
            Active::Yes | Active::NoColumn => true,
            Active::No => false,
            // 3.2: `is_active or is_active is None`; 4.2+: getattr(user, "is_active", True).
            Active::Null => self.line == DjangoLine::V3,
        }
    }
}

/// What a session itself says about its user, before the user table is read: computed
/// for every session of a scan, so it needs nothing but the decoded data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Expired: anonymous whoever it names; the owner is still shown.
    Expired(Option<UserPk>),
    Undecodable,
    Anonymous,
    InvalidUserId(String),
    User {
        pk: UserPk,
        backend: String,
        hash: Option<String>,
    },
}

impl Claim {
    /// Steps 1–4 of `get_user()`: expiry, decoding, the id and backend, the id's type.
    /// `expired`: Django stops loading a session once `expire_date <= now`.
    pub fn of(decoded: &Decoded, expired: bool, rules: &Rules, kind: PkKind) -> Claim {
        let Some(data) = decoded.data.as_ref().filter(|_| decoded.is_ok()) else {
            return if expired {
                Claim::Expired(None)
            } else {
                Claim::Undecodable
            };
        };
        if expired {
            return Claim::Expired(data.get(USER_ID_KEY).and_then(|id| pk::parse(id, kind)));
        }
        // From 4.0 SHA-1 signatures and the pre-3.1 format no longer load.
        if rules.line != DjangoLine::V3
            && (decoded.algorithm == Some(Algorithm::Sha1) || decoded.format.is_legacy())
        {
            return Claim::Undecodable;
        }
        let (Some(id), Some(backend)) = (data.get(USER_ID_KEY), data.get("_auth_user_backend"))
        else {
            return Claim::Anonymous;
        };
        let backend = match backend {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let Some(pk) = pk::parse(id, kind) else {
            return Claim::InvalidUserId(match id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        };
        Claim::User {
            pk,
            backend,
            hash: data
                .get("_auth_user_hash")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    /// Whether a session is past Django's loading point: `expire_date <= now`.
    pub fn expired_for_django(session: &StoredSession, now: DateTime<Utc>) -> bool {
        session.expired || session.expire_date.is_some_and(|at| at <= now)
    }
}

/// The verdict on one session, with its owner when the user row exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub state: AuthState,
    pub owner: Option<UserRow>,
}

/// Judges sessions against the user table: [`Claim::of`] on every session (in
/// parallel, it needs nothing shared), then [`Judge::verdicts`] once per page, which
/// reads the page's users with one query per [`users`] chunk.
pub struct Judge {
    pub rules: Rules,
    keys: HashKeys,
    users: UserDirectory,
}

impl Judge {
    pub fn new(rules: Rules, secrets: &[String], users: UserDirectory) -> Judge {
        // Django 3.2 has no SECRET_KEY_FALLBACKS: only SECRET_KEY makes hashes there.
        let secrets = if rules.line == DjangoLine::V3 {
            &secrets[..secrets.len().min(1)]
        } else {
            secrets
        };
        Judge {
            rules,
            keys: HashKeys::new(secrets),
            users,
        }
    }

    pub fn kind(&self) -> PkKind {
        self.users.kind()
    }

    pub fn users(&mut self) -> &mut UserDirectory {
        &mut self.users
    }

    /// Whether valid and stale can be told apart (a secret key was given).
    pub fn verifies(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The verdict on each claim, in order.
    pub fn verdicts(&mut self, claims: &[Claim]) -> Result<Vec<Verdict>> {
        // Every named user is read, also for sessions Django does not log in: the owner
        // of an expired session or of a backend no longer configured is still shown.
        let wanted: Vec<UserPk> = claims
            .iter()
            .filter_map(|c| match c {
                Claim::User { pk, .. } | Claim::Expired(Some(pk)) => Some(pk.clone()),
                _ => None,
            })
            .collect();
        let rows = self.users.lookup(&wanted)?;
        Ok(claims.iter().map(|c| self.verdict(c, &rows)).collect())
    }

    fn verdict(&self, claim: &Claim, rows: &HashMap<UserPk, UserRow>) -> Verdict {
        let state = |state| Verdict { state, owner: None };
        let (pk, backend, hash) = match claim {
            Claim::Expired(pk) => {
                return Verdict {
                    state: AuthState::Expired,
                    owner: pk.as_ref().and_then(|pk| rows.get(pk)).cloned(),
                }
            }
            Claim::Undecodable => return state(AuthState::Undecodable),
            Claim::Anonymous => return state(AuthState::Anonymous),
            Claim::InvalidUserId(_) => return state(AuthState::InvalidUserId),
            Claim::User { pk, backend, hash } => (pk, backend, hash),
        };
        let user = rows.get(pk);
        let owned = |state| Verdict {
            state,
            owner: user.cloned(),
        };
        if !self.rules.backends.contains(backend) {
            return owned(AuthState::BackendNotConfigured);
        }
        let Some(user) = user else {
            return state(AuthState::UserDeleted);
        };
        if !self.rules.lets_in(backend, user.active) {
            return owned(AuthState::Inactive);
        }
        if !self.rules.hash_check {
            return owned(AuthState::NoHashCheck);
        }
        let Some(hash) = hash.as_deref().filter(|h| !h.is_empty()) else {
            return owned(AuthState::MissingHash);
        };
        if !self.verifies() {
            return owned(AuthState::Unverified);
        }
        let fallbacks = self.rules.line == DjangoLine::Current;
        let sha1 = self.rules.line == DjangoLine::V3;
        owned(
            match self.keys.find(hash, &user.password, fallbacks, sha1) {
                HashMatch::Sha256(0) | HashMatch::Sha1 => AuthState::Valid,
                HashMatch::Sha256(_) => AuthState::ValidFallback,
                HashMatch::None => AuthState::Stale,
            },
        )
    }
}

/// The users a person filter names: every row whose username or e-mail column equals
/// the value. None is an error (exit 4): a typo must not look like "nobody to log out".
pub fn resolve_people(
    users: &mut UserDirectory,
    field: users::Field,
    value: &str,
) -> Result<Vec<UserRow>> {
    let found = users.find(field, value)?;
    if found.is_empty() {
        let what = match field {
            users::Field::Username => "username",
            users::Field::Email => "e-mail address",
        };
        return Err(coded(
            ExitCode::NotFound,
            format!(
                "no user with {what} `{}` in {} (compared exactly, case included)",
                crate::output::escape::for_terminal(value),
                users.describe()
            ),
        ));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_their_rules() {
        assert_eq!(DjangoLine::parse("3.2"), Ok(DjangoLine::V3));
        assert_eq!(DjangoLine::parse("3.2.25"), Ok(DjangoLine::V3));
        assert_eq!(DjangoLine::parse("4.0"), Ok(DjangoLine::V4Early));
        assert_eq!(DjangoLine::parse("4.1.7"), Ok(DjangoLine::V4Early));
        assert_eq!(DjangoLine::parse("4.1.8"), Ok(DjangoLine::Current));
        assert_eq!(DjangoLine::parse("4.1"), Ok(DjangoLine::Current));
        assert_eq!(DjangoLine::parse("4.2"), Ok(DjangoLine::Current));
        assert_eq!(DjangoLine::parse("6.1"), Ok(DjangoLine::Current));
        assert!(DjangoLine::parse("3.0").is_err());
        assert!(DjangoLine::parse("five").is_err());
    }

    #[test]
    fn allow_all_backends_skip_the_active_check() {
        let rules = Rules::default();
        assert!(!rules.lets_in(DEFAULT_BACKEND, Active::No));
        assert!(rules.lets_in(
            "django.contrib.auth.backends.AllowAllUsersModelBackend",
            Active::No
        ));
        assert!(!rules.lets_in(DEFAULT_BACKEND, Active::Null));
        let v3 = Rules {
            line: DjangoLine::V3,
            ..Rules::default()
        };
        assert!(v3.lets_in(DEFAULT_BACKEND, Active::Null));
        assert!(rules.lets_in(DEFAULT_BACKEND, Active::NoColumn));
    }
}
