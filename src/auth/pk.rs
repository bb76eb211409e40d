//! User primary keys: what `_auth_user_id` holds, read back as Django's
//! `pk.to_python()` reads it, and written the way each database stores the column.
//!
//! `login()` writes `pk.value_to_string(user)`: the digits of an integer key, a UUID in
//! dashed lowercase form, a char key as it is. Reading is more lenient (a JSON number, a
//! UUID without dashes or in upper case), and a value that does not parse makes Django's
//! `get_user()` raise (the request answers 500; the row is left).

use serde_json::Value;

/// The type of the user model's primary key, as found from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkKind {
    /// `AutoField`, `BigAutoField`, `IntegerField`.
    Integer,
    /// `UUIDField`: `uuid` on PostgreSQL (and MariaDB 10.7+ from Django 5.0), else
    /// `char(32)`: 32 lowercase hex digits without dashes.
    Uuid { native: bool },
    /// `CharField` and other text keys.
    Text,
}

impl PkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PkKind::Integer => "integer",
            PkKind::Uuid { .. } => "uuid",
            PkKind::Text => "char",
        }
    }
}

/// One user's primary key, compared as Django compares it (a UUID as a 128-bit value).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserPk {
    Int(i64),
    Uuid(u128),
    Text(String),
}

impl UserPk {
    /// `value_to_string`: the form `login()` stores in `_auth_user_id`.
    pub fn django_text(&self) -> String {
        match self {
            UserPk::Int(n) => n.to_string(),
            UserPk::Uuid(n) => dashed(*n),
            UserPk::Text(s) => s.clone(),
        }
    }

    /// The value as the column holds it, as text: for a `char(32)` UUID the 32 hex digits.
    pub fn column_text(&self, kind: PkKind) -> String {
        match (self, kind) {
            (UserPk::Uuid(n), PkKind::Uuid { native: false }) => format!("{n:032x}"),
            _ => self.django_text(),
        }
    }
}

fn dashed(n: u128) -> String {
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Reads `_auth_user_id` as `pk.to_python()` does; `None` where Django raises
/// `ValidationError`.
pub fn parse(value: &Value, kind: PkKind) -> Option<UserPk> {
    match kind {
        PkKind::Integer => match value {
            Value::String(s) => parse_python_int(s).map(UserPk::Int),
            // int(42.0) is 42 and int(True) is 1 in Python.
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite())
                        .map(|f| f.trunc() as i64)
                })
                .map(UserPk::Int),
            Value::Bool(b) => Some(UserPk::Int(i64::from(*b))),
            _ => None,
        },
        PkKind::Uuid { .. } => match value {
            Value::String(s) => parse_uuid_hex(s).map(UserPk::Uuid),
            // uuid.UUID(int=…) for an integer.
            Value::Number(n) => n
                .as_u64()
                .map(u128::from)
                .or_else(|| n.to_string().parse::<u128>().ok())
                .map(UserPk::Uuid),
            _ => None,
        },
        PkKind::Text => match value {
            Value::String(s) => Some(UserPk::Text(s.clone())),
            Value::Number(n) => Some(UserPk::Text(n.to_string())),
            Value::Bool(b) => Some(UserPk::Text(if *b { "True" } else { "False" }.to_owned())),
            _ => None,
        },
    }
}

/// A key read from the user table's column, as its text form.
pub fn from_column(text: &str, kind: PkKind) -> Option<UserPk> {
    match kind {
        PkKind::Integer => text.trim().parse().ok().map(UserPk::Int),
        PkKind::Uuid { .. } => parse_uuid_hex(text).map(UserPk::Uuid),
        PkKind::Text => Some(UserPk::Text(text.to_owned())),
    }
}

/// Python's `int(str)` for the spellings a key can have: surrounding whitespace, a
/// sign, and single underscores between digits.
fn parse_python_int(s: &str) -> Option<i64> {
    let t = s.trim_matches(|c: char| c.is_whitespace());
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let plain: String = digits.chars().filter(|c| *c != '_').collect();
    let n: i64 = plain.parse().ok()?;
    Some(if negative { -n } else { n })
}

/// `uuid.UUID(hex=…)`: `urn:` and `uuid:` dropped, braces stripped, dashes removed,
/// then exactly 32 hex digits in either case.
fn parse_uuid_hex(s: &str) -> Option<u128> {
    let s = s.replace("urn:", "").replace("uuid:", "");
    let h: String = s
        .trim_matches(|c| c == '{' || c == '}')
        .chars()
        .filter(|c| *c != '-')
        .collect();
    if h.len() != 32 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&h, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integer_keys_parse_as_python_int_does() {
        let k = PkKind::Integer;
        assert_eq!(parse(&json!("42"), k), Some(UserPk::Int(42)));
        assert_eq!(parse(&json!(" 42\n"), k), Some(UserPk::Int(42)));
        assert_eq!(parse(&json!("1_000"), k), Some(UserPk::Int(1000)));
        assert_eq!(parse(&json!(42), k), Some(UserPk::Int(42)));
        assert_eq!(parse(&json!("-3"), k), Some(UserPk::Int(-3)));
        for bad in ["abc", "", "4 2", "_1", "1__0", "0x10", "42.0"] {
            assert_eq!(parse(&json!(bad), k), None, "{bad}");
        }
        assert_eq!(parse(&json!(null), k), None);
    }

    #[test]
    fn uuid_keys_compare_as_values() {
        let k = PkKind::Uuid { native: false };
        let dashed = parse(&json!("229a4d66-bbdb-4d4a-856e-64d17d7f0c45"), k).unwrap();
        for other in [
            "229a4d66bbdb4d4a856e64d17d7f0c45",
            "229A4D66-BBDB-4D4A-856E-64D17D7F0C45",
            "{229a4d66-bbdb-4d4a-856e-64d17d7f0c45}",
            "urn:uuid:229a4d66-bbdb-4d4a-856e-64d17d7f0c45",
        ] {
            assert_eq!(parse(&json!(other), k).as_ref(), Some(&dashed), "{other}");
        }
        assert_eq!(dashed.django_text(), "229a4d66-bbdb-4d4a-856e-64d17d7f0c45");
        assert_eq!(dashed.column_text(k), "229a4d66bbdb4d4a856e64d17d7f0c45");
        assert_eq!(
            dashed.column_text(PkKind::Uuid { native: true }),
            "229a4d66-bbdb-4d4a-856e-64d17d7f0c45"
        );
        assert_eq!(parse(&json!("229a4d66"), k), None);
        assert_eq!(parse(&json!("g29a4d66bbdb4d4a856e64d17d7f0c45"), k), None);
    }

    #[test]
    fn char_keys_are_taken_as_they_are() {
        assert_eq!(
            parse(&json!("C-000335"), PkKind::Text),
            Some(UserPk::Text("C-000335".into()))
        );
        assert_eq!(
            parse(&json!(7), PkKind::Text),
            Some(UserPk::Text("7".into()))
        );
    }
}
