//! `migrate convert`: the versions of a repository that an interpreter runs (sqlalchemy-migrate's
//! Python) rewritten as portable scripts where they map exactly onto portable operations.
//!
//! Nothing connects to a database. Each interpreted version runs, once per database family,
//! in a transcribing [`Session`]: its operations are checked and folded into a schema built
//! from the versions before, raw SQL and data statements are written down, and a query stops
//! it (what it writes then depends on rows, so it stays a script). The three transcripts are
//! then laid side by side:
//! - the same portable operations everywhere: a declarative script;
//! - different ones (a dialect branch), or steps the format only holds as SQL (a data
//!   statement, an unnamed constraint): those steps become per-database `sql`, rendered as the
//!   interpreted run renders them, so the schema is the same.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::change::Operation;
use crate::dialect::{Dialect, MYSQL, POSTGRES, SQLITE};
use crate::error::Error;
use crate::repository::{RepoError, Repository, ScriptKind, VersionEntry};
use crate::schema::Schema;
use crate::script::operations_toml;
use crate::session::{Offline, Session, Transcribed, Transcript};
use crate::version::Version;

/// The families a converted script is written for.
const FAMILIES: [&'static dyn Dialect; 3] = [&SQLITE, &POSTGRES, &MYSQL];

/// What a version does, as `convert` found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionKind {
    /// The same portable operations on every database.
    Declarative,
    /// Different statements per database (a dialect branch), or steps a portable script only
    /// holds as SQL (data statements, constraints left unnamed).
    PerDatabase,
    /// Reads rows and decides from them what to write.
    DataMigration,
    /// A SQL or portable script: nothing to convert.
    Script,
}

impl std::fmt::Display for VersionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VersionKind::Declarative => "declarative",
            VersionKind::PerDatabase => "per database",
            VersionKind::DataMigration => "data migration",
            VersionKind::Script => "script",
        })
    }
}

/// What became of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvertOutcome {
    /// Rewritten as this portable script (its file name).
    Converted(String),
    /// Kept as it is, and why.
    Kept(String),
    /// The script could not be run: kept as it is; the message says why (as `upgrade` would).
    Failed(String),
}

/// One version of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertedVersion {
    /// The version.
    pub version: Version,
    /// Its file names, as found.
    pub files: Vec<String>,
    /// What it does, where that could be found.
    pub kind: Option<VersionKind>,
    /// What became of it.
    pub outcome: ConvertOutcome,
}

/// Converts the interpreted versions of `repo` and, with `out`, writes the converted
/// repository there (a path that does not exist yet, outside the repository): converted versions as `.toml`, every
/// other file as it is. Without `out` nothing is written.
///
/// # Errors
/// `out` exists or is inside the repository, or a file cannot be read or written.
///
/// ```no_run
/// # fn f(repo: migrate_core::Repository) -> Result<(), migrate_core::Error> {
/// use migrate_core::ops::{self, ConvertOutcome};
/// for v in ops::convert(&repo, Some(std::path::Path::new("converted")))? {
///     if let ConvertOutcome::Converted(file) = &v.outcome {
///         println!("{}: {file}", v.version);
///     }
/// }
/// # Ok(()) }
/// ```
pub fn convert(repo: &Repository, out: Option<&Path>) -> Result<Vec<ConvertedVersion>, Error> {
    if let Some(out) = out {
        check_out_dir(repo.path(), out)?;
    }
    let mut state = State {
        models: FAMILIES
            .iter()
            .map(|_| Model::Known(Schema::default()))
            .collect(),
        indexes_by_sql: None,
    };
    let mut report = Vec::new();
    let mut written: BTreeMap<PathBuf, String> = BTreeMap::new();
    for entry in repo.versions() {
        let files = entry.files.iter().map(|f| f.file_name()).collect();
        let (kind, outcome) = convert_version(entry, &mut state);
        if let ConvertOutcome::Converted(text) = &outcome {
            let name = toml_name(entry);
            written.insert(PathBuf::from(&name), text.clone());
            report.push(ConvertedVersion {
                version: entry.version,
                files,
                kind,
                outcome: ConvertOutcome::Converted(name),
            });
        } else {
            report.push(ConvertedVersion {
                version: entry.version,
                files,
                kind,
                outcome,
            });
        }
    }
    if let Some(out) = out {
        write_repository(repo, &report, &written, out)?;
    }
    Ok(report)
}

/// What is known of the schemas between versions.
struct State {
    /// Each family's, in the order of [`FAMILIES`].
    models: Vec<Model>,
    /// The last version that made or dropped indexes with SQL: the models lack those, which
    /// only matters to statements rendered now (a SQLite rebuild restores the indexes it
    /// knows), not to operations, rendered when they run against the database as it is.
    indexes_by_sql: Option<Version>,
}

/// What is known of one family's schema between versions.
#[derive(Debug, Clone)]
enum Model {
    Known(Schema),
    /// Why it cannot be known without a database (a version ran SQL, or could not run).
    Unknown(String),
}

fn convert_version(
    entry: &VersionEntry,
    state: &mut State,
) -> (Option<VersionKind>, ConvertOutcome) {
    let code = entry.files.iter().find_map(|f| match &f.kind {
        ScriptKind::Code(c) if f.path.extension().is_some_and(|e| e == "py") => Some(c),
        _ => None,
    });
    let Some(code) = code.filter(|_| entry.files.len() == 1) else {
        return (
            Some(VersionKind::Script),
            copy_script(entry, &mut state.models),
        );
    };
    let mut befores = Vec::new();
    for m in &state.models {
        match m {
            Model::Known(s) => befores.push(s.clone()),
            Model::Unknown(why) => return (None, ConvertOutcome::Kept(why.clone())),
        }
    }
    let checked = code.0.check().map_err(|e| Stop::Failed(e.into()));
    let runs = match checked.and_then(|()| run_both(&code.0, &befores)) {
        Ok(runs) => runs,
        Err(Stop::Reads(outcome)) => return (Some(VersionKind::DataMigration), outcome),
        Err(Stop::Failed(e)) => {
            for m in &mut state.models {
                *m = Model::Unknown(format!(
                    "version {} could not be run, so the schema after it is not known",
                    entry.version
                ));
            }
            return (None, ConvertOutcome::Failed(e.to_string()));
        }
    };
    let stale = state.indexes_by_sql.map(|v| {
        format!(
            "it needs statements rendered for a table whose indexes version {v} changed with \
             SQL, which convert cannot know without a database"
        )
    });
    let upgrade = match lay_out(&runs.ups, "upgrade", stale.as_deref()) {
        Ok(u) => u,
        Err(why) => return (None, ConvertOutcome::Kept(why)),
    };
    let downgrade = match &runs.irreversible {
        Some(_) => None,
        None => match lay_out(&runs.downs, "downgrade", stale.as_deref()) {
            Ok(d) => Some(d),
            Err(why) => return (None, ConvertOutcome::Kept(why)),
        },
    };
    advance(state, entry.version, &runs.ups);
    let declarative = upgrade.declarative && downgrade.as_ref().is_none_or(|d| d.declarative);
    let kind = if declarative {
        VersionKind::Declarative
    } else {
        VersionKind::PerDatabase
    };
    let text = script_text(
        &entry.files[0].file_name(),
        kind,
        &runs,
        &upgrade,
        downgrade.as_ref(),
    );
    (Some(kind), ConvertOutcome::Converted(text))
}

/// One family's run of one direction: the schema before, after, and what it asked.
type FamilyRun = (Schema, Schema, Transcript);

/// Both directions on every family.
struct Runs {
    ups: Vec<FamilyRun>,
    downs: Vec<FamilyRun>,
    /// Why the downgrade refused to run, when it did (the version cannot be undone).
    irreversible: Option<String>,
}

/// Why a version is not converted.
enum Stop {
    /// It reads rows: a data migration, kept.
    Reads(ConvertOutcome),
    /// It could not run.
    Failed(Error),
}

fn run_both(code: &Arc<dyn crate::code::CodeMigration>, befores: &[Schema]) -> Result<Runs, Stop> {
    let mut ups = Vec::new();
    for (dialect, before) in FAMILIES.iter().zip(befores) {
        match transcribe(*dialect, before.clone(), |s| code.upgrade(s)) {
            Run::Done(after, t) => ups.push((before.clone(), after, t)),
            Run::Read(sql) => return Err(Stop::Reads(read_rows(*dialect, &sql))),
            Run::Failed(e) => return Err(Stop::Failed(e)),
        }
    }
    let mut downs = Vec::new();
    let mut irreversible = None;
    for (dialect, (_, after, _)) in FAMILIES.iter().zip(&ups) {
        match transcribe(*dialect, after.clone(), |s| code.downgrade(s)) {
            Run::Done(end, t) => downs.push((after.clone(), end, t)),
            Run::Read(sql) => return Err(Stop::Reads(read_rows(*dialect, &sql))),
            // A downgrade refused before it did anything: the version cannot be undone.
            Run::Failed(e) => irreversible = Some(refusal(&e)),
        }
    }
    Ok(Runs {
        ups,
        downs,
        irreversible,
    })
}

/// The models after a converted version: what its upgrade left, unless its SQL did what
/// they cannot follow.
fn advance(state: &mut State, version: Version, ups: &[FamilyRun]) {
    for ((model, (_, after, t)), dialect) in state.models.iter_mut().zip(ups).zip(FAMILIES) {
        let effect = t.entries.iter().map(|e| effect_on_model(dialect, e)).max();
        *model = if effect == Some(Effect::Unknown) {
            Model::Unknown(format!(
                "version {version} ran SQL whose effect convert cannot know without a database"
            ))
        } else {
            Model::Known(after.clone())
        };
        if effect == Some(Effect::Indexes) {
            state.indexes_by_sql = Some(version);
        }
    }
}

/// The portable script of a converted version.
fn script_text(
    file: &str,
    kind: VersionKind,
    runs: &Runs,
    upgrade: &Laid,
    downgrade: Option<&Laid>,
) -> String {
    let mut text = format!("# Converted by `migrate convert` from {file} ({kind}).\n");
    match (&runs.irreversible, downgrade) {
        (Some(why), _) => {
            let _ = writeln!(text, "irreversible = {}", toml_string(why));
        }
        (None, Some(d)) if d.text.is_empty() => text.push_str("downgrade = []\n"),
        _ => {}
    }
    text.push_str(&upgrade.text);
    if let Some(d) = downgrade {
        text.push_str(&d.text);
    }
    text
}

fn read_rows(dialect: &dyn Dialect, sql: &str) -> ConvertOutcome {
    ConvertOutcome::Kept(format!(
        "it reads rows ({}: {}) and decides from them what to write",
        dialect.name(),
        one_line(sql)
    ))
}

/// The message of a refused downgrade, without the file and line it names.
fn refusal(e: &Error) -> String {
    match e {
        Error::Script(crate::script::ScriptError::Interpreted { message, .. }) => message.clone(),
        other => other.to_string(),
    }
}

fn one_line(sql: &str) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// A SQL or portable version, copied: a portable one is folded into the models, SQL makes
/// them unknown.
fn copy_script(entry: &VersionEntry, models: &mut [Model]) -> ConvertOutcome {
    let portable = entry.files.iter().all(|f| f.kind == ScriptKind::Portable);
    for (dialect, model) in FAMILIES.iter().zip(models.iter_mut()) {
        let Model::Known(schema) = model else {
            continue;
        };
        let folded = if portable {
            fold_portable(entry, *dialect, schema)
        } else {
            Err(())
        };
        if folded.is_err() {
            *model = Model::Unknown(format!(
                "version {} is SQL, whose effect convert cannot know without a database",
                entry.version
            ));
        }
    }
    ConvertOutcome::Kept("not an interpreted script".into())
}

fn fold_portable(
    entry: &VersionEntry,
    dialect: &dyn Dialect,
    schema: &mut Schema,
) -> Result<(), ()> {
    let file = &entry.files[0];
    let script =
        crate::script::load(file, dialect, crate::version::Direction::Upgrade).map_err(|_| ())?;
    for located in &script.operations {
        if matches!(located.op, Operation::Sql(_)) {
            return Err(());
        }
        schema.apply(&located.op).map_err(|_| ())?;
    }
    Ok(())
}

enum Run {
    Done(Schema, Transcript),
    Read(String),
    Failed(Error),
}

fn transcribe(
    dialect: &'static dyn Dialect,
    schema: Schema,
    work: impl FnOnce(&mut Session<'_>) -> Result<(), Error>,
) -> Run {
    let mut offline = Offline(dialect);
    let mut session = Session::transcribing(&mut offline, schema);
    let result = work(&mut session);
    let (schema, transcript) = session.into_transcript();
    if let Some(sql) = transcript.read {
        return Run::Read(sql);
    }
    match result {
        Ok(()) => Run::Done(schema, transcript),
        Err(e) => Run::Failed(e),
    }
}

/// What an entry does to the schema that the model does not follow, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    /// Nothing: the model holds.
    Nothing,
    /// Indexes made or dropped with SQL: tables and columns hold.
    Indexes,
    /// Anything else SQL may do.
    Unknown,
}

fn effect_on_model(dialect: &dyn Dialect, entry: &Transcribed) -> Effect {
    match entry {
        Transcribed::Operation(Operation::Sql(_)) => Effect::Unknown,
        Transcribed::Operation(_) | Transcribed::Data(_) => Effect::Nothing,
        Transcribed::Sql(sql) => match crate::sql::split(sql, dialect.lexer()) {
            Ok(statements) => statements
                .iter()
                .map(|s| statement_effect(dialect, s.text))
                .max()
                .unwrap_or(Effect::Nothing),
            Err(_) => Effect::Unknown,
        },
    }
}

/// Data statements, session settings and types leave the model as it is, and so do what the
/// dialect says changes only how a table is stored (MySQL's engine and character set, which
/// sqlalchemy-migrate scripts convert after creating tables); index statements leave its
/// tables and columns.
fn statement_effect(dialect: &dyn Dialect, statement: &str) -> Effect {
    let words: Vec<String> = statement
        .split_whitespace()
        .take(2)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    match (w(0), w(1)) {
        ("INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "SET", _) => Effect::Nothing,
        ("ALTER", "DATABASE" | "SCHEMA") => Effect::Nothing,
        ("ALTER", "TABLE") if dialect.alters_only_storage(statement) => Effect::Nothing,
        // Types are not in the model: a column names its type.
        ("CREATE" | "DROP", "TYPE") => Effect::Nothing,
        ("CREATE", "INDEX" | "UNIQUE") | ("DROP", "INDEX") => Effect::Indexes,
        _ => Effect::Unknown,
    }
}

/// One direction's steps, as script text.
struct Laid {
    text: String,
    declarative: bool,
}

/// Lays the three families' transcripts of one direction side by side: operations they
/// share and the format holds are written as operations; data statements (the same or not) as
/// each family's SQL; from the first other difference on, each family's remaining statements
/// as its own SQL.
fn lay_out(runs: &[FamilyRun], section: &str, stale: Option<&str>) -> Result<Laid, String> {
    let mut models: Vec<Schema> = runs.iter().map(|(before, ..)| before.clone()).collect();
    let mut text = String::new();
    let mut declarative = true;
    let longest = runs.iter().map(|r| r.2.entries.len()).max().unwrap_or(0);
    let mut i = 0;
    while i < longest {
        let at = |i: usize| -> Vec<Option<&Transcribed>> {
            runs.iter().map(|r| r.2.entries.get(i)).collect()
        };
        let here = at(i);
        let shared = here[0].filter(|e| here.iter().all(|x| *x == Some(*e)));
        if let Some(Transcribed::Operation(op)) = shared {
            if let Ok(step) = operations_toml(std::slice::from_ref(op), section) {
                for m in &mut models {
                    m.apply(op).map_err(|e| e.to_string())?;
                }
                text.push_str(&step);
                i += 1;
                continue;
            }
        }
        declarative = false;
        // A run of data statements on every family: its SQL, then on.
        let mut end = i;
        while end < longest && at(end).iter().all(|e| e.is_some_and(is_data)) {
            end += 1;
        }
        if end > i {
            let per = per_family(runs, &mut models, i..end, None)?;
            text.push_str(&sql_step(section, &per));
            i = end;
            continue;
        }
        // Each family's own statements from here on.
        let per = per_family(runs, &mut models, i..usize::MAX, stale)?;
        text.push_str(&sql_step(section, &per));
        break;
    }
    Ok(Laid { text, declarative })
}

fn is_data(entry: &Transcribed) -> bool {
    match entry {
        Transcribed::Operation(op) => op_is_data(op),
        Transcribed::Data(_) => true,
        Transcribed::Sql(_) => false,
    }
}

fn op_is_data(op: &Operation) -> bool {
    matches!(
        op,
        Operation::Insert { .. } | Operation::Update { .. } | Operation::Delete { .. }
    )
}

/// Each family's statements for its entries in `range` (to its end at most), rendered against
/// its schema.
fn per_family(
    runs: &[FamilyRun],
    models: &mut [Schema],
    range: std::ops::Range<usize>,
    stale: Option<&str>,
) -> Result<Vec<(&'static str, String)>, String> {
    let mut per = Vec::new();
    for ((dialect, run), model) in FAMILIES.iter().zip(runs).zip(models.iter_mut()) {
        let mut statements = Vec::new();
        let entries = &run.2.entries;
        let range = range.start.min(entries.len())..range.end.min(entries.len());
        for entry in &entries[range] {
            match entry {
                Transcribed::Operation(op) => {
                    if let Some(why) = stale.filter(|_| !op_is_data(op)) {
                        return Err(why.to_string());
                    }
                    let rendered = dialect.render(op, model).map_err(|e| e.message)?;
                    if rendered.iter().any(|s| s.must_return_nothing) {
                        return Err(format!(
                            "{op} checks the rows before it runs on {}, which SQL in a script \
                             cannot do",
                            dialect.name()
                        ));
                    }
                    statements.extend(rendered.into_iter().map(|s| s.sql));
                    model.apply(op).map_err(|e| e.to_string())?;
                }
                Transcribed::Sql(sql) | Transcribed::Data(sql) => {
                    statements.push(sql.trim().trim_end_matches(';').to_string());
                }
            }
        }
        let text = statements
            .iter()
            .map(|s| format!("{s};\n"))
            .collect::<String>();
        per.push((dialect.name(), text));
    }
    Ok(per)
}

fn sql_step(section: &str, texts: &[(&str, String)]) -> String {
    let parts: Vec<String> = texts
        .iter()
        .map(|(k, v)| format!("{k} = {}", toml_string(v)))
        .collect();
    format!("\n[[{section}]]\nsql = {{ {} }}\n", parts.join(", "))
}

/// A TOML basic string holding `s` exactly.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_name(entry: &VersionEntry) -> String {
    let file = entry.files[0].file_name();
    let stem = file.strip_suffix(".py").unwrap_or(&file);
    format!("{stem}.toml")
}

fn check_out_dir(repo: &Path, out: &Path) -> Result<(), Error> {
    let path = out.to_path_buf();
    if out.exists() {
        return Err(RepoError::AlreadyExists { path }.into());
    }
    // The nearest existing ancestor, resolved, tells whether `out` would be inside `repo`.
    let absolute = std::path::absolute(out).map_err(|e| io_error(out, "resolve", e))?;
    let mut probe = absolute.as_path();
    while !probe.exists() {
        probe = probe.parent().unwrap_or(Path::new("/"));
    }
    let resolved = probe
        .canonicalize()
        .map_err(|e| io_error(probe, "resolve", e))?;
    let repo = repo
        .canonicalize()
        .map_err(|e| io_error(repo, "resolve", e))?;
    if resolved.starts_with(&repo) {
        return Err(RepoError::OutputInside { path }.into());
    }
    Ok(())
}

fn io_error(path: &Path, action: &'static str, source: std::io::Error) -> Error {
    RepoError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
    .into()
}

/// Copies the repository to `out`, each converted version's script replaced by its text.
fn write_repository(
    repo: &Repository,
    report: &[ConvertedVersion],
    written: &BTreeMap<PathBuf, String>,
    out: &Path,
) -> Result<(), Error> {
    let replaced: Vec<String> = report
        .iter()
        .filter(|v| matches!(v.outcome, ConvertOutcome::Converted(_)))
        .flat_map(|v| v.files.clone())
        .collect();
    copy_tree(repo.path(), out, &|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| replaced.iter().any(|r| r == n))
            && p.parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == "versions")
    })?;
    let versions = out.join("versions");
    for (name, text) in written {
        let path = versions.join(name);
        std::fs::write(&path, text).map_err(|e| io_error(&path, "write", e))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(|e| io_error(to, "create", e))?;
    let entries = std::fs::read_dir(from).map_err(|e| io_error(from, "read", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(from, "read", e))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| io_error(&path, "read", e))?;
        if kind.is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_tree(&path, &target, skip)?;
            }
        } else if !skip(&path) {
            std::fs::copy(&path, &target).map_err(|e| io_error(&path, "copy", e))?;
        }
    }
    Ok(())
}
