//! `tvix`: evaluate Nix expressions like `nix-instantiate --eval`, or start
//! the REPL (`tvix` alone, `tvix repl [FILE]`). Argument parsing and output
//! only: evaluation, `-A` selection and auto-calling are `tvix-eval`'s, the
//! REPL is `tvix_cli::repl`. Without `--eval`, and for `tvix instantiate` /
//! `tvix derivation`, see [`instantiate`].

mod alloc;
mod instantiate;

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
};

use clap::{CommandFactory, FromArgMatches, Parser};
use tvix_eval::{AutoArgs, Evaluation, EvaluationBuilder, Origin, Value};

/// The evaluator allocates and frees millions of small objects (thunks,
/// environments, sets); mimalloc's thread-local free lists serve them much
/// faster than glibc malloc (see docs/src/eval/evaluator.md, Performance).
#[global_allocator]
static GLOBAL: alloc::MiMalloc = alloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (`mi_option_e`; libmimalloc-sys
/// has no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory committed: with mimalloc's default 10 ms purge delay,
/// workloads that free and reallocate large sets (a `//` chain over a 20k
/// set) spend as much time in the kernel (madvise, page faults) as in the
/// evaluator. Peak RSS is unchanged: purging only returns memory after use.
fn tune_allocator() {
    // SAFETY: sets a plain integer option; no pointers, callable any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Evaluate Nix expressions (as `nix-instantiate --eval`); without
/// arguments, or as `tvix repl [FILE]`, start a REPL.
#[derive(Debug, Parser)]
#[command(name = "tvix", version, about, args_override_self = true)]
struct Cli {
    /// Evaluate (the only mode; accepted for nix-instantiate compatibility).
    #[arg(long)]
    eval: bool,
    /// The same as --eval.
    #[arg(long)]
    eval_only: bool,
    /// Print the parsed expression as `nix-instantiate --parse` does,
    /// without evaluating it.
    #[arg(long, visible_alias = "parse-only")]
    parse: bool,
    /// Force the result deeply before printing.
    #[arg(long)]
    strict: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Print the result as XML.
    #[arg(long)]
    xml: bool,
    /// Omit source positions from XML output.
    #[arg(long)]
    no_location: bool,
    /// Print a string result without quotes (and without a newline).
    #[arg(long)]
    raw: bool,
    /// Show the full trace of errors.
    #[arg(long, overrides_with = "no_show_trace")]
    show_trace: bool,
    /// Show only the first frames of error traces (the default; the last of
    /// --show-trace and --no-show-trace wins).
    #[arg(long, overrides_with = "show_trace")]
    no_show_trace: bool,
    /// Maximum function call depth.
    #[arg(long, default_value_t = 10000)]
    max_call_depth: usize,
    /// Add a search path entry (`prefix=path` or `path`), before `NIX_PATH`.
    #[arg(short = 'I', long = "include", value_name = "PATH")]
    include: Vec<String>,
    /// Treat the arguments as expressions instead of files.
    #[arg(short = 'E', long = "expr")]
    expr: bool,
    /// Select an attribute path of the result (names, "quoted.names", list
    /// indices); repeatable, each is printed.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    attr: Vec<String>,
    /// Call a top-level function with argument NAME set to the expression EXPR.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    arg: Vec<String>,
    /// Call a top-level function with argument NAME set to the string S.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "S"])]
    argstr: Vec<String>,
    /// Set a Nix setting (`abort-on-warn`, `flake-registry`,
    /// `max-call-depth`, `pure-eval`, `show-trace`; others are accepted and
    /// ignored).
    #[arg(long = "option", num_args = 2, value_names = ["NAME", "VALUE"])]
    option: Vec<String>,
    /// Enable experimental features (space-separated names); only
    /// `parse-toml-timestamps` changes anything, others are accepted.
    #[arg(long = "extra-experimental-features", value_name = "FEATURES")]
    extra_experimental_features: Vec<String>,
    /// Same as `--extra-experimental-features` here (no feature is on by
    /// default).
    #[arg(long = "experimental-features", value_name = "FEATURES")]
    experimental_features: Vec<String>,
    /// Accepted for nix-instantiate compatibility (a build setting).
    #[arg(long, value_name = "SECONDS", hide = true)]
    timeout: Option<u64>,
    /// Accepted for nix-instantiate compatibility (evaluation writes nothing).
    #[arg(long, hide = true)]
    read_write_mode: bool,
    #[arg(long, env = "TVIX_STORE", help = tvix_cli::store_arg::STORE_HELP)]
    store: Option<String>,
    /// Files (a directory means its default.nix, `<name>` is looked up in the
    /// search path) or, with -E, expressions; `-` reads standard input.
    args: Vec<String>,
}

/// `--arg` and `--argstr` in command-line order (a later one of the same
/// name wins, as in C++ Nix).
enum AutoArg {
    Expr(String, String),
    Str(String, String),
}

fn auto_arg_list(m: &clap::ArgMatches, cli: &Cli) -> Vec<AutoArg> {
    let mut all: Vec<(usize, AutoArg)> = Vec::new();
    let pairs = |id: &str, vals: &[String]| -> Vec<(usize, String, String)> {
        let idx: Vec<usize> = m.indices_of(id).map(|i| i.collect()).unwrap_or_default();
        vals.chunks(2)
            .zip(idx.chunks(2))
            .filter_map(|(v, i)| match (v, i) {
                ([n, e], [i, _]) => Some((*i, n.clone(), e.clone())),
                _ => None,
            })
            .collect()
    };
    for (i, n, e) in pairs("arg", &cli.arg) {
        all.push((i, AutoArg::Expr(n, e)));
    }
    for (i, n, s) in pairs("argstr", &cli.argstr) {
        all.push((i, AutoArg::Str(n, s)));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, a)| a).collect()
}

fn main() -> ExitCode {
    alloc::keep_main_thread_blocks_at_exit();
    tune_allocator();
    if let Some(code) = instantiate::dispatch() {
        return code;
    }
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.len() == 1 || argv.get(1).is_some_and(|a| a == "repl") {
        return repl(argv.get(2).map(PathBuf::from));
    }
    let matches = match Cli::command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if let Some(code) = report_usage_error(&e, &argv) {
                return code;
            }
            let code = match e.kind() {
                K::DisplayHelp | K::DisplayVersion => 0,
                // nix-instantiate exits 1 on a bad command line.
                _ => 1,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::FAILURE;
        }
    };
    let auto = auto_arg_list(&matches, &cli);
    let (eval, _store) = match build(&cli) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match run(&cli, &eval, &auto) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Eval(e)) => {
            report(&tvix_cli::report::render_eval_error(
                &eval,
                &e,
                cli.show_trace,
            ));
            // nix-instantiate's status: 102 after a hash mismatch, else 1.
            e.exit_status().map_or(ExitCode::FAILURE, ExitCode::from)
        }
        Err(Failure::Output) => ExitCode::FAILURE,
    }
}

/// Prints nix-instantiate's report of a command line clap refused, if it
/// has one (see [`cpp_usage_error`]), and returns its exit status.
pub(crate) fn report_usage_error(e: &clap::Error, argv: &[std::ffi::OsString]) -> Option<ExitCode> {
    let msg = cpp_usage_error(e, argv)?;
    eprintln!("error: {msg}\n{}", tvix_cli::report::USAGE_HINT);
    Some(ExitCode::FAILURE)
}

/// nix-instantiate's message for a command line clap refused: an unknown
/// flag, or a flag without (all of) its values, which can only be missing at
/// the end (named as typed: `-I` or `--include`).
fn cpp_usage_error(e: &clap::Error, argv: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    let invalid = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.as_str(),
        _ => return None,
    };
    match e.kind() {
        K::UnknownArgument => {
            // clap names one letter of `-2.25`; C++ Nix the whole word.
            let word = argv
                .iter()
                .skip(1)
                .map(|a| a.to_string_lossy())
                .find(|a| **a == *invalid || (!invalid.starts_with("--") && a.starts_with(invalid)))
                .map_or_else(|| invalid.to_owned(), |a| a.into_owned());
            Some(format!("unrecognised flag '{word}'"))
        }
        K::InvalidValue | K::WrongNumberOfValues => {
            // "--arg <NAME> <EXPR>": the flag and its value names.
            let wanted = invalid.matches('<').count();
            let at = argv
                .iter()
                .rposition(|a| a.to_string_lossy().starts_with('-'))?;
            let typed = argv[at].to_string_lossy();
            let given = argv.len() - at - 1;
            if given >= wanted {
                return None;
            }
            // nix-instantiate reads -A/--attr itself (C++ getArg).
            Some(if invalid.starts_with("--attr ") {
                format!("'{typed}' requires an argument")
            } else {
                format!("flag '{typed}' requires {wanted} argument(s), but only {given} were given")
            })
        }
        _ => None,
    }
}

/// The evaluation `--eval` runs, with the glue's store builtins and I/O, and
/// what keeps its store alive.
fn build(cli: &Cli) -> anyhow::Result<(Evaluation, tvix_cli::glue_eval::EvalStore)> {
    let mut builder = EvaluationBuilder::new()
        .show_trace(cli.show_trace)
        .max_call_depth(cli.max_call_depth);
    for list in cli
        .extra_experimental_features
        .iter()
        .chain(&cli.experimental_features)
    {
        for f in list.split_whitespace() {
            builder = builder.experimental_feature(f);
        }
    }
    let mut flake_registry = None;
    // Settings from NIX_CONFIG first, then `--option`s, which win.
    let from_env = nix_config_settings(std::env::var("NIX_CONFIG").ok().as_deref());
    let options = from_env
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(cli.option.chunks(2).filter_map(|pair| match pair {
            [n, v] => Some((n.as_str(), v.as_str())),
            _ => None,
        }));
    for (name, value) in options {
        if name == "flake-registry" {
            flake_registry = Some(value);
        }
        let on = value == "true";
        builder = match name {
            "experimental-features" | "extra-experimental-features" => value
                .split_whitespace()
                .fold(builder, |b, f| b.experimental_feature(f)),
            "abort-on-warn" => builder.abort_on_warn(on),
            "pure-eval" => builder.pure(on),
            "show-trace" => builder.show_trace(on || cli.show_trace),
            "max-call-depth" => match value.parse() {
                Ok(d) => builder.max_call_depth(d),
                Err(_) => builder,
            },
            _ => builder,
        };
    }
    let (mut builder, store) =
        tvix_cli::glue_eval::with_glue(builder, cli.store.clone(), flake_registry)?;
    for i in &cli.include {
        builder = builder.search_path_entry(i.as_bytes());
    }
    if let Some(p) = std::env::var_os("NIX_PATH") {
        builder = builder.nix_path(p.as_encoded_bytes());
    }
    Ok((builder.build(), store))
}

enum Failure {
    Eval(tvix_eval::Error),
    Output,
}

impl From<tvix_eval::Error> for Failure {
    fn from(e: tvix_eval::Error) -> Self {
        Failure::Eval(e)
    }
}

fn run(cli: &Cli, eval: &Evaluation, auto: &[AutoArg]) -> Result<(), Failure> {
    let mut args = AutoArgs::new();
    for a in auto {
        match a {
            AutoArg::Expr(n, e) => args.add_value(n.as_bytes(), eval.lazy_expr(e.as_bytes())?),
            AutoArg::Str(n, s) => args.add_string(n.as_bytes(), s.as_bytes()),
        }
    }
    let attr_paths = if cli.attr.is_empty() {
        vec![String::new()]
    } else {
        cli.attr.clone()
    };
    let read_stdin = cli.args.iter().any(|a| a == "-");
    let mut inputs: Vec<&str> = cli
        .args
        .iter()
        .filter(|a| *a != "-")
        .map(String::as_str)
        .collect();
    if read_stdin {
        let mut src = Vec::new();
        if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin(), &mut src) {
            eprintln!("error: reading standard input: {e}");
            return Err(Failure::Output);
        }
        if cli.parse {
            print_parsed(&eval.parse_and_show(Origin::Stdin, &src, None)?)?;
        } else {
            let root = eval.evaluate_source(Origin::Stdin, &src, None)?;
            output(cli, eval, &root, &attr_paths, &args)?;
        }
    } else if inputs.is_empty() && !cli.expr {
        inputs.push("./default.nix");
    }
    for input in inputs {
        if cli.parse {
            let shown = if cli.expr {
                eval.parse_and_show(Origin::String, input.as_bytes(), None)?
            } else {
                eval.parse_and_show_file(&lookup_file_arg(eval, input)?)?
            };
            print_parsed(&shown)?;
            continue;
        }
        let root = if cli.expr {
            eval.evaluate_expr(input.as_bytes(), None)?
        } else {
            eval.evaluate_file(&lookup_file_arg(eval, input)?)?
        };
        output(cli, eval, &root, &attr_paths, &args)?;
    }
    Ok(())
}

/// The file a file argument names, as C++ `lookupFileArg`: `<name>` is
/// looked up in the search path (a failure is reported without trace),
/// anything else is a path.
fn lookup_file_arg(eval: &Evaluation, input: &str) -> Result<PathBuf, Failure> {
    if !(input.len() > 2 && input.starts_with('<') && input.ends_with('>')) {
        return Ok(PathBuf::from(input));
    }
    let found = eval
        .evaluate_expr(input.as_bytes(), None)
        .map_err(|e| tvix_eval::Error::new(e.kind(), e.message()))?;
    Ok(match &found {
        Value::Path(p) => PathBuf::from(String::from_utf8_lossy(p.as_bytes()).into_owned()),
        _ => PathBuf::from(input),
    })
}

/// The `name = value` settings of a NIX_CONFIG text, as C++ Nix's
/// `Config::applyConfig` reads them: one a line, `#` starting a comment,
/// the value being the words after `=` joined by single spaces; lines
/// that are not settings (`include`, malformed) are skipped.
fn nix_config_settings(text: Option<&str>) -> Vec<(String, String)> {
    let Some(text) = text else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let words: Vec<&str> = line
                .split([' ', '\t', '\r'])
                .filter(|w| !w.is_empty())
                .collect();
            match &words[..] {
                [name, "=", value @ ..] => Some(((*name).to_owned(), value.join(" "))),
                _ => None,
            }
        })
        .collect()
}

/// Prints an expression shown by `--parse`, with a newline.
fn print_parsed(shown: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(shown)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
        .map_err(|_| Failure::Output)
}

/// Selects every attribute path in `root` and prints it, as C++
/// `processExpr` does for `--eval`.
fn output(
    cli: &Cli,
    eval: &Evaluation,
    root: &Value,
    attr_paths: &[String],
    args: &AutoArgs,
) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    for path in attr_paths {
        let v = eval.select_attr_path(root, path, args)?;
        let v = eval
            .evaluator()
            .force(&v, v.determine_pos(tvix_eval::Pos::NONE))?;
        // nix-instantiate prints JSON at the selected value's position.
        let pos = v.determine_pos(tvix_eval::Pos::NONE);
        let v = if args.is_empty() {
            v
        } else {
            eval.auto_call(&v, args)?
        };
        let bytes = if cli.raw {
            eval.to_raw_string(&v).map_err(|e| {
                e.with_trace(
                    tvix_eval::Pos::NONE,
                    "while generating the nix-instantiate output",
                )
            })?
        } else if cli.xml {
            // Printed even when it fails part-way, as nix-instantiate does.
            let (out, r) = eval.to_xml_partial(&v, cli.strict, !cli.no_location);
            if let Err(e) = r {
                let _ = stdout.write_all(&out).and_then(|()| stdout.flush());
                return Err(e.into());
            }
            out
        } else if cli.json {
            let mut o = eval.to_json_at(&v, cli.strict, pos)?;
            o.push(b'\n');
            o
        } else {
            if cli.strict {
                eval.force_deep(&v)?;
            }
            let mut o = eval.print(&v);
            o.push(b'\n');
            o
        };
        if stdout
            .write_all(&bytes)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return Err(Failure::Output);
        }
    }
    Ok(())
}

/// Prints a rendered error, with a red `error:` on a terminal; escape
/// sequences in it are filtered as C++ Nix's logger does.
fn report(text: &[u8]) {
    let tty = std::io::stderr().is_terminal();
    let text = tvix_cli::report::filter_ansi_escapes(text, !tty);
    let mut err = std::io::stderr().lock();
    // Nothing sensible is left to do if stderr cannot be written.
    let _ = if tty {
        err.write_all(b"\x1b[31;1merror:\x1b[0m")
            .and_then(|()| err.write_all(text.strip_prefix(b"error:").unwrap_or(&text)))
            .and_then(|()| err.write_all(b"\n"))
    } else {
        err.write_all(&text).and_then(|()| err.write_all(b"\n"))
    };
}

fn repl(file: Option<PathBuf>) -> ExitCode {
    // The REPL is started before the argument parser runs: its store comes
    // from TVIX_STORE (or the default).
    match tvix_cli::repl::run_terminal(file, std::env::var("TVIX_STORE").ok()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
