//! The peer tools the issue compares with: sqlx-cli, refinery_cli, Alembic and
//! sqlalchemy-migrate, each given the walk's statements in its own migration format and driven
//! through its own command line. They are found on the PATH (`sqlx`, `refinery`, `alembic`) or
//! named by an environment variable (`MIGRATE_BENCH_SQLX`, `MIGRATE_BENCH_REFINERY`,
//! `MIGRATE_BENCH_ALEMBIC`). sqlalchemy-migrate is run as `bench/sqlalchemy_migrate.py` by the
//! Python that `MIGRATE_BENCH_SQLALCHEMY_MIGRATE` names (its own program is also called
//! `migrate`, and needs a shim on Python 3.11+). None of them is a dependency of the project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::backend::{Backend, Db};
use crate::workloads::{down_sql, up_sql};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlx,
    Refinery,
    Alembic,
    SqlalchemyMigrate,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Upgrade,
    Downgrade,
    Status,
}

/// A peer tool found on this machine.
#[derive(Debug, Clone)]
pub struct Peer {
    pub kind: Kind,
    program: PathBuf,
    /// Arguments before the command's own (the shim script, for sqlalchemy-migrate).
    prefix: Vec<PathBuf>,
}

const ALL: [(Kind, &str, Option<&str>, &str); 4] = [
    (Kind::Sqlx, "MIGRATE_BENCH_SQLX", Some("sqlx"), "sqlx-cli"),
    (
        Kind::Refinery,
        "MIGRATE_BENCH_REFINERY",
        Some("refinery"),
        "refinery_cli",
    ),
    (
        Kind::Alembic,
        "MIGRATE_BENCH_ALEMBIC",
        Some("alembic"),
        "Alembic",
    ),
    (
        Kind::SqlalchemyMigrate,
        "MIGRATE_BENCH_SQLALCHEMY_MIGRATE",
        None,
        "sqlalchemy-migrate",
    ),
];

/// The peers installed here, and the names of those that are not.
pub fn discover() -> (Vec<Peer>, Vec<&'static str>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (kind, var, program, name) in ALL {
        let path = std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .or_else(|| program.and_then(on_path));
        match path {
            Some(program) => {
                let prefix = match kind {
                    Kind::SqlalchemyMigrate => vec![
                        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sqlalchemy_migrate.py"),
                    ],
                    _ => Vec::new(),
                };
                found.push(Peer {
                    kind,
                    program,
                    prefix,
                })
            }
            None => missing.push(name),
        }
    }
    (found, missing)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

impl Peer {
    pub fn name(&self) -> &'static str {
        ALL.iter()
            .find(|(k, ..)| *k == self.kind)
            .map(|(.., name)| *name)
            .unwrap_or("?")
    }

    /// Writes the peer's migrations for versions 1..=n (once per n) and returns their folder.
    pub fn prepare(&self, dir: &Path, n: usize) -> PathBuf {
        let root = dir.join(format!("peer_{:?}_{n}", self.kind).to_lowercase());
        if root.exists() {
            return root;
        }
        let versions = root.join("versions");
        fs::create_dir_all(&versions).expect("mkdir");
        let write =
            |name: String, text: String| fs::write(versions.join(name), text).expect("write");
        match self.kind {
            Kind::Sqlx => {
                for v in 1..=n {
                    write(format!("{v}_t{v}.up.sql"), up_sql(v));
                    write(format!("{v}_t{v}.down.sql"), down_sql(v));
                }
            }
            Kind::Refinery => {
                for v in 1..=n {
                    write(format!("V{v}__t{v}.sql"), up_sql(v));
                }
            }
            Kind::Alembic => {
                fs::write(
                    root.join("alembic.ini"),
                    format!("[alembic]\nscript_location = {}\n", root.display()),
                )
                .expect("ini");
                // One transaction per version, as the floor and every other contender.
                fs::write(
                    root.join("env.py"),
                    "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine\n\
                     engine = create_engine(os.environ['BENCH_URL'])\n\
                     with engine.connect() as connection:\n    \
                     context.configure(connection=connection, transaction_per_migration=True)\n    \
                     with context.begin_transaction():\n        context.run_migrations()\n",
                )
                .expect("env.py");
                fs::write(root.join("script.py.mako"), "").expect("mako");
                for v in 1..=n {
                    let down = if v == 1 {
                        "None".to_string()
                    } else {
                        format!("'r{}'", v - 1)
                    };
                    let ups: String = up_sql(v)
                        .lines()
                        .map(|s| format!("    op.execute({s:?})\n"))
                        .collect();
                    write(
                        format!("{v:05}_t{v}.py"),
                        format!(
                            "from alembic import op\nrevision = 'r{v}'\ndown_revision = {down}\n\
                             branch_labels = None\ndepends_on = None\n\n\
                             def upgrade():\n{ups}\n\
                             def downgrade():\n    op.execute({:?})\n",
                            down_sql(v).trim()
                        ),
                    );
                }
            }
            Kind::SqlalchemyMigrate => {
                fs::write(
                    root.join("migrate.cfg"),
                    "[db_settings]\nrepository_id=bench\nversion_table=migrate_version\nrequired_dbs=[]\nuse_timestamp_numbering=False\n",
                )
                .expect("cfg");
                fs::write(root.join("__init__.py"), "").expect("init");
                fs::write(versions.join("__init__.py"), "").expect("init");
                for v in 1..=n {
                    write(format!("{v:05}_t_default_upgrade.sql"), up_sql(v));
                    write(format!("{v:05}_t_default_downgrade.sql"), down_sql(v));
                }
            }
        }
        root
    }

    /// Whatever the peer needs before its first upgrade (sqlalchemy-migrate's
    /// `version_control`); untimed.
    pub fn init(&self, root: &Path, db: &Db) -> Option<Command> {
        match self.kind {
            Kind::SqlalchemyMigrate => Some(self.command(
                root,
                db,
                &[
                    "version_control",
                    &sqlalchemy_url(db),
                    &root.to_string_lossy(),
                ],
            )),
            Kind::Sqlx | Kind::Refinery => {
                // sqlx and refinery open SQLite databases without creating them.
                if let Some(file) = db.file() {
                    fs::write(file, b"").expect("touch");
                }
                None
            }
            _ => None,
        }
    }

    pub fn upgrade(&self, root: &Path, db: &Db) -> Command {
        self.action(Action::Upgrade, root, db)
            .expect("every peer upgrades")
    }

    /// refinery has no down migrations.
    pub fn downgrade(&self, root: &Path, db: &Db) -> Option<Command> {
        self.action(Action::Downgrade, root, db)
    }

    /// The peer's "which version is this database at" (refinery has none).
    pub fn status(&self, root: &Path, db: &Db) -> Option<Command> {
        self.action(Action::Status, root, db)
    }

    /// The peer's command line for `action`, if it has one.
    fn action(&self, action: Action, root: &Path, db: &Db) -> Option<Command> {
        let v = root.join("versions").to_string_lossy().into_owned();
        let r = root.to_string_lossy().into_owned();
        let ini = root.join("alembic.ini").to_string_lossy().into_owned();
        let url = sqlalchemy_url(db);
        let sqlx = |verb: &str| {
            vec!["migrate", verb, "--source", &v, "--database-url", &db.url]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let args: Vec<String> = match (self.kind, action) {
            (Kind::Sqlx, Action::Upgrade) => sqlx("run"),
            (Kind::Sqlx, Action::Downgrade) => {
                let mut a = sqlx("revert");
                a.extend(["--target-version".into(), "0".into()]);
                a
            }
            (Kind::Sqlx, Action::Status) => sqlx("info"),
            (Kind::Refinery, Action::Upgrade) => {
                vec![
                    "migrate".into(),
                    "-e".into(),
                    "BENCH_URL".into(),
                    "-p".into(),
                    v,
                ]
            }
            (Kind::Refinery, _) => return None,
            (Kind::Alembic, action) => {
                let verb = match action {
                    Action::Upgrade => ["upgrade", "head"].as_slice(),
                    Action::Downgrade => &["downgrade", "base"],
                    Action::Status => &["current"],
                };
                ["-c", ini.as_str()]
                    .iter()
                    .chain(verb)
                    .map(|a| a.to_string())
                    .collect()
            }
            (Kind::SqlalchemyMigrate, action) => {
                let verb = match action {
                    Action::Upgrade => vec!["upgrade", &url, &r],
                    Action::Downgrade => vec!["downgrade", &url, &r, "0"],
                    Action::Status => vec!["db_version", &url, &r],
                };
                verb.into_iter().map(String::from).collect()
            }
        };
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Some(self.command(root, db, &refs))
    }

    /// Whether this is sqlalchemy-migrate, which also runs Python repositories.
    pub fn is_sqlalchemy_migrate(&self) -> bool {
        matches!(self.kind, Kind::SqlalchemyMigrate)
    }

    /// The peer's program with `args`, in `root`, for `db`.
    pub fn command(&self, root: &Path, db: &Db, args: &[&str]) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.prefix).args(args).current_dir(root);
        match self.kind {
            Kind::Alembic => {
                c.env("BENCH_URL", sqlalchemy_url(db));
            }
            Kind::Refinery => {
                // refinery wants the plain form `sqlite://` + path.
                let url = match db.file() {
                    Some(file) => format!("sqlite://{}", file.display()),
                    None => db.url.clone(),
                };
                c.env("BENCH_URL", url);
            }
            _ => {}
        }
        c
    }
}

/// The URL with the Python driver SQLAlchemy is to use.
pub fn sqlalchemy_url(db: &Db) -> String {
    match db.backend {
        Backend::Mysql => db.url.replacen("mysql://", "mysql+pymysql://", 1),
        Backend::Postgres => db
            .url
            .replacen("postgresql://", "postgresql+psycopg2://", 1)
            .replacen("postgres://", "postgresql+psycopg2://", 1),
        Backend::Sqlite => db.url.clone(),
    }
}
