//! The expired-row estimate of `stats --estimate` on SQLite, from `sqlite_stat4`.
//!
//! SQLite builds that enable STAT4 (the one sessctl bundles; many distributions' too)
//! make `ANALYZE` keep, for each index, a few dozen sample keys with, for each sample,
//! how many rows sort before it (`nlt`) and how many equal it (`neq`), counted over the
//! whole table. For the `expire_date` index that is a histogram of the expiry: the rows
//! before `now` are those up to the last sample before it, plus the share of the gap to
//! the next sample that lies before `now`, read as if the gap's rows were spread evenly
//! in time. Builds without STAT4 leave no such table, and the estimate says the expired
//! count is unknown.
//!
//! A sample is the index key as a SQLite record (the `expire_date` value, then the
//! rowid); only its first column is read. Figures are as of the last `ANALYZE`, like the
//! total from `sqlite_stat1`.

use chrono::{DateTime, Utc};

/// One `sqlite_stat4` sample of the expiry index: its `expire_date` text, and the rows
/// before it and equal to it (the first numbers of `nlt` and `neq`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub expiry: String,
    pub before: u64,
    pub equal: u64,
}

impl Sample {
    /// A `sqlite_stat4` row: `neq` and `nlt` are lists of numbers (one per index column
    /// prefix), `sample` the key as a record. None when the row is not an expiry
    /// sample sessctl can read (the first column is not text, say).
    pub fn from_row(neq: &str, nlt: &str, sample: &[u8]) -> Option<Sample> {
        let first = |list: &str| list.split_whitespace().next()?.parse::<u64>().ok();
        Some(Sample {
            expiry: first_text_column(sample)?.to_owned(),
            before: first(nlt)?,
            equal: first(neq)?,
        })
    }
}

/// Rows with `expire_date < bound` (Django's text of `now`), from the samples, the
/// table's total and the exact oldest and newest expiry; `time` reads a stored text as
/// an instant. Compared as text, as the index orders it (BINARY collation).
pub fn rows_before(
    samples: &mut [Sample],
    total: u64,
    bound: &str,
    oldest: Option<&str>,
    newest: Option<&str>,
    time: impl Fn(&str) -> Option<DateTime<Utc>>,
) -> u64 {
    samples.sort_by(|a, b| a.expiry.cmp(&b.expiry));
    let (Some(oldest), Some(newest)) = (oldest, newest) else {
        return 0; // an empty table
    };
    if bound <= oldest {
        return 0;
    }
    if bound > newest {
        return total;
    }
    let split = samples.partition_point(|s| s.expiry.as_str() < bound);
    // The gap holding the bound: from the last sample before it (or the oldest row) to
    // the first sample at or after it (or the newest row), and the rows inside it.
    let (low, rows_to_low) = match split.checked_sub(1).map(|i| &samples[i]) {
        Some(s) => (s.expiry.as_str(), s.before + s.equal),
        None => (oldest, 0),
    };
    let (high, rows_to_high) = match samples.get(split) {
        Some(s) => (s.expiry.as_str(), s.before),
        None => (newest, total),
    };
    let inside = rows_to_high.saturating_sub(rows_to_low);
    let share = match (time(low), time(high), time(bound)) {
        (Some(low), Some(high), Some(at)) if high > low => {
            (at - low).num_milliseconds() as f64 / (high - low).num_milliseconds() as f64
        }
        _ => 0.5,
    };
    let estimate = rows_to_low + (inside as f64 * share.clamp(0.0, 1.0)).round() as u64;
    estimate.min(total)
}

/// The first column of a SQLite record when it is text: the header (its own size, then
/// one serial type per column, all varints), then the values.
fn first_text_column(record: &[u8]) -> Option<&str> {
    let (header_size, used) = varint(record)?;
    let (serial_type, _) = varint(record.get(used..)?)?;
    // Text is an odd serial type of 13 or more: (type - 13) / 2 bytes.
    if serial_type < 13 || serial_type % 2 == 0 {
        return None;
    }
    let start = usize::try_from(header_size).ok()?;
    let len = usize::try_from((serial_type - 13) / 2).ok()?;
    std::str::from_utf8(record.get(start..start.checked_add(len)?)?).ok()
}

/// SQLite's big-endian varint: seven bits a byte while the high bit is set, the ninth
/// byte whole. The value and the bytes it took.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        if i == 8 {
            return Some(((value << 8) | u64::from(b), 9));
        }
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn time(text: &str) -> Option<DateTime<Utc>> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .ok()
            .map(|n| n.and_utc())
    }

    fn sample(expiry: &str, before: u64, equal: u64) -> Sample {
        Sample {
            expiry: expiry.into(),
            before,
            equal,
        }
    }

    /// The record of ("2026-06-01 12:00:00", rowid 300) as SQLite writes it.
    #[test]
    fn reads_the_first_text_column_of_a_record() {
        let text = b"2026-06-01 12:00:00";
        let mut record = vec![3, 13 + 2 * text.len() as u8, 2];
        record.extend_from_slice(text);
        record.extend_from_slice(&300u16.to_be_bytes());
        assert_eq!(first_text_column(&record), Some("2026-06-01 12:00:00"));
        // An integer first column (serial type 1) is not an expiry sessctl compares.
        assert_eq!(first_text_column(&[3, 1, 1, 7, 7]), None);
        assert_eq!(first_text_column(&[3, 57]), None, "cut short");
    }

    #[test]
    fn varints_as_sqlite_writes_them() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
    }

    /// 100 rows, one an hour from 2026-06-01 00:00, sampled every tenth row: the
    /// estimate stays within a row of the truth at every hour, and is exact at the ends.
    #[test]
    fn interpolates_inside_the_gap_that_holds_now() {
        let hour = |h: i64| {
            (time("2026-06-01 00:00:00").unwrap() + chrono::Duration::hours(h))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let mut samples: Vec<Sample> = (1..10)
            .map(|i| sample(&hour(i * 10), i as u64 * 10, 1))
            .collect();
        let (oldest, newest) = (hour(0), hour(99));
        for h in -5..110 {
            let truth = h.clamp(0, 100) as u64;
            let estimate = rows_before(
                &mut samples,
                100,
                &hour(h),
                Some(&oldest),
                Some(&newest),
                time,
            );
            assert!(
                estimate.abs_diff(truth) <= 1,
                "hour {h}: {estimate} for {truth}"
            );
        }
        assert_eq!(
            rows_before(
                &mut samples,
                100,
                &hour(0),
                Some(&oldest),
                Some(&newest),
                time
            ),
            0
        );
        assert_eq!(
            rows_before(
                &mut samples,
                100,
                &hour(100),
                Some(&oldest),
                Some(&newest),
                time
            ),
            100
        );
        assert_eq!(rows_before(&mut [], 0, &hour(0), None, None, time), 0);
    }
}
