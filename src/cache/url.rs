//! Cache URLs, read as django-cache-url reads Django's `CACHE_URL`, and redacted for every
//! message like database URLs.
//!
//! Forms: `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS), `unix://
//! [[user]:password@]/path/to.sock[?db=N]` (a Redis socket), `memcached://host:port[,host:port…]`
//! and `pymemcache://…`, `db://TABLE` (DatabaseCache, in the `--database-url` database),
//! `file:///PATH` (FileBasedCache). Query options: `key_prefix`, `version` and
//! `max_entries`, which django-cache-url turns into `KEY_PREFIX`, `VERSION` and
//! `OPTIONS.MAX_ENTRIES`; for Redis `db=N` and `ssl_ca_certs=PATH` as redis-py reads them.

use std::path::PathBuf;

use anyhow::Result;
use percent_encoding::percent_decode_str;

use crate::dburl::redact;
use crate::exit::{coded, ExitCode};

/// How a Redis server is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisAddr {
    Tcp { host: String, port: u16, tls: bool },
    Unix { path: PathBuf },
}

/// One Redis server and database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisLocation {
    /// The URL exactly as given: django-redis's ShardClient places keys by this text.
    pub text: String,
    /// The URL with its password redacted, for messages.
    pub shown: String,
    pub addr: RedisAddr,
    pub db: i64,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The only trust anchor for `rediss://` (`ssl_ca_certs`); none: the system's roots.
    pub ca_file: Option<PathBuf>,
}

/// Where a cache keeps its entries, as one `--cache-url` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheLocation {
    Redis(RedisLocation),
    /// memcached servers (`host:port`, or `unix:/path`), in the order given.
    Memcached {
        servers: Vec<String>,
        shown: String,
    },
    /// Django's DatabaseCache: this table in the `--database-url` database.
    Database {
        table: String,
    },
    /// Django's FileBasedCache directory.
    File {
        dir: PathBuf,
    },
}

impl CacheLocation {
    /// The kind of cache, for messages and for telling kinds apart.
    pub fn kind(&self) -> &'static str {
        match self {
            CacheLocation::Redis(_) => "Redis",
            CacheLocation::Memcached { .. } => "memcached",
            CacheLocation::Database { .. } => "database cache",
            CacheLocation::File { .. } => "file cache",
        }
    }

    /// The location for messages, passwords redacted.
    pub fn shown(&self) -> String {
        match self {
            CacheLocation::Redis(r) => r.shown.clone(),
            CacheLocation::Memcached { shown, .. } => shown.clone(),
            CacheLocation::Database { table } => format!("db://{table}"),
            CacheLocation::File { dir } => format!("file://{}", dir.display()),
        }
    }
}

/// Settings a cache URL may carry in its query, beside the location.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlSettings {
    pub key_prefix: Option<String>,
    pub version: Option<String>,
    pub max_entries: Option<u64>,
}

/// One parsed `--cache-url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheUrl {
    pub location: CacheLocation,
    pub settings: UrlSettings,
}

const SCHEMES: &str = "redis://, rediss://, unix://, memcached://, pymemcache://, db:// or file://";

/// Parses a cache URL. Errors are usage errors (exit 2) and never echo a password.
pub fn parse(raw: &str) -> Result<CacheUrl> {
    let shown = redact(raw);
    let bad = |why: String| coded(ExitCode::Usage, format!("--cache-url `{shown}`: {why}"));
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err(bad(format!(
            "not a cache URL; expected {SCHEMES} (e.g. redis://127.0.0.1:6379/0)"
        )));
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, query),
        None => (rest, ""),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let mut settings = UrlSettings::default();
    let mut db_param = None;
    let mut ca_file = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        match name.to_ascii_lowercase().as_str() {
            "key_prefix" => settings.key_prefix = Some(value),
            "version" => settings.version = Some(value),
            "max_entries" => {
                settings.max_entries = Some(value.parse().map_err(|_| {
                    bad(format!(
                        "max_entries `{}` is not a whole number",
                        value.escape_debug()
                    ))
                })?)
            }
            "db" => db_param = Some(value),
            "ssl_ca_certs" => ca_file = Some(PathBuf::from(value)),
            // Options of Django's or redis-py's that do not change where entries are
            // (timeouts, pool sizes, cull frequency) are accepted and not needed here.
            _ => {}
        }
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let location = match scheme.to_ascii_lowercase().as_str() {
        s @ ("redis" | "rediss") => {
            let (userinfo, hostport) = split_userinfo(authority);
            let (username, password) = credentials(userinfo);
            let (host, port) = host_port(hostport, 6379).map_err(&bad)?;
            let db = match (db_param, path.trim_start_matches('/')) {
                (_, p) if !p.is_empty() => p.to_owned(),
                (Some(d), _) => d,
                (None, _) => "0".to_owned(),
            };
            CacheLocation::Redis(RedisLocation {
                text: raw.to_owned(),
                shown: shown.clone(),
                addr: RedisAddr::Tcp {
                    host,
                    port,
                    tls: s == "rediss",
                },
                db: parse_db(&db).map_err(&bad)?,
                username,
                password,
                ca_file,
            })
        }
        "unix" | "redis+unix" | "redis+socket" => {
            let (userinfo, host) = split_userinfo(authority);
            if !host.is_empty() {
                return Err(bad(
                    "a socket URL has no host: unix:///path/to/redis.sock?db=0".to_owned(),
                ));
            }
            if path.is_empty() {
                return Err(bad(
                    "the socket path is missing: unix:///path/to/redis.sock".to_owned(),
                ));
            }
            let (username, password) = credentials(userinfo);
            CacheLocation::Redis(RedisLocation {
                text: raw.to_owned(),
                shown: shown.clone(),
                addr: RedisAddr::Unix {
                    path: PathBuf::from(decode(path)),
                },
                db: parse_db(db_param.as_deref().unwrap_or("0")).map_err(&bad)?,
                username,
                password,
                ca_file: None,
            })
        }
        "memcached" | "pymemcache" | "pymemcached" | "djangopylibmc" | "pylibmc" => {
            let servers: Vec<String> = if authority.is_empty() {
                if path.is_empty() {
                    return Err(bad(
                        "no memcached server given: memcached://127.0.0.1:11211".to_owned(),
                    ));
                }
                vec![format!("unix:{}", decode(path))]
            } else {
                authority
                    .split([',', ';'])
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        host_port(s, 11211)
                            .map(|(host, port)| format!("{host}:{port}"))
                            .map_err(&bad)
                    })
                    .collect::<Result<_>>()?
            };
            CacheLocation::Memcached {
                servers,
                shown: shown.clone(),
            }
        }
        "db" => {
            let table = decode(authority);
            if table.is_empty() {
                return Err(bad("no table given: db://my_cache_table".to_owned()));
            }
            CacheLocation::Database { table }
        }
        "file" => {
            let dir = format!("{authority}{path}");
            if dir.is_empty() {
                return Err(bad(
                    "no directory given: file:///var/tmp/django_cache".to_owned()
                ));
            }
            CacheLocation::File {
                dir: PathBuf::from(decode(&dir)),
            }
        }
        other => {
            return Err(bad(format!(
                "unsupported scheme `{other}://`; sessctl reads {SCHEMES}"
            )))
        }
    };
    Ok(CacheUrl { location, settings })
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn split_userinfo(authority: &str) -> (Option<&str>, &str) {
    match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    }
}

/// `user:password`, `:password` or `user`: redis-py's reading (an empty user is none).
fn credentials(userinfo: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(info) = userinfo else {
        return (None, None);
    };
    let (user, password) = match info.split_once(':') {
        Some((user, password)) => (user, Some(decode(password))),
        None => (info, None),
    };
    let user = (!user.is_empty()).then(|| decode(user));
    (user, password.filter(|p| !p.is_empty()))
}

fn host_port(text: &str, default_port: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, rest)) => (host.to_owned(), rest.strip_prefix(':')),
            None => return Err(format!("`{text}` is not a host: a `[` without `]`")),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (text.to_owned(), None),
        }
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse().map_err(|_| {
            format!(
                "port `{}` is not a number from 1 to 65535",
                p.escape_debug()
            )
        })?,
    };
    let host = if host.is_empty() {
        "localhost".to_owned()
    } else {
        decode(&host)
    };
    Ok((host, port))
}

fn parse_db(text: &str) -> Result<i64, String> {
    text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
        format!(
            "database `{}` is not a number (redis://HOST:PORT/0)",
            text.escape_debug()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redis(raw: &str) -> RedisLocation {
        match parse(raw).unwrap().location {
            CacheLocation::Redis(r) => r,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn redis_forms() {
        let r = redis("redis://127.0.0.1:6379/3");
        assert_eq!(
            r.addr,
            RedisAddr::Tcp {
                host: "127.0.0.1".into(),
                port: 6379,
                tls: false
            }
        );
        assert_eq!((r.db, r.username, r.password), (3, None, None));
        let r = redis("redis://:s%40cret@cache");
        assert_eq!((r.db, r.password.as_deref()), (0, Some("s@cret")));
        assert_eq!(r.shown, "redis://:****@cache");
        let r = redis("rediss://app:pw@cache.example:6380/1?ssl_ca_certs=/etc/ca.pem");
        assert_eq!(
            r.addr,
            RedisAddr::Tcp {
                host: "cache.example".into(),
                port: 6380,
                tls: true
            }
        );
        assert_eq!(r.username.as_deref(), Some("app"));
        assert_eq!(r.ca_file, Some(PathBuf::from("/etc/ca.pem")));
        let r = redis("redis://h?db=5");
        assert_eq!(r.db, 5);
        let r = redis("unix://:pw@/run/redis/redis.sock?db=2");
        assert_eq!(
            r.addr,
            RedisAddr::Unix {
                path: "/run/redis/redis.sock".into()
            }
        );
        assert_eq!((r.db, r.password.as_deref()), (2, Some("pw")));
    }

    #[test]
    fn query_settings_follow_django_cache_url() {
        let url = parse("redis://h:6379/0?key_prefix=shop%3A%5B1%5D&version=3&timeout=60").unwrap();
        assert_eq!(url.settings.key_prefix.as_deref(), Some("shop:[1]"));
        assert_eq!(url.settings.version.as_deref(), Some("3"));
        let url = parse("db://my_cache_table?max_entries=1000").unwrap();
        assert_eq!(
            url.location,
            CacheLocation::Database {
                table: "my_cache_table".into()
            }
        );
        assert_eq!(url.settings.max_entries, Some(1000));
    }

    #[test]
    fn memcached_file_and_db_forms() {
        assert_eq!(
            parse("pymemcache://10.0.0.1:11211,10.0.0.2")
                .unwrap()
                .location,
            CacheLocation::Memcached {
                servers: vec!["10.0.0.1:11211".into(), "10.0.0.2:11211".into()],
                shown: "pymemcache://10.0.0.1:11211,10.0.0.2".into()
            }
        );
        assert!(matches!(
            parse("memcached:///tmp/memcached.sock").unwrap().location,
            CacheLocation::Memcached { servers, .. } if servers == ["unix:/tmp/memcached.sock"]
        ));
        assert_eq!(
            parse("file:///var/tmp/django_cache").unwrap().location,
            CacheLocation::File {
                dir: "/var/tmp/django_cache".into()
            }
        );
    }

    #[test]
    fn bad_urls_are_usage_errors_without_passwords() {
        for bad in [
            "redis://:hunter2@h:notaport/0",
            "redis://:hunter2@h/x",
            "ftp://:hunter2@h",
            "hunter2",
            "db://",
            "unix://:hunter2@host/sock",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(crate::exit::code_of(&err), ExitCode::Usage, "{bad}");
            let text = format!("{err:#}");
            assert!(!text.contains("hunter2") || bad == "hunter2", "{text}");
        }
    }
}
