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
        if let Some(naive) = parse_django_text(text) {
            return Ok(self.instant(naive));
        }
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

/// The form Django writes, `YYYY-MM-DD HH:MM:SS` with an optional `.f` of 1 to 9 digits,
/// parsed without chrono's format machinery: scans read one per row, and the generic
/// parsers cost more than everything else about a row but its decoding. Anything else
/// (a `T`, an offset, out-of-range fields) gives None and is left to the general path.
fn parse_django_text(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || [b[4], b[7], b[10], b[13], b[16]] != *b"-- ::" {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = num(20..b.len())?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?.and_hms_nano_opt(
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
        nanos,
    )
}

/// Parses an RFC 3339 instant given on the command line (`--now`, `--expired-before`).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("`{text}` is not an RFC 3339 time ({e}); write e.g. 2025-06-01T12:00:00Z")
        })
}

/// Parses a time given on the command line (`--now`, `--expired-before`): an RFC 3339
/// instant, a date (`2025-06-01`, midnight UTC), or a duration before or after `base`
/// (`-30d`, `+2h`, `-1h30m`).
pub fn parse_time(text: &str, base: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let trimmed = text.trim();
    if let Some((sign, duration)) = trimmed
        .strip_prefix('-')
        .map(|d| (-1, d))
        .or_else(|| trimmed.strip_prefix('+').map(|d| (1, d)))
    {
        let duration = crate::duration::parse(duration)?;
        let delta = chrono::Duration::from_std(duration)
            .map_err(|_| format!("`{text}` is out of range"))?;
        let moved = if sign < 0 {
            base.checked_sub_signed(delta)
        } else {
            base.checked_add_signed(delta)
        };
        return moved.ok_or_else(|| format!("`{text}` is out of range"));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(trimmed)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "`{text}` is not a time ({e}); write an RFC 3339 instant (2025-06-01T12:00:00Z), \
                 a date (2025-06-01, midnight UTC) or a time relative to now (-30d, -1h30m)"
            )
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
    fn times_are_instants_dates_or_relative() {
        let base = at("2025-06-01T12:00:00Z");
        assert_eq!(
            parse_time("2025-01-02T03:04:05+01:00", base),
            Ok(at("2025-01-02T02:04:05Z"))
        );
        assert_eq!(
            parse_time("2025-06-01", base),
            Ok(at("2025-06-01T00:00:00Z"))
        );
        assert_eq!(parse_time("-30d", base), Ok(at("2025-05-02T12:00:00Z")));
        assert_eq!(parse_time("-1h30m", base), Ok(at("2025-06-01T10:30:00Z")));
        assert_eq!(parse_time("+2h", base), Ok(at("2025-06-01T14:00:00Z")));
        assert!(parse_time("yesterday", base).is_err());
        assert!(parse_time("-30", base).is_ok(), "a bare number is seconds");
        assert!(parse_time("-30x", base).is_err());
        assert!(parse_time("2025-13-01", base).is_err());
    }

    /// The fast path may only answer where chrono's general parse gives the same value.
    #[test]
    fn django_text_fast_path_agrees_with_chrono() {
        let samples = [
            "2025-06-01 12:00:00",
            "2025-06-01 12:00:00.5",
            "2025-06-01 12:00:00.123456",
            "2025-06-01 12:00:00.123456789",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59.999999",
            "2024-02-29 01:02:03",
            "2025-02-29 01:02:03",
            "2025-13-01 00:00:00",
            "2025-06-01 24:00:00",
            "2025-06-01 12:60:00",
            "2025-06-01 12:00:60",
            "2025-06-01 12:00:00.",
            "2025-06-01 12:00:00.1234567890",
            "2025-06-01T12:00:00",
            "2025-06-01 12:00:00+02:00",
            "2025-06-01 12:00:0x",
            "+025-06-01 12:00:00",
            "2025-6-01 12:00:00",
        ];
        for text in samples {
            let fast = parse_django_text(text);
            let general = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok();
            if fast.is_some() {
                assert_eq!(fast, general, "{text}");
            }
            assert_eq!(
                StoreZone::UTC
                    .parse_stored(text)
                    .ok()
                    .map(|t| t.naive_utc()),
                general
                    .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok())
                    .or_else(|| DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1))
                        .ok()
                        .map(|t| t.naive_utc())),
                "{text}"
            );
        }
        assert!(parse_django_text("2025-06-01 12:00:00.25").is_some());
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
