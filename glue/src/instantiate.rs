//! What `nix-instantiate` does with the value of an expression once `-A`
//! is selected (`tvix_eval::Evaluation::select_attr_path`): collect the
//! derivations in it, calling functions with the automatic arguments
//! (`--arg`/`--argstr`, `tvix_eval::AutoArgs`) on the way (C++
//! Nix's `getDerivations`: a derivation, the derivations among the
//! attributes of a set in name order — recursing only into sets marked
//! `recurseForDerivations` — or the elements of a list).

use std::{collections::HashSet, rc::Rc};

use tvix_eval::{Attrs, AutoArgs, Error, Evaluation, Evaluator, Pos, Result, Symbol, Value};

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

/// The derivations in `v` (after automatic calling), in C++ Nix's order.
/// Functions are called as C++ `getDerivations` calls them
/// (`autoCallFunction`, also with no arguments given).
pub fn derivations(eval: &Evaluation, v: &Value, args: &AutoArgs) -> Result<Vec<FoundDrv>> {
    let mut found = Vec::new();
    let mut done = HashSet::new();
    collect(eval, v, args, &mut found, &mut done)?;
    // As nix-instantiate: the `.drv` paths and output names are asked for
    // once all derivations are found (and named).
    let ev = eval.evaluator();
    found.iter().map(|a| found_drv(ev, a)).collect()
}

/// C++ `requireDrvPath` and `queryOutputName` of a derivation.
fn found_drv(ev: &Evaluator, a: &Attrs) -> Result<FoundDrv> {
    // C++ `coerceToStorePath` at the attribute.
    let drv_path = match a.get_attr(sym("drvPath")) {
        Some(p) => ev
            .coerce_to_string_ctx(
                &p.value,
                p.pos,
                tvix_eval::Coercion {
                    more: false,
                    copy_to_store: true,
                },
                "while evaluating the 'drvPath' attribute of a derivation",
            )?
            .to_str_lossy()
            .into_owned(),
        None => {
            return Err(Error::eval(
                "derivation does not contain a 'drvPath' attribute",
            ));
        }
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
        None => String::new(),
    };
    if output.is_empty() {
        return Err(Error::eval(format!(
            "derivation '{drv_path}' lacks an 'outputName' attribute"
        )));
    }
    Ok(FoundDrv { drv_path, output })
}

/// Adds `v` if it is a derivation; returns false then (C++ Nix's
/// `getDerivation` returns whether the caller should look inside). A
/// derivation must have a `name` (C++ `queryName`).
fn derivation(
    ev: &Evaluator,
    v: &Value,
    found: &mut Vec<Rc<Attrs>>,
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
    match a.get(sym("name")) {
        Some(n) => {
            ev.expect_string(
                n,
                Pos::NONE,
                "while evaluating the 'name' attribute of a derivation",
            )?;
        }
        None => return Err(Error::type_error("derivation name missing")),
    }
    found.push(a.clone());
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
    eval: &Evaluation,
    v: &Value,
    args: &AutoArgs,
    found: &mut Vec<Rc<Attrs>>,
    done: &mut HashSet<*const Attrs>,
) -> Result<()> {
    let ev = eval.evaluator();
    let v = eval.auto_call(v, args)?;
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
                                collect(eval, &inner, args, found, done).map_err(trace)?;
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
                    collect(eval, item, args, found, done)?;
                }
            }
            Ok(())
        }
        _ => Err(Error::type_error(
            "expression does not evaluate to a derivation (or a set or list of those)",
        )),
    }
}
