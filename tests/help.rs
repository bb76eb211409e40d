//! `--help` as users read it: a subcommand's own options first, the shared ones under
//! their headings, a short `-h`, and snapshots of every `--help` so a change to the help
//! text is always a reviewed change. Refresh the snapshots with
//! `SESSCTL_REGENERATE=1 cargo test --test help` (the same variable refreshes man/ and
//! completions/).

mod common;

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use common::sessctl;
use sessctl::cli::{heading, Cli};

/// The shared headings, in the order they must appear after a command's own options.
const SHARED_HEADINGS: [&str; 7] = [
    heading::BATCH,
    heading::STORE,
    heading::CACHE,
    heading::DJANGO,
    heading::USERS,
    heading::SIGNING,
    heading::OUTPUT,
];

/// Every visible subcommand's name, from the clap definition (so a new one is covered).
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_owned())
        .collect()
}

/// The help text of `args`, rendered as a pipe sees it (width 100, no colour).
fn help(args: &[&str]) -> String {
    let output = sessctl().env_remove("COLUMNS").args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The sections of a help text: each heading (a line `Name:` at column 0) with the option
/// names (`--long`) listed under it.
fn sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_suffix(':').filter(|_| !line.starts_with(' ')) {
            sections.push((name.to_owned(), Vec::new()));
        } else if let Some((_, options)) = sections.last_mut() {
            let entry = line.trim_start();
            // An option's entry starts its line with `-x, --long` or `--long`.
            if line.starts_with("  ") && entry.starts_with('-') {
                let long = entry
                    .split([' ', ','])
                    .find(|word| word.starts_with("--"))
                    .unwrap_or_default();
                options.push(long.to_owned());
            }
        }
    }
    sections
}

#[test]
fn own_options_come_first_and_shared_ones_under_headings() {
    let root = Cli::command();
    let global: Vec<String> = root
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| format!("--{}", a.get_long().unwrap()))
        .collect();
    for name in subcommands() {
        for flag in ["-h", "--help"] {
            let text = help(&[&name, flag]);
            let sections = sections(&text);
            let titles: Vec<&str> = sections.iter().map(|(t, _)| t.as_str()).collect();
            let options_at = titles.iter().position(|t| *t == "Options");
            assert!(options_at.is_some(), "{name} {flag}: no Options section");
            let (_, own) = &sections[options_at.unwrap()];
            assert!(
                own.iter().all(|o| !global.contains(o)),
                "{name} {flag}: shared options among the command's own: {own:?}"
            );
            // After Options, only the shared headings follow, in their order.
            let after: Vec<&str> = titles[options_at.unwrap() + 1..]
                .iter()
                .copied()
                .filter(|t| SHARED_HEADINGS.contains(t))
                .collect();
            let mut expected: Vec<&str> = SHARED_HEADINGS.to_vec();
            expected.retain(|h| after.contains(h));
            assert_eq!(after, expected, "{name} {flag}: heading order");
            for heading in &SHARED_HEADINGS[1..] {
                assert!(
                    after.contains(heading),
                    "{name} {flag}: no {heading} section"
                );
            }
            for option in &global {
                let under = sections
                    .iter()
                    .find(|(_, opts)| opts.contains(option))
                    .map(|(t, _)| t.as_str());
                assert!(
                    under.is_some_and(|t| SHARED_HEADINGS.contains(&t)),
                    "{name} {flag}: {option} is under {under:?}"
                );
            }
        }
    }
}

#[test]
fn short_help_is_the_first_line_of_each_option() {
    for name in subcommands() {
        let short = help(&[&name, "-h"]);
        let long = help(&[&name, "--help"]);
        // The long text of --database-url explains every URL form; -h only names one.
        assert!(long.contains("dj-database-url"), "{name} --help");
        assert!(!short.contains("dj-database-url"), "{name} -h:\n{short}");
        assert!(
            short.lines().count() * 3 < long.lines().count() * 2,
            "{name}: -h ({} lines) is not much shorter than --help ({} lines)",
            short.lines().count(),
            long.lines().count()
        );
    }
}

fn snapshot_path(args: &[&str]) -> PathBuf {
    let mut name = String::from("sessctl");
    for arg in args.iter().filter(|a| !a.starts_with('-')) {
        name.push('-');
        name.push_str(arg);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/help")
        .join(format!("{name}.txt"))
}

#[test]
fn help_matches_the_committed_snapshots() {
    let regenerate = std::env::var_os("SESSCTL_REGENERATE").is_some();
    let mut invocations: Vec<Vec<String>> = vec![vec!["--help".to_owned()]];
    invocations.extend(
        subcommands()
            .into_iter()
            .map(|s| vec![s, "--help".to_owned()]),
    );
    let mut stale = Vec::new();
    for args in &invocations {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = help(&args);
        let path = snapshot_path(&args);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(format!("{} ({})", path.display(), args.join(" ")));
        }
    }
    assert!(
        stale.is_empty(),
        "help differs from its snapshot: {stale:#?}\nreview the change, then refresh with SESSCTL_REGENERATE=1 cargo test --test help"
    );
}

/// Every environment variable the code reads is in the list `--help` and the man pages
/// show.
#[test]
fn every_variable_read_is_documented() {
    let documented: Vec<&str> = sessctl::help::ENVIRONMENT.iter().map(|v| v.name).collect();
    let mut read = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["non_empty_env(\"", "env::var(\"", "env::var_os(\""] {
                for piece in text.split(call).skip(1) {
                    let name = piece.split('"').next().unwrap();
                    read.push((name.to_owned(), path.display().to_string()));
                }
            }
        }
    }
    assert!(read.iter().any(|(name, _)| name == "DATABASE_URL"));
    for (name, file) in read {
        assert!(
            documented.contains(&name.as_str()),
            "{file} reads {name}, which sessctl::help::ENVIRONMENT does not list"
        );
    }
}
