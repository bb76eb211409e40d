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

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::Value;

use self::hash::{ExpectedHashes, HashKeys, HashMatch};
use self::pk::{PkKind, UserPk};
use self::users::{Active, UserDirectory, UserRow};
use crate::codec::{Algorithm, Decoded, USER_BACKEND_KEY, USER_HASH_KEY, USER_ID_KEY};
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
    /// `expired`: Django stops loading a session once `expire_date <= now`. `decoded`
    /// needs only the [`AUTH_KEYS`](crate::codec::AUTH_KEYS) entries of the data
    /// ([`Codec::decode_payload_only`](crate::codec::Codec::decode_payload_only)).
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
        let (Some(id), Some(backend)) = (data.get(USER_ID_KEY), data.get(USER_BACKEND_KEY)) else {
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
                .get(USER_HASH_KEY)
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    /// The user the session names, when its id parses for the key type.
    pub fn user(&self) -> Option<&UserPk> {
        match self {
            Claim::User { pk, .. } | Claim::Expired(Some(pk)) => Some(pk),
            _ => None,
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
    /// The user row, its password taken out (no verdict carries it).
    pub owner: Option<Arc<UserRow>>,
}

/// How many users the judge keeps between pages (about 20 MiB of rows), so that memory
/// stays flat however many users a table names: past it, the next page starts afresh.
const KNOWN_USERS: usize = 100_000;

/// A user row the judge has read, with the session hashes it accepts.
struct Known {
    row: Arc<UserRow>,
    hashes: ExpectedHashes,
}

/// Judges sessions against the user table: [`Claim::of`] on every session (in
/// parallel, it needs nothing shared), then [`Judge::verdicts`] once per page, which
/// reads the users the page names with one query per [`users`] chunk.
///
/// A scan meets the same users page after page, so rows read for earlier pages are kept
/// (with each user's hashes made once) and only users not seen yet are read. A row kept
/// from an earlier page may be older than the session being judged, so it only ever
/// confirms a session that logs its user in: a session is called `stale`, `missing_hash`
/// or `inactive` only on a row read after the session was, and `user_deleted` only when
/// such a read finds no row. Whatever deletes sessions by their state (`purge --stale`)
/// therefore never acts on a password or `is_active` it has not just read.
pub struct Judge {
    pub rules: Rules,
    keys: HashKeys,
    users: UserDirectory,
    known: HashMap<UserPk, Known>,
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
            known: HashMap::new(),
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
    pub fn verdicts(&mut self, claims: &[&Claim]) -> Result<Vec<Verdict>> {
        if self.known.len() > KNOWN_USERS {
            self.known.clear();
        }
        // A page has thousands of claims; they are judged on every core, so that the
        // thread reading the store is not the one judging. First on the rows kept from
        // earlier pages: what they cannot settle (users not read yet, and verdicts that
        // leave the session without its user, see the type's documentation) is judged
        // again once those users are read as they are now. Every named user is read,
        // also for sessions Django does not log in: the owner of an expired session or
        // of a backend no longer configured is still shown.
        let (rules, verifies, known) = (&self.rules, self.verifies(), &self.known);
        let mut verdicts = crate::parallel::map(claims, |c| {
            verdict(rules, verifies, known, c, Rows::Kept).filter(|v| {
                !matches!(
                    v.state,
                    AuthState::Stale | AuthState::MissingHash | AuthState::Inactive
                )
            })
        });
        let unsettled: HashSet<&UserPk> = claims
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| v.is_none())
            .filter_map(|(c, _)| c.user())
            .collect();
        self.read_users(&unsettled)?;
        let (rules, known) = (&self.rules, &self.known);
        Ok(claims
            .iter()
            .zip(verdicts.iter_mut())
            .map(|(claim, v)| {
                v.take()
                    .or_else(|| verdict(rules, verifies, known, claim, Rows::Read))
                    .expect("with every named user read, each claim has a verdict")
            })
            .collect())
    }

    /// Reads these users as they are now: rows found replace what was kept, users
    /// without a row are forgotten.
    fn read_users(&mut self, pks: &HashSet<&UserPk>) -> Result<()> {
        if pks.is_empty() {
            return Ok(());
        }
        let mut rows = self
            .users
            .lookup(&pks.iter().copied().collect::<Vec<_>>())?;
        let fallbacks = self.rules.line == DjangoLine::Current;
        let sha1 = self.rules.line == DjangoLine::V3;
        for &pk in pks {
            match rows.remove(pk) {
                Some(mut row) => {
                    let hashes = self.keys.expected(&row.password, fallbacks, sha1);
                    row.password = String::new();
                    let known = Known {
                        row: Arc::new(row),
                        hashes,
                    };
                    self.known.insert(pk.clone(), known);
                }
                None => {
                    self.known.remove(pk);
                }
            }
        }
        Ok(())
    }
}

/// What the rows a verdict is made on are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Kept from earlier pages: a user without a row may just not be read yet.
    Kept,
    /// Read for this page: a user without a row has none.
    Read,
}

/// The verdict on one claim, from the rows `known` holds (see [`Judge`]); `None` when
/// it names a user `known` lacks and `rows` are only the kept ones.
fn verdict(
    rules: &Rules,
    verifies: bool,
    known: &HashMap<UserPk, Known>,
    claim: &Claim,
    rows: Rows,
) -> Option<Verdict> {
    let state = |state| Some(Verdict { state, owner: None });
    let (pk, backend, hash) = match claim {
        Claim::Expired(None) => return state(AuthState::Expired),
        Claim::Undecodable => return state(AuthState::Undecodable),
        Claim::Anonymous => return state(AuthState::Anonymous),
        Claim::InvalidUserId(_) => return state(AuthState::InvalidUserId),
        Claim::Expired(Some(pk)) => (pk, None, None),
        Claim::User { pk, backend, hash } => (pk, Some(backend), hash.as_deref()),
    };
    let user = known.get(pk);
    if user.is_none() && rows == Rows::Kept {
        return None;
    }
    let owned = |state| {
        Some(Verdict {
            state,
            owner: user.map(|k| Arc::clone(&k.row)),
        })
    };
    let Some(backend) = backend else {
        return owned(AuthState::Expired);
    };
    if !rules.backends.contains(backend) {
        return owned(AuthState::BackendNotConfigured);
    }
    let Some(user) = user else {
        return state(AuthState::UserDeleted);
    };
    if !rules.lets_in(backend, user.row.active) {
        return owned(AuthState::Inactive);
    }
    if !rules.hash_check {
        return owned(AuthState::NoHashCheck);
    }
    let Some(hash) = hash.filter(|h| !h.is_empty()) else {
        return owned(AuthState::MissingHash);
    };
    if !verifies {
        return owned(AuthState::Unverified);
    }
    owned(match user.hashes.find(hash) {
        HashMatch::Sha256(0) | HashMatch::Sha1 => AuthState::Valid,
        HashMatch::Sha256(_) => AuthState::ValidFallback,
        HashMatch::None => AuthState::Stale,
    })
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

    /// A table of users for [`Judge`] tests, and a connection to change it with.
    fn user_table(dir: &std::path::Path) -> (rusqlite::Connection, UserDirectory) {
        let path = dir.join("users.sqlite3");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128) NOT NULL, \
             is_active bool NOT NULL, username varchar(150), email varchar(254), last_login datetime);
             INSERT INTO auth_user VALUES (1, 'first', 1, 'alice', 'a@example.test', NULL);
             INSERT INTO auth_user VALUES (2, 'second', 1, 'bob', 'b@example.test', NULL);",
        )
        .unwrap();
        let database = crate::store::TableSpec {
            url: crate::dburl::StoreUrl::Sqlite { path },
            shown: "users.sqlite3".to_owned(),
            table: "django_session".to_owned(),
            zone: crate::zone::StoreZone::UTC,
        };
        let users = UserDirectory::open(
            &users::UserTableSpec::default(),
            &database,
            &crate::purge::pace::StopFlag::default(),
        )
        .unwrap()
        .unwrap();
        (conn, users)
    }

    const KEY: &str = "judge-test-secret";

    fn logged_in(pk: i64, password: &str) -> Claim {
        let hash = HashKeys::new(&[KEY.to_owned()]).session_hash(password);
        Claim::User {
            pk: UserPk::Int(pk),
            backend: DEFAULT_BACKEND.to_owned(),
            hash: Some(hash),
        }
    }

    fn states(judge: &mut Judge, claims: &[Claim]) -> Vec<AuthState> {
        let claims: Vec<&Claim> = claims.iter().collect();
        judge
            .verdicts(&claims)
            .unwrap()
            .into_iter()
            .map(|v| v.state)
            .collect()
    }

    /// Rows kept from an earlier page only ever confirm a logged-in session: a session
    /// they would call stale, missing_hash or inactive, or whose user they lack, is
    /// judged on the row as it is when its page is judged.
    #[test]
    fn kept_rows_never_make_a_session_stale_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let (db, users) = user_table(dir.path());
        let mut judge = Judge::new(Rules::default(), &[KEY.to_owned()], users);
        assert_eq!(
            states(&mut judge, &[logged_in(1, "first"), logged_in(2, "second")]),
            [AuthState::Valid, AuthState::Valid]
        );
        // Alice changes her password and logs in again; Bob is made inactive; a new
        // user arrives. Sessions made after that are judged on the new rows.
        db.execute_batch(
            "UPDATE auth_user SET password = 'changed' WHERE id = 1;
             UPDATE auth_user SET is_active = 0 WHERE id = 2;
             INSERT INTO auth_user VALUES (3, 'third', 1, 'carol', NULL, NULL);",
        )
        .unwrap();
        assert_eq!(
            states(
                &mut judge,
                &[
                    logged_in(1, "changed"),
                    logged_in(3, "third"),
                    logged_in(3, "wrong"),
                ]
            ),
            [AuthState::Valid, AuthState::Valid, AuthState::Stale]
        );
        // Bob's row was kept as active: his old session is still confirmed from it (a
        // scan is not a snapshot), but a session it cannot confirm reads the row again.
        let mut no_hash = logged_in(2, "second");
        if let Claim::User { hash, .. } = &mut no_hash {
            *hash = None;
        }
        assert_eq!(states(&mut judge, &[no_hash]), [AuthState::Inactive]);
        // The old-password session of Alice is stale on the row read just now.
        assert_eq!(
            states(&mut judge, &[logged_in(1, "first")]),
            [AuthState::Stale]
        );
        // A user deleted since: only a read that finds no row says so.
        db.execute_batch("DELETE FROM auth_user WHERE id = 3")
            .unwrap();
        assert_eq!(
            states(&mut judge, &[logged_in(3, "wrong")]),
            [AuthState::UserDeleted]
        );
        assert_eq!(
            states(&mut judge, &[logged_in(3, "third")]),
            [AuthState::UserDeleted],
            "a user found missing is forgotten, not confirmed from an old row"
        );
    }
}
