//! The harness's command line: which workloads, how many runs, which databases. Only parses;
//! `main` decides what runs. An unknown flag or workload is refused rather than ignored,
//! since ignoring one ran every benchmark (many minutes) when `--help` was asked for.

use crate::backend::Backend;

/// The workloads `--only` accepts, in the order they run.
pub const WORKLOADS: &[&str] = &[
    "walk", "noop", "open", "reflect", "scale", "python", "rebuild", "testing",
];

pub const HELP: &str = "\
migrate-bench: whole-process benchmarks of the `migrate` binary against the databases' own
clients (the floor). Expects a release build: cargo build --release -p sqlmigrate-cli -p migrate-bench

Usage: migrate-bench [OPTIONS]

Options:
  --runs N              runs per contender, interleaved (default 3)
  --versions N          versions in the walk and no-op workloads (default 1000)
  --tests N             tests per contender in the testing workload (default 100)
  --only NAME           run only this workload; repeat for several (default: all)
                        NAME: walk, noop, open, reflect, scale, python, rebuild, testing
  --backends LIST       comma-separated: sqlite,postgresql,mariadb (default: all three)
  -h, --help            print this help

Environment: MIGRATE_BIN (the binary to time), MIGRATE_TEST_POSTGRES_URL, MIGRATE_TEST_MYSQL_URL,
MIGRATE_BENCH_SQLALCHEMY (a Python with SQLAlchemy, for `reflect`) and the peer tools'
variables described in bench/README.md.
";

/// What the command line asked for.
pub struct Options {
    pub runs: usize,
    pub versions: usize,
    pub tests: usize,
    pub only: Vec<String>,
    pub backends: Vec<Backend>,
}

/// What to do instead of benchmarking.
pub enum Exit {
    /// `--help`: print [`HELP`] and stop.
    Help,
    /// A usage error, to print with the help's usage line.
    Usage(String),
}

impl Options {
    /// Whether workload `name` is to run.
    pub fn wanted(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == name)
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Options, Exit> {
    let mut options = Options {
        runs: 3,
        versions: 1000,
        tests: 100,
        only: Vec::new(),
        backends: vec![Backend::Sqlite, Backend::Postgres, Backend::Mysql],
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| Exit::Usage(format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "-h" | "--help" => return Err(Exit::Help),
            "--runs" => options.runs = number(arg, &value()?)?,
            "--versions" => options.versions = number(arg, &value()?)?,
            "--tests" => options.tests = number(arg, &value()?)?,
            "--only" => {
                let name = value()?;
                if !WORKLOADS.contains(&name.as_str()) {
                    return Err(Exit::Usage(format!(
                        "unknown workload '{name}' (one of: {})",
                        WORKLOADS.join(", ")
                    )));
                }
                options.only.push(name);
            }
            "--backends" => options.backends = backends(&value()?)?,
            other => return Err(Exit::Usage(format!("unknown argument '{other}'"))),
        }
    }
    Ok(options)
}

fn number(flag: &str, value: &str) -> Result<usize, Exit> {
    value
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Exit::Usage(format!("{flag} takes a positive number, not '{value}'")))
}

fn backends(list: &str) -> Result<Vec<Backend>, Exit> {
    list.split(',')
        .map(|name| {
            [Backend::Sqlite, Backend::Postgres, Backend::Mysql]
                .into_iter()
                .find(|b| b.name() == name)
                .ok_or_else(|| {
                    Exit::Usage(format!(
                        "unknown backend '{name}' (one of: sqlite, postgresql, mariadb)"
                    ))
                })
        })
        .collect()
}
