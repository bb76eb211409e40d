//! What decoding cached session values costs sessctl on its own (run by bench/cache.py;
//! a harness that prints figures, not a test).
//!
//! The values (Django's `RedisCache` pickles, as stored) are read into memory first (not
//! timed), then decoded on one thread as `list --user` and `stats` decode each session:
//! `decode_payload_only(_auth_user_id)`, which reads the whole pickle and keeps the user
//! id. The figure is CPU time per value, so that other work on the machine does not
//! count; `rounds` passes over the values.
//!
//! Usage: cache-decode VALUES.bin ROUNDS, where VALUES.bin holds each value as a
//! little-endian u32 length and its bytes (prints one JSON object).

use anyhow::{bail, Context, Result};
use sessctl::codec::{CachedValue, Codec, DEFAULT_SALT, USER_ID_KEY};
use sessctl::session::Payload;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, rounds] = args.as_slice() else {
        bail!("usage: cache-decode VALUES.bin ROUNDS");
    };
    let rounds: usize = rounds.parse().context("ROUNDS")?;
    let bytes = std::fs::read(path).with_context(|| path.clone())?;
    let mut values = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let Some(head) = bytes.get(at..at + 4) else {
            bail!("{path}: truncated length at byte {at}");
        };
        let n = u32::from_le_bytes(head.try_into().expect("4 bytes")) as usize;
        let Some(value) = bytes.get(at + 4..at + 4 + n) else {
            bail!("{path}: truncated value at byte {at}");
        };
        values.push(Payload::Cached(CachedValue::plain(value.to_vec())));
        at += 4 + n;
    }
    let codec = Codec::new(DEFAULT_SALT, Vec::new());
    let mut with_user = 0u64;
    let mut undecodable = 0u64;
    let started = cpu_seconds();
    for _ in 0..rounds {
        for value in &values {
            let decoded = codec.decode_payload_only(value, &[USER_ID_KEY]);
            undecodable += u64::from(decoded.data.is_none());
            with_user += u64::from(decoded.user_id().is_some());
        }
    }
    let seconds = cpu_seconds() - started;
    let n = (values.len() * rounds) as f64;
    println!(
        "{{\"values\": {}, \"rounds\": {rounds}, \"cpu_seconds\": {seconds:.4}, \"us_per_value\": {:.3}, \
         \"with_user\": {with_user}, \"undecodable\": {undecodable}}}",
        values.len(),
        seconds / n * 1e6
    );
    Ok(())
}

/// CPU time of this process.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}
