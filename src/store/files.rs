//! The file store: a Django `SESSION_FILE_PATH` directory (`SESSION_ENGINE =
//! "django.contrib.sessions.backends.file"`), one file per session.
//!
//! A session is a regular file named `SESSION_COOKIE_NAME + key`, the key being at least
//! 8 characters of `[a-z0-9]`; its content is the encoded session data. Its expiry is
//! Django's file rule ([`rule`]), decided from the *verified* data: with a secret key, a
//! file that fails verification counts as empty data, so mtime + SESSION_COOKIE_AGE
//! decides, exactly as in Django. Without a key the unverified payload is read and the
//! notices say so.
//!
//! Invariants:
//! - nothing but a session file is ever changed: other prefixes, invalid keys, Django's
//!   `_out_` temporary files, directories, symlinks, devices are never opened for writing,
//!   renamed or unlinked. Every access is relative to a descriptor of the directory
//!   opened once (`openat`/`unlinkat`/`renameat` with names read from the directory
//!   itself, which never hold a `/`), with `O_NOFOLLOW` and `AT_SYMLINK_NOFOLLOW`, so a
//!   symlink is never followed and nothing outside the directory is reached;
//! - empty files (Django's placeholders) never expire, as in Django;
//! - where Django would raise instead of deciding (a non-ASCII byte, an ISO expiry of the
//!   other time-zone awareness, a value it cannot compare) the file counts as active, is
//!   kept, and the notices name it; so are pickle payloads, which sessctl never unpickles;
//! - before a file is unlinked or rewritten it is stat'ed again: a file that changed since
//!   it was judged (another inode, size, mtime or ctime: Django renewed it) is left alone;
//! - the directory is streamed with `getdents`, never listed whole: memory does not grow
//!   with the number of files; files that vanish or change mid-scan are skipped;
//! - range deletions (`clear-expired`, `purge`, `flush`) read and judge files in a second
//!   thread ([`ReadAhead`]) at most a few hundred files ahead of the unlinks, which keep
//!   the re-stat above; a stop between batches leaves the files judged ahead untouched;
//! - a per-file failure (permission denied) is reported and counted, and the scan goes on.
//!
//! Deliberate differences from Django are listed in `docs/file-backend.md`.

pub mod rule;

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rustix::fs::{
    AtFlags, Dir, FileType, FlockOperation, Mode, OFlags, RenameFlags, Timespec, Timestamps,
};
use rustix::io::Errno;
use serde_json::{Map, Value};

use self::rule::{Clock, Mtime};
use super::{
    Capabilities, ClearExpired, Cursor, Notices, Receipt, SessionStore, StoreStats, Vacuum,
};
use crate::codec::{Codec, Signature};
use crate::exit::{coded, ExitCode};
use crate::output::escape::for_terminal;
use crate::session::{Action, Condition, Edit, Payload, StoredSession, Target};
use crate::store::Access;
use crate::zone::StoreZone;

/// Files larger than this are not read; no Django session comes near it.
const MAX_FILE: u64 = 64 << 20;
/// Per-file failures and undecided files named in the notices; the counts stay exact.
const MAX_NAMED: usize = 20;
/// Directory entries the read-ahead thread examines before handing over what it found.
const AHEAD_CHUNK: usize = 128;
/// Chunks that may wait for the deleting thread. With the chunk being taken and the one
/// being filled, at most `(AHEAD_CHUNKS + 2) * AHEAD_CHUNK` files are judged ahead of
/// the deletions, whatever the size of the directory.
const AHEAD_CHUNKS: usize = 2;

/// What `--session-dir`, `--cookie-name`, `--cookie-age` and `--time-zone` resolve to.
#[derive(Clone, Debug)]
pub struct FileStoreSettings {
    pub dir: PathBuf,
    /// SESSION_COOKIE_NAME, the prefix of every session file name.
    pub prefix: String,
    /// SESSION_COOKIE_AGE in seconds.
    pub cookie_age: i64,
    /// UTC means USE_TZ=True; another zone means USE_TZ=False with that TIME_ZONE.
    pub zone: StoreZone,
}

pub struct FileStore {
    settings: FileStoreSettings,
    dir: OwnedFd,
    codec: Codec,
    access: Access,
    /// The directory stream of the walk in progress, and its position (`d_off`).
    walk: Option<(Dir, i64)>,
    /// Read buffer, reused from file to file.
    buf: Vec<u8>,
    notes: Notes,
    /// A second descriptor of the directory holding the purge lock (flock).
    purge_lock: Option<OwnedFd>,
    /// Whether O_NOATIME is still worth trying (it fails with EPERM on others' files).
    noatime: bool,
    /// The read-ahead of the range deletion in progress.
    ahead: Option<ReadAhead>,
}

/// Where a walk of the directory stands: its stream position (`d_off`).
struct DirOffset(i64);

/// Identity of a file's state: if any of it differs, the file was rewritten or touched.
/// Also what the file cache ([`crate::cache::file`]) re-checks before it changes an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ident {
    dev: u64,
    ino: u64,
    size: i64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Ident {
    // `struct stat` field types differ between architectures; the casts are no-ops on some.
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn of(st: &rustix::fs::Stat) -> Ident {
        Ident {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            size: st.st_size as i64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }

    fn mtime(&self) -> Mtime {
        Mtime {
            sec: self.mtime.0,
            nsec: self.mtime.1,
        }
    }
}

/// What Django's expiry decision rests on for one file.
#[derive(Clone, Debug)]
enum Basis {
    /// An empty placeholder: `load()` skips the expiry check, so it never expires.
    Empty,
    /// The rule applies, with this `_session_expiry` (`None`: absent, or the data is
    /// empty because it failed to verify or decode).
    Rule(Option<Value>),
    /// Django would raise, or sessctl cannot see what Django sees; kept, never deleted.
    Undecided(String),
}

/// One session file, read and judged.
struct Examined {
    name: String,
    ident: Ident,
    blocks: u64,
    /// The content as text (lossy for non-ASCII bytes, which make it undecided anyway);
    /// empty unless [`Want::Content`].
    text: String,
    basis: Basis,
    /// The verified data, when the data has to be rewritten (`expire`); `None` unless
    /// [`Want::Content`].
    data: Option<Map<String, Value>>,
}

/// How much of a file [`FileStore::examine`] keeps besides the basis of its verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// The verdict only (counting, deleting): the content is not copied, and of the data
    /// only `_session_expiry` is decoded ([`Codec::decode_only`]).
    Verdict,
    /// Also the content as text and the decoded data (listing, comparing, rewriting).
    Content,
}

/// The entry of the session data that Django's file-backend expiry rule reads.
const EXPIRY_KEY: &str = "_session_expiry";

/// Why a file could not be examined.
enum Skip {
    /// Vanished, replaced by a non-regular file, or a symlink: not a session now.
    Gone,
    /// Could not be read; already reported.
    Failed,
}

#[derive(Default)]
struct Notes {
    /// Non-empty files whose payload was read without verifying a signature.
    unverified: u64,
    /// Files kept because Django would raise on them or sessctl cannot judge them.
    undecided: u64,
    undecided_named: Vec<String>,
    /// Files changed or removed by someone else between judging and changing them.
    changed_meanwhile: u64,
    /// Empty placeholders or undecided files that `expire` could not expire.
    not_expirable: u64,
    failures: u64,
    failures_named: Vec<String>,
}

impl Notes {
    fn is_empty(&self) -> bool {
        self.unverified == 0
            && self.undecided == 0
            && self.changed_meanwhile == 0
            && self.not_expirable == 0
            && self.failures == 0
    }

    /// Adds `later`, gathered after these, as if it had been gathered here.
    fn absorb(&mut self, later: Notes) {
        fn named(into: &mut Vec<String>, more: Vec<String>) {
            let room = MAX_NAMED.saturating_sub(into.len());
            into.extend(more.into_iter().take(room));
        }
        self.unverified += later.unverified;
        self.undecided += later.undecided;
        named(&mut self.undecided_named, later.undecided_named);
        self.changed_meanwhile += later.changed_meanwhile;
        self.not_expirable += later.not_expirable;
        self.failures += later.failures;
        named(&mut self.failures_named, later.failures_named);
    }
}

/// A thread that walks the directory and reads and judges the session files ahead of a
/// range deletion, while the store's own thread re-checks and unlinks the files it hands
/// over ([`FileStore::delete_range`]). An unlink mostly waits for the file system;
/// reading and decoding the next files meanwhile takes them off the deleting thread.
///
/// What it hands over is bounded ([`AHEAD_CHUNKS`] chunks of [`AHEAD_CHUNK`] entries,
/// each file a name and its [`Ident`]), and nothing is changed on its judgement alone:
/// the deleting thread re-stats every file just before unlinking it, as it always did.
/// Dropping it stops the thread and waits for it; files judged but not taken yet are
/// neither deleted nor reported, as if the walk had not reached them.
struct ReadAhead {
    cond: Condition,
    /// Directory position after the last entry taken.
    pos: i64,
    taken: std::vec::IntoIter<Ahead>,
    rx: Option<Receiver<Vec<Ahead>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What the read-ahead thread hands over, in directory order.
enum Ahead {
    /// An entry to delete (`file`: name and identity as judged), or one that left
    /// notices, or both; `pos` is the directory position after it.
    File {
        pos: i64,
        file: Option<(String, Ident)>,
        notes: Notes,
    },
    /// The walk is over.
    End,
    /// Reading the directory failed.
    Failed(anyhow::Error),
}

impl ReadAhead {
    /// Starts judging the entries of `dir` from where it stands, with `examiner` (see
    /// [`FileStore::examiner`]); `pos` is the position of `dir`.
    fn start(examiner: FileStore, dir: Dir, cond: Condition, pos: i64) -> Result<ReadAhead> {
        let (tx, rx) = mpsc::sync_channel(AHEAD_CHUNKS);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sessctl-read-ahead".to_owned())
            .spawn(move || examiner.read_ahead(dir, cond, &tx, &flag))?;
        Ok(ReadAhead {
            cond,
            pos,
            taken: Vec::new().into_iter(),
            rx: Some(rx),
            stop,
            thread: Some(thread),
        })
    }

    /// The next entry handed over, waiting for the thread if need be.
    fn next(&mut self) -> Ahead {
        loop {
            if let Some(next) = self.taken.next() {
                return next;
            }
            match self.rx.as_ref().map(Receiver::recv) {
                Some(Ok(chunk)) => self.taken = chunk.into_iter(),
                // The thread ended without saying `End`: it panicked, and so does this one.
                _ => {
                    if let Some(Err(panic)) = self.thread.take().map(JoinHandle::join) {
                        std::panic::resume_unwind(panic);
                    }
                    return Ahead::Failed(anyhow::anyhow!(
                        "the thread reading the session directory ahead stopped"
                    ));
                }
            }
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // The flag stops it between two files; a closed channel, if it waits to hand over.
        self.stop.store(true, Ordering::Relaxed);
        self.rx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl FileStore {
    pub fn open(settings: FileStoreSettings, codec: Codec, access: Access) -> Result<FileStore> {
        let shown = settings.dir.display().to_string();
        // The directory path itself may be a symlink an administrator set up; it is
        // resolved once here, and everything after works from this descriptor.
        let dir = rustix::fs::open(
            &settings.dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| {
            let hint = match e {
                Errno::NOENT => "no such directory; check --session-dir / SESSION_FILE_PATH",
                Errno::NOTDIR => "not a directory; --session-dir must name SESSION_FILE_PATH",
                Errno::ACCESS | Errno::PERM => "permission denied",
                _ => "cannot open it",
            };
            coded(
                ExitCode::StoreUnavailable,
                format!("session directory {shown}: {hint} ({e})"),
            )
        })?;
        if access.writes() {
            rustix::fs::accessat(
                &dir,
                ".",
                rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK,
                AtFlags::empty(),
            )
            .map_err(|e| {
                coded(
                    ExitCode::StoreUnavailable,
                    format!("session directory {shown} is not writable for this user ({e}); deleting or expiring sessions needs write access to it"),
                )
            })?;
        }
        Ok(FileStore {
            settings,
            dir,
            codec,
            access,
            walk: None,
            buf: Vec::with_capacity(4096),
            notes: Notes::default(),
            purge_lock: None,
            noatime: true,
            ahead: None,
        })
    }

    /// A read-only store on the same directory, for the read-ahead thread: a duplicate
    /// of the descriptor opened once (the path is not resolved again), the same settings
    /// and codec, notices of its own.
    fn examiner(&self) -> Result<FileStore> {
        Ok(FileStore {
            settings: self.settings.clone(),
            dir: rustix::io::fcntl_dupfd_cloexec(&self.dir, 0)?,
            codec: self.codec.clone(),
            access: Access::Read,
            walk: None,
            buf: Vec::with_capacity(4096),
            notes: Notes::default(),
            purge_lock: None,
            noatime: self.noatime,
            ahead: None,
        })
    }

    /// The read-ahead thread: judges each entry of `dir` for `cond` and hands over, in
    /// chunks, the files that satisfy it and the notices of each entry, until the walk
    /// ends, fails, `stop` is raised or nobody takes them any more.
    fn read_ahead(
        mut self,
        mut dir: Dir,
        cond: Condition,
        tx: &SyncSender<Vec<Ahead>>,
        stop: &AtomicBool,
    ) {
        let mut chunk = Vec::new();
        let mut examined = 0;
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let last = match self.next_name(&mut dir) {
                Ok(Some((name, pos))) => {
                    let file = match self.examine(&name, true, Want::Verdict) {
                        Ok(ex) if self.satisfies(&ex, &cond) => Some((ex.name, ex.ident)),
                        _ => None,
                    };
                    let notes = std::mem::take(&mut self.notes);
                    if file.is_some() || !notes.is_empty() {
                        chunk.push(Ahead::File { pos, file, notes });
                    }
                    examined += 1;
                    if examined < AHEAD_CHUNK {
                        continue;
                    }
                    false
                }
                Ok(None) => {
                    chunk.push(Ahead::End);
                    true
                }
                Err(e) => {
                    chunk.push(Ahead::Failed(e));
                    true
                }
            };
            examined = 0;
            if !chunk.is_empty() && tx.send(std::mem::take(&mut chunk)).is_err() {
                return;
            }
            if last {
                return;
            }
        }
    }

    /// `apply_range` for deletions: a [`ReadAhead`] thread reads and judges the files
    /// while this one re-checks and unlinks those it hands over. The walk goes on from
    /// one call to the next (the cursor is the position after the last file taken); a
    /// cursor from elsewhere starts a new walk there.
    fn delete_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        if cursor.is_done() {
            return Ok(Receipt::default());
        }
        let cond = &edit.cond;
        let from = cursor.position::<DirOffset>().map(|p| p.0);
        let going_on = self
            .ahead
            .as_ref()
            .is_some_and(|a| from == Some(a.pos) && a.cond == *cond);
        if !going_on {
            // Dropping a previous read-ahead stops its thread.
            self.ahead = None;
            self.walk = None;
            let mut dir = self.new_stream()?;
            if let Some(pos) = from {
                dir.seek(pos)?;
            }
            let examiner = self.examiner()?;
            self.ahead = Some(ReadAhead::start(examiner, dir, *cond, from.unwrap_or(0))?);
        }
        let mut receipt = Receipt::default();
        loop {
            let Some(ahead) = self.ahead.as_mut() else {
                unreachable!("started above");
            };
            match ahead.next() {
                Ahead::File { pos, file, notes } => {
                    ahead.pos = pos;
                    self.notes.absorb(notes);
                    let Some((name, ident)) = file else {
                        continue;
                    };
                    receipt.matched += 1;
                    if self.remove(&name, ident) {
                        receipt.changed += 1;
                        if edit.report_keys {
                            receipt.keys.push(self.key_of_name(&name));
                        }
                    }
                    if receipt.matched >= limit as u64 {
                        break;
                    }
                }
                Ahead::End => {
                    self.ahead = None;
                    cursor.finish();
                    return Ok(receipt);
                }
                Ahead::Failed(e) => {
                    self.ahead = None;
                    return Err(e);
                }
            }
        }
        cursor.advance(DirOffset(self.ahead.as_ref().map_or(0, |a| a.pos)));
        Ok(receipt)
    }

    /// The session key of a session file name.
    fn key_of_name(&self, name: &str) -> String {
        name[self.settings.prefix.len()..].to_owned()
    }

    fn clock(&self) -> Clock {
        Clock {
            zone: self.settings.zone,
        }
    }

    /// The key of a session file name, or `None` when Django would not treat the name as
    /// a session (another prefix, a key with other characters or shorter than 8).
    fn key_of<'a>(&self, name: &'a [u8]) -> Option<&'a str> {
        let key = name.strip_prefix(self.settings.prefix.as_bytes())?;
        (key.len() >= 8
            && key
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        .then(|| std::str::from_utf8(key).ok())
        .flatten()
    }

    fn name_of(&self, key: &str) -> Option<String> {
        let name = format!("{}{key}", self.settings.prefix);
        self.key_of(name.as_bytes())?;
        Some(name)
    }

    /// A fresh directory stream (its own descriptor and position).
    fn new_stream(&self) -> Result<Dir> {
        Dir::read_from(&self.dir).map_err(|e| {
            coded(
                ExitCode::StoreUnavailable,
                format!(
                    "cannot read the session directory {}: {e}",
                    self.settings.dir.display()
                ),
            )
        })
    }

    /// Positions the walk at `cursor`; `false` when the walk is over.
    fn resume(&mut self, cursor: &Cursor) -> Result<bool> {
        if cursor.is_done() {
            return Ok(false);
        }
        match cursor.position::<DirOffset>() {
            None => {
                self.walk = Some((self.new_stream()?, 0));
            }
            Some(&DirOffset(pos)) => {
                if self.walk.as_ref().map(|w| w.1) != Some(pos) {
                    let mut dir = self.new_stream()?;
                    dir.seek(pos)?;
                    self.walk = Some((dir, pos));
                }
            }
        }
        Ok(true)
    }

    /// The next entry of `dir` whose name is a session name and whose type may be a
    /// regular file, as `(name, position after it)`.
    fn next_name(&self, dir: &mut Dir) -> Result<Option<(String, i64)>> {
        loop {
            let entry = match dir.read() {
                None => return Ok(None),
                Some(Ok(entry)) => entry,
                Some(Err(e)) => {
                    return Err(coded(
                        ExitCode::Error,
                        format!(
                            "reading the session directory {} failed: {e}",
                            self.settings.dir.display()
                        ),
                    ))
                }
            };
            let name = entry.file_name().to_bytes();
            if self.key_of(name).is_none() {
                continue;
            }
            // d_type spares a stat for everything but regular files; file systems
            // that do not fill it in (DT_UNKNOWN) are checked when the file is opened.
            if !matches!(entry.file_type(), FileType::RegularFile | FileType::Unknown) {
                continue;
            }
            let name = String::from_utf8_lossy(name).into_owned();
            return Ok(Some((name, entry.offset())));
        }
    }

    /// The next session name of the walk in progress.
    fn walk_next(&mut self) -> Result<Option<String>> {
        let Some((mut dir, _)) = self.walk.take() else {
            return Ok(None);
        };
        let next = self.next_name(&mut dir);
        match next {
            Ok(Some((name, pos))) => {
                self.walk = Some((dir, pos));
                Ok(Some(name))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn fail(&mut self, name: &str, what: &str, err: Errno) {
        self.notes.failures += 1;
        if self.notes.failures_named.len() < MAX_NAMED {
            self.notes
                .failures_named
                .push(format!("{}: {what}: {err}", for_terminal(name)));
        }
    }

    /// Opens and reads session file `name` without following a symlink, and works out
    /// what Django's decision rests on. `note` records unverified and undecided files
    /// (off when a file is examined again for a change already counted).
    fn examine(&mut self, name: &str, note: bool, want: Want) -> Result<Examined, Skip> {
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        // O_NOATIME: reading must not change the file. Under relatime the first read after
        // a write dirties the inode: one journal write per file, for nothing. It is only
        // allowed on files we own (or with CAP_FOWNER); elsewhere stop trying.
        let opened = if self.noatime {
            match rustix::fs::openat(&self.dir, name, flags | OFlags::NOATIME, Mode::empty()) {
                Err(Errno::PERM) => {
                    self.noatime = false;
                    rustix::fs::openat(&self.dir, name, flags, Mode::empty())
                }
                other => other,
            }
        } else {
            rustix::fs::openat(&self.dir, name, flags, Mode::empty())
        };
        let fd = match opened {
            Ok(fd) => fd,
            // Gone, or a symlink / something else took its place.
            Err(Errno::NOENT | Errno::LOOP | Errno::NXIO | Errno::NOTDIR) => {
                return Err(Skip::Gone)
            }
            Err(e) => {
                self.fail(name, "cannot open", e);
                return Err(Skip::Failed);
            }
        };
        let st = match rustix::fs::fstat(&fd) {
            Ok(st) => st,
            Err(e) => {
                self.fail(name, "cannot stat", e);
                return Err(Skip::Failed);
            }
        };
        if FileType::from_raw_mode(st.st_mode as _) != FileType::RegularFile {
            return Err(Skip::Gone);
        }
        let ident = Ident::of(&st);
        let blocks = st.st_blocks as u64;
        let mut buf = std::mem::take(&mut self.buf);
        let result = match read_content(&fd, st.st_size as u64, &mut buf) {
            Err(e) => {
                self.fail(name, "cannot read", e);
                Err(Skip::Failed)
            }
            Ok(()) => Ok(self.judge_content(name, ident, blocks, &buf, note, want)),
        };
        self.buf = buf;
        result
    }

    fn judge_content(
        &mut self,
        name: &str,
        ident: Ident,
        blocks: u64,
        bytes: &[u8],
        note: bool,
        want: Want,
    ) -> Examined {
        let mut data = None;
        let (text, basis) = if bytes.is_empty() {
            (String::new(), Basis::Empty)
        } else if bytes.len() as u64 > MAX_FILE {
            (
                String::new(),
                Basis::Undecided(format!("larger than {} MiB", MAX_FILE >> 20)),
            )
        } else if !bytes.is_ascii() {
            (
                match want {
                    Want::Content => String::from_utf8_lossy(bytes).into_owned(),
                    Want::Verdict => String::new(),
                },
                Basis::Undecided(
                    "a non-ASCII byte (Django's clearsessions raises UnicodeDecodeError)".into(),
                ),
            )
        } else {
            // ASCII is UTF-8 as it is: borrowed, not copied.
            let raw = String::from_utf8_lossy(bytes);
            let decode = |text: &str| match want {
                Want::Content => self.codec.decode(text),
                Want::Verdict => self.codec.decode_only(text, &[EXPIRY_KEY]),
            };
            // Django reads in text mode: universal newlines turn \r\n and \r into \n.
            let mut decoded = if raw.contains('\r') {
                decode(&raw.replace("\r\n", "\n").replace('\r', "\n"))
            } else {
                decode(&raw)
            };
            let basis = match (&mut decoded.data, decoded.signature) {
                (Some(map), signature) => {
                    if signature == Signature::Unverified && note {
                        self.notes.unverified += 1;
                    }
                    Basis::Rule(match want {
                        Want::Content => map.get(EXPIRY_KEY).cloned(),
                        Want::Verdict => map.remove(EXPIRY_KEY),
                    })
                }
                // A bad signature and undecodable data are both `{}` to Django.
                (None, Signature::Invalid) => Basis::Rule(None),
                (None, _) if decoded.format.as_str().contains("pickle") => Basis::Undecided(
                    "a pickle payload (sessctl does not unpickle; Django's verdict depends on its _session_expiry)"
                        .into(),
                ),
                (None, _) => Basis::Rule(None),
            };
            let text = match want {
                Want::Content => {
                    data = decoded.data;
                    raw.into_owned()
                }
                Want::Verdict => String::new(),
            };
            (text, basis)
        };
        let basis = match basis {
            // An expiry Django raises on is undecided at any time: find out once.
            Basis::Rule(expiry) => match rule::judge(
                expiry.as_ref(),
                ident.mtime(),
                self.settings.cookie_age,
                DateTime::UNIX_EPOCH,
                self.clock(),
            ) {
                Ok(_) => Basis::Rule(expiry),
                Err(why) => Basis::Undecided(why.to_string()),
            },
            other => other,
        };
        if note {
            if let Basis::Undecided(why) = &basis {
                self.notes.undecided += 1;
                if self.notes.undecided_named.len() < MAX_NAMED {
                    self.notes
                        .undecided_named
                        .push(format!("{}: {}", for_terminal(name), why));
                }
            }
        }
        Examined {
            name: name.to_owned(),
            ident,
            blocks,
            text,
            basis,
            data,
        }
    }

    /// Django's verdict on `ex` at `t`; `None` when it never expires or is undecided.
    fn verdict(&self, ex: &Examined, t: DateTime<Utc>) -> Option<rule::Verdict> {
        match &ex.basis {
            Basis::Rule(expiry) => rule::judge(
                expiry.as_ref(),
                ex.ident.mtime(),
                self.settings.cookie_age,
                t,
                self.clock(),
            )
            .ok(),
            Basis::Empty | Basis::Undecided(_) => None,
        }
    }

    /// Whether `clear-expired --now t` deletes it.
    fn expired_at(&self, ex: &Examined, t: DateTime<Utc>) -> bool {
        self.verdict(ex, t).is_some_and(|v| v.expired)
    }

    fn satisfies(&self, ex: &Examined, cond: &Condition) -> bool {
        cond.expired_at.is_none_or(|t| self.expired_at(ex, t))
            && cond.active_at.is_none_or(|t| !self.expired_at(ex, t))
    }

    fn stored(&self, ex: Examined, now: DateTime<Utc>) -> StoredSession {
        let verdict = self.verdict(&ex, now);
        StoredSession {
            key: self.key_of_name(&ex.name),
            payload: Payload::Signed(ex.text),
            expire_date: verdict.and_then(|v| v.expire_date),
            expired: verdict.is_some_and(|v| v.expired),
        }
    }

    /// Re-stats `name` just before changing it: `true` when it is still the file judged.
    fn unchanged(&mut self, name: &str, ident: Ident) -> bool {
        match rustix::fs::statat(&self.dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st)
                if Ident::of(&st) == ident
                    && FileType::from_raw_mode(st.st_mode as _) == FileType::RegularFile =>
            {
                true
            }
            Ok(_) | Err(Errno::NOENT) => {
                self.notes.changed_meanwhile += 1;
                false
            }
            Err(e) => {
                self.fail(name, "cannot stat", e);
                false
            }
        }
    }

    /// Unlinks session file `name` if it is still the file judged (`ident`).
    ///
    /// The file is first renamed to a private name in the same directory (one that is no
    /// session name, so Django never reads it), then checked again under that name and
    /// only then unlinked. A renewal by path (`os.utime`, a write in place) can reach
    /// the file only before the rename, and the check under the private name sees it:
    /// the file is put back. Between the check and the unlink nobody can reach it by
    /// its name. A run killed in between leaves the expired file under its private name.
    fn remove(&mut self, name: &str, ident: Ident) -> bool {
        if !self.unchanged(name, ident) {
            return false;
        }
        #[cfg(test)]
        tests::between_check_and_rename();
        let private = format!(".{name}.sessctl-{}", random_suffix(0));
        match rustix::fs::renameat_with(
            &self.dir,
            name,
            &self.dir,
            private.as_str(),
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => {}
            Err(Errno::NOENT) => {
                self.notes.changed_meanwhile += 1;
                return false;
            }
            Err(e) => {
                self.fail(name, "cannot delete", e);
                return false;
            }
        }
        // A rename changes the ctime, nothing else: inode, size and mtime must be the
        // ones judged.
        let same = match rustix::fs::statat(&self.dir, private.as_str(), AtFlags::SYMLINK_NOFOLLOW)
        {
            Ok(st) => {
                let now = Ident::of(&st);
                now.dev == ident.dev
                    && now.ino == ident.ino
                    && now.size == ident.size
                    && now.mtime == ident.mtime
            }
            Err(_) => false,
        };
        if same {
            return match rustix::fs::unlinkat(&self.dir, private.as_str(), AtFlags::empty()) {
                Ok(()) => true,
                Err(e) => {
                    self.fail(name, "cannot delete", e);
                    false
                }
            };
        }
        // Renewed just before the rename: back under its name, unless Django has written
        // a newer file there meanwhile, which stands.
        self.notes.changed_meanwhile += 1;
        match rustix::fs::renameat_with(
            &self.dir,
            private.as_str(),
            &self.dir,
            name,
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => {}
            Err(Errno::EXIST) => {
                let _ = rustix::fs::unlinkat(&self.dir, private.as_str(), AtFlags::empty());
            }
            Err(e) => self.fail(name, "cannot put back a renewed file", e),
        }
        false
    }

    /// Makes Django treat `ex` as expired at `t`: an mtime-based expiry gets its mtime set
    /// back; an expiry of its own is rewritten, re-signed, the way Django writes files.
    fn expire(&mut self, ex: &Examined, t: DateTime<Utc>) -> Result<bool> {
        let expiry = match &ex.basis {
            Basis::Rule(expiry) => expiry.clone(),
            Basis::Empty | Basis::Undecided(_) => {
                self.notes.not_expirable += 1;
                return Ok(false);
            }
        };
        if expiry.as_ref().is_none_or(|v| !rule::truthy(v)) {
            return Ok(self.set_mtime_back(ex, expiry.as_ref(), t));
        }
        self.rewrite_expired(ex, expiry.as_ref(), t)
    }

    fn set_mtime_back(&mut self, ex: &Examined, expiry: Option<&Value>, t: DateTime<Utc>) -> bool {
        // mtime + age == t gives age 0, expired; under USE_TZ=False a DST change within
        // the cookie age can shift the wall-clock sum, so correct by what is left.
        let mut target = t - Duration::seconds(self.settings.cookie_age);
        for _ in 0..3 {
            let m = Mtime {
                sec: target.timestamp(),
                nsec: target.timestamp_subsec_nanos() as i64,
            };
            match rule::judge(expiry, m, self.settings.cookie_age, t, self.clock()) {
                Ok(v) if v.expired => break,
                Ok(_) => target -= Duration::hours(1),
                Err(_) => return false,
            }
        }
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.dir, ex.name.as_str(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::LOOP) => {
                self.notes.changed_meanwhile += 1;
                return false;
            }
            Err(e) => {
                self.fail(&ex.name, "cannot open", e);
                return false;
            }
        };
        match rustix::fs::fstat(&fd) {
            Ok(st) if Ident::of(&st) == ex.ident => {}
            Ok(_) => {
                self.notes.changed_meanwhile += 1;
                return false;
            }
            Err(e) => {
                self.fail(&ex.name, "cannot stat", e);
                return false;
            }
        }
        let times = Timestamps {
            last_access: Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_OMIT,
            },
            last_modification: Timespec {
                tv_sec: target.timestamp(),
                tv_nsec: target.timestamp_subsec_nanos() as _,
            },
        };
        match rustix::fs::futimens(&fd, &times) {
            Ok(()) => true,
            Err(e) => {
                self.fail(&ex.name, "cannot set the mtime", e);
                false
            }
        }
    }

    fn rewrite_expired(
        &mut self,
        ex: &Examined,
        expiry: Option<&Value>,
        t: DateTime<Utc>,
    ) -> Result<bool> {
        if !self.codec.has_keys() {
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "session file {} sets its own expiry (_session_expiry), so expiring it means rewriting it signed with SECRET_KEY; give the key with DJANGO_SECRET_KEY or --secret-key-file",
                    for_terminal(&ex.name)
                ),
            ));
        }
        let Some(mut data) = ex.data.clone() else {
            self.notes.not_expirable += 1;
            return Ok(false);
        };
        // An ISO date becomes `t` in the same form Django writes (`isoformat()`); a number
        // becomes -1, which every Django version reads as "already expired" (0 would be
        // falsy and fall back to the mtime).
        let value = match expiry {
            Some(Value::String(_)) => Value::String(self.isoformat(t)),
            _ => Value::from(-1),
        };
        data.insert("_session_expiry".to_owned(), value);
        let encoded = match self.codec.encode(&data, t.timestamp()) {
            Ok(encoded) => encoded,
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot re-encode session file {}: {e}",
                    for_terminal(&ex.name)
                ))
            }
        };
        self.replace(ex, encoded.as_bytes())
    }

    /// `t` as Django's `isoformat()` writes `_session_expiry`.
    fn isoformat(&self, t: DateTime<Utc>) -> String {
        let t = DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t);
        let (naive, suffix) = if self.clock().use_tz() {
            (t.naive_utc(), "+00:00")
        } else {
            (self.settings.zone.naive(t), "")
        };
        let base = if t.timestamp_subsec_micros() == 0 {
            naive.format("%Y-%m-%dT%H:%M:%S").to_string()
        } else {
            naive.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
        };
        format!("{base}{suffix}")
    }

    /// Writes `bytes` to a temporary `<name>_out_XXXXXXXX` (0600, as `mkstemp` makes it)
    /// in the same directory and renames it over `name`, as Django's `save()` does; the
    /// temporary name is never a session name, so Django and sessctl ignore it.
    fn replace(&mut self, ex: &Examined, bytes: &[u8]) -> Result<bool> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut attempt = 0;
        let (tmp, fd) = loop {
            let tmp = format!("{}_out_{}", ex.name, random_suffix(attempt));
            match rustix::fs::openat(&self.dir, tmp.as_str(), flags, Mode::from_raw_mode(0o600)) {
                Ok(fd) => break (tmp, fd),
                Err(Errno::EXIST) if attempt < 16 => attempt += 1,
                Err(e) => {
                    self.fail(&ex.name, "cannot create a temporary file", e);
                    return Ok(false);
                }
            }
        };
        let mut file = File::from(fd);
        if let Err(e) = file.write_all(bytes) {
            drop(file);
            let _ = rustix::fs::unlinkat(&self.dir, tmp.as_str(), AtFlags::empty());
            let errno = e
                .raw_os_error()
                .map(Errno::from_raw_os_error)
                .unwrap_or(Errno::IO);
            self.fail(&ex.name, "cannot write", errno);
            return Ok(false);
        }
        drop(file);
        if !self.unchanged(&ex.name, ex.ident) {
            let _ = rustix::fs::unlinkat(&self.dir, tmp.as_str(), AtFlags::empty());
            return Ok(false);
        }
        match rustix::fs::renameat(&self.dir, tmp.as_str(), &self.dir, ex.name.as_str()) {
            Ok(()) => Ok(true),
            Err(e) => {
                let _ = rustix::fs::unlinkat(&self.dir, tmp.as_str(), AtFlags::empty());
                self.fail(&ex.name, "cannot replace", e);
                Ok(false)
            }
        }
    }

    fn act(&mut self, ex: &Examined, action: Action) -> Result<bool> {
        debug_assert!(self.access.writes());
        match action {
            Action::Delete => Ok(self.remove(&ex.name, ex.ident)),
            Action::ExpireAt(t) => self.expire(ex, t),
        }
    }
}

/// Reads `fd`, a regular file that fstat found `size` bytes long, into `buf`: to its end,
/// or to `MAX_FILE + 1` bytes for a larger file (which is then judged too large).
///
/// A read that comes back short at exactly `size` bytes is taken as the end, so a file
/// costs one read(2), not two (the second only to see 0). A file that changes meanwhile
/// is read on to its end; it then has a new size, mtime or ctime, so it is not deleted or
/// rewritten on what was read here ([`FileStore::unchanged`] compares them first).
fn read_content(fd: &OwnedFd, size: u64, buf: &mut Vec<u8>) -> Result<(), Errno> {
    const CAP: usize = MAX_FILE as usize + 1;
    let size = usize::try_from(size).map_or(CAP, |s| s.min(CAP));
    buf.clear();
    buf.reserve_exact(size + 1);
    while buf.len() < CAP {
        if buf.len() == buf.capacity() {
            buf.reserve_exact(buf.len().max(4096).min(CAP - buf.len()));
        }
        let asked = buf.capacity() - buf.len();
        match rustix::io::read(fd, rustix::buffer::spare_capacity(buf)) {
            Ok(0) => break,
            Ok(n) if n < asked && buf.len() == size => break,
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Eight characters of `[a-z0-9_]`, like `mkstemp`'s, from the standard library's
/// randomly keyed hasher (no random-number crate needed for a name).
fn random_suffix(attempt: u32) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let mut n = hasher.finish();
    (0..8)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

impl SessionStore for FileStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            enumerate: true,
            // A file's expiry is in its content: counting reads every file.
            cheap_count: false,
            clear_expired: ClearExpired::Delete,
        }
    }

    fn describe(&self) -> String {
        format!(
            "session directory {} (files {}…)",
            self.settings.dir.display(),
            for_terminal(&self.settings.prefix)
        )
    }

    fn count(&mut self, cond: &Condition) -> Result<u64> {
        let mut dir = self.new_stream()?;
        let mut n = 0;
        while let Some((name, _)) = self.next_name(&mut dir)? {
            if *cond == Condition::ALL {
                // Names and types suffice, except where d_type is unknown.
                match rustix::fs::statat(&self.dir, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) if FileType::from_raw_mode(st.st_mode as _) == FileType::RegularFile => {
                        n += 1
                    }
                    _ => {}
                }
                continue;
            }
            if let Ok(ex) = self.examine(&name, true, Want::Verdict) {
                if self.satisfies(&ex, cond) {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn get(&mut self, key: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
        let Some(name) = self.name_of(key) else {
            return Ok(None);
        };
        match self.examine(&name, true, Want::Content) {
            Ok(ex) => Ok(Some(self.stored(ex, now))),
            Err(_) => Ok(None),
        }
    }

    fn scan_page(
        &mut self,
        cursor: &mut Cursor,
        cond: &Condition,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSession>> {
        if !self.resume(cursor)? {
            return Ok(Vec::new());
        }
        let mut page = Vec::new();
        loop {
            let Some(name) = self.walk_next()? else {
                cursor.finish();
                self.walk = None;
                return Ok(page);
            };
            let Ok(ex) = self.examine(&name, true, Want::Content) else {
                continue;
            };
            if self.satisfies(&ex, cond) {
                page.push(self.stored(ex, now));
                if page.len() >= limit {
                    break;
                }
            }
        }
        cursor.advance(DirOffset(self.walk.as_ref().map_or(0, |w| w.1)));
        Ok(page)
    }

    fn apply_range(&mut self, cursor: &mut Cursor, edit: &Edit, limit: usize) -> Result<Receipt> {
        if edit.action == Action::Delete {
            return self.delete_range(cursor, edit, limit);
        }
        let mut receipt = Receipt::default();
        if !self.resume(cursor)? {
            return Ok(receipt);
        }
        loop {
            let Some(name) = self.walk_next()? else {
                cursor.finish();
                self.walk = None;
                return Ok(receipt);
            };
            // Deletions went to `delete_range`: what is left rewrites the data.
            let Ok(ex) = self.examine(&name, true, Want::Content) else {
                continue;
            };
            if !self.satisfies(&ex, &edit.cond) {
                continue;
            }
            receipt.matched += 1;
            if self.act(&ex, edit.action)? {
                receipt.changed += 1;
                if edit.report_keys {
                    receipt.keys.push(self.key_of_name(&ex.name));
                }
            }
            if receipt.matched >= limit as u64 {
                break;
            }
        }
        cursor.advance(DirOffset(self.walk.as_ref().map_or(0, |w| w.1)));
        Ok(receipt)
    }

    fn apply_exact(&mut self, targets: &[Target], edit: &Edit) -> Result<Receipt> {
        let mut receipt = Receipt::default();
        for target in targets {
            let Some(name) = self.name_of(&target.key) else {
                continue;
            };
            let Ok(ex) = self.examine(&name, false, Want::Content) else {
                continue;
            };
            let same = match &target.payload {
                None => true,
                Some(Payload::Signed(data)) => *data == ex.text,
                Some(Payload::Cached(_)) => false,
            };
            if !same {
                self.notes.changed_meanwhile += 1;
                continue;
            }
            if !self.satisfies(&ex, &edit.cond) {
                continue;
            }
            receipt.matched += 1;
            if self.act(&ex, edit.action)? {
                receipt.changed += 1;
                if edit.report_keys {
                    receipt.keys.push(target.key.clone());
                }
            }
        }
        Ok(receipt)
    }

    fn stats(&mut self, now: DateTime<Utc>) -> Result<StoreStats> {
        let mut stats = StoreStats {
            total: 0,
            expired: 0,
            oldest_expire_date: None,
            newest_expire_date: None,
            data_bytes: 0,
            table_bytes: Some(0),
            table_bytes_estimate: false,
        };
        let mut dir = self.new_stream()?;
        while let Some((name, _)) = self.next_name(&mut dir)? {
            let Ok(ex) = self.examine(&name, true, Want::Verdict) else {
                continue;
            };
            stats.total += 1;
            stats.data_bytes += ex.ident.size as u64;
            stats.table_bytes = stats.table_bytes.map(|b| b + ex.blocks * 512);
            if let Some(v) = self.verdict(&ex, now) {
                if v.expired {
                    stats.expired += 1;
                }
                if let Some(at) = v.expire_date {
                    stats.oldest_expire_date =
                        Some(stats.oldest_expire_date.map_or(at, |o| o.min(at)));
                    stats.newest_expire_date =
                        Some(stats.newest_expire_date.map_or(at, |o| o.max(at)));
                }
            }
        }
        Ok(stats)
    }

    fn lock_purge(&mut self, wait: Option<std::time::Duration>) -> Result<()> {
        // flock on a descriptor of the directory itself: no lock file to create in the
        // sessions directory, and Django (which takes no locks) is not affected.
        let fd = rustix::fs::openat(
            &self.dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let taken = super::poll_lock(wait, || {
            match rustix::fs::flock(fd.as_fd(), FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => Ok(true),
                Err(Errno::WOULDBLOCK) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })?;
        if !taken {
            return Err(coded(
                ExitCode::Busy,
                format!(
                    "another sessctl purge of {} is running; {}",
                    self.describe(),
                    super::busy_advice(wait)
                ),
            ));
        }
        self.purge_lock = Some(fd);
        Ok(())
    }

    fn vacuum(&mut self) -> Result<Vacuum> {
        // Deleted files give their space back at once; nothing to compact.
        Ok(Vacuum {
            effect: "nothing to do: a deleted session file gives its space back to the file system at once".to_owned(),
            ..Vacuum::default()
        })
    }

    fn take_notices(&mut self) -> Notices {
        let notes = std::mem::take(&mut self.notes);
        let mut messages = Vec::new();
        if notes.unverified > 0 {
            messages.push(format!(
                "read {} session file payloads without verifying their signatures (no secret key given): Django decides the expiry of a file it cannot verify from mtime + SESSION_COOKIE_AGE alone; give DJANGO_SECRET_KEY or --secret-key-file to judge exactly as Django does",
                notes.unverified
            ));
        }
        if notes.undecided > 0 {
            let mut line = format!(
                "{} session files where Django's clearsessions would raise instead of deciding (or sessctl cannot see their expiry) count as active and were kept",
                notes.undecided
            );
            append_named(&mut line, &notes.undecided_named, notes.undecided);
            messages.push(line);
        }
        if notes.not_expirable > 0 {
            messages.push(format!(
                "{} session files could not be expired: empty placeholders never expire in Django, and files without a decidable expiry are left as they are (flush deletes them)",
                notes.not_expirable
            ));
        }
        if notes.changed_meanwhile > 0 {
            messages.push(format!(
                "{} session files changed or disappeared while sessctl was working on them (Django renewed or removed them) and were left alone",
                notes.changed_meanwhile
            ));
        }
        if notes.failures > 0 {
            let mut line = format!("{} session files failed", notes.failures);
            append_named(&mut line, &notes.failures_named, notes.failures);
            messages.push(line);
        }
        Notices {
            messages,
            failures: notes.failures,
        }
    }
}

fn append_named(line: &mut String, named: &[String], total: u64) {
    line.push_str(": ");
    line.push_str(&named.join("; "));
    if total > named.len() as u64 {
        line.push_str(&format!("; and {} more", total - named.len() as u64));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const OLD: i64 = 1_577_836_800; // 2020-01-01

    fn store(dir: &std::path::Path) -> FileStore {
        FileStore::open(
            FileStoreSettings {
                dir: dir.to_owned(),
                prefix: "sessionid".into(),
                cookie_age: 1_209_600,
                zone: StoreZone::UTC,
            },
            Codec::new(crate::codec::DEFAULT_SALT, Vec::new()),
            Access::Delete,
        )
        .unwrap()
    }

    fn old_file(path: &std::path::Path, content: &str) {
        std::fs::write(path, content).unwrap();
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(OLD as u64);
        File::open(path).unwrap().set_modified(when).unwrap();
    }

    #[test]
    fn a_file_renewed_after_judging_is_not_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let name = "sessionidrenewedsession01";
        let path = tmp.path().join(name);
        old_file(&path, "stale");
        let mut store = store(tmp.path());
        let ex = store.examine(name, true, Want::Verdict).ok().unwrap();
        assert!(store.expired_at(&ex, Utc::now()));
        // Django saves through a temporary file renamed over the session.
        let renewed = tmp.path().join("sessionidrenewedsession01_out_abc");
        std::fs::write(&renewed, "fresh").unwrap();
        std::fs::rename(&renewed, &path).unwrap();
        assert!(!store.remove(&ex.name, ex.ident));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fresh");
        assert_eq!(store.notes.changed_meanwhile, 1);
    }

    #[test]
    fn a_file_touched_in_place_after_judging_is_not_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let name = "sessionidtouchedsession01";
        let path = tmp.path().join(name);
        old_file(&path, "stale");
        let mut store = store(tmp.path());
        let ex = store.examine(name, true, Want::Content).ok().unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(std::time::SystemTime::now())
            .unwrap();
        assert!(!store.remove(&ex.name, ex.ident));
        assert!(path.exists());
        // Judged again, it is active now and goes nowhere.
        let ex = store.examine(name, true, Want::Content).ok().unwrap();
        assert!(!store.expired_at(&ex, Utc::now()));
    }

    thread_local! {
        /// Runs inside `remove`, after its last check by name: what another process
        /// could do in that window.
        static IN_THE_WINDOW: std::cell::RefCell<Option<Box<dyn FnMut()>>> =
            const { std::cell::RefCell::new(None) };
    }

    pub(super) fn between_check_and_rename() {
        IN_THE_WINDOW.with(|hook| {
            if let Some(f) = hook.borrow_mut().as_mut() {
                f();
            }
        });
    }

    #[test]
    fn a_file_renewed_in_place_right_after_the_last_check_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let name = "sessionidrenewedinthewindow01";
        let path = tmp.path().join(name);
        old_file(&path, "stale");
        let mut store = store(tmp.path());
        let ex = store.examine(name, true, Want::Content).ok().unwrap();
        let renewed = path.clone();
        IN_THE_WINDOW.with(|hook| {
            *hook.borrow_mut() = Some(Box::new(move || {
                // os.utime(path): by name, as a renewal in place does.
                let now = Timespec {
                    tv_sec: 0,
                    tv_nsec: rustix::fs::UTIME_NOW,
                };
                let times = Timestamps {
                    last_access: now,
                    last_modification: now,
                };
                rustix::fs::utimensat(rustix::fs::CWD, &renewed, &times, AtFlags::empty()).unwrap();
            }))
        });
        let removed = store.remove(&ex.name, ex.ident);
        IN_THE_WINDOW.with(|hook| *hook.borrow_mut() = None);
        assert!(!removed, "a session renewed in the window was deleted");
        assert!(path.exists());
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "a private name was left behind");
        let ex = store.examine(name, true, Want::Content).ok().unwrap();
        assert!(!store.expired_at(&ex, Utc::now()));
    }

    #[test]
    fn an_unchanged_expired_file_is_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let name = "sessionidstalesession0001";
        old_file(&tmp.path().join(name), "stale");
        let mut store = store(tmp.path());
        let ex = store.examine(name, true, Want::Verdict).ok().unwrap();
        assert!(store.remove(&ex.name, ex.ident));
        assert!(!tmp.path().join(name).exists());
    }

    /// `n` session files, every third one fresh (active), the rest expired by mtime.
    fn mixed_dir(n: usize) -> (tempfile::TempDir, BTreeSet<String>) {
        let tmp = tempfile::tempdir().unwrap();
        let mut active = BTreeSet::new();
        for i in 0..n {
            let name = format!("sessionid{i:08}x");
            let path = tmp.path().join(&name);
            if i % 3 == 0 {
                std::fs::write(&path, "fresh").unwrap();
                active.insert(name);
            } else {
                old_file(&path, "stale");
            }
        }
        (tmp, active)
    }

    fn left(dir: &std::path::Path) -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect()
    }

    fn delete_batch(store: &mut FileStore, cursor: &mut Cursor, limit: usize) -> Receipt {
        let edit = Edit {
            action: Action::Delete,
            cond: Condition::expired_at(Utc::now()),
            report_keys: true,
        };
        let receipt = store.apply_range(cursor, &edit, limit).unwrap();
        assert_eq!(receipt.keys.len() as u64, receipt.changed);
        receipt
    }

    #[test]
    fn range_deletion_in_small_batches_deletes_exactly_the_expired_files() {
        let (tmp, active) = mixed_dir(1000);
        let mut store = store(tmp.path());
        let (mut cursor, mut batches, mut changed, mut matched) = (Cursor::start(), 0, 0, 0);
        let mut keys = BTreeSet::new();
        while !cursor.is_done() {
            let receipt = delete_batch(&mut store, &mut cursor, 7);
            assert!(receipt.matched <= 7);
            changed += receipt.changed;
            matched += receipt.matched;
            keys.extend(receipt.keys);
            batches += 1;
        }
        assert_eq!(left(tmp.path()), active);
        assert_eq!(changed, 1000 - active.len() as u64);
        assert_eq!(matched, changed);
        assert_eq!(
            keys.len() as u64,
            changed,
            "every deleted key reported once"
        );
        assert!(keys
            .iter()
            .all(|k| !active.contains(&format!("sessionid{k}"))));
        assert!(batches >= changed / 7);
        assert!(store.ahead.is_none(), "the read-ahead ends with the walk");
        assert!(store.take_notices().messages.is_empty());
    }

    #[test]
    fn files_renewed_while_judged_ahead_are_not_deleted() {
        let (tmp, _) = mixed_dir(900);
        let mut store = store(tmp.path());
        let mut cursor = Cursor::start();
        let first = delete_batch(&mut store, &mut cursor, 1);
        assert_eq!((first.matched, first.changed), (1, 1));
        // The read-ahead has judged files beyond the first by now (or is about to):
        // Django renews every session that is left, through a renamed temporary file.
        let before = left(tmp.path());
        for name in &before {
            let tmp_name = tmp.path().join(format!("{name}_out_renew"));
            std::fs::write(&tmp_name, "renewed").unwrap();
            std::fs::rename(&tmp_name, tmp.path().join(name)).unwrap();
        }
        let (mut changed, mut matched) = (0, 0);
        while !cursor.is_done() {
            let receipt = delete_batch(&mut store, &mut cursor, 50);
            changed += receipt.changed;
            matched += receipt.matched;
        }
        assert_eq!(changed, 0);
        assert_eq!(left(tmp.path()), before);
        // Files judged expired before they were renewed were found changed.
        assert_eq!(store.notes.changed_meanwhile, matched);
    }

    #[test]
    fn a_stopped_range_deletion_leaves_the_rest_and_a_cursor_resumes_it() {
        let (tmp, active) = mixed_dir(1000);
        let mut cursor = Cursor::start();
        {
            let mut store = store(tmp.path());
            assert_eq!(delete_batch(&mut store, &mut cursor, 10).changed, 10);
            // Dropped mid-walk, as after a signal: the read-ahead thread stops with it.
        }
        assert_eq!(left(tmp.path()).len(), 990);
        let mut store = store(tmp.path());
        while !cursor.is_done() {
            delete_batch(&mut store, &mut cursor, 100);
        }
        assert_eq!(left(tmp.path()), active);
    }

    #[test]
    fn notices_gathered_ahead_keep_their_order_and_limits() {
        let mut notes = Notes::default();
        for i in 0..30 {
            let mut one = Notes {
                failures: 1,
                failures_named: vec![format!("f{i}")],
                ..Notes::default()
            };
            if i % 2 == 0 {
                one.undecided = 1;
                one.undecided_named.push(format!("u{i}"));
            }
            assert!(!one.is_empty());
            notes.absorb(one);
        }
        notes.absorb(Notes::default());
        assert_eq!(notes.failures, 30);
        assert_eq!(notes.undecided, 15);
        assert_eq!(notes.failures_named.len(), MAX_NAMED);
        assert_eq!(notes.failures_named[..3], ["f0", "f1", "f2"]);
        assert_eq!(notes.undecided_named.len(), 15);
        assert_eq!(notes.undecided_named[1], "u2");
    }

    #[test]
    fn a_file_is_read_whole_whatever_size_fstat_gave() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        let open =
            || rustix::fs::open(&path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap();
        let mut buf = Vec::new();
        for len in [0usize, 1, 200, 4095, 4096, 4097, 100_000] {
            let content: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            // The size fstat gave, and sizes of a file that grew or shrank since.
            for size in [len, 0, len / 2, len + 1, len * 3 + 10] {
                read_content(&open(), size as u64, &mut buf).unwrap();
                assert_eq!(buf, content, "{len} bytes read as {size}");
            }
        }
    }

    #[test]
    fn session_names() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store(tmp.path());
        assert_eq!(store.key_of(b"sessionidabcdefgh"), Some("abcdefgh"));
        for odd in [
            &b"sessionidabcdefg"[..],
            b"sessionidABCDEFGH",
            b"sessionidabcdefgh_out_x1y2",
            b"sessionidabc/defgh",
            b"csrftokenabcdefgh",
            b"sessionid\xc3\xa9bcdefgh",
        ] {
            assert_eq!(store.key_of(odd), None, "{}", String::from_utf8_lossy(odd));
        }
        assert_eq!(store.name_of("../../etc/passwd"), None);
    }
}
