//! The documentation runs as written: every `$ migrate …` line of the README's tutorial and of
//! `docs/tutorial.md`, on each database, printing exactly what the page shows, with the files
//! the page says to write (fenced blocks tagged `file=PATH`) written as shown.

use crate::support::TestDb;

/// One step of a page, in order.
#[derive(Debug)]
enum Step {
    /// Write `text` to `path` (relative to the working directory).
    Write { path: String, text: String },
    /// Run `migrate args` (with `$URL` replaced) and expect `stdout`.
    Run {
        line: usize,
        args: Vec<String>,
        stdout: String,
    },
}

/// The steps of every top-level fenced block of `markdown`: `console` blocks and blocks tagged
/// `file=PATH`. Other blocks (`sh` set-up for a server, examples) are prose.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = Vec::new();
        for (i, l) in lines.by_ref() {
            if l == "```" {
                break;
            }
            body.push((i + 1, l));
        }
        if let Some(path) = info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("file="))
        {
            let text: String = body.iter().map(|(_, l)| format!("{l}\n")).collect();
            steps.push(Step::Write {
                path: path.to_string(),
                text,
            });
        } else if info == "console" {
            console_steps(&body, &mut steps);
        }
    }
    steps
}

fn console_steps(body: &[(usize, &str)], steps: &mut Vec<Step>) {
    for (line, text) in body {
        if let Some(command) = text.strip_prefix("$ ") {
            let words = shell_words(command);
            assert_eq!(words[0], "migrate", "line {line}: only migrate runs here");
            steps.push(Step::Run {
                line: *line,
                args: words[1..].to_vec(),
                stdout: String::new(),
            });
        } else if let Some(Step::Run { stdout, .. }) = steps.last_mut() {
            stdout.push_str(text);
            stdout.push('\n');
        }
    }
}

/// Words as a POSIX shell splits them, for the quoting these pages use: double quotes and
/// bare words; a `#` word starts a comment.
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            '#' if !quoted && word.is_none() => break,
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

fn run_page(db: &TestDb, name: &str, markdown: &str) {
    let steps = steps(markdown);
    assert!(
        steps
            .iter()
            .filter(|s| matches!(s, Step::Run { .. }))
            .count()
            >= 5,
        "{name}: too few commands found"
    );
    for step in steps {
        match step {
            Step::Write { path, text } => db.write(&path, &text),
            Step::Run { line, args, stdout } => {
                let args: Vec<String> = args.iter().map(|a| a.replace("$URL", &db.url)).collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = db.run(&args);
                assert_eq!(
                    (out.code, out.stdout.as_str()),
                    (0, stdout.as_str()),
                    "{name}:{line}: migrate {}\nstderr: {}",
                    args.join(" "),
                    out.stderr
                );
            }
        }
    }
}

const README: &str = include_str!("../../../../README.md");
const TUTORIAL: &str = include_str!("../../../../docs/tutorial.md");

matrix!(the_readme_tutorial_runs_as_written, |db| {
    let start = README.find("## The tutorial").expect("tutorial section");
    let end = README[start..]
        .find("\n## Coming from sqlalchemy-migrate")
        .expect("section end")
        + start;
    run_page(&db, "README.md", &README[start..end]);
    assert!(db.all_tables().is_empty(), "{:?}", db.all_tables());
});

matrix!(the_tutorial_page_runs_as_written, |db| {
    run_page(&db, "docs/tutorial.md", TUTORIAL);
    assert!(db.all_tables().is_empty(), "{:?}", db.all_tables());
});

#[test]
fn shell_words_split_as_the_pages_mean() {
    assert_eq!(
        shell_words(r#"migrate script_sql mysql "add isbn column" repo --version 2  # note"#),
        vec![
            "migrate",
            "script_sql",
            "mysql",
            "add isbn column",
            "repo",
            "--version",
            "2"
        ]
    );
}
