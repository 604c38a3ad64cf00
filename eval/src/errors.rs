//! Evaluation errors, and their rendering as C++ Nix prints them.
//!
//! An [`Error`] is one box (so `Result<Value>` stays small on the hot path)
//! holding the kind, the message, the position and the trace of "… while …"
//! frames added while the error travelled up the evaluation. Which kinds
//! `builtins.tryEval` catches is decided by [`ErrorKind::is_catchable`]
//! (`throw` and failed `assert`, exactly as C++ Nix).

use std::io::Write as _;

use crate::source::{Pos, SourceMap};

/// The result type of evaluation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `throw` (catchable by `tryEval`).
    Throw,
    /// A failed `assert` (catchable by `tryEval`).
    Assert,
    /// `abort`.
    Abort,
    /// A value of the wrong type.
    Type,
    /// Any other evaluation error (missing attribute, overflow, ...).
    Eval,
    /// A thunk forced while it was being evaluated.
    InfiniteRecursion,
    /// The source does not parse (or names an undefined variable).
    Parse,
    /// A file could not be read or found.
    Io,
    /// The evaluation was interrupted by the embedder.
    Interrupted,
    /// Values nest too deeply to go on (a list containing itself made a
    /// string). C++ Nix's stack overflow handler prints the message and
    /// exits: no position, no trace frames, not catchable.
    StackOverflow,
    /// What C++ Nix throws as a `UsageError` during evaluation (an unknown
    /// hash algorithm or format name): reported like `Eval`, but
    /// `nix-instantiate` then adds "Try 'nix-instantiate --help' for more
    /// information.", which the `tvix` command does too.
    Usage,
    /// An allocation was refused. As C++ Nix's (a `std::bad_alloc`, not a
    /// Nix error), it is printed without position or trace.
    OutOfMemory,
}

impl ErrorKind {
    /// True for the errors `builtins.tryEval` catches.
    #[must_use]
    pub fn is_catchable(self) -> bool {
        matches!(self, ErrorKind::Throw | ErrorKind::Assert)
    }
}

/// One "… while …" frame of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Where (may be [`Pos::NONE`]).
    pub pos: Pos,
    /// The message, e.g. "while evaluating the attribute 'x'".
    pub message: String,
    /// Printed even where the trace is truncated (without
    /// `--show-trace`): C++ Nix's `TracePrint::Always`, used by
    /// `builtins.addErrorContext`.
    pub always: bool,
}

#[derive(Clone, Debug)]
struct ErrorInner {
    kind: ErrorKind,
    message: String,
    /// The message's bytes when they are not valid UTF-8 (`message` is
    /// then their lossy decoding): rendered as they are, as C++ Nix does.
    raw_message: Option<Vec<u8>>,
    pos: Pos,
    traces: Vec<Trace>,
    suggestion: Option<String>,
    /// The exit status a command should end with (C++ `withExitStatus`).
    exit_status: Option<u8>,
}

/// A trace message that is only rendered if an error actually happens.
///
/// The `expect_*` helpers of the evaluator take their "while evaluating …"
/// context as a `TraceMessage`, so the success path (nearly every call)
/// formats nothing and allocates nothing.
pub trait TraceMessage {
    /// Renders the message.
    fn into_message(self) -> String;
}

impl TraceMessage for &str {
    fn into_message(self) -> String {
        self.to_owned()
    }
}

impl TraceMessage for String {
    fn into_message(self) -> String {
        self
    }
}

impl TraceMessage for &String {
    fn into_message(self) -> String {
        self.clone()
    }
}

/// A message rendered from a closure (for contexts that need `format!`).
pub struct LazyMessage<F: FnOnce() -> String>(pub F);

impl<F: FnOnce() -> String> TraceMessage for LazyMessage<F> {
    fn into_message(self) -> String {
        (self.0)()
    }
}

/// An evaluation error with its position and trace.
#[derive(Clone, Debug)]
pub struct Error(Box<ErrorInner>);

impl Error {
    /// A new error without position.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorInner {
            kind,
            message: message.into(),
            raw_message: None,
            pos: Pos::NONE,
            traces: Vec::new(),
            suggestion: None,
            exit_status: None,
        }))
    }

    /// A new error whose message is bytes (from a Nix string, which need
    /// not be UTF-8): [`Error::message`] is their lossy decoding, the
    /// rendering keeps them as they are.
    pub fn from_bytes(kind: ErrorKind, message: &[u8]) -> Error {
        let mut e = Error::new(kind, String::from_utf8_lossy(message));
        if std::str::from_utf8(message).is_err() {
            e.0.raw_message = Some(message.to_vec());
        }
        e
    }

    /// A type error.
    pub fn type_error(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Type, message)
    }

    /// A usage error (see [`ErrorKind::Usage`]).
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }

    /// A generic evaluation error.
    pub fn eval(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Eval, message)
    }

    /// Sets the position if none is set yet.
    #[must_use]
    pub fn at(mut self, pos: Pos) -> Error {
        if !self.0.pos.is_some() && self.0.kind != ErrorKind::StackOverflow {
            self.0.pos = pos;
        }
        self
    }

    /// Adds a trace frame (outermost frames are added last).
    #[must_use]
    pub fn with_trace(mut self, pos: Pos, message: impl Into<String>) -> Error {
        if self.0.kind == ErrorKind::StackOverflow {
            return self;
        }
        self.0.traces.push(Trace {
            pos,
            message: message.into(),
            always: false,
        });
        self
    }

    /// Adds a trace frame that is printed even in a truncated trace
    /// (`builtins.addErrorContext`).
    #[must_use]
    pub fn with_trace_always(mut self, pos: Pos, message: impl Into<String>) -> Error {
        self.0.traces.push(Trace {
            pos,
            message: message.into(),
            always: true,
        });
        self
    }

    /// Adds "Did you mean …?" (already formatted as C++ Nix lists them).
    #[must_use]
    pub fn with_suggestion(mut self, s: Option<String>) -> Error {
        self.0.suggestion = s;
        self
    }

    /// The kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Sets the exit status a command reporting this error should end with,
    /// as C++ Nix's `withExitStatus` (102 after a hash mismatch).
    #[must_use]
    pub fn with_exit_status(mut self, status: u8) -> Error {
        self.0.exit_status = Some(status);
        self
    }

    /// The exit status set by [`Error::with_exit_status`], if any (a command
    /// otherwise exits with 1).
    #[must_use]
    pub fn exit_status(&self) -> Option<u8> {
        self.0.exit_status
    }

    /// The message, without position or trace.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The position of the error itself.
    #[must_use]
    pub fn pos(&self) -> Pos {
        self.0.pos
    }

    /// The trace frames, innermost first, to edit (an embedder hiding the
    /// frames of its own Nix code, for instance).
    pub fn traces_mut(&mut self) -> &mut Vec<Trace> {
        &mut self.0.traces
    }

    /// The trace, innermost frame first.
    #[must_use]
    pub fn traces(&self) -> &[Trace] {
        &self.0.traces
    }

    /// Renders the error as C++ Nix prints it on stderr (without colours),
    /// lossily decoded (see [`Error::render_bytes`]).
    #[must_use]
    pub fn render(&self, sources: &SourceMap, show_trace: bool) -> String {
        String::from_utf8_lossy(&self.render_bytes(sources, show_trace)).into_owned()
    }

    /// Renders the error as C++ Nix prints it on stderr (without colours):
    /// bytes, because the source lines it quotes are printed as they are in
    /// the file, valid UTF-8 or not. Without `show_trace`, as C++ Nix, only
    /// the first few trace frames are printed.
    #[must_use]
    pub fn render_bytes(&self, sources: &SourceMap, show_trace: bool) -> Vec<u8> {
        if self.0.kind == ErrorKind::OutOfMemory {
            return b"error: out of memory".to_vec();
        }
        let mut body = Vec::new();
        if !self.0.traces.is_empty() {
            let mut count = 0;
            let mut truncate = false;
            let mut seen: Vec<&Trace> = Vec::new();
            let mut skipped: Vec<&Trace> = Vec::new();
            // C++ prints the outermost frame first.
            for t in self.0.traces.iter().rev() {
                if t.message.is_empty() {
                    continue;
                }
                if !show_trace && count > 3 {
                    truncate = true;
                }
                if truncate && !t.always {
                    continue;
                }
                if seen.contains(&t) {
                    skipped.push(t);
                    continue;
                }
                seen.push(t);
                flush_skipped(&mut body, sources, &mut count, &mut skipped);
                count += 1;
                print_trace(&mut body, sources, &mut count, t);
            }
            flush_skipped(&mut body, sources, &mut count, &mut skipped);
            if truncate {
                body.extend_from_slice(
                    b"\n(stack trace truncated; use '--show-trace' to show the full, detailed trace)\n",
                );
            }
            body.extend_from_slice(b"\nerror: ");
        }
        match &self.0.raw_message {
            Some(raw) => body.extend_from_slice(raw),
            None => body.extend_from_slice(self.0.message.as_bytes()),
        }
        body.push(b'\n');
        print_pos(&mut body, sources, "", self.0.pos);
        if let Some(s) = &self.0.suggestion {
            let _ = writeln!(body, "Did you mean {s}?");
        }
        indent(b"error: ", b"       ", chomp(&body))
    }
}

fn flush_skipped(
    out: &mut Vec<u8>,
    sources: &SourceMap,
    count: &mut usize,
    skipped: &mut Vec<&Trace>,
) {
    if skipped.is_empty() {
        return;
    }
    if skipped.len() <= 5 {
        for t in skipped.iter() {
            print_trace(out, sources, count, t);
        }
    } else {
        // C++ Nix means to forget the seen frames here, but clears a copy
        // of the set (printSkippedTracesMaybe takes it by value): they stay.
        let _ = write!(out, "\n({} duplicate frames omitted)\n", skipped.len());
    }
    skipped.clear();
}

fn print_trace(out: &mut Vec<u8>, sources: &SourceMap, count: &mut usize, t: &Trace) {
    let _ = write!(out, "\n… {}\n", t.message);
    if print_pos(out, sources, "  ", t.pos) {
        *count += 1;
    }
}

/// Writes "at FILE:LINE:COL:" and the lines around it, as bytes.
fn print_pos(out: &mut Vec<u8>, sources: &SourceMap, indent: &str, pos: Pos) -> bool {
    let Some(loc) = sources.locate(pos) else {
        return false;
    };
    let _ = write!(
        out,
        "{indent}at {}:{}:{}:",
        loc.file.origin, loc.line, loc.column
    );
    let f = &loc.file;
    let line = |out: &mut Vec<u8>, n: u32, l: &[u8]| {
        let _ = write!(out, "\n {n:5}| ");
        out.extend_from_slice(l);
    };
    if loc.line > 1 {
        if let Some(l) = f.line(loc.line - 1) {
            line(out, loc.line - 1, l);
        }
    }
    if let Some(l) = f.line(loc.line) {
        line(out, loc.line, l);
        let _ = write!(out, "\n      |{}^", " ".repeat(loc.column as usize));
    }
    if let Some(l) = f.line(loc.line + 1) {
        line(out, loc.line + 1, l);
    }
    out.push(b'\n');
    true
}

/// C++ Nix's `chomp`: without trailing spaces, tabs, CRs and LFs.
fn chomp(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .map_or(0, |i| i + 1);
    &s[..end]
}

/// C++ Nix's `indent`: prefix the first line and indent the others, each
/// line chomped.
fn indent(first: &[u8], rest: &[u8], s: &[u8]) -> Vec<u8> {
    let mut res = Vec::with_capacity(s.len() + 64);
    for (i, line) in s.split(|&c| c == b'\n').enumerate() {
        if i > 0 {
            res.push(b'\n');
        }
        let start = res.len();
        res.extend_from_slice(if i == 0 { first } else { rest });
        res.extend_from_slice(line);
        let keep = start + chomp(&res[start..]).len();
        res.truncate(keep);
    }
    res
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}
