//! Django's `FileBasedCache` as a [`CacheBackend`]: one file per entry in the cache's
//! directory, named `md5(full key) + ".djcache"`, holding `pickle(expiry)` (a float of
//! unix seconds, or `None`: never) and then `zlib(pickle(value))`.
//!
//! Invariants:
//! - the file names are hashes and the files hold no key, so the cache cannot be listed:
//!   entries are reached by their key ([`CacheBackend::fetch`] and friends), and the only
//!   walk is the one over expired entries ([`CacheBackend::scan_expired`]), whose name
//!   for an entry is its file name;
//! - every access is relative to a descriptor of the directory opened once, with
//!   `O_NOFOLLOW`: a symlink is never followed, nothing outside the directory is reached,
//!   and only regular `<32 hex>.djcache` files are read, rewritten or unlinked;
//! - before a file is unlinked or replaced it is stat'ed again: a file rewritten since it
//!   was judged (Django writes a temporary file and renames it over the entry) is left;
//! - expiry is Django's: an entry is gone once `expiry < now`, and an empty file counts
//!   as expired (Django's `_is_expired` reads it as 0).

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use md5::{Digest as _, Md5};
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::url::CacheLocation;
use super::{CacheBackend, CacheCapabilities, CacheEntry, Deletion, KeyRule};
use crate::codec::cached::{file_cache_body, file_cache_expiry, Envelope};
use crate::codec::CachedValue;
use crate::exit::{coded, ExitCode};
use crate::store::files::Ident;
use crate::store::Cursor;

/// Django's `FileBasedCache.cache_suffix`.
const SUFFIX: &str = ".djcache";
/// No session value comes near this; a larger file is not read.
const MAX_FILE: u64 = 64 << 20;

/// One entry file as read.
struct Read {
    bytes: Vec<u8>,
    ident: Ident,
}

pub struct FileCacheBackend {
    dir: OwnedFd,
    shown: String,
}

/// The file name Django gives the entry of `key` (a full key: prefix, version, key).
pub fn file_name(key: &str) -> String {
    let mut name = crate::codec::signing::hex(&Md5::digest(key.as_bytes()));
    name.push_str(SUFFIX);
    name
}

/// Whether `name` is a name Django gives an entry file.
fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(SUFFIX).is_some_and(|hash| {
        hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// When the entry expires, from its file's bytes: `Ok(None)` never, `Err` when the head is
/// not Django's expiry pickle (Django's `get()` would raise on it).
fn expiry_of(bytes: &[u8]) -> Result<Option<DateTime<Utc>>, ()> {
    if bytes.is_empty() {
        // Django reads an empty file's expiry as 0: long expired.
        return Ok(Some(DateTime::UNIX_EPOCH));
    }
    match file_cache_expiry(bytes) {
        Some(Some(seconds)) => Ok(Some(instant(seconds))),
        Some(None) => Ok(None),
        None => Err(()),
    }
}

fn instant(seconds: f64) -> DateTime<Utc> {
    let micros = (seconds * 1e6).round();
    if micros >= i64::MAX as f64 {
        DateTime::<Utc>::MAX_UTC
    } else if micros <= i64::MIN as f64 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::from_timestamp_micros(micros as i64).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// `pickle.dumps(float, 5)`, as Django writes an entry's expiry.
fn expiry_pickle(at: DateTime<Utc>) -> Vec<u8> {
    let seconds = at.timestamp_micros() as f64 / 1e6;
    let mut head = vec![0x80, 0x05, 0x95, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x47];
    head.extend_from_slice(&seconds.to_be_bytes());
    head.push(0x2e);
    head
}

impl FileCacheBackend {
    pub fn open(locations: &[CacheLocation]) -> Result<FileCacheBackend> {
        let [CacheLocation::File { dir }] = locations else {
            return Err(coded(
                ExitCode::Usage,
                "a file cache is one directory: give one --cache-url file:///PATH",
            ));
        };
        Self::open_dir(dir)
    }

    fn open_dir(dir: &Path) -> Result<FileCacheBackend> {
        let shown = format!("file cache {}", dir.display());
        let fd = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| {
            let hint = match e {
                Errno::NOENT => "no such directory; check the cache's LOCATION",
                Errno::NOTDIR => "not a directory; a FileBasedCache LOCATION is a directory",
                Errno::ACCESS | Errno::PERM => "permission denied",
                _ => "cannot open it",
            };
            coded(ExitCode::StoreUnavailable, format!("{shown}: {hint} ({e})"))
        })?;
        Ok(FileCacheBackend { dir: fd, shown })
    }

    fn failed(&self, name: &str, what: &str, e: Errno) -> anyhow::Error {
        anyhow::anyhow!("{}: {what} {name}: {e}", self.shown)
    }

    /// Reads entry file `name`; `None` when there is none (or it is not a regular file).
    fn read(&self, name: &str) -> Result<Option<Read>> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.dir, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::LOOP) => return Ok(None),
            Err(e) => return Err(self.failed(name, "cannot open", e)),
        };
        let st = rustix::fs::fstat(&fd).map_err(|e| self.failed(name, "cannot stat", e))?;
        if FileType::from_raw_mode(st.st_mode as _) != FileType::RegularFile {
            return Ok(None);
        }
        if st.st_size as u64 > MAX_FILE {
            return Err(anyhow::anyhow!(
                "{}: {name} is {} bytes, larger than any cache entry sessctl reads",
                self.shown,
                st.st_size
            ));
        }
        let mut bytes = Vec::with_capacity(st.st_size as usize);
        std::io::Read::read_to_end(&mut File::from(fd), &mut bytes)
            .map_err(|e| anyhow::anyhow!("{}: cannot read {name}: {e}", self.shown))?;
        Ok(Some(Read {
            bytes,
            ident: Ident::of(&st),
        }))
    }

    /// Whether `name` is still the file that was read as `ident`.
    fn unchanged(&self, name: &str, ident: Ident) -> Result<bool> {
        match rustix::fs::statat(&self.dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Ident::of(&st) == ident
                && FileType::from_raw_mode(st.st_mode as _) == FileType::RegularFile),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(self.failed(name, "cannot stat", e)),
        }
    }

    fn entry(key: &str, read: Read) -> CacheEntry {
        // A head that is not Django's (its get() would raise) gives no expiry: the entry
        // is shown, undecodable, and never judged expired.
        let expires = expiry_of(&read.bytes).unwrap_or_default();
        CacheEntry {
            key: key.to_owned(),
            value: CachedValue {
                bytes: read.bytes,
                envelope: Envelope::FileCache,
            },
            expires,
        }
    }

    /// Deletes entry file `name` when it still satisfies `deletion`.
    fn delete_file(&self, name: &str, deletion: &Deletion<'_>) -> Result<bool> {
        let Some(read) = self.read(name)? else {
            return Ok(false);
        };
        if deletion.unchanged.is_some_and(|v| v.bytes != read.bytes) {
            return Ok(false);
        }
        if let Some(before) = deletion.expired_before {
            match expiry_of(&read.bytes) {
                Ok(Some(at)) if at < before => {}
                _ => return Ok(false),
            }
        }
        if !self.unchanged(name, read.ident)? {
            return Ok(false);
        }
        match rustix::fs::unlinkat(&self.dir, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(self.failed(name, "cannot delete", e)),
        }
    }

    /// Rewrites entry file `name` to expire at `at`, keeping its value, the way Django
    /// writes entries: a temporary file in the same directory renamed over it.
    fn expire_file(&self, name: &str, at: DateTime<Utc>) -> Result<bool> {
        let Some(read) = self.read(name)? else {
            return Ok(false);
        };
        let Ok(body) = file_cache_body(&read.bytes) else {
            // Not an entry Django can read: nothing to expire, it is already dead to it.
            return Ok(true);
        };
        let mut bytes = expiry_pickle(at);
        bytes.extend_from_slice(body);
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        // Not a `.djcache` name: Django's own listing (cull, clear) ignores it.
        let tmp = format!(".{name}.sessctl-{}.tmp", std::process::id());
        let fd = rustix::fs::openat(&self.dir, tmp.as_str(), flags, Mode::from_raw_mode(0o600))
            .map_err(|e| self.failed(&tmp, "cannot create", e))?;
        let written = File::from(fd).write_all(&bytes);
        let discard = || {
            let _ = rustix::fs::unlinkat(&self.dir, tmp.as_str(), AtFlags::empty());
        };
        if let Err(e) = written {
            discard();
            return Err(anyhow::anyhow!("{}: cannot write {tmp}: {e}", self.shown));
        }
        if !self.unchanged(name, read.ident)? {
            // Rewritten meanwhile by Django: the newer entry stands.
            discard();
            return Ok(false);
        }
        rustix::fs::renameat(&self.dir, tmp.as_str(), &self.dir, name).map_err(|e| {
            discard();
            self.failed(name, "cannot replace", e)
        })?;
        Ok(true)
    }
}

impl CacheBackend for FileCacheBackend {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn capabilities(&self) -> CacheCapabilities {
        CacheCapabilities {
            list: false,
            keeps_expired: true,
            culls: true,
            walk_expired: true,
        }
    }

    fn scan_keys(&mut self, _: &mut Cursor, _: &KeyRule, _: usize) -> Result<Vec<String>> {
        Err(anyhow::anyhow!(
            "{} cannot be listed: its file names are hashes",
            self.shown
        ))
    }

    fn fetch(&mut self, keys: &[String]) -> Result<Vec<Option<CacheEntry>>> {
        keys.iter()
            .map(|key| {
                Ok(self
                    .read(&file_name(key))?
                    .map(|read| Self::entry(key, read)))
            })
            .collect()
    }

    fn delete(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        deletions
            .iter()
            .map(|d| self.delete_file(&file_name(d.key), d))
            .collect()
    }

    fn expire(&mut self, keys: &[String], at: DateTime<Utc>) -> Result<Vec<bool>> {
        keys.iter()
            .map(|key| self.expire_file(&file_name(key), at))
            .collect()
    }

    fn scan_expired(
        &mut self,
        cursor: &mut Cursor,
        before: DateTime<Utc>,
        count: usize,
    ) -> Result<Vec<CacheEntry>> {
        if cursor.is_done() {
            return Ok(Vec::new());
        }
        if cursor.position::<DirWalk>().is_none() {
            let fd = rustix::fs::openat(
                &self.dir,
                ".",
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| self.failed(".", "cannot open", e))?;
            let dir = Dir::new(fd).map_err(|e| self.failed(".", "cannot list", e))?;
            cursor.advance(DirWalk(dir));
        }
        let mut names = Vec::new();
        {
            let walk = cursor.position_mut::<DirWalk>().expect("just set");
            while names.len() < count {
                match walk.0.next() {
                    None => break,
                    Some(Ok(entry)) => {
                        if let Ok(name) = entry.file_name().to_str() {
                            if is_entry_name(name) {
                                names.push(name.to_owned());
                            }
                        }
                    }
                    Some(Err(e)) => return Err(self.failed(".", "cannot list", e)),
                }
            }
            if names.len() < count {
                cursor.finish();
            }
        }
        let mut out = Vec::new();
        for name in names {
            let Some(read) = self.read(&name)? else {
                continue;
            };
            let entry = Self::entry(&name, read);
            if entry.expires.is_some_and(|at| at < before) {
                out.push(entry);
            }
        }
        Ok(out)
    }

    fn delete_expired(&mut self, deletions: &[Deletion<'_>]) -> Result<Vec<bool>> {
        deletions
            .iter()
            .map(|d| {
                if is_entry_name(d.key) {
                    self.delete_file(d.key, d)
                } else {
                    Ok(false)
                }
            })
            .collect()
    }
}

/// A walk over the cache directory's entries.
struct DirWalk(Dir);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_md5_of_the_full_key() {
        // hashlib.md5(b":1:django.contrib.sessions.cacheabc").hexdigest()
        assert_eq!(file_name(""), "d41d8cd98f00b204e9800998ecf8427e.djcache");
        assert!(is_entry_name(&file_name(
            "p:1:django.contrib.sessions.cache0123456789abcdefghijklmnopqrstuv"
        )));
        assert!(!is_entry_name(
            "d41d8cd98f00b204e9800998ecf8427e.djcache.tmp"
        ));
        assert!(!is_entry_name("D41D8CD98F00B204E9800998ECF8427E.djcache"));
        assert!(!is_entry_name(
            ".d41d8cd98f00b204e9800998ecf8427e.djcache.sessctl-1.tmp"
        ));
    }

    #[test]
    fn an_expiry_written_is_read_back() {
        let at = DateTime::from_timestamp_micros(1_748_779_200_250_000).unwrap();
        let mut bytes = expiry_pickle(at);
        bytes.extend_from_slice(b"x\x9c");
        assert_eq!(expiry_of(&bytes), Ok(Some(at)));
        assert_eq!(expiry_of(b""), Ok(Some(DateTime::UNIX_EPOCH)));
        assert_eq!(expiry_of(b"\x80\x05N.x\x9c"), Ok(None));
        assert_eq!(expiry_of(b"garbage"), Err(()));
    }
}
