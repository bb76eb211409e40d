//! The command line, as clap derive types and nothing else.
//!
//! Parsing touches only argv: environment variables, files and the clock are read later,
//! in [`crate::context`], so `--help` and completions work even in a broken environment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Admin tool for Django session stores: list, inspect, decode, expire, flush and purge
/// sessions without Python or the Django project.
///
/// sessctl reads and cleans a django_session table in SQLite, PostgreSQL or
/// MySQL/MariaDB, or a Django file-session directory. clear-expired deletes exactly what
/// manage.py clearsessions deletes, in batches of short transactions the site's writes
/// interleave with; list, inspect and decode show what is inside a session and whether its
/// signature verifies with SECRET_KEY; purge, expire and flush remove or end sessions by
/// expiry, user or validity; stats fails a CI job when the table grows out of hand.
///
/// The shared options work before or after the command name.
#[derive(Debug, Parser)]
#[command(
    name = "sessctl",
    version,
    long_version = crate::help::long_version(),
    after_help = "'sessctl --help' also lists the environment variables and exit codes;\n'sessctl COMMAND --help' shows a command's options and examples.",
    after_long_help = crate::help::root_long_help(),
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Command,
}

/// Help headings. A subcommand's own options come first, under clap's default
/// "Options"; the shared ones follow, grouped under these headings, in this order.
/// A new shared option takes one of them (`help_heading = heading::…`).
pub mod heading {
    pub const BATCH: &str = "Batch control";
    pub const STORE: &str = "Store";
    pub const CACHE: &str = "Cache";
    pub const DJANGO: &str = "Django settings";
    pub const USERS: &str = "Users";
    pub const SIGNING: &str = "Signing";
    pub const OUTPUT: &str = "Output";
}

/// Options every subcommand understands, before or after the subcommand name.
///
/// Each doc comment's first paragraph is the `-h` line; the rest is added for `--help`
/// and the man pages.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// The store URL, e.g. postgres://USER@HOST/DB or sqlite:////abs/path.sqlite3
    /// [env: DATABASE_URL]
    ///
    /// Read as Django's dj-database-url reads it: sqlite:////abs/path.sqlite3,
    /// sqlite:///relative/path.sqlite3, postgres://USER:PASSWORD@HOST:5432/DB,
    /// mysql://USER:PASSWORD@HOST:3306/DB; TLS: ?sslmode=verify-full&sslrootcert=CA.pem
    /// (MySQL: ?ssl-mode=VERIFY_IDENTITY&ssl-ca=CA.pem).
    ///
    /// GeoDjango's postgis:// and mysqlgis:// are PostgreSQL and MySQL. What the URL leaves
    /// out comes from where psql and the mysql client take it. PostgreSQL, first wins: the
    /// URL (postgres:///DB is the local socket as the operating-system user); the service
    /// of ?service=NAME or PGSERVICE in PGSERVICEFILE (~/.pg_service.conf) or
    /// PGSYSCONFDIR/pg_service.conf; PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
    /// PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT, PGAPPNAME, PGOPTIONS; the defaults (local
    /// socket, port 5432, the OS user, a database named after the user); then, only without
    /// a password, the password file (?passfile=, PGPASSFILE, ~/.pgpass; ignored with a
    /// warning when group or others may read it). MySQL: the URL, then user, password,
    /// host, port and socket of the [client] section of ~/.my.cnf.
    #[arg(
        short = 'd',
        long,
        global = true,
        value_name = "URL",
        conflicts_with = "database_url_file",
        help_heading = heading::STORE
    )]
    pub database_url: Option<String>,

    /// Read the store URL from this file [env: DATABASE_URL_FILE]
    ///
    /// The file holds the URL on one line (one trailing newline is dropped), so that its
    /// password is never on a command line, where ps shows it. A regular file of at most
    /// 64 KiB; anything else is refused (exit 2), and a file others may read draws a warning
    /// when the URL has a password. Order: --database-url, --database-url-file,
    /// DATABASE_URL, DATABASE_URL_FILE (both variables set is refused as ambiguous).
    #[arg(long, global = true, value_name = "PATH", help_heading = heading::STORE)]
    pub database_url_file: Option<PathBuf>,

    /// A file-session directory instead of a database [env: SESSION_FILE_PATH]
    ///
    /// Django's SESSION_FILE_PATH, for SESSION_ENGINE django.contrib.sessions.backends.file.
    #[arg(long, global = true, value_name = "DIR", help_heading = heading::STORE)]
    pub session_dir: Option<PathBuf>,

    /// Session table (custom session models use other tables)
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "django_session",
        help_heading = heading::STORE
    )]
    pub table: String,

    /// Evaluate expiry at this time instead of the clock, e.g. 2025-06-01 or -30d
    ///
    /// An RFC 3339 instant (2025-06-01T12:00:00Z), a date (midnight UTC), or a duration
    /// before or after the clock (-30d, +2h, -1h30m).
    #[arg(
        long,
        global = true,
        value_name = "TIME",
        allow_hyphen_values = true,
        help_heading = heading::STORE
    )]
    pub now: Option<String>,

    /// Session engine: db, cached_db, cache or file [env: SESSION_ENGINE]
    ///
    /// Django's SESSION_ENGINE; its dotted names are accepted too
    /// (django.contrib.sessions.backends.cached_db). Without it the engine follows from what
    /// is given: a session directory is file; a database URL and a cache URL, cached_db; a
    /// cache URL alone, cache; a database URL alone, db. cached_db without a cache URL only
    /// reads: a change to the table alone leaves the sessions alive in the cache.
    #[arg(long, global = true, value_name = "ENGINE", help_heading = heading::CACHE)]
    pub engine: Option<String>,

    /// The cache, e.g. redis://127.0.0.1:6379/0 [env: CACHE_URL]; repeat it for a sharded cache
    ///
    /// Read as django-cache-url reads CACHE_URL: redis://[[USER]:PASSWORD@]HOST:PORT/DB,
    /// rediss://… (TLS; ?ssl_ca_certs=CA.pem), unix:///path/redis.sock?db=N,
    /// memcached://HOST:PORT[,HOST:PORT…] or pymemcache://…, db://TABLE (DatabaseCache in the
    /// --database-url database), file:///PATH (FileBasedCache). Query options key_prefix,
    /// version and max_entries stand for the options below. Several --cache-url: every
    /// server is read, and a key is deleted wherever it is (django-redis ShardClient
    /// shards, primary and replicas).
    #[arg(long, global = true, value_name = "URL", help_heading = heading::CACHE)]
    pub cache_url: Vec<String>,

    /// CACHES KEY_PREFIX [default: empty]
    ///
    /// The stored key is PREFIX:VERSION:django.contrib.sessions.cache<session key> (or
    /// …cached_db<session key>); the prefix is matched literally, glob characters included.
    #[arg(long, global = true, value_name = "PREFIX", help_heading = heading::CACHE)]
    pub cache_key_prefix: Option<String>,

    /// CACHES VERSION [default: 1]
    #[arg(long, global = true, value_name = "N", help_heading = heading::CACHE)]
    pub cache_version: Option<String>,

    /// A custom KEY_FUNCTION as a template of {prefix}, {version} and {key}
    /// [default: {prefix}:{version}:{key}]
    #[arg(long, global = true, value_name = "TEMPLATE", help_heading = heading::CACHE)]
    pub cache_key_template: Option<String>,

    /// Serializer of cached values, when the bytes cannot tell
    ///
    /// auto (the default) tells pickle, JSON and msgpack apart by their first bytes; give
    /// the one the cache is configured with (django-redis SERIALIZER) to read every value
    /// as Django would.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = CacheSerializerArg::Auto,
        help_heading = heading::CACHE
    )]
    pub cache_serializer: CacheSerializerArg,

    /// Compressor of cached values (django-redis COMPRESSOR), when the bytes cannot tell
    ///
    /// auto (the default) inflates whatever carries a zlib, LZ4 frame, zstd, gzip or xz
    /// header; none never decompresses.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = CacheCompressorArg::Auto,
        help_heading = heading::CACHE
    )]
    pub cache_compressor: CacheCompressorArg,

    /// MAX_ENTRIES of a database or file cache, for the stats warning [default: 300]
    #[arg(long, global = true, value_name = "N", help_heading = heading::CACHE)]
    pub cache_max_entries: Option<u64>,

    /// SESSION_COOKIE_NAME, the prefix of session file names
    /// [env: SESSION_COOKIE_NAME] [default: sessionid]
    #[arg(long, global = true, value_name = "NAME", help_heading = heading::DJANGO)]
    pub cookie_name: Option<String>,

    /// SESSION_COOKIE_AGE in seconds [env: SESSION_COOKIE_AGE] [default: 1209600]
    ///
    /// A session file without its own expiry expires this long after its last write;
    /// `decode --cookie` takes it as the cookie's max age.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        help_heading = heading::DJANGO
    )]
    pub cookie_age: Option<i64>,

    /// Zone of naive stored datetimes: UTC, or TIME_ZONE when USE_TZ=False
    ///
    /// UTC for USE_TZ=True projects; for USE_TZ=False the IANA zone of TIME_ZONE, e.g.
    /// Europe/Paris, which Django wrote wall-clock times in.
    #[arg(
        long,
        global = true,
        value_name = "ZONE",
        default_value = "UTC",
        help_heading = heading::DJANGO
    )]
    pub time_zone: String,

    /// The user table (AUTH_USER_MODEL's db_table) [default: auth_user]
    ///
    /// In the database of --database-url: the session database for the db and cached_db
    /// engines; for file and cache sessions --database-url names where the users are.
    /// With it, list, inspect and stats show whose each session is and whether Django
    /// still logs it in (the auth state); --username, --email, --auth, purge --stale and
    /// purge --user-deleted read it. Without a user table the default is simply skipped.
    #[arg(long, global = true, value_name = "NAME", help_heading = heading::USERS)]
    pub user_table: Option<String>,

    /// Primary key column of the user table [default: id]
    ///
    /// Its type (integer, uuid, char(32) holding a UUID without dashes, or text) is read
    /// from the table.
    #[arg(long, global = true, value_name = "COLUMN", help_heading = heading::USERS)]
    pub user_pk: Option<String>,

    /// Column of USERNAME_FIELD, what --username compares with [default: username]
    #[arg(long, global = true, value_name = "COLUMN", help_heading = heading::USERS)]
    pub user_username: Option<String>,

    /// Column of EMAIL_FIELD, what --email compares with [default: email]
    #[arg(long, global = true, value_name = "COLUMN", help_heading = heading::USERS)]
    pub user_email: Option<String>,

    /// AUTHENTICATION_BACKENDS, comma-separated dotted paths
    /// [default: django.contrib.auth.backends.ModelBackend]
    ///
    /// A session whose _auth_user_backend is not among them is anonymous for Django
    /// (backend_not_configured). AllowAllUsersModelBackend lets inactive users in.
    #[arg(
        long,
        global = true,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = heading::USERS
    )]
    pub auth_backends: Vec<String>,

    /// The site's Django version, for the get_user() rules that changed [default: the
    /// newest rules]
    ///
    /// 3.1/3.2: SHA-1 session hashes still accepted, NULL is_active counts as active, no
    /// fallback keys; 4.0 to 4.1.7: SECRET_KEY_FALLBACKS not used for the hash; 4.1.8
    /// and later: a hash made with a fallback key logs in (valid_fallback).
    #[arg(long, global = true, value_name = "VERSION", help_heading = heading::USERS)]
    pub django_version: Option<String>,

    /// The user model has no get_session_auth_hash() (a plain models.Model): Django
    /// logs its sessions in without checking _auth_user_hash
    #[arg(long, global = true, help_heading = heading::USERS)]
    pub no_session_auth_hash: bool,

    /// File with SECRET_KEY on its first line, SECRET_KEY_FALLBACKS below
    ///
    /// Used instead of DJANGO_SECRET_KEY and DJANGO_SECRET_KEY_FALLBACKS. Keys never go on
    /// the command line, where ps would show them.
    #[arg(long, global = true, value_name = "PATH", help_heading = heading::SIGNING)]
    pub secret_key_file: Option<PathBuf>,

    /// Signing salt of a custom session store class
    /// [default: django.contrib.sessions.SessionStore]
    #[arg(long, global = true, value_name = "SALT", help_heading = heading::SIGNING)]
    pub salt: Option<String>,

    /// Derive the salt from a custom store class's __qualname__, e.g. CustomSessionStore
    #[arg(
        long,
        global = true,
        value_name = "QUALNAME",
        conflicts_with = "salt",
        help_heading = heading::SIGNING
    )]
    pub store_class: Option<String>,

    /// Output format
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = OutputFormat::Table,
        help_heading = heading::OUTPUT
    )]
    pub format: OutputFormat,

    /// Print nothing but errors that make the run fail (and JSON, when asked for)
    ///
    /// No table, summary, progress or notice; "another purge is running" (exit 75) is
    /// silent too. The exit code still tells the outcome.
    #[arg(short, long, global = true, help_heading = heading::OUTPUT)]
    pub quiet: bool,

    /// Say more: one line per batch (rows, time, retries) on stderr
    #[arg(short, long, global = true, help_heading = heading::OUTPUT)]
    pub verbose: bool,

    /// Colour: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never
    ///
    /// Colours mark the signature state in inspect and decode, expired sessions in list,
    /// and the error and warning prefixes on stderr. Tables use plain ASCII borders
    /// when the locale (LC_ALL, LC_CTYPE, LANG) is not UTF-8 or TERM=dumb.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        help_heading = heading::OUTPUT
    )]
    pub color: ColorWhen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set or TERM=dumb
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CacheSerializerArg {
    /// Tell by the first bytes
    Auto,
    /// Django's RedisCache, django-redis PickleSerializer, memcached, database and file caches
    Pickle,
    /// django-redis JSONSerializer
    Json,
    /// django-redis MSGPackSerializer
    Msgpack,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CacheCompressorArg {
    /// Tell by the header
    Auto,
    /// Never decompress
    None,
    Zlib,
    Lz4,
    Zstd,
    Gzip,
    Lzma,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable tables and summary lines
    Table,
    /// JSON (one object per line for list)
    Json,
    /// CSV, for list only: a header row, then one row per session (RFC 4180 quoting)
    Csv,
    /// Prometheus text exposition format, for stats only (node_exporter's textfile
    /// collector, or anything that scrapes the format)
    Prometheus,
}

impl Command {
    /// The command's name as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::ClearExpired(_) => "clear-expired",
            Command::Purge(_) => "purge",
            Command::List(_) => "list",
            Command::Inspect(_) => "inspect",
            Command::Decode(_) => "decode",
            Command::Expire(_) => "expire",
            Command::Flush(_) => "flush",
            Command::Stats(_) => "stats",
            Command::Generate(_) => "generate",
        }
    }

    /// `--metrics-file` of a bulk change.
    pub fn metrics_file(&self) -> Option<&std::path::Path> {
        let batch = match self {
            Command::ClearExpired(a) => &a.batch,
            Command::Purge(a) => &a.batch,
            Command::Expire(a) => &a.batch,
            Command::Flush(a) => &a.batch,
            _ => return None,
        };
        batch.metrics_file.as_deref()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Delete exactly what `manage.py clearsessions` deletes (expire_date < now), in batches
    ///
    /// Each batch is its own short transaction whose DELETE re-checks expire_date < now
    /// itself, so a session the site renews meanwhile survives. A summary line says what
    /// was done; SIGINT or SIGTERM stop between two batches (exit 130) and the committed
    /// batches stay: run the same command again to finish.
    #[command(
        name = "clear-expired",
        after_long_help = crate::help::examples_help(crate::help::CLEAR_EXPIRED)
    )]
    ClearExpired(ClearExpiredArgs),
    /// Delete sessions by filter: expired, invalid, by user, expired before a time
    ///
    /// Without a filter, --expired. Filters combine: a session is deleted when all of them
    /// hold. Filters that need the session data (--invalid, --user) stream the table page
    /// by page and delete by key and data, so a session rewritten in between is kept.
    #[command(after_long_help = crate::help::examples_help(crate::help::PURGE))]
    Purge(PurgeArgs),
    /// List sessions: key, expiry, size, user
    ///
    /// Streamed page by page, so the table is never held in memory.
    #[command(after_long_help = crate::help::examples_help(crate::help::LIST))]
    List(ListArgs),
    /// Show one session: metadata, signature status, format and decoded data
    ///
    /// Untrusted text is escaped for the terminal; --format json is exact. An undecodable
    /// session is still a successful inspection (exit 0): the report says why.
    #[command(after_long_help = crate::help::examples_help(crate::help::INSPECT))]
    Inspect(InspectArgs),
    /// Decode a raw session_data string (or a signed_cookies cookie) without a store
    ///
    /// The same report as inspect, for a value given as the argument or on stdin. Input
    /// that cannot be decoded at all exits 2 with the reason.
    #[command(after_long_help = crate::help::examples_help(crate::help::DECODE))]
    Decode(DecodeArgs),
    /// Make sessions expire now, so Django stops accepting them at once
    ///
    /// Sets expire_date to now; the next purge removes them. Sessions that have already
    /// expired are left alone.
    #[command(after_long_help = crate::help::examples_help(crate::help::EXPIRE))]
    Expire(ExpireArgs),
    /// Delete sessions now, by key, by user, or all of them
    ///
    /// --all logs every user out: it asks first on a terminal and needs --yes otherwise.
    #[command(after_long_help = crate::help::examples_help(crate::help::FLUSH))]
    Flush(FlushArgs),
    /// Counts, expiry range and sizes; thresholds turn it into a CI check
    ///
    /// Total, expired and active sessions, the oldest and newest expiry, bytes of session
    /// data and the store's size on disk. With --max-total or --max-expired it exits 5
    /// when a threshold is exceeded, the figures still printed.
    #[command(after_long_help = crate::help::examples_help(crate::help::STATS))]
    Stats(StatsArgs),
    /// Write shell completions and man pages (for packaging)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// How a bulk change is cut into short transactions.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Rows per batch; each batch is its own short transaction [default: 50000; 1000 on
    /// Galera]
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..),
        help_heading = heading::BATCH
    )]
    pub batch_size: Option<u32>,

    /// Pause between batches, e.g. 200ms or 1s, to leave room for live traffic
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = crate::duration::parse,
        help_heading = heading::BATCH
    )]
    pub sleep: Option<std::time::Duration>,

    /// Size batches so that each takes about this long, e.g. 50ms, starting at 1,000 rows
    /// and never above --batch-size
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = crate::duration::parse,
        help_heading = heading::BATCH
    )]
    pub batch_time: Option<std::time::Duration>,

    /// After each batch, pause RATIO times as long as the batch took (0.5: at most two
    /// thirds of the time is spent in batches)
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio, help_heading = heading::BATCH)]
    pub nice: Option<f64>,

    /// Stop cleanly between two batches once this file exists (exit 0, "run again to
    /// finish")
    #[arg(long, value_name = "PATH", help_heading = heading::BATCH)]
    pub stop_file: Option<PathBuf>,

    /// Wait between two batches for as long as this file exists
    #[arg(long, value_name = "PATH", help_heading = heading::BATCH)]
    pub pause_file: Option<PathBuf>,

    /// Stop cleanly after this long, e.g. 10m or 1h30m, and report what is left
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = crate::duration::parse,
        help_heading = heading::BATCH
    )]
    pub max_runtime: Option<std::time::Duration>,

    /// After each batch, wait while a replica is further behind than this, e.g. 5s
    ///
    /// PostgreSQL: every standby in the primary's pg_stat_replication (the role needs
    /// pg_monitor), by replay_lag and by how long ago the primary's WAL went past the
    /// standby's replay position. MySQL/MariaDB: the --replica servers, by GTID
    /// (gtid_slave_pos against the primary's gtid_binlog_pos; MySQL: gtid_executed), by
    /// the primary's binlog position the replica has executed, and Seconds_Behind_Master.
    /// A standby that is not streaming (an inactive replication slot, a state other than
    /// streaming) or a replica whose IO or SQL thread has stopped pauses the run with a
    /// message on stderr, repeated every 30 s, until it replicates again or --max-runtime,
    /// --stop-file or a signal ends the run. The time waited is in the summary.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = crate::duration::parse,
        help_heading = heading::BATCH
    )]
    pub max_lag: Option<std::time::Duration>,

    /// With --max-lag, also wait while a replica is more than SIZE of WAL or binlog
    /// behind, e.g. 64M
    ///
    /// SIZE: bytes, or a number with K, M, G or T (powers of 1024). PostgreSQL:
    /// pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn); MySQL/MariaDB: the primary's
    /// binlog position minus the one the replica has executed (Exec_Master_Log_Pos).
    /// Positions are as last reported: a PostgreSQL standby reports when WAL arrives and
    /// every wal_receiver_status_interval otherwise.
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        requires = "max_lag",
        help_heading = heading::BATCH
    )]
    pub max_lag_bytes: Option<u64>,

    /// A MySQL/MariaDB replica of the store to wait for with --max-lag, e.g.
    /// mysql://monitor@replica1/app; repeat it for each replica
    ///
    /// The account needs REPLICA MONITOR (MariaDB; MySQL: REPLICATION CLIENT) on the
    /// replica, and BINLOG MONITOR (MySQL: REPLICATION CLIENT) on the primary for the
    /// byte distance. Passwords are never shown; prefer a ~/.my.cnf [client] section.
    #[arg(
        long,
        value_name = "URL",
        requires = "max_lag",
        help_heading = heading::BATCH
    )]
    pub replica: Vec<String>,

    /// Count what would change; change nothing
    #[arg(long, help_heading = heading::BATCH)]
    pub dry_run: bool,

    /// Off a terminal, print a timestamped progress line (done, rate, elapsed) every
    /// DURATION on stderr, e.g. 30s (on a terminal the progress bar shows it)
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = crate::duration::parse,
        help_heading = heading::BATCH
    )]
    pub progress: Option<std::time::Duration>,

    /// When another purge of the same table is running, wait for it instead of exiting 75
    /// (the wait counts against --max-runtime)
    #[arg(long, help_heading = heading::BATCH)]
    pub wait: bool,

    /// At the end of the run (also after an error or a signal), write its figures to PATH
    /// in Prometheus text format, for node_exporter's textfile collector
    ///
    /// Written atomically (a temporary file in the same directory, renamed over PATH):
    /// start and end time, duration, sessions matched and changed, batches, retries, the
    /// exit code and whether the run was complete, labelled with the command, the store
    /// and the table. Name it *.prom inside the collector's directory.
    #[arg(long, value_name = "PATH", help_heading = heading::BATCH)]
    pub metrics_file: Option<PathBuf>,

    /// Afterwards, reclaim the space of deleted sessions and report the time taken and the
    /// size before and after
    ///
    /// SQLite: VACUUM rewrites the file and gives the space back to the file system (it
    /// holds the write lock meanwhile and needs free disk of up to twice the database).
    /// PostgreSQL: VACUUM (ANALYZE) makes the space reusable inside the table but gives
    /// back only empty pages at its end; to shrink the table run VACUUM FULL (exclusive
    /// lock for the whole rewrite) or pg_repack (online) yourself. MySQL/MariaDB: OPTIMIZE
    /// TABLE rebuilds the table online and gives the space back with
    /// innodb_file_per_table. File directories and caches have nothing to do.
    #[arg(long, help_heading = heading::BATCH)]
    pub vacuum: bool,
}

/// `--nice`: a finite ratio, zero or more.
/// `20` or `20%`: a percentage of 0 or more.
fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').trim().parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err(format!(
            "`{text}` is not a percentage; give a number of 0 or more, e.g. 20"
        )),
    }
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err(format!(
            "`{text}` is not a ratio; give a number of 0 or more, e.g. 0.5 or 1"
        )),
    }
}

#[derive(Debug, Args)]
pub struct ClearExpiredArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Sessions that clear-expired would delete (the default when no filter is given)
    #[arg(long)]
    pub expired: bool,

    /// Sessions whose data fails to decode or verify with the given keys
    /// (what a SECRET_KEY rotation leaves behind); needs the secret key
    #[arg(long)]
    pub invalid: bool,

    /// Sessions of this user (_auth_user_id): log an account out everywhere
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,

    /// Sessions of the user with this USERNAME_FIELD value (exact), read from the user
    /// table
    #[arg(long, value_name = "NAME", conflicts_with_all = ["user", "email"])]
    pub username: Option<String>,

    /// Sessions of the users with this e-mail address (exact; every account that has it)
    #[arg(long, value_name = "ADDRESS", conflicts_with = "user")]
    pub email: Option<String>,

    /// Sessions Django deletes at their next request: the hash no longer matches the
    /// user's password (stale) or there is none (missing_hash); needs the secret key
    ///
    /// They can never log anyone in again. Sessions of inactive users and of backends no
    /// longer configured are left: Django keeps them, and they come back to life when the
    /// user or the backend does.
    #[arg(long)]
    pub stale: bool,

    /// Sessions of users that no longer exist in the user table (their other data, e.g. a
    /// cart, goes with them)
    #[arg(long)]
    pub user_deleted: bool,

    /// Sessions whose expiry is before this time, e.g. 2025-01-01 or -30d
    ///
    /// An RFC 3339 instant, a date (midnight UTC), or a duration before or after --now
    /// (-30d: sessions that expired more than 30 days ago).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub expired_before: Option<String>,

    /// Go on without asking when the filters select every session, or --invalid most
    /// of them (that is usually a wrong key or filter; sessctl asks on a terminal and
    /// refuses with exit 6 elsewhere)
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub batch: BatchArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only sessions that clear-expired would delete
    #[arg(long, conflicts_with = "active")]
    pub expired: bool,

    /// Only sessions that have not expired
    #[arg(long)]
    pub active: bool,

    /// Only sessions of this user (_auth_user_id)
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,

    /// Sessions of the user with this USERNAME_FIELD value (exact), read from the user
    /// table
    #[arg(long, value_name = "NAME", conflicts_with_all = ["user", "email"])]
    pub username: Option<String>,

    /// Sessions of the users with this e-mail address (exact; every account that has it)
    #[arg(long, value_name = "ADDRESS", conflicts_with = "user")]
    pub email: Option<String>,

    /// Only sessions in this auth state (repeatable): what Django's get_user() makes of
    /// them, e.g. stale, valid, user_deleted
    #[arg(long, value_enum, value_name = "STATE")]
    pub auth: Vec<crate::auth::AuthState>,

    /// Stop after N sessions (with --sort: the first N in that order)
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Order by expiry (soonest first) or size (largest first)
    ///
    /// Without it rows come in the store's order, streamed as they are read; sorting
    /// holds the listing in memory until it is complete (about 100 bytes a session).
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<ListSort>,

    /// No header line (table, CSV) and no closing count (table)
    #[arg(long)]
    pub no_header: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TopKind {
    /// Users with the most sessions
    Users,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistogramKind {
    /// Sessions by expiry: what the next purges delete, and the expired backlog
    Expiry,
    /// Sessions by size of their data
    Size,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListSort {
    /// Soonest expiry first; sessions without a fixed expiry last
    Expiry,
    /// Largest session_data first
    Size,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Session key
    pub key: String,
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Raw session_data (or cookie value); read from stdin when absent or `-`
    pub value: Option<String>,

    /// The value is a signed_cookies backend cookie (its own salt and max-age rule;
    /// the max age is the global --cookie-age)
    #[arg(long)]
    pub cookie: bool,
}

/// One of the targets is required, and usage errors name them all.
#[derive(Debug, Args)]
#[group(id = "target", required = true, multiple = false)]
pub struct ExpireArgs {
    /// Session keys
    #[arg(group = "target")]
    pub keys: Vec<String>,

    /// Every session of this user (_auth_user_id)
    #[arg(long, value_name = "ID", group = "target")]
    pub user: Option<String>,

    /// Sessions of the user with this USERNAME_FIELD value (exact), read from the user
    /// table
    #[arg(long, value_name = "NAME", group = "target")]
    pub username: Option<String>,

    /// Sessions of the users with this e-mail address (exact; every account that has it)
    #[arg(long, value_name = "ADDRESS", group = "target")]
    pub email: Option<String>,

    #[command(flatten)]
    pub batch: BatchArgs,
}

/// Exactly one target is required, and usage errors name them all.
#[derive(Debug, Args)]
#[group(id = "target", required = true, multiple = false)]
pub struct FlushArgs {
    /// Session keys
    #[arg(group = "target")]
    pub keys: Vec<String>,

    /// Every session of this user (_auth_user_id)
    #[arg(long, value_name = "ID", group = "target")]
    pub user: Option<String>,

    /// Sessions of the user with this USERNAME_FIELD value (exact), read from the user
    /// table
    #[arg(long, value_name = "NAME", group = "target")]
    pub username: Option<String>,

    /// Sessions of the users with this e-mail address (exact; every account that has it)
    #[arg(long, value_name = "ADDRESS", group = "target")]
    pub email: Option<String>,

    /// Every session in the table (asks first on a terminal; needs --yes otherwise)
    #[arg(long, group = "target")]
    pub all: bool,

    /// Confirm --all, or a --user that owns every session, without asking
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub batch: BatchArgs,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Answer from the database's own statistics instead of reading the table: in well
    /// under a second on any size, and an estimate
    ///
    /// PostgreSQL: pg_class.reltuples and the planner's estimate of expire_date < now
    /// (from pg_stats); MySQL/MariaDB: information_schema.TABLES and the optimizer's
    /// index-dive estimate; SQLite: sqlite_stat1 (run ANALYZE once), and sqlite_stat4's
    /// samples of the expiry index for the expired count where ANALYZE kept them. The
    /// expiry range is exact (both ends of the expire_date index). The report says when
    /// the statistics were gathered where the database tells. Thresholds apply to the
    /// estimates.
    #[arg(long, conflicts_with_all = ["users", "histogram", "duplicates", "top"])]
    pub estimate: bool,

    /// Draw the store's shape: expiry (sessions by expiry hour, day or week, expired
    /// ones marked) or size (by power of two, percentiles, the largest sessions);
    /// repeatable
    ///
    /// One more pass over every session, in constant memory; the bars are Unicode
    /// blocks, ASCII where the terminal is not UTF-8, and JSON has the same figures.
    #[arg(long, value_enum, value_name = "KIND")]
    pub histogram: Vec<HistogramKind>,

    /// Rank by sessions: `users` names the ten users (_auth_user_id) with the most
    /// sessions, with their usernames when the user table is there
    #[arg(long, value_enum, value_name = "WHAT")]
    pub top: Option<TopKind>,

    /// Name the session data many sessions hold identically (the signature of a client
    /// that creates sessions in a loop): the ten most repeated, with an example key
    #[arg(long)]
    pub duplicates: bool,

    /// A previous `stats --format json` output to compare with (see --max-growth)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Exit 5 when the sessions, or the bytes on disk, grew by more than PCT percent
    /// since --baseline, e.g. 20
    ///
    /// Bytes are the table's (or session files') size on disk when both runs know it,
    /// else the bytes of session data. A CI job keeps the JSON of a release and fails the
    /// next one whose table grew out of proportion.
    #[arg(long, value_name = "PCT", requires = "baseline", value_parser = parse_percent)]
    pub max_growth: Option<f64>,

    /// Also write the figures to PATH in Prometheus text format, atomically (for
    /// node_exporter's textfile collector); on failure the file says the run failed
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<PathBuf>,

    /// Also read every session against the user table: logged in vs anonymous, stale,
    /// of deleted users, and the users with the most sessions (top 10)
    #[arg(long)]
    pub users: bool,

    /// Exit 5 when there are more than N sessions in all
    #[arg(long, value_name = "N")]
    pub max_total: Option<u64>,

    /// Exit 5 when more than N sessions have expired
    #[arg(long, value_name = "N")]
    pub max_expired: Option<u64>,

    /// Exit 5 when the table (or session files) take more than SIZE on disk, e.g. 2G
    ///
    /// SIZE: bytes, or a number with K, M, G or T (powers of 1024). A store whose size
    /// cannot be read fails the check only when told nothing: its size shows as unknown.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_bytes: Option<u64>,

    /// Exit 5 when the session data itself is more than SIZE bytes (K, M, G, T)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_data_bytes: Option<u64>,

    /// Exit 5 when more than this share of the sessions has expired, e.g. 0.5
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio)]
    pub max_expired_ratio: Option<f64>,

    /// Exit 5 when the oldest expiry is further back than AGE, e.g. 7d: expired sessions
    /// that old mean nothing is purging the store
    #[arg(long, value_name = "AGE", value_parser = crate::duration::parse)]
    pub max_oldest_expiry: Option<std::time::Duration>,
}

/// `2G`, `512M`, `1048576`: a size in bytes, with K, M, G or T for powers of 1024.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => {
            return Err(format!(
                "`{text}` is not a size; give bytes or a number with K, M, G or T, e.g. 2G"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .ok_or_else(|| {
            format!("`{text}` is not a size; give bytes or a number with K, M, G or T, e.g. 2G")
        })
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory that receives completions/ and man/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}
