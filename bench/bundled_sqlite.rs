//! Runs SQL on a database file with the SQLite sessctl bundles, for bench/estimate.py:
//! its `ANALYZE` keeps `sqlite_stat4` samples (STAT4 is enabled in the bundled build),
//! which many system builds' `ANALYZE` (Debian's, Python's) does not.
//!
//!     cargo run --release --example bundled-sqlite -- DB.sqlite3 "ANALYZE"

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, sql] = args.as_slice() else {
        eprintln!("usage: bundled-sqlite DATABASE SQL");
        std::process::exit(2);
    };
    let conn = rusqlite::Connection::open(path).unwrap_or_else(|e| {
        eprintln!("bundled-sqlite: {path}: {e}");
        std::process::exit(1)
    });
    if let Err(e) = conn.execute_batch(sql) {
        eprintln!("bundled-sqlite: {e}");
        std::process::exit(1);
    }
}
