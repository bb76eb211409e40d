//! The standbys of a PostgreSQL primary, read from `pg_stat_replication` and
//! `pg_replication_slots` on the primary over a connection of their own (the store's
//! is busy with the batches), for `--max-lag`.
//!
//! How far behind a standby is: the WAL bytes between the primary's current position and
//! the standby's replay position (`pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)`),
//! and a time: the larger of `replay_lag` and how long before the standby's last reply
//! the primary's WAL went past what the standby had replayed (from the positions this
//! watcher saw at each look, so that a `replay_lag` that stops moving while replay is
//! paused cannot hide a standby falling behind). A standby reports its positions when
//! it receives WAL and every `wal_receiver_status_interval` (10 s by default) otherwise,
//! so the primary learns that a standby has caught up at most that late.
//!
//! Not streaming: a row whose state is not `streaming`, an inactive replication slot,
//! or a standby seen at the start that has left `pg_stat_replication`.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use anyhow::Result;
use url::Url;

use crate::db::postgres::{self as pg, Connection, Limit};
use crate::db::Access;
use crate::purge::lag::{bytes, short};
use crate::purge::{LagBounds, Look, Replication, StopFlag};

/// Positions kept for the time estimate: one a look, a few per batch.
const SAMPLES: usize = 20_000;

/// Every look is short: a primary that does not answer within this (twice, plus slack)
/// counts as a standby that cannot be read, and the run pauses with a message.
const LOOK: Limit = Limit::Bounded(Duration::from_secs(5));

pub struct PgStandbys {
    conn: Connection,
    /// To connect again after a look failed.
    url: Url,
    shown: String,
    stop: StopFlag,
    broken: bool,
    /// Standbys seen at the start, by name: one that leaves is not streaming.
    known: BTreeSet<String>,
    /// (primary clock in seconds, primary WAL position in bytes) at each look.
    samples: VecDeque<(f64, f64)>,
    /// Standbys without hot_standby_feedback (no `backend_xmin`), for the note.
    without_feedback: Vec<String>,
    described: String,
}

struct Standby {
    name: String,
    state: String,
    replay_lag: Option<f64>,
    /// WAL bytes between the primary's position and the standby's replay position.
    behind: Option<f64>,
    replay_at: Option<f64>,
    reply_time: Option<f64>,
    feedback: bool,
}

impl PgStandbys {
    /// Connects to the primary again and reads its standbys; `None` when it has none
    /// and no replication slot (or is itself a standby).
    pub fn open(url: &Url, shown: &str, stop: StopFlag) -> Result<Option<PgStandbys>> {
        let mut conn = pg::connect(url, shown, Access::Read, stop.clone())?;
        let recovery: bool = conn
            .query_one(LOOK, "SELECT pg_is_in_recovery()", &[])
            .map_err(|e| conn.error(e, "reading the replication state", None))?
            .get(0);
        if recovery {
            return Ok(None);
        }
        let mut watcher = PgStandbys {
            conn,
            url: url.clone(),
            shown: shown.to_owned(),
            stop,
            broken: false,
            known: BTreeSet::new(),
            samples: VecDeque::new(),
            without_feedback: Vec::new(),
            described: String::new(),
        };
        let standbys = watcher.standbys()?;
        let slots = watcher.slots()?;
        if standbys.is_empty() && slots.is_empty() {
            return Ok(None);
        }
        if standbys.iter().any(|s| s.state.is_empty()) {
            return Err(crate::db::unavailable(format!(
                "--max-lag: the role at {shown} may not read pg_stat_replication (grant it pg_monitor, or pg_read_all_stats)"
            )));
        }
        watcher.known = standbys.iter().map(|s| s.name.clone()).collect();
        watcher.without_feedback = standbys
            .iter()
            .filter(|s| !s.feedback)
            .map(|s| s.name.clone())
            .collect();
        let mut parts: Vec<String> = standbys
            .iter()
            .map(|s| format!("{} {}", s.name, s.state))
            .collect();
        for (slot, kind, active) in &slots {
            if !active {
                parts.push(format!("slot {slot} ({kind}) inactive"));
            }
        }
        watcher.described = format!(
            "{} standby{} ({})",
            standbys.len(),
            if standbys.len() == 1 { "" } else { "s" },
            parts.join(", ")
        );
        Ok(Some(watcher))
    }

    fn standbys(&mut self) -> Result<Vec<Standby>> {
        let rows = self
            .conn
            .query(
                LOOK,
                "SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text), \
                 coalesce(state, ''), extract(epoch FROM replay_lag)::float8, \
                 pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8, \
                 pg_wal_lsn_diff(replay_lsn, '0/0')::float8, \
                 extract(epoch FROM reply_time)::float8, backend_xmin IS NOT NULL \
                 FROM pg_stat_replication ORDER BY 1",
                &[],
            )
            .map_err(|e| self.conn.error(e, "reading pg_stat_replication", None))?;
        Ok(rows
            .iter()
            .map(|r| Standby {
                name: r.get::<_, Option<String>>(0).unwrap_or_default(),
                state: r.get(1),
                replay_lag: r.get(2),
                behind: r.get(3),
                replay_at: r.get(4),
                reply_time: r.get(5),
                feedback: r.get(6),
            })
            .collect())
    }

    fn slots(&mut self) -> Result<Vec<(String, String, bool)>> {
        let rows = self
            .conn
            .query(
                LOOK,
                "SELECT slot_name::text, slot_type::text, active FROM pg_replication_slots ORDER BY 1",
                &[],
            )
            .map_err(|e| self.conn.error(e, "reading pg_replication_slots", None))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    /// The primary's clock and WAL position now, kept for the time estimate.
    fn sample(&mut self) -> Result<f64> {
        let row = self
            .conn
            .query_one(
                LOOK,
                "SELECT extract(epoch FROM clock_timestamp())::float8, \
                 pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8",
                &[],
            )
            .map_err(|e| self.conn.error(e, "reading the WAL position", None))?;
        let (at, lsn): (f64, f64) = (row.get(0), row.get(1));
        if self.samples.back().is_none_or(|&(_, last)| lsn > last) {
            self.samples.push_back((at, lsn));
            if self.samples.len() > SAMPLES {
                self.samples.pop_front();
            }
        }
        Ok(at)
    }

    /// How long before `until` the primary's WAL first went past `replayed`.
    fn behind_since(&self, replayed: f64, until: f64) -> f64 {
        self.samples
            .iter()
            .find(|&&(_, lsn)| lsn > replayed)
            .map_or(0.0, |&(at, _)| (until - at).max(0.0))
    }

    fn look_once(&mut self, bounds: &LagBounds) -> Result<Look> {
        let now = self.sample()?;
        let standbys = self.standbys()?;
        let slots = self.slots()?;
        for s in &standbys {
            if s.state != "streaming" {
                return Ok(Look::Stopped(format!(
                    "standby {} is in state `{}`, not streaming",
                    s.name, s.state
                )));
            }
        }
        for (slot, kind, active) in &slots {
            if !active {
                return Ok(Look::Stopped(format!(
                    "replication slot {slot} ({kind}) is inactive: its standby is not connected"
                )));
            }
        }
        for name in &self.known {
            if !standbys.iter().any(|s| &s.name == name) {
                return Ok(Look::Stopped(format!(
                    "standby {name} is no longer in pg_stat_replication"
                )));
            }
        }
        let mut worst: Option<(String, Duration, u64)> = None;
        for s in &standbys {
            let behind_bytes = s.behind.unwrap_or(0.0).max(0.0) as u64;
            let mut lag = 0.0;
            if behind_bytes > 0 {
                lag = s.replay_lag.unwrap_or(0.0);
                if let Some(replayed) = s.replay_at {
                    lag = lag.max(self.behind_since(replayed, s.reply_time.unwrap_or(now)));
                }
            }
            let lag = Duration::from_secs_f64(lag.max(0.0));
            let text = format!(
                "standby {} {} behind ({} of WAL)",
                s.name,
                short(lag),
                bytes(behind_bytes)
            );
            if !bounds.allows(Some(lag), Some(behind_bytes)) {
                return Ok(Look::Behind(text));
            }
            if worst
                .as_ref()
                .is_none_or(|w| w.1 < lag || w.2 < behind_bytes)
            {
                worst = Some((text, lag, behind_bytes));
            }
        }
        Ok(Look::Within(worst.map_or_else(
            || "no standby connected".to_owned(),
            |w| w.0,
        )))
    }
}

impl Replication for PgStandbys {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn look(&mut self, bounds: &LagBounds) -> Look {
        if self.broken {
            match pg::connect(&self.url, &self.shown, Access::Read, self.stop.clone()) {
                Ok(conn) => {
                    self.conn = conn;
                    self.broken = false;
                }
                Err(e) => {
                    return Look::Stopped(format!("the standbys cannot be read: {e:#}"));
                }
            }
        }
        match self.look_once(bounds) {
            Ok(look) => look,
            Err(e) => {
                self.broken = true;
                Look::Stopped(format!("the standbys cannot be read: {e:#}"))
            }
        }
    }

    fn notes(&self) -> Vec<String> {
        if self.without_feedback.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "standby {} runs without hot_standby_feedback: queries on it that still need the rows this run deletes may be cancelled once VACUUM removes them and replay has waited max_standby_streaming_delay (30 s by default)",
            self.without_feedback.join(", ")
        )]
    }
}
