//! Placeholder codec (current JSON format only), replaced by the full codec.
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const DEFAULT_SALT: &str = "django.contrib.sessions.SessionStore";
pub const COOKIE_SALT: &str = "django.contrib.sessions.backends.signed_cookies";
pub const MAX_DECOMPRESSED: usize = 64 << 20;

pub fn salt_for_store_class(qualname: &str) -> String {
    format!("django.contrib.sessions.{qualname}")
}

#[derive(Clone, Debug)]
pub struct Codec {
    salt: String,
    secrets: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    JsonCompressed,
    Pickle,
    PickleCompressed,
    LegacyJson,
    LegacyPickle,
    Unknown,
}
impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::JsonCompressed => "json+zlib",
            Format::Pickle => "pickle",
            Format::PickleCompressed => "pickle+zlib",
            Format::LegacyJson => "legacy-json",
            Format::LegacyPickle => "legacy-pickle",
            Format::Unknown => "unknown",
        }
    }
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    Valid,
    ValidFallback(usize),
    Invalid,
    Unverified,
}
impl Signature {
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::Valid => "valid",
            Signature::ValidFallback(_) => "valid_fallback",
            Signature::Invalid => "invalid",
            Signature::Unverified => "unverified",
        }
    }
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha1,
}
impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha1 => "sha1",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SessionExpiry {
    Seconds(i64),
    At(String),
    Other(Value),
}

#[derive(Clone, Debug)]
pub struct Decoded {
    pub format: Format,
    pub signature: Signature,
    pub algorithm: Option<Algorithm>,
    pub timestamp: Option<i64>,
    pub data: Option<Map<String, Value>>,
    pub error: Option<String>,
    pub note: Option<String>,
}
impl Decoded {
    pub fn user_id(&self) -> Option<String> {
        match self.data.as_ref()?.get("_auth_user_id")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    pub fn user_backend(&self) -> Option<String> {
        self.data
            .as_ref()?
            .get("_auth_user_backend")?
            .as_str()
            .map(str::to_owned)
    }
    pub fn session_expiry(&self) -> Option<SessionExpiry> {
        let v = self.data.as_ref()?.get("_session_expiry")?;
        Some(match v {
            Value::Number(n) if n.as_i64().is_some() => SessionExpiry::Seconds(n.as_i64().unwrap()),
            Value::String(s) => SessionExpiry::At(s.clone()),
            other => SessionExpiry::Other(other.clone()),
        })
    }
}

#[derive(Debug)]
pub struct CodecError(String);
impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for CodecError {}

fn b62(s: &str) -> Option<i64> {
    const A: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n: i64 = 0;
    for c in s.chars() {
        n = n.checked_mul(62)?.checked_add(A.find(c)? as i64)?;
    }
    Some(n)
}

impl Codec {
    pub fn new(salt: &str, secrets: Vec<String>) -> Codec {
        Codec {
            salt: salt.to_owned(),
            secrets,
        }
    }
    pub fn has_keys(&self) -> bool {
        !self.secrets.is_empty()
    }
    fn sign(&self, secret: &str, value: &str) -> String {
        let key = Sha256::digest(format!("{}signer{}", self.salt, secret).as_bytes());
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(value.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
    pub fn decode(&self, raw: &str) -> Decoded {
        let mut d = Decoded {
            format: Format::Unknown,
            signature: Signature::Unverified,
            algorithm: None,
            timestamp: None,
            data: None,
            error: None,
            note: None,
        };
        let Some((value, sig)) = raw.rsplit_once(':') else {
            d.error = Some("not a signed session value (no ':')".into());
            return d;
        };
        let Some((payload, ts)) = value.rsplit_once(':') else {
            d.error = Some("not a signed session value".into());
            return d;
        };
        if self.has_keys() {
            match self.secrets.iter().position(|s| self.sign(s, value) == sig) {
                Some(0) => {
                    d.signature = Signature::Valid;
                    d.algorithm = Some(Algorithm::Sha256)
                }
                Some(i) => {
                    d.signature = Signature::ValidFallback(i - 1);
                    d.algorithm = Some(Algorithm::Sha256)
                }
                None => {
                    d.signature = Signature::Invalid;
                    d.error = Some("signature matches neither SECRET_KEY nor any fallback; Django reads this session as empty".into());
                    return d;
                }
            }
        }
        d.timestamp = b62(ts);
        let compressed = payload.starts_with('.');
        d.format = if compressed {
            Format::JsonCompressed
        } else {
            Format::Json
        };
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_start_matches('.'))
        else {
            d.error = Some("payload is not base64".into());
            return d;
        };
        let bytes = if compressed {
            use std::io::Read;
            let mut out = Vec::new();
            if flate2::read::ZlibDecoder::new(&bytes[..])
                .take(MAX_DECOMPRESSED as u64 + 1)
                .read_to_end(&mut out)
                .is_err()
            {
                d.error = Some("payload is not zlib".into());
                return d;
            }
            out
        } else {
            bytes
        };
        match serde_json::from_slice::<Map<String, Value>>(&bytes) {
            Ok(m) => d.data = Some(m),
            Err(e) => d.error = Some(format!("payload is not a JSON object: {e}")),
        }
        d
    }
    pub fn decode_cookie(&self, raw: &str) -> Decoded {
        Codec::new(COOKIE_SALT, self.secrets.clone()).decode(raw)
    }
    pub fn encode(
        &self,
        _data: &Map<String, Value>,
        _timestamp: i64,
    ) -> Result<String, CodecError> {
        Err(CodecError("not yet".into()))
    }
}
