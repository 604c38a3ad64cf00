//! What `nix-instantiate --eval` does between evaluating its input and
//! printing it: calling a top-level function with the `--arg`/`--argstr`
//! arguments ("auto-calling") and selecting `-A` attribute paths.
//!
//! Both follow C++ Nix's `EvalState::autoCallFunction` and
//! `findAlongAttrPath`, including their error messages, so that every
//! embedder (the `tvix` command, the REPL) gets the same behaviour.

use std::rc::Rc;

use crate::{
    Attr, Attrs, Error, ErrorKind, Evaluation, Origin, Pos, Result, Symbol, Value, eval::Evaluator,
    value::Thunk,
};

/// The arguments a top-level function is auto-called with (`--arg NAME
/// EXPR`, `--argstr NAME STRING`), in the order given; a later argument of
/// the same name wins.
#[derive(Clone, Debug, Default)]
pub struct AutoArgs {
    args: Vec<(Vec<u8>, Value)>,
}

impl AutoArgs {
    /// No arguments.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// True when no argument was given (then `nix-instantiate --eval` does
    /// not call a top-level function at all).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Adds `--argstr NAME VALUE`.
    pub fn add_string(&mut self, name: &[u8], value: &[u8]) {
        self.args
            .push((name.to_vec(), Value::string(value.to_vec())));
    }

    /// Adds an already built value (`--arg` after [`Evaluation::lazy_expr`]).
    pub fn add_value(&mut self, name: &[u8], value: Value) {
        self.args.push((name.to_vec(), value));
    }

    fn to_attrs(&self) -> Rc<Attrs> {
        let mut entries: Vec<Attr> = Vec::with_capacity(self.args.len());
        for (name, value) in &self.args {
            let name = Symbol::new(name);
            entries.retain(|a| a.name != name);
            entries.push(Attr {
                name,
                pos: Pos::NONE,
                value: value.clone(),
            });
        }
        Rc::new(Attrs::from_unsorted(entries))
    }
}

/// One component of a selection path: an attribute name or a list index.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Name(Vec<u8>),
    Index(usize),
}

/// Splits a selection path at dots; `"..."` quotes a name containing dots.
/// An empty path selects the value itself; a trailing dot is ignored.
fn parse_attr_path(path: &str) -> Result<Vec<Vec<u8>>> {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => out.push(std::mem::take(&mut cur)),
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Err(Error::new(
                                ErrorKind::Parse,
                                format!("missing closing quote in selection path '{path}'"),
                            ));
                        }
                        Some(b'"') => break,
                        Some(&c) => cur.push(c),
                    }
                    i += 1;
                }
            }
            c => cur.push(c),
        }
        i += 1;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// A component made only of decimal digits that fits C++'s `unsigned int`
/// is a list index.
fn step_of(token: Vec<u8>) -> Step {
    if !token.is_empty() && token.iter().all(u8::is_ascii_digit) {
        if let Some(n) = std::str::from_utf8(&token)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
        {
            return Step::Index(n as usize);
        }
    }
    Step::Name(token)
}

impl Evaluator {
    /// C++ `autoCallFunction`: a functor set is applied to itself first; a
    /// function with formals is called with the arguments it names (all of
    /// them if it has `...`); anything else is returned as it is.
    pub(crate) fn auto_call(&self, f: &Value, args: &Rc<Attrs>) -> Result<Value> {
        let mut f = self.force(f, Pos::NONE)?;
        loop {
            if let Value::Attrs(a) = &f {
                if let Some(functor) = a.get(Symbol::new(b"__functor")) {
                    let applied = self.call(functor, std::slice::from_ref(&f), Pos::NONE)?;
                    f = self.force(&applied, Pos::NONE)?;
                    continue;
                }
            }
            break;
        }
        let Value::Lambda(c) = &f else {
            return Ok(f);
        };
        let Some((formals, ellipsis)) = &c.lambda.formals else {
            return Ok(f);
        };
        let arg = if *ellipsis {
            args.clone()
        } else {
            let mut entries = Vec::new();
            for formal in formals.iter() {
                match args.get_attr(formal.name) {
                    Some(a) => entries.push(a.clone()),
                    None if formal.default.is_none() => {
                        return Err(Error::eval(format!(
                            "cannot evaluate a function that has an argument without a value ('{}')\n\
                             Nix attempted to evaluate a function as a top level expression; in\n\
                             this case it must have its arguments supplied either by default\n\
                             values, or passed explicitly with '--arg' or '--argstr'. See\n\
                             https://nixos.org/manual/nix/stable/language/constructs.html#functions.",
                            formal.name
                        ))
                        .at(formal.pos));
                    }
                    None => {}
                }
            }
            Rc::new(Attrs::from_unsorted(entries))
        };
        self.call(&f, &[Value::Attrs(arg)], Pos::NONE)
    }

    /// C++ `findAlongAttrPath`: before each step the current value is
    /// auto-called, then the step selects an attribute or a list element.
    pub(crate) fn find_along_attr_path(
        &self,
        root: &Value,
        path: &str,
        args: &Rc<Attrs>,
    ) -> Result<Value> {
        let mut v = root.clone();
        for token in parse_attr_path(path)? {
            v = self.auto_call(&v, args)?;
            match step_of(token) {
                Step::Name(name) => {
                    let Value::Attrs(a) = &v else {
                        return Err(Error::type_error(format!(
                            "the expression selected by the selection path '{path}' should be a set but is {}",
                            v.show_type()
                        )));
                    };
                    if name.is_empty() {
                        return Err(Error::eval(format!(
                            "empty attribute name in selection path '{path}'"
                        )));
                    }
                    let sym = Symbol::new(&name);
                    let Some(next) = a.get(sym) else {
                        let s =
                            crate::print::suggestions(a.iter().map(|x| x.name.as_bytes()), &name);
                        return Err(Error::eval(format!(
                            "attribute '{sym}' in selection path '{path}' not found"
                        ))
                        .with_suggestion(s));
                    };
                    v = next.clone();
                }
                Step::Index(i) => {
                    let Value::List(l) = &v else {
                        return Err(Error::type_error(format!(
                            "the expression selected by the selection path '{path}' should be a list but is {}",
                            v.show_type()
                        )));
                    };
                    let Some(next) = l.get(i) else {
                        return Err(Error::eval(format!(
                            "list index {i} in selection path '{path}' is out of range"
                        )));
                    };
                    v = next.clone();
                }
            }
        }
        Ok(v)
    }
}

impl Evaluation {
    /// Parses `src` now and returns it as an unevaluated thunk (as `--arg
    /// NAME EXPR` does: a parse error is reported at once, an evaluation
    /// error only when the argument is used). Relative paths resolve against
    /// the current directory.
    pub fn lazy_expr(&self, src: &[u8]) -> Result<Value> {
        let dir = std::env::current_dir().map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
        let expr = self.ev.parse(
            Origin::String,
            src.to_vec(),
            dir.as_os_str().as_encoded_bytes(),
        )?;
        Ok(Value::Thunk(Thunk::new(
            expr,
            crate::value::Env::new(None, 0),
        )))
    }

    /// Calls a top-level function with `args` as `nix-instantiate` does
    /// (C++ `autoCallFunction`); other values are returned forced.
    pub fn auto_call(&self, v: &Value, args: &AutoArgs) -> Result<Value> {
        self.ev.auto_call(v, &args.to_attrs())
    }

    /// Selects `-A PATH` in `root` (C++ `findAlongAttrPath`): dot-separated
    /// names, `"quoted.names"` and list indices, auto-calling functions
    /// with `args` on the way. The result is not forced.
    pub fn select_attr_path(&self, root: &Value, path: &str, args: &AutoArgs) -> Result<Value> {
        self.ev.find_along_attr_path(root, path, &args.to_attrs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_paths_split_at_dots_outside_quotes() {
        let p = |s: &str| parse_attr_path(s).expect("parses");
        assert_eq!(p(""), Vec::<Vec<u8>>::new());
        assert_eq!(p("a.b"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            p("a.\"b.c\".d"),
            vec![b"a".to_vec(), b"b.c".to_vec(), b"d".to_vec()]
        );
        assert_eq!(p("a."), vec![b"a".to_vec()]);
        assert_eq!(p(".a"), vec![b"".to_vec(), b"a".to_vec()]);
        assert!(parse_attr_path("\"a").is_err());
    }

    #[test]
    fn digits_are_list_indices() {
        assert_eq!(step_of(b"12".to_vec()), Step::Index(12));
        assert_eq!(step_of(b"-1".to_vec()), Step::Name(b"-1".to_vec()));
        assert_eq!(
            step_of(b"99999999999".to_vec()),
            Step::Name(b"99999999999".to_vec())
        );
    }
}
