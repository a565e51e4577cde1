//! From the database's version to a target: the ordered steps and the script each one runs.
//!
//! Planning reads no script contents and touches no database; it validates the request (the
//! direction, the target, a script for every step on this database) so that nothing runs
//! unless the whole walk can.

use crate::dialect::Dialect;
use crate::repository::{Repository, ScriptFile, Selection};
use crate::version::{Direction, Version};

/// One move between adjacent versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The version the database is at before the step.
    pub from: Version,
    /// The version after it.
    pub to: Version,
    /// Up or down.
    pub direction: Direction,
    /// The script that makes the move.
    pub script: ScriptFile,
}

/// Every step of an upgrade or downgrade, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Up or down.
    pub direction: Direction,
    /// Where the database starts.
    pub from: Version,
    /// Where it ends.
    pub to: Version,
    /// The steps; empty when the database is already at the target.
    pub steps: Vec<Step>,
}

/// Why a walk cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A target above the repository's latest version.
    #[error("version {version} is beyond the repository's latest version, {latest}")]
    BeyondLatest {
        /// The requested version.
        version: Version,
        /// The latest version.
        latest: Version,
    },
    /// A target that is not one of the repository's versions (timestamp numbering).
    #[error("version {version} is not a version of this repository")]
    NoSuchVersion {
        /// The requested version.
        version: Version,
    },
    /// A target on the wrong side of the current version.
    #[error("cannot {direction} from version {current} to version {target}")]
    WrongDirection {
        /// The command given.
        direction: Direction,
        /// The database's version.
        current: Version,
        /// The requested version.
        target: Version,
    },
    /// The database records a version this repository does not have.
    #[error(
        "the database is at version {current}, which this repository (latest {latest}) does not have"
    )]
    UnknownCurrent {
        /// The database's version.
        current: Version,
        /// The repository's latest.
        latest: Version,
    },
    /// No script for a step on this database.
    #[error("version {version} has no {direction} script for {database}{}", found_list(.found))]
    MissingScript {
        /// The version.
        version: Version,
        /// The direction.
        direction: Direction,
        /// The database.
        database: &'static str,
        /// The files the version does have.
        found: Vec<String>,
    },
    /// The walk would cross versions the repository does not have (sequential numbering):
    /// below a squashed history's first version, or a hole in the middle.
    #[error(
        "cannot {direction} from version {from}: {} not in this repository{}",
        missing_range(*.missing_first, *.missing_last),
        history_start(*.missing_first, *.first)
    )]
    Gap {
        /// Up or down.
        direction: Direction,
        /// Where the walk starts.
        from: Version,
        /// The first missing version.
        missing_first: Version,
        /// The last missing version.
        missing_last: Version,
        /// The repository's first version.
        first: Version,
    },
    /// `--preview_py` reached a step whose script is not Python (sqlalchemy-migrate's words).
    #[error(
        "Python source can be only displayed for python migration files ('{file}' of version {version} is not one)"
    )]
    NotPython {
        /// The version.
        version: Version,
        /// The script.
        file: String,
    },
    /// Only a Python script exists for a step.
    #[error(
        "version {version} has only a Python script, '{file}', and migrate does not execute Python"
    )]
    PythonOnly {
        /// The version.
        version: Version,
        /// The script.
        file: String,
    },
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        String::new()
    } else {
        format!(" (it has {})", found.join(", "))
    }
}

fn missing_range(first: Version, last: Version) -> String {
    if first == last {
        format!("version {first} is")
    } else {
        format!("versions {first} to {last} are")
    }
}

fn history_start(missing_first: Version, first: Version) -> String {
    if missing_first < first {
        format!(" (its history starts at {first})")
    } else {
        String::new()
    }
}

impl PlanError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            PlanError::WrongDirection { direction, .. } => {
                Some(format!("use `migrate {}` to go that way", direction.opposite()))
            }
            PlanError::BeyondLatest { .. } | PlanError::NoSuchVersion { .. } => {
                Some("`migrate version PATH` prints the latest version".into())
            }
            PlanError::MissingScript { version, direction, database, .. } => Some(format!(
                "add a {version:03}_<description>_{database}_{direction}.sql or _default_{direction}.sql script"
            )),
            PlanError::PythonOnly { .. } => Some(
                "rewrite it as SQL scripts (`migrate script_sql`) or a portable .toml script (`migrate script`)"
                    .into(),
            ),
            PlanError::Gap {
                missing_first,
                first,
                ..
            } if missing_first < first => {
                let start = first.get() - 1;
                Some(format!(
                    "a squashed history begins where its first version left off: put an empty \
                     database under version control at {start} (`migrate version_control URL PATH \
                     {start}`, or `migrate sync URL PATH --init-version {start}`)"
                ))
            }
            PlanError::Gap { .. } => Some(
                "restore the missing scripts, or renumber the versions so none is skipped".into(),
            ),
            PlanError::UnknownCurrent { .. } => {
                Some("is this the repository that database was migrated with?".into())
            }
            PlanError::NotPython { .. } => {
                Some("--preview_sql shows what a SQL or portable script runs".into())
            }
        }
    }
}

impl Plan {
    /// Plans an upgrade from `current` to `target` (the latest when `None`).
    ///
    /// # Errors
    /// [`PlanError`] for a target below `current`, beyond the latest or unknown, or a step
    /// without a script for `dialect`.
    pub fn upgrade(
        repo: &Repository,
        dialect: &dyn Dialect,
        current: Version,
        target: Option<Version>,
    ) -> Result<Plan, PlanError> {
        Plan::upgrade_choosing(repo, dialect, current, target, Choice::Runnable)
    }

    /// Plans an upgrade (or, with `Direction::Downgrade`, a downgrade to `target`, 0 when
    /// `None`) choosing a version's Python script where sqlalchemy-migrate would have, as
    /// `--preview_py` shows them. Errors as [`Plan::upgrade`], but no step is refused for
    /// being Python.
    ///
    /// # Errors
    /// As [`Plan::upgrade`] and [`Plan::downgrade`].
    pub fn with_python(
        repo: &Repository,
        dialect: &dyn Dialect,
        direction: Direction,
        current: Version,
        target: Option<Version>,
    ) -> Result<Plan, PlanError> {
        match direction {
            Direction::Upgrade => {
                Plan::upgrade_choosing(repo, dialect, current, target, Choice::PythonToo)
            }
            Direction::Downgrade => Plan::downgrade_choosing(
                repo,
                dialect,
                current,
                target.unwrap_or(Version::ZERO),
                Choice::PythonToo,
            ),
        }
    }

    fn upgrade_choosing(
        repo: &Repository,
        dialect: &dyn Dialect,
        current: Version,
        target: Option<Version>,
        choice: Choice,
    ) -> Result<Plan, PlanError> {
        let target = target.unwrap_or_else(|| repo.latest());
        check_positions(repo, current, target)?;
        if target < current {
            return Err(PlanError::WrongDirection {
                direction: Direction::Upgrade,
                current,
                target,
            });
        }
        let mut from = current;
        let mut steps = Vec::new();
        for entry in repo
            .versions()
            .filter(|e| e.version > current && e.version <= target)
        {
            check_adjacent(repo, Direction::Upgrade, current, from, entry.version)?;
            let script = select(
                entry.version,
                entry.select(dialect, Direction::Upgrade),
                dialect,
                Direction::Upgrade,
                entry,
                choice,
            )?;
            steps.push(Step {
                from,
                to: entry.version,
                direction: Direction::Upgrade,
                script,
            });
            from = entry.version;
        }
        if from != target {
            check_adjacent(
                repo,
                Direction::Upgrade,
                current,
                from,
                Version::new(target.get() + 1),
            )?;
        }
        Ok(Plan {
            direction: Direction::Upgrade,
            from: current,
            to: target,
            steps,
        })
    }

    /// Plans a downgrade from `current` to `target`.
    ///
    /// # Errors
    /// As [`Plan::upgrade`], the other way round.
    pub fn downgrade(
        repo: &Repository,
        dialect: &dyn Dialect,
        current: Version,
        target: Version,
    ) -> Result<Plan, PlanError> {
        Plan::downgrade_choosing(repo, dialect, current, target, Choice::Runnable)
    }

    fn downgrade_choosing(
        repo: &Repository,
        dialect: &dyn Dialect,
        current: Version,
        target: Version,
        choice: Choice,
    ) -> Result<Plan, PlanError> {
        check_positions(repo, current, target)?;
        if target > current {
            return Err(PlanError::WrongDirection {
                direction: Direction::Downgrade,
                current,
                target,
            });
        }
        let mut steps = Vec::new();
        let mut at = current;
        for entry in repo
            .versions()
            .rev()
            .filter(|e| e.version > target && e.version <= current)
        {
            // Going down, the hole lies between the entry and where the walk is.
            check_adjacent(
                repo,
                Direction::Downgrade,
                current,
                entry.version,
                Version::new(at.get() + 1),
            )?;
            let script = select(
                entry.version,
                entry.select(dialect, Direction::Downgrade),
                dialect,
                Direction::Downgrade,
                entry,
                choice,
            )?;
            let to = repo.previous(entry.version);
            steps.push(Step {
                from: entry.version,
                to,
                direction: Direction::Downgrade,
                script,
            });
            at = to;
        }
        if at != target {
            check_adjacent(
                repo,
                Direction::Downgrade,
                current,
                target,
                Version::new(at.get() + 1),
            )?;
        }
        Ok(Plan {
            direction: Direction::Downgrade,
            from: current,
            to: target,
            steps,
        })
    }
}

/// Checks that the database's version and the target both exist in the repository.
///
/// # Errors
/// [`PlanError::UnknownCurrent`], [`PlanError::BeyondLatest`] or [`PlanError::NoSuchVersion`].
pub fn check_positions(
    repo: &Repository,
    current: Version,
    target: Version,
) -> Result<(), PlanError> {
    check_target(repo, target)?;
    if !repo.has_version(current) {
        return Err(PlanError::UnknownCurrent {
            current,
            latest: repo.latest(),
        });
    }
    Ok(())
}

/// Checks that `target` is 0 or one of the repository's versions.
///
/// # Errors
/// [`PlanError::BeyondLatest`] or [`PlanError::NoSuchVersion`].
pub fn check_target(repo: &Repository, target: Version) -> Result<(), PlanError> {
    if target > repo.latest() {
        return Err(PlanError::BeyondLatest {
            version: target,
            latest: repo.latest(),
        });
    }
    if !repo.has_version(target) {
        return Err(PlanError::NoSuchVersion { version: target });
    }
    Ok(())
}

/// With sequential numbering a step moves by exactly one version: refuses the walk when
/// versions between `below` and `above` (exclusive) are missing.
fn check_adjacent(
    repo: &Repository,
    direction: Direction,
    from: Version,
    below: Version,
    above: Version,
) -> Result<(), PlanError> {
    if !repo.is_sequential() || above.get() <= below.get() + 1 {
        return Ok(());
    }
    Err(PlanError::Gap {
        direction,
        from,
        missing_first: Version::new(below.get() + 1),
        missing_last: Version::new(above.get() - 1),
        first: repo.first(),
    })
}

/// Which scripts a plan may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    /// Only scripts migrate runs.
    Runnable,
    /// Python scripts too, for showing them.
    PythonToo,
}

fn select(
    version: Version,
    selection: Selection<'_>,
    dialect: &dyn Dialect,
    direction: Direction,
    entry: &crate::repository::VersionEntry,
    choice: Choice,
) -> Result<ScriptFile, PlanError> {
    match selection {
        Selection::Run(file) => Ok(file.clone()),
        Selection::PythonOnly(file) if choice == Choice::PythonToo => Ok(file.clone()),
        Selection::PythonOnly(file) => Err(PlanError::PythonOnly {
            version,
            file: file.file_name(),
        }),
        Selection::Missing => Err(PlanError::MissingScript {
            version,
            direction,
            database: dialect.name(),
            found: entry.files.iter().map(ScriptFile::file_name).collect(),
        }),
    }
}
