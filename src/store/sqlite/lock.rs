//! The SQLite purge lock: one bulk change per table at a time.
//!
//! SQLite has no named locks, so sessctl takes a byte-range lock of its own on the
//! database file itself: an open-file-description lock (`F_OFD_SETLK`), exclusive, on one
//! byte far beyond anything SQLite locks, at an offset derived from the table's name.
//!
//! Why this and not a lock file:
//! - the key is the canonical file: the lock is on the inode, so every path that reaches
//!   the database (a symlink, a hard link, a bind mount, `..` in the URL) meets the same
//!   lock, and nothing depends on spelling the path the same way;
//! - the key is the canonical table: the offset is derived from the table's name as
//!   `sqlite_schema` stores it, ASCII-lowercased (SQLite compares identifiers without
//!   regard to ASCII case), so `DJANGO_SESSION` and `django_session` meet, and any name
//!   SQLite accepts (`a/b`, 300 characters) works, since it never becomes a file name;
//! - nothing is created: no file beside the database (where it showed in `git status`),
//!   none in a runtime directory that another user, or a service with a private `/tmp`,
//!   would not share;
//! - the kernel drops the lock with the process however it ends (`kill -9` included), so
//!   a stale lock cannot exist.
//!
//! Byte ranges: SQLite locks the bytes from 1 GiB (`PENDING_BYTE`) to 1 GiB + 511 of the
//! database file, and nothing else of it (a WAL database also locks bytes of its `-shm`
//! file, another inode). The purge locks live at 2^62 plus a 40-bit hash of the table
//! name, so they never overlap SQLite's; two tables whose hashes collide would only
//! queue behind each other.
//!
//! The trap: closing *any* descriptor of a file drops every classic POSIX lock the process
//! holds on it, and SQLite's locks are classic POSIX locks. The descriptor held here must
//! therefore never be closed while the process's SQLite connection to the database is
//! open: [`PurgeLock`] is owned by the store, which drops its connection first (see
//! `SqliteStore`'s field order), and a lock that could not be taken is kept open all the
//! same, until the store goes. OFD locks themselves belong to the open file description,
//! so SQLite closing its own descriptors never drops this one.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use sha2::{Digest, Sha256};

/// The first offset of the purge locks, far past SQLite's lock bytes (from 2^30).
const LOCK_BASE: i64 = 1 << 62;
/// Purge-lock offsets spread over this many bytes.
const LOCK_SPAN: u64 = 1 << 40;

/// The byte locked for `table` (its name as `sqlite_schema` stores it).
pub(super) fn lock_offset(table: &str) -> i64 {
    let digest = Sha256::digest(table.to_ascii_lowercase().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    LOCK_BASE + (u64::from_be_bytes(first) % LOCK_SPAN) as i64
}

/// A descriptor of the database file, for the purge lock of one table.
pub(super) struct PurgeLock {
    file: File,
    /// The file the connection opened.
    expected: FileId,
    offset: i64,
}

/// The identity of a file: device and inode.
pub(super) type FileId = (u64, u64);

impl PurgeLock {
    /// Opens the database at `path` for the lock of `table`; `expected` is the file the
    /// SQLite connection opened. Once the descriptor is open nothing fails here: a
    /// descriptor dropped on an error path would close, which is what must not happen.
    pub(super) fn open(path: &Path, table: &str, expected: FileId) -> Result<PurgeLock> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| {
                anyhow::anyhow!("cannot open {} for the purge lock: {e}", path.display())
            })?;
        Ok(PurgeLock {
            file,
            expected,
            offset: lock_offset(table),
        })
    }

    /// Takes the lock: at once, or polling for at most `wait`. Returns whether it is
    /// held. Fails when the path opened another file than the connection's (it was
    /// replaced in between).
    pub(super) fn take(&mut self, wait: Option<Duration>) -> Result<bool> {
        if id_of(&self.file.metadata()?) != self.expected {
            anyhow::bail!("the database file was replaced while sessctl opened it; run again");
        }
        let (file, offset) = (&self.file, self.offset);
        crate::store::poll_lock(wait, || try_lock(file, offset))
    }
}

/// Device and inode of `meta`.
pub(super) fn id_of(meta: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// One non-blocking attempt at the exclusive OFD lock on byte `offset` of `file`.
fn try_lock(file: &File, offset: i64) -> Result<bool> {
    use nix::errno::Errno;
    use nix::fcntl::{fcntl, FcntlArg};
    let range = libc::flock {
        l_type: libc::F_WRLCK as _,
        l_whence: libc::SEEK_SET as _,
        l_start: offset,
        l_len: 1,
        // Must be 0 for OFD locks.
        l_pid: 0,
    };
    match fcntl(file.as_fd(), FcntlArg::F_OFD_SETLK(&range)) {
        Ok(_) => Ok(true),
        Err(Errno::EAGAIN | Errno::EACCES) => Ok(false),
        Err(e) => Err(anyhow::anyhow!(
            "cannot take the purge lock on the database file: {e} (the file system must support fcntl byte-range locks, as SQLite itself needs)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_far_from_sqlite_and_ignore_ascii_case() {
        for name in ["django_session", "a/b", &"x".repeat(300), "ünïcode"] {
            let at = lock_offset(name);
            assert!(
                at >= LOCK_BASE && at < LOCK_BASE + LOCK_SPAN as i64,
                "{name}"
            );
            assert!(at > (1 << 30) + 512);
        }
        assert_eq!(lock_offset("DJANGO_SESSION"), lock_offset("django_session"));
        assert_ne!(lock_offset("django_session"), lock_offset("other_session"));
        // Fixed across builds and versions: two sessctl binaries purging one table must
        // meet at the same byte (2^62 + the first 8 bytes of SHA-256 modulo 2^40).
        assert_eq!(lock_offset("django_session"), 4_611_686_604_220_331_167);
    }

    /// Two descriptors of one file are two lock owners, as two processes are; closing a
    /// descriptor that holds no lock leaves the other's lock in place.
    #[test]
    fn a_second_owner_is_refused_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("db");
        std::fs::write(&path, b"x").unwrap();
        let id = id_of(&std::fs::metadata(&path).unwrap());
        let mut first = PurgeLock::open(&path, "t", id).unwrap();
        assert!(first.take(None).unwrap());
        let mut second = PurgeLock::open(&path, "T", id).unwrap();
        assert!(!second.take(None).unwrap());
        drop(PurgeLock::open(&path, "t", id).unwrap());
        assert!(!second.take(None).unwrap());
        let mut other_table = PurgeLock::open(&path, "u", id).unwrap();
        assert!(other_table.take(None).unwrap());
        drop(first);
        assert!(second.take(None).unwrap());
    }
}
