//! The positional slots of sqlalchemy-migrate's commands (URL, REPOSITORY, VERSION, MODEL…).
//!
//! Each is optional to the parser because it may come from an option or the environment
//! instead; `args::bind` decides what each given value is (a URL is recognised wherever it
//! stands), so here they are only collected, in the order given. Each command's usage line
//! (`help`) shows which are required.

use clap::Args;

const URL: &str = "The database URL; required, here or as --url, MIGRATE_URL or DATABASE_URL";
const REPOSITORY: &str =
    "The repository's path; required, here or as --repository or MIGRATE_REPOSITORY";

/// `URL REPOSITORY`.
#[derive(Debug, Args)]
pub struct DatabaseSlots {
    #[arg(id = "url_slot", value_name = "URL", help = URL)]
    url: Option<String>,
    #[arg(id = "repository_slot", value_name = "REPOSITORY", help = REPOSITORY)]
    repository: Option<String>,
}

/// `URL REPOSITORY [VERSION]`.
#[derive(Debug, Args)]
pub struct TargetSlots {
    #[arg(id = "url_slot", value_name = "URL", help = URL)]
    url: Option<String>,
    #[arg(id = "repository_slot", value_name = "REPOSITORY", help = REPOSITORY)]
    repository: Option<String>,
    /// The version (or --version); see the usage line for whether the command needs one.
    #[arg(
        id = "version_slot",
        value_name = "VERSION",
        allow_negative_numbers = true
    )]
    version: Option<String>,
}

/// `URL REPOSITORY MODEL`.
#[derive(Debug, Args)]
pub struct ModelSlots {
    #[arg(id = "url_slot", value_name = "URL", help = URL)]
    url: Option<String>,
    #[arg(id = "repository_slot", value_name = "REPOSITORY", help = REPOSITORY)]
    repository: Option<String>,
    /// The model file: SQL DDL (.sql) or TOML (.toml, one [[table]] per table); or --model.
    #[arg(id = "model_slot", value_name = "MODEL")]
    model: Option<String>,
}

/// `[URL] REPOSITORY OLDMODEL MODEL`: sqlalchemy-migrate's order, where the URL is not used.
#[derive(Debug, Args)]
pub struct UpdateScriptSlots {
    /// The database URL (accepted, not used), or the repository when only three are given.
    #[arg(id = "first_slot", value_name = "URL")]
    first: Option<String>,
    /// The repository's path, or the old model when only three are given.
    #[arg(id = "second_slot", value_name = "REPOSITORY")]
    second: Option<String>,
    /// The old model file, or the new one when only three are given.
    #[arg(id = "third_slot", value_name = "OLDMODEL")]
    third: Option<String>,
    /// The new model file.
    #[arg(id = "fourth_slot", value_name = "MODEL")]
    fourth: Option<String>,
}

/// What the command line gave, in order.
pub trait Given {
    /// The values given, in order.
    fn given(self) -> Vec<String>;
}

impl Given for DatabaseSlots {
    fn given(self) -> Vec<String> {
        [self.url, self.repository].into_iter().flatten().collect()
    }
}

impl Given for TargetSlots {
    fn given(self) -> Vec<String> {
        [self.url, self.repository, self.version]
            .into_iter()
            .flatten()
            .collect()
    }
}

impl Given for ModelSlots {
    fn given(self) -> Vec<String> {
        [self.url, self.repository, self.model]
            .into_iter()
            .flatten()
            .collect()
    }
}

impl Given for UpdateScriptSlots {
    fn given(self) -> Vec<String> {
        [self.first, self.second, self.third, self.fourth]
            .into_iter()
            .flatten()
            .collect()
    }
}
