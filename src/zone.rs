//! Naive stored datetimes and the zone they are read in.
//!
//! Django on SQLite and MySQL stores `expire_date` without an offset: UTC under
//! `USE_TZ=True`, local wall-clock time of `TIME_ZONE` under `USE_TZ=False`. sessctl compares
//! such values exactly as Django does (as naive values in the store's zone) and converts
//! them to instants only for display. Wall-clock times that a DST change makes ambiguous
//! are read as the earlier instant; times that a DST gap skips are moved forward by the gap.

use anyhow::{anyhow, Result};
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// The zone in which naive stored datetimes are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreZone(pub Tz);

impl StoreZone {
    pub const UTC: StoreZone = StoreZone(Tz::UTC);

    pub fn parse(name: &str) -> Result<StoreZone, String> {
        name.parse::<Tz>().map(StoreZone).map_err(|_| {
            format!("unknown time zone `{name}`; use UTC or an IANA name such as Europe/Paris")
        })
    }

    /// The wall-clock time Django's `timezone.now()` would give at `instant`.
    pub fn naive(self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.0).naive_local()
    }

    /// `instant` as Django writes it into SQLite: `YYYY-MM-DD HH:MM:SS[.ffffff]`, the
    /// fraction dropped when it is zero. Django binds `now` in this same form and SQLite
    /// compares the text, so formatting it the same way gives Django's exact answer.
    pub fn django_text(self, instant: DateTime<Utc>) -> String {
        let naive = self.naive(instant);
        if naive.nanosecond() / 1000 == 0 {
            naive.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            naive.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
        }
    }

    /// The instant a naive wall-clock time in this zone stands for.
    pub fn instant(self, naive: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
            chrono::LocalResult::None => {
                // In a DST gap: read it with the offset in force just before the gap, which
                // moves it forward by the gap's length (what Python's fold=0 does).
                let before = self
                    .0
                    .offset_from_utc_datetime(&(naive - Duration::hours(3)));
                let offset = before.fix();
                DateTime::<Utc>::from_naive_utc_and_offset(naive - offset, Utc)
            }
        }
    }

    /// Parses a stored value: `YYYY-MM-DD HH:MM:SS[.f]`, also with a `T`; an explicit
    /// offset (as some tools write) is honoured.
    pub fn parse_stored(self, text: &str) -> Result<DateTime<Utc>> {
        let text = text.trim();
        if let Ok(aware) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
            return Ok(aware.with_timezone(&Utc));
        }
        for pattern in [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, pattern) {
                return Ok(self.instant(naive));
            }
        }
        Err(anyhow!("`{text}` is not a datetime"))
    }
}

/// Parses an RFC 3339 instant given on the command line (`--now`, `--expired-before`).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("`{text}` is not an RFC 3339 time ({e}); write e.g. 2025-06-01T12:00:00Z")
        })
}

/// An instant as RFC 3339 UTC with microseconds only when there are any.
pub fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    #[test]
    fn django_text_drops_zero_fraction() {
        let z = StoreZone::UTC;
        assert_eq!(
            z.django_text(at("2025-06-01T12:00:00Z")),
            "2025-06-01 12:00:00"
        );
        assert_eq!(
            z.django_text(at("2025-06-01T11:59:59.999999Z")),
            "2025-06-01 11:59:59.999999"
        );
    }

    #[test]
    fn local_zone_round_trip() {
        let paris = StoreZone::parse("Europe/Paris").unwrap();
        assert_eq!(
            paris.django_text(at("2025-06-01T12:00:00Z")),
            "2025-06-01 14:00:00"
        );
        assert_eq!(
            paris.parse_stored("2025-06-01 14:00:00").unwrap(),
            at("2025-06-01T12:00:00Z")
        );
    }

    #[test]
    fn dst_ambiguous_reads_earlier_and_gap_moves_forward() {
        let paris = StoreZone::parse("Europe/Paris").unwrap();
        // 02:30 happens twice on 2025-10-26: first at +02:00.
        assert_eq!(
            paris.parse_stored("2025-10-26 02:30:00").unwrap(),
            at("2025-10-26T00:30:00Z")
        );
        // 02:30 does not exist on 2025-03-30: read with +01:00, i.e. 03:30 +02:00.
        assert_eq!(
            paris.parse_stored("2025-03-30 02:30:00").unwrap(),
            at("2025-03-30T01:30:00Z")
        );
    }

    #[test]
    fn bad_zone_is_explained() {
        assert!(StoreZone::parse("Mars/Olympus")
            .unwrap_err()
            .contains("IANA"));
    }
}
