//! What `nix-instantiate` does with the value of an expression: select an
//! attribute path (`-A`), call functions with the automatic arguments
//! (`--arg`/`--argstr`), and collect the derivations in the result (C++
//! Nix's `getDerivations`: a derivation, the derivations among the
//! attributes of a set in name order — recursing only into sets marked
//! `recurseForDerivations` — or the elements of a list).

use std::{collections::HashSet, rc::Rc};

use tvix_eval::{Attr, Attrs, Error, Evaluation, Evaluator, Pos, Result, Symbol, Value};

/// A derivation found in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDrv {
    /// Its `.drv` path.
    pub drv_path: String,
    /// The output the value stands for (`outputName`).
    pub output: String,
}

fn sym(s: &str) -> Symbol {
    Symbol::new(s.as_bytes())
}

/// The automatic arguments (`--arg`, `--argstr`) and the function applying
/// them.
pub struct AutoArgs {
    args: Value,
    helper: Value,
}

/// Calls a function with the arguments it names. Functions whose set
/// pattern names no argument (`{ ... }:`) are not called: the language
/// gives no way to tell them from `x:` here.
const AUTO_CALL_NIX: &[u8] = b"f: args: let fa = builtins.functionArgs f; in \
    if fa == {} then f else f (builtins.intersectAttrs fa args)";

impl AutoArgs {
    /// The arguments, with the helper compiled in `eval`.
    pub fn new(eval: &Evaluation, args: Vec<(String, Value)>) -> Result<Self> {
        let helper = eval.evaluate_expr(AUTO_CALL_NIX, None)?;
        let args = Value::attrs(Attrs::from_unsorted(
            args.into_iter()
                .map(|(name, value)| Attr {
                    name: sym(&name),
                    pos: Pos::NONE,
                    value,
                })
                .collect(),
        ));
        Ok(AutoArgs { args, helper })
    }

    /// C++ Nix's `autoCallFunction`: a function taking a set of named
    /// arguments is called with those of the arguments it names (missing
    /// ones take their defaults); anything else is returned as is.
    pub fn call(&self, ev: &Evaluator, v: &Value) -> Result<Value> {
        let v = ev.force(v, Pos::NONE)?;
        if !v.is_function() {
            return Ok(v);
        }
        let r = ev.call(&self.helper, &[v, self.args.clone()], Pos::NONE)?;
        ev.force(&r, Pos::NONE)
    }
}

/// Selects `path` (`a.b.0.c`) in `v` as `-A` does.
pub fn select(ev: &Evaluator, v: &Value, path: &str, args: &AutoArgs) -> Result<Value> {
    let mut current = v.clone();
    if path.is_empty() {
        return Ok(current);
    }
    for component in path.split('.') {
        current = args.call(ev, &current)?;
        match &current {
            Value::Attrs(a) => match a.get(sym(component)) {
                Some(next) => current = ev.force(next, Pos::NONE)?,
                None => {
                    return Err(Error::eval(format!(
                        "attribute '{component}' in selection path '{path}' not found"
                    )));
                }
            },
            other => {
                return Err(Error::type_error(format!(
                    "the expression selected by the selection path '{path}' should be a set but is {}",
                    other.show_type()
                )));
            }
        }
    }
    Ok(current)
}

/// The derivations in `v` (after automatic calling), in C++ Nix's order.
pub fn derivations(ev: &Evaluator, v: &Value, args: &AutoArgs) -> Result<Vec<FoundDrv>> {
    let mut found = Vec::new();
    let mut done = HashSet::new();
    collect(ev, v, args, &mut found, &mut done)?;
    Ok(found)
}

/// Adds `v` if it is a derivation; returns false then (C++ Nix's
/// `getDerivation` returns whether the caller should look inside).
fn derivation(
    ev: &Evaluator,
    v: &Value,
    found: &mut Vec<FoundDrv>,
    done: &mut HashSet<*const Attrs>,
) -> Result<bool> {
    let v = ev.force(v, Pos::NONE)?;
    let Value::Attrs(a) = &v else {
        return Ok(true);
    };
    let Some(t) = a.get(sym("type")) else {
        return Ok(true);
    };
    let t = ev.force(t, Pos::NONE)?;
    if !matches!(&t, Value::String(s) if s.as_bytes() == b"derivation") {
        return Ok(true);
    }
    if !done.insert(Rc::as_ptr(a)) {
        return Ok(false);
    }
    let drv_path = match a.get(sym("drvPath")) {
        Some(p) => ev
            .expect_string(
                p,
                Pos::NONE,
                "while evaluating the 'drvPath' attribute of a derivation",
            )?
            .to_str_lossy()
            .into_owned(),
        None => return Err(Error::eval("derivation lacks a 'drvPath' attribute")),
    };
    let output = match a.get(sym("outputName")) {
        Some(o) => ev
            .expect_string(
                o,
                Pos::NONE,
                "while evaluating the output name of a derivation",
            )?
            .to_str_lossy()
            .into_owned(),
        None => {
            return Err(Error::eval(format!(
                "derivation '{drv_path}' lacks an 'outputName' attribute"
            )));
        }
    };
    found.push(FoundDrv { drv_path, output });
    Ok(false)
}

fn attr_name_ok(name: &[u8]) -> bool {
    let Some((first, rest)) = name.split_first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || *first == b'_')
        && rest
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'+'))
}

fn collect(
    ev: &Evaluator,
    v: &Value,
    args: &AutoArgs,
    found: &mut Vec<FoundDrv>,
    done: &mut HashSet<*const Attrs>,
) -> Result<()> {
    let v = args.call(ev, v)?;
    if !derivation(ev, &v, found, done)? {
        return Ok(());
    }
    match &v {
        Value::Attrs(a) => {
            for attr in a.sorted_by_name() {
                let name = attr.name.as_bytes();
                if !attr_name_ok(name) {
                    continue;
                }
                let trace = |e: Error| {
                    e.with_trace(
                        attr.pos,
                        format!(
                            "while evaluating the attribute '{}'",
                            String::from_utf8_lossy(name)
                        ),
                    )
                };
                if derivation(ev, &attr.value, found, done).map_err(trace)? {
                    let inner = ev.force(&attr.value, attr.pos).map_err(trace)?;
                    if let Value::Attrs(ia) = &inner {
                        if let Some(r) = ia.get(sym("recurseForDerivations")) {
                            if ev
                                .expect_bool(
                                    r,
                                    attr.pos,
                                    "while evaluating the attribute `recurseForDerivations`",
                                )
                                .map_err(trace)?
                            {
                                collect(ev, &inner, args, found, done).map_err(trace)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        Value::List(l) => {
            for item in l.iter() {
                if derivation(ev, item, found, done)? {
                    collect(ev, item, args, found, done)?;
                }
            }
            Ok(())
        }
        _ => Err(Error::type_error(
            "expression does not evaluate to a derivation (or a set or list of those)",
        )),
    }
}
