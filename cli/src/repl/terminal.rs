//! The REPL on a terminal: rustyline for editing, history and completion;
//! SIGINT during an evaluation sets the evaluator's interrupt flag (at the
//! prompt rustyline reads Ctrl-C itself and the input line is dropped).

use std::{cell::RefCell, path::PathBuf, rc::Rc};

use rustyline::{
    Context, Editor, Helper, completion::Completer, error::ReadlineError, highlight::Highlighter,
    hint::Hinter, history::DefaultHistory, validate::Validator,
};
use tvix_eval::EvaluationBuilder;

use super::{Repl, Reply};

/// Completion through [`Repl::complete`].
struct ReplHelper(Rc<RefCell<Repl>>);

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let prefix = &line[..pos];
        let start = prefix
            .rfind(|c: char| " \n\r\t(){}[]".contains(c))
            .map_or(0, |i| i + 1);
        let Ok(repl) = self.0.try_borrow() else {
            return Ok((start, Vec::new()));
        };
        Ok((start, repl.complete(prefix)))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}
impl Highlighter for ReplHelper {}
impl Validator for ReplHelper {}
impl Helper for ReplHelper {}

/// Runs the REPL on the terminal until `:q` or end of input; `file` is
/// loaded first (as `:l FILE`). Settings come from the environment
/// (`NIX_PATH`) as for `tvix --eval`; `store` is the `--store` argument
/// (paths are copied there, as under `tvix --eval`).
pub fn run_terminal(file: Option<PathBuf>, store: Option<String>) -> anyhow::Result<()> {
    let (mut builder, _store) = crate::glue_eval::with_glue(EvaluationBuilder::new(), store, None)?;
    if let Some(p) = std::env::var_os("NIX_PATH") {
        builder = builder.nix_path(p.as_encoded_bytes());
    }
    let repl = Rc::new(RefCell::new(Repl::new(builder, false)));
    // Ctrl-C while evaluating (the terminal is not in raw mode then).
    signal_hook::flag::register(signal_hook::consts::SIGINT, repl.borrow().interrupt_flag())?;

    // Candidates listed as a shell (and nix repl's editline) does.
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(ReplHelper(repl.clone())));
    let history = super::history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!("Welcome to tvix. Type :? for help.\n");
    if let Some(f) = file {
        let reply = repl.borrow_mut().load(&f);
        match reply {
            Ok(Reply::Output(o)) => println!("{o}\n"),
            Ok(_) => {}
            Err(e) => eprintln!("{}\n", repl.borrow().render(&e)),
        }
    }
    loop {
        let prompt = if repl.borrow().is_continuing() {
            "          "
        } else {
            "tvix-repl> "
        };
        let line = match editor.readline(prompt) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => {
                repl.borrow_mut().reset_input();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
        }
        let reply = repl.borrow_mut().handle_line(&line);
        // As nix repl: the output, then an empty line.
        match reply {
            Reply::Output(o) if o.is_empty() => println!(),
            Reply::Output(o) => println!("{o}\n"),
            Reply::Error(e) => eprintln!("{e}\n"),
            Reply::More => {}
            Reply::Quit => break,
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    Ok(())
}
