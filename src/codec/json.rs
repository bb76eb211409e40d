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
