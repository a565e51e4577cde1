//! `tokio-app [URL]`: an async application (`#[tokio::main]`) that runs `sync` when it starts,
//! through `migrate::tokio`, then prints the version its database is at. The URL defaults to
//! `MIGRATE_URL`, then `sqlite:///tokio-app.db`. It uses the books tutorial's repository.

use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("MIGRATE_URL").ok())
        .unwrap_or_else(|| "sqlite:///tokio-app.db".into());
    match start(&url).await {
        Ok(version) => {
            let _ = writeln!(std::io::stdout(), "{version}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            if let Some(help) = e.help() {
                let _ = writeln!(std::io::stderr(), "help: {help}");
            }
            ExitCode::FAILURE
        }
    }
}

/// What the application does before serving: the schema at the latest version, under the
/// migration lock, so that many instances starting at once migrate it once.
async fn start(url: &str) -> Result<migrate::Version, migrate::Error> {
    let repo = migrate::embed_repository!("../books/migrate_repo")?;
    let mut conn = migrate::tokio::connect(url).await?;
    conn.sync(&repo, Default::default()).await?;
    conn.db_version(&repo).await
}
