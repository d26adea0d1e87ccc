use clap::{Parser, Subcommand, ValueEnum};
use nextstack_lint::{config::Config, docs, finding::Severity, lint, report, rules};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "nextstack-lint",
    version,
    about = "Checks Terraform code against the nextstack architecture's policies."
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(clap::Args)]
struct LintArgs {
    /// Files or directories to lint (every module under them); default `.`.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Extra variable files for the root modules (like `terraform -var-file`).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Config file (default: `.nextstack-lint.toml` in the current directory or an ancestor).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// List the rules and exit.
    #[arg(long)]
    list_rules: bool,
    /// Print a rule's documentation and exit.
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the stacks in deploy order (from SSM publishes and reads); fails on a cycle.
    Graph {
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Human)]
        format: GraphFormat,
        #[arg(long = "var-file", value_name = "FILE")]
        var_files: Vec<PathBuf>,
    },
    /// Writes the rule documentation pages into a directory.
    #[command(hide = true)]
    GenerateDocs {
        #[arg(default_value = "docs/lint")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum GraphFormat {
    Human,
    Json,
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Evaluation is recursive: give it a generous stack.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(cli).map_err(|e| e.to_string()));
    let result = match worker {
        Ok(h) => h
            .join()
            .unwrap_or_else(|_| Err("internal error (a bug): the linter panicked".into())),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("nextstack-lint: {e}");
            ExitCode::from(2)
        }
    }
}

/// Stdout that stops quietly when the reader goes away (`nextstack-lint --list-rules | head`).
struct Quiet<W: Write>(W);

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            r => r,
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        }
    }
}

fn default_paths(p: Vec<PathBuf>) -> Vec<PathBuf> {
    if p.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        p
    }
}

fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut stdout = Quiet(std::io::stdout().lock());
    match cli.command {
        Some(Command::Graph {
            paths,
            format,
            var_files,
        }) => {
            let graph = lint::graph(&default_paths(paths), &var_files)?;
            // A file that does not parse may hide reads and writes: the order cannot be trusted.
            for e in &graph.syntax_errors {
                eprintln!("nextstack-lint: {e}");
            }
            let text = match format {
                GraphFormat::Human => report::graph::human(&graph),
                GraphFormat::Json => report::graph::json(&graph),
                GraphFormat::Dot => report::graph::dot(&graph),
                GraphFormat::Mermaid => report::graph::mermaid(&graph),
            };
            stdout.write_all(text.as_bytes())?;
            return Ok(match &graph.stages {
                Ok(_) if graph.syntax_errors.is_empty() => ExitCode::SUCCESS,
                Ok(_) => {
                    eprintln!("nextstack-lint: the deploy order above ignores the files that do not parse");
                    ExitCode::from(1)
                }
                Err(cycle) => {
                    eprintln!("nextstack-lint: {}", cycle.message);
                    ExitCode::from(1)
                }
            });
        }
        Some(Command::GenerateDocs { out }) => {
            std::fs::create_dir_all(&out)?;
            for (name, text) in docs::all() {
                std::fs::write(out.join(name), text)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let args = cli.lint;
    if args.list_rules {
        for r in rules::RULES {
            writeln!(stdout, "{:<32} {}", r.name, r.summary())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = args.explain {
        let Some(r) = rules::find(&name) else {
            eprintln!("nextstack-lint: unknown rule `{name}` (see --list-rules)");
            return Ok(ExitCode::from(2));
        };
        write!(stdout, "# {}\n\n{}", r.name, r.doc())?;
        return Ok(ExitCode::SUCCESS);
    }
    let config = Config::discover(args.config.as_deref())?;
    let rep = lint::lint(&default_paths(args.paths), &args.var_files, &config)?;
    let text = match args.format {
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            report::human(&rep.project, &rep.findings, color)
        }
        Format::Json => report::json(&rep.project, &rep.findings),
        Format::Sarif => report::sarif(&rep.project, &rep.findings),
        Format::Github => report::github(&rep.project, &rep.findings),
    };
    stdout.write_all(text.as_bytes())?;
    let failed = rep.findings.iter().any(|f| f.severity == Severity::Error);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
