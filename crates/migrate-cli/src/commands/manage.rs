//! `migrate manage FILE`: writes a wrapper script holding a default URL and repository, as
//! sqlalchemy-migrate's `manage.py` did, so `./manage.sh upgrade` needs no arguments.

use std::fs;
use std::path::Path;

use migrate_core::Error;
use migrate_core::repository::RepoError;

use crate::CliError;
use crate::cli::ManageArgs;
use crate::output::Output;

/// Writes the wrapper and makes it executable.
pub fn run(args: ManageArgs, out: &mut Output) -> Result<(), CliError> {
    let path = Path::new(&args.file);
    if path.exists() {
        return Err(CliError::Failed(Error::Repository(
            RepoError::AlreadyExists { path: path.into() },
        )));
    }
    if let Some(url) = &args.url {
        migrate_core::DatabaseUrl::parse(url)?;
    }
    let repository = match &args.repository {
        Some(r) => Some(
            fs::canonicalize(r)
                .map_err(|_| Error::Repository(RepoError::NotFound { path: r.into() }))?
                .to_string_lossy()
                .into_owned(),
        ),
        None => None,
    };
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "migrate".into());
    let defaults: Vec<(&str, &str)> = [("MIGRATE_URL", args.url.as_deref())]
        .into_iter()
        .chain([("MIGRATE_REPOSITORY", repository.as_deref())])
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    // sqlalchemy-migrate's `manage manage.py` wrote a Python file its users run as
    // `python manage.py upgrade`; any other name gets a shell script.
    let script = if path.extension().is_some_and(|e| e == "py") {
        python_wrapper(&defaults, &exe)
    } else {
        sh_wrapper(&defaults, &exe)
    };
    let io = |source| {
        Error::Repository(RepoError::Io {
            action: "write",
            path: path.into(),
            source,
        })
    };
    // A URL with a password makes the wrapper a secret: only its owner may read it.
    let secret = args
        .url
        .as_deref()
        .is_some_and(|u| migrate_core::url::mask_password(u) != u);
    write_executable(path, &script, secret).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Repository(RepoError::AlreadyExists { path: path.into() })
        } else {
            io(e)
        }
    })?;
    out.created(&[path.to_path_buf()]);
    Ok(())
}

const COMMENT: &str = "Written by `migrate manage`: runs migrate with this project's defaults.";

fn sh_wrapper(defaults: &[(&str, &str)], exe: &str) -> String {
    let mut script = format!(
        "#!/bin/sh\n# {COMMENT}\n# Arguments on the command line take precedence over them.\n"
    );
    for (key, value) in defaults {
        script.push_str(&format!("{key}={}\nexport {key}\n", sh_quote(value)));
    }
    script.push_str(&format!(
        "exec \"${{MIGRATE_BIN:-{}}}\" \"$@\"\n",
        exe.replace('"', "\\\"")
    ));
    script
}

fn python_wrapper(defaults: &[(&str, &str)], exe: &str) -> String {
    // A JSON string is a valid Python string literal (escapes included).
    let setup: String = defaults
        .iter()
        .map(|(key, value)| {
            let literal = serde_json::Value::String((*value).to_string()).to_string();
            format!("os.environ[\"{key}\"] = {literal}\n")
        })
        .collect();
    migrate_core::repository::python_launcher(
        &format!("{COMMENT} Arguments on the command line take precedence over them."),
        &setup,
        exe,
    )
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Creates `path` (never overwriting) as an executable the way a compiler writes one: mode
/// 0777 less the umask, or 0700 less the umask when it holds a password. The mode is given at
/// creation, so the password is never readable by others, not even for a moment.
fn write_executable(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o700 } else { 0o777 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
