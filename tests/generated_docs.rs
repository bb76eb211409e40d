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
