//! MySQL/MariaDB replicas named by `--replica`, and the Galera node a purge runs on,
//! watched for pacing over connections of their own (the store's is busy with the
//! batches).
//!
//! How far behind a replica is, judged at each look after a batch:
//! - by GTID: MariaDB's `@@gtid_slave_pos` on the replica against the primary's
//!   `@@gtid_binlog_pos`, domain by domain (the transactions behind are the difference
//!   of the sequence numbers); MySQL's `GTID_SUBSET(primary gtid_executed, replica
//!   gtid_executed)`;
//! - by the primary's binlog coordinates the replica has executed
//!   (`Relay_Master_Log_File`, `Exec_Master_Log_Pos`) against `SHOW MASTER STATUS`:
//!   the byte distance;
//! - in time: the larger of `Seconds_Behind_Master` and how long ago the primary went
//!   past the position the replica has applied (from the positions this watcher saw at
//!   each look): `Seconds_Behind_Master` alone reads 0 while the IO thread is behind, and
//!   NULL once a thread has stopped.
//!
//! A replica whose IO or SQL thread is not running, that has no replication configured,
//! or that cannot be reached, is not replicating: the run pauses.
//!
//! Galera: [`GaleraNode`] reads the node's `wsrep_local_state_comment` (a node that
//! leaves Synced pauses the run), the growth of `wsrep_flow_control_paused_ns` between two
//! looks and `wsrep_local_recv_queue` against the flow-control limit `gcs.fc_limit`:
//! while the cluster is being held back the run backs off.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use anyhow::Result;
use mysql::prelude::Queryable;
use mysql::{Row, Value};
use url::Url;

use crate::db::mysql::{self as my, server_message, Connection};
use crate::db::Access;
use crate::purge::lag::{bytes, short};
use crate::purge::{LagBounds, Look, Replication};

/// Positions kept for the time estimate.
const SAMPLES: usize = 20_000;

/// A replication position of the primary.
#[derive(Clone, Debug, Default, PartialEq)]
struct Position {
    /// MariaDB GTID: the last sequence number of each domain.
    domains: BTreeMap<u32, u64>,
    /// MySQL `gtid_executed`.
    gtid_set: Option<String>,
    /// Binlog file and offset.
    binlog: Option<(String, u64)>,
}

/// Parses MariaDB's `0-1-100,1-2-7`: domain, server, sequence number.
fn mariadb_gtids(text: &str) -> BTreeMap<u32, u64> {
    let mut out = BTreeMap::new();
    for gtid in text.split(',') {
        let parts: Vec<&str> = gtid.trim().split('-').collect();
        if let [domain, _server, seq] = parts[..] {
            if let (Ok(d), Ok(s)) = (domain.parse::<u32>(), seq.parse::<u64>()) {
                let e = out.entry(d).or_insert(0);
                *e = (*e).max(s);
            }
        }
    }
    out
}

/// Transactions `replica` is behind `primary`, domain by domain.
fn gtid_distance(primary: &BTreeMap<u32, u64>, replica: &BTreeMap<u32, u64>) -> u64 {
    primary
        .iter()
        .map(|(d, s)| s.saturating_sub(replica.get(d).copied().unwrap_or(0)))
        .sum()
}

fn text(v: Value) -> String {
    match v {
        Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
        Value::NULL => String::new(),
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        other => other.as_sql(true),
    }
}

/// A column of a status row by any of its names (MySQL renamed Master to Source).
fn column(row: &Row, names: &[&str]) -> Option<String> {
    let i = row
        .columns_ref()
        .iter()
        .position(|c| names.iter().any(|n| c.name_str().eq_ignore_ascii_case(n)))?;
    match row.as_ref(i)? {
        Value::NULL => None,
        v => Some(text(v.clone())),
    }
}

/// Binlog coordinates in order: file names carry a zero-padded sequence number.
fn coordinates_reach(reached: &(String, u64), wanted: &(String, u64)) -> bool {
    (reached.0.as_str(), reached.1) >= (wanted.0.as_str(), wanted.1)
}

struct Replica {
    url: Url,
    shown: String,
    conn: Option<Connection>,
}

/// What one replica's status says.
struct Status {
    io: String,
    sql: String,
    io_error: String,
    sql_error: String,
    seconds_behind: Option<u64>,
    executed: Option<(String, u64)>,
    domains: BTreeMap<u32, u64>,
    /// MySQL: whether the replica has every transaction of the primary's set.
    has_primary_set: Option<bool>,
}

pub struct MysqlReplicas {
    primary: Connection,
    replicas: Vec<Replica>,
    samples: VecDeque<(Instant, Position)>,
    described: String,
}

impl MysqlReplicas {
    /// Connects to the primary again and to every replica; a replica that cannot be
    /// reached at the start is an error (a wrong URL should not look like a pause).
    pub fn open(url: &Url, shown: &str, replicas: &[String]) -> Result<MysqlReplicas> {
        let primary = my::connect(url, shown, Access::Read)?;
        let mut watcher = MysqlReplicas {
            primary,
            replicas: Vec::new(),
            samples: VecDeque::new(),
            described: String::new(),
        };
        for raw in replicas {
            let shown = crate::dburl::redact(raw);
            let crate::dburl::StoreUrl::Mysql(url) = crate::dburl::parse(raw)? else {
                return Err(crate::exit::coded(
                    crate::exit::ExitCode::Usage,
                    format!("--replica `{shown}` is not a mysql:// or mariadb:// URL"),
                ));
            };
            let conn = my::connect(&url, &shown, Access::Read)?;
            watcher.replicas.push(Replica {
                url,
                shown,
                conn: Some(conn),
            });
        }
        watcher.described = format!(
            "{} replica{} ({})",
            watcher.replicas.len(),
            if watcher.replicas.len() == 1 { "" } else { "s" },
            watcher
                .replicas
                .iter()
                .map(|r| r.shown.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(watcher)
    }

    /// The primary's position now, kept for the time estimate.
    fn sample(&mut self) -> Result<Position> {
        let conn = &mut self.primary;
        let mut position = Position::default();
        if conn.mariadb {
            let pos: Option<String> = conn.conn.query_first("SELECT @@gtid_binlog_pos")?;
            position.domains = mariadb_gtids(&pos.unwrap_or_default());
        } else {
            let set: Option<String> = conn
                .conn
                .query_first("SELECT @@global.gtid_executed")
                .ok()
                .flatten();
            position.gtid_set = set.filter(|s| !s.trim().is_empty());
        }
        // Needs BINLOG MONITOR (MySQL: REPLICATION CLIENT); without it, no byte distance.
        let status: Option<Row> = conn
            .conn
            .query_first("SHOW MASTER STATUS")
            .or_else(|_| conn.conn.query_first("SHOW BINARY LOG STATUS"))
            .ok()
            .flatten();
        if let Some(row) = status {
            if let (Some(file), Some(pos)) = (
                column(&row, &["File"]),
                column(&row, &["Position"]).and_then(|p| p.parse().ok()),
            ) {
                position.binlog = Some((file, pos));
            }
        }
        if self
            .samples
            .back()
            .is_none_or(|(_, last)| *last != position)
        {
            self.samples.push_back((Instant::now(), position.clone()));
            if self.samples.len() > SAMPLES {
                self.samples.pop_front();
            }
        }
        Ok(position)
    }

    /// Bytes of binlog between `executed` and the primary's `now`.
    fn binlog_distance(&mut self, executed: &(String, u64), now: &(String, u64)) -> Option<u64> {
        if executed.0 == now.0 {
            return Some(now.1.saturating_sub(executed.1));
        }
        let logs: Vec<Row> = self.primary.conn.query("SHOW BINARY LOGS").ok()?;
        let mut total = 0u64;
        for row in logs {
            let name = column(&row, &["Log_name"])?;
            let size: u64 = column(&row, &["File_size"])?.parse().ok()?;
            if name.as_str() >= executed.0.as_str() && name.as_str() < now.0.as_str() {
                total += size;
            }
        }
        Some((total + now.1).saturating_sub(executed.1))
    }

    fn status(replica: &mut Replica, primary: &Position) -> Result<Option<Status>> {
        if replica.conn.is_none() {
            replica.conn = Some(my::connect(&replica.url, &replica.shown, Access::Read)?);
        }
        let conn = replica.conn.as_mut().expect("connected above");
        let result = (|| -> std::result::Result<Option<Status>, mysql::Error> {
            let row: Option<Row> = match conn.conn.query_first("SHOW REPLICA STATUS") {
                Ok(row) => row,
                Err(_) => conn.conn.query_first("SHOW SLAVE STATUS")?,
            };
            let Some(row) = row else {
                return Ok(None);
            };
            let mut status = Status {
                io: column(&row, &["Slave_IO_Running", "Replica_IO_Running"]).unwrap_or_default(),
                sql: column(&row, &["Slave_SQL_Running", "Replica_SQL_Running"])
                    .unwrap_or_default(),
                io_error: column(&row, &["Last_IO_Error"]).unwrap_or_default(),
                sql_error: column(&row, &["Last_SQL_Error"]).unwrap_or_default(),
                seconds_behind: column(&row, &["Seconds_Behind_Master", "Seconds_Behind_Source"])
                    .and_then(|s| s.parse().ok()),
                executed: match (
                    column(&row, &["Relay_Master_Log_File", "Relay_Source_Log_File"]),
                    column(&row, &["Exec_Master_Log_Pos", "Exec_Source_Log_Pos"])
                        .and_then(|p| p.parse().ok()),
                ) {
                    (Some(f), Some(p)) if !f.is_empty() => Some((f, p)),
                    _ => None,
                },
                domains: BTreeMap::new(),
                has_primary_set: None,
            };
            if conn.mariadb {
                let pos: Option<String> = conn.conn.query_first("SELECT @@gtid_slave_pos")?;
                status.domains = mariadb_gtids(&pos.unwrap_or_default());
            } else if let Some(set) = &primary.gtid_set {
                let has: Option<i64> = conn
                    .conn
                    .exec_first("SELECT GTID_SUBSET(?, @@global.gtid_executed)", (set,))?;
                status.has_primary_set = has.map(|h| h == 1);
            }
            Ok(Some(status))
        })();
        match result {
            Ok(status) => Ok(status),
            Err(e) => {
                replica.conn = None;
                Err(anyhow::anyhow!("{}", server_message(&e)))
            }
        }
    }

    /// How long ago the primary went past what the replica has applied.
    fn behind_since(&self, status: &Status) -> Duration {
        let reached = |p: &Position| {
            if !p.domains.is_empty() && !status.domains.is_empty() {
                gtid_distance(&p.domains, &status.domains) == 0
            } else if let (Some(want), Some(have)) = (&p.binlog, &status.executed) {
                coordinates_reach(have, want)
            } else {
                true
            }
        };
        self.samples
            .iter()
            .find(|(_, p)| !reached(p))
            .map_or(Duration::ZERO, |(at, _)| at.elapsed())
    }

    fn look_once(&mut self, bounds: &LagBounds) -> Result<Look> {
        let now = self.sample()?;
        let mut worst: Option<(String, Duration)> = None;
        for i in 0..self.replicas.len() {
            let shown = self.replicas[i].shown.clone();
            let status = match Self::status(&mut self.replicas[i], &now) {
                Ok(Some(status)) => status,
                Ok(None) => {
                    return Ok(Look::Stopped(format!(
                        "replica {shown} is not replicating (no replication configured: SHOW SLAVE STATUS is empty)"
                    )))
                }
                Err(e) => {
                    return Ok(Look::Stopped(format!(
                        "replica {shown} cannot be read: {e:#}"
                    )))
                }
            };
            for (thread, state, error) in [
                ("IO", &status.io, &status.io_error),
                ("SQL", &status.sql, &status.sql_error),
            ] {
                if !state.eq_ignore_ascii_case("Yes") {
                    let why = if error.is_empty() {
                        String::new()
                    } else {
                        format!(": {error}")
                    };
                    return Ok(Look::Stopped(format!(
                        "replica {shown}: its {thread} thread is not running ({state}){why}"
                    )));
                }
            }
            let transactions = (!now.domains.is_empty() && !status.domains.is_empty())
                .then(|| gtid_distance(&now.domains, &status.domains));
            let caught_up = match (transactions, status.has_primary_set) {
                (Some(n), _) => n == 0,
                (None, Some(has)) => has,
                (None, None) => match (&status.executed, &now.binlog) {
                    (Some(have), Some(want)) => coordinates_reach(have, want),
                    _ => status.seconds_behind == Some(0),
                },
            };
            let distance = match (&status.executed, &now.binlog) {
                (Some(have), Some(want)) if !caught_up => self.binlog_distance(have, want),
                (Some(_), Some(_)) => Some(0),
                _ => None,
            };
            let lag = if caught_up {
                Duration::ZERO
            } else {
                Duration::from_secs(status.seconds_behind.unwrap_or(0))
                    .max(self.behind_since(&status))
            };
            let mut text = format!("replica {shown} {} behind", short(lag));
            let mut details = Vec::new();
            if let Some(n) = transactions {
                details.push(format!("{n} transaction{}", if n == 1 { "" } else { "s" }));
            }
            if let Some(b) = distance {
                details.push(format!("{} of binlog", bytes(b)));
            }
            if !details.is_empty() {
                text.push_str(&format!(" ({})", details.join(", ")));
            }
            // Caught up by GTID is caught up, whatever a stale figure says.
            if !caught_up && !bounds.allows(Some(lag), distance) {
                return Ok(Look::Behind(text));
            }
            if worst.as_ref().is_none_or(|w| w.1 <= lag) {
                worst = Some((text, lag));
            }
        }
        Ok(Look::Within(
            worst.map_or_else(|| "no replica".to_owned(), |w| w.0),
        ))
    }
}

impl Replication for MysqlReplicas {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn look(&mut self, bounds: &LagBounds) -> Look {
        match self.look_once(bounds) {
            Ok(look) => look,
            Err(e) => Look::Stopped(format!("the primary's position cannot be read: {e:#}")),
        }
    }
}

/// The Galera node a purge runs on, and through it the cluster's flow control.
pub struct GaleraNode {
    conn: Connection,
    /// `gcs.fc_limit`: a receive queue this long makes the node ask the cluster to pause.
    fc_limit: u64,
    last_paused: Option<(Instant, u64)>,
    described: String,
}

/// The wsrep status of a node: name → value.
pub fn wsrep_status(
    conn: &mut mysql::Conn,
) -> std::result::Result<BTreeMap<String, String>, mysql::Error> {
    let rows: Vec<(String, String)> = conn.query("SHOW GLOBAL STATUS LIKE 'wsrep%'")?;
    Ok(rows
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect())
}

impl GaleraNode {
    pub fn open(url: &Url, shown: &str) -> Result<GaleraNode> {
        let mut conn = my::connect(url, shown, Access::Read)?;
        let options: Option<String> = conn
            .conn
            .query_first("SELECT @@wsrep_provider_options")
            .ok()
            .flatten();
        let fc_limit = options
            .as_deref()
            .and_then(|o| {
                o.split(';').find_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    (k.trim() == "gcs.fc_limit").then(|| v.trim().parse().ok())?
                })
            })
            .unwrap_or(16);
        let status = wsrep_status(&mut conn.conn)?;
        let get = |k: &str| status.get(k).cloned().unwrap_or_default();
        let described = format!(
            "a Galera cluster of {} nodes (component {}, this node {})",
            get("wsrep_cluster_size"),
            get("wsrep_cluster_status"),
            get("wsrep_local_state_comment"),
        );
        let mut node = GaleraNode {
            conn,
            fc_limit,
            last_paused: None,
            described,
        };
        node.last_paused = status
            .get("wsrep_flow_control_paused_ns")
            .and_then(|v| v.parse().ok())
            .map(|ns| (Instant::now(), ns));
        Ok(node)
    }

    fn look_once(&mut self) -> Result<Look> {
        let status = wsrep_status(&mut self.conn.conn)?;
        let get = |k: &str| status.get(k).cloned().unwrap_or_default();
        let state = get("wsrep_local_state_comment");
        if state != "Synced" {
            return Ok(Look::Stopped(format!(
                "this Galera node is {state}, not Synced"
            )));
        }
        let cluster = get("wsrep_cluster_status");
        if cluster != "Primary" {
            return Ok(Look::Stopped(format!(
                "this Galera node's cluster is {cluster}, not Primary (quorum lost)"
            )));
        }
        let now = Instant::now();
        let paused_ns: Option<u64> = get("wsrep_flow_control_paused_ns").parse().ok();
        let mut share = 0.0;
        if let (Some(ns), Some((at, before))) = (paused_ns, self.last_paused) {
            let wall = now.duration_since(at).as_nanos().max(1) as f64;
            share = ns.saturating_sub(before) as f64 / wall;
        }
        if let Some(ns) = paused_ns {
            self.last_paused = Some((now, ns));
        }
        let queue: u64 = get("wsrep_local_recv_queue").parse().unwrap_or(0);
        if share > 0.1 {
            return Ok(Look::FlowControl(format!(
                "flow control paused the cluster {:.0} % of the last look's interval (receive queue {queue})",
                share * 100.0
            )));
        }
        if queue * 2 > self.fc_limit {
            return Ok(Look::FlowControl(format!(
                "receive queue of {queue} writesets (gcs.fc_limit {})",
                self.fc_limit
            )));
        }
        Ok(Look::Within(format!(
            "Galera synced, receive queue {queue}"
        )))
    }
}

impl Replication for GaleraNode {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn look(&mut self, _bounds: &LagBounds) -> Look {
        match self.look_once() {
            Ok(look) => look,
            Err(e) => Look::Stopped(format!("the Galera status cannot be read: {e:#}")),
        }
    }
}

/// Several watchers: the first that asks for a wait decides.
pub struct Several(pub Vec<Box<dyn Replication>>);

impl Replication for Several {
    fn describe(&self) -> String {
        self.0
            .iter()
            .map(|w| w.describe())
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn look(&mut self, bounds: &LagBounds) -> Look {
        let mut within = Vec::new();
        for w in &mut self.0 {
            match w.look(bounds) {
                Look::Within(text) => within.push(text),
                other => return other,
            }
        }
        Look::Within(within.join("; "))
    }

    fn notes(&self) -> Vec<String> {
        self.0.iter().flat_map(|w| w.notes()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_gtid_positions_compare_by_domain() {
        let p = mariadb_gtids("0-1-100,1-2-7");
        assert_eq!(p.get(&0), Some(&100));
        assert_eq!(p.get(&1), Some(&7));
        let r = mariadb_gtids("0-1-90");
        assert_eq!(gtid_distance(&p, &r), 10 + 7);
        assert_eq!(gtid_distance(&r, &p), 0);
        assert!(mariadb_gtids("").is_empty());
    }

    #[test]
    fn binlog_coordinates_order_by_file_then_offset() {
        let a = ("binlog.000002".to_owned(), 10);
        let b = ("binlog.000001".to_owned(), 99_999);
        assert!(coordinates_reach(&a, &b));
        assert!(!coordinates_reach(&b, &a));
        assert!(coordinates_reach(&a, &a));
    }
}
