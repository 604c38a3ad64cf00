//! The commands that instantiate derivations into the store:
//! `tvix instantiate` (and `tvix FILE` without `--eval`, as
//! `nix-instantiate`) and `tvix derivation show`. Argument parsing and
//! output only: evaluation is `tvix-eval`'s, derivations and the store are
//! `tvix-glue`'s.

use std::{
    ffi::OsString,
    io::{IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
    rc::Rc,
};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use nix_compat::{derivation::json, store_path::StorePath};
use tvix_cli::store_arg::{STORE_HELP, store_arg};
use tvix_eval::{AutoArgs, Evaluation, EvaluationBuilder, Origin};
use tvix_glue::{
    Glue, GlueStore,
    instantiate::{FoundDrv, derivations},
};

/// What the evaluating commands share.
#[derive(Debug, Args)]
struct EvalArgs {
    /// Select an attribute of the result (`a.b.c`); repeatable.
    #[arg(short = 'A', long = "attr")]
    attr: Vec<String>,
    /// Pass `NAME = EXPR` to the function the expression evaluates to.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    arg: Vec<String>,
    /// Pass `NAME = "STRING"` to the function the expression evaluates to.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    argstr: Vec<String>,
    /// Treat the arguments as expressions instead of files.
    #[arg(short = 'E', long = "expr")]
    expr: bool,
    /// Add a search path entry (`prefix=path` or `path`).
    #[arg(short = 'I', long = "include")]
    include: Vec<String>,
    /// Show the full trace of errors.
    #[arg(long)]
    show_trace: bool,
    /// Maximum function call depth.
    #[arg(long, default_value_t = 10000)]
    max_call_depth: usize,
    #[arg(long, env = "TVIX_STORE", help = STORE_HELP)]
    store: Option<String>,
}

/// Instantiate derivations: print their `.drv` paths and write the `.drv`
/// files (with their closure) into the store, as `nix-instantiate`.
#[derive(Debug, Parser)]
#[command(name = "tvix instantiate")]
struct InstantiateCli {
    #[command(flatten)]
    eval: EvalArgs,
    /// Files (or expressions with -E); `-` reads standard input.
    args: Vec<String>,
}

/// Derivation commands.
#[derive(Debug, Parser)]
#[command(name = "tvix derivation")]
struct DerivationCli {
    #[command(subcommand)]
    command: DerivationCommand,
}

#[derive(Debug, Subcommand)]
enum DerivationCommand {
    /// Print derivations as JSON, as `nix derivation show`: `.drv` paths, or
    /// the derivations files (with -A) evaluate to.
    Show {
        /// Include the input derivations, recursively.
        #[arg(short = 'r', long)]
        recursive: bool,
        #[command(flatten)]
        eval: EvalArgs,
        /// `.drv` store paths, or files (expressions with -E) to evaluate.
        args: Vec<String>,
    },
}

/// Runs `tvix instantiate`, `tvix derivation` or `tvix FILE` without
/// `--eval`; `None` when the arguments are for the evaluator.
pub(crate) fn dispatch() -> Option<ExitCode> {
    let mut argv: Vec<OsString> = std::env::args_os().collect();
    // `--store X` may come before the subcommand: move it after.
    let mut store = Vec::new();
    while let Some(a) = argv.get(1).and_then(|a| a.to_str()) {
        if a == "--store" && argv.len() > 2 {
            store.extend(argv.drain(1..3));
        } else if a.starts_with("--store=") {
            store.push(argv.remove(1));
        } else {
            break;
        }
    }
    let first = argv
        .get(1)
        .and_then(|a| a.to_str())
        .unwrap_or("")
        .to_owned();
    let at = if first == "derivation" { 3 } else { 2 };
    let at = at.min(argv.len());
    argv.splice(at..at, store);
    let first = first.as_str();
    let result = match first {
        "instantiate" => run_instantiate(InstantiateCli::parse_from(&argv[1..])),
        "derivation" => match DerivationCli::parse_from(&argv[1..]).command {
            DerivationCommand::Show {
                recursive,
                eval,
                args,
            } => run_show(eval, args, recursive),
        },
        _ => {
            // `--eval` (and help/version) are the evaluator's; so are `tvix`
            // alone and `tvix repl` (the REPL).
            let evaluating = argv.len() == 1
                || first == "repl"
                || argv.iter().skip(1).any(|a| {
                    matches!(
                        a.to_str(),
                        Some(
                            "--eval"
                                | "--eval-only"
                                | "--parse"
                                | "--parse-only"
                                | "--help"
                                | "-h"
                                | "--version"
                                | "-V"
                        )
                    )
                });
            if evaluating {
                return None;
            }
            let mut args = vec![OsString::from("tvix")];
            args.extend(argv.into_iter().skip(1));
            match InstantiateCli::try_parse_from(&args) {
                Ok(cli) => run_instantiate(cli),
                Err(e) => match crate::report_usage_error(&e, &args) {
                    Some(code) => return Some(code),
                    None => e.exit(),
                },
            }
        }
    };
    Some(match result {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<Rendered>().is_some() => {
            if let Some(Rendered(text)) = e.downcast_ref::<Rendered>() {
                let mut err = std::io::stderr().lock();
                let rest = text.strip_prefix(b"error:").unwrap_or(text);
                // Nothing sensible is left to do if stderr cannot be written.
                let _ = if err.is_terminal() {
                    err.write_all(b"error:\x1b[0m")
                } else {
                    err.write_all(b"error:")
                }
                .and_then(|()| err.write_all(rest))
                .and_then(|()| err.write_all(b"\n"));
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            // An evaluation error with trace frames starts on a new line.
            let msg = format!("{e:#}");
            let sep = if msg.trim_start_matches("\x1b[0m").starts_with('\n') {
                ""
            } else {
                " "
            };
            eprintln!("error:{sep}{msg}");
            ExitCode::FAILURE
        }
    })
}

/// An evaluation error rendered as C++ Nix prints it ("error: …"), as
/// bytes: quoted source lines and messages need not be UTF-8.
#[derive(Debug)]
struct Rendered(Vec<u8>);

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl std::error::Error for Rendered {}

struct Session {
    _rt: tokio::runtime::Runtime,
    glue: Rc<Glue>,
    eval: Evaluation,
    show_trace: bool,
}

fn session(a: &EvalArgs) -> anyhow::Result<Session> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = GlueStore::from_arg(store_arg(a.store.clone())?, rt.handle().clone());
    let glue = Glue::new(store);
    if let Some(dir) = tvix_cli::glue_eval::fetch_cache_dir() {
        glue.set_fetch_cache(dir);
    }
    let mut builder = EvaluationBuilder::new()
        .show_trace(a.show_trace)
        .max_call_depth(a.max_call_depth)
        .io(glue.io());
    for b in glue.builtins() {
        builder = builder.add_builtin(b);
    }
    for i in &a.include {
        builder = builder.search_path_entry(i.as_bytes());
    }
    if let Some(p) = std::env::var_os("NIX_PATH") {
        builder = builder.nix_path(p.as_encoded_bytes());
    }
    Ok(Session {
        _rt: rt,
        glue,
        eval: builder.build(),
        show_trace: a.show_trace,
    })
}

impl Session {
    fn report(&self, e: &tvix_eval::Error) -> anyhow::Error {
        anyhow::Error::new(Rendered(tvix_cli::report::render_eval_error(
            &self.eval,
            e,
            self.show_trace,
        )))
    }

    /// `--arg`/`--argstr` in command-line order within each kind (`--arg`
    /// first); a later one of the same name wins.
    fn auto_args(&self, a: &EvalArgs) -> anyhow::Result<AutoArgs> {
        let mut args = AutoArgs::new();
        for pair in a.arg.chunks(2) {
            if let [name, expr] = pair {
                let v = self
                    .eval
                    .lazy_expr(expr.as_bytes())
                    .map_err(|e| self.report(&e))?;
                args.add_value(name.as_bytes(), v);
            }
        }
        for pair in a.argstr.chunks(2) {
            if let [name, s] = pair {
                args.add_string(name.as_bytes(), s.as_bytes());
            }
        }
        Ok(args)
    }

    /// Evaluates every input and collects the derivations of every `-A`.
    fn derivations(&self, a: &EvalArgs, inputs: &[String]) -> anyhow::Result<Vec<FoundDrv>> {
        let auto = self.auto_args(a)?;
        let inputs = if inputs.is_empty() {
            vec!["./default.nix".to_owned()]
        } else {
            inputs.to_vec()
        };
        let attrs = if a.attr.is_empty() {
            vec![String::new()]
        } else {
            a.attr.clone()
        };
        let mut found = Vec::new();
        for input in inputs {
            let v = if a.expr {
                self.eval.evaluate_expr(input.as_bytes(), None)
            } else if input == "-" {
                let mut src = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut src)
                    .context("reading standard input")?;
                self.eval.evaluate_source(Origin::Stdin, &src, None)
            } else {
                self.eval.evaluate_file(&PathBuf::from(&input))
            }
            .map_err(|e| self.report(&e))?;
            for attr in &attrs {
                let selected = self
                    .eval
                    .select_attr_path(&v, attr, &auto)
                    .map_err(|e| self.report(&e))?;
                found.extend(
                    derivations(&self.eval, &selected, &auto).map_err(|e| self.report(&e))?,
                );
            }
        }
        Ok(found)
    }

    fn write(&self, found: &[FoundDrv]) -> anyhow::Result<Vec<StorePath<String>>> {
        let paths = found
            .iter()
            .map(|d| {
                tvix_store::parse_absolute(&d.drv_path)
                    .with_context(|| format!("{:?} is not a store path", d.drv_path))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.glue
            .write_drv_closure(&paths)
            .context("writing the .drv files into the store")?;
        Ok(paths)
    }
}

fn run_instantiate(cli: InstantiateCli) -> anyhow::Result<ExitCode> {
    let s = session(&cli.eval)?;
    let found = s.derivations(&cli.eval, &cli.args)?;
    s.write(&found)?;
    let mut out = std::io::stdout().lock();
    for d in &found {
        if d.output == "out" {
            writeln!(out, "{}", d.drv_path)?;
        } else {
            writeln!(out, "{}!{}", d.drv_path, d.output)?;
        }
    }
    out.flush()?;
    if !found.is_empty() {
        eprintln!(
            "warning: you did not specify '--add-root'; the result might be removed by the garbage collector"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_show(eval: EvalArgs, args: Vec<String>, recursive: bool) -> anyhow::Result<ExitCode> {
    let s = session(&eval)?;
    let mut paths = Vec::new();
    let mut to_eval = Vec::new();
    for a in &args {
        match tvix_store::parse_absolute(a.trim_end_matches('/')) {
            Ok(p) if !eval.expr && p.is_derivation() => paths.push(p),
            _ => to_eval.push(a.clone()),
        }
    }
    if !to_eval.is_empty() || paths.is_empty() {
        let found = s.derivations(&eval, &to_eval)?;
        paths.extend(s.write(&found)?);
    }
    let mut drvs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < paths.len() {
        let p = paths[i].clone();
        i += 1;
        if !seen.insert(p.clone()) {
            continue;
        }
        let drv = s
            .glue
            .read_derivation(&p)
            .with_context(|| format!("reading {}", p.to_absolute_path()))?;
        if recursive {
            paths.extend(drv.input_derivations.keys().cloned());
        }
        let name = p
            .name_str()
            .strip_suffix(".drv")
            .unwrap_or(p.name_str())
            .to_owned();
        drvs.push((p, name, drv));
    }
    let text = json::show(drvs.iter().map(|(p, n, d)| (p, n.as_str(), d)))
        .context("rendering the JSON")?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
