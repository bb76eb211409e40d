//! Django's file-backend expiry rule (SPEC §4 and §6), as pure functions of a file's
//! decoded `_session_expiry`, its mtime and the evaluation time.
//!
//! Django computes, in `FileStore.load()`:
//!
//! ```text
//! expiry = data["_session_expiry"] if truthy, else mtime + SESSION_COOKIE_AGE
//! age    = expiry                                   when it is not a datetime or string
//!        = floor_seconds(fromisoformat(expiry) - now)  otherwise
//! expired  <=>  age <= 0
//! ```
//!
//! Invariants kept here, each as Django does it:
//! - "truthy" is Python's: `0`, `0.0`, `false`, `""`, `[]`, `{}` and `null` fall back to
//!   the mtime rule; an integer is an age in seconds, so a positive one never expires and
//!   a negative one has already;
//! - ages are whole seconds floored toward −∞ (`delta.days * 86400 + delta.seconds`), so
//!   an expiry one microsecond ahead of `now` is already expired;
//! - `now` and mtimes carry microseconds, as Python's datetimes do; the mtime goes through
//!   the same float rounding as `os.stat().st_mtime` and `datetime.fromtimestamp`;
//! - under USE_TZ=True (zone UTC) times are aware UTC instants; under USE_TZ=False they
//!   are naive wall-clock times of the zone, subtracted as naive values (DST included);
//! - where Django raises instead of deciding (an ISO string of the other awareness, a
//!   string `fromisoformat` rejects, a list or object) the rule answers
//!   [`Undecided`] and the caller keeps the file.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use serde_json::Value;

use crate::zone::StoreZone;

/// A file's modification time as `stat` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mtime {
    pub sec: i64,
    pub nsec: i64,
}

impl Mtime {
    /// Microseconds since the epoch exactly as Python gets them: `st_mtime` is the
    /// double `sec + nsec * 1e-9`, and `datetime.fromtimestamp` splits it with `modf` and
    /// rounds the fraction half to even.
    pub fn python_micros(self) -> i64 {
        let f = self.sec as f64 + self.nsec as f64 * 1e-9;
        let int = f.trunc();
        let frac = ((f - int) * 1e6).round_ties_even();
        let (mut secs, mut us) = (int as i64, frac as i64);
        if us >= 1_000_000 {
            us -= 1_000_000;
            secs += 1;
        } else if us < 0 {
            us += 1_000_000;
            secs -= 1;
        }
        secs * 1_000_000 + us
    }

    pub fn instant(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.python_micros())
    }
}

/// What Django decides about one file at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `age <= 0`: `load()` refuses it and `clearsessions` deletes it.
    pub expired: bool,
    /// The instant the expiry stands for; `None` when `_session_expiry` is a number (an
    /// age, not a date) or `true`.
    pub expire_date: Option<DateTime<Utc>>,
    /// Where the expiry came from.
    pub source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// mtime + SESSION_COOKIE_AGE (no truthy `_session_expiry`).
    Mtime,
    /// A number or `true` in `_session_expiry`: its own sign decides, whatever the time.
    Age,
    /// An ISO datetime string in `_session_expiry`.
    Date,
}

/// Why Django would raise instead of deciding; the file is kept and reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undecided {
    /// A naive ISO string under USE_TZ=True or an aware one under USE_TZ=False:
    /// `TypeError: can't subtract offset-naive and offset-aware datetimes`.
    Awareness(String),
    /// A string `datetime.fromisoformat` rejects (ValueError) or one out of range.
    BadDate(String),
    /// A list or object: `TypeError: '<=' not supported`.
    NotComparable(String),
    /// mtime + SESSION_COOKIE_AGE outside Python's datetime range (OverflowError).
    OutOfRange,
}

impl std::fmt::Display for Undecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undecided::Awareness(v) => write!(
                f,
                "_session_expiry {v:?} and now differ in time-zone awareness (Django raises TypeError)"
            ),
            Undecided::BadDate(v) => write!(
                f,
                "_session_expiry {v:?} is not a date fromisoformat reads (Django raises ValueError)"
            ),
            Undecided::NotComparable(v) => write!(
                f,
                "_session_expiry {v} cannot be compared with 0 (Django raises TypeError)"
            ),
            Undecided::OutOfRange => {
                write!(f, "mtime + cookie age is out of range (Django raises OverflowError)")
            }
        }
    }
}

/// The clock Django compares with: aware UTC (USE_TZ=True) or naive wall-clock time in a
/// zone (USE_TZ=False). sessctl takes `--time-zone UTC` (the default) for USE_TZ=True.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    pub zone: StoreZone,
}

impl Clock {
    pub fn use_tz(self) -> bool {
        self.zone == StoreZone::UTC
    }
}

/// Python's truthiness of a JSON value.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_none_or(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Django's verdict for a file whose decoded data holds `expiry` as `_session_expiry`
/// (`None` when absent or the data is empty), last modified at `mtime`, at `now`.
pub fn judge(
    expiry: Option<&Value>,
    mtime: Mtime,
    cookie_age: i64,
    now: DateTime<Utc>,
    clock: Clock,
) -> Result<Verdict, Undecided> {
    let now_us = now.timestamp_micros();
    match expiry.filter(|v| truthy(v)) {
        None => {
            let mtime = mtime.instant().ok_or(Undecided::OutOfRange)?;
            let age = Duration::try_seconds(cookie_age).ok_or(Undecided::OutOfRange)?;
            if clock.use_tz() {
                let expiry = mtime.checked_add_signed(age).ok_or(Undecided::OutOfRange)?;
                Ok(Verdict {
                    expired: floor_seconds(expiry.timestamp_micros() - now_us) <= 0,
                    expire_date: Some(expiry),
                    source: Source::Mtime,
                })
            } else {
                let local = clock.zone.naive(mtime);
                let expiry = local.checked_add_signed(age).ok_or(Undecided::OutOfRange)?;
                Ok(Verdict {
                    expired: naive_age(expiry, now, clock) <= 0,
                    expire_date: Some(clock.zone.instant(expiry)),
                    source: Source::Mtime,
                })
            }
        }
        Some(Value::Bool(_)) => Ok(Verdict {
            // `True <= 0` is False: never expires.
            expired: false,
            expire_date: None,
            source: Source::Age,
        }),
        Some(Value::Number(n)) => Ok(Verdict {
            expired: n.as_f64().is_some_and(|f| f <= 0.0),
            expire_date: None,
            source: Source::Age,
        }),
        Some(Value::String(text)) => {
            let parsed = parse_isoformat(text).ok_or_else(|| Undecided::BadDate(text.clone()))?;
            match (parsed, clock.use_tz()) {
                (IsoDate::Aware(at), true) => {
                    let at_us = at.timestamp_micros();
                    Ok(Verdict {
                        expired: floor_seconds(at_us - now_us) <= 0,
                        expire_date: Some(at.with_timezone(&Utc)),
                        source: Source::Date,
                    })
                }
                (IsoDate::Naive(at), false) => Ok(Verdict {
                    expired: naive_age(at, now, clock) <= 0,
                    expire_date: Some(clock.zone.instant(at)),
                    source: Source::Date,
                }),
                _ => Err(Undecided::Awareness(text.clone())),
            }
        }
        Some(other) => Err(Undecided::NotComparable(other.to_string())),
    }
}

/// `floor_seconds(expiry - now)` for naive wall-clock times of the clock's zone.
fn naive_age(expiry: NaiveDateTime, now: DateTime<Utc>, clock: Clock) -> i64 {
    let now_local = clock.zone.naive(truncate_micros(now));
    let delta = expiry - now_local;
    floor_seconds(
        delta
            .num_microseconds()
            .unwrap_or(if delta < Duration::zero() {
                i64::MIN
            } else {
                i64::MAX
            }),
    )
}

fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// `delta.days * 86400 + delta.seconds` for a delta of `us` microseconds.
pub fn floor_seconds(us: i64) -> i64 {
    us.div_euclid(1_000_000)
}

/// A parsed `datetime.fromisoformat` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsoDate {
    Aware(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

/// The forms of ISO 8601 that `datetime.fromisoformat` reads and Django writes
/// (`value.isoformat()`): `YYYY-MM-DD`, then `T` or a space and `HH[:MM[:SS[.f]]]`, then
/// an optional `Z` or `±HH:MM[:SS[.f]]`. Fractions beyond microseconds are truncated, as
/// Python does. Rarer forms Python 3.11+ also accepts (week dates, basic format) are
/// refused, so such a file is kept rather than guessed at.
pub fn parse_isoformat(text: &str) -> Option<IsoDate> {
    let bytes = text.as_bytes();
    if !text.is_ascii() || bytes.len() < 10 {
        return None;
    }
    let date = chrono::NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").ok()?;
    if bytes.len() == 10 {
        return Some(IsoDate::Naive(date.and_hms_opt(0, 0, 0)?));
    }
    if !matches!(bytes[10], b'T' | b' ') {
        return None;
    }
    let rest = &text[11..];
    // Split the time from its offset at the first sign or Z.
    let split = rest.find(['+', '-', 'Z']).unwrap_or(rest.len());
    let (time_text, offset_text) = rest.split_at(split);
    let time = parse_time(time_text)?;
    let naive = date.and_time(time);
    if offset_text.is_empty() {
        return Some(IsoDate::Naive(naive));
    }
    let offset_secs = if offset_text == "Z" {
        0
    } else {
        let sign = if offset_text.starts_with('-') { -1 } else { 1 };
        let body = &offset_text[1..];
        let parts: Vec<&str> = body.split(':').collect();
        let field = |s: &str| -> Option<i64> {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (h, m, s) = match parts.as_slice() {
            [h] if h.len() == 2 => (field(h)?, 0, 0),
            [h, m] => (field(h)?, field(m)?, 0),
            [h, m, s] => (field(h)?, field(m)?, field(&s[..2.min(s.len())])?),
            _ => return None,
        };
        if h >= 24 || m >= 60 || s >= 60 {
            return None;
        }
        sign * (h * 3600 + m * 60 + s)
    };
    let offset = FixedOffset::east_opt(offset_secs as i32)?;
    naive
        .and_local_timezone(offset)
        .single()
        .map(IsoDate::Aware)
}

fn parse_time(text: &str) -> Option<chrono::NaiveTime> {
    let (main, frac) = match text.split_once(['.', ',']) {
        Some((main, frac)) => (main, Some(frac)),
        None => (text, None),
    };
    let fields: Vec<&str> = main.split(':').collect();
    let num = |s: &str| -> Option<u32> {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (h, m, s) = match fields.as_slice() {
        [h] => (num(h)?, 0, 0),
        [h, m] => (num(h)?, num(m)?, 0),
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        _ => return None,
    };
    if frac.is_some() && fields.len() != 3 {
        return None;
    }
    let micros = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let mut digits: String = f.chars().take(6).collect();
            while digits.len() < 6 {
                digits.push('0');
            }
            digits.parse().ok()?
        }
        Some(_) => return None,
    };
    chrono::NaiveTime::from_hms_micro_opt(h, m, s, micros)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AGE: i64 = 1_209_600;

    fn at(text: &str) -> DateTime<Utc> {
        crate::zone::parse_instant(text).unwrap()
    }

    fn mtime_of(text: &str) -> Mtime {
        let t = at(text);
        Mtime {
            sec: t.timestamp(),
            nsec: t.timestamp_subsec_nanos() as i64,
        }
    }

    fn utc() -> Clock {
        Clock {
            zone: StoreZone::UTC,
        }
    }

    fn paris() -> Clock {
        Clock {
            zone: StoreZone::parse("Europe/Paris").unwrap(),
        }
    }

    const NOW: &str = "2025-06-01T12:00:00Z";

    #[test]
    fn mtime_plus_age_boundaries_follow_the_floor() {
        let now = at(NOW);
        let j = |m: &str| judge(None, mtime_of(m), AGE, now, utc()).unwrap().expired;
        // expiry == now: age 0, expired (the db backend keeps such a row).
        assert!(j("2025-05-18T12:00:00Z"));
        // expiry = now + 1 µs: floors to 0, expired.
        assert!(j("2025-05-18T12:00:00.000001Z"));
        assert!(j("2025-05-18T11:59:59.999999Z"));
        // expiry = now + 1 s: age 1, active.
        assert!(!j("2025-05-18T12:00:01Z"));
    }

    #[test]
    fn integer_expiry_is_an_age_not_a_date() {
        let now = at(NOW);
        let old = mtime_of("2000-01-01T00:00:00Z");
        let v = judge(Some(&json!(300)), old, AGE, now, utc()).unwrap();
        assert!(!v.expired);
        assert_eq!(v.expire_date, None);
        assert!(
            judge(Some(&json!(-5)), old, AGE, now, utc())
                .unwrap()
                .expired
        );
        assert!(
            judge(Some(&json!(-0.5)), old, AGE, now, utc())
                .unwrap()
                .expired
        );
        assert!(
            !judge(Some(&json!(true)), old, AGE, now, utc())
                .unwrap()
                .expired
        );
        // Falsy values fall back to the mtime rule.
        for falsy in [
            json!(0),
            json!(0.0),
            json!(false),
            json!(""),
            json!([]),
            json!({}),
            json!(null),
        ] {
            let v = judge(Some(&falsy), old, AGE, now, utc()).unwrap();
            assert_eq!(v.source, Source::Mtime, "{falsy}");
            assert!(v.expired);
        }
    }

    #[test]
    fn iso_expiry_and_awareness() {
        let now = at(NOW);
        let m = mtime_of(NOW);
        let v = judge(
            Some(&json!("2025-06-04T12:00:00+00:00")),
            m,
            AGE,
            now,
            utc(),
        )
        .unwrap();
        assert!(!v.expired);
        assert_eq!(v.expire_date, Some(at("2025-06-04T12:00:00Z")));
        assert!(
            judge(
                Some(&json!("2025-06-01T13:00:00+02:00")),
                m,
                AGE,
                now,
                utc()
            )
            .unwrap()
            .expired
        );
        assert_eq!(
            judge(Some(&json!("2025-06-04T12:00:00")), m, AGE, now, utc()),
            Err(Undecided::Awareness("2025-06-04T12:00:00".into()))
        );
        // USE_TZ=False: naive Paris wall clock; 14:00:00 Paris == 12:00 UTC == now.
        assert!(
            judge(Some(&json!("2025-06-01T14:00:00")), m, AGE, now, paris())
                .unwrap()
                .expired
        );
        assert!(
            !judge(Some(&json!("2025-06-01T14:00:01")), m, AGE, now, paris())
                .unwrap()
                .expired
        );
        assert!(matches!(
            judge(
                Some(&json!("2025-06-04T12:00:00+00:00")),
                m,
                AGE,
                now,
                paris()
            ),
            Err(Undecided::Awareness(_))
        ));
        assert!(matches!(
            judge(Some(&json!("tomorrow")), m, AGE, now, utc()),
            Err(Undecided::BadDate(_))
        ));
        assert!(matches!(
            judge(Some(&json!([1])), m, AGE, now, utc()),
            Err(Undecided::NotComparable(_))
        ));
    }

    #[test]
    fn naive_mtime_rule_uses_wall_clock_across_dst() {
        // Written 2025-03-20 12:00 Paris (+01:00); 14 days later in wall-clock terms is
        // 2025-04-03 12:00 Paris, which is +02:00: one hour earlier than the absolute rule.
        let m = mtime_of("2025-03-20T11:00:00Z");
        let v = judge(None, m, AGE, at("2025-04-03T10:00:00Z"), paris()).unwrap();
        assert!(v.expired);
        assert_eq!(v.expire_date, Some(at("2025-04-03T10:00:00Z")));
        assert!(
            !judge(None, m, AGE, at("2025-04-03T09:59:59Z"), paris())
                .unwrap()
                .expired
        );
    }

    #[test]
    fn python_mtime_rounding() {
        let m = Mtime {
            sec: 1_747_569_599,
            nsec: 999_999_000,
        };
        assert_eq!(m.python_micros(), 1_747_569_599_999_999);
        let m = Mtime {
            sec: 1_747_569_600,
            nsec: 1_000,
        };
        assert_eq!(m.python_micros(), 1_747_569_600_000_001);
        let m = Mtime {
            sec: 1_747_569_600,
            nsec: 999_999_999,
        };
        assert_eq!(m.python_micros(), 1_747_569_601_000_000);
    }

    #[test]
    fn isoformat_forms() {
        let aware = |s: &str| match parse_isoformat(s) {
            Some(IsoDate::Aware(t)) => t.with_timezone(&Utc),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(
            aware("2025-06-30T12:00:00+00:00"),
            at("2025-06-30T12:00:00Z")
        );
        assert_eq!(
            aware("2025-06-30 14:00:00.5+02:00"),
            at("2025-06-30T12:00:00.5Z")
        );
        assert_eq!(aware("2025-06-30T12:00Z"), at("2025-06-30T12:00:00Z"));
        assert!(matches!(
            parse_isoformat("2025-06-30"),
            Some(IsoDate::Naive(_))
        ));
        assert!(parse_isoformat("2025-06-30X12:00").is_none());
        assert!(parse_isoformat("2025-13-30").is_none());
    }
}
