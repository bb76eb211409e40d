//! Records the git commit the binary is built from, for `sessctl --version`. A build
//! outside a git checkout (a crates.io download, a source tarball) says so instead.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .is_some_and(|out| !out.stdout.is_empty());
    let text = match commit {
        Some(c) if dirty => format!("{c}, with uncommitted changes"),
        Some(c) => c,
        None => "not built from a git checkout".to_owned(),
    };
    println!("cargo:rustc-env=SESSCTL_GIT_COMMIT={text}");
    // Rebuilt when HEAD moves (a commit, a checkout); not on every edit.
    for path in [".git/HEAD", ".git/index"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
