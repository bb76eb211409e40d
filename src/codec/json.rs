//! Django's `JSONSerializer`: `json.loads(data.decode("latin-1"))` and
//! `json.dumps(obj, separators=(",", ":")).encode("latin-1")`, with Python's semantics.
//!
//! Invariants:
//! * `data` is what Python sees: numbers with a fraction or exponent are Python floats
//!   and are rendered as `repr(float)` (`1E5` → `100000.0`), integers stay exact
//!   (`serde_json` `arbitrary_precision`), `-0` is `0`, non-finite floats are `NaN` /
//!   `Infinity` / `-Infinity` exactly as Python's `json` writes them.
//! * Strict JSON goes through `serde_json` (fast path). Anything it rejects is re-parsed
//!   by [`PyJsonParser`], which accepts exactly Python's extensions: `NaN`/`Infinity`,
//!   lone `\uD800`-style surrogate escapes (replaced by U+FFFD, with a note: Rust
//!   strings cannot hold them), and nesting deeper than serde's 128 levels (up to
//!   [`MAX_JSON_DEPTH`], about Python's recursion limit). Its recursion is bounded by
//!   that depth, so no input can overflow the stack.
//! * Integers longer than 4300 digits are refused, as `int()` does on Python ≥ 3.11
//!   (and the patched 3.7–3.10 releases), which makes Django read the session as empty.
//! * [`dumps`] writes byte for byte what Python's `json.dumps(..., separators=(",",
//!   ":"))` writes with the default `ensure_ascii=True`.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

/// Deepest nesting accepted, about CPython's default recursion limit (1000), which is
/// what bounds its JSON decoder.
pub const MAX_JSON_DEPTH: usize = 1000;

/// `sys.int_info.default_max_str_digits` of Python ≥ 3.11.
pub(crate) const INT_MAX_STR_DIGITS: usize = 4300;

/// Decoded JSON session dict plus notes about anything non-standard in it.
pub(crate) type Loaded = (Map<String, Value>, Vec<String>);

/// `json.loads(data.decode("latin-1"))`, requiring a JSON object at the top.
pub(crate) fn loads(bytes: &[u8]) -> Result<Loaded, String> {
    // Latin-1 maps each byte to the code point of the same value; ASCII (what Django
    // writes) needs no copy.
    let text: Cow<str> = match std::str::from_utf8(bytes) {
        Ok(s) if bytes.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    };
    let mut notes = Vec::new();
    let mut value = match serde_json::from_str::<Value>(&text) {
        Ok(v) => v,
        Err(_) => {
            let mut p = PyJsonParser {
                s: text.as_bytes(),
                pos: 0,
                surrogates: false,
                nonfinite: false,
            };
            let v = p
                .document()
                .map_err(|e| format!("payload is not valid JSON: {e}"))?;
            if p.surrogates {
                notes.push(
                    "JSON holds a lone UTF-16 surrogate escape (Python accepts it); shown as U+FFFD"
                        .to_owned(),
                );
            }
            if p.nonfinite {
                notes.push("JSON holds NaN/Infinity (Python's json accepts them)".to_owned());
            }
            v
        }
    };
    normalize_numbers(&mut value, 0)?;
    match value {
        Value::Object(m) => Ok((m, notes)),
        other => Err(format!(
            "payload is JSON {}, not an object; Django cannot use it as a session",
            kind_name(&other)
        )),
    }
}

/// `loads(bytes)` narrowed to the entries `keys` of the dict: the same outcome (an
/// error or not) and, for each key the dict has, the same value, with every other entry
/// dropped. Callers that need a few entries (the expiry rule needs `_session_expiry`,
/// the auth verdict the three `_auth_user_*` keys) are spared building the rest.
///
/// The rest is still checked as JSON (`serde_json`, values skipped unbuilt), so a
/// malformed payload is refused here as in `loads`. Where the skipping parser and
/// `loads` could disagree the payload goes through `loads` instead: a non-ASCII byte
/// (Latin-1 decoding), nesting deeper than [`SKIM_DEPTH`] (the skipping parser has no
/// depth limit, `loads` has Python's), an integer longer than Python's digit limit, or
/// anything the skipping parser refuses (`NaN`, which Python accepts, and real errors,
/// which `loads` then words). Lone surrogate escapes in skipped strings are accepted,
/// as `loads` accepts them, without its note about them.
pub(crate) fn loads_only(bytes: &[u8], keys: &[&str]) -> Result<Loaded, String> {
    if skimmable(bytes) {
        if let Ok(found) = skim(bytes, keys) {
            let mut map = Map::new();
            for (key, value) in keys.iter().zip(found) {
                if let Some(mut value) = value {
                    normalize_numbers(&mut value, 0)?;
                    map.insert((*key).to_owned(), value);
                }
            }
            return Ok((map, Vec::new()));
        }
    }
    let (mut map, notes) = loads(bytes)?;
    map.retain(|k, _| keys.contains(&k.as_str()));
    Ok((map, notes))
}

/// Deepest nesting [`loads_only`] leaves to the skipping parser: below the limit of
/// `serde_json` (128), so `loads` parses whatever it accepts the same way.
const SKIM_DEPTH: usize = 100;

/// Whether `bytes` are ASCII, nest at most [`SKIM_DEPTH`] deep and hold no run of more
/// than [`INT_MAX_STR_DIGITS`] digits outside strings. Only a guard for [`loads_only`]:
/// on malformed JSON its answer does not matter, the parsers refuse it either way.
fn skimmable(bytes: &[u8]) -> bool {
    // Most of a session's JSON is inside strings: checked for ASCII a word at a time
    // and skipped from quote to quote, not byte by byte.
    if !bytes.is_ascii() {
        return false;
    }
    let (mut depth, mut digits) = (0usize, 0usize);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'"' => {
                // To the closing quote, stepping over each escaped byte.
                loop {
                    let Some(at) = bytes
                        .get(i..)
                        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                    else {
                        return true;
                    };
                    i += at + 1;
                    if bytes[i - 1] == b'"' {
                        break;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > SKIM_DEPTH {
                    return false;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if b.is_ascii_digit() {
            digits += 1;
            if digits > INT_MAX_STR_DIGITS {
                return false;
            }
        } else {
            digits = 0;
        }
    }
    true
}

/// The values of the top-level entries `keys` of the JSON object `bytes`, in the order
/// of `keys` (the last one, as Python's dict keeps, when a key repeats), every other
/// value checked and skipped.
fn skim(bytes: &[u8], keys: &[&str]) -> Result<Vec<Option<Value>>, serde_json::Error> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
    use std::fmt;

    /// Deserializes a key into its place among `keys`, without copying it.
    struct WhichKey<'k>(&'k [&'k str]);

    impl<'de> DeserializeSeed<'de> for WhichKey<'_> {
        type Value = Option<usize>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl Visitor<'_> for WhichKey<'_> {
        type Value = Option<usize>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E>(self, v: &str) -> Result<Option<usize>, E> {
            Ok(self.0.iter().position(|k| *k == v))
        }
    }

    struct Entries<'k>(&'k [&'k str]);

    impl<'de> Visitor<'de> for Entries<'_> {
        type Value = Vec<Option<Value>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = vec![None; self.0.len()];
            while let Some(which) = map.next_key_seed(WhichKey(self.0))? {
                match which {
                    Some(i) => found[i] = Some(map.next_value::<Value>()?),
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(found)
        }
    }

    let mut de = serde_json::Deserializer::from_slice(bytes);
    let found = de.deserialize_map(Entries(keys))?;
    de.end()?;
    Ok(found)
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Rewrite every number the way Python holds it (see the module invariants). Depth is
/// already bounded by the parsers, the guard only keeps that true if they change.
fn normalize_numbers(v: &mut Value, depth: usize) -> Result<(), String> {
    if depth > MAX_JSON_DEPTH {
        return Err(format!("JSON nesting deeper than {MAX_JSON_DEPTH} levels"));
    }
    match v {
        Value::Number(n) => {
            if let Some(t) = python_number_text(n.as_str())? {
                *n = Number::from_string_unchecked(t);
            }
        }
        Value::Array(a) => {
            for x in a {
                normalize_numbers(x, depth + 1)?;
            }
        }
        Value::Object(m) => {
            for x in m.values_mut() {
                normalize_numbers(x, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `Some(new_text)` when Python would print the JSON number `t` differently after a
/// round trip through `int()`/`float()`; `None` when it is already canonical.
fn python_number_text(t: &str) -> Result<Option<String>, String> {
    if matches!(t, "NaN" | "Infinity" | "-Infinity") {
        return Ok(None);
    }
    if t.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        let f: f64 = t.parse().map_err(|_| format!("bad JSON number {t:?}"))?;
        let r = py_float_json(f);
        return Ok(if r == t { None } else { Some(r) });
    }
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.len() > INT_MAX_STR_DIGITS {
        return Err(format!(
            "integer with {} digits exceeds Python's {INT_MAX_STR_DIGITS}-digit int limit; \
             Django (Python ≥ 3.11) fails to load it",
            digits.len()
        ));
    }
    Ok((t == "-0").then(|| "0".to_owned()))
}

/// How Python's `json.dumps` writes a float: `repr(f)`, except the non-finite values,
/// which become `NaN`, `Infinity` and `-Infinity`.
pub(crate) fn py_float_json(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    py_float_repr(f)
}

/// `repr(float)` for finite values: the shortest round-tripping digits (Rust's `{:e}`
/// and Python's repr both produce them), laid out by CPython's `float_repr_style ==
/// 'short'` rules: exponent form when the decimal exponent is < -4 or >= 16, otherwise
/// positional with at least one digit after the point.
pub(crate) fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let mut out = String::with_capacity(digits.len() + 8);
    if neg {
        out.push('-');
    }
    if !(-4 < decpt && decpt <= 16) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..(-decpt) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let d = decpt as usize;
        if d >= digits.len() {
            out.push_str(&digits);
            for _ in digits.len()..d {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..d]);
            out.push('.');
            out.push_str(&digits[d..]);
        }
    }
    out
}

/// Recursive-descent JSON parser with CPython `json` semantics, used only when
/// `serde_json` rejects the input (see module docs).
struct PyJsonParser<'a> {
    s: &'a [u8],
    pos: usize,
    surrogates: bool,
    nonfinite: bool,
}

impl PyJsonParser<'_> {
    fn document(&mut self) -> Result<Value, String> {
        self.ws();
        let v = self.value(0)?;
        self.ws();
        if self.pos != self.s.len() {
            return Err(format!("extra data at byte {}", self.pos));
        }
        Ok(v)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        let start = self.pos;
        match self.s.get(self.pos) {
            Some(b'"') => {
                self.pos += 1;
                Ok(Value::String(self.string()?))
            }
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'n') if self.eat("null") => Ok(Value::Null),
            Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat("NaN") => self.nonfinite("NaN"),
            Some(b'I') if self.eat("Infinity") => self.nonfinite("Infinity"),
            Some(b'-') if self.eat("-Infinity") => self.nonfinite("-Infinity"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(format!("expecting value at byte {start}")),
        }
    }

    fn nonfinite(&mut self, t: &str) -> Result<Value, String> {
        self.nonfinite = true;
        Ok(Value::Number(Number::from_string_unchecked(t.to_owned())))
    }

    /// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`; an incomplete fraction or exponent ends
    /// the number before it, exactly like Python's scanner (the rest is then junk).
    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let digits = |s: &[u8], mut i: usize| {
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let mut i = self.pos;
        if self.s[i] == b'-' {
            i += 1;
        }
        match self.s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(self.s, i),
            _ => return Err(format!("expecting value at byte {start}")),
        }
        if self.s.get(i) == Some(&b'.') && self.s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i = digits(self.s, i + 1);
        }
        if let Some(b'e' | b'E') = self.s.get(i) {
            let mut j = i + 1;
            if let Some(b'+' | b'-') = self.s.get(j) {
                j += 1;
            }
            if self.s.get(j).is_some_and(u8::is_ascii_digit) {
                i = digits(self.s, j);
            }
        }
        self.pos = i;
        // The slice is ASCII digits and signs only.
        let text = String::from_utf8_lossy(&self.s[start..i]).into_owned();
        Ok(Value::Number(Number::from_string_unchecked(text)))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.s.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + char::from(c).to_digit(16)?;
        }
        Some(v)
    }

    /// After the opening quote. Control characters are refused (`strict=True`).
    fn string(&mut self) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&c) = self.s.get(self.pos) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The input is a &str and the run stops only at ASCII bytes, so the run is
            // valid UTF-8.
            out.push_str(&String::from_utf8_lossy(&self.s[run_start..self.pos]));
            match self.s.get(self.pos) {
                None => {
                    return Err(format!(
                        "unterminated string starting near byte {run_start}"
                    ))
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.s.get(self.pos + 1).copied();
                    self.pos += 2;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let at = self.pos - 2;
                            let c = self
                                .hex4(self.pos)
                                .ok_or_else(|| format!("invalid \\uXXXX escape at byte {at}"))?;
                            self.pos += 4;
                            let mut code = Some(c);
                            if (0xD800..0xDC00).contains(&c)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                let c2 = self.hex4(self.pos + 2).ok_or_else(|| {
                                    format!("invalid \\uXXXX escape at byte {}", self.pos)
                                })?;
                                if (0xDC00..0xE000).contains(&c2) {
                                    code = Some(0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00));
                                    self.pos += 6;
                                }
                            }
                            match code.and_then(char::from_u32) {
                                Some(ch) => out.push(ch),
                                None => {
                                    self.surrogates = true;
                                    out.push('\u{FFFD}');
                                }
                            }
                        }
                        _ => return Err(format!("invalid escape at byte {}", self.pos - 2)),
                    }
                }
                Some(_) => return Err(format!("invalid control character at byte {}", self.pos)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_JSON_DEPTH {
            return Err(format!("nesting deeper than {MAX_JSON_DEPTH} levels"));
        }
        self.pos += 1;
        let mut m = Map::new();
        self.ws();
        if self.s.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(m));
        }
        loop {
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(format!(
                    "expecting property name enclosed in double quotes at byte {}",
                    self.pos
                ));
            }
            self.pos += 1;
            let k = self.string()?;
            self.ws();
            if self.s.get(self.pos) != Some(&b':') {
                return Err(format!("expecting ':' delimiter at byte {}", self.pos));
            }
            self.pos += 1;
            self.ws();
            let v = self.value(depth)?;
            // Python's dict keeps the first position and the last value of a repeated
            // key; IndexMap's insert does the same.
            m.insert(k, v);
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(m));
                }
                _ => return Err(format!("expecting ',' delimiter at byte {}", self.pos)),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_JSON_DEPTH {
            return Err(format!("nesting deeper than {MAX_JSON_DEPTH} levels"));
        }
        self.pos += 1;
        let mut a = Vec::new();
        self.ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(a));
        }
        loop {
            a.push(self.value(depth)?);
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(a));
                }
                _ => return Err(format!("expecting ',' delimiter at byte {}", self.pos)),
            }
        }
    }
}

/// `json.dumps(map, separators=(",", ":"))` with `ensure_ascii=True`.
pub(crate) fn dumps(map: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(64);
    write_object(&mut out, map);
    out
}

fn write_object(out: &mut String, map: &Map<String, Value>) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, k);
        out.push(':');
        write_value(out, v);
    }
    out.push('}');
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => match python_number_text(n.as_str()) {
            Ok(Some(t)) => out.push_str(&t),
            // Canonical already, or an over-long int that Python could not even have
            // parsed: write it as held.
            Ok(None) | Err(_) => out.push_str(n.as_str()),
        },
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => write_object(out, m),
    }
}

/// CPython's `py_encode_basestring_ascii`: only `' '..='~'` pass through (so DEL is
/// escaped), short escapes for `\" \\ \b \f \n \r \t`, otherwise lowercase `\uXXXX`,
/// astral characters as a surrogate pair.
fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut u16buf = [0u16; 2];
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                for unit in ch.encode_utf16(&mut u16buf).iter() {
                    out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
                    }
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random sequence (xorshift), each value below the bound asked for:
    /// the same inputs on every run.
    fn random_below() -> impl FnMut(usize) -> usize {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        }
    }

    /// The byte-at-a-time [`super::skimmable`] it replaced, as the reference.
    fn skimmable_byte_by_byte(bytes: &[u8]) -> bool {
        let (mut depth, mut digits) = (0usize, 0usize);
        let (mut in_string, mut escaped) = (false, false);
        for &b in bytes {
            if !b.is_ascii() {
                return false;
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > SKIM_DEPTH {
                        return false;
                    }
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if b.is_ascii_digit() {
                digits += 1;
                if digits > INT_MAX_STR_DIGITS {
                    return false;
                }
            } else {
                digits = 0;
            }
        }
        true
    }

    /// The quote-to-quote scan answers as the byte-at-a-time one on JSON-like noise:
    /// escapes (also a final backslash), unterminated strings, digit runs around the
    /// limit, nesting around the limit, non-ASCII bytes.
    #[test]
    fn skimmable_agrees_with_a_byte_by_byte_scan() {
        let alphabet: &[&[u8]] = &[
            b"\"", b"\\", b"{", b"}", b"[", b"]", b"7", b"a", b",", b":", b"\x80", b"\\\"", b" ",
        ];
        let mut next = random_below();
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for _ in 0..20_000 {
            let len = next(40);
            let mut v = Vec::new();
            for _ in 0..len {
                v.extend_from_slice(alphabet[next(alphabet.len())]);
            }
            inputs.push(v);
        }
        for n in [INT_MAX_STR_DIGITS, INT_MAX_STR_DIGITS + 1] {
            inputs.push(format!("{{\"a\":{}}}", "9".repeat(n)).into_bytes());
            inputs.push(format!("{{\"a\":\"{}\"}}", "9".repeat(n + 5)).into_bytes());
        }
        for n in [SKIM_DEPTH, SKIM_DEPTH + 1] {
            inputs.push(format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes());
            inputs.push(format!("\"{}\"", "[".repeat(n + 5)).into_bytes());
        }
        inputs.push(b"\"abc\\".to_vec());
        let mut verdicts = [0usize; 2];
        for input in &inputs {
            let want = skimmable_byte_by_byte(input);
            verdicts[usize::from(want)] += 1;
            assert_eq!(
                super::skimmable(input),
                want,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        assert!(verdicts[0] > 100 && verdicts[1] > 100, "{verdicts:?}");
    }

    fn load(s: &str) -> Result<Loaded, String> {
        loads(s.as_bytes())
    }

    #[test]
    // 3.14159 is the sample session's value, not an attempt at pi.
    #[allow(clippy::approx_constant)]
    fn float_repr_matches_python() {
        // (value, repr(value)) pairs printed by CPython 3.11.
        let cases: &[(f64, &str)] = &[
            (3.14159, "3.14159"),
            (1e-10, "1e-10"),
            (9.99, "9.99"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (100000.0, "100000.0"),
            (1.5, "1.5"),
            (-2.5e-300, "-2.5e-300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.0f64.powi(53), "9007199254740992.0"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(*f), *want, "{f:e}");
        }
        assert_eq!(py_float_json(f64::NAN), "NaN");
        assert_eq!(py_float_json(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn numbers_become_what_python_holds() {
        let (m, _) = load(r#"{"a":1E5,"b":-0,"c":9007199254740993,"d":1e400,"e":2.50}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"a":100000.0,"b":0,"c":9007199254740993,"d":Infinity,"e":2.5}"#
        );
        let big = format!("{{\"n\":{}}}", "9".repeat(4301));
        assert!(load(&big).unwrap_err().contains("4300"));
        let ok = format!("{{\"n\":-{}}}", "9".repeat(4300));
        assert!(load(&ok).is_ok());
    }

    #[test]
    fn python_extensions_parse_with_notes() {
        let (m, notes) =
            load(r#"{"x":NaN,"y":-Infinity,"s":"\ud800x\udc00\ud83d\ude80"}"#).unwrap();
        assert_eq!(m["s"], "\u{FFFD}x\u{FFFD}\u{1F680}");
        assert_eq!(m["x"].to_string(), "NaN");
        assert_eq!(m["y"].to_string(), "-Infinity");
        assert_eq!(notes.len(), 2);
        // Latin-1 bytes are code points.
        let (m, _) = loads(b"{\"k\":\"\xe9\"}").unwrap();
        assert_eq!(m["k"], "é");
    }

    #[test]
    fn rejects_what_python_rejects() {
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{'a':1}",
            "{\"a\":\"\x01\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12G4\"}",
            "{\"a\":nul}",
            "{} x",
            "{\"a\" 1}",
            "{\"a\":\"\\ud800\\uZZZZ\"}",
            "{\"a\":-}",
            "{\"a\":+1}",
        ] {
            assert!(load(bad).is_err(), "{bad:?}");
        }
        assert!(load("[1]").unwrap_err().contains("array"));
        assert!(load("  {\"a\" : [ 1 , 2 ] }\n").is_ok());
    }

    #[test]
    fn depth_beyond_serde_up_to_python_limit() {
        let deep = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
        assert!(load(&deep(500)).is_ok());
        assert!(load(&deep(5000)).unwrap_err().contains("deeper"));
    }

    /// `loads_only` gives what `loads` gives, narrowed to the keys: the same error, or
    /// the same values (or none), for one key and for several.
    fn same_as_loads(s: &[u8]) {
        for keys in [
            &["_session_expiry"][..],
            &["_auth_user_id", "_session_expiry", "a"][..],
        ] {
            let full = loads(s).map(|(mut m, _)| {
                m.retain(|k, _| keys.contains(&k.as_str()));
                m
            });
            let only = loads_only(s, keys).map(|(m, _)| m);
            assert_eq!(only, full, "{keys:?} {:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn loads_only_agrees_with_loads() {
        let deep = |n: usize| {
            format!(
                "{{\"a\":{}1{}, \"_session_expiry\":3}}",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        let long_int = format!("{{\"a\":{},\"_session_expiry\":1}}", "9".repeat(4301));
        let long_int_in_value = format!("{{\"_session_expiry\":-{}}}", "9".repeat(4301));
        let long_float = format!("{{\"a\":{}.5,\"_session_expiry\":1}}", "9".repeat(4400));
        let digits_in_string = format!("{{\"a\":\"{}\",\"_session_expiry\":1}}", "9".repeat(5000));
        let mut cases: Vec<Vec<u8>> = [
            r#"{"_session_expiry":5}"#,
            r#"{"_session_expiry":"2030-01-01T00:00:00+00:00","a":[1,2,{"b":null}]}"#,
            r#"{"_session_expiry":1,"x":2,"_session_expiry":-3}"#,
            r#"{"_session_\u0065xpiry":1E5}"#,
            r#"{"a":{"_session_expiry":1}}"#,
            r#"{"_session_expiry":NaN}"#,
            r#"{"a":NaN,"_session_expiry":1}"#,
            r#"{"a":-Infinity}"#,
            r#"{"a":"\ud800","_session_expiry":2}"#,
            r#"{"_session_expiry":"\ud800"}"#,
            r#"{"\ud800":1,"_session_expiry":2}"#,
            r#"{"_session_expiry":-0}"#,
            r#"{"_session_expiry":[1.50,{"x":-0}]}"#,
            r#"{"_session_expiry":1e400}"#,
            r#"  {"a" : [ 1 , 2 ] , "_session_expiry" : false }
"#,
            "{}",
            "{} x",
            "{}{}",
            "[1]",
            "\"x\"",
            "1",
            "null",
            "",
            "{\"a\":\"\t\"}",
            "{\"_session_expiry\":\"\\x\"}",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{'a':1}",
            "{\"a\" 1}",
            "{\"a\":-}",
            "{\"a\":+1}",
            "{\"a\":nul}",
            "{\"a\":\"\\u12G4\"}",
            "{\"a\":\"\\ud800\\uZZZZ\"}",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for s in [
            deep(90),
            deep(99),
            deep(120),
            deep(130),
            deep(500),
            deep(5000),
        ] {
            cases.push(s.into_bytes());
        }
        for s in [long_int, long_int_in_value, long_float, digits_in_string] {
            cases.push(s.into_bytes());
        }
        cases.push(b"{\"k\":\"\xe9\",\"_session_expiry\":1}".to_vec());
        cases.push(b"{\"_session_expiry\":\"\xe9\"}".to_vec());
        for case in &cases {
            same_as_loads(case);
        }
    }

    #[test]
    fn loads_only_agrees_with_loads_on_mangled_payloads() {
        // Session-like documents, then many copies with random bytes replaced, inserted
        // or removed, from an alphabet of the characters JSON turns on.
        let bases = [
            r#"{"_session_expiry":"2030-01-01T00:00:00+00:00","cart":["sku-1","sku-2"],"visits":7}"#,
            r#"{"_auth_user_id":"1003","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_session_expiry":1209600}"#,
            r#"{"a":{"_session_expiry":1},"_session_expiry":[0,-1.5e3,{"b":"\u00e9\ud83d\ude80"}],"n":null,"t":true}"#,
        ];
        let alphabet = b"{}[]:,\"\\ue0123456789-.+Ee NaInfityrlsd_x\x01\xe9";
        let mut next = random_below();
        for _ in 0..20_000 {
            let mut doc = bases[next(bases.len())].as_bytes().to_vec();
            for _ in 0..1 + next(3) {
                let at = next(doc.len() + 1);
                let c = alphabet[next(alphabet.len())];
                match next(3) {
                    0 if at < doc.len() => doc[at] = c,
                    1 if at < doc.len() => {
                        doc.remove(at);
                    }
                    _ => doc.insert(at, c),
                }
            }
            same_as_loads(&doc);
        }
    }

    #[test]
    fn dumps_matches_python() {
        // json.dumps({...}, separators=(",", ":")) from CPython 3.11.
        let v: Value = serde_json::from_str(
            r#"{"name":"Zoë Ångström","emoji":"🚀✨","q\"k":"back\\slash\nnl\u007f\u0001\t/","n":[1,-2.5,1e16,null,true,{}]}"#,
        )
        .unwrap();
        let Value::Object(m) = v else { panic!() };
        assert_eq!(
            dumps(&m),
            r#"{"name":"Zo\u00eb \u00c5ngstr\u00f6m","emoji":"\ud83d\ude80\u2728","q\"k":"back\\slash\nnl\u007f\u0001\t/","n":[1,-2.5,1e+16,null,true,{}]}"#
        );
    }
}
