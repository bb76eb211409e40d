//! The bytes a cache holds for a session (cache and cached_db engines): the session dict
//! as the cache backend serialized it, never signed. SPEC §5.3.
//!
//! Layers, outside in: the backend's envelope (memcached flags, DatabaseCache's base64,
//! FileBasedCache's expiry header), then an optional compressor (django-redis), then the
//! serializer (pickle, JSON, msgpack). Invariants:
//! * only what the bytes themselves say is detected: compression by its magic number
//!   (zlib header, LZ4 frame, zstd, gzip, xz), pickle by its `PROTO` opcode, msgpack by a
//!   map type byte, JSON by `{`; `--cache-serializer` / `--cache-compressor` pin a layer
//!   where the site is configured so, and a value that does not fit is undecodable, as it
//!   is for Django configured so;
//! * like django-redis, a configured compressor that does not apply to a value (it
//!   leaves values of ≤ 15 bytes bare) falls back to the bytes as they are; integers are
//!   stored as ASCII digits by both Redis backends;
//! * pickles go through the safe reader ([`super::pickle`]): nothing is executed;
//! * every decompressor is capped at [`MAX_DECOMPRESSED`] bytes of output.

use std::io::{Read, Write};

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use super::json::Loaded;
use super::payload::{self, MAX_DECOMPRESSED};
use super::{json, pickle};

/// How a cache backend wraps the serialized value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// Redis (Django's RedisCache, django-redis): the serialized bytes themselves.
    Plain,
    /// pymemcache's `pickle_serde`: the item's flags say what the bytes are.
    Memcached { flags: u32 },
    /// Django's DatabaseCache: the `value` column, standard base64 of a pickle.
    Base64,
    /// Django's FileBasedCache: `pickle(expiry)` then `zlib(pickle(value))`.
    FileCache,
}

/// A session's value exactly as the cache holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedValue {
    pub bytes: Vec<u8>,
    pub envelope: Envelope,
}

impl CachedValue {
    pub fn plain(bytes: Vec<u8>) -> CachedValue {
        CachedValue {
            bytes,
            envelope: Envelope::Plain,
        }
    }
}

/// The serializer a cache is configured with (`--cache-serializer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheSerializer {
    /// Judge each value by its first bytes.
    #[default]
    Auto,
    Pickle,
    Json,
    Msgpack,
}

/// The compressor a cache is configured with (`--cache-compressor`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheCompressor {
    /// Inflate whatever carries a compressor's magic number.
    #[default]
    Auto,
    /// Never decompress.
    None,
    Zlib,
    Lz4,
    Zstd,
    Gzip,
    Lzma,
}

/// How the cache's values are serialized, for every session of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheValueFormat {
    pub serializer: CacheSerializer,
    pub compressor: CacheCompressor,
}

/// The layers a cached value turned out to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedFormat {
    pub serializer: Serialized,
    pub compressor: Option<Compression>,
}

/// A serializer seen in a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serialized {
    Pickle,
    Json,
    Msgpack,
}

/// A compression seen in a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Zlib,
    Lz4,
    Zstd,
    Gzip,
    Lzma,
}

impl CachedFormat {
    pub fn as_str(self) -> &'static str {
        use Compression as C;
        use Serialized as S;
        match (self.serializer, self.compressor) {
            (S::Pickle, None) => "pickle",
            (S::Pickle, Some(C::Zlib)) => "pickle+zlib",
            (S::Pickle, Some(C::Lz4)) => "pickle+lz4",
            (S::Pickle, Some(C::Zstd)) => "pickle+zstd",
            (S::Pickle, Some(C::Gzip)) => "pickle+gzip",
            (S::Pickle, Some(C::Lzma)) => "pickle+lzma",
            (S::Json, None) => "json",
            (S::Json, Some(C::Zlib)) => "json+zlib",
            (S::Json, Some(C::Lz4)) => "json+lz4",
            (S::Json, Some(C::Zstd)) => "json+zstd",
            (S::Json, Some(C::Gzip)) => "json+gzip",
            (S::Json, Some(C::Lzma)) => "json+lzma",
            (S::Msgpack, None) => "msgpack",
            (S::Msgpack, Some(C::Zlib)) => "msgpack+zlib",
            (S::Msgpack, Some(C::Lz4)) => "msgpack+lz4",
            (S::Msgpack, Some(C::Zstd)) => "msgpack+zstd",
            (S::Msgpack, Some(C::Gzip)) => "msgpack+gzip",
            (S::Msgpack, Some(C::Lzma)) => "msgpack+lzma",
        }
    }
}

/// What decoding a cached value gave: the layers seen (as far as they were recognised)
/// and the dict or why there is none.
pub(crate) struct CachedDecode {
    pub format: Option<CachedFormat>,
    pub result: Result<Loaded, String>,
}

const LZ4_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const XZ_MAGIC: [u8; 6] = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

fn compression_of(bytes: &[u8]) -> Option<Compression> {
    if payload::looks_zlib(bytes) {
        Some(Compression::Zlib)
    } else if bytes.starts_with(&LZ4_MAGIC) {
        Some(Compression::Lz4)
    } else if bytes.starts_with(&ZSTD_MAGIC) {
        Some(Compression::Zstd)
    } else if bytes.starts_with(&GZIP_MAGIC) {
        Some(Compression::Gzip)
    } else if bytes.starts_with(&XZ_MAGIC) {
        Some(Compression::Lzma)
    } else {
        None
    }
}

/// Decodes `value` as a cache configured with `format` does.
pub(crate) fn decode(value: &CachedValue, format: CacheValueFormat) -> CachedDecode {
    match value.envelope {
        Envelope::Plain => decode_serialized(&value.bytes, format, true),
        Envelope::Memcached { flags } => decode_memcached(&value.bytes, flags),
        Envelope::Base64 => match base64::engine::general_purpose::STANDARD.decode(&value.bytes) {
            Ok(pickled) => decode_pickle(&pickled, None),
            Err(e) => failed(format!(
                "the database cache value is not base64 ({e}); Django's get() raises on it"
            )),
        },
        Envelope::FileCache => match file_cache_body(&value.bytes) {
            Ok(body) => match payload::inflate(body) {
                Ok(pickled) => decode_pickle(&pickled, Some(Compression::Zlib)),
                Err(e) => CachedDecode {
                    format: Some(CachedFormat {
                        serializer: Serialized::Pickle,
                        compressor: Some(Compression::Zlib),
                    }),
                    result: Err(e),
                },
            },
            Err(e) => failed(e),
        },
    }
}

fn failed(why: String) -> CachedDecode {
    CachedDecode {
        format: None,
        result: Err(why),
    }
}

/// The bytes after a FileBasedCache file's expiry pickle: `pickle.dumps(expiry, 5)` is
/// `80 05 4e 2e` for None and `80 05 95 0a 00 00 00 00 00 00 00 47 <f64> 2e` for a float.
pub(crate) fn file_cache_body(bytes: &[u8]) -> Result<&[u8], String> {
    const NONE: [u8; 4] = [0x80, 0x05, 0x4e, 0x2e];
    const FLOAT_HEAD: [u8; 12] = [0x80, 0x05, 0x95, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x47];
    if let Some(rest) = bytes.strip_prefix(&NONE) {
        return Ok(rest);
    }
    match bytes.strip_prefix(&FLOAT_HEAD) {
        Some(rest) if rest.len() > 8 && rest[8] == 0x2e => Ok(&rest[9..]),
        _ => Err("the cache file does not start with the expiry pickle Django writes".to_owned()),
    }
}

/// The expiry at the head of a FileBasedCache file: `Some(None)` = never expires.
pub fn file_cache_expiry(bytes: &[u8]) -> Option<Option<f64>> {
    if bytes.starts_with(&[0x80, 0x05, 0x4e, 0x2e]) {
        return Some(None);
    }
    let head = bytes.get(..21)?;
    (head[..12] == [0x80, 0x05, 0x95, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x47] && head[20] == 0x2e).then(
        || {
            Some(f64::from_be_bytes(
                head[12..20].try_into().expect("8 bytes"),
            ))
        },
    )
}

/// pymemcache's `python_memcache_deserializer`: 0 bytes, 16 text, 2/4 int, 1 pickle.
fn decode_memcached(bytes: &[u8], flags: u32) -> CachedDecode {
    if flags == 0 {
        return failed("memcached item holds raw bytes (flags 0), not a session dict".to_owned());
    }
    if flags & 16 != 0 {
        return failed("memcached item holds text (flags 16), not a session dict".to_owned());
    }
    if flags & (2 | 4) != 0 {
        return failed("memcached item holds an integer, not a session dict".to_owned());
    }
    if flags & 1 != 0 {
        return decode_pickle(bytes, None);
    }
    failed(format!(
        "memcached flags {flags} are not pymemcache's; the value is not a session"
    ))
}

fn decode_pickle(bytes: &[u8], compressor: Option<Compression>) -> CachedDecode {
    CachedDecode {
        format: Some(CachedFormat {
            serializer: Serialized::Pickle,
            compressor,
        }),
        result: pickle::loads(bytes),
    }
}

/// Redis values: digits, then the compressor, then the serializer.
fn decode_serialized(bytes: &[u8], format: CacheValueFormat, allow_int: bool) -> CachedDecode {
    if allow_int && is_python_int(bytes) {
        return failed(format!(
            "the value is the integer {} (stored as digits), not a session dict",
            String::from_utf8_lossy(bytes).trim()
        ));
    }
    let seen = compression_of(bytes);
    let compressor = match format.compressor {
        CacheCompressor::Auto => seen,
        CacheCompressor::None => None,
        // A configured compressor that did not compress this value leaves it bare.
        CacheCompressor::Zlib => seen.filter(|c| *c == Compression::Zlib),
        CacheCompressor::Lz4 => seen.filter(|c| *c == Compression::Lz4),
        CacheCompressor::Zstd => seen.filter(|c| *c == Compression::Zstd),
        CacheCompressor::Gzip => seen.filter(|c| *c == Compression::Gzip),
        CacheCompressor::Lzma => seen.filter(|c| *c == Compression::Lzma),
    };
    let inflated;
    let serialized = match compressor {
        None => bytes,
        Some(c) => match decompress(c, bytes) {
            Ok(out) => {
                inflated = out;
                &inflated[..]
            }
            Err(e) => {
                return CachedDecode {
                    format: None,
                    result: Err(e),
                }
            }
        },
    };
    let serializer = match format.serializer {
        CacheSerializer::Pickle => Serialized::Pickle,
        CacheSerializer::Json => Serialized::Json,
        CacheSerializer::Msgpack => Serialized::Msgpack,
        CacheSerializer::Auto => match serializer_of(serialized) {
            Some(s) => s,
            None => {
                return failed(
                    "the value is neither a pickle, a JSON object nor a msgpack map (give \
                     --cache-serializer / --cache-compressor if the cache is configured with others)"
                        .to_owned(),
                )
            }
        },
    };
    let result = match serializer {
        Serialized::Pickle => pickle::loads(serialized),
        Serialized::Json => json::loads(serialized),
        Serialized::Msgpack => msgpack_loads(serialized),
    };
    CachedDecode {
        format: Some(CachedFormat {
            serializer,
            compressor,
        }),
        result,
    }
}

/// Whether Python's `int(value)` accepts `value`: the digits both Redis backends store
/// integers as (optional sign, surrounding whitespace, single underscores between digits).
fn is_python_int(bytes: &[u8]) -> bool {
    let text = bytes.trim_ascii();
    let digits = text
        .strip_prefix(b"+")
        .or_else(|| text.strip_prefix(b"-"))
        .unwrap_or(text);
    !digits.is_empty()
        && digits.first().is_some_and(u8::is_ascii_digit)
        && digits.last().is_some_and(u8::is_ascii_digit)
        && digits.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.windows(2).any(|w| w == b"__")
}

fn serializer_of(bytes: &[u8]) -> Option<Serialized> {
    match bytes {
        [0x80, 2..=5, ..] => Some(Serialized::Pickle),
        // fixmap (0x80 alone is the empty map, which no pickle can be), map16, map32.
        [0x80] | [0x81..=0x8f, ..] | [0xde | 0xdf, ..] => Some(Serialized::Msgpack),
        _ if bytes.trim_ascii_start().starts_with(b"{") => Some(Serialized::Json),
        _ => None,
    }
}

/// Output cap shared by the decompressors: one byte over the limit means too large.
fn read_capped(mut reader: impl Read, what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    (&mut reader)
        .take(MAX_DECOMPRESSED as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{what} data is broken ({e})"))?;
    if out.len() > MAX_DECOMPRESSED {
        return Err(too_large());
    }
    Ok(out)
}

fn too_large() -> String {
    format!(
        "compressed value expands beyond {} MiB; refusing (zip bomb?)",
        MAX_DECOMPRESSED >> 20
    )
}

/// A `Write` that refuses to grow past the cap (lzma-rs writes, it cannot be read from).
struct CappedSink(Vec<u8>);

impl Write for CappedSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_DECOMPRESSED {
            return Err(std::io::Error::other("too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn decompress(c: Compression, bytes: &[u8]) -> Result<Vec<u8>, String> {
    match c {
        Compression::Zlib => payload::inflate(bytes),
        Compression::Lz4 => read_capped(lz4_flex::frame::FrameDecoder::new(bytes), "LZ4 frame"),
        Compression::Gzip => read_capped(flate2::read::MultiGzDecoder::new(bytes), "gzip"),
        Compression::Zstd => {
            let decoder = ruzstd::decoding::StreamingDecoder::new(bytes)
                .map_err(|e| format!("zstd data is broken ({e})"))?;
            read_capped(decoder, "zstd")
        }
        Compression::Lzma => {
            let mut sink = CappedSink(Vec::new());
            match lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut sink) {
                Ok(()) => Ok(sink.0),
                Err(_) if sink.0.len() + 65536 > MAX_DECOMPRESSED => Err(too_large()),
                Err(e) => Err(format!("xz data is broken ({e})")),
            }
        }
    }
}

/// `msgpack.loads(bytes, raw=False)`, rendered like the pickle reader renders Python
/// values: bin as `repr(bytes)`, non-string keys through `str()`.
fn msgpack_loads(bytes: &[u8]) -> Result<Loaded, String> {
    let mut rest = bytes;
    let value = rmpv::decode::read_value_with_max_depth(&mut rest, super::MAX_JSON_DEPTH)
        .map_err(|e| format!("msgpack value not loadable: {e}"))?;
    if !rest.is_empty() {
        return Err(
            "msgpack value is followed by extra bytes (msgpack.loads refuses it)".to_owned(),
        );
    }
    let mut notes = Vec::new();
    match msgpack_json(value, &mut notes)? {
        Value::Object(map) => {
            notes.dedup();
            Ok((map, notes))
        }
        _ => Err(
            "msgpack holds something else than a map; Django cannot use it as a session".to_owned(),
        ),
    }
}

fn msgpack_json(value: rmpv::Value, notes: &mut Vec<String>) -> Result<Value, String> {
    use rmpv::Value as M;
    Ok(match value {
        M::Nil => Value::Null,
        M::Boolean(b) => Value::Bool(b),
        M::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(n), _) => Value::Number(n.into()),
            (None, Some(n)) => Value::Number(n.into()),
            (None, None) => Value::Null,
        },
        M::F32(f) => float(f64::from(f), notes),
        M::F64(f) => float(f, notes),
        M::String(s) => match s.into_str() {
            Some(s) => Value::String(s),
            None => return Err("msgpack string is not UTF-8 (msgpack.loads refuses it)".to_owned()),
        },
        M::Binary(b) => Value::String(pickle::bytes_repr(&b)),
        M::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| msgpack_json(v, notes))
                .collect::<Result<_, _>>()?,
        ),
        M::Map(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (k, v) in entries {
                let key = match k {
                    M::String(s) => s.into_str().ok_or("msgpack key is not UTF-8")?,
                    M::Integer(i) => i.to_string(),
                    M::Boolean(true) => "True".to_owned(),
                    M::Boolean(false) => "False".to_owned(),
                    M::Nil => "None".to_owned(),
                    M::Binary(b) => pickle::bytes_repr(&b),
                    other => {
                        return Err(format!(
                            "msgpack map key {other} cannot be a Python dict key (msgpack.loads refuses it)"
                        ))
                    }
                };
                map.insert(key, msgpack_json(v, notes)?);
            }
            Value::Object(map)
        }
        M::Ext(kind, data) => Value::String(format!(
            "ExtType(code={kind}, data={})",
            pickle::bytes_repr(&data)
        )),
    })
}

fn float(f: f64, notes: &mut Vec<String>) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None => {
            notes.push("the value holds a NaN or infinite float; shown as a string".to_owned());
            Value::String(json::py_float_repr(f))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(bytes: &[u8]) -> CachedDecode {
        decode(
            &CachedValue::plain(bytes.to_vec()),
            CacheValueFormat::default(),
        )
    }

    #[test]
    fn detects_serializers_and_compressors_by_their_bytes() {
        // pickle.dumps({"foo": "bar"}, 4) and 5, json, msgpack
        let p4 =
            b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x03foo\x94\x8c\x03bar\x94s.";
        let d = auto(p4);
        assert_eq!(d.format.unwrap().as_str(), "pickle");
        assert_eq!(d.result.unwrap().0["foo"], "bar");
        let d = auto(br#"{"foo": "bar"}"#);
        assert_eq!(d.format.unwrap().as_str(), "json");
        let d = auto(b"\x81\xa3foo\xa3bar");
        assert_eq!(d.format.unwrap().as_str(), "msgpack");
        assert_eq!(d.result.unwrap().0["foo"], "bar");
        let z = payload::compress(p4);
        let d = auto(&z);
        assert_eq!(d.format.unwrap().as_str(), "pickle+zlib");
        assert!(d.result.is_ok());
        let lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
        let mut lz = lz;
        lz.write_all(p4).unwrap();
        let lz = lz.finish().unwrap();
        let d = auto(&lz);
        assert_eq!(d.format.unwrap().as_str(), "pickle+lz4");
        assert_eq!(d.result.unwrap().0["foo"], "bar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(p4).unwrap();
        let d = auto(&gz.finish().unwrap());
        assert_eq!(d.format.unwrap().as_str(), "pickle+gzip");
        assert!(d.result.is_ok());
    }

    #[test]
    fn integers_are_not_sessions() {
        for digits in [&b"5"[..], b"-12", b" 42\n", b"1_000"] {
            let d = auto(digits);
            assert!(d.result.unwrap_err().contains("integer"), "{digits:?}");
        }
        assert!(!is_python_int(b"1__0"));
        assert!(!is_python_int(b"_1"));
        assert!(!is_python_int(b""));
    }

    #[test]
    fn a_pinned_layer_refuses_what_does_not_fit() {
        let json_only = CacheValueFormat {
            serializer: CacheSerializer::Json,
            compressor: CacheCompressor::Auto,
        };
        let d = decode(
            &CachedValue::plain(b"\x81\xa3foo\xa3bar".to_vec()),
            json_only,
        );
        assert!(d.result.is_err());
        // A configured compressor leaves short values bare, as django-redis does.
        let zlib = CacheValueFormat {
            serializer: CacheSerializer::Pickle,
            compressor: CacheCompressor::Zlib,
        };
        let empty = b"\x80\x04}\x94.";
        let d = decode(&CachedValue::plain(empty.to_vec()), zlib);
        assert_eq!(d.format.unwrap().as_str(), "pickle");
        assert!(d.result.unwrap().0.is_empty());
    }

    #[test]
    fn envelopes() {
        let p5 =
            b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x03foo\x94\x8c\x03bar\x94s.";
        let mc = CachedValue {
            bytes: p5.to_vec(),
            envelope: Envelope::Memcached { flags: 1 },
        };
        assert!(decode(&mc, CacheValueFormat::default()).result.is_ok());
        let text = CachedValue {
            bytes: b"hi".to_vec(),
            envelope: Envelope::Memcached { flags: 16 },
        };
        assert!(decode(&text, CacheValueFormat::default()).result.is_err());
        let b64 = CachedValue {
            bytes: base64::engine::general_purpose::STANDARD
                .encode(p5)
                .into_bytes(),
            envelope: Envelope::Base64,
        };
        assert!(decode(&b64, CacheValueFormat::default()).result.is_ok());
        let mut file = vec![0x80, 0x05, 0x95, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x47];
        file.extend_from_slice(&1_750_000_000.5f64.to_be_bytes());
        file.push(0x2e);
        assert_eq!(file_cache_expiry(&file), Some(Some(1_750_000_000.5)));
        file.extend(payload::compress(p5));
        let f = CachedValue {
            bytes: file,
            envelope: Envelope::FileCache,
        };
        let d = decode(&f, CacheValueFormat::default());
        assert_eq!(d.format.unwrap().as_str(), "pickle+zlib");
        assert!(d.result.is_ok());
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        let zeros = vec![0u8; MAX_DECOMPRESSED + 10];
        let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
        lz.write_all(&zeros).unwrap();
        let d = auto(&lz.finish().unwrap());
        assert!(d.result.unwrap_err().contains("refusing"));
        let truncated = b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c";
        assert!(auto(truncated).result.is_err());
        assert!(auto(b"\x28\xb5\x2f\xfdgarbage").result.is_err());
        assert!(auto(b"\xfd7zXZ\x00garbage").result.is_err());
        assert!(auto(b"hello").result.is_err());
    }
}
