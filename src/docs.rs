//! Shell completions and man pages, generated from the clap definition.
//!
//! They are committed under `completions/` and `man/` (packagers want files, not a build
//! step), written by the hidden `sessctl generate` subcommand, and `tests/generated_docs.rs`
//! fails when the committed copies differ from what the current definition renders.
//! Nothing that varies (dates, paths) goes into them.
//!
//! A man page has the sections man-pages(7) asks for: NAME, SYNOPSIS (every option with
//! its value), DESCRIPTION, OPTIONS (the command's own, then one subsection per help
//! heading), ENVIRONMENT, EXIT STATUS, FILES, EXAMPLES and SEE ALSO. clap_mangen renders
//! the parts it knows from the definition; the rest comes from [`crate::help`], the same
//! data `--help` shows.

use std::path::PathBuf;

use clap::{Arg, CommandFactory};
use clap_complete::Shell;
use clap_mangen::Man;
use roff::{bold, italic, roman, Inline, Roff};

use crate::cli::{heading, Cli};
use crate::exit::ExitCode;
use crate::help;

/// Every generated file: its path relative to the repository root, and its bytes.
pub fn render_all() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "sessctl.bash"),
        (Shell::Zsh, "_sessctl"),
        (Shell::Fish, "sessctl.fish"),
        (Shell::PowerShell, "_sessctl.ps1"),
        (Shell::Elvish, "sessctl.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "sessctl", &mut buf);
        files.push((PathBuf::from("completions").join(name), buf));
    }
    // The help subcommand has no page: `sessctl help X` is `sessctl X --help`.
    let mut root = Cli::command()
        .disable_help_subcommand(true)
        .subcommand_help_heading("COMMANDS");
    root.build();
    let pages: Vec<String> = std::iter::once("sessctl".to_owned())
        .chain(visible_subcommands(&root).map(|sub| format!("sessctl-{}", sub.get_name())))
        .collect();
    files.push((
        PathBuf::from("man/sessctl.1"),
        man_page(root.clone(), "sessctl", &pages),
    ));
    for sub in visible_subcommands(&root) {
        let name = format!("sessctl-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("sessctl {}", sub.get_name()))
            .version(env!("CARGO_PKG_VERSION"));
        files.push((
            PathBuf::from(format!("man/{name}.1")),
            man_page(page, sub.get_name(), &pages),
        ));
    }
    files
}

fn visible_subcommands(root: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    root.get_subcommands().filter(|s| !s.is_hide_set())
}

/// One page. `command` is the subcommand's name ("sessctl" for the root page), `pages`
/// every page's name, for SEE ALSO.
fn man_page(cmd: clap::Command, command: &str, pages: &[String]) -> Vec<u8> {
    let page_name = cmd.get_name().to_owned();
    let man = Man::new(cmd.clone());
    let mut buf = Vec::new();
    let rendered = man
        .render_title(&mut buf)
        .and_then(|()| man.render_name_section(&mut buf))
        .and_then(|()| synopsis(&cmd).to_writer(&mut buf))
        .and_then(|()| man.render_description_section(&mut buf));
    rendered.expect("rendering into memory cannot fail");
    buf.extend(options_by_heading(&man));
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut buf)
            .expect("rendering into memory cannot fail");
    }
    let mut roff = Roff::new();
    environment(&mut roff);
    exit_status(&mut roff);
    files(&mut roff);
    examples(&mut roff, help::examples_of(command));
    see_also(&mut roff, &page_name, pages);
    roff.to_writer(&mut buf)
        .expect("rendering into memory cannot fail");
    buf
}

/// `sessctl flush [--user ID] [--all] [-y|--yes] … [KEYS]...`: the command's own options
/// first, then the shared ones, each with its value name.
fn synopsis(cmd: &clap::Command) -> Roff {
    let mut line: Vec<Inline> = vec![bold(cmd.get_bin_name().unwrap_or(cmd.get_name()))];
    let (own, shared): (Vec<&Arg>, Vec<&Arg>) = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
        .partition(|a| !a.is_global_set());
    // -h and -V last: they are not what a reader of the synopsis looks for.
    let (meta, own): (Vec<&Arg>, Vec<&Arg>) = own
        .into_iter()
        .partition(|a| matches!(a.get_id().as_str(), "help" | "version"));
    for arg in own.into_iter().chain(shared).chain(meta) {
        line.push(roman(" ["));
        match (arg.get_short(), arg.get_long()) {
            (Some(short), Some(long)) => {
                line.push(bold(format!("-{short}")));
                line.push(roman("|"));
                line.push(bold(format!("--{long}")));
            }
            (Some(short), None) => line.push(bold(format!("-{short}"))),
            (None, Some(long)) => line.push(bold(format!("--{long}"))),
            (None, None) => continue,
        }
        if arg.get_num_args().is_some_and(|n| n.takes_values()) {
            line.push(roman(" "));
            line.push(italic(value_name(arg)));
        }
        line.push(roman("]"));
    }
    for arg in cmd.get_positionals() {
        let required = arg.is_required_set();
        line.push(roman(if required { " " } else { " [" }));
        line.push(italic(value_name(arg)));
        line.push(roman(if required { "" } else { "]" }));
        if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
            line.push(roman("..."));
        }
    }
    if cmd.has_subcommands() {
        line.push(roman(" "));
        line.push(italic("COMMAND"));
        line.push(roman(" ["));
        line.push(italic("OPTIONS"));
        line.push(roman("]"));
    }
    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]).text(line);
    roff
}

fn value_name(arg: &Arg) -> String {
    match arg.get_value_names() {
        Some(names) => names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        None => arg.get_id().as_str().to_uppercase(),
    }
}

/// clap_mangen's OPTIONS, with each help heading as a subsection of OPTIONS (`.SS`)
/// instead of a section of its own.
fn options_by_heading(man: &Man) -> Vec<u8> {
    let mut rendered = Vec::new();
    man.render_options_section(&mut rendered)
        .expect("rendering into memory cannot fail");
    let text = String::from_utf8(rendered).expect("roff is text");
    let headings = [
        heading::BATCH,
        heading::STORE,
        heading::CACHE,
        heading::DJANGO,
        heading::USERS,
        heading::SIGNING,
        heading::OUTPUT,
    ];
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let section = line
            .strip_prefix(".SH ")
            .map(|s| s.trim_end().trim_matches('"'));
        match section.and_then(|s| headings.iter().find(|h| h.to_uppercase() == s)) {
            Some(heading) => {
                out.push_str(&format!(".SS \"{heading}\"\n"));
            }
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "A command-line option beats its environment variable.",
    )]);
    for var in help::ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(var.name)])
            .text([roman(var.meaning)]);
    }
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in ExitCode::ALL {
        roff.control("TP", [])
            .text([bold(code.code().to_string())])
            .text([roman(meaning)]);
    }
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for file in help::FILES {
        roff.control("TP", [])
            .text([italic(file.path)])
            .text([roman(file.meaning)]);
    }
}

fn examples(roff: &mut Roff, examples: &[help::Example]) {
    roff.control("SH", ["EXAMPLES"]);
    for example in examples {
        roff.control("TP", [])
            .text([bold(example.command)])
            .text([roman(example.does)]);
    }
}

fn see_also(roff: &mut Roff, page: &str, pages: &[String]) {
    roff.control("SH", ["SEE ALSO"]);
    let mut line = Vec::new();
    for other in pages.iter().filter(|p| *p != page) {
        if !line.is_empty() {
            line.push(roman(", "));
        }
        line.push(bold(other.as_str()));
        line.push(roman("(1)"));
    }
    line.push(roman(", "));
    line.push(bold("crontab"));
    line.push(roman("(5); Django's "));
    line.push(bold("django-admin clearsessions"));
    line.push(roman(
        "; the README of sessctl for the JSON schema and benchmarks.",
    ));
    roff.text(line);
}
