//! What the SQL session stores share when they change a table in batches: the per-batch
//! lock and statement limits, retrying a batch that rolled back, and sizing batches that
//! walk a table in physical ranges.
//!
//! Invariant: batch retries (deadlock, serialization failure, lock or statement timeout)
//! redo the same range, a bounded number of times with growing pauses.

use std::time::Duration;

/// How long one batch waits for a row lock held by the live application before it
/// gives up and is retried: long enough for ordinary requests, short enough that a
/// stuck transaction cannot stall the purge (or, through the purge, other writers).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest one batch statement may run; a batch hitting it is retried at half the size.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(120);

/// How often a batch that hit a deadlock, serialization failure or timeout is tried again.
pub const BATCH_RETRIES: u32 = 5;

/// The pause before retry `attempt` (1-based) of a batch: 50 ms doubling, with jitter so
/// two clients that deadlocked each other do not collide again in lockstep.
pub fn batch_backoff(attempt: u32) -> Duration {
    let base = 50u64 << attempt.min(6);
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) % base.max(1))
        .unwrap_or(0);
    Duration::from_millis(base + jitter / 2)
}

/// Sizes the physical ranges of a walk (blocks on PostgreSQL, primary-key entries on
/// MySQL) so that each batch changes about `target` rows, whatever share of the table
/// matches. It starts from a guess and follows the match density seen in the last
/// batch, changing the span at most fourfold at a time so that one odd range cannot
/// make the next batch huge.
#[derive(Clone, Debug)]
pub struct Span {
    units: f64,
    target: f64,
    max: f64,
}

impl Span {
    pub fn new(initial: f64, target: usize, max: f64) -> Span {
        let max = max.max(1.0);
        Span {
            units: initial.clamp(1.0, max),
            target: target.max(1) as f64,
            max,
        }
    }

    /// The span of the next batch.
    pub fn units(&self) -> u64 {
        self.units.round().max(1.0) as u64
    }

    /// Learns from a batch that covered `units` and changed `changed` rows.
    pub fn observe(&mut self, units: u64, changed: u64) {
        let ideal = if changed == 0 {
            self.units * 4.0
        } else {
            self.target * units as f64 / changed as f64
        };
        self.units = ideal
            .clamp(self.units / 4.0, self.units * 4.0)
            .clamp(1.0, self.max);
    }

    /// After a statement timeout: the range was too much work for one statement.
    pub fn shrink(&mut self) {
        self.units = (self.units / 2.0).max(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_follows_density_within_bounds() {
        let mut span = Span::new(100.0, 1000, 1e9);
        span.observe(100, 500); // 5 rows a unit: 200 units would do
        assert_eq!(span.units(), 200);
        span.observe(200, 0); // nothing matched: grow, at most fourfold
        assert_eq!(span.units(), 800);
        span.observe(800, 80_000); // far too dense: shrink, at most fourfold
        assert_eq!(span.units(), 200);
        span.shrink();
        assert_eq!(span.units(), 100);
    }
}
