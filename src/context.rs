//! The second stage after parsing: command-line options resolved into settings.
//!
//! This is the only module that reads the environment, the clock, the secret-key and
//! database URL files and whether the terminals are interactive — except for the
//! connection settings psql and the mysql client read (libpq's `PG*` variables, service
//! and password files, `~/.my.cnf`), which [`crate::db::defaults`] reads when connecting. Everything after it works from a
//! [`Context`], so tests can pin every input (`--now`, keys, zone) from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::auth::users::{UserDirectory, UserTableSpec};
use crate::auth::{DjangoLine, Judge, Rules};
use crate::cli::{GlobalOpts, OutputFormat};
use crate::codec::{self, Codec};
use crate::dburl;
use crate::exit::{coded, ExitCode};
use crate::purge::StopFlag;
use crate::store::files::FileStoreSettings;
use crate::store::{Access, EngineSpec, SessionStore, TableSpec};
use crate::zone::{self, StoreZone};

/// How long a signal waits for the batch in flight before sessctl gives up on it.
pub const SIGNAL_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Django's SESSION_COOKIE_NAME default: also the file-name prefix of session files.
pub const DEFAULT_COOKIE_NAME: &str = "sessionid";
/// Django's SESSION_COOKIE_AGE default (two weeks).
pub const DEFAULT_COOKIE_AGE: i64 = 1_209_600;

pub struct Context {
    /// Where the sessions are, when the options say.
    pub engine: Option<EngineSpec>,
    /// SESSION_COOKIE_NAME: the prefix of session file names.
    pub cookie_name: String,
    /// SESSION_COOKIE_AGE in seconds (file expiry, signed_cookies max age).
    pub cookie_age: i64,
    pub table: String,
    pub zone: StoreZone,
    /// The instant expiry is evaluated at, frozen for the whole run.
    pub now: DateTime<Utc>,
    pub codec: Codec,
    /// The signing salt in force (signed_cookies values use their own).
    pub salt: String,
    pub secrets: Vec<String>,
    pub format: OutputFormat,
    pub quiet: bool,
    pub verbose: bool,
    pub stderr_is_terminal: bool,
    pub stdin_is_terminal: bool,
    /// Colours and table borders (`--color`, NO_COLOR, TERM, the locale).
    pub look: crate::output::Look,
    pub stop: StopFlag,
    /// Where the users are and the get_user() rules (`--user-table`, `--django-version`…).
    pub users: UserSettings,
}

/// The user table and the settings Django's `get_user()` depends on.
pub struct UserSettings {
    pub spec: UserTableSpec,
    pub rules: Rules,
    /// The database that holds the user table (that of `--database-url`), if any.
    pub database: Option<TableSpec>,
}

impl Context {
    pub fn resolve(opts: &GlobalOpts) -> Result<Context> {
        crate::db::defaults::set_quiet(opts.quiet);
        let (url_text, session_dir) = choose_store(opts)?;
        let store_url = url_text.as_deref().map(dburl::parse).transpose()?;
        let cookie_name = match &opts.cookie_name {
            Some(name) => name.clone(),
            None => non_empty_env("SESSION_COOKIE_NAME")?
                .unwrap_or_else(|| DEFAULT_COOKIE_NAME.to_owned()),
        };
        if cookie_name.is_empty() || cookie_name.contains(['/', '\0']) {
            return Err(coded(
                ExitCode::Usage,
                format!("--cookie-name / SESSION_COOKIE_NAME `{}` cannot prefix a file name (empty, or has `/` or NUL)", cookie_name.escape_debug()),
            ));
        }
        let cookie_age = match opts.cookie_age {
            Some(age) => age,
            None => match non_empty_env("SESSION_COOKIE_AGE")? {
                Some(text) => text.trim().parse::<i64>().map_err(|_| {
                    coded(
                        ExitCode::Usage,
                        format!(
                            "SESSION_COOKIE_AGE `{}` is not a whole number of seconds",
                            text.escape_debug()
                        ),
                    )
                })?,
                None => DEFAULT_COOKIE_AGE,
            },
        };
        let zone = StoreZone::parse(&opts.time_zone)
            .map_err(|e| coded(ExitCode::Usage, format!("--time-zone: {e}")))?;
        let now = match &opts.now {
            Some(text) => zone::parse_time(text, Utc::now())
                .map_err(|e| coded(ExitCode::Usage, format!("--now: {e}")))?,
            None => Utc::now(),
        };
        let salt = match (&opts.salt, &opts.store_class) {
            (Some(salt), _) => salt.clone(),
            (None, Some(class)) => codec::salt_for_store_class(class),
            (None, None) => codec::DEFAULT_SALT.to_owned(),
        };
        let secrets = read_secrets(opts)?;
        let dir = session_dir.map(|dir| FileStoreSettings {
            dir,
            prefix: cookie_name.clone(),
            cookie_age,
            zone,
        });
        let users = user_settings(opts)?;
        let table = store_url.map(|url| TableSpec {
            url,
            shown: url_text.as_deref().map(dburl::redact).unwrap_or_default(),
            table: opts.table.clone(),
            zone,
        });
        let users = UserSettings {
            database: table.clone(),
            ..users
        };
        // --engine / SESSION_ENGINE, or what the given stores imply (`cache::resolve` says how).
        let engine = crate::cache::resolve::engine_spec(opts, table, dir)?;
        Ok(Context {
            engine,
            cookie_name,
            cookie_age,
            table: opts.table.clone(),
            zone,
            now,
            codec: Codec::new(&salt, secrets.clone())
                .with_cache_format(crate::cache::resolve::value_format(opts)),
            salt,
            secrets,
            format: opts.format,
            quiet: opts.quiet,
            verbose: opts.verbose,
            stderr_is_terminal: std::io::stderr().is_terminal(),
            stdin_is_terminal: std::io::stdin().is_terminal(),
            look: look(opts),
            stop: StopFlag::default(),
            users,
        })
    }

    /// The judge of auth states, when the user table can be read: `None` without a
    /// database, or when Django's default `auth_user` is not there (a named
    /// `--user-table` that is missing is an error).
    pub fn open_judge(&self) -> Result<Option<Judge>> {
        let Some(database) = &self.users.database else {
            if self.users.spec.named {
                return Err(coded(
                    ExitCode::Usage,
                    "--user-table needs the database that holds it: --database-url URL or DATABASE_URL",
                ));
            }
            return Ok(None);
        };
        let Some(users) = UserDirectory::open(&self.users.spec, database, &self.stop)? else {
            return Ok(None);
        };
        Ok(Some(Judge::new(
            self.users.rules.clone(),
            &self.secrets,
            users,
        )))
    }

    /// [`open_judge`](Context::open_judge) for an option that cannot work without the
    /// user table (`what` names it).
    pub fn require_judge(&self, what: &str) -> Result<Judge> {
        match self.open_judge()? {
            Some(judge) => Ok(judge),
            None => Err(coded(
                ExitCode::Usage,
                match &self.users.database {
                    None => format!(
                        "{what} reads the Django user table: give its database with --database-url \
                         (for file and cache sessions too: it names where the users are)"
                    ),
                    Some(db) => format!(
                        "{what} reads the Django user table, and {} has no table `{}`; name \
                         AUTH_USER_MODEL's table with --user-table",
                        db.shown, self.users.spec.table
                    ),
                },
            )),
        }
    }

    /// Opens the store the options name. Fails with a usage error when none is named.
    pub fn open_store(&self, access: Access) -> Result<Box<dyn SessionStore>> {
        let Some(engine) = &self.engine else {
            return Err(coded(
                ExitCode::Usage,
                "no session store given: pass --database-url URL or set DATABASE_URL (e.g. sqlite:////srv/app/db.sqlite3), or --session-dir DIR / SESSION_FILE_PATH for file sessions, or --cache-url URL / CACHE_URL for cached sessions",
            ));
        };
        crate::store::open(engine, &self.codec, access, &self.stop)
    }

    /// Whether a progress bar may be drawn.
    pub fn show_progress(&self) -> bool {
        self.stderr_is_terminal && !self.quiet
    }

    /// Lets SIGINT and SIGTERM stop a bulk change between two batches instead of killing
    /// the process; without it (read-only commands) a signal ends the process at once.
    ///
    /// A batch in flight normally ends within a moment (stores cancel their statement
    /// when the flag is raised). When it has not within [`SIGNAL_GRACE`] — a frozen
    /// server, a half-open connection — or at a second signal, `last_resort` runs on the
    /// signal's thread: it reports what was committed and ends the process (the server
    /// rolls the batch in flight back when the connection closes).
    pub fn catch_signals(&self, last_resort: impl Fn() + Send + Sync + 'static) -> Result<()> {
        let stop = self.stop.clone();
        let last_resort = std::sync::Arc::new(last_resort);
        let signals = std::sync::atomic::AtomicU32::new(0);
        ctrlc::set_handler(move || {
            stop.raise();
            if signals.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                last_resort();
                return;
            }
            let last_resort = last_resort.clone();
            std::thread::spawn(move || {
                std::thread::sleep(SIGNAL_GRACE);
                last_resort();
            });
        })
        .map_err(|e| anyhow::anyhow!("cannot install the signal handler: {e}"))
    }
}

/// Picks the store: a database URL (given, or read from a file) or a session directory.
/// A flag beats an environment variable; two flags, or two variables and no flag, are
/// ambiguous and refused. The URL's order: --database-url, --database-url-file, the
/// systemd credential database-url, DATABASE_URL, DATABASE_URL_FILE.
fn choose_store(opts: &GlobalOpts) -> Result<(Option<String>, Option<PathBuf>)> {
    let url_flag = match (&opts.database_url, &opts.database_url_file) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(path)) => Some(read_url_file(path, "--database-url-file")?),
        (None, None) => None,
    };
    match (url_flag, &opts.session_dir) {
        // File sessions, and the user table in the database.
        (Some(url), Some(dir)) => Ok((Some(url), Some(dir.clone()))),
        (Some(url), None) => Ok((Some(url), None)),
        (None, Some(dir)) => Ok((None, Some(dir.clone()))),
        (None, None) => {
            // A credential systemd hands the service beats the environment.
            let url = match credential("database-url")? {
                Some(text) => Some(text.trim().to_owned()).filter(|u| !u.is_empty()),
                None => non_empty_env("DATABASE_URL")?,
            };
            let url_file = std::env::var_os("DATABASE_URL_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
            let url = match (url, url_file) {
                (Some(_), Some(_)) => {
                    return Err(coded(
                        ExitCode::Usage,
                        "both DATABASE_URL and DATABASE_URL_FILE are set; unset one, or give --database-url or --database-url-file",
                    ))
                }
                (Some(url), None) => Some(url),
                (None, Some(path)) => Some(read_url_file(&path, "DATABASE_URL_FILE")?),
                (None, None) => None,
            };
            let dir = std::env::var_os("SESSION_FILE_PATH")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
            // Both set: file sessions, the user table in the database.
            Ok((url, dir))
        }
    }
}

/// The most a `--database-url-file` may hold: a URL is a line.
const MAX_URL_FILE: u64 = 64 << 10;

/// Reads a database URL file (named by `option`): a regular file of at most
/// [`MAX_URL_FILE`] bytes holding the URL on one line; one trailing newline is dropped.
/// A file others may read draws a warning when the URL holds a password.
fn read_url_file(path: &std::path::Path, option: &str) -> Result<String> {
    let shown = path.display();
    let fail = |why: String| coded(ExitCode::Usage, format!("{option} {shown}: {why}"));
    let text = crate::textfile::read(path, MAX_URL_FILE).map_err(|problem| {
        fail(match problem {
            crate::textfile::Problem::Io(e) => e.to_string(),
            crate::textfile::Problem::NotRegular => {
                "not a regular file (a directory, device, FIFO or socket); write the URL to a file"
                    .to_owned()
            }
            crate::textfile::Problem::TooLarge(_) => format!(
                "more than {} KiB, more than a URL file holds (the URL on one line)",
                MAX_URL_FILE >> 10
            ),
            crate::textfile::Problem::NotUtf8 => {
                "not valid UTF-8; a URL file holds text".to_owned()
            }
        })
    })?;
    let body = text.text.as_str();
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body);
    if body.trim().is_empty() {
        return Err(fail(
            "is empty; write the database URL on its first line".to_owned(),
        ));
    }
    if body.contains('\n') {
        return Err(fail(
            "holds more than one line; write only the database URL, on one line".to_owned(),
        ));
    }
    let url = body.trim().to_owned();
    if text.mode & 0o004 != 0 && dburl::redact(&url) != url {
        crate::db::defaults::warn(&format!(
            "{option} {shown} holds a password and every user may read it (mode {:04o}); chmod 0600 it",
            text.mode
        ));
    }
    Ok(url)
}

/// A variable read as text: unset and empty are the same; bytes that are not UTF-8 are
/// refused (exit 2), never taken for unset (that would fall back to a default silently).
fn non_empty_env(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value).filter(|v| !v.is_empty())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(coded(
            ExitCode::Usage,
            format!("environment variable {name} is not valid UTF-8; set it to text, or unset it"),
        )),
    }
}

/// The most a `--secret-key-file` may hold: SECRET_KEY and its fallbacks, one a line,
/// are a few hundred bytes.
const MAX_KEY_FILE: u64 = 64 << 10;

/// Reads a secret key file: a regular file of at most [`MAX_KEY_FILE`] bytes, in text.
/// `what` names the file in messages (`--secret-key-file`, `systemd credential`).
fn read_key_file(path: &std::path::Path, what: &str) -> Result<String> {
    let shown = path.display();
    let fail = |why: String| coded(ExitCode::Usage, format!("{what} {shown}: {why}"));
    match crate::textfile::read(path, MAX_KEY_FILE) {
        Ok(text) => Ok(text.text),
        Err(crate::textfile::Problem::Io(e)) => Err(fail(e.to_string())),
        Err(crate::textfile::Problem::NotRegular) => Err(fail(
            "not a regular file (a directory, device, FIFO or socket); write the keys to a file, or set DJANGO_SECRET_KEY"
                .to_owned(),
        )),
        Err(crate::textfile::Problem::TooLarge(Some(len))) => Err(fail(format!(
            "{len} bytes, more than a key file holds (at most {} KiB: SECRET_KEY on the first line, fallbacks on the next)",
            MAX_KEY_FILE >> 10
        ))),
        Err(crate::textfile::Problem::TooLarge(None)) => Err(fail(format!(
            "more than {} KiB, more than a key file holds",
            MAX_KEY_FILE >> 10
        ))),
        Err(crate::textfile::Problem::NotUtf8) => Err(fail(
            "not valid UTF-8; a secret key file holds text".to_owned(),
        )),
    }
}

/// SECRET_KEY first, then SECRET_KEY_FALLBACKS. The key file beats the environment.
fn read_secrets(opts: &GlobalOpts) -> Result<Vec<String>> {
    if let Some(path) = &opts.secret_key_file {
        let text = read_key_file(path, "--secret-key-file")?;
        let keys: Vec<String> = text
            .lines()
            .map(|line| line.trim_end_matches('\r').to_owned())
            .filter(|line| !line.is_empty())
            .collect();
        if keys.is_empty() {
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "--secret-key-file {} is empty; its first line must be SECRET_KEY",
                    path.display()
                ),
            ));
        }
        if keys.len() > 1 {
            return Ok(keys);
        }
        return with_env_fallbacks(keys);
    }
    if let Some(text) = credential("secret-key")? {
        let keys: Vec<String> = text
            .lines()
            .map(|line| line.trim_end_matches('\r').to_owned())
            .filter(|line| !line.is_empty())
            .collect();
        if !keys.is_empty() {
            return Ok(keys);
        }
    }
    match non_empty_env("DJANGO_SECRET_KEY")? {
        Some(key) => with_env_fallbacks(vec![key]),
        None => Ok(Vec::new()),
    }
}

/// The credential `name` systemd passed the service (`LoadCredential=name:…`): the file
/// `$CREDENTIALS_DIRECTORY/name`, read like a key file; `None` without one.
fn credential(name: &str) -> Result<Option<String>> {
    let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(dir).join(name);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ => read_key_file(&path, "systemd credential").map(Some),
    }
}

fn with_env_fallbacks(mut keys: Vec<String>) -> Result<Vec<String>> {
    if let Some(list) = non_empty_env("DJANGO_SECRET_KEY_FALLBACKS")? {
        keys.extend(
            list.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(keys)
}

/// The look of this run's output, from `--color` and the environment.
pub fn look(opts: &GlobalOpts) -> crate::output::Look {
    crate::output::Look::resolve(
        opts.color,
        &|name| std::env::var(name).ok(),
        std::io::stdout().is_terminal(),
        std::io::stderr().is_terminal(),
    )
}

/// `--user-table` and the other options of the user table, and the get_user() rules.
fn user_settings(opts: &GlobalOpts) -> Result<UserSettings> {
    let mut spec = UserTableSpec::default();
    if let Some(table) = &opts.user_table {
        spec.table = table.clone();
        spec.named = true;
    }
    for (value, column) in [
        (&opts.user_pk, &mut spec.pk),
        (&opts.user_username, &mut spec.username),
        (&opts.user_email, &mut spec.email),
    ] {
        if let Some(v) = value {
            *column = v.clone();
        }
    }
    let mut rules = Rules::default();
    if let Some(version) = &opts.django_version {
        rules.line = DjangoLine::parse(version)
            .map_err(|e| coded(ExitCode::Usage, format!("--django-version: {e}")))?;
    }
    let backends: Vec<String> = opts
        .auth_backends
        .iter()
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    if !backends.is_empty() {
        rules.backends = backends;
    }
    rules.hash_check = !opts.no_session_auth_hash;
    Ok(UserSettings {
        spec,
        rules,
        database: None,
    })
}
