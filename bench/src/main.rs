//! `migrate-bench`: whole-process benchmarks of the `migrate` binary against the databases'
//! own clients (the floor). See bench/README.md.
//!
//! `migrate-bench --help` says how to run it (see args.rs). Expects a release build of
//! `migrate` (`cargo build --release`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod backend;
mod fixture;
mod measure;
mod peers;
mod python;
mod scale;
mod testing;
mod workloads;

use std::path::PathBuf;

use workloads::Env;

fn main() {
    let cli: Vec<String> = std::env::args().skip(1).collect();
    let options = match args::parse(&cli) {
        Ok(options) => options,
        Err(args::Exit::Help) => {
            print!("{}", args::HELP);
            return;
        }
        Err(args::Exit::Usage(message)) => {
            eprintln!(
                "error: {message}\nUsage: migrate-bench [--runs N] [--versions N] [--only NAME]... [--backends LIST] (see --help)"
            );
            std::process::exit(2);
        }
    };
    let (runs, versions, backends) = (options.runs, options.versions, &options.backends);
    let wanted = |name: &str| options.wanted(name);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let migrate = std::env::var("MIGRATE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/release/migrate"));
    // `testing` runs in process; every other workload times the binary.
    let needs_binary = args::WORKLOADS.iter().any(|&w| w != "testing" && wanted(w));
    assert!(
        !needs_binary || migrate.is_file(),
        "no {}: run `cargo build --release` first",
        migrate.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env {
        migrate,
        dir: dir.path().to_path_buf(),
        runs,
    };
    println!("migrate-bench: {runs} runs per contender, interleaved; medians (min–max)");
    let (peers, missing) = peers::discover();
    if !missing.is_empty() {
        println!(
            "peer tools not installed, not compared: {} (see bench/README.md)",
            missing.join(", ")
        );
    }
    if !peers.is_empty() {
        let names: Vec<&str> = peers.iter().map(|p| p.name()).collect();
        println!("peer tools compared: {}", names.join(", "));
    }
    if wanted("walk") {
        for &backend in backends {
            for line in workloads::walk(&env, backend, versions, &peers) {
                line.print();
            }
            if let Some(line) = workloads::walk_single(&env, backend, versions) {
                line.print();
            }
        }
    }
    if wanted("noop") {
        for line in workloads::noop(&env, versions, &peers) {
            line.print();
        }
    }
    if wanted("open") {
        workloads::open(&env, 10_000).print();
    }
    if wanted("reflect") {
        for &backend in backends {
            workloads::reflect(&env, backend, 2000).print();
        }
    }
    if wanted("scale") {
        for &backend in backends {
            for line in scale::scale(&env, backend) {
                line.print();
            }
        }
    }
    if wanted("python") {
        for &backend in backends {
            for line in python::walk(&env, backend, 50, &peers) {
                line.print();
            }
        }
    }
    if wanted("rebuild") {
        workloads::rebuild(&env, 1_000_000).print();
    }
    if wanted("testing") {
        for &backend in backends {
            for line in testing::testing(&env, backend, options.tests) {
                line.print();
            }
        }
    }
}
