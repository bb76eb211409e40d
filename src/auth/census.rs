//! `stats --users`: every session judged against the user table, counted by auth state,
//! and the users with the most sessions.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::pk::UserPk;
use super::{AuthState, Claim, Judge};
use crate::codec::{Codec, AUTH_KEYS};
use crate::session::Condition;
use crate::store::{Cursor, SessionStore};

/// Sessions per page of the census scan.
const PAGE: usize = 5_000;
/// How many of the users with the most sessions `stats` names.
pub const TOP_USERS: usize = 10;

/// What `stats --users` reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthFigures {
    /// Sessions per auth state (states with none are absent).
    pub states: BTreeMap<AuthState, u64>,
    /// Sessions that name a user (`_auth_user_id` present), whatever Django makes of them.
    pub with_user: u64,
    /// The users with the most sessions, most first (ties by id).
    pub top_users: Vec<TopUser>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopUser {
    pub id: String,
    pub username: Option<String>,
    pub sessions: u64,
}

impl AuthFigures {
    pub fn count(&self, state: AuthState) -> u64 {
        self.states.get(&state).copied().unwrap_or(0)
    }

    /// Sessions Django logs in.
    pub fn logged_in(&self) -> u64 {
        self.states
            .iter()
            .filter(|(s, _)| s.logged_in())
            .map(|(_, n)| n)
            .sum()
    }
}

/// Reads every session of `store` once, page by page (the pages decoded in parallel, each
/// page's users read in one go), and counts.
pub fn census(
    store: &mut dyn SessionStore,
    judge: &mut Judge,
    codec: &Codec,
    now: DateTime<Utc>,
) -> Result<AuthFigures> {
    let rules = judge.rules.clone();
    let kind = judge.kind();
    let mut figures = AuthFigures::default();
    let mut per_user: HashMap<UserPk, u64> = HashMap::new();
    let mut cursor = Cursor::start();
    crate::parallel::staged_pipeline(
        &mut (),
        |_| {
            if cursor.is_done() {
                return Ok(None);
            }
            store
                .scan_page(&mut cursor, &Condition::ALL, now, PAGE)
                .map(Some)
        },
        |session| {
            let decoded = codec.decode_payload_only(&session.payload, &AUTH_KEYS);
            let expired = Claim::expired_for_django(session, now);
            let names_user = decoded.user_id().is_some();
            (Claim::of(&decoded, expired, &rules, kind), names_user)
        },
        // The user table is asked about a page on a thread of its own, while the next
        // page is decoded and the one after it read.
        |_, seen| {
            let claims: Vec<&Claim> = seen.iter().map(|(c, _)| c).collect();
            let verdicts = judge.verdicts(&claims)?;
            Ok((seen, verdicts))
        },
        |_, _page, (seen, verdicts)| {
            for ((claim, names_user), verdict) in seen.into_iter().zip(verdicts) {
                *figures.states.entry(verdict.state).or_default() += 1;
                if names_user {
                    figures.with_user += 1;
                }
                let pk = match claim {
                    Claim::User { pk, .. } | Claim::Expired(Some(pk)) => Some(pk),
                    _ => None,
                };
                if let Some(pk) = pk {
                    *per_user.entry(pk).or_default() += 1;
                }
            }
            Ok(true)
        },
    )?;
    let mut ranked: Vec<(UserPk, u64)> = per_user.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(TOP_USERS);
    let keys: Vec<UserPk> = ranked.iter().map(|(pk, _)| pk.clone()).collect();
    let rows = judge.users().lookup(&keys.iter().collect::<Vec<_>>())?;
    figures.top_users = ranked
        .into_iter()
        .map(|(pk, sessions)| TopUser {
            id: pk.django_text(),
            username: rows.get(&pk).and_then(|r| r.username.clone()),
            sessions,
        })
        .collect();
    Ok(figures)
}
