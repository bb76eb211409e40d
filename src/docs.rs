//! Shell completions and man pages, generated from the clap definition.
//!
//! They are committed under `completions/` and `man/` (packagers want files, not a build
//! step), written by the hidden `sessctl generate` subcommand, and `tests/generated_docs.rs`
//! fails when the committed copies differ from what the current definition renders.
//! Nothing that varies (dates, paths) goes into them.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

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
    let mut root = Cli::command();
    root.build();
    files.push((PathBuf::from("man/sessctl.1"), man_page(root.clone())));
    for sub in root
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("sessctl-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("sessctl {}", sub.get_name()))
            .version(env!("CARGO_PKG_VERSION"))
            .after_long_help(match sub.get_after_long_help() {
                Some(examples) => format!("{examples}\n\n{}", crate::cli::AFTER_HELP),
                None => crate::cli::AFTER_HELP.to_owned(),
            });
        files.push((PathBuf::from(format!("man/{name}.1")), man_page(page)));
    }
    files
}

fn man_page(cmd: clap::Command) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .expect("rendering into memory cannot fail");
    buf
}
