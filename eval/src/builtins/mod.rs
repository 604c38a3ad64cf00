//! The pure builtins, one module per family.
//!
//! Every family exposes `fn builtins() -> Vec<Builtin>`; [`all`] gathers them.
//! A [`Builtin`] is a name, an arity and a Rust function receiving its
//! arguments unforced (each builtin forces what it needs, which is how
//! laziness matches C++ Nix). Embedders add their own through
//! [`crate::EvaluationBuilder::add_builtin`] without touching this crate.

mod attrs;
mod context;
mod control;
mod flakeref;
mod hashes;
mod impure;
mod json;
mod json_parse;
pub use json_parse::json_syntax_error;
mod lists;
pub(crate) mod regex;
mod strings;
mod toml;
mod versions;
mod xml;

use std::rc::Rc;

use crate::{ArgType, Pos, Value, errors::Result, eval::Evaluator, value::PrimOpFn};

/// A builtin function or constant.
#[derive(Clone)]
pub struct Builtin {
    /// Name inside `builtins` (e.g. `"map"`).
    pub name: &'static str,
    /// How it is visible in the global scope: as `name` itself, or only as
    /// `__name` (most builtins).
    pub global: Global,
    /// The function (arity > 0) or the constant.
    pub kind: BuiltinKind,
}

/// Global visibility of a builtin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Global {
    /// Visible as `name` (e.g. `map`, `toString`, `throw`).
    Plain,
    /// Visible as `__name` (e.g. `__head`).
    Prefixed,
}

/// A function with its arity, or a constant value.
#[derive(Clone)]
#[non_exhaustive]
pub enum BuiltinKind {
    /// A function of `arity` arguments.
    Function {
        /// Number of arguments.
        arity: usize,
        /// The implementation.
        func: PrimOpFn,
        /// What it forces first (see [`Builtin::forcing`]).
        forces: &'static [(usize, ArgType)],
    },
    /// A constant (`true`, `langVersion`, ...).
    Constant(Value),
    /// A value written in Nix: `source` is evaluated lazily, the first time
    /// the builtin is used, with every builtin in scope (as C++ Nix's
    /// `derivation` wraps `derivationStrict`). Shown as `<nix/FILE>` in
    /// positions.
    Nix {
        /// The file name shown in positions (e.g. `derivation.nix`).
        file: &'static str,
        /// The Nix expression.
        source: &'static str,
    },
}

impl Builtin {
    /// A function visible as `__name` globally.
    pub fn function(
        name: &'static str,
        arity: usize,
        func: impl Fn(&Evaluator, Pos, &[Value]) -> Result<Value> + 'static,
    ) -> Builtin {
        Builtin {
            name,
            global: Global::Prefixed,
            kind: BuiltinKind::Function {
                arity,
                func: Rc::new(func),
                forces: &[],
            },
        }
    }

    /// A constant visible as `__name` globally.
    #[must_use]
    pub fn constant(name: &'static str, value: Value) -> Builtin {
        Builtin {
            name,
            global: Global::Prefixed,
            kind: BuiltinKind::Constant(value),
        }
    }

    /// A value defined by a Nix expression, visible as `__name` globally
    /// (see [`BuiltinKind::Nix`]).
    #[must_use]
    pub fn nix(name: &'static str, file: &'static str, source: &'static str) -> Builtin {
        Builtin {
            name,
            global: Global::Prefixed,
            kind: BuiltinKind::Nix { file, source },
        }
    }

    /// Declares that the function first forces the arguments at these
    /// indices, in this order, each checked against its [`ArgType`] before
    /// the next is forced, with nothing observable in between; a direct call
    /// may then evaluate them before calling it, without thunks. A wrong
    /// declaration changes which error or output comes first, so each one
    /// follows the C++ Nix builtin's source. Indices beyond the arity are
    /// ignored.
    #[must_use]
    pub fn forcing(mut self, forces: &'static [(usize, ArgType)]) -> Builtin {
        if let BuiltinKind::Function {
            arity,
            forces: declared,
            ..
        } = &mut self.kind
        {
            let valid = forces.iter().take_while(|(i, _)| i < arity).count();
            *declared = &forces[..valid];
        }
        self
    }

    /// Makes the builtin visible under its plain name globally.
    #[must_use]
    pub fn plain(mut self) -> Builtin {
        self.global = Global::Plain;
        self
    }
}

/// Every builtin of this crate.
pub(crate) fn all() -> Vec<Builtin> {
    let mut v = Vec::new();
    v.extend(control::builtins());
    v.extend(lists::builtins());
    v.extend(attrs::builtins());
    v.extend(strings::builtins());
    v.extend(versions::builtins());
    v.extend(hashes::builtins());
    v.extend(json::builtins());
    v.extend(toml::builtins());
    v.extend(xml::builtins());
    v.extend(context::builtins());
    v.extend(flakeref::builtins());
    v.extend(regex::builtins());
    v.extend(impure::builtins());
    v
}

/// C++ Nix's `forceNoNullByte`, for strings parsed by `fromJSON` and
/// `fromTOML`: the error shows the string with each NUL byte as `␀`.
pub(crate) fn no_nul_bytes(s: &str) -> crate::errors::Result<()> {
    if s.contains('\0') {
        return Err(crate::errors::Error::eval(format!(
            "input string '{}' cannot be represented as Nix string because it contains null bytes",
            s.replace('\0', "\u{2400}")
        )));
    }
    Ok(())
}

/// Shorthand: "while evaluating the Nth argument passed to builtins.NAME",
/// rendered only when an error needs it.
pub(crate) fn arg_ctx<'a>(n: &'a str, name: &'a str) -> ArgCtx<'a> {
    ArgCtx { n, name }
}

/// The unrendered message of [`arg_ctx`].
#[derive(Clone, Copy)]
pub(crate) struct ArgCtx<'a> {
    n: &'a str,
    name: &'a str,
}

impl From<ArgCtx<'_>> for String {
    fn from(c: ArgCtx<'_>) -> String {
        // `arg_ctx("argument", ..)` is a builtin's only argument.
        if c.n == "argument" {
            return format!(
                "while evaluating the argument passed to builtins.{}",
                c.name
            );
        }
        format!(
            "while evaluating the {} argument passed to builtins.{}",
            c.n, c.name
        )
    }
}

impl crate::errors::TraceMessage for ArgCtx<'_> {
    fn into_message(self) -> String {
        self.into()
    }
}

impl crate::errors::TraceMessage for &ArgCtx<'_> {
    fn into_message(self) -> String {
        (*self).into()
    }
}

/// `--json` output of a value.
pub(crate) fn json_out(
    ev: &Evaluator,
    v: &Value,
    pos: Pos,
    strict: bool,
    out: &mut Vec<u8>,
    ctx: &mut crate::Context,
) -> Result<()> {
    // C++ `printValueAsJSON` copies paths to the store by default.
    json::to_json(ev, v, pos, strict, true, out, ctx)
}

/// `--xml` output of a value.
pub(crate) fn xml_out(
    ev: &Evaluator,
    v: &Value,
    strict: bool,
    location: bool,
) -> (Vec<u8>, Result<()>) {
    let (out, _, r) = xml::to_xml_partial(ev, v, strict, location);
    (out, r)
}
