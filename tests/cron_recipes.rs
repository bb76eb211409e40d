//! The README's install commands and cron lines, run as cron runs them.
//!
//! Both are taken from README.md itself (the `sh` block under "Install" and the `cron`
//! block under "Cron, systemd and CI"), so the test fails as soon as the README drifts:
//!
//! - every cron line must parse as an `/etc/cron.d` entry (five valid time fields, a user,
//!   a command whose `%` are escaped, sessctl named by its absolute path);
//! - the install commands run (without `sudo`) into a temporary prefix that stands in for
//!   `/usr/local`, with the test build as `target/release/sessctl`;
//! - each line's command, unescaped as cron unescapes it, runs in `/bin/sh -c` with cron's
//!   environment and nothing else (`PATH=/usr/bin:/bin`, `HOME`, `LOGNAME`, `SHELL`),
//!   against real stores at the README's paths mapped into the same temporary root. It must
//!   exit 0, print nothing (cron would mail it), and leave exactly the active sessions.
//!
//! The paths are mapped rather than used as they are because a test must not change the
//! machine it runs on (`/usr/local/bin`, `/srv`, `/etc` of a developer's machine, or two
//! runs at once). What makes the README's real paths work is kept: the temporary root is
//! world-readable like `/usr/local`, and when the test runs as root (as CI does) the lines
//! run as `nobody`, an unprivileged user that can reach the binary only through directories
//! every user may enter, which is what `~/.cargo/bin` under `/root` lacks (checked too).

mod servers;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The README's absolute paths that the test maps into its temporary root.
const MAPPED_ROOTS: [&str; 4] = ["/usr/local", "/srv/app", "/var/lib/app", "/etc/app"];
/// The user `nobody` and its group, for the runs as root.
const NOBODY: u32 = 65534;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The first fenced block of `lang` after the heading `heading`.
fn fenced_block(readme: &str, heading: &str, lang: &str) -> String {
    let section = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no `{heading}`"))
        .1;
    let body = section
        .split_once(&format!("```{lang}\n"))
        .unwrap_or_else(|| panic!("no ```{lang} block under {heading}"))
        .1;
    body.split_once("\n```").unwrap().0.to_owned() + "\n"
}

/// One line of an `/etc/cron.d` file.
#[derive(Debug)]
struct Entry {
    line: String,
    user: String,
    /// The command as written in the file (still with `\%`).
    command: String,
}

/// Parses an `/etc/cron.d` file: comments, blank lines, `NAME=value` settings and
/// entries of five time fields, a user and a command. Panics on anything else.
fn parse_cron_d(text: &str) -> (Vec<(String, String)>, Vec<Entry>) {
    let mut settings = Vec::new();
    let mut entries = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = trimmed.split_once('=') {
            let name = name.trim_end();
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
            {
                settings.push((name.to_owned(), value.trim().to_owned()));
                continue;
            }
        }
        // Five time fields and the user, each followed by blanks, then the command.
        let mut rest = trimmed;
        let mut fields = Vec::new();
        for _ in 0..6 {
            let end = rest
                .find([' ', '\t'])
                .unwrap_or_else(|| panic!("too few fields: {line}"));
            fields.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
        assert!(!rest.is_empty(), "no command: {line}");
        let limits: [(u32, u32, &[&str]); 5] = [
            (0, 59, &[]),
            (0, 23, &[]),
            (1, 31, &[]),
            (1, 12, &MONTHS),
            (0, 7, &DAYS),
        ];
        for (field, (min, max, names)) in fields.iter().zip(limits) {
            assert!(
                time_field_is_valid(field, min, max, names),
                "time field `{field}` is not valid ({min}-{max}): {line}"
            );
        }
        let user = fields[5];
        assert!(
            user.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && user
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c)),
            "`{user}` is not a user name (an /etc/cron.d line needs the user column): {line}"
        );
        entries.push(Entry {
            line: line.to_owned(),
            user: user.to_owned(),
            command: rest.to_owned(),
        });
    }
    (settings, entries)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// A cron time field: `*`, `N`, `N-M`, names, each with an optional `/STEP`, in lists.
fn time_field_is_valid(field: &str, min: u32, max: u32, names: &[&str]) -> bool {
    let value = |text: &str| -> Option<u32> {
        match text.parse::<u32>() {
            Ok(n) => (min..=max).contains(&n).then_some(n),
            Err(_) => names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(text))
                .map(|i| i as u32 + if min == 1 { 1 } else { 0 }),
        }
    };
    field.split(',').all(|item| {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|s| s > 0));
        let range_ok = match range.split_once('-') {
            _ if range == "*" => true,
            Some((a, b)) => matches!((value(a), value(b)), (Some(a), Some(b)) if a <= b),
            None => value(range).is_some() && step.is_none(),
        };
        step_ok && range_ok
    })
}

/// The command cron hands to the shell: up to the first unescaped `%`, with `\%` as `%`.
fn as_cron_runs_it(command: &str) -> String {
    let mut out = String::new();
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                out.push('%');
                chars.next();
            }
            '%' => break,
            c => out.push(c),
        }
    }
    out
}

/// The README's absolute paths, moved under `root`.
fn mapped(command: &str, root: &Path) -> String {
    let mut text = command.to_owned();
    for prefix in MAPPED_ROOTS {
        text = text.replace(prefix, &format!("{}{prefix}", root.display()));
    }
    text
}

/// Whether this process is root (then the lines run as `nobody`).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

/// Runs `command` as cron runs a job: `/bin/sh -c`, cron's environment and nothing else
/// (plus the file's own settings), as `nobody` when we are root.
fn run_as_cron(command: &str, settings: &[(String, String)], home: &Path) -> Output {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(command)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/sh")
        .env("HOME", home)
        .env("LOGNAME", if is_root() { "nobody" } else { "tester" })
        .current_dir(home)
        .stdin(std::process::Stdio::null());
    for (name, value) in settings {
        cmd.env(name, value);
    }
    if is_root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd.output().unwrap()
}

/// Hands `path` (and everything below it) to the user the lines run as.
fn give_to_runner(path: &Path) {
    if !is_root() {
        return;
    }
    let status = Command::new("chown")
        .args(["-R", &format!("{NOBODY}:{NOBODY}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// A temporary root that every user may enter, as `/usr/local` or `/srv` are.
fn open_root() -> TempDir {
    let tmp = TempDir::new().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}

/// Runs the README's install commands with `root` standing in for `/`.
fn install_into(root: &Path) {
    let block = fenced_block(&readme(), "## Install", "sh");
    let binary = assert_cmd::cargo::cargo_bin("sessctl");
    // Like /usr/local/bin on every system, the prefix's bin/ exists before the install.
    std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
    let mut installed = 0;
    for line in block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line.starts_with("cargo ") {
            continue; // the test's own build stands in for the release build
        }
        let command = line
            .strip_prefix("sudo ")
            .unwrap_or_else(|| panic!("an install step for every user needs root: {line}"));
        let command = mapped(command, root).replace(
            "target/release/sessctl",
            binary.to_str().expect("a UTF-8 build path"),
        );
        // `install` writes the copy in a process of its own, so no file descriptor of
        // this (multi-threaded) test process holds the binary open for writing when a
        // line later executes it.
        let output = Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        installed += 1;
    }
    assert!(
        installed >= 2,
        "the install block lost its commands:\n{block}"
    );
}

fn cron_lines() -> (Vec<(String, String)>, Vec<Entry>) {
    let block = fenced_block(&readme(), "## Cron, systemd and CI", "cron");
    let (settings, entries) = parse_cron_d(&block);
    // The file is named in its first line; cron skips names with anything but
    // letters, digits, `-` and `_`.
    let name = block
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# /etc/cron.d/"))
        .and_then(|l| l.split(':').next())
        .expect("the block starts with `# /etc/cron.d/NAME: ...`");
    assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "cron skips /etc/cron.d/{name}"
    );
    (settings, entries)
}

#[test]
fn readme_cron_lines_are_cron_d_entries() {
    let (_, entries) = cron_lines();
    assert!(entries.len() >= 3, "{entries:?}");
    for entry in &entries {
        let command = &entry.command;
        let bytes = command.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            assert!(
                *b != b'%' || (i > 0 && bytes[i - 1] == b'\\'),
                "an unescaped % ends the command (cron makes the rest stdin): {}",
                entry.line
            );
        }
        assert!(
            command.contains("/usr/local/bin/sessctl "),
            "cron's PATH is /usr/bin:/bin: name /usr/local/bin/sessctl: {}",
            entry.line
        );
        assert!(
            !command.split_whitespace().any(|word| word == "sessctl"),
            "sessctl without its path: {}",
            entry.line
        );
    }
}

#[test]
fn the_cron_d_parser_refuses_what_cron_refuses() {
    assert!(
        parse_cron_d("10 3 * * * app /usr/local/bin/sessctl stats\n")
            .1
            .len()
            == 1
    );
    for bad in [
        "60 3 * * * app /bin/true",
        "10 24 * * * app /bin/true",
        "10 3 0 * * app /bin/true",
        "10 3 * 13 * app /bin/true",
        "10 3 * * 8 app /bin/true",
        "*/0 3 * * * app /bin/true",
    ] {
        let result = std::panic::catch_unwind(|| parse_cron_d(bad));
        assert!(result.is_err(), "accepted: {bad}");
    }
    // A user's own crontab line (no user column) reads its command's first word as the
    // user: a path is no user name.
    assert!(std::panic::catch_unwind(|| parse_cron_d(
        "10 3 * * * /usr/local/bin/sessctl clear-expired -q\n"
    ))
    .is_err());
    assert!(time_field_is_valid("mon-fri", 0, 7, &DAYS));
    assert!(time_field_is_valid("1,15,30-45/5", 0, 59, &[]));
    assert_eq!(as_cron_runs_it(r"echo a\%b%stdin"), "echo a%b");
}

#[test]
fn install_step_puts_everything_where_users_and_cron_find_it() {
    let root = open_root();
    install_into(root.path());
    let bin = root.path().join("usr/local/bin/sessctl");
    let mode = std::fs::metadata(&bin).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755, "{}", bin.display());
    for page in ["sessctl.1", "sessctl-clear-expired.1", "sessctl-stats.1"] {
        let path = root.path().join("usr/local/share/man/man1").join(page);
        assert!(path.is_file(), "{}", path.display());
    }
    for completion in [
        "usr/local/share/bash-completion/completions/sessctl",
        "usr/local/share/zsh/site-functions/_sessctl",
        "usr/local/share/fish/vendor_completions.d/sessctl.fish",
    ] {
        assert!(root.path().join(completion).is_file(), "{completion}");
    }
    // The installed binary runs for a user with cron's PATH and no HOME of its own.
    let output = run_as_cron(&format!("{} --version", bin.display()), &[], Path::new("/"));
    assert!(output.status.success(), "{output:?}");
}

/// A binary in a directory only its owner may enter (`~/.cargo/bin` under `/root`) does
/// not run for the users cron jobs run as; the installed one does. Only as root, where
/// the lines run as another user.
#[test]
fn a_binary_under_roots_home_is_out_of_reach_for_cron_users() {
    if !is_root() {
        servers::say_skipped(
            "SKIPPED: a_binary_under_roots_home_is_out_of_reach_for_cron_users needs root".into(),
        );
        return;
    }
    let root = open_root();
    let private = root.path().join("root/.cargo/bin");
    std::fs::create_dir_all(&private).unwrap();
    std::fs::set_permissions(
        root.path().join("root"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let output = Command::new("install")
        .args(["-m", "0755"])
        .arg(assert_cmd::cargo::cargo_bin("sessctl"))
        .arg(private.join("sessctl"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let output = run_as_cron(
        &format!("{} --version", private.join("sessctl").display()),
        &[],
        Path::new("/"),
    );
    assert_eq!(output.status.code(), Some(126), "{output:?}");
    // And by name alone, cron's PATH does not find it.
    let output = run_as_cron("sessctl --version", &[], Path::new("/"));
    assert_eq!(output.status.code(), Some(127), "{output:?}");
}

/// The stores the README's lines name, made at their mapped paths.
struct Stores {
    root: TempDir,
    home: PathBuf,
    sqlite: PathBuf,
    sessions: PathBuf,
    /// The Django 6.1 fixture set the stores are made from.
    set: PathBuf,
}

/// Sessions that stay active whatever the clock says.
const ACTIVE_KEYS: [&str; 3] = [
    "cronactive0000000000000000000001",
    "cronactive0000000000000000000002",
    "cronactive0000000000000000000003",
];

impl Stores {
    fn new() -> Stores {
        let set = servers::fixtures("django-6.1");
        let root = open_root();
        install_into(root.path());
        let app = root.path().join("srv/app");
        std::fs::create_dir_all(&app).unwrap();
        let sqlite = app.join("db.sqlite3");
        std::fs::copy(set.join("sessions.sqlite3"), &sqlite).unwrap();
        let data = servers::fixture_rows(&set)[0].1.clone();
        let conn = rusqlite::Connection::open(&sqlite).unwrap();
        for key in ACTIVE_KEYS {
            conn.execute(
                "INSERT INTO django_session VALUES (?1, ?2, '2999-01-01 00:00:00')",
                (key, &data),
            )
            .unwrap();
        }
        drop(conn);
        let sessions = root.path().join("var/lib/app/sessions");
        std::fs::create_dir_all(sessions.parent().unwrap()).unwrap();
        // cp -a keeps the files' mtimes, which decide the expiry of some of them.
        let status = Command::new("cp")
            .arg("-a")
            .arg(set.join("files"))
            .arg(&sessions)
            .status()
            .unwrap();
        assert!(status.success());
        let etc = root.path().join("etc/app");
        std::fs::create_dir_all(&etc).unwrap();
        let key_file = etc.join("secret-key");
        std::fs::write(
            &key_file,
            format!(
                "{}\n",
                servers::manifest(&set)["secret_key"].as_str().unwrap()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let home = root.path().join("home");
        std::fs::create_dir(&home).unwrap();
        for path in [&app, &sessions, &etc, &home] {
            give_to_runner(path);
        }
        Stores {
            root,
            home,
            sqlite,
            sessions,
            set,
        }
    }

    /// Writes the URL file the PostgreSQL line reads (0600, the runner's).
    fn write_database_url(&self, url: &str) {
        let path = self.root.path().join("etc/app/database-url");
        std::fs::write(&path, format!("{url}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        give_to_runner(&path);
    }

    /// Runs one README line's command as cron would; it must succeed without a word.
    fn run(
        &self,
        entry: &Entry,
        settings: &[(String, String)],
        rewrite: impl Fn(String) -> String,
    ) {
        let command = rewrite(mapped(&as_cron_runs_it(&entry.command), self.root.path()));
        let output = run_as_cron(&command, settings, &self.home);
        assert!(
            output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
            "{}\nran as: {command}\nexit {:?}\nstdout: {}\nstderr: {}",
            entry.line,
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Session keys in a store (`args` name it), all or only the expired ones, now.
    fn keys(&self, args: &[&str], expired: bool) -> Vec<String> {
        let mut cmd = servers::sessctl();
        cmd.args(args).args(["list", "--format", "json"]);
        if expired {
            cmd.arg("--expired");
        }
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let mut keys: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                row["session_key"].as_str().unwrap().to_owned()
            })
            .collect();
        keys.sort();
        keys
    }
}

/// Runs `entry`, then checks that exactly the sessions that were active remain.
fn purges_exactly_the_expired(stores: &Stores, store: &[&str], run: impl FnOnce()) {
    let all = stores.keys(store, false);
    let expired = stores.keys(store, true);
    assert!(!expired.is_empty(), "nothing to purge in {store:?}");
    assert!(expired.len() < all.len(), "nothing to keep in {store:?}");
    run();
    let left = stores.keys(store, false);
    let kept: Vec<String> = all.into_iter().filter(|k| !expired.contains(k)).collect();
    assert_eq!(left, kept, "{store:?}");
}

fn line_for<'a>(entries: &'a [Entry], needle: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.command.contains(needle))
        .unwrap_or_else(|| panic!("no README cron line with `{needle}`"))
}

#[test]
fn readme_cron_lines_run_as_cron_runs_them_on_sqlite_and_session_files() {
    let (settings, entries) = cron_lines();
    let stores = Stores::new();
    let key_file = stores.root.path().join("etc/app/secret-key");
    let key_arg = key_file.to_str().unwrap();

    let sqlite = line_for(&entries, "DATABASE_URL=sqlite:");
    assert_eq!(sqlite.user, "app");
    let url = format!("sqlite:///{}", stores.sqlite.display());
    purges_exactly_the_expired(&stores, &["-d", &url], || {
        stores.run(sqlite, &settings, |c| c)
    });

    let files = line_for(&entries, "--session-dir");
    let dir = stores.sessions.to_str().unwrap();
    purges_exactly_the_expired(
        &stores,
        &["--session-dir", dir, "--secret-key-file", key_arg],
        || stores.run(files, &settings, |c| c),
    );

    // The line that reads its URL from a file: here the file names a SQLite database
    // (the PostgreSQL test below gives it a server's URL).
    let from_file = line_for(&entries, "--database-url-file ");
    let second = stores.root.path().join("srv/app/second.sqlite3");
    std::fs::copy(stores.set.join("sessions.sqlite3"), &second).unwrap();
    let conn = rusqlite::Connection::open(&second).unwrap();
    conn.execute(
        "UPDATE django_session SET expire_date = '2999-01-01 00:00:00' WHERE rowid % 3 = 0",
        (),
    )
    .unwrap();
    drop(conn);
    give_to_runner(&second);
    let url = format!("sqlite:///{}", second.display());
    stores.write_database_url(&url);
    purges_exactly_the_expired(&stores, &["-d", &url], || {
        stores.run(from_file, &settings, |c| c)
    });
}

#[test]
fn readme_cron_lines_run_as_cron_runs_them_on_postgres() {
    use servers::{Client, Kind};
    let test = "readme_cron_lines_run_as_cron_runs_them_on_postgres";
    let Some(server) = servers::server(Kind::Postgres, test) else {
        return;
    };
    let (settings, entries) = cron_lines();
    let stores = Stores::new();
    // A database of its own, with Django's table under Django's name, as the lines
    // expect; dropped at the end.
    let database = format!("sessctl_cron_{}", std::process::id());
    let mut admin = Client::connect(Kind::Postgres, &server).unwrap();
    admin.exec(&format!("DROP DATABASE IF EXISTS {database}"));
    admin.exec(&format!("CREATE DATABASE {database}"));
    struct DropDatabase(String, String);
    impl Drop for DropDatabase {
        fn drop(&mut self) {
            if let Ok(mut c) = Client::connect(Kind::Postgres, &self.0) {
                let _ = c.change(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1));
            }
        }
    }
    let _cleanup = DropDatabase(server.clone(), database.clone());
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{database}"));
    let user = url.username().to_owned();
    let fill = |url: &url::Url| {
        let mut table = servers::Table::create(Kind::Postgres, url.as_str(), "cron");
        let mut rows = servers::fixture_rows(&stores.set);
        let data = rows[0].1.clone();
        let future = chrono::DateTime::parse_from_rfc3339("2999-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        rows.extend(
            ACTIVE_KEYS
                .iter()
                .map(|k| (k.to_string(), data.clone(), future)),
        );
        table.insert(&rows);
        let name = table.name.clone();
        table.client.exec(&format!(
            "DROP TABLE IF EXISTS django_session; ALTER TABLE \"{name}\" RENAME TO django_session"
        ));
    };
    let store = ["-d", url.as_str()];

    // The URL file, with a TCP URL of the test server.
    fill(&url);
    stores.write_database_url(url.as_str());
    let from_file = line_for(&entries, "--database-url-file ");
    purges_exactly_the_expired(&stores, &store, || stores.run(from_file, &settings, |c| c));

    // The Unix-socket line, percent-escaped for cron; only the role and the database
    // differ from the README's (the test server's instead of app's).
    let socket = line_for(&entries, "%2Fvar");
    let socket_dir = Path::new("/var/run/postgresql");
    if !socket_dir.join(".s.PGSQL.5432").exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{test}: no PostgreSQL socket in {}",
            socket_dir.display()
        );
        servers::say_skipped(format!(
            "SKIPPED: {test}: the socket line (no server socket in {})",
            socket_dir.display()
        ));
        return;
    }
    fill(&url);
    purges_exactly_the_expired(&stores, &store, || {
        stores.run(socket, &settings, |c| {
            c.replace("postgres://app@", &format!("postgres://{user}@"))
                .replace("postgresql/app ", &format!("postgresql/{database} "))
        })
    });
}
