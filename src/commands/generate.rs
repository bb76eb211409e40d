//! `generate` (hidden): write completions/ and man/ under a directory, for packaging
//! and to refresh the committed copies (`cargo run -- generate`).

use anyhow::{Context as _, Result};

use super::Finished;
use crate::cli::GenerateArgs;
use crate::output::Report;

pub fn run(args: &GenerateArgs) -> Result<Finished> {
    let files = crate::docs::render_all();
    for (relative, bytes) in &files {
        let path = args.out.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Finished::ok(Report::Message(format!(
        "wrote {} files under {}",
        files.len(),
        args.out.display()
    ))))
}
