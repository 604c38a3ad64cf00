//! The `tvix` REPL, in the manner of `nix repl`: [`Repl`] takes input lines
//! and returns what to show, so every command is testable without a
//! terminal; [`run_terminal`] wires it to rustyline (history, completion)
//! and turns Ctrl-C during an evaluation into the evaluator's interrupt
//! flag.
//!
//! Input is an expression (printed one level deep, forced as printed), a
//! binding `NAME = EXPR` (added to the scope, unevaluated) or a command:
//! `:a`, `:l`, `:p`, `:t`, `:q`, `:?`. A line whose parse stops at an
//! unexpected end of input is continued by the next one.

use std::{
    path::{Path, PathBuf},
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tvix_eval::{
    Attr, Attrs, AutoArgs, ErrorKind, Evaluation, EvaluationBuilder, Pos, Symbol, Value,
};

/// What one input line produces.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// Text to print (possibly empty: a binding prints nothing).
    Output(String),
    /// A rendered error (`error: ...`).
    Error(String),
    /// The input so far is incomplete: show the continuation prompt.
    More,
    /// `:q`: leave the REPL.
    Quit,
}

const HELP: &str = "\
The following commands are available:

  <expr>         Evaluate and print expression
  <x> = <expr>   Bind expression to variable
  :a, :add <expr> Add attributes from resulting set to scope
  :l, :load <path> Load Nix expression and add it to scope
  :p, :print <expr> Evaluate and print expression recursively
                 Strings are printed directly, without escaping.
  :t <expr>      Describe result of evaluation
  :?, :help      Brings up this help menu
  :q, :quit      Exit tvix repl
";

/// A REPL session: one evaluation and the variables added to its scope.
pub struct Repl {
    eval: Evaluation,
    scope: Vec<Attr>,
    pending: String,
    interrupt: Arc<AtomicBool>,
    show_trace: bool,
}

impl Repl {
    /// A session evaluating with `builder` (which brings the builtins, e.g.
    /// through [`crate::glue_eval::with_glue`]) plus an interrupt flag, see
    /// [`Repl::interrupt_flag`].
    #[must_use]
    pub fn new(builder: EvaluationBuilder, show_trace: bool) -> Self {
        let interrupt = Arc::new(AtomicBool::new(false));
        let eval = builder.interrupt(interrupt.clone()).build();
        Repl {
            eval,
            scope: Vec::new(),
            pending: String::new(),
            interrupt,
            show_trace,
        }
    }

    /// Setting this flag stops the evaluation in progress with "interrupted
    /// by the user" (a Ctrl-C handler sets it); it is cleared before each
    /// input is evaluated.
    #[must_use]
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// True while a multi-line input is being continued.
    #[must_use]
    pub fn is_continuing(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Forgets a partly typed multi-line input (Ctrl-C at the prompt).
    pub fn reset_input(&mut self) {
        self.pending.clear();
    }

    fn scope_attrs(&self) -> Rc<Attrs> {
        Rc::new(Attrs::from_unsorted(self.scope.clone()))
    }

    fn add_var(&mut self, name: &[u8], value: Value) {
        let name = Symbol::new(name);
        self.scope.retain(|a| a.name != name);
        self.scope.push(Attr {
            name,
            pos: Pos::NONE,
            value,
        });
    }

    fn render(&self, e: &tvix_eval::Error) -> String {
        // C++ Nix's `Interrupted` is no evaluation error: no trace, no position.
        if e.kind() == ErrorKind::Interrupted {
            return format!("error: {}", e.message());
        }
        self.eval.render_error(e, self.show_trace)
    }

    /// Handles one line of input.
    pub fn handle_line(&mut self, line: &str) -> Reply {
        self.interrupt.store(false, Ordering::Relaxed);
        if !self.pending.is_empty() {
            self.pending.push('\n');
        }
        self.pending.push_str(line);
        let input = std::mem::take(&mut self.pending);
        match self.process(&input) {
            Err(e) if is_incomplete(&e, &input) => {
                self.pending = input;
                Reply::More
            }
            Err(e) => Reply::Error(self.render(&e)),
            Ok(r) => r,
        }
    }

    fn eval_str(&self, src: &str) -> tvix_eval::Result<Value> {
        let v = self
            .eval
            .lazy_in_scope(src.as_bytes(), &self.scope_attrs())?;
        self.eval.evaluator().force(&v, Pos::NONE)
    }

    fn process(&mut self, input: &str) -> tvix_eval::Result<Reply> {
        let trimmed = input.trim();
        if let Some(cmd_line) = trimmed.strip_prefix(':') {
            let (cmd, arg) = match cmd_line.find(char::is_whitespace) {
                Some(i) => (&cmd_line[..i], cmd_line[i..].trim()),
                None => (cmd_line, ""),
            };
            return match cmd {
                "q" | "quit" => Ok(Reply::Quit),
                "?" | "help" => Ok(Reply::Output(HELP.to_owned())),
                "a" | "add" => {
                    let v = self.eval_str(arg)?;
                    self.add_attrs(&v)
                }
                "l" | "load" => self.load(Path::new(arg)),
                "p" | "print" => {
                    let v = self.eval_str(arg)?;
                    Ok(Reply::Output(match &v {
                        Value::String(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                        _ => self.eval.repl_print(&v, usize::MAX)?,
                    }))
                }
                "t" | "type" => {
                    let v = self.eval_str(arg)?;
                    Ok(Reply::Output(v.show_type()))
                }
                _ => Err(tvix_eval::Error::eval(format!("unknown command ':{cmd}'"))),
            };
        }
        if trimmed.is_empty() {
            return Ok(Reply::Output(String::new()));
        }
        if let Some((name, rhs)) = binding(input) {
            let v = self
                .eval
                .lazy_in_scope(rhs.as_bytes(), &self.scope_attrs())?;
            self.add_var(name.as_bytes(), v);
            return Ok(Reply::Output(String::new()));
        }
        let v = self.eval_str(input)?;
        Ok(Reply::Output(self.eval.repl_print(&v, 1)?))
    }

    fn add_attrs(&mut self, v: &Value) -> tvix_eval::Result<Reply> {
        let attrs = self.eval.evaluator().expect_attrs(
            v,
            Pos::NONE,
            "while evaluating the attribute set to add to the scope",
        )?;
        for a in attrs.iter() {
            self.add_var(a.name.as_bytes(), a.value.clone());
        }
        Ok(Reply::Output(format!("Added {} variables.", attrs.len())))
    }

    /// `:l FILE` (also `tvix repl FILE`): evaluates the file, calls it if it
    /// is a function whose arguments all have defaults, and adds the
    /// resulting set's attributes to the scope.
    pub fn load(&mut self, path: &Path) -> tvix_eval::Result<Reply> {
        let s = path.to_string_lossy();
        let v = if s.len() > 2 && s.starts_with('<') && s.ends_with('>') {
            self.eval
                .evaluate_expr(format!("import {s}").as_bytes(), None)?
        } else {
            self.eval.evaluate_file(path)?
        };
        let v = self.eval.auto_call(&v, &AutoArgs::new())?;
        self.add_attrs(&v)
    }

    /// Completions for the input up to the cursor: commands after `:`,
    /// attribute names after `EXPR.`, else variables in scope and globals.
    /// Each completion is the whole word to put in place of the last one.
    #[must_use]
    pub fn complete(&self, prefix: &str) -> Vec<String> {
        let start = prefix
            .rfind(|c: char| " \n\r\t(){}[]".contains(c))
            .map_or(0, |i| i + 1);
        let cur = &prefix[start..];
        let mut out: Vec<String> = Vec::new();
        if prefix.starts_with(':') && start == 0 {
            for c in [":add", ":help", ":load", ":print", ":quit", ":type"] {
                if c.starts_with(cur) {
                    out.push(c.to_owned());
                }
            }
        } else if let Some(dot) = cur.rfind('.') {
            let (expr, partial) = (&cur[..dot], &cur[dot + 1..]);
            self.interrupt.store(false, Ordering::Relaxed);
            if let Ok(Value::Attrs(a)) = self.eval_str(expr).as_ref() {
                for attr in a.iter() {
                    let name = attr.name.to_string();
                    if name.starts_with(partial) {
                        out.push(format!("{expr}.{name}"));
                    }
                }
            }
        } else {
            for a in &self.scope {
                let name = a.name.to_string();
                if name.starts_with(cur) {
                    out.push(name);
                }
            }
            for name in self.eval.global_names() {
                if name.starts_with(cur) && !name.starts_with("__")
                    || cur.starts_with("__") && name.starts_with(cur)
                {
                    out.push(name);
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// `NAME = EXPR` (but not `a == b`): the name and the expression.
fn binding(line: &str) -> Option<(&str, &str)> {
    let p = line.find('=')?;
    if line[p + 1..].starts_with('=') {
        return None;
    }
    let name = line[..p].trim();
    let mut chars = name.chars();
    let first = chars.next()?;
    let var = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-');
    var.then_some((name, &line[p + 1..]))
}

/// A parse error that more input could fix: the parser hit the end of the
/// input, or a string or comment is still open.
fn is_incomplete(e: &tvix_eval::Error, input: &str) -> bool {
    if e.kind() != ErrorKind::Parse {
        return false;
    }
    e.message().contains("unexpected end of file") || open_string_or_comment(input)
}

/// True if `input` ends inside a `"..."` or `''...''` string or a `/* */`
/// comment (interpolations are not tracked: good enough to ask for more).
fn open_string_or_comment(input: &str) -> bool {
    let b = input.as_bytes();
    let mut i = 0;
    let mut state = 0u8; // 0 code, 1 "string", 2 ''string'', 3 comment, 4 line comment
    while i < b.len() {
        match (state, b[i]) {
            (0, b'"') => state = 1,
            (0, b'\'') if b.get(i + 1) == Some(&b'\'') => {
                state = 2;
                i += 1;
            }
            (0, b'/') if b.get(i + 1) == Some(&b'*') => {
                state = 3;
                i += 1;
            }
            (0, b'#') => state = 4,
            (1, b'\\') => i += 1,
            (1, b'"') => state = 0,
            (2, b'\'') if b.get(i + 1) == Some(&b'\'') => {
                if matches!(b.get(i + 2), Some(b'\'' | b'$' | b'\\')) {
                    i += 2;
                } else {
                    state = 0;
                    i += 1;
                }
            }
            (3, b'*') if b.get(i + 1) == Some(&b'/') => {
                state = 0;
                i += 1;
            }
            (4, b'\n') => state = 0,
            _ => {}
        }
        i += 1;
    }
    matches!(state, 1..=3)
}

/// Where the history is kept: `$XDG_DATA_HOME/tvix/repl-history`, else
/// `~/.local/share/tvix/repl-history`.
#[must_use]
pub fn history_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_DATA_HOME") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
    };
    Some(base.join("tvix").join("repl-history"))
}

mod terminal;
pub use terminal::run_terminal;

#[cfg(test)]
mod tests;
