//! Which session engine a run works on, resolved from the options as Django's settings
//! name things: `--engine` (`SESSION_ENGINE`), `--cache-url` (`CACHE_URL`), the cache's
//! `KEY_PREFIX`, `VERSION` and key function, and how its values are serialized.
//!
//! Without `--engine` the engine follows from what is given: a session directory is
//! `file`; a database URL and a cache URL, `cached_db`; a cache URL alone, `cache`; a
//! database URL alone, `db`. An explicit engine that lacks what it needs is a usage error,
//! except `cached_db` without a cache, which may read but not change (see
//! [`crate::store::open`]).

use anyhow::Result;

use super::key::{KeyRule, SessionEngine, DEFAULT_TEMPLATE};
use super::url::{self, CacheLocation, CacheUrl};
use super::{CacheSpec, DEFAULT_MAX_ENTRIES};
use crate::cli::{CacheCompressorArg, CacheSerializerArg, GlobalOpts};
use crate::codec::{CacheCompressor, CacheSerializer, CacheValueFormat};
use crate::exit::{coded, ExitCode};
use crate::store::files::FileStoreSettings;
use crate::store::{EngineSpec, TableSpec};

/// Django's four server-side engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Db,
    CachedDb,
    Cache,
    File,
}

/// Reads `--engine` / `SESSION_ENGINE`: a short name or Django's dotted module path.
pub fn parse_engine(text: &str) -> Result<Engine> {
    let name = text
        .trim()
        .strip_prefix("django.contrib.sessions.backends.")
        .unwrap_or(text.trim());
    match name {
        "db" => Ok(Engine::Db),
        "cached_db" => Ok(Engine::CachedDb),
        "cache" => Ok(Engine::Cache),
        "file" => Ok(Engine::File),
        "signed_cookies" => Err(coded(
            ExitCode::Usage,
            "the signed_cookies engine keeps sessions in the browser, so there is no store to \
             work on; read a cookie with `sessctl decode --cookie`",
        )),
        _ => Err(coded(
            ExitCode::Usage,
            format!(
                "unknown session engine `{}`: give db, cached_db, cache or file (or Django's \
                 django.contrib.sessions.backends.NAME); for a custom engine built on one of them, \
                 give that one (and --table, --salt as it needs)",
                text.escape_debug()
            ),
        )),
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The engine spec of a run, from the options and the stores already resolved.
pub fn engine_spec(
    opts: &GlobalOpts,
    table: Option<TableSpec>,
    dir: Option<FileStoreSettings>,
) -> Result<Option<EngineSpec>> {
    let engine = match &opts.engine {
        Some(text) => Some(parse_engine(text)?),
        None => non_empty_env("SESSION_ENGINE")
            .map(|text| parse_engine(&text))
            .transpose()?,
    };
    let cache_urls: Vec<String> = if opts.cache_url.is_empty() {
        non_empty_env("CACHE_URL").into_iter().collect()
    } else {
        opts.cache_url.clone()
    };
    let caches: Vec<CacheUrl> = cache_urls
        .iter()
        .map(|u| url::parse(u))
        .collect::<Result<_>>()?;
    let engine = match engine {
        Some(engine) => engine,
        None => match (&dir, &table, caches.is_empty()) {
            (Some(_), _, _) => Engine::File,
            (None, Some(_), false) => Engine::CachedDb,
            (None, None, false) => Engine::Cache,
            (None, Some(_), true) => Engine::Db,
            (None, None, true) => return Ok(None),
        },
    };
    let cache = |session_engine| cache_spec(opts, &caches, session_engine, table.clone());
    Ok(Some(match engine {
        Engine::File => EngineSpec::File(dir.ok_or_else(|| {
            coded(
                ExitCode::Usage,
                "--engine file needs the session directory: --session-dir DIR or SESSION_FILE_PATH",
            )
        })?),
        Engine::Db => EngineSpec::Db(table.clone().ok_or_else(|| {
            coded(
                ExitCode::Usage,
                "--engine db needs the database: --database-url URL or DATABASE_URL",
            )
        })?),
        Engine::Cache => {
            if caches.is_empty() {
                return Err(coded(
                    ExitCode::Usage,
                    "--engine cache needs the cache: --cache-url URL or CACHE_URL (e.g. redis://127.0.0.1:6379/0)",
                ));
            }
            EngineSpec::Cache(cache(SessionEngine::Cache)?)
        }
        Engine::CachedDb => {
            let Some(table_spec) = table.clone() else {
                return Err(coded(
                    ExitCode::Usage,
                    "--engine cached_db needs the database that holds the session table: \
                     --database-url URL or DATABASE_URL (and the cache: --cache-url)",
                ));
            };
            EngineSpec::CachedDb {
                table: table_spec,
                cache: if caches.is_empty() {
                    None
                } else {
                    Some(cache(SessionEngine::CachedDb)?)
                },
            }
        }
    }))
}

fn cache_spec(
    opts: &GlobalOpts,
    caches: &[CacheUrl],
    engine: SessionEngine,
    table: Option<TableSpec>,
) -> Result<CacheSpec> {
    let first = &caches[0];
    if let Some(other) = caches
        .iter()
        .find(|c| std::mem::discriminant(&c.location) != std::mem::discriminant(&first.location))
    {
        return Err(coded(
            ExitCode::Usage,
            format!(
                "--cache-url {} is a {} and {} a {}: the --cache-url of one cache are of one kind",
                first.location.shown(),
                first.location.kind(),
                other.location.shown(),
                other.location.kind()
            ),
        ));
    }
    let prefix = opts
        .cache_key_prefix
        .clone()
        .or_else(|| first.settings.key_prefix.clone())
        .unwrap_or_default();
    let version = opts
        .cache_version
        .clone()
        .or_else(|| first.settings.version.clone())
        .unwrap_or_else(|| "1".to_owned());
    let template = opts
        .cache_key_template
        .as_deref()
        .unwrap_or(DEFAULT_TEMPLATE);
    if matches!(first.location, CacheLocation::Database { .. }) && table.is_none() {
        return Err(coded(
            ExitCode::Usage,
            format!(
                "--cache-url {} is a DatabaseCache table: give its database with --database-url",
                first.location.shown()
            ),
        ));
    }
    Ok(CacheSpec {
        locations: caches.iter().map(|c| c.location.clone()).collect(),
        rule: KeyRule::new(engine, &prefix, &version, template)?,
        max_entries: opts
            .cache_max_entries
            .or(first.settings.max_entries)
            .unwrap_or(DEFAULT_MAX_ENTRIES),
        database: table,
    })
}

/// `--cache-serializer` and `--cache-compressor`.
pub fn value_format(opts: &GlobalOpts) -> CacheValueFormat {
    CacheValueFormat {
        serializer: match opts.cache_serializer {
            CacheSerializerArg::Auto => CacheSerializer::Auto,
            CacheSerializerArg::Pickle => CacheSerializer::Pickle,
            CacheSerializerArg::Json => CacheSerializer::Json,
            CacheSerializerArg::Msgpack => CacheSerializer::Msgpack,
        },
        compressor: match opts.cache_compressor {
            CacheCompressorArg::Auto => CacheCompressor::Auto,
            CacheCompressorArg::None => CacheCompressor::None,
            CacheCompressorArg::Zlib => CacheCompressor::Zlib,
            CacheCompressorArg::Lz4 => CacheCompressor::Lz4,
            CacheCompressorArg::Zstd => CacheCompressor::Zstd,
            CacheCompressorArg::Gzip => CacheCompressor::Gzip,
            CacheCompressorArg::Lzma => CacheCompressor::Lzma,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_follow_django() {
        for (text, want) in [
            ("db", Engine::Db),
            (
                "django.contrib.sessions.backends.cached_db",
                Engine::CachedDb,
            ),
            ("cache", Engine::Cache),
            ("django.contrib.sessions.backends.file", Engine::File),
        ] {
            assert_eq!(parse_engine(text).unwrap(), want, "{text}");
        }
        for bad in ["signed_cookies", "myapp.sessions", "redis"] {
            assert_eq!(
                crate::exit::code_of(&parse_engine(bad).unwrap_err()),
                ExitCode::Usage
            );
        }
    }
}
