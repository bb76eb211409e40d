//! Human durations for every option that takes one (`--sleep`, `--max-runtime`, …) and
//! for relative times: `250ms`, `2s`, `1.5s`, `10m`, `1h30m`, `2d12h`.
//!
//! A duration is one or more `NUMBER UNIT` parts, units ms, s, m (or min), h, d, each at
//! most once; a bare number is seconds. Parts add up, so `1h30m` is 5,400 s.

use std::time::Duration;

const UNITS: [(&str, f64); 6] = [
    ("ms", 0.001),
    ("s", 1.0),
    ("min", 60.0),
    ("m", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
];

fn invalid(text: &str) -> String {
    format!("`{text}` is not a duration; write e.g. 500ms, 2s, 10m, 1h30m or 2d")
}

/// `d` in the largest two units that fit, for messages: `3d 4h`, `2h 5m`, `40s`.
pub fn show(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m {seconds}s"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Parses a duration (see the module doc).
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(text));
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|_| invalid(text));
    }
    let mut rest = text;
    let mut seconds = 0.0;
    let mut seen: Vec<&str> = Vec::new();
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}`: the last number has no unit (ms, s, m, h or d)"))?;
        let value: f64 = rest[..digits].parse().map_err(|_| invalid(text))?;
        let after = &rest[digits..];
        let (unit, factor) = UNITS
            .iter()
            .find(|(unit, _)| after.starts_with(unit))
            .ok_or_else(|| {
                let unit: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
                format!("unknown unit `{unit}` in `{text}`; use ms, s, m, h or d")
            })?;
        // `m` and `min` are one unit.
        let canonical = if *unit == "min" { "m" } else { unit };
        if seen.contains(&canonical) {
            return Err(format!("`{text}` gives the unit {canonical} twice"));
        }
        seen.push(canonical);
        seconds += value * factor;
        rest = &after[unit.len()..];
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("10min"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("2d"), Ok(Duration::from_secs(172_800)));
        assert!(parse("soon").is_err());
        assert!(parse("5w").is_err());
        assert!(parse("").is_err());
        assert!(parse("-1s").is_err());
    }

    #[test]
    fn compound_durations_add_up() {
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("2d12h"), Ok(Duration::from_secs(216_000)));
        assert_eq!(parse("1m30s500ms"), Ok(Duration::from_millis(90_500)));
        assert!(parse("1h30").is_err(), "a trailing number needs its unit");
        assert!(parse("1m2m").is_err(), "a unit twice");
        assert!(parse("1m2min").is_err(), "m and min are one unit");
    }
}
