//! What a decoding scan cannot go below, on this machine, for one SQLite session table
//! (run by bench/sqlite.py; a harness that prints figures, not a test).
//!
//! All rows are loaded into memory first (not timed), then, on every core:
//!
//! * `inflate`: zlib inflation of every compressed payload and nothing else (no SQLite,
//!   no base64, no HMAC, no JSON). Django reads these payloads with zlib, so any exact
//!   decoder inflates each of them at least once: this is the floor.
//! * `decode`: sessctl's own `--user` filter (signature verified, inflate, prefilter,
//!   parse) over the same rows in memory: the decoding without the store.
//!
//! `sessctl list --user` end to end adds reading the table to `decode`.
//!
//! Usage: DJANGO_SECRET_KEY=… decode-floor DB.sqlite3 USER_ID  (prints one JSON object)

use std::cell::RefCell;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use flate2::{Decompress, FlushDecompress, Status};
use sessctl::codec::{Codec, DEFAULT_SALT};
use sessctl::session::{DecodeFilter, Payload, StoredSession};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, user] = args.as_slice() else {
        bail!("usage: DJANGO_SECRET_KEY=... decode-floor DB.sqlite3 USER_ID");
    };
    let secret = std::env::var("DJANGO_SECRET_KEY").context("DJANGO_SECRET_KEY is not set")?;
    let sessions = load(db)?;
    let compressed: Vec<Vec<u8>> = sessions
        .iter()
        .filter_map(|s| s.payload.as_signed().and_then(compressed_payload))
        .collect();

    let started = Instant::now();
    let inflated = sessctl::parallel::map(&compressed, |z| inflate_len(z));
    let inflate_s = started.elapsed().as_secs_f64();
    if let Some(bad) = inflated.iter().position(Option::is_none) {
        bail!("payload {bad} does not inflate: not a table of Django sessions?");
    }

    let codec = Codec::new(DEFAULT_SALT, vec![secret]);
    let filter = DecodeFilter::user(user);
    let selector = filter.selector(&codec);
    let started = Instant::now();
    let selected = sessctl::parallel::map(&sessions, |s| selector.select(s));
    let decode_s = started.elapsed().as_secs_f64();

    println!(
        "{}",
        serde_json::json!({
            "rows": sessions.len(),
            "compressed": compressed.len(),
            "threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "inflate_s": inflate_s,
            "inflated_bytes": inflated.iter().flatten().sum::<usize>(),
            "decode_s": decode_s,
            "matched": selected.iter().filter(|&&m| m).count(),
        })
    );
    Ok(())
}

fn load(db: &str) -> Result<Vec<StoredSession>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("cannot open {db}"))?;
    let mut stmt = conn.prepare("SELECT session_key, session_data FROM django_session")?;
    let rows = stmt.query_map([], |row| {
        Ok(StoredSession {
            key: row.get(0)?,
            payload: Payload::Signed(row.get(1)?),
            expire_date: None,
            expired: false,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The zlib bytes of a compressed current-format value (`.payload:timestamp:signature`).
fn compressed_payload(value: &str) -> Option<Vec<u8>> {
    let body = value.strip_prefix('.')?.split(':').next()?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .ok()
}

/// Inflates one complete zlib stream the way sessctl's fast path does (one call, a
/// reused inflater); the inflated length, or None when the stream is broken.
fn inflate_len(z: &[u8]) -> Option<usize> {
    thread_local! {
        static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(true));
    }
    let mut out = Vec::with_capacity(z.len().saturating_mul(16).max(4096));
    INFLATER.with(|cell| {
        let mut inflater = cell.borrow_mut();
        inflater.reset(true);
        match inflater.decompress_vec(z, &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) => Some(out.len()),
            _ => None,
        }
    })
}
