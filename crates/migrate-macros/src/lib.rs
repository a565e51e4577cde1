//! `embed_repository!("path")`: a migration repository compiled into the program.
//!
//! The path is relative to the calling crate's `Cargo.toml`. The expansion `include_str!`s
//! `migrate.cfg` and every file of `versions/`, so editing a script rebuilds the program; a
//! script *added* is seen once the crate rebuilds (a `build.rs` with
//! `println!("cargo:rerun-if-changed=<path>")` makes that automatic).

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;

/// Embeds the repository at the given path, expanding to an expression of type
/// `Result<migrate::Repository, migrate::repository::RepoError>`.
#[proc_macro]
pub fn embed_repository(input: TokenStream) -> TokenStream {
    match expand(&input.to_string()) {
        Ok(code) => code
            .parse()
            .unwrap_or_else(|_| error("migrate: internal error generating the repository")),
        Err(message) => error(&message),
    }
}

fn error(message: &str) -> TokenStream {
    format!("compile_error!({message:?})")
        .parse()
        .unwrap_or_default()
}

fn expand(input: &str) -> Result<String, String> {
    let relative = input
        .trim()
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or("embed_repository! takes one string literal: the repository's path")?;
    let manifest =
        std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "CARGO_MANIFEST_DIR is not set")?;
    let root: PathBuf = Path::new(&manifest).join(relative);
    let cfg = root.join("migrate.cfg");
    if !cfg.is_file() {
        return Err(format!(
            "'{}' is not a repository: it has no migrate.cfg",
            root.display()
        ));
    }
    let mut names: Vec<String> = std::fs::read_dir(root.join("versions"))
        .map_err(|e| format!("cannot read '{}': {e}", root.join("versions").display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .collect();
    names.sort();
    let files: Vec<String> = names
        .iter()
        .map(|n| {
            format!(
                "({n:?}, include_str!({:?}))",
                root.join("versions").join(n).to_string_lossy()
            )
        })
        .collect();
    Ok(format!(
        "::migrate::Repository::embedded({:?}, include_str!({:?}), &[{}])",
        root.to_string_lossy(),
        cfg.to_string_lossy(),
        files.join(", ")
    ))
}
