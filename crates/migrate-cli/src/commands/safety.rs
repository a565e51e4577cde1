//! `stamp`, `repair`, `status`, `history`: the dirty state, changed scripts and the journal.

use migrate_core::Version;
use migrate_core::journal::Entry;
use migrate_core::ops::{self, RepairAction};
use migrate_drivers::Access;

use crate::CliError;
use crate::cli::{RepairArgs, ReportArgs, TargetArgs};
use crate::output::{Output, StepPrinter};

use super::database::{bind_database, bind_target, connect, lock_options};

/// `stamp URL PATH VERSION`.
pub fn stamp(args: TargetArgs, out: &mut Output) -> Result<(), CliError> {
    let (bound, options) = bind_target(args)?;
    let version = bound
        .version()?
        .ok_or_else(|| CliError::Usage("stamp needs the VERSION to record".into()))?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let mut conn = connect(&bound, Access::Create)?;
    let previous = ops::stamp(
        conn.as_mut(),
        &repo,
        version,
        options,
        &mut StepPrinter::new(out),
    )?;
    if out.json {
        out.json_result(&serde_json::json!({ "version": version, "previous": previous }));
        return Ok(());
    }
    out.status(&format!(
        "stamped version {version} (was {previous}); no script ran"
    ));
    Ok(())
}

/// `repair URL PATH [--mark-applied | --mark-rolled-back | --accept-changed VERSION]`.
pub fn repair(args: RepairArgs, out: &mut Output) -> Result<(), CliError> {
    let options = lock_options(args.database.lock);
    let action = match (
        args.mark_applied,
        args.mark_rolled_back,
        args.accept_changed,
    ) {
        (true, _, _) => RepairAction::MarkApplied,
        (_, true, _) => RepairAction::MarkRolledBack,
        (_, _, Some(v)) => RepairAction::AcceptChanged(
            v.parse::<Version>()
                .map_err(|e| CliError::Usage(e.to_string()))?,
        ),
        _ => RepairAction::Show,
    };
    let bound = bind_database(args.database)?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let mut conn = connect(&bound, Access::Existing)?;
    let outcome = ops::repair(
        conn.as_mut(),
        &repo,
        action,
        options,
        &mut StepPrinter::new(out),
    )?;
    let journal_on = repo.config().journal_table().is_some();
    if out.json {
        out.json_result(&serde_json::json!({
            "action": match action {
                RepairAction::Show => "show",
                RepairAction::MarkApplied => "mark_applied",
                RepairAction::MarkRolledBack => "mark_rolled_back",
                RepairAction::AcceptChanged(_) => "accept_changed",
                _ => "other",
            },
            "journal": journal_on,
            "dirty": outcome.dirty,
            "version": outcome.version,
        }));
        return Ok(());
    }
    match (action, &outcome.dirty) {
        (RepairAction::Show, None) if !journal_on => out.result(&format!("unknown: {NO_JOURNAL}")),
        (RepairAction::Show, None) => out.result("clean: no dirty step"),
        (RepairAction::Show, Some(entry)) => out.result(&format!("dirty: {}", describe(entry))),
        (RepairAction::AcceptChanged(v), _) => {
            out.result(&format!("accepted the changed script of version {v}"))
        }
        (_, _) => out.result(&format!(
            "repaired; the database is at version {}",
            outcome.version
        )),
    }
    Ok(())
}

/// Why `status`, `history` and `repair` cannot tell more.
const NO_JOURNAL: &str = "the repository keeps no journal (journal_table is empty in migrate.cfg)";

fn describe(e: &Entry) -> String {
    format!(
        "{} {} -> {} {} ({}){}{}",
        e.action,
        e.from,
        e.to,
        e.script.as_deref().unwrap_or("-"),
        e.outcome,
        e.statement
            .map(|n| format!(" at statement {n}"))
            .unwrap_or_default(),
        e.message
            .as_ref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default()
    )
}

fn read_status(args: ReportArgs) -> Result<ops::Status, CliError> {
    let bound = bind_database(args.database)?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let mut conn = connect(&bound, Access::Existing)?;
    Ok(ops::status(conn.as_mut(), &repo)?)
}

/// `status URL PATH [--json]`.
pub fn status(args: ReportArgs, out: &mut Output) -> Result<(), CliError> {
    let status = read_status(args)?;
    if out.json {
        out.json_result(&status);
        return Ok(());
    }
    let list = |v: &[Version]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(Version::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    out.result(&format!("version: {}", status.version));
    out.result(&format!("latest: {}", status.latest));
    out.result(&format!("pending: {}", list(&status.pending)));
    if status.journal_table.is_none() {
        out.result(&format!("journal: off: {NO_JOURNAL}"));
        out.result("dirty: unknown");
    } else {
        out.result(&format!(
            "dirty: {}",
            status.dirty.as_ref().map_or("no".to_string(), describe)
        ));
    }
    if !status.out_of_order.is_empty() {
        out.result(&format!(
            "never applied, numbered below the version: {}",
            list(&status.out_of_order)
        ));
    }
    if status.journal_table.is_none() {
        out.result("changed scripts: unknown");
    } else if status.changed.is_empty() {
        out.result("changed scripts: none");
    }
    for c in &status.changed {
        out.result(&format!(
            "changed script: version {} {}",
            c.version,
            c.path.display()
        ));
    }
    Ok(())
}

/// `history URL PATH [--json]`.
pub fn history(args: ReportArgs, out: &mut Output) -> Result<(), CliError> {
    let status = read_status(args)?;
    if out.json {
        out.json_result(&status.journal);
        return Ok(());
    }
    if status.journal_table.is_none() {
        out.status(&format!("no history: {NO_JOURNAL}"));
    }
    for e in &status.journal {
        out.result(&format!(
            "{:>5}  {}  {:<9} {} -> {}  {:<18} {:>6}  {}  {}  {}",
            e.id,
            e.started_at,
            e.action,
            e.from,
            e.to,
            e.outcome.as_str(),
            e.duration_ms.map(|d| format!("{d}ms")).unwrap_or_default(),
            e.script.as_deref().unwrap_or("-"),
            e.actor,
            e.checksum
                .as_deref()
                .map(|c| &c[..c.len().min(12)])
                .unwrap_or("-"),
        ));
    }
    Ok(())
}
