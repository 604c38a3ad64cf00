//! `derivationStrict` and `derivation`: derivations are built in memory and
//! their paths computed exactly as C++ Nix 2.26 computes them; writing the
//! `.drv` files is the caller's choice afterwards
//! ([`crate::Glue::write_drv_closure`]), as `nix-instantiate` writes them and
//! `nix-instantiate --eval` does not.
//!
//! This is the evaluator's only contact with derivations, kept out of
//! `tvix-eval` (which knows no store) and added through
//! `EvaluationBuilder::add_builtin`, the hook embedders use. The formats
//! (ATerm, hash modulo, output paths) are `nix-compat`'s.
//!
//! Derivations seen in this evaluation are recorded in [`KnownPaths`] with
//! their hash modulo, so dependents can hash them (C++ Nix's `drvHashes`
//! cache) and `=drv` contexts can list their closure without reading a
//! store (the references of plain sources in such a closure come from the
//! [`References`] lookup, the store's PathInfo).

use std::{cell::RefCell, collections::BTreeSet, rc::Rc};

use crate::KnownPaths;
use nix_compat::{
    derivation::{BString, Derivation, Output},
    nixhash::{CAHash, HashAlgo, NixHash},
    store_path::{StorePath, validate_name},
};
use tvix_eval::{
    Attr, Attrs, Builtin, Coercion, Context, CtxElem, CtxKind, Error, Evaluator, NixString, Pos,
    Result, Symbol, Value,
};

/// The `derivation` function, as C++ Nix's `derivation.nix` behaves (the
/// Nix comment at its top says how and why its lines are laid out).
const DERIVATION_NIX: &str = r#"# tvix-glue's `derivation`, shown in traces as <nix/derivation-internal.nix>.
#
# `derivationStrict` (a builtin) checks the argument set and computes the
# derivation and its output paths. This wrapper returns, for the first
# output, the argument set extended with every output by name, `all` (the
# outputs as a list), `drvAttrs` (the argument set), and for each output its
# `outPath`, `drvPath`, `type = "derivation"` and `outputName`. Nothing is
# computed until an output's path or the .drv path is asked for.
#
# Traces of errors in the derivation quote this file's lines. C++ Nix's own
# derivation.nix is the specification of what they show, so the lines traces
# can point at sit at the same line numbers as there, between the same
# neighbours:
#
#   37  the `strict = derivationStrict drvAttrs;` binding, blank lines around
#       it ("while calling the 'derivationStrict' builtin");
#   49  `value = commonAttrs // {`, followed on 50 to 52 by the `outPath`,
#       `drvPath` and `type` attributes ("while evaluating the attribute
#       'outPath'" when --strict forces an output).
#
# Keep them there when editing: the golden cases in
# eval/tests/cases/cli/fail/derivation-*.nix compare the traces with
# nix-instantiate's.
#
# C++ Nix also leaves out the "while evaluating the attribute" frame of an
# attribute selected in this file (`strict.drvPath`); tvix-eval does the
# same for any file named derivation-internal.nix.
#
#
#
drvAttrs@{
  outputs ? [ "out" ],
  ...
}:
let

  strict = derivationStrict drvAttrs;

  commonAttrs =
    drvAttrs
    // builtins.listToAttrs perOutput
    // {
      all = map (o: o.value) perOutput;
      inherit drvAttrs;
    };

  perOutput = map (outputName: {
    name = outputName;
    value = commonAttrs // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  }) outputs;
in
(builtins.head perOutput).value
"#;

/// `derivationStrict` and `derivation` with their own table of known
/// derivations (for evaluations without a store).
#[must_use]
pub fn builtins() -> Vec<Builtin> {
    builtins_with(Rc::default(), Rc::new(|_: &StorePath<String>| Vec::new()))
}

/// The references of a store path that is not a derivation of this
/// evaluation (from the store), for the closures `=drv` contexts name.
pub type References = Rc<dyn Fn(&StorePath<String>) -> Vec<StorePath<String>>>;

/// `derivationStrict` and `derivation`, recording derivations in `known`.
#[must_use]
pub fn builtins_with(known: Rc<RefCell<KnownPaths>>, refs: References) -> Vec<Builtin> {
    vec![
        Builtin::function("derivationStrict", 1, move |ev, pos, args| {
            derivation_strict(ev, pos, &args[0], &known, &refs)
        })
        .plain(),
        Builtin::nix("derivation", "derivation-internal.nix", DERIVATION_NIX).plain(),
    ]
}

fn sym(s: &str) -> Symbol {
    Symbol::new(s.as_bytes())
}

fn derivation_strict(
    ev: &Evaluator,
    pos: Pos,
    arg: &Value,
    known: &RefCell<KnownPaths>,
    refs: &References,
) -> Result<Value> {
    let attrs = ev.expect_attrs(
        arg,
        pos,
        "while evaluating the argument passed to builtins.derivationStrict",
    )?;
    let Some(name_attr) = attrs.get_attr(sym("name")) else {
        return Err(Error::eval("attribute 'name' missing").at(pos).with_trace(
            pos,
            "in the attrset passed as argument to builtins.derivationStrict",
        ));
    };
    let name = ev
        .string_no_ctx(&name_attr.value, pos)
        .map_err(|e| {
            e.with_trace(
                pos,
                "while evaluating the `name` attribute passed to builtins.derivationStrict",
            )
            .with_trace(
                name_attr.pos,
                "while evaluating the derivation attribute 'name'",
            )
        })?
        .to_str_lossy()
        .into_owned();
    instantiate(ev, pos, &attrs, &name, known, refs).map_err(|e| {
        e.with_trace(
            Pos::NONE,
            format!(
                "while evaluating derivation '{name}'\n  whose name attribute is located at {}",
                ev.show_pos(name_attr.pos)
            ),
        )
    })
}

/// Fields of the derivation that attributes set besides the environment.
#[derive(Default)]
struct Special {
    output_hash: Option<String>,
    output_hash_algo: Option<String>,
    output_hash_mode: Option<String>,
    outputs: Option<Vec<String>>,
}

fn instantiate(
    ev: &Evaluator,
    pos: Pos,
    attrs: &Attrs,
    name: &str,
    known: &RefCell<KnownPaths>,
    refs: &References,
) -> Result<Value> {
    if let Err(e) = validate_name(name.as_bytes()) {
        return Err(Error::eval(format!(
            "invalid derivation name: {e}. Please pass a different 'name'."
        ))
        .at(pos));
    }
    let flag = |attr: &str, what: &str| -> Result<bool> {
        match attrs.get(sym(attr)) {
            Some(v) => ev.expect_bool(
                v,
                pos,
                format!(
                    "while evaluating the `{what}` attribute passed to builtins.derivationStrict"
                ),
            ),
            None => Ok(false),
        }
    };
    let structured = flag("__structuredAttrs", "__structuredAttrs")?;
    let ignore_nulls = flag("__ignoreNulls", "__ignoreNulls")?;

    let mut drv = Derivation::default();
    let mut context = Context::Empty;
    let mut json = Vec::new();
    let mut special = Special::default();
    let coercion = Coercion {
        more: true,
        copy_to_store: true,
    };

    for attr in attrs.sorted_by_name() {
        let key = attr.name.as_bytes();
        if key == b"__ignoreNulls" {
            continue;
        }
        let key_str = String::from_utf8_lossy(key).into_owned();
        let r = (|| -> Result<()> {
            if ignore_nulls && matches!(ev.force(&attr.value, pos)?, Value::Null) {
                return Ok(());
            }
            match key {
                b"__contentAddressed" | b"__impure" => {
                    if ev.expect_bool(&attr.value, pos, "")? {
                        let feature = if key == b"__impure" {
                            "impure-derivations"
                        } else {
                            "ca-derivations"
                        };
                        return Err(Error::eval(format!(
                            "experimental Nix feature '{feature}' is disabled; add '--extra-experimental-features {feature}' to enable it"
                        )));
                    }
                    return Ok(());
                }
                b"args" => {
                    let list = ev.expect_list(&attr.value, pos, "")?;
                    for item in list.iter() {
                        let s = ev.coerce_to_string(item, pos, coercion).map_err(|e| {
                            e.with_trace(pos, "while evaluating an element of the argument list")
                        })?;
                        context = context.union(s.context());
                        drv.arguments.push(BString::from(s.as_bytes()));
                    }
                    return Ok(());
                }
                _ => {}
            }
            if structured {
                if key == b"__structuredAttrs" {
                    return Ok(());
                }
                let value = ev.to_json(&attr.value, pos, &mut context)?;
                json.push((key_str.clone(), value));
                let no_ctx = |v: &Value| -> Result<String> {
                    Ok(ev.string_no_ctx(v, pos)?.to_str_lossy().into_owned())
                };
                match key {
                    b"builder" => {
                        let s = ev.expect_string(&attr.value, pos, "")?;
                        context = context.union(s.context());
                        drv.builder = BString::from(s.as_bytes());
                    }
                    b"system" => drv.system = no_ctx(&attr.value)?.into(),
                    b"outputHash" => special.output_hash = Some(no_ctx(&attr.value)?),
                    b"outputHashAlgo" => special.output_hash_algo = Some(no_ctx(&attr.value)?),
                    b"outputHashMode" => special.output_hash_mode = Some(no_ctx(&attr.value)?),
                    b"outputs" => {
                        let list = ev.expect_list(&attr.value, pos, "")?;
                        let names = list.iter().map(&no_ctx).collect::<Result<Vec<_>>>()?;
                        special.outputs = Some(check_outputs(names)?);
                    }
                    b"allowedReferences"
                    | b"allowedRequisites"
                    | b"disallowedReferences"
                    | b"disallowedRequisites"
                    | b"maxSize"
                    | b"maxClosureSize" => ev.warn(&format!(
                        "In a derivation named '{name}', 'structuredAttrs' disables the effect of the derivation attribute '{key_str}'; use 'outputChecks.<output>.{key_str}' instead"
                    ))?,
                    _ => {}
                }
            } else {
                let s = ev.coerce_to_string(&attr.value, pos, coercion)?;
                context = context.union(s.context());
                let text = s.to_str_lossy().into_owned();
                match key {
                    b"builder" => drv.builder = BString::from(s.as_bytes()),
                    b"system" => drv.system = BString::from(s.as_bytes()),
                    b"outputHash" => special.output_hash = Some(text),
                    b"outputHashAlgo" => special.output_hash_algo = Some(text),
                    b"outputHashMode" => special.output_hash_mode = Some(text),
                    b"outputs" => {
                        let names = text
                            .split([' ', '\t', '\n', '\r'])
                            .filter(|w| !w.is_empty())
                            .map(str::to_owned)
                            .collect();
                        special.outputs = Some(check_outputs(names)?);
                    }
                    _ => {}
                }
                drv.environment
                    .insert(BString::from(key), BString::from(s.as_bytes()));
            }
            Ok(())
        })();
        r.map_err(|e| {
            e.with_trace(
                attr.pos,
                format!("while evaluating attribute '{key_str}' of derivation '{name}'"),
            )
        })?;
    }
    if structured {
        let mut out = b"{".to_vec();
        for (i, (k, v)) in json.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&serde_json_string(k));
            out.push(b':');
            out.extend_from_slice(v);
        }
        out.push(b'}');
        drv.environment.insert("__json".into(), out.into());
    }

    add_inputs(&mut drv, &context, &known.borrow(), refs)?;

    if drv.builder.is_empty() {
        return Err(Error::eval("required attribute 'builder' missing").at(pos));
    }
    if drv.system.is_empty() {
        return Err(Error::eval("required attribute 'system' missing").at(pos));
    }
    let outputs = special.outputs.unwrap_or_else(|| vec!["out".to_owned()]);
    if name.ends_with(".drv") {
        return Err(Error::eval(
            "derivation names are allowed to end in '.drv' only if they produce a single derivation file",
        )
        .at(pos));
    }
    if let Some(hash) = &special.output_hash {
        if outputs != ["out"] {
            return Err(Error::eval(
                "multiple outputs are not supported in fixed-output derivations",
            )
            .at(pos));
        }
        let ca = fixed_output_ca(
            ev,
            hash,
            special.output_hash_algo.as_deref(),
            special.output_hash_mode.as_deref(),
        )
        .map_err(|e| e.at(pos))?;
        drv.outputs.insert("out".to_owned(), Output::fixed(ca));
    } else {
        if let Some(mode) = &special.output_hash_mode {
            parse_mode(mode).map_err(|e| e.at(pos))?;
        }
        for o in &outputs {
            drv.outputs.insert(o.clone(), Output::input_addressed());
        }
    }

    let known_ref = known.borrow();
    let lookup = |p: &StorePath<String>| known_ref.hash_modulo(p);
    drv.fill_output_paths(name, lookup)
        .map_err(|e| Error::eval(e.to_string()).at(pos))?;
    let drv_path = drv
        .drv_path(name)
        .map_err(|e| Error::eval(e.to_string()).at(pos))?;
    let hash_modulo = drv
        .hash_derivation_modulo(lookup)
        .map_err(|e| Error::eval(e.to_string()).at(pos))?;
    drop(known_ref);

    let drv_path_str = drv_path.to_absolute_path();
    let mut result = vec![Attr {
        name: sym("drvPath"),
        pos: Pos::NONE,
        value: Value::String(NixString::with_context(
            drv_path_str.as_bytes(),
            Context::from_elems(vec![CtxElem::new(format!("={drv_path_str}").as_bytes())]),
        )),
    }];
    for (output, o) in &drv.outputs {
        let path = o
            .path
            .as_ref()
            .map(|p| p.to_absolute_path())
            .unwrap_or_default();
        result.push(Attr {
            name: sym(output),
            pos: Pos::NONE,
            value: Value::String(NixString::with_context(
                path.as_bytes(),
                Context::from_elems(vec![CtxElem::new(
                    format!("!{output}!{drv_path_str}").as_bytes(),
                )]),
            )),
        });
    }
    known.borrow_mut().add(drv_path, drv, hash_modulo);
    Ok(Value::attrs(Attrs::from_unsorted(result)))
}

/// Checks an `outputs` list as `derivationStrict` does.
fn check_outputs(names: Vec<String>) -> Result<Vec<String>> {
    let mut seen = BTreeSet::new();
    for n in &names {
        if !seen.insert(n.as_str()) {
            return Err(Error::eval(format!("duplicate derivation output '{n}'")));
        }
        if n == "drvPath" {
            return Err(Error::eval("invalid derivation output name 'drvPath'"));
        }
    }
    if names.is_empty() {
        return Err(Error::eval(
            "derivation cannot have an empty set of outputs",
        ));
    }
    Ok(names)
}

/// Adds the store paths a string context names to the derivation's inputs.
fn add_inputs(
    drv: &mut Derivation,
    context: &Context,
    known: &KnownPaths,
    refs: &References,
) -> Result<()> {
    let path_of = |p: &[u8]| {
        StorePath::<String>::from_absolute_path(p)
            .map(|p| p.to_owned())
            .map_err(|e| Error::eval(e.to_string()))
    };
    for elem in context.elems() {
        match elem.kind() {
            CtxKind::Opaque(p) => {
                drv.input_sources.insert(path_of(p)?);
            }
            CtxKind::Built { output, drv: d } => {
                drv.input_derivations
                    .entry(path_of(d)?)
                    .or_default()
                    .insert(String::from_utf8_lossy(output).into_owned());
            }
            CtxKind::DrvDeep(d) => {
                // The closure of the .drv file: itself, its sources and its
                // input derivations, recursively; every derivation in it is
                // an input with all its outputs (C++ Nix's computeFSClosure).
                let mut todo = vec![path_of(d)?];
                let mut seen = BTreeSet::new();
                while let Some(p) = todo.pop() {
                    if !seen.insert(p.clone()) {
                        continue;
                    }
                    drv.input_sources.insert(p.clone());
                    if !p.is_derivation() {
                        todo.extend(refs(&p));
                        continue;
                    }
                    let Some(k) = known.get(&p) else {
                        return Err(Error::eval(format!(
                            "cannot read derivation '{}': it was not instantiated in this evaluation",
                            p.to_absolute_path()
                        )));
                    };
                    drv.input_derivations
                        .insert(p.clone(), k.drv.outputs.keys().cloned().collect());
                    todo.extend(k.drv.input_sources.iter().cloned());
                    todo.extend(k.drv.input_derivations.keys().cloned());
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn parse_mode(mode: &str) -> Result<bool> {
    match mode {
        "flat" => Ok(false),
        "recursive" | "nar" => Ok(true),
        "text" => Err(Error::eval(
            "experimental Nix feature 'dynamic-derivations' is disabled; add '--extra-experimental-features dynamic-derivations' to enable it",
        )),
        "git" => Err(Error::eval(
            "experimental Nix feature 'git-hashing' is disabled; add '--extra-experimental-features git-hashing' to enable it",
        )),
        other => Err(Error::eval(format!(
            "invalid value '{other}' for 'outputHashMode' attribute"
        ))),
    }
}

/// The content address of a fixed output (C++ Nix's `newHashAllowEmpty`).
fn fixed_output_ca(
    ev: &Evaluator,
    hash: &str,
    algo: Option<&str>,
    mode: Option<&str>,
) -> Result<CAHash> {
    let nar = parse_mode(mode.unwrap_or("flat"))?;
    // C++ Nix reads outputHashAlgo with `parseHashAlgoOpt`: a name it does
    // not know is no algorithm, not an error.
    let algo = algo.and_then(|a| a.parse::<HashAlgo>().ok());
    let h = if hash.is_empty() {
        let Some(a) = algo else {
            return Err(Error::eval("empty hash requires explicit hash algorithm"));
        };
        let h = NixHash::from_algo_and_digest(a, &vec![0; a.digest_len()])
            .map_err(|e| Error::eval(e.to_string()))?;
        ev.warn(&format!("found empty hash, assuming '{}'", h.to_sri()))?;
        h
    } else {
        NixHash::parse(hash, algo).map_err(|e| match e {
            // C++ `parseHashAlgo`'s usage error.
            nix_compat::nixhash::Error::UnknownAlgo(_) => Error::usage(e.to_string()),
            _ => Error::eval(e.to_string()),
        })?
    };
    Ok(if nar { CAHash::Nar(h) } else { CAHash::Flat(h) })
}

/// A JSON string literal for an attribute name.
fn serde_json_string(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
    out
}
