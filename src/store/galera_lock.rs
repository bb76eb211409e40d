//! The purge lock on a Galera cluster. `GET_LOCK` is local to one node there, so two
//! sessctl runs on two nodes would both get it; instead the lock is a row of a small
//! table, `sessctl_lock`, which Galera replicates like any other:
//!
//! ```sql
//! CREATE TABLE sessctl_lock (
//!   name varchar(191) NOT NULL PRIMARY KEY,  -- sessctl:DATABASE.TABLE
//!   owner varchar(255) NOT NULL,             -- host:pid:token of the holder
//!   taken datetime(6) NOT NULL,              -- UTC
//!   expires datetime(6) NOT NULL             -- UTC; the holder moves it forward
//! ) ENGINE=InnoDB
//! ```
//!
//! It is created on first use (in the store's database; the user needs CREATE there once,
//! or an administrator creates it). Taking the lock is one transaction: delete the
//! row when it has expired, insert ours. A row that is there and alive is another run's
//! (exit 75); two nodes inserting at the same moment conflict at certification and
//! only one commits (the other gets a deadlock error: exit 75 too). The holder moves
//! `expires` [`LEASE`] ahead every [`HEARTBEAT`] from a thread with its own connection,
//! and deletes the row when it ends; a holder that crashed (killed, its host lost)
//! stops moving it, and the next run takes the lock once it has expired. A heartbeat
//! that finds the row gone or someone else's ends the run before its next batch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use mysql::prelude::Queryable;
use url::Url;

use crate::db::mysql::{self as my, mysql_code, server_message, Connection};
use crate::db::Access;
use crate::exit::{coded, ExitCode};

/// How long the lock lives without a heartbeat.
pub const LEASE: Duration = Duration::from_secs(60);

/// How often the holder moves the expiry forward.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// The lock table's name.
pub const TABLE: &str = "sessctl_lock";

/// Whether the server is a Galera node with replication on.
pub fn wsrep_on(conn: &mut mysql::Conn) -> bool {
    let on: Option<Option<String>> = conn.query_first("SELECT @@global.wsrep_on").ok();
    let provider: Option<Option<String>> = conn.query_first("SELECT @@global.wsrep_provider").ok();
    let on = matches!(on.flatten().as_deref(), Some("1" | "ON" | "on"));
    let provider = provider
        .flatten()
        .is_some_and(|p| !p.is_empty() && p != "none");
    on && provider
}

/// A held cluster-wide lock; released (its row deleted) when dropped.
pub struct ClusterLock {
    name: String,
    owner: String,
    lost: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
    heartbeat: Option<std::thread::JoinHandle<()>>,
    url: Url,
    shown: String,
}

fn owner_token() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{host}:{}:{nanos:08x}", std::process::id())
}

impl ClusterLock {
    /// Takes the lock `name` (waiting at most `wait` for another holder), creating the
    /// table on first use; `store` names the store in messages.
    pub fn take(
        conn: &mut Connection,
        url: &Url,
        shown: &str,
        name: &str,
        wait: Option<Duration>,
        store: &str,
    ) -> Result<ClusterLock> {
        conn.conn
            .query_drop(format!(
                "CREATE TABLE IF NOT EXISTS {TABLE} (name varchar(191) NOT NULL PRIMARY KEY, \
                 owner varchar(255) NOT NULL, taken datetime(6) NOT NULL, \
                 expires datetime(6) NOT NULL) ENGINE=InnoDB"
            ))
            .map_err(|e| {
                conn.error(
                    e,
                    &format!("creating the cluster-wide purge lock table `{TABLE}` (create it once with the statement in the README, or grant CREATE)"),
                    None,
                )
            })?;
        let owner = owner_token();
        let started = Instant::now();
        loop {
            match try_take(conn, name, &owner) {
                Ok(()) => break,
                Err(Held(holder)) => {
                    let waited = started.elapsed();
                    match wait {
                        Some(w) if waited < w => {
                            std::thread::sleep(Duration::from_millis(500).min(w - waited));
                        }
                        _ => {
                            return Err(coded(
                                ExitCode::Busy,
                                format!(
                                    "another sessctl purge of {store} is running on the Galera cluster ({TABLE} row `{name}` held by {holder}); {}",
                                    super::busy_advice(wait)
                                ),
                            ))
                        }
                    }
                }
                Err(Failed(e)) => {
                    return Err(anyhow::anyhow!(
                        "taking the cluster-wide purge lock `{name}` at {}: {e}",
                        conn.shown
                    ))
                }
            }
        }
        let lost = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let heartbeat = {
            let (lost, done) = (lost.clone(), done.clone());
            let (url, shown, name, owner) = (
                url.clone(),
                shown.to_owned(),
                name.to_owned(),
                owner.clone(),
            );
            std::thread::spawn(move || beat(&url, &shown, &name, &owner, &lost, &done))
        };
        Ok(ClusterLock {
            name: name.to_owned(),
            owner,
            lost,
            done,
            heartbeat: Some(heartbeat),
            url: url.clone(),
            shown: shown.to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a heartbeat found the lock gone or taken by another run.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

enum TakeError {
    /// Held by this owner, alive.
    Held(String),
    Failed(String),
}
use TakeError::{Failed, Held};

fn try_take(conn: &mut Connection, name: &str, owner: &str) -> Result<(), TakeError> {
    let attempt = |c: &mut mysql::Conn| -> mysql::Result<()> {
        let mut tx = c.start_transaction(mysql::TxOpts::default())?;
        tx.exec_drop(
            format!("DELETE FROM {TABLE} WHERE name = ? AND expires < UTC_TIMESTAMP(6)"),
            (name,),
        )?;
        tx.exec_drop(
            format!(
                "INSERT INTO {TABLE} (name, owner, taken, expires) VALUES \
                 (?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL {} SECOND)",
                LEASE.as_secs()
            ),
            (name, owner),
        )?;
        tx.commit()
    };
    match attempt(&mut conn.conn) {
        Ok(()) => Ok(()),
        // Duplicate key: the row is alive. Deadlock: another node inserted it at the
        // same moment and won certification.
        Err(e) if matches!(mysql_code(&e), Some(1062 | 1213)) => {
            let holder: Option<(String, String)> = conn
                .conn
                .exec_first(
                    format!("SELECT owner, CAST(expires AS CHAR) FROM {TABLE} WHERE name = ?"),
                    (name,),
                )
                .ok()
                .flatten();
            Err(Held(match holder {
                Some((owner, expires)) => format!("{owner} until {expires} UTC unless renewed"),
                None => "another run that took it at the same moment".to_owned(),
            }))
        }
        Err(e) => Err(Failed(server_message(&e))),
    }
}

/// The heartbeat thread: moves the expiry forward until `done`; raises `lost` when the
/// row is no longer ours.
fn beat(url: &Url, shown: &str, name: &str, owner: &str, lost: &AtomicBool, done: &AtomicBool) {
    let mut conn: Option<Connection> = None;
    let mut last = Instant::now();
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if last.elapsed() < HEARTBEAT {
            continue;
        }
        last = Instant::now();
        if conn.is_none() {
            conn = my::connect(url, shown, Access::Delete).ok();
        }
        let Some(c) = conn.as_mut() else {
            continue;
        };
        let renewed = c.conn.exec_drop(
            format!(
                "UPDATE {TABLE} SET expires = UTC_TIMESTAMP(6) + INTERVAL {} SECOND \
                 WHERE name = ? AND owner = ?",
                LEASE.as_secs()
            ),
            (name, owner),
        );
        match renewed {
            Ok(()) if c.conn.affected_rows() == 0 => {
                // MariaDB counts a row set to the value it had as unchanged: look again.
                let ours: Option<u8> = c
                    .conn
                    .exec_first(
                        format!("SELECT 1 FROM {TABLE} WHERE name = ? AND owner = ?"),
                        (name, owner),
                    )
                    .ok()
                    .flatten();
                if ours.is_none() {
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
            }
            Ok(()) => {}
            // A lost connection is tried again at the next beat; the lease covers it.
            Err(_) => conn = None,
        }
    }
}

impl Drop for ClusterLock {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(h) = self.heartbeat.take() {
            let _ = h.join();
        }
        if self.lost() {
            return;
        }
        if let Ok(mut c) = my::connect(&self.url, &self.shown, Access::Delete) {
            let _ = c.conn.exec_drop(
                format!("DELETE FROM {TABLE} WHERE name = ? AND owner = ?"),
                (self.name.as_str(), self.owner.as_str()),
            );
        }
    }
}
