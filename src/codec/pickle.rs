//! A safe reader for `PickleSerializer` payloads (Django ≤ 4.2): it interprets the
//! pickle opcodes itself and never imports or calls anything.
//!
//! Invariants:
//! * Only data is built: dict, list, tuple, set, frozenset, str, bytes, bytearray, int
//!   (exact, any size), float, bool, None, and `datetime.{datetime,date,time,timedelta,
//!   timezone}` (plus `pytz.utc` / pytz fixed-offset zones and `collections.OrderedDict`).
//!   The few "calls" a pickle makes to build those (`REDUCE` on a known constructor,
//!   `_codecs.encode` for protocol-2 bytes) are evaluated by this module's own code.
//!   Any other global (`os.system`, a model class, ...) stops the load with an error
//!   naming it: such a pickle is data to report, never code to run.
//! * Stack, mark and memo handling follow CPython's C unpickler (`_pickle.c`): the same
//!   underflow rules around MARK, MEMOIZE indices, FRAME only checked for length, bytes
//!   after STOP ignored, `BINSTRING` decoded as ASCII (the `encoding` default).
//! * Every length is checked against the remaining input before anything is allocated,
//!   the number of objects is capped ([`MAX_OBJECTS`]), the rendering is capped in size
//!   ([`MAX_RENDERED_BYTES`], shared references can otherwise multiply it) and in depth
//!   ([`MAX_DEPTH`], which also stops self-referencing structures). The interpreter
//!   itself is a loop, not a recursion.
//! * The result is rendered exactly like `jsonable()` in `make_fixtures.py`: dict keys
//!   through `str()`, tuples and lists as arrays, sets as sorted arrays, datetimes
//!   through `isoformat()`, everything else (bytes, timedelta, ...) through `repr()`.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::json::{py_float_json, py_float_repr, Loaded, INT_MAX_STR_DIGITS};
use super::payload::MAX_DECOMPRESSED;

/// Most objects one pickle may create.
pub const MAX_OBJECTS: usize = 16 << 20;
/// Deepest nesting rendered (Python's own recursion limit is about this).
pub const MAX_DEPTH: usize = 1000;
/// Upper bound on the estimated size of the rendered JSON.
pub const MAX_RENDERED_BYTES: usize = 4 * MAX_DECOMPRESSED;
/// Estimated cost of one rendered node, for [`MAX_RENDERED_BYTES`].
const NODE_COST: usize = 32;

type Id = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Callable {
    Set,
    FrozenSet,
    Bytes,
    ByteArray,
    CodecsEncode,
    DateTime,
    Date,
    Time,
    TimeDelta,
    TimeZone,
    PytzUtc,
    PytzP,
    OrderedDict,
}

impl Callable {
    fn name(self) -> &'static str {
        match self {
            Callable::Set => "builtins.set",
            Callable::FrozenSet => "builtins.frozenset",
            Callable::Bytes => "builtins.bytes",
            Callable::ByteArray => "builtins.bytearray",
            Callable::CodecsEncode => "_codecs.encode",
            Callable::DateTime => "datetime.datetime",
            Callable::Date => "datetime.date",
            Callable::Time => "datetime.time",
            Callable::TimeDelta => "datetime.timedelta",
            Callable::TimeZone => "datetime.timezone",
            Callable::PytzUtc => "pytz._UTC",
            Callable::PytzP => "pytz._p",
            Callable::OrderedDict => "collections.OrderedDict",
        }
    }

    fn repr(self) -> String {
        match self {
            Callable::CodecsEncode => "<built-in function encode>".to_owned(),
            Callable::PytzUtc => "<function _UTC>".to_owned(),
            Callable::PytzP => "<function _p>".to_owned(),
            Callable::Set | Callable::FrozenSet | Callable::Bytes | Callable::ByteArray => {
                format!("<class '{}'>", &self.name()["builtins.".len()..])
            }
            _ => format!("<class '{}'>", self.name()),
        }
    }
}

/// A tzinfo: `datetime.timezone`, `pytz.utc`, or a pytz zone pinned to one offset.
#[derive(Clone, Debug, PartialEq)]
enum Tz {
    Fixed {
        offset_us: i64,
        name: Option<String>,
    },
    PytzUtc,
    PytzFixed {
        zone: String,
        offset_s: i64,
        dst_s: i64,
        name: String,
    },
}

#[derive(Clone, Copy, Debug)]
struct DateTimeV {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    micro: u32,
    fold: bool,
    tz: Option<Id>,
}

#[derive(Clone, Copy, Debug)]
struct TimeV {
    hour: u8,
    minute: u8,
    second: u8,
    micro: u32,
    fold: bool,
    tz: Option<Id>,
}

/// Normalised like Python's: `0 <= seconds < 86400`, `0 <= micros < 10**6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Delta {
    days: i64,
    seconds: i64,
    micros: i64,
}

impl Delta {
    fn from_micros(total: i128) -> Result<Delta, String> {
        let day = 86_400_000_000i128;
        let days = total.div_euclid(day);
        if days.abs() > 999_999_999 {
            return Err(format!("timedelta of {days} days is out of range"));
        }
        let rem = total.rem_euclid(day);
        Ok(Delta {
            days: days as i64,
            seconds: (rem / 1_000_000) as i64,
            micros: (rem % 1_000_000) as i64,
        })
    }

    fn total_micros(self) -> i128 {
        (i128::from(self.days) * 86_400 + i128::from(self.seconds)) * 1_000_000
            + i128::from(self.micros)
    }
}

#[derive(Clone, Debug)]
enum Obj {
    None,
    Bool(bool),
    Int(i64),
    /// Exact decimal digits (with sign) of an int outside i64.
    BigInt(String),
    /// An int with more than 4300 digits: Python itself refuses to print it.
    HugeInt(usize),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    List(Vec<Id>),
    Tuple(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    DateTime(DateTimeV),
    Date(u16, u8, u8),
    Time(TimeV),
    TimeDelta(Delta),
    Tz(Tz),
    Callable(Callable),
}

impl Obj {
    fn type_name(&self) -> &'static str {
        match self {
            Obj::None => "NoneType",
            Obj::Bool(_) => "bool",
            Obj::Int(_) | Obj::BigInt(_) | Obj::HugeInt(_) => "int",
            Obj::Float(_) => "float",
            Obj::Str(_) => "str",
            Obj::Bytes(_) => "bytes",
            Obj::ByteArray(_) => "bytearray",
            Obj::List(_) => "list",
            Obj::Tuple(_) => "tuple",
            Obj::Dict(_) => "dict",
            Obj::Set(_) => "set",
            Obj::FrozenSet(_) => "frozenset",
            Obj::DateTime(_) => "datetime.datetime",
            Obj::Date(..) => "datetime.date",
            Obj::Time(_) => "datetime.time",
            Obj::TimeDelta(_) => "datetime.timedelta",
            Obj::Tz(_) => "tzinfo",
            Obj::Callable(_) => "type",
        }
    }
}

// Fixed arena slots for the singletons, so `N`, `\x88`, `\x89` never grow the arena.
const NONE_ID: Id = 0;
const TRUE_ID: Id = 1;
const FALSE_ID: Id = 2;

/// Load a pickled session dict. Ok carries the rendered dict and notes.
pub(crate) fn loads(data: &[u8]) -> Result<Loaded, String> {
    let mut vm = Vm {
        data,
        pos: 0,
        arena: vec![Obj::None, Obj::Bool(true), Obj::Bool(false)],
        stack: Vec::new(),
        marks: Vec::new(),
        memo: Memo::new(),
        notes: Vec::new(),
    };
    let root = vm.run().map_err(|e| {
        if e.starts_with("pickle references") {
            e
        } else {
            format!("pickle payload not loadable: {e}")
        }
    })?;
    let mut notes = std::mem::take(&mut vm.notes);
    let mut r = Renderer {
        arena: &vm.arena,
        budget: MAX_RENDERED_BYTES,
        notes: &mut notes,
        open: vec![false; vm.arena.len()],
    };
    let map = match &vm.arena[root as usize] {
        Obj::Dict(_) => match r.render(root, 0) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => unreachable!("a dict renders to an object"),
            Err(e) => Err(e),
        },
        other => Err(format!(
            "pickle holds an object of type {}, not a dict; Django cannot use it as a session",
            other.type_name()
        )),
    }?;
    notes.dedup();
    Ok((map, notes))
}

struct Vm<'a> {
    data: &'a [u8],
    pos: usize,
    arena: Vec<Obj>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: Memo,
    notes: Vec<String>,
}

/// The unpickler's memo, index to object. A pickler numbers its puts from 0 up, so the
/// index of a put is almost always the next one: those live in a vector, as CPython
/// keeps them; any other index (puts thinned out afterwards, or a hand-made pickle) in a
/// map. The vector grows by one slot per put, so no index makes it larger than the puts
/// the input made.
struct Memo {
    dense: Vec<Id>,
    sparse: HashMap<u64, Id>,
}

impl Memo {
    fn new() -> Memo {
        Memo {
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }

    fn get(&self, idx: u64) -> Option<Id> {
        if idx < self.dense.len() as u64 {
            Some(self.dense[idx as usize])
        } else {
            self.sparse.get(&idx).copied()
        }
    }

    fn insert(&mut self, idx: u64, id: Id) {
        let next = self.dense.len() as u64;
        if idx < next {
            self.dense[idx as usize] = id;
        } else if idx == next {
            // An index set out of order before now joins the vector: one entry per index.
            if !self.sparse.is_empty() {
                self.sparse.remove(&idx);
            }
            self.dense.push(id);
        } else {
            self.sparse.insert(idx, id);
        }
    }

    /// Distinct indices set: what MEMOIZE numbers the next put.
    fn len(&self) -> usize {
        self.dense.len() + self.sparse.len()
    }
}

type R<T> = Result<T, String>;

fn underflow<T>() -> R<T> {
    Err("unpickling stack underflow".to_owned())
}

impl<'a> Vm<'a> {
    fn take(&mut self, n: u64) -> R<&'a [u8]> {
        let remaining = self.data.len() - self.pos;
        if n > remaining as u64 {
            return Err(format!(
                "pickle data was truncated (needs {n} bytes, {remaining} left)"
            ));
        }
        let s = &self.data[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    fn byte(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }

    fn le(&mut self, n: u64) -> R<u64> {
        Ok(self
            .take(n)?
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A text line without its `\n`; a missing newline is truncation, as in CPython.
    fn line(&mut self) -> R<&'a [u8]> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("pickle data was truncated (no newline)")?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }

    fn alloc(&mut self, o: Obj) -> R<Id> {
        if self.arena.len() >= MAX_OBJECTS {
            return Err(format!(
                "pickle creates more than {MAX_OBJECTS} objects; refusing"
            ));
        }
        self.arena.push(o);
        Ok((self.arena.len() - 1) as Id)
    }

    fn push(&mut self, o: Obj) -> R<()> {
        let id = self.alloc(o)?;
        self.stack.push(id);
        Ok(())
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> R<Id> {
        if self.stack.len() <= self.fence() {
            return underflow();
        }
        self.stack.pop().map_or_else(underflow, Ok)
    }

    fn top(&self) -> R<Id> {
        if self.stack.len() <= self.fence() {
            return underflow();
        }
        self.stack.last().copied().map_or_else(underflow, Ok)
    }

    fn marker(&mut self) -> R<usize> {
        let m = self.marks.pop().ok_or("could not find MARK")?;
        if m > self.stack.len() {
            return underflow();
        }
        Ok(m)
    }

    fn memo_get(&mut self, idx: u64) -> R<()> {
        let id = self
            .memo
            .get(idx)
            .ok_or_else(|| format!("memo value not found at index {idx}"))?;
        self.stack.push(id);
        Ok(())
    }

    fn memo_put(&mut self, idx: u64) -> R<()> {
        let id = self.top()?;
        self.memo.insert(idx, id);
        Ok(())
    }

    fn obj(&self, id: Id) -> &Obj {
        &self.arena[id as usize]
    }

    fn run(&mut self) -> R<Id> {
        loop {
            let op = self
                .byte()
                .map_err(|_| "pickle data was truncated (no STOP)".to_owned())?;
            match op {
                b'.' => return self.pop(), // STOP
                0x80 => {
                    // PROTO
                    let p = self.byte()?;
                    if p > 5 {
                        return Err(format!("unsupported pickle protocol: {p}"));
                    }
                }
                0x95 => {
                    // FRAME: CPython only checks that the frame's bytes are there.
                    let n = self.le(8)?;
                    if n > (self.data.len() - self.pos) as u64 {
                        return Err("pickle data was truncated (frame)".to_owned());
                    }
                }
                b'(' => self.marks.push(self.stack.len()), // MARK
                b'0' => {
                    // POP: pops the mark itself when it sits on top.
                    if self.marks.last() == Some(&self.stack.len()) {
                        self.marks.pop();
                    } else {
                        self.pop()?;
                    }
                }
                b'1' => {
                    // POP_MARK
                    let m = self.marker()?;
                    self.stack.truncate(m);
                }
                b'2' => {
                    // DUP
                    let t = self.top()?;
                    self.stack.push(t);
                }
                b'N' => self.stack.push(NONE_ID),
                0x88 => self.stack.push(TRUE_ID),
                0x89 => self.stack.push(FALSE_ID),
                b'J' => {
                    let v = self.le(4)? as u32 as i32;
                    self.push(Obj::Int(i64::from(v)))?;
                }
                b'K' => {
                    let v = self.byte()?;
                    self.push(Obj::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = self.le(2)?;
                    self.push(Obj::Int(v as i64))?;
                }
                0x8a => {
                    let n = u64::from(self.byte()?);
                    let bytes = self.take(n)?;
                    let o = long_from_le(bytes);
                    self.note_huge(&o);
                    self.push(o)?;
                }
                0x8b => {
                    let n = self.le(4)? as u32 as i32;
                    if n < 0 {
                        return Err("LONG pickle has negative byte count".to_owned());
                    }
                    let bytes = self.take(n as u64)?;
                    let o = long_from_le(bytes);
                    self.note_huge(&o);
                    self.push(o)?;
                }
                b'I' => {
                    let line = self.line()?;
                    let o = match line {
                        b"00" => Obj::Bool(false),
                        b"01" => Obj::Bool(true),
                        _ => int_from_text(line)?,
                    };
                    self.push(o)?;
                }
                b'L' => {
                    let line = self.line()?;
                    let line = line.strip_suffix(b"L").unwrap_or(line);
                    let o = int_from_text(line)?;
                    self.push(o)?;
                }
                b'G' => {
                    let b = self.take(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push(Obj::Float(f64::from_be_bytes(a)))?;
                }
                b'F' => {
                    let line = self.line()?;
                    let t = std::str::from_utf8(line)
                        .map_err(|_| "could not convert string to float")?;
                    let f: f64 = t
                        .trim()
                        .parse()
                        .map_err(|_| format!("could not convert string to float: {t:?}"))?;
                    self.push(Obj::Float(f))?;
                }
                0x8c => {
                    let n = u64::from(self.byte()?);
                    let s = self.utf8(n)?;
                    self.push(Obj::Str(s))?;
                }
                b'X' => {
                    let n = self.le(4)?;
                    let s = self.utf8(n)?;
                    self.push(Obj::Str(s))?;
                }
                0x8d => {
                    let n = self.le(8)?;
                    let s = self.utf8(n)?;
                    self.push(Obj::Str(s))?;
                }
                b'V' => {
                    let line = self.line()?;
                    let s = self.raw_unicode_escape(line)?;
                    self.push(Obj::Str(s))?;
                }
                b'T' => {
                    let n = self.le(4)? as u32 as i32;
                    if n < 0 {
                        return Err("BINSTRING pickle has negative byte count".to_owned());
                    }
                    let b = self.take(n as u64)?;
                    let s = ascii_str(b)?;
                    self.push(Obj::Str(s))?;
                }
                b'U' => {
                    let n = u64::from(self.byte()?);
                    let b = self.take(n)?;
                    let s = ascii_str(b)?;
                    self.push(Obj::Str(s))?;
                }
                b'S' => {
                    let line = self.line()?;
                    let b = python_string_literal(line)?;
                    let s = ascii_str(&b)?;
                    self.push(Obj::Str(s))?;
                }
                b'C' => {
                    let n = u64::from(self.byte()?);
                    let b = self.take(n)?.to_vec();
                    self.push(Obj::Bytes(b))?;
                }
                b'B' => {
                    let n = self.le(4)?;
                    let b = self.take(n)?.to_vec();
                    self.push(Obj::Bytes(b))?;
                }
                0x8e => {
                    let n = self.le(8)?;
                    let b = self.take(n)?.to_vec();
                    self.push(Obj::Bytes(b))?;
                }
                0x96 => {
                    let n = self.le(8)?;
                    let b = self.take(n)?.to_vec();
                    self.push(Obj::ByteArray(b))?;
                }
                b']' => self.push(Obj::List(Vec::new()))?,
                b'}' => self.push(Obj::Dict(Vec::new()))?,
                b')' => self.push(Obj::Tuple(Vec::new()))?,
                0x8f => self.push(Obj::Set(Vec::new()))?,
                0x85..=0x87 => {
                    // TUPLE1..3
                    let n = usize::from(op - 0x84);
                    if self.stack.len() < self.fence() + n {
                        return underflow();
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push(Obj::Tuple(items))?;
                }
                b't' => {
                    let m = self.marker()?;
                    let items = self.stack.split_off(m);
                    self.push(Obj::Tuple(items))?;
                }
                b'l' => {
                    let m = self.marker()?;
                    let items = self.stack.split_off(m);
                    self.push(Obj::List(items))?;
                }
                0x91 => {
                    let m = self.marker()?;
                    let items = self.stack.split_off(m);
                    for &i in &items {
                        self.require_hashable(i)?;
                    }
                    self.push(Obj::FrozenSet(items))?;
                }
                b'd' => {
                    let m = self.marker()?;
                    let items = self.stack.split_off(m);
                    if !items.len().is_multiple_of(2) {
                        return Err("odd number of items for DICT".to_owned());
                    }
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    for kv in items.chunks_exact(2) {
                        self.require_hashable(kv[0])?;
                        pairs.push((kv[0], kv[1]));
                    }
                    self.push(Obj::Dict(pairs))?;
                }
                b'a' => {
                    let x = self.stack.len().saturating_sub(1);
                    self.do_append(x)?;
                }
                b'e' => {
                    let x = self.marker()?;
                    self.do_append(x)?;
                }
                b's' => {
                    let x = self.stack.len().saturating_sub(2);
                    self.do_setitems(x)?;
                }
                b'u' => {
                    let x = self.marker()?;
                    self.do_setitems(x)?;
                }
                0x90 => {
                    // ADDITEMS
                    let x = self.marker()?;
                    let len = self.stack.len();
                    if x > len || x <= self.fence() {
                        return underflow();
                    }
                    if len == x {
                        continue;
                    }
                    let items = self.stack.split_off(x);
                    for &i in &items {
                        self.require_hashable(i)?;
                    }
                    let target = self.stack[x - 1];
                    match &mut self.arena[target as usize] {
                        Obj::Set(v) => v.extend(items),
                        other => {
                            return Err(format!(
                                "'{}' object has no attribute 'add'",
                                other.type_name()
                            ))
                        }
                    }
                }
                b'g' => {
                    let line = self.line()?;
                    let idx = memo_index_from_text(line)?;
                    self.memo_get(idx)?;
                }
                b'h' => {
                    let idx = u64::from(self.byte()?);
                    self.memo_get(idx)?;
                }
                b'j' => {
                    let idx = self.le(4)?;
                    self.memo_get(idx)?;
                }
                b'p' => {
                    let line = self.line()?;
                    let idx = memo_index_from_text(line)?;
                    self.memo_put(idx)?;
                }
                b'q' => {
                    let idx = u64::from(self.byte()?);
                    self.memo_put(idx)?;
                }
                b'r' => {
                    let idx = self.le(4)?;
                    self.memo_put(idx)?;
                }
                0x94 => {
                    let idx = self.memo.len() as u64;
                    self.memo_put(idx)?;
                }
                b'c' => {
                    let module = utf8_line(self.line()?)?;
                    let name = utf8_line(self.line()?)?;
                    let c = find_class(&module, &name)?;
                    self.push(Obj::Callable(c))?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Obj::Str(m), Obj::Str(n)) = (self.obj(module), self.obj(name)) else {
                        return Err("STACK_GLOBAL requires str".to_owned());
                    };
                    let c = find_class(m, n)?;
                    self.push(Obj::Callable(c))?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let o = self.reduce(func, args)?;
                    self.push(o)?;
                }
                b'i' => {
                    let module = utf8_line(self.line()?)?;
                    let name = utf8_line(self.line()?)?;
                    find_class(&module, &name)?;
                    return Err(format!("INST of {module}.{name} is not supported"));
                }
                b'o' | 0x81 | 0x92 => {
                    let what = match op {
                        b'o' => "OBJ",
                        0x81 => "NEWOBJ",
                        _ => "NEWOBJ_EX",
                    };
                    return Err(format!("{what} (instance creation) is not supported"));
                }
                b'b' => return Err("BUILD (setting object state) is not supported".to_owned()),
                b'P' | b'Q' => return Err("persistent IDs are not supported".to_owned()),
                0x82..=0x84 => return Err("copyreg extension codes are not supported".to_owned()),
                0x97 | 0x98 => return Err("out-of-band buffers are not supported".to_owned()),
                other => return Err(format!("invalid load key, {:?}", char::from(other))),
            }
        }
    }

    fn note_huge(&mut self, o: &Obj) {
        if let Obj::HugeInt(bits) = o {
            self.notes.push(format!(
                "an int of {bits} bits (over {INT_MAX_STR_DIGITS} digits) is shown as a placeholder: Python refuses to print it"
            ));
        }
    }

    /// BINUNICODE*: UTF-8 with `surrogatepass`. Lone surrogates (which a Rust string
    /// cannot hold) become U+FFFD with a note; any other invalid byte fails as in Python.
    fn utf8(&mut self, n: u64) -> R<String> {
        let b = self.take(n)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => {
                let mut out = String::with_capacity(b.len());
                let mut rest = b;
                while !rest.is_empty() {
                    match std::str::from_utf8(rest) {
                        Ok(s) => {
                            out.push_str(s);
                            break;
                        }
                        Err(e) => {
                            let (ok, bad) = rest.split_at(e.valid_up_to());
                            out.push_str(std::str::from_utf8(ok).unwrap_or_default());
                            if bad.len() >= 3
                                && bad[0] == 0xED
                                && (0xA0..=0xBF).contains(&bad[1])
                                && (0x80..=0xBF).contains(&bad[2])
                            {
                                out.push('\u{FFFD}');
                                self.surrogate_note();
                                rest = &bad[3..];
                            } else {
                                return Err(
                                    "'utf-8' codec can't decode a string in the pickle".to_owned()
                                );
                            }
                        }
                    }
                }
                Ok(out)
            }
        }
    }

    fn surrogate_note(&mut self) {
        let n = "a pickled string holds a lone UTF-16 surrogate; shown as U+FFFD".to_owned();
        if !self.notes.contains(&n) {
            self.notes.push(n);
        }
    }

    /// Protocol-0 `UNICODE`: the `raw-unicode-escape` codec.
    fn raw_unicode_escape(&mut self, b: &[u8]) -> R<String> {
        let mut out = String::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'\\' {
                out.push(char::from(b[i]));
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i] == b'\\' {
                i += 1;
            }
            let count = i - start;
            let escape = count % 2 == 1 && i < b.len() && (b[i] == b'u' || b[i] == b'U');
            let literal = if escape { count - 1 } else { count };
            for _ in 0..literal {
                out.push('\\');
            }
            if escape {
                let n = if b[i] == b'u' { 4 } else { 8 };
                let hex = b
                    .get(i + 1..i + 1 + n)
                    .ok_or("truncated \\uXXXX escape in UNICODE")?;
                let mut v = 0u32;
                for &h in hex {
                    v = v * 16
                        + char::from(h)
                            .to_digit(16)
                            .ok_or("truncated \\uXXXX escape in UNICODE")?;
                }
                if v > 0x10FFFF {
                    return Err("\\Uxxxxxxxx out of range in UNICODE".to_owned());
                }
                match char::from_u32(v) {
                    Some(c) => out.push(c),
                    None => {
                        out.push('\u{FFFD}');
                        self.surrogate_note();
                    }
                }
                i += 1 + n;
            }
        }
        Ok(out)
    }

    /// CPython `do_append`: x is the index of the first item; the target sits below it.
    fn do_append(&mut self, x: usize) -> R<()> {
        let len = self.stack.len();
        if x > len || x <= self.fence() {
            return underflow();
        }
        if len == x {
            return Ok(());
        }
        let items = self.stack.split_off(x);
        let target = self.stack[x - 1];
        match &mut self.arena[target as usize] {
            Obj::List(v) => {
                v.extend(items);
                Ok(())
            }
            other => Err(format!(
                "'{}' object has no attribute 'append'",
                other.type_name()
            )),
        }
    }

    /// CPython `do_setitems`.
    fn do_setitems(&mut self, x: usize) -> R<()> {
        let len = self.stack.len();
        if x > len || x <= self.fence() {
            return underflow();
        }
        if len == x {
            return Ok(());
        }
        if !(len - x).is_multiple_of(2) {
            return Err("odd number of items for SETITEMS".to_owned());
        }
        let items = self.stack.split_off(x);
        for kv in items.chunks_exact(2) {
            self.require_hashable(kv[0])?;
        }
        let target = self.stack[x - 1];
        match &mut self.arena[target as usize] {
            Obj::Dict(v) => {
                v.extend(items.chunks_exact(2).map(|kv| (kv[0], kv[1])));
                Ok(())
            }
            other => Err(format!(
                "'{}' object does not support item assignment",
                other.type_name()
            )),
        }
    }

    /// Dict keys and set members must be hashable, or Python raises TypeError.
    fn require_hashable(&self, id: Id) -> R<()> {
        let mut todo = vec![(id, 0usize)];
        while let Some((id, depth)) = todo.pop() {
            if depth > MAX_DEPTH {
                return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
            }
            match self.obj(id) {
                Obj::List(_) | Obj::Dict(_) | Obj::Set(_) | Obj::ByteArray(_) => {
                    return Err(format!("unhashable type: '{}'", self.obj(id).type_name()));
                }
                Obj::Tuple(items) => todo.extend(items.iter().map(|&i| (i, depth + 1))),
                _ => {}
            }
        }
        Ok(())
    }

    fn int_arg(&self, id: Id, what: &str) -> R<i128> {
        match self.obj(id) {
            Obj::Int(i) => Ok(i128::from(*i)),
            Obj::Bool(b) => Ok(i128::from(*b)),
            Obj::BigInt(_) | Obj::HugeInt(_) => {
                Err(format!("{what}: Python int too large to convert to C int"))
            }
            other => Err(format!(
                "{what}: an integer is required (got type {})",
                other.type_name()
            )),
        }
    }

    fn tz_arg(&self, id: Option<&Id>) -> R<Option<Id>> {
        match id {
            None => Ok(None),
            Some(&i) => match self.obj(i) {
                Obj::None => Ok(None),
                Obj::Tz(_) => Ok(Some(i)),
                _ => Err("bad tzinfo state arg".to_owned()),
            },
        }
    }

    /// Bytes-like pickle state of a datetime type (bytes, or a latin-1 str from
    /// Python 2 pickles).
    fn state_bytes(&self, id: Id) -> Option<Vec<u8>> {
        match self.obj(id) {
            Obj::Bytes(b) => Some(b.clone()),
            Obj::Str(s) => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
            _ => None,
        }
    }

    fn items_of(&self, id: Id, what: &str) -> R<Vec<Id>> {
        match self.obj(id) {
            Obj::List(v) | Obj::Tuple(v) | Obj::Set(v) | Obj::FrozenSet(v) => Ok(v.clone()),
            other => Err(format!(
                "{what}: unsupported argument of type {}",
                other.type_name()
            )),
        }
    }

    fn byte_values(&self, id: Id) -> R<Option<Vec<u8>>> {
        let (Obj::List(v) | Obj::Tuple(v)) = self.obj(id) else {
            return Ok(None);
        };
        v.iter()
            .map(|&i| {
                let n = self.int_arg(i, "bytes")?;
                u8::try_from(n).map_err(|_| "bytes must be in range(0, 256)".to_owned())
            })
            .collect::<R<Vec<u8>>>()
            .map(Some)
    }

    fn encode_str(&self, s: &str, enc: &str) -> R<Vec<u8>> {
        let norm: String = enc
            .to_ascii_lowercase()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect();
        match norm.as_str() {
            "latin1" | "iso88591" | "l1" | "8859" | "cp819" | "latin" => s
                .chars()
                .map(|c| {
                    u8::try_from(u32::from(c))
                        .map_err(|_| "'latin-1' codec can't encode character".to_owned())
                })
                .collect(),
            "ascii" | "usascii" => {
                if s.is_ascii() {
                    Ok(s.as_bytes().to_vec())
                } else {
                    Err("'ascii' codec can't encode character".to_owned())
                }
            }
            "utf8" => Ok(s.as_bytes().to_vec()),
            _ => Err(format!("encoding {enc:?} is not supported here")),
        }
    }

    /// Evaluate a whitelisted constructor; `args` must be a tuple, as for any call.
    fn reduce(&mut self, func: Id, args: Id) -> R<Obj> {
        let Obj::Callable(c) = *self.obj(func) else {
            return Err(format!(
                "'{}' object is not callable",
                self.obj(func).type_name()
            ));
        };
        let Obj::Tuple(a) = self.obj(args).clone() else {
            return Err("argument list must be a tuple".to_owned());
        };
        let name = c.name();
        let arity = |lo: usize, hi: usize| -> R<()> {
            if a.len() < lo || a.len() > hi {
                Err(format!(
                    "{name}() takes {lo} to {hi} arguments ({} given)",
                    a.len()
                ))
            } else {
                Ok(())
            }
        };
        match c {
            Callable::Set | Callable::FrozenSet => {
                arity(0, 1)?;
                let items = match a.first() {
                    Some(&i) => self.items_of(i, name)?,
                    None => Vec::new(),
                };
                for &i in &items {
                    self.require_hashable(i)?;
                }
                Ok(if c == Callable::Set {
                    Obj::Set(items)
                } else {
                    Obj::FrozenSet(items)
                })
            }
            Callable::Bytes | Callable::ByteArray => {
                arity(0, 3)?;
                let bytes = match a.as_slice() {
                    [] => Vec::new(),
                    [x] => match self.obj(*x) {
                        Obj::Bytes(b) | Obj::ByteArray(b) => b.clone(),
                        _ => self
                            .byte_values(*x)?
                            .ok_or_else(|| format!("{name}: unsupported argument"))?,
                    },
                    [s, e, ..] => match (self.obj(*s), self.obj(*e)) {
                        (Obj::Str(s), Obj::Str(e)) => self.encode_str(s, e)?,
                        _ => return Err(format!("{name}: unsupported arguments")),
                    },
                };
                Ok(if c == Callable::Bytes {
                    Obj::Bytes(bytes)
                } else {
                    Obj::ByteArray(bytes)
                })
            }
            Callable::CodecsEncode => {
                arity(1, 3)?;
                let Obj::Str(s) = self.obj(a[0]) else {
                    return Err("_codecs.encode: only str input is supported".to_owned());
                };
                let enc = match a.get(1).map(|&i| self.obj(i)) {
                    None => "utf-8",
                    Some(Obj::Str(e)) => e.as_str(),
                    Some(_) => return Err("encode() argument 'encoding' must be str".to_owned()),
                };
                Ok(Obj::Bytes(self.encode_str(s, enc)?))
            }
            Callable::DateTime => self.make_datetime(&a),
            Callable::Date => {
                if let [x] = a.as_slice() {
                    if let Some(st) = self.state_bytes(*x) {
                        if st.len() == 4 && (1..=12).contains(&st[2]) {
                            return Ok(Obj::Date(
                                u16::from(st[0]) << 8 | u16::from(st[1]),
                                st[2],
                                st[3],
                            ));
                        }
                    }
                }
                arity(3, 3)?;
                let (y, m, d) = self.ymd(&a)?;
                Ok(Obj::Date(y, m, d))
            }
            Callable::Time => self.make_time(&a),
            Callable::TimeDelta => {
                arity(0, 7)?;
                // days, seconds, microseconds, milliseconds, minutes, hours, weeks
                const SCALE: [i128; 7] = [
                    86_400_000_000,
                    1_000_000,
                    1,
                    1000,
                    60_000_000,
                    3_600_000_000,
                    604_800_000_000,
                ];
                let mut total: i128 = 0;
                for (k, &i) in a.iter().enumerate() {
                    let v = self.int_arg(i, "timedelta")?;
                    total = v
                        .checked_mul(SCALE[k])
                        .and_then(|x| total.checked_add(x))
                        .ok_or("timedelta out of range")?;
                }
                Ok(Obj::TimeDelta(Delta::from_micros(total)?))
            }
            Callable::TimeZone => {
                arity(1, 2)?;
                let Obj::TimeDelta(d) = self.obj(a[0]) else {
                    return Err("timezone() argument 1 must be datetime.timedelta".to_owned());
                };
                let us = d.total_micros();
                if us.abs() >= 86_400_000_000 {
                    return Err("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)".to_owned());
                }
                let name = match a.get(1).map(|&i| self.obj(i)) {
                    None => None,
                    Some(Obj::Str(s)) => Some(s.clone()),
                    Some(_) => return Err("timezone() argument 2 must be str".to_owned()),
                };
                Ok(Obj::Tz(Tz::Fixed {
                    offset_us: us as i64,
                    name,
                }))
            }
            Callable::PytzUtc => {
                arity(0, 0)?;
                Ok(Obj::Tz(Tz::PytzUtc))
            }
            Callable::PytzP => {
                arity(1, 4)?;
                let Obj::Str(zone) = self.obj(a[0]) else {
                    return Err("pytz._p: zone must be str".to_owned());
                };
                let zone = zone.clone();
                if a.len() == 1 {
                    return match zone.as_str() {
                        "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Universal" | "Zulu" => Ok(Obj::Tz(Tz::PytzUtc)),
                        _ => Err(format!(
                            "pickle datetime uses the pytz zone {zone:?}, whose offset needs the tz database; not supported"
                        )),
                    };
                }
                let secs = |i: Option<&Id>| -> R<i64> {
                    match i {
                        None => Ok(0),
                        Some(&i) => match self.obj(i) {
                            Obj::None => Ok(0),
                            _ => i64::try_from(self.int_arg(i, "pytz._p")?)
                                .map_err(|_| "pytz offset out of range".to_owned()),
                        },
                    }
                };
                let offset_s = secs(a.get(1))?;
                let dst_s = secs(a.get(2))?;
                let name = match a.get(3).map(|&i| self.obj(i)) {
                    Some(Obj::Str(s)) => s.clone(),
                    _ => String::new(),
                };
                Ok(Obj::Tz(Tz::PytzFixed {
                    zone,
                    offset_s,
                    dst_s,
                    name,
                }))
            }
            Callable::OrderedDict => {
                arity(0, 1)?;
                let mut pairs = Vec::new();
                if let Some(&src) = a.first() {
                    for item in self.items_of(src, name)? {
                        match self.obj(item) {
                            Obj::Tuple(kv) | Obj::List(kv) if kv.len() == 2 => {
                                self.require_hashable(kv[0])?;
                                pairs.push((kv[0], kv[1]));
                            }
                            _ => return Err("OrderedDict: items must be pairs".to_owned()),
                        }
                    }
                }
                Ok(Obj::Dict(pairs))
            }
        }
    }

    fn ymd(&self, a: &[Id]) -> R<(u16, u8, u8)> {
        let y = self.int_arg(a[0], "year")?;
        let m = self.int_arg(a[1], "month")?;
        let d = self.int_arg(a[2], "day")?;
        if !(1..=9999).contains(&y) {
            return Err(format!("year {y} is out of range"));
        }
        if !(1..=12).contains(&m) {
            return Err("month must be in 1..12".to_owned());
        }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let dim = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][(m - 1) as usize];
        if !(1..=dim).contains(&d) {
            return Err("day is out of range for month".to_owned());
        }
        Ok((y as u16, m as u8, d as u8))
    }

    fn hms(&self, a: &[Id]) -> R<(u8, u8, u8, u32)> {
        let get = |k: usize, what: &str, hi: i128| -> R<i128> {
            match a.get(k) {
                None => Ok(0),
                Some(&i) => {
                    let v = self.int_arg(i, what)?;
                    if (0..hi).contains(&v) {
                        Ok(v)
                    } else {
                        Err(format!("{what} must be in 0..{}", hi - 1))
                    }
                }
            }
        };
        Ok((
            get(0, "hour", 24)? as u8,
            get(1, "minute", 60)? as u8,
            get(2, "second", 60)? as u8,
            get(3, "microsecond", 1_000_000)? as u32,
        ))
    }

    fn make_datetime(&self, a: &[Id]) -> R<Obj> {
        // Pickle state: (10 bytes[, tzinfo]) when the month byte (fold bit masked) is sane.
        if (1..=2).contains(&a.len()) {
            if let Some(st) = self.state_bytes(a[0]) {
                if st.len() == 10 && (1..=12).contains(&(st[2] & 0x7F)) {
                    let tz = self.tz_arg(a.get(1))?;
                    return Ok(Obj::DateTime(DateTimeV {
                        year: u16::from(st[0]) << 8 | u16::from(st[1]),
                        month: st[2] & 0x7F,
                        day: st[3],
                        hour: st[4],
                        minute: st[5],
                        second: st[6],
                        micro: u32::from(st[7]) << 16 | u32::from(st[8]) << 8 | u32::from(st[9]),
                        fold: st[2] & 0x80 != 0,
                        tz,
                    }));
                }
            }
        }
        if a.len() < 3 || a.len() > 8 {
            return Err(format!(
                "datetime() takes 3 to 8 arguments ({} given)",
                a.len()
            ));
        }
        let (year, month, day) = self.ymd(a)?;
        let (hour, minute, second, micro) = self.hms(&a[3..a.len().min(7)])?;
        let tz = self.tz_arg(a.get(7))?;
        Ok(Obj::DateTime(DateTimeV {
            year,
            month,
            day,
            hour,
            minute,
            second,
            micro,
            fold: false,
            tz,
        }))
    }

    fn make_time(&self, a: &[Id]) -> R<Obj> {
        if (1..=2).contains(&a.len()) {
            if let Some(st) = self.state_bytes(a[0]) {
                if st.len() == 6 && (st[0] & 0x7F) < 24 {
                    let tz = self.tz_arg(a.get(1))?;
                    return Ok(Obj::Time(TimeV {
                        hour: st[0] & 0x7F,
                        minute: st[1],
                        second: st[2],
                        micro: u32::from(st[3]) << 16 | u32::from(st[4]) << 8 | u32::from(st[5]),
                        fold: st[0] & 0x80 != 0,
                        tz,
                    }));
                }
            }
        }
        if a.len() > 5 {
            return Err(format!(
                "time() takes at most 5 arguments ({} given)",
                a.len()
            ));
        }
        let (hour, minute, second, micro) = self.hms(&a[..a.len().min(4)])?;
        let tz = self.tz_arg(a.get(4))?;
        Ok(Obj::Time(TimeV {
            hour,
            minute,
            second,
            micro,
            fold: false,
            tz,
        }))
    }
}

/// `find_class` restricted to the constructors this module evaluates itself.
fn find_class(module: &str, name: &str) -> R<Callable> {
    // Protocol ≤ 2 pickles written with fix_imports use the Python 2 module names.
    let module = match module {
        "__builtin__" => "builtins",
        "copy_reg" => "copyreg",
        m => m,
    };
    Ok(match (module, name) {
        ("builtins", "set") => Callable::Set,
        ("builtins", "frozenset") => Callable::FrozenSet,
        ("builtins", "bytes") => Callable::Bytes,
        ("builtins", "bytearray") => Callable::ByteArray,
        ("_codecs", "encode") => Callable::CodecsEncode,
        ("datetime", "datetime") => Callable::DateTime,
        ("datetime", "date") => Callable::Date,
        ("datetime", "time") => Callable::Time,
        ("datetime", "timedelta") => Callable::TimeDelta,
        ("datetime", "timezone") => Callable::TimeZone,
        ("pytz", "_UTC") => Callable::PytzUtc,
        ("pytz", "_p") => Callable::PytzP,
        ("collections", "OrderedDict") => Callable::OrderedDict,
        ("zoneinfo", n) if n.starts_with("ZoneInfo") => {
            return Err(format!(
                "pickle references zoneinfo.{n}: a named time zone whose offset needs the tz database; not resolved"
            ))
        }
        _ => return Err(format!("pickle references {module}.{name}; not executed")),
    })
}

fn utf8_line(b: &[u8]) -> R<String> {
    std::str::from_utf8(b)
        .map(str::to_owned)
        .map_err(|_| "global name is not UTF-8".to_owned())
}

fn ascii_str(b: &[u8]) -> R<String> {
    if b.is_ascii() {
        Ok(String::from_utf8_lossy(b).into_owned())
    } else {
        Err("'ascii' codec can't decode a Python 2 str in the pickle".to_owned())
    }
}

/// Protocol-0 `STRING`: a quoted Python 2 string literal (`codecs.escape_decode`).
fn python_string_literal(line: &[u8]) -> R<Vec<u8>> {
    let q = *line
        .first()
        .ok_or("the STRING opcode argument must be quoted")?;
    if line.len() < 2 || !(q == b'\'' || q == b'"') || line[line.len() - 1] != q {
        return Err("the STRING opcode argument must be quoted".to_owned());
    }
    let s = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            if s[i] == b'\\' {
                return Err("Trailing \\ in string".to_owned());
            }
            out.push(s[i]);
            i += 1;
            continue;
        }
        let c = s[i + 1];
        i += 2;
        match c {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(c),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match s.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                let h = s.get(i..i + 2).ok_or("invalid \\x escape")?;
                let v = std::str::from_utf8(h)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or("invalid \\x escape")?;
                out.push(v);
                i += 2;
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Text `INT`/`LONG` arguments: optional sign and decimal digits (what Python's
/// pickler writes); longer than 4300 digits fails like `int()` on Python ≥ 3.11.
fn int_from_text(line: &[u8]) -> R<Obj> {
    let t = std::str::from_utf8(line)
        .map_err(|_| "invalid literal for int()")?
        .trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return Err(format!("invalid literal for int(): {t:?}"));
    }
    if digits.len() > INT_MAX_STR_DIGITS {
        return Err(format!(
            "int literal exceeds the {INT_MAX_STR_DIGITS}-digit limit"
        ));
    }
    let neg = t.starts_with('-') && digits.bytes().any(|b| b != b'0');
    Ok(match t.parse::<i64>() {
        Ok(v) => Obj::Int(v),
        Err(_) => Obj::BigInt(if neg {
            format!("-{digits}")
        } else {
            digits.to_owned()
        }),
    })
}

fn memo_index_from_text(line: &[u8]) -> R<u64> {
    let t = std::str::from_utf8(line)
        .map_err(|_| "bad memo index")?
        .trim();
    t.parse::<u64>()
        .map_err(|_| format!("bad memo index {t:?}"))
}

/// LONG1/LONG4 payload: little-endian two's complement of any length.
fn long_from_le(bytes: &[u8]) -> Obj {
    if bytes.is_empty() {
        return Obj::Int(0);
    }
    let neg = bytes[bytes.len() - 1] & 0x80 != 0;
    // Drop redundant sign-extension bytes so the size check below is about the value.
    let fill = if neg { 0xFF } else { 0x00 };
    let mut n = bytes.len();
    while n > 1 && bytes[n - 1] == fill && (bytes[n - 2] & 0x80 != 0) == neg {
        n -= 1;
    }
    let bytes = &bytes[..n];
    if n <= 16 {
        let mut buf = [fill; 16];
        buf[..n].copy_from_slice(bytes);
        let v = i128::from_le_bytes(buf);
        return i64::try_from(v).map_or_else(|_| Obj::BigInt(v.to_string()), Obj::Int);
    }
    // 1800 bytes is already more than 4300 decimal digits.
    if n > 1800 {
        return Obj::HugeInt(n * 8);
    }
    // Magnitude as little-endian u32 limbs.
    let mut mag: Vec<u8> = bytes.to_vec();
    if neg {
        let mut carry = true;
        for b in &mut mag {
            *b = !*b;
            if carry {
                let (v, c) = b.overflowing_add(1);
                *b = v;
                carry = c;
            }
        }
    }
    let mut limbs: Vec<u32> = mag
        .chunks(4)
        .map(|c| {
            c.iter()
                .rev()
                .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
        })
        .collect();
    let mut chunks = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem = 0u64;
        for l in limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*l);
            *l = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if let Some((last, rest)) = chunks.split_last() {
        s.push_str(&last.to_string());
        for c in rest.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
    }
    let digits = s.len() - usize::from(neg);
    if digits > INT_MAX_STR_DIGITS {
        return Obj::HugeInt(n * 8);
    }
    Obj::BigInt(s)
}

/// Renders arena objects the way `jsonable()` does (see module docs).
struct Renderer<'a> {
    arena: &'a [Obj],
    budget: usize,
    notes: &'a mut Vec<String>,
    /// The containers being rendered, by arena id: one met again inside itself is a
    /// cycle (a memo reference to an enclosing object), refused at once.
    open: Vec<bool>,
}

/// A container `Renderer::render` is filling: the items still to render and what is done.
enum Open<'a> {
    Dict {
        id: Id,
        items: &'a [(Id, Id)],
        at: usize,
        map: Map<String, Value>,
        /// The key of the value being rendered.
        key: String,
    },
    Seq {
        id: Id,
        items: &'a [Id],
        at: usize,
        out: Vec<Value>,
        /// A set: sorted the way Python's `sorted()` would, once complete.
        set: bool,
    },
}

fn self_referencing<T>() -> R<T> {
    Err("a self-referencing structure (an object inside itself) has no JSON view".to_owned())
}

fn too_deep<T>() -> R<T> {
    Err(format!(
        "nesting deeper than {MAX_DEPTH} levels (or a self-referencing structure)"
    ))
}

impl<'a> Renderer<'a> {
    fn spend(&mut self, n: usize) -> R<()> {
        self.budget = self.budget.checked_sub(n).ok_or_else(|| {
            format!(
                "pickle renders to more than {} MiB (shared references multiply it); refusing",
                MAX_RENDERED_BYTES >> 20
            )
        })?;
        Ok(())
    }

    fn obj(&self, id: Id) -> &'a Obj {
        &self.arena[id as usize]
    }

    #[inline(never)]
    fn key(&mut self, k: Id, depth: usize) -> R<String> {
        let key = self.py_str(k, depth)?;
        self.spend(key.len() + NODE_COST)?;
        Ok(key)
    }

    /// Renders `root` (at nesting level `depth`) without recursion: the containers being
    /// filled live on a heap stack, so the depth limit, not the thread's stack, bounds
    /// the nesting.
    fn render(&mut self, root: Id, depth: usize) -> R<Value> {
        let mut stack: Vec<Open<'a>> = Vec::new();
        let mut next = Some(root);
        let mut done: Option<Value> = None;
        loop {
            if let Some(id) = next.take() {
                let level = depth + stack.len();
                if level > MAX_DEPTH {
                    return too_deep();
                }
                self.spend(NODE_COST)?;
                let open = match self.obj(id) {
                    Obj::Dict(items) => Some(Open::Dict {
                        id,
                        items,
                        at: 0,
                        map: Map::new(),
                        key: String::new(),
                    }),
                    Obj::List(items) | Obj::Tuple(items) => Some(Open::Seq {
                        id,
                        items,
                        at: 0,
                        out: Vec::with_capacity(items.len()),
                        set: false,
                    }),
                    Obj::Set(items) | Obj::FrozenSet(items) => Some(Open::Seq {
                        id,
                        items,
                        at: 0,
                        out: Vec::with_capacity(items.len()),
                        set: true,
                    }),
                    _ => None,
                };
                match open {
                    Some(open) => {
                        let seen = &mut self.open[id as usize];
                        if *seen {
                            return self_referencing();
                        }
                        *seen = true;
                        stack.push(open);
                    }
                    None => done = Some(self.leaf(id, level)?),
                }
            }
            let level = depth + stack.len();
            let Some(top) = stack.last_mut() else {
                return Ok(done.expect("the root was rendered"));
            };
            match top {
                Open::Dict {
                    items,
                    at,
                    map,
                    key,
                    ..
                } => {
                    if let Some(v) = done.take() {
                        map.insert(std::mem::take(key), v);
                    }
                    if let Some(&(k, v)) = items.get(*at) {
                        *at += 1;
                        *key = self.key(k, level)?;
                        next = Some(v);
                        continue;
                    }
                }
                Open::Seq { items, at, out, .. } => {
                    if let Some(v) = done.take() {
                        out.push(v);
                    }
                    if let Some(&i) = items.get(*at) {
                        *at += 1;
                        next = Some(i);
                        continue;
                    }
                }
            }
            done = Some(match stack.pop().expect("a container is open") {
                Open::Dict { id, map, .. } => {
                    self.open[id as usize] = false;
                    Value::Object(map)
                }
                Open::Seq { id, out, set, .. } => {
                    self.open[id as usize] = false;
                    if set {
                        self.sorted_set(out)
                    } else {
                        Value::Array(out)
                    }
                }
            });
        }
    }

    #[inline(never)]
    fn sorted_set(&mut self, a: Vec<Value>) -> Value {
        match py_sorted(a) {
            Ok(sorted) => Value::Array(sorted),
            Err(original) => {
                let n =
                    "a set mixes types Python cannot order; its items are listed in pickle order"
                        .to_owned();
                if !self.notes.contains(&n) {
                    self.notes.push(n);
                }
                Value::Array(original)
            }
        }
    }

    #[inline(never)]
    fn leaf(&mut self, id: Id, depth: usize) -> R<Value> {
        Ok(match self.obj(id) {
            Obj::None => Value::Null,
            Obj::Bool(b) => Value::Bool(*b),
            Obj::Int(i) => Value::Number((*i).into()),
            Obj::BigInt(s) => Value::Number(Number::from_string_unchecked(s.clone())),
            Obj::Float(f) => Value::Number(Number::from_string_unchecked(py_float_json(*f))),
            Obj::Str(s) => {
                self.spend(s.len())?;
                Value::String(s.clone())
            }
            Obj::DateTime(d) => Value::String(self.datetime_iso(d, 'T')?),
            Obj::Date(y, m, d) => Value::String(format!("{y:04}-{m:02}-{d:02}")),
            Obj::Time(t) => Value::String(self.time_iso(t)?),
            _ => {
                let s = self.py_repr(id, depth)?;
                self.spend(s.len())?;
                Value::String(s)
            }
        })
    }

    /// `tz.utcoffset(dt)` in microseconds; None when the tzinfo gives none.
    fn utcoffset(&self, tz: Option<Id>, for_time: bool) -> R<Option<i64>> {
        let Some(tz) = tz else { return Ok(None) };
        let off = match self.obj(tz) {
            Obj::Tz(Tz::Fixed { offset_us, .. }) => *offset_us,
            Obj::Tz(Tz::PytzUtc) => 0,
            // pytz DstTzInfo.utcoffset(None) (what time objects pass) is None.
            Obj::Tz(Tz::PytzFixed { .. }) if for_time => return Ok(None),
            Obj::Tz(Tz::PytzFixed { offset_s, .. }) => offset_s.saturating_mul(1_000_000),
            _ => return Err("bad tzinfo".to_owned()),
        };
        if off.unsigned_abs() >= 86_400_000_000 {
            return Err("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)".to_owned());
        }
        Ok(Some(off))
    }

    fn datetime_iso(&self, d: &DateTimeV, sep: char) -> R<String> {
        let mut s = format!(
            "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute, d.second
        );
        if d.micro != 0 {
            s.push_str(&format!(".{:06}", d.micro));
        }
        if let Some(off) = self.utcoffset(d.tz, false)? {
            s.push_str(&format_offset(off));
        }
        Ok(s)
    }

    fn time_iso(&self, t: &TimeV) -> R<String> {
        let mut s = format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
        if t.micro != 0 {
            s.push_str(&format!(".{:06}", t.micro));
        }
        if let Some(off) = self.utcoffset(t.tz, true)? {
            s.push_str(&format_offset(off));
        }
        Ok(s)
    }

    /// `str(obj)`, as `jsonable()` applies to dict keys.
    fn py_str(&mut self, id: Id, depth: usize) -> R<String> {
        Ok(match self.obj(id) {
            Obj::Str(s) => s.clone(),
            Obj::DateTime(d) => self.datetime_iso(d, ' ')?,
            Obj::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
            Obj::Time(t) => self.time_iso(t)?,
            Obj::TimeDelta(d) => timedelta_str(*d),
            _ => self.py_repr(id, depth)?,
        })
    }

    /// `repr(obj)` (CPython's formats). Containers recurse here; leaves are formatted
    /// by `repr_leaf` (kept out of this frame, see `render`).
    fn py_repr(&mut self, id: Id, depth: usize) -> R<String> {
        if depth > MAX_DEPTH {
            return too_deep();
        }
        self.spend(NODE_COST)?;
        let (open, close, items): (&str, &str, &[Id]) = match self.obj(id) {
            Obj::List(items) => ("[", "]", items),
            Obj::Tuple(items) if items.len() == 1 => ("(", ",)", items),
            Obj::Tuple(items) => ("(", ")", items),
            Obj::Set(items) if !items.is_empty() => ("{", "}", items),
            Obj::FrozenSet(items) if !items.is_empty() => ("frozenset({", "})", items),
            Obj::Dict(pairs) => {
                let mut s = String::from("{");
                for (n, &(k, v)) in pairs.iter().enumerate() {
                    if n > 0 {
                        s.push_str(", ");
                    }
                    s.push_str(&self.py_repr(k, depth + 1)?);
                    s.push_str(": ");
                    s.push_str(&self.py_repr(v, depth + 1)?);
                }
                s.push('}');
                return Ok(s);
            }
            _ => return self.repr_leaf(id, depth),
        };
        let mut s = String::from(open);
        for (n, &i) in items.iter().enumerate() {
            if n > 0 {
                s.push_str(", ");
            }
            s.push_str(&self.py_repr(i, depth + 1)?);
        }
        s.push_str(close);
        Ok(s)
    }

    #[inline(never)]
    fn repr_leaf(&mut self, id: Id, depth: usize) -> R<String> {
        Ok(match self.obj(id) {
            Obj::None => "None".to_owned(),
            Obj::Bool(true) => "True".to_owned(),
            Obj::Bool(false) => "False".to_owned(),
            Obj::Int(i) => i.to_string(),
            Obj::BigInt(s) => s.clone(),
            Obj::HugeInt(bits) => format!("<int of {bits} bits>"),
            Obj::Float(f) => py_float_repr(*f),
            Obj::Str(s) => str_repr(s),
            Obj::Bytes(b) => bytes_repr(b),
            Obj::ByteArray(b) => format!("bytearray({})", bytes_repr(b)),
            Obj::List(_) | Obj::Tuple(_) | Obj::Dict(_) => {
                unreachable!("containers are handled by py_repr")
            }
            Obj::Set(_) => "set()".to_owned(),
            Obj::FrozenSet(_) => "frozenset()".to_owned(),
            Obj::DateTime(d) => {
                let d = *d;
                let mut s = format!(
                    "datetime.datetime({}, {}, {}, {}, {}",
                    d.year, d.month, d.day, d.hour, d.minute
                );
                if d.micro != 0 {
                    s.push_str(&format!(", {}, {}", d.second, d.micro));
                } else if d.second != 0 {
                    s.push_str(&format!(", {}", d.second));
                }
                // CPython's C repr appends fold before tzinfo.
                if d.fold {
                    s.push_str(", fold=1");
                }
                if let Some(tz) = d.tz {
                    s.push_str(&format!(", tzinfo={}", self.py_repr(tz, depth + 1)?));
                }
                s.push(')');
                s
            }
            Obj::Date(y, m, d) => format!("datetime.date({y}, {m}, {d})"),
            Obj::Time(t) => {
                let t = *t;
                let mut s = format!("datetime.time({}, {}", t.hour, t.minute);
                if t.micro != 0 {
                    s.push_str(&format!(", {}, {}", t.second, t.micro));
                } else if t.second != 0 {
                    s.push_str(&format!(", {}", t.second));
                }
                if t.fold {
                    s.push_str(", fold=1");
                }
                if let Some(tz) = t.tz {
                    s.push_str(&format!(", tzinfo={}", self.py_repr(tz, depth + 1)?));
                }
                s.push(')');
                s
            }
            Obj::TimeDelta(d) => timedelta_repr(*d),
            Obj::Tz(Tz::Fixed {
                offset_us: 0,
                name: None,
            }) => "datetime.timezone.utc".to_owned(),
            Obj::Tz(Tz::Fixed { offset_us, name }) => {
                let td = timedelta_repr(Delta::from_micros(i128::from(*offset_us))?);
                match name {
                    None => format!("datetime.timezone({td})"),
                    Some(n) => format!("datetime.timezone({td}, {})", str_repr(n)),
                }
            }
            Obj::Tz(Tz::PytzUtc) => "<UTC>".to_owned(),
            Obj::Tz(Tz::PytzFixed {
                zone,
                offset_s,
                dst_s,
                name,
            }) => {
                let off = Delta::from_micros(i128::from(*offset_s) * 1_000_000)?;
                let plus = if *offset_s > 0 { "+" } else { "" };
                let dst = if *dst_s != 0 { "DST" } else { "STD" };
                format!(
                    "<DstTzInfo {} {name}{plus}{} {dst}>",
                    str_repr(zone),
                    timedelta_str(off)
                )
            }
            Obj::Callable(c) => c.repr(),
        })
    }
}

/// `_format_offset` / C `format_utcoffset` with ':' separators.
fn format_offset(off_us: i64) -> String {
    let sign = if off_us < 0 { '-' } else { '+' };
    let a = off_us.unsigned_abs();
    let (secs, micro) = (a / 1_000_000, a % 1_000_000);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if micro != 0 {
        format!("{sign}{h:02}:{m:02}:{s:02}.{micro:06}")
    } else if s != 0 {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    } else {
        format!("{sign}{h:02}:{m:02}")
    }
}

fn timedelta_repr(d: Delta) -> String {
    let mut parts = Vec::new();
    if d.days != 0 {
        parts.push(format!("days={}", d.days));
    }
    if d.seconds != 0 {
        parts.push(format!("seconds={}", d.seconds));
    }
    if d.micros != 0 {
        parts.push(format!("microseconds={}", d.micros));
    }
    if parts.is_empty() {
        parts.push("0".to_owned());
    }
    format!("datetime.timedelta({})", parts.join(", "))
}

fn timedelta_str(d: Delta) -> String {
    let (hh, mm, ss) = (d.seconds / 3600, d.seconds / 60 % 60, d.seconds % 60);
    let mut s = format!("{hh}:{mm:02}:{ss:02}");
    if d.days != 0 {
        let plural = if d.days.abs() != 1 { "s" } else { "" };
        s = format!("{} day{plural}, {s}", d.days);
    }
    if d.micros != 0 {
        s.push_str(&format!(".{:06}", d.micros));
    }
    s
}

/// `repr(bytes)`.
pub(crate) fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            _ if char::from(c) == quote => {
                s.push('\\');
                s.push(quote);
            }
            0x20..=0x7e => s.push(char::from(c)),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

/// `repr(str)`. Which non-ASCII characters count as printable is approximated (the
/// Unicode database is not available): control, format, separator, private-use and
/// non-characters are escaped, everything else is kept.
fn str_repr(t: &str) -> String {
    let quote = if t.contains('\'') && !t.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(t.len() + 2);
    s.push(quote);
    for c in t.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            _ if c == quote => {
                s.push('\\');
                s.push(c);
            }
            ' '..='~' => s.push(c),
            _ if (c as u32) < 0x80 => s.push_str(&format!("\\x{:02x}", c as u32)),
            _ if is_printable(c) => s.push(c),
            _ if (c as u32) <= 0xff => s.push_str(&format!("\\x{:02x}", c as u32)),
            _ if (c as u32) <= 0xffff => s.push_str(&format!("\\u{:04x}", c as u32)),
            _ => s.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    s.push(quote);
    s
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    !matches!(u,
        0x80..=0xA0 | 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x1680 | 0x180E
        | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x206F | 0x3000 | 0xD800..=0xF8FF
        | 0xFDD0..=0xFDEF | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..=0x10FFFF)
        && u & 0xFFFE != 0xFFFE
}

/// A JSON number as Python would compare it.
enum Num {
    Int(i128),
    Big { neg: bool, digits: String },
    Float(f64),
}

fn num_of(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::Int(i128::from(*b))),
        Value::Number(n) => {
            let t = n.as_str();
            if t.bytes()
                .any(|b| matches!(b, b'.' | b'e' | b'E' | b'N' | b'I'))
            {
                let f = match t {
                    "NaN" => f64::NAN,
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    _ => t.parse().ok()?,
                };
                Some(Num::Float(f))
            } else if let Ok(i) = t.parse::<i128>() {
                Some(Num::Int(i))
            } else {
                let neg = t.starts_with('-');
                Some(Num::Big {
                    neg,
                    digits: t.trim_start_matches('-').to_owned(),
                })
            }
        }
        _ => None,
    }
}

fn num_f64(n: &Num) -> f64 {
    match n {
        Num::Int(i) => *i as f64,
        Num::Big { neg, digits } => {
            digits
                .parse::<f64>()
                .map_or(f64::NAN, |f| if *neg { -f } else { f })
        }
        Num::Float(f) => *f,
    }
}

/// `a < b` as Python evaluates it on jsonable values; None when Python raises
/// TypeError (e.g. str < int).
fn py_lt(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x < y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q) {
                    return py_lt(p, q);
                }
            }
            Some(x.len() < y.len())
        }
        _ => {
            let (x, y) = (num_of(a)?, num_of(b)?);
            Some(match (&x, &y) {
                (Num::Int(p), Num::Int(q)) => p < q,
                (
                    Num::Big {
                        neg: pn,
                        digits: pd,
                    },
                    Num::Big {
                        neg: qn,
                        digits: qd,
                    },
                ) => match (pn, qn) {
                    (true, false) => true,
                    (false, true) => false,
                    (false, false) => (pd.len(), pd) < (qd.len(), qd),
                    (true, true) => (qd.len(), qd) < (pd.len(), pd),
                },
                // A Big is beyond i128 in magnitude.
                (Num::Int(_), Num::Big { neg, .. }) => !neg,
                (Num::Big { neg, .. }, Num::Int(_)) => *neg,
                _ => num_f64(&x) < num_f64(&y),
            })
        }
    }
}

fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Number(_) | Value::Bool(_), Value::Number(_) | Value::Bool(_)) => {
            let nan = |v: &Value| matches!(num_of(v), Some(Num::Float(f)) if f.is_nan());
            !nan(a) && !nan(b) && py_lt(a, b) == Some(false) && py_lt(b, a) == Some(false)
        }
        _ => a == b,
    }
}

/// `sorted(items)`: a stable merge sort using only `<`, like Python's; Err(items) when
/// some pair cannot be compared (Python raises TypeError). Never panics, whatever the
/// comparisons say.
fn py_sorted(items: Vec<Value>) -> Result<Vec<Value>, Vec<Value>> {
    let n = items.len();
    let mut idx: Vec<usize> = (0..n).collect();
    let mut failed = false;
    let mut buf = vec![0usize; n];
    let mut width = 1;
    while width < n && !failed {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Take from the right only when right < left: keeps equal items stable.
                match py_lt(&items[idx[j]], &items[idx[i]]) {
                    Some(true) => {
                        buf[k] = idx[j];
                        j += 1;
                    }
                    Some(false) => {
                        buf[k] = idx[i];
                        i += 1;
                    }
                    None => {
                        failed = true;
                        buf[k] = idx[i];
                        i += 1;
                    }
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&idx[i..mid]);
            k += mid - i;
            buf[k..k + (end - j)].copy_from_slice(&idx[j..end]);
            start = end;
        }
        std::mem::swap(&mut idx, &mut buf);
        width *= 2;
    }
    if failed {
        return Err(items);
    }
    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
    Ok(idx.into_iter().filter_map(|i| slots[i].take()).collect())
}
