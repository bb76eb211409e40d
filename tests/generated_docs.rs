//! The committed completions/ and man/ must be what the current clap definition renders.
//! Refresh them with `cargo run -- generate` (or SESSCTL_REGENERATE=1 cargo test).

use std::path::Path;

use clap::CommandFactory;

#[test]
fn cli_definition_is_consistent() {
    sessctl::cli::Cli::command().debug_assert();
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("SESSCTL_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (relative, bytes) in sessctl::docs::render_all() {
        let path = root.join(&relative);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(relative.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `cargo run -- generate` and commit the result"
    );
}

#[test]
fn every_subcommand_has_a_man_page() {
    let pages: Vec<String> = sessctl::docs::render_all()
        .into_iter()
        .map(|(path, _)| path.display().to_string())
        .collect();
    for name in [
        "clear-expired",
        "purge",
        "list",
        "inspect",
        "decode",
        "expire",
        "flush",
        "stats",
    ] {
        assert!(pages.contains(&format!("man/sessctl-{name}.1")), "{name}");
    }
    assert!(!pages.iter().any(|p| p.contains("generate")));
}

/// man-pages(7) order, and the shared options as subsections of OPTIONS, one per heading.
#[test]
fn man_pages_have_the_standard_sections() {
    let sections = [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "ENVIRONMENT",
        "\"EXIT STATUS\"",
        "FILES",
        "EXAMPLES",
        "\"SEE ALSO\"",
    ];
    for (path, bytes) in sessctl::docs::render_all() {
        if !path.starts_with("man") {
            continue;
        }
        let page = String::from_utf8(bytes).unwrap();
        let found: Vec<&str> = page
            .lines()
            .filter_map(|l| l.strip_prefix(".SH "))
            .filter(|s| *s != "COMMANDS")
            .collect();
        assert_eq!(found, sections, "{}", path.display());
        let groups: Vec<&str> = page
            .lines()
            .filter_map(|l| l.strip_prefix(".SS "))
            .collect();
        for heading in [
            "\"Store\"",
            "\"Django settings\"",
            "\"Signing\"",
            "\"Output\"",
        ] {
            assert!(groups.contains(&heading), "{}: {heading}", path.display());
        }
        // Every option in the synopsis carries its value: `--batch-size N`, not `--batch-size`.
        let synopsis = page.split(".SH SYNOPSIS\n").nth(1).unwrap();
        let synopsis = synopsis.split("\n.SH").next().unwrap();
        assert!(
            synopsis.contains("\\fB\\-\\-table\\fR \\fINAME\\fR"),
            "{}: {synopsis}",
            path.display()
        );
        // The examples section holds at least one sessctl command line.
        let examples = page.split(".SH EXAMPLES\n").nth(1).unwrap();
        assert!(examples.contains("\\fBsessctl"), "{}", path.display());
    }
}
