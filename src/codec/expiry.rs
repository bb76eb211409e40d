//! `_session_expiry` as stored in the session data, and the pure pieces of Django's
//! expiry arithmetic (SPEC §3, §4, §6) that depend only on values, not on a store.
//!
//! Invariants:
//! * [`SessionExpiry`] is a faithful view of the stored value: an int is seconds of
//!   inactivity (0 = browser close), a string is an ISO datetime as Django 4.1+ stores
//!   it (pickled datetimes arrive here already rendered by `isoformat()`), anything else
//!   is kept as is.
//! * [`parse_isoformat`] keeps Python's distinction between naive and aware datetimes:
//!   comparing the two raises in Django, so callers must be able to tell.
//! * [`floor_seconds`] is `delta.days * 86400 + delta.seconds`: it floors toward −∞
//!   and drops the microseconds, which is how Django turns a datetime difference into an
//!   age.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde_json::Value;

/// The stored `_session_expiry` value.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionExpiry {
    /// An integer: seconds of inactivity (`set_expiry(300)`); 0 = at browser close.
    Seconds(i64),
    /// An ISO-8601 string as stored (4.1+), or a pickled datetime rendered by
    /// `isoformat()` (3.2/4.0 pickle sessions).
    At(String),
    /// Anything else (float, bool, null, huge int, ...), as stored.
    Other(Value),
}

impl SessionExpiry {
    pub fn from_value(v: &Value) -> SessionExpiry {
        match v {
            Value::Number(n) => match n.as_i64() {
                // as_i64 also accepts nothing but plain integer text.
                Some(i) => SessionExpiry::Seconds(i),
                None => SessionExpiry::Other(v.clone()),
            },
            Value::String(s) => SessionExpiry::At(s.clone()),
            other => SessionExpiry::Other(other.clone()),
        }
    }

    /// Python truthiness of the stored value. Django replaces a falsy expiry (0, None,
    /// "", missing) with `SESSION_COOKIE_AGE` in `get_expiry_age`, and the file backend
    /// falls back to `mtime + SESSION_COOKIE_AGE`.
    pub fn is_truthy(&self) -> bool {
        match self {
            SessionExpiry::Seconds(i) => *i != 0,
            SessionExpiry::At(s) => !s.is_empty(),
            SessionExpiry::Other(v) => match v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_none_or(|f| f != 0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(m) => !m.is_empty(),
            },
        }
    }

    /// The datetime of an [`SessionExpiry::At`] value, parsed as `datetime.fromisoformat`.
    pub fn datetime(&self) -> Option<Result<IsoDateTime, String>> {
        match self {
            SessionExpiry::At(s) => Some(parse_isoformat(s)),
            _ => None,
        }
    }
}

/// A datetime as Python holds it: aware (with a UTC offset) or naive (USE_TZ=False).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsoDateTime {
    Aware(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

impl IsoDateTime {
    /// The instant, for an aware value.
    pub fn to_utc(self) -> Option<DateTime<Utc>> {
        match self {
            IsoDateTime::Aware(d) => Some(d.with_timezone(&Utc)),
            IsoDateTime::Naive(_) => None,
        }
    }
}

/// `datetime.fromisoformat(s)` for what `isoformat()` writes (and the common ISO-8601
/// extras Python 3.11+ also accepts): `YYYY-MM-DD`, optionally followed by any single
/// separator character and `HH[:MM[:SS[.f{1,6}]]]`, optionally followed by `Z` or
/// `±HH:MM[:SS]`. A date alone is midnight, naive.
pub fn parse_isoformat(s: &str) -> Result<IsoDateTime, String> {
    let err = || format!("{s:?} is not an ISO datetime");
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = num(0, 4).ok_or_else(err)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(err());
    }
    let month = num(5, 2).ok_or_else(err)?;
    let day = num(8, 2).ok_or_else(err)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(err)?;
    if b.len() == 10 {
        return Ok(IsoDateTime::Naive(date.and_time(NaiveTime::MIN)));
    }
    // Any single character separates date and time (Python allows that); skip it whole.
    let sep_len = s[10..].chars().next().map_or(0, char::len_utf8);
    let t = &s[10 + sep_len..];
    let tb = t.as_bytes();
    let tnum = |from: usize, len: usize| -> Option<u32> {
        let part = tb.get(from..from + len)?;
        part.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let hour = tnum(0, 2).ok_or_else(err)?;
    let mut pos = 2;
    let (mut minute, mut second, mut micro) = (0, 0, 0);
    if tb.get(pos) == Some(&b':') {
        minute = tnum(pos + 1, 2).ok_or_else(err)?;
        pos += 3;
        if tb.get(pos) == Some(&b':') {
            second = tnum(pos + 1, 2).ok_or_else(err)?;
            pos += 3;
            if let Some(b'.' | b',') = tb.get(pos) {
                let start = pos + 1;
                let mut end = start;
                while end < tb.len() && tb[end].is_ascii_digit() {
                    end += 1;
                }
                let n = end - start;
                if n == 0 || n > 6 {
                    return Err(err());
                }
                micro = tnum(start, n).ok_or_else(err)? * 10u32.pow((6 - n) as u32);
                pos = end;
            }
        }
    }
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micro).ok_or_else(err)?;
    let naive = date.and_time(time);
    let rest = &t[pos..];
    if rest.is_empty() {
        return Ok(IsoDateTime::Naive(naive));
    }
    let offset_secs: i32 = if rest == "Z" {
        0
    } else {
        let rb = rest.as_bytes();
        let sign = match rb[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(err()),
        };
        let rnum = |from: usize| -> Option<i32> {
            let p = rb.get(from..from + 2)?;
            p.iter().try_fold(0i32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0'))
            })
        };
        let hh = rnum(1).ok_or_else(err)?;
        let (mm, ss) = match rb.len() {
            3 => (0, 0),
            6 if rb[3] == b':' => (rnum(4).ok_or_else(err)?, 0),
            9 if rb[3] == b':' && rb[6] == b':' => {
                (rnum(4).ok_or_else(err)?, rnum(7).ok_or_else(err)?)
            }
            _ => return Err(err()),
        };
        if mm >= 60 || ss >= 60 {
            return Err(err());
        }
        sign * (hh * 3600 + mm * 60 + ss)
    };
    let off = FixedOffset::east_opt(offset_secs).ok_or_else(err)?;
    naive
        .and_local_timezone(off)
        .single()
        .map(IsoDateTime::Aware)
        .ok_or_else(err)
}

/// `delta.days * 86400 + delta.seconds` of a Python timedelta: floor toward −∞, whole
/// seconds.
pub fn floor_seconds(delta: TimeDelta) -> i64 {
    let s = delta.num_seconds();
    if delta.subsec_nanos() < 0 {
        s - 1
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn from_value() {
        assert_eq!(
            SessionExpiry::from_value(&serde_json::json!(300)),
            SessionExpiry::Seconds(300)
        );
        assert_eq!(
            SessionExpiry::from_value(&serde_json::json!("2025-06-30T12:00:00+00:00")),
            SessionExpiry::At("2025-06-30T12:00:00+00:00".into())
        );
        let f: Value = serde_json::from_str("1.5").unwrap();
        assert_eq!(
            SessionExpiry::from_value(&f),
            SessionExpiry::Other(f.clone())
        );
        assert!(!SessionExpiry::Seconds(0).is_truthy());
        assert!(SessionExpiry::Seconds(-5).is_truthy());
        assert!(!SessionExpiry::Other(Value::Null).is_truthy());
    }

    #[test]
    fn isoformat_variants() {
        let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        let a = parse_isoformat("2025-06-30T12:00:00+00:00").unwrap();
        assert_eq!(a.to_utc(), Some(utc(2025, 6, 30, 12, 0, 0)));
        let p = parse_isoformat("2025-06-30T14:00:00+02:00").unwrap();
        assert_eq!(p.to_utc(), Some(utc(2025, 6, 30, 12, 0, 0)));
        let n = parse_isoformat("2025-06-30T14:00:00").unwrap();
        assert!(matches!(n, IsoDateTime::Naive(_)));
        let f = parse_isoformat("2025-06-01 11:59:59.999999-04:00").unwrap();
        assert_eq!(f.to_utc().unwrap().timestamp_subsec_micros(), 999_999);
        assert!(parse_isoformat("2025-06-30T12:00Z").is_ok());
        assert!(parse_isoformat("2025-06-30").is_ok());
        for bad in [
            "",
            "2025-6-30",
            "2025-02-30T00:00:00",
            "2025-06-30T25:00:00",
            "2025-06-30T12:00:00+0",
            "x",
        ] {
            assert!(parse_isoformat(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn floors_like_python() {
        assert_eq!(floor_seconds(TimeDelta::microseconds(-1)), -1);
        assert_eq!(floor_seconds(TimeDelta::microseconds(1)), 0);
        assert_eq!(floor_seconds(TimeDelta::microseconds(-1_000_000)), -1);
        assert_eq!(floor_seconds(TimeDelta::microseconds(1_999_999)), 1);
    }
}
