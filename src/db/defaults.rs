//! Connection settings the URL leaves out, taken from where psql and the mysql client
//! take them, so a `DATABASE_URL` that works for Django works here with the same
//! environment and files.
//!
//! PostgreSQL, in libpq's order (the first that gives a setting wins):
//! 1. the URL (its components and query options: `host`, `port`, `user`, `password`,
//!    `dbname`, `sslmode`, `service`, `passfile`, …);
//! 2. the service named by `?service=` or `PGSERVICE`, from `PGSERVICEFILE` (default
//!    `~/.pg_service.conf`), else from `PGSYSCONFDIR/pg_service.conf` (default
//!    `/etc/postgresql-common/pg_service.conf`);
//! 3. libpq's environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
//!    `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`, `PGAPPNAME`,
//!    `PGOPTIONS`, `PGPASSFILE`);
//! 4. the defaults: the local socket, port 5432, the operating-system user, a database
//!    named after the user;
//! 5. only when none of these gave a password: the password file (`passfile`,
//!    `PGPASSFILE`, else `~/.pgpass`), ignored with a warning when group or others may
//!    read it.
//!
//! MySQL/MariaDB: the URL, then the `[client]` section of `~/.my.cnf` (`user`,
//! `password`, `host`, `port`, `socket`), as the mysql client and pt-archiver read it.
//!
//! A password found here goes into [`ServerUrl::password`] like one from the URL and is
//! never formatted into a message; [`ServerUrl::password_from`] says where it came from.
//! Settings are read when a connection is made; a malformed file or variable is a usage
//! error (exit 2) that names it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use super::{ServerHost, ServerUrl};
use crate::exit::{coded, ExitCode};
use crate::textfile;

static QUIET: AtomicBool = AtomicBool::new(false);

/// Under `--quiet` warnings about settings files are not printed.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Prints a warning about a settings file on stderr (not under `--quiet`).
pub fn warn(message: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("sessctl: warning: {message}");
    }
}

/// The most a password, service or option file may hold.
const MAX_SETTINGS_FILE: u64 = 1 << 20;

/// Where settings outside the URL come from: the process environment, or a fixed set
/// in tests.
pub struct Env {
    vars: Option<Vec<(String, String)>>,
}

impl Env {
    /// This process's environment.
    pub fn process() -> Env {
        Env { vars: None }
    }

    /// Only these variables (for tests).
    pub fn fixed(vars: &[(&str, &str)]) -> Env {
        Env {
            vars: Some(
                vars.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        }
    }

    /// A variable as text: unset and empty are the same; a value that is not UTF-8 is
    /// refused (exit 2).
    pub fn var(&self, name: &str) -> Result<Option<String>> {
        match &self.vars {
            Some(vars) => Ok(vars
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())),
            None => match std::env::var(name) {
                Ok(value) => Ok(Some(value).filter(|v| !v.is_empty())),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => Err(coded(
                    ExitCode::Usage,
                    format!(
                        "environment variable {name} is not valid UTF-8; set it to text, or unset it"
                    ),
                )),
            },
        }
    }

    /// The home directory: `HOME`, else the user's entry in /etc/passwd.
    fn home(&self) -> Result<Option<PathBuf>> {
        if let Some(home) = self.var("HOME")? {
            return Ok(Some(PathBuf::from(home)));
        }
        if self.vars.is_some() {
            return Ok(None);
        }
        Ok(passwd_entry().map(|(_, home)| PathBuf::from(home)))
    }

    /// The operating-system user name, as libpq takes it (the effective user's
    /// /etc/passwd entry), else `USER` / `LOGNAME`.
    fn os_user(&self) -> Result<Option<String>> {
        if self.vars.is_none() {
            if let Some((name, _)) = passwd_entry() {
                return Ok(Some(name));
            }
        }
        Ok(match self.var("USER")? {
            Some(user) => Some(user),
            None => self.var("LOGNAME")?,
        })
    }
}

/// The effective user's name and home directory from /etc/passwd.
fn passwd_entry() -> Option<(String, String)> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 6 && fields[2] == uid)
            .then(|| (fields[0].to_owned(), fields[5].to_owned()))
    })
}

/// `~/NAME` when the home directory is known.
fn in_home(env: &Env, name: &str) -> Result<Option<PathBuf>> {
    Ok(env.home()?.map(|home| home.join(name)))
}

/// A libpq setting: where it is kept in a [`ServerUrl`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Setting {
    Host,
    Port,
    User,
    Password,
    Database,
    /// A query option of this name.
    Option(&'static str),
}

/// libpq's connection keywords sessctl uses, and their environment variables.
const LIBPQ: &[(&str, Setting, Option<&str>)] = &[
    ("host", Setting::Host, Some("PGHOST")),
    ("port", Setting::Port, Some("PGPORT")),
    ("user", Setting::User, Some("PGUSER")),
    ("password", Setting::Password, Some("PGPASSWORD")),
    ("dbname", Setting::Database, Some("PGDATABASE")),
    ("sslmode", Setting::Option("sslmode"), Some("PGSSLMODE")),
    (
        "sslrootcert",
        Setting::Option("sslrootcert"),
        Some("PGSSLROOTCERT"),
    ),
    (
        "connect_timeout",
        Setting::Option("connect_timeout"),
        Some("PGCONNECT_TIMEOUT"),
    ),
    (
        "application_name",
        Setting::Option("application_name"),
        Some("PGAPPNAME"),
    ),
    ("options", Setting::Option("options"), Some("PGOPTIONS")),
    ("passfile", Setting::Option("passfile"), Some("PGPASSFILE")),
];

/// libpq keywords a service file may hold that sessctl has no use for: accepted and
/// left alone (the connection is made without them).
const LIBPQ_IGNORED: &[&str] = &[
    "hostaddr",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requirepeer",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "target_session_attrs",
    "load_balance_hosts",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "channel_binding",
    "require_auth",
    "fallback_application_name",
    "client_encoding",
];

impl ServerUrl {
    fn is_set(&self, setting: Setting) -> bool {
        match setting {
            Setting::Host => self.host.is_some(),
            Setting::Port => self.port.is_some(),
            Setting::User => self.user.is_some(),
            Setting::Password => self.password.is_some(),
            Setting::Database => self.database.is_some(),
            // The URL may spell these the MySQL way, which counts as given.
            Setting::Option("sslmode") => self.option(&["sslmode", "ssl_mode"]).is_some(),
            Setting::Option("sslrootcert") => {
                self.option(&["sslrootcert", "ssl_ca", "sslca"]).is_some()
            }
            Setting::Option(name) => self.option(&[name]).is_some(),
        }
    }

    /// Sets `setting` to `value` unless it is set already; `from` names the source
    /// for messages.
    fn fill(&mut self, setting: Setting, value: &str, from: &str) -> Result<()> {
        if self.is_set(setting) || value.is_empty() {
            return Ok(());
        }
        match setting {
            Setting::Host => {
                if value.contains(',') {
                    return Err(coded(
                        ExitCode::Usage,
                        format!("{from}: host `{value}` lists several hosts; sessctl connects to one: give one host"),
                    ));
                }
                self.host = Some(host_of(value));
            }
            Setting::Port => {
                self.port = Some(value.trim().parse::<u16>().map_err(|_| {
                    coded(
                        ExitCode::Usage,
                        format!("{from}: port `{value}` is not a port number"),
                    )
                })?);
            }
            Setting::User => self.user = Some(value.to_owned()),
            Setting::Password => {
                self.password = Some(value.to_owned());
                self.password_from = Some(from.to_owned());
            }
            Setting::Database => self.database = Some(value.to_owned()),
            // Earlier options lose to later ones: a default goes first.
            Setting::Option(name) => self.options.insert(0, (name.to_owned(), value.to_owned())),
        }
        Ok(())
    }
}

fn host_of(value: &str) -> ServerHost {
    if value.starts_with('/') {
        ServerHost::Socket(PathBuf::from(value))
    } else {
        ServerHost::Tcp(value.to_owned())
    }
}

/// Fills what a PostgreSQL URL leaves out, in libpq's order (see the module
/// documentation).
pub fn postgres(server: &mut ServerUrl, shown: &str, env: &Env) -> Result<()> {
    let service = match server.option(&["service"]) {
        Some(name) => Some((name.to_owned(), format!("`{shown}`"))),
        None => env
            .var("PGSERVICE")?
            .map(|name| (name, "PGSERVICE".to_owned())),
    };
    if let Some((name, named_by)) = service {
        let (file, entries) = find_service(&name, &named_by, env)?;
        for (line, key, value) in entries {
            let from = format!("service file {} line {line}", file.display());
            match LIBPQ.iter().find(|(k, _, _)| *k == key) {
                Some((_, setting, _)) => server.fill(*setting, &value, &from)?,
                None if LIBPQ_IGNORED.contains(&key.as_str()) || key == "service" => {}
                None => {
                    return Err(coded(
                        ExitCode::Usage,
                        format!(
                        "{from}: `{key}` is not a libpq connection option; correct or remove it"
                    ),
                    ))
                }
            }
        }
    }
    for (_, setting, var) in LIBPQ {
        if let Some(var) = var {
            if let Some(value) = env.var(var)? {
                server.fill(*setting, &value, var)?;
            }
        }
    }
    if server.user.is_none() {
        server.user = env.os_user()?;
    }
    if server.password.is_none() {
        if let Some(user) = server.user.clone() {
            password_from_file(server, &user, env)?;
        }
    }
    Ok(())
}

/// A line of a settings file: its number, the key and the value.
type Entry = (usize, String, String);

/// The service files in libpq's order: the user's, then the system's.
fn service_files(env: &Env) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    match env.var("PGSERVICEFILE")? {
        Some(file) => files.push(PathBuf::from(file)),
        None => files.extend(in_home(env, ".pg_service.conf")?),
    }
    let sysconf = env
        .var("PGSYSCONFDIR")?
        .unwrap_or_else(|| "/etc/postgresql-common".to_owned());
    files.push(Path::new(&sysconf).join("pg_service.conf"));
    Ok(files)
}

/// The entries (line number, key, value) of service `name` from the first file that
/// defines it. A service no file defines is a usage error, as libpq refuses it.
fn find_service(name: &str, named_by: &str, env: &Env) -> Result<(PathBuf, Vec<Entry>)> {
    let files = service_files(env)?;
    for file in &files {
        let Some(text) = read_settings_file(file, "service file")? else {
            continue;
        };
        if let Some(entries) = parse_service(&text.text, name, file)? {
            return Ok((file.clone(), entries));
        }
    }
    Err(coded(
        ExitCode::Usage,
        format!(
            "service `{name}` (named by {named_by}) is not defined in {}; add a [{name}] section, or set PGSERVICEFILE to the file that has it",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ))
}

/// The entries of section `[name]` of a pg_service.conf, or `None` when there is no
/// such section.
fn parse_service(text: &str, name: &str, file: &Path) -> Result<Option<Vec<Entry>>> {
    let mut entries: Option<Vec<Entry>> = None;
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            if inside {
                break;
            }
            let section = section.strip_suffix(']').ok_or_else(|| {
                coded(
                    ExitCode::Usage,
                    format!(
                        "service file {} line {}: a section name must end with `]`",
                        file.display(),
                        n + 1
                    ),
                )
            })?;
            inside = section == name;
            if inside {
                entries = Some(Vec::new());
            }
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "service file {} line {}: expected KEY=VALUE",
                    file.display(),
                    n + 1
                ),
            ));
        };
        if let Some(entries) = entries.as_mut() {
            entries.push((n + 1, key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Ok(entries)
}

/// A settings file's text; `None` when it does not exist. Any other failure to read
/// it is a usage error naming the file.
fn read_settings_file(path: &Path, what: &str) -> Result<Option<textfile::Text>> {
    match textfile::read(path, MAX_SETTINGS_FILE) {
        Ok(text) => Ok(Some(text)),
        Err(textfile::Problem::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(problem) => Err(coded(
            ExitCode::Usage,
            format!("{what} {}: {}", path.display(), describe(&problem)),
        )),
    }
}

fn describe(problem: &textfile::Problem) -> String {
    match problem {
        textfile::Problem::Io(e) => e.to_string(),
        textfile::Problem::NotRegular => {
            "not a regular file (a directory, device, FIFO or socket)".to_owned()
        }
        textfile::Problem::TooLarge(_) => {
            format!("larger than {} KiB", MAX_SETTINGS_FILE >> 10)
        }
        textfile::Problem::NotUtf8 => "not valid UTF-8".to_owned(),
    }
}

/// The socket directories libpq builds default to (Debian's, and upstream's).
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/tmp"];

/// Looks the password up in the password file, as libpq does when no password was
/// given: `passfile`, `PGPASSFILE` (both already in the options), else `~/.pgpass`.
fn password_from_file(server: &mut ServerUrl, user: &str, env: &Env) -> Result<()> {
    let path = match server.option(&["passfile"]) {
        Some(path) => PathBuf::from(path),
        None => match in_home(env, ".pgpass")? {
            Some(path) => path,
            None => return Ok(()),
        },
    };
    // libpq: an unreadable or odd password file is passed over, with a warning.
    let text = match textfile::read(&path, MAX_SETTINGS_FILE) {
        Ok(text) => text,
        Err(textfile::Problem::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(problem) => {
            warn(&format!(
                "password file {} is not used: {}",
                path.display(),
                describe(&problem)
            ));
            return Ok(());
        }
    };
    if text.mode & 0o077 != 0 {
        warn(&format!(
            "password file {} has group or world access (mode {:04o}); it is ignored: permissions should be u=rw (0600) or less",
            path.display(),
            text.mode
        ));
        return Ok(());
    }
    // libpq matches a socket in its default directory, and no host, as `localhost`.
    let host = match &server.host {
        None => "localhost".to_owned(),
        Some(ServerHost::Socket(dir))
            if DEFAULT_SOCKET_DIRS
                .iter()
                .any(|d| Path::new(d) == dir.as_path()) =>
        {
            "localhost".to_owned()
        }
        Some(ServerHost::Socket(dir)) => dir.to_string_lossy().into_owned(),
        Some(ServerHost::Tcp(host)) => host.clone(),
    };
    let port = server.port.unwrap_or(5432).to_string();
    let database = server.database.clone().unwrap_or_else(|| user.to_owned());
    if let Some((line, password)) = pgpass_lookup(&text.text, [&host, &port, &database, user]) {
        server.password = Some(password);
        server.password_from = Some(format!("password file {} line {line}", path.display()));
    }
    Ok(())
}

/// The first line of a .pgpass text that matches `wanted` (host, port, database,
/// user): its number and password. `*` matches anything; `\` escapes the next
/// character (`\:`, `\\`); lines starting with `#` are comments.
fn pgpass_lookup(text: &str, wanted: [&str; 4]) -> Option<(usize, String)> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = fields[..4]
            .iter()
            .zip(wanted)
            .all(|((field, literal_star), want)| (field == "*" && !literal_star) || field == want);
        if matches {
            // Whatever follows a fifth `:` belongs to the password too, as in libpq.
            let password = fields[4..]
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(":");
            return Some((n + 1, password));
        }
    }
    None
}

/// The `:`-separated fields of a .pgpass line, unescaped, each with whether it held an
/// escaped character (so `\*` is a literal star, not a wildcard).
fn split_pgpass(line: &str) -> Vec<(String, bool)> {
    let mut fields = vec![(String::new(), false)];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        let last = fields.last_mut().expect("one field at least");
        match c {
            '\\' => match chars.next() {
                Some(next) => {
                    last.0.push(next);
                    last.1 = true;
                }
                None => last.0.push('\\'),
            },
            ':' => fields.push((String::new(), false)),
            c => last.0.push(c),
        }
    }
    fields
}

/// Fills what a MySQL URL leaves out from the `[client]` section of `~/.my.cnf`.
pub fn mysql(server: &mut ServerUrl, env: &Env) -> Result<()> {
    let Some(path) = in_home(env, ".my.cnf")? else {
        return Ok(());
    };
    let Some(text) = read_settings_file(&path, "option file")? else {
        return Ok(());
    };
    if text.mode & 0o002 != 0 {
        // The mysql client ignores a world-writable option file, and says so.
        warn(&format!(
            "option file {} is world-writable (mode {:04o}); it is ignored, as the mysql client ignores it: chmod 0600 it",
            path.display(),
            text.mode
        ));
        return Ok(());
    }
    let client = parse_my_cnf(&text.text, &path)?;
    let get = |key: &str| {
        client
            .iter()
            .rev()
            .find(|(_, k, _)| k == key)
            .map(|(line, _, v)| (*line, v.clone()))
    };
    let from = |line: usize| format!("option file {} line {line}", path.display());
    if server.user.is_none() {
        server.user = get("user").map(|(_, v)| v);
    }
    if server.password.is_none() {
        if let Some((line, password)) = get("password") {
            server.password = Some(password);
            server.password_from = Some(from(line));
        }
    }
    if server.host.is_none() {
        let host = get("host").map(|(_, v)| v);
        let socket = get("socket").map(|(_, v)| v);
        server.host = match (host, socket) {
            // The mysql client takes `localhost` for the Unix socket.
            (None, Some(socket)) => Some(ServerHost::Socket(PathBuf::from(socket))),
            (Some(host), Some(socket)) if host == "localhost" => {
                Some(ServerHost::Socket(PathBuf::from(socket)))
            }
            (Some(host), _) => Some(ServerHost::Tcp(host)),
            (None, None) => None,
        };
    }
    if server.port.is_none() {
        if let Some((line, port)) = get("port") {
            server.port = Some(port.trim().parse::<u16>().map_err(|_| {
                coded(
                    ExitCode::Usage,
                    format!("{}: port `{port}` is not a port number", from(line)),
                )
            })?);
        }
    }
    Ok(())
}

/// The options of the `[client]` groups of a my.cnf text: line number, name (with
/// `-` read as `_`, lower case) and value (quotes removed, escapes read).
fn parse_my_cnf(text: &str, file: &Path) -> Result<Vec<Entry>> {
    let mut options = Vec::new();
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        // `!include` and `!includedir` name other files, which are not read.
        if line.starts_with('!') {
            continue;
        }
        if let Some(group) = line.strip_prefix('[') {
            let group = group.split(']').next().unwrap_or_default().trim();
            inside = group.eq_ignore_ascii_case("client");
            continue;
        }
        if !inside {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((name, value)) => (name.trim(), value.trim()),
            None => (line, ""),
        };
        let value = my_cnf_value(value).ok_or_else(|| {
            coded(
                ExitCode::Usage,
                format!(
                    "option file {} line {}: a quoted value is not closed",
                    file.display(),
                    n + 1
                ),
            )
        })?;
        options.push((n + 1, name.to_ascii_lowercase().replace('-', "_"), value));
    }
    Ok(options)
}

/// An option value as the mysql client reads it: in single or double quotes (escapes
/// `\n`, `\t`, `\r`, `\b`, `\s`, `\\`, `\"`, `\'` read), or bare up to a ` #` comment.
fn my_cnf_value(value: &str) -> Option<String> {
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'');
    let Some(quote) = quote else {
        let bare = match value.find(" #").or_else(|| value.find("\t#")) {
            Some(i) => &value[..i],
            None => value,
        };
        return Some(unescape(bare.trim_end()));
    };
    let mut out = String::new();
    let mut chars = value[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                's' => out.push(' '),
                other => out.push(other),
            },
            c if c == quote => return Some(out),
            c => out.push(c),
        }
    }
    None
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('s') => out.push(' '),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn server(raw: &str) -> ServerUrl {
        ServerUrl::parse(&url::Url::parse(raw).unwrap(), "x").unwrap()
    }

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn pgpass_wildcards_escapes_and_order() {
        let text = "# comment\n\
                    db.example:5432:app:web:first\n\
                    *:*:*:web:any\\:thing\n\
                    h\\:x:*:*:*:colon-host\n\
                    \\*:*:*:*:literal-star\n";
        assert_eq!(
            pgpass_lookup(text, ["db.example", "5432", "app", "web"]),
            Some((2, "first".into()))
        );
        assert_eq!(
            pgpass_lookup(text, ["other", "6432", "x", "web"]),
            Some((3, "any:thing".into()))
        );
        assert_eq!(
            pgpass_lookup(text, ["h:x", "1", "d", "u"]),
            Some((4, "colon-host".into()))
        );
        // `\*` is a star, not a wildcard.
        assert_eq!(pgpass_lookup(text, ["elsewhere", "1", "d", "u"]), None);
        assert_eq!(
            pgpass_lookup(text, ["*", "1", "d", "u"]),
            Some((5, "literal-star".into()))
        );
        assert_eq!(pgpass_lookup("a:b:c\n", ["a", "b", "c", "d"]), None);
    }

    #[test]
    fn libpq_order_url_then_service_then_environment_then_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "services.conf",
            "[other]\nport=1\n[app]\n# the app's server\nhost=svc.example\nport=6543\nsslmode=require\n",
            0o600,
        );
        let file = file.to_str().unwrap();
        let env = Env::fixed(&[
            ("PGSERVICEFILE", file),
            ("PGSYSCONFDIR", dir.path().to_str().unwrap()),
            ("PGHOST", "env.example"),
            ("PGPORT", "7000"),
            ("PGUSER", "envuser"),
            ("PGDATABASE", "envdb"),
            ("PGSSLMODE", "disable"),
            ("PGCONNECT_TIMEOUT", "3"),
            ("HOME", dir.path().to_str().unwrap()),
        ]);
        let mut u = server("postgres:///?user=urluser&service=app");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.user.as_deref(), Some("urluser"));
        // libpq: the service file beats the environment.
        assert_eq!(u.host, Some(ServerHost::Tcp("svc.example".into())));
        assert_eq!(u.port, Some(6543));
        assert_eq!(u.option(&["sslmode"]), Some("require"));
        assert_eq!(u.database.as_deref(), Some("envdb"));
        assert_eq!(u.option(&["connect_timeout"]), Some("3"));
        assert_eq!(u.password, None);

        // Without a service the environment fills in; the URL still wins.
        let mut u = server("postgres:///urldb?sslmode=verify-full");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.host, Some(ServerHost::Tcp("env.example".into())));
        assert_eq!(u.port, Some(7000));
        assert_eq!(u.user.as_deref(), Some("envuser"));
        assert_eq!(u.database.as_deref(), Some("urldb"));
        assert_eq!(u.option(&["sslmode"]), Some("verify-full"));
    }

    #[test]
    fn an_unknown_service_or_a_bad_entry_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "s.conf", "[app]\nhots=x\n", 0o600);
        let env = Env::fixed(&[
            ("PGSERVICEFILE", file.to_str().unwrap()),
            ("PGSYSCONFDIR", dir.path().to_str().unwrap()),
            ("PGSERVICE", "nope"),
        ]);
        let mut u = server("postgres://u@h/d");
        let err = postgres(&mut u, "x", &env).unwrap_err();
        assert_eq!(crate::exit::code_of(&err), ExitCode::Usage);
        let text = format!("{err:#}");
        assert!(
            text.contains("service `nope`") && text.contains("PGSERVICE"),
            "{text}"
        );
        let mut u = server("postgres://u@h/d?service=app");
        let text = format!("{:#}", postgres(&mut u, "x", &env).unwrap_err());
        assert!(
            text.contains("`hots` is not a libpq connection option"),
            "{text}"
        );
        assert!(text.contains("line 2"), "{text}");
    }

    #[test]
    fn pgpass_only_without_a_password_and_only_when_private() {
        let dir = tempfile::tempdir().unwrap();
        let pass = write(
            dir.path(),
            "pgpass",
            "localhost:5432:app:web:from-file\n",
            0o600,
        );
        let env = Env::fixed(&[("PGPASSFILE", pass.to_str().unwrap())]);
        // No host: the default socket, matched as `localhost`.
        let mut u = server("postgres:///app?user=web");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.password.as_deref(), Some("from-file"));
        assert!(u.password_from.as_deref().unwrap().contains("line 1"));
        let mut u = server("postgres://web@%2Fvar%2Frun%2Fpostgresql/app");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.password.as_deref(), Some("from-file"));
        // A password in the URL or PGPASSWORD wins; the file is not consulted.
        let mut u = server("postgres://web:given@localhost/app");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.password.as_deref(), Some("given"));
        let env2 = Env::fixed(&[
            ("PGPASSFILE", pass.to_str().unwrap()),
            ("PGPASSWORD", "env"),
        ]);
        let mut u = server("postgres://web@localhost/app");
        postgres(&mut u, "x", &env2).unwrap();
        assert_eq!(u.password.as_deref(), Some("env"));
        assert_eq!(u.password_from.as_deref(), Some("PGPASSWORD"));
        // Group-readable: ignored, as libpq ignores it.
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o640)).unwrap();
        let mut u = server("postgres:///app?user=web");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.password, None);
    }

    #[test]
    fn the_os_user_is_the_default_user() {
        let env = Env::fixed(&[("USER", "deploy")]);
        let mut u = server("postgres:///app");
        postgres(&mut u, "x", &env).unwrap();
        assert_eq!(u.user.as_deref(), Some("deploy"));
        assert_eq!(u.host, None);
    }

    #[test]
    fn my_cnf_client_section_fills_what_the_url_lacks() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            ".my.cnf",
            "[mysqld]\nuser=mysql\n[client]\nuser = app\npassword = \"p#ss \\\"w\\\"\" # comment\nport=3307\nsocket=/run/my.sock\n[mysql]\nuser=other\n",
            0o600,
        );
        let env = Env::fixed(&[("HOME", dir.path().to_str().unwrap())]);
        let mut u = server("mysql:///db");
        mysql(&mut u, &env).unwrap();
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.password.as_deref(), Some("p#ss \"w\""));
        assert!(u.password_from.as_deref().unwrap().contains("line 5"));
        assert_eq!(u.host, Some(ServerHost::Socket("/run/my.sock".into())));
        assert_eq!(u.port, Some(3307));
        let mut u = server("mysql://root:given@db.example:3306/db");
        mysql(&mut u, &env).unwrap();
        assert_eq!(u.user.as_deref(), Some("root"));
        assert_eq!(u.password.as_deref(), Some("given"));
        assert_eq!(u.host, Some(ServerHost::Tcp("db.example".into())));
        assert_eq!(u.port, Some(3306));
        // A host other than localhost is TCP, the socket left aside.
        write(
            dir.path(),
            ".my.cnf",
            "[client]\nhost=db2\nsocket=/s\n",
            0o600,
        );
        let mut u = server("mysql:///db");
        mysql(&mut u, &env).unwrap();
        assert_eq!(u.host, Some(ServerHost::Tcp("db2".into())));
        // World-writable: ignored.
        write(dir.path(), ".my.cnf", "[client]\nuser=x\n", 0o666);
        let mut u = server("mysql:///db");
        mysql(&mut u, &env).unwrap();
        assert_eq!(u.user, None);
    }
}
