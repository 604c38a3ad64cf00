//! String context builtins: `hasContext`, `getContext`, `appendContext`,
//! `unsafeDiscardStringContext`, `unsafeDiscardOutputDependency`,
//! `addDrvOutputDependencies`.

use std::collections::BTreeMap;

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{
    Attr, Attrs, Coercion, Context, CtxElem, CtxKind, NixString, Pos, Symbol, Value, errors::Error,
    symbol::known,
};

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("hasContext", 1, |ev, pos, a| {
            let s = ev.expect_string(&a[0], pos, arg_ctx("argument", "hasContext"))?;
            Ok(Value::bool(!s.context().is_empty()))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("unsafeDiscardStringContext", 1, |ev, pos, a| {
            // C++ `coerceToString`.
            let s = ev.coerce_to_string_ctx(
                &a[0],
                pos,
                Coercion {
                    more: false,
                    copy_to_store: false,
                },
                arg_ctx("argument", "unsafeDiscardStringContext"),
            )?;
            if s.context().is_empty() {
                return Ok(Value::String(s));
            }
            Ok(Value::String(NixString::new(s.as_bytes())))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("unsafeDiscardOutputDependency", 1, |ev, pos, a| {
            // C++ `coerceToString`.
            let s = ev.coerce_to_string_ctx(
                &a[0],
                pos,
                Coercion {
                    more: false,
                    copy_to_store: false,
                },
                arg_ctx("argument", "unsafeDiscardOutputDependency"),
            )?;
            let elems = s
                .context()
                .elems()
                .iter()
                .map(|e| match e.kind() {
                    CtxKind::DrvDeep(p) => CtxElem::new(p),
                    _ => *e,
                })
                .collect();
            Ok(Value::String(NixString::with_context(
                s.as_bytes(),
                Context::from_elems(elems),
            )))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("addDrvOutputDependencies", 1, |ev, pos, a| {
            let s = ev.coerce_to_string_ctx(
                &a[0],
                pos,
                Coercion {
                    more: false,
                    copy_to_store: false,
                },
                arg_ctx("argument", "addDrvOutputDependencies"),
            )?;
            let elems = s.context().elems();
            if elems.len() != 1 {
                return Err(Error::eval(format!(
                    "context of string '{}' must have exactly one element, but has {}",
                    s.to_str_lossy(),
                    elems.len()
                ))
                .at(pos));
            }
            let e = match elems[0].kind() {
                CtxKind::Opaque(p) if p.ends_with(b".drv") => {
                    let mut enc = b"=".to_vec();
                    enc.extend_from_slice(p);
                    CtxElem::new(&enc)
                }
                CtxKind::Opaque(p) => {
                    return Err(Error::eval(format!(
                        "path '{}' is not a derivation",
                        String::from_utf8_lossy(p)
                    ))
                    .at(pos));
                }
                CtxKind::Built { output, .. } => {
                    return Err(Error::eval(format!(
                        "`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as '{}'",
                        String::from_utf8_lossy(output)
                    ))
                    .at(pos));
                }
                _ => elems[0],
            };
            Ok(Value::String(NixString::with_context(
                s.as_bytes(),
                Context::One(e),
            )))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("getContext", 1, |ev, pos, a| {
            let s = ev.expect_string(&a[0], pos, arg_ctx("argument", "getContext"))?;
            #[derive(Default)]
            struct Info {
                path: bool,
                all_outputs: bool,
                outputs: Vec<Vec<u8>>,
            }
            let mut infos: BTreeMap<Vec<u8>, Info> = BTreeMap::new();
            for e in s.context().elems() {
                match e.kind() {
                    CtxKind::Opaque(p) => infos.entry(p.to_vec()).or_default().path = true,
                    CtxKind::DrvDeep(p) => infos.entry(p.to_vec()).or_default().all_outputs = true,
                    CtxKind::Built { output, drv } => infos
                        .entry(drv.to_vec())
                        .or_default()
                        .outputs
                        .push(output.to_vec()),
                }
            }
            let entries = infos
                .into_iter()
                .map(|(path, mut info)| {
                    let mut fields = Vec::new();
                    if info.path {
                        fields.push(Attr {
                            name: known::path(),
                            pos: Pos::NONE,
                            value: Value::bool(true),
                        });
                    }
                    if info.all_outputs {
                        fields.push(Attr {
                            name: known::all_outputs(),
                            pos: Pos::NONE,
                            value: Value::bool(true),
                        });
                    }
                    if !info.outputs.is_empty() {
                        info.outputs.sort();
                        fields.push(Attr {
                            name: known::outputs(),
                            pos: Pos::NONE,
                            value: Value::list(
                                info.outputs.into_iter().map(Value::string).collect(),
                            ),
                        });
                    }
                    Attr {
                        name: Symbol::new(&path),
                        pos: Pos::NONE,
                        value: Value::attrs(Attrs::from_unsorted(fields)),
                    }
                })
                .collect();
            Ok(Value::attrs(Attrs::from_unsorted(entries)))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("appendContext", 2, |ev, pos, a| {
            let s = ev.expect_string(&a[0], pos, arg_ctx("first", "appendContext"))?;
            let ctx = ev.expect_attrs(&a[1], pos, arg_ctx("second", "appendContext"))?;
            let mut elems = s.context().elems().to_vec();
            let store_dir = ev.io.store_dir().unwrap_or_else(|| b"/nix/store".to_vec());
            for entry in ctx.iter() {
                let path = entry.name.as_bytes();
                let shown = crate::print::attr_ident_repr(path);
                let in_store = path
                    .strip_prefix(store_dir.as_slice())
                    .and_then(|r| r.strip_prefix(b"/"))
                    .is_some_and(|base| {
                        !base.contains(&b'/')
                            && nix_compat::store_path::StorePathRef::from_bytes(base).is_ok()
                    });
                if !in_store {
                    return Err(
                        Error::eval(format!("context key '{shown}' is not a store path"))
                            .at(entry.pos),
                    );
                }
                let is_drv = path.ends_with(b".drv");
                let info = ev.expect_attrs(
                    &entry.value,
                    entry.pos,
                    "while evaluating the value of a string context",
                )?;
                if let Some(p) = info.get_attr(known::path()) {
                    if ev.expect_bool(
                        &p.value,
                        p.pos,
                        "while evaluating the `path` attribute of a string context",
                    )? {
                        elems.push(CtxElem::new(path));
                    }
                }
                if let Some(p) = info.get_attr(known::all_outputs()) {
                    if ev.expect_bool(
                        &p.value,
                        p.pos,
                        "while evaluating the `allOutputs` attribute of a string context",
                    )? {
                        if !is_drv {
                            return Err(Error::eval(format!(
                                "tried to add all-outputs context of {shown}, which is not a derivation, to a string"
                            ))
                            .at(entry.pos));
                        }
                        let mut enc = b"=".to_vec();
                        enc.extend_from_slice(path);
                        elems.push(CtxElem::new(&enc));
                    }
                }
                if let Some(o) = info.get_attr(known::outputs()) {
                    let outs = ev.expect_list(
                        &o.value,
                        o.pos,
                        "while evaluating the `outputs` attribute of a string context",
                    )?;
                    if !outs.is_empty() && !is_drv {
                        return Err(Error::eval(format!(
                            "tried to add derivation output context of {shown}, which is not a derivation, to a string"
                        ))
                        .at(entry.pos));
                    }
                    for out in outs.iter() {
                        let name = ev.expect_string_no_ctx(
                            out,
                            o.pos,
                            "while evaluating an output name within a string context",
                        )?;
                        let mut enc = b"!".to_vec();
                        enc.extend_from_slice(name.as_bytes());
                        enc.push(b'!');
                        enc.extend_from_slice(path);
                        elems.push(CtxElem::new(&enc));
                    }
                }
            }
            Ok(Value::String(NixString::with_context(
                s.as_bytes(),
                Context::from_elems(elems),
            )))
        })
        .forcing(&[(0, ArgType::String), (1, ArgType::Any)]),
    ]
}
