//! `tvix`: evaluate Nix expressions like `nix-instantiate --eval`.
//! Argument parsing and output only; evaluation is `tvix-eval`'s. Without
//! `--eval`, and for `tvix instantiate` / `tvix derivation`, see
//! [`instantiate`].

mod instantiate;

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
};

use clap::Parser;
use tvix_eval::{EvaluationBuilder, Origin};

/// The evaluator allocates and frees millions of small objects (thunks,
/// environments, sets); mimalloc's thread-local free lists serve them much
/// faster than glibc malloc (see docs/src/eval/evaluator.md, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// Evaluate Nix expressions (as `nix-instantiate --eval`).
#[derive(Debug, Parser)]
#[command(name = "tvix", version, about)]
struct Cli {
    /// Evaluate (the only mode so far; accepted for nix-instantiate compatibility).
    #[arg(long)]
    eval: bool,
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
    /// Print a string result without quotes.
    #[arg(long)]
    raw: bool,
    /// Show the full trace of errors.
    #[arg(long)]
    show_trace: bool,
    /// Maximum function call depth.
    #[arg(long, default_value_t = 10000)]
    max_call_depth: usize,
    /// Add a search path entry (`prefix=path` or `path`).
    #[arg(short = 'I', long = "include")]
    include: Vec<String>,
    /// Treat the arguments as expressions instead of files.
    #[arg(short = 'E', long = "expr")]
    expr: bool,
    #[arg(long, env = "TVIX_STORE", help = tvix_cli::store_arg::STORE_HELP)]
    store: Option<String>,
    /// Files (or expressions with -E); `-` reads standard input.
    args: Vec<String>,
}

fn main() -> ExitCode {
    tune_allocator();
    if let Some(code) = instantiate::dispatch() {
        return code;
    }
    let cli = Cli::parse();
    let builder = EvaluationBuilder::new()
        .show_trace(cli.show_trace)
        .max_call_depth(cli.max_call_depth);
    let (mut builder, _store) = match instantiate::with_glue(builder, cli.store.clone()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    for i in &cli.include {
        builder = builder.search_path_entry(i.as_bytes());
    }
    if let Some(p) = std::env::var_os("NIX_PATH") {
        builder = builder.nix_path(p.as_encoded_bytes());
    }
    let eval = builder.build();
    let inputs = if cli.args.is_empty() {
        vec!["./default.nix".to_owned()]
    } else {
        cli.args.clone()
    };
    let mut stdout = std::io::stdout().lock();
    for input in inputs {
        let result = if cli.expr {
            eval.evaluate_expr(input.as_bytes(), None)
        } else if input == "-" {
            let mut src = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin(), &mut src) {
                eprintln!("error: reading standard input: {e}");
                return ExitCode::FAILURE;
            }
            eval.evaluate_source(Origin::Stdin, &src, None)
        } else {
            eval.evaluate_file(&PathBuf::from(&input))
        };
        let out = result.and_then(|v| {
            if cli.xml {
                eval.to_xml(&v, cli.strict, !cli.no_location)
            } else if cli.json {
                eval.to_json(&v, cli.strict).map(|mut o| {
                    o.push(b'\n');
                    o
                })
            } else if cli.raw {
                eval.to_raw_string(&v)
            } else {
                if cli.strict {
                    eval.force_deep(&v)?;
                }
                let mut o = eval.print(&v);
                o.push(b'\n');
                Ok(o)
            }
        });
        match out {
            Ok(bytes) => {
                if stdout
                    .write_all(&bytes)
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return ExitCode::FAILURE;
                }
            }
            Err(e) => {
                let text = eval.render_error(&e, cli.show_trace);
                if std::io::stderr().is_terminal() {
                    eprintln!(
                        "\x1b[31;1merror:\x1b[0m{}",
                        text.strip_prefix("error:").unwrap_or(&text)
                    );
                } else {
                    eprintln!("{text}");
                }
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
