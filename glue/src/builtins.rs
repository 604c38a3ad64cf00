//! The builtins that put paths into the store or name store paths:
//! `builtins.path`, `filterSource`, `toFile`, `storePath`, `placeholder`.
//! Each computes the store path exactly as C++ Nix 2.26 does and adds the
//! contents to the glue's store (as C++ Nix does even under `--eval`).

use std::{os::unix::ffi::OsStrExt, path::Path, rc::Rc};

use nix_compat::{
    nixhash::{CAHash, HashAlgo, NixHash},
    store_path::{self, StorePath},
};
use sha2::{Digest, Sha256};
use tvix_eval::{
    Builtin, Coercion, Context, CtxElem, CtxKind, Error, Evaluator, FileType, NixString, Pos,
    Result, Value,
};

use crate::{Glue, import, io::store_error, store};

/// `path`, `filterSource`, `toFile`, `storePath`, `placeholder` over `glue`.
pub(crate) fn store_builtins(glue: &Rc<Glue>) -> Vec<Builtin> {
    let g = glue.clone();
    let path = Builtin::function("path", 1, move |ev, pos, args| {
        prim_path(&g, ev, pos, &args[0])
    });
    let g = glue.clone();
    let filter_source = Builtin::function("filterSource", 2, move |ev, pos, args| {
        let p = path_arg(
            ev,
            &args[1],
            pos,
            "while evaluating the second argument (the path to filter) passed to 'builtins.filterSource'",
        )?;
        let f = ev.expect_function(
            &args[0],
            pos,
            "while evaluating the first argument passed to builtins.filterSource",
        )?;
        let name = base_name(&p);
        add_path(&g, ev, pos, &name, &p, Some(&f), true, None)
    });
    let g = glue.clone();
    let to_file = Builtin::function("toFile", 2, move |ev, pos, args| {
        prim_to_file(&g, ev, pos, &args[0], &args[1])
    });
    let store_path = Builtin::function("storePath", 1, |ev, pos, args| {
        let p = path_arg(
            ev,
            &args[0],
            pos,
            "while evaluating the first argument passed to 'builtins.storePath'",
        )?;
        let shown = String::from_utf8_lossy(&p).into_owned();
        let Some((sp, _)) = crate::io::split_store_path(&p) else {
            return Err(Error::eval(format!("path '{shown}' is not in the Nix store")).at(pos));
        };
        let abs = sp.to_absolute_path();
        Ok(Value::String(NixString::with_context(
            p,
            Context::from_elems(vec![CtxElem::new(abs.as_bytes())]),
        )))
    });
    let placeholder = Builtin::function("placeholder", 1, |ev, pos, args| {
        let out = ev.string_no_ctx(&args[0], pos).map_err(|e| {
            e.with_trace(
                pos,
                "while evaluating the first argument passed to builtins.placeholder",
            )
        })?;
        Ok(Value::string(store_path::hash_placeholder(
            &out.to_str_lossy(),
        )))
    });
    vec![path, filter_source, to_file, store_path, placeholder]
}

/// The absolute path a path or string names (C++ Nix's `coerceToPath`).
fn path_arg(ev: &Evaluator, v: &Value, pos: Pos, ctx: &str) -> Result<Vec<u8>> {
    let s = ev
        .coerce_to_string(
            v,
            pos,
            Coercion {
                more: false,
                copy_to_store: false,
            },
        )
        .map_err(|e| e.with_trace(pos, ctx))?;
    if !s.as_bytes().starts_with(b"/") {
        return Err(Error::eval(format!(
            "string '{}' doesn't represent an absolute path",
            s.to_str_lossy()
        ))
        .at(pos)
        .with_trace(pos, ctx));
    }
    Ok(s.as_bytes().to_vec())
}

/// C++ Nix's `baseNameOf` (libutil): the last component after any
/// trailing slashes (but the first byte) are dropped, so `http://` is
/// `http:` and `a//` is `a`.
pub(crate) fn base_name(p: &[u8]) -> String {
    let Some(mut last) = p.len().checked_sub(1) else {
        return String::new();
    };
    while last > 0 && p[last] == b'/' {
        last -= 1;
    }
    let start = p[..=last]
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(p.get(start..=last).unwrap_or_default()).into_owned()
}

fn prim_path(glue: &Glue, ev: &Evaluator, pos: Pos, arg: &Value) -> Result<Value> {
    let attrs = ev.expect_attrs(
        arg,
        pos,
        "while evaluating the argument passed to 'builtins.path'",
    )?;
    let mut path = None;
    let mut name = String::new();
    let mut filter = None;
    let mut recursive = true;
    let mut expected = None;
    for attr in attrs.sorted_by_name() {
        match attr.name.as_bytes() {
            b"path" => {
                path = Some(path_arg(
                    ev,
                    &attr.value,
                    attr.pos,
                    "while evaluating the 'path' attribute passed to 'builtins.path'",
                )?)
            }
            b"name" => {
                name = ev
                    .string_no_ctx(&attr.value, attr.pos)
                    .map_err(|e| {
                        e.with_trace(
                            attr.pos,
                            "while evaluating the `name` attribute passed to builtins.path",
                        )
                    })?
                    .to_str_lossy()
                    .into_owned()
            }
            b"filter" => {
                // C++ Nix shows the error itself at the filter, too.
                let f = ev
                    .expect_function(
                        &attr.value,
                        attr.pos,
                        "while evaluating the `filter` parameter passed to builtins.path",
                    )
                    .map_err(|e| e.at(attr.pos))?;
                filter = Some(f);
            }
            b"recursive" => {
                recursive = ev.expect_bool(
                    &attr.value,
                    attr.pos,
                    "while evaluating the `recursive` attribute passed to builtins.path",
                )?
            }
            b"sha256" => {
                let s = ev.string_no_ctx(&attr.value, attr.pos).map_err(|e| {
                    e.with_trace(
                        attr.pos,
                        "while evaluating the `sha256` attribute passed to builtins.path",
                    )
                })?;
                expected = Some(parse_sha256(ev, &s.to_str_lossy()).map_err(|e| e.at(attr.pos))?);
            }
            other => {
                return Err(Error::eval(format!(
                    "unsupported argument '{}' to 'builtins.path'",
                    String::from_utf8_lossy(other)
                ))
                .at(attr.pos));
            }
        }
    }
    let Some(path) = path else {
        return Err(Error::eval(
            "missing required 'path' attribute in the first argument to builtins.path",
        )
        .at(pos));
    };
    if name.is_empty() {
        name = base_name(&path);
    }
    add_path(
        glue,
        ev,
        pos,
        &name,
        &path,
        filter.as_ref(),
        recursive,
        expected,
    )
}

/// `newHashAllowEmpty(s, sha256)`: an empty string is the zero hash (with a
/// warning).
pub(crate) fn parse_sha256(ev: &Evaluator, s: &str) -> Result<NixHash> {
    if s.is_empty() {
        let h = NixHash::Sha256([0; 32]);
        ev.warn(&format!("found empty hash, assuming '{}'", h.to_sri()))?;
        return Ok(h);
    }
    NixHash::parse(s, Some(HashAlgo::Sha256)).map_err(|e| Error::eval(e.to_string()))
}

/// C++ Nix's `addPath`: copies `path` (filtered) into the store under
/// `name`, NAR-hashed or flat, checking an expected hash.
#[allow(clippy::too_many_arguments)]
fn add_path(
    glue: &Glue,
    ev: &Evaluator,
    pos: Pos,
    name: &str,
    path: &[u8],
    filter: Option<&Value>,
    recursive: bool,
    expected: Option<NixHash>,
) -> Result<Value> {
    let shown = String::from_utf8_lossy(path).into_owned();
    let trace = |e: Error| e.with_trace(pos, format!("while adding path '{shown}'"));
    let ca_of = |h: NixHash| {
        if recursive {
            CAHash::Nar(h)
        } else {
            CAHash::Flat(h)
        }
    };
    let expected_path = match &expected {
        Some(h) => Some(
            store_path::build_ca_path(name, &ca_of(h.clone()), std::iter::empty(), false)
                .map_err(|e| trace(Error::eval(e.to_string()).at(pos)))?,
        ),
        None => None,
    };
    if let Some(p) = &expected_path {
        if glue
            .store()
            .path_info(p)
            .map_err(|e| trace(store_error(&e)))?
            .is_some()
        {
            return Ok(store_path_value(p));
        }
    }
    let os = Path::new(std::ffi::OsStr::from_bytes(path));
    let real = std::fs::canonicalize(os).unwrap_or_else(|_| os.to_path_buf());
    let in_store = glue
        .store_node(path)
        .map_err(|e| trace(store_error(&e).at(pos)))?;
    let added = if recursive {
        let mut call = |p: &[u8], t: FileType| -> Result<bool> {
            let Some(f) = filter else {
                return Ok(true);
            };
            // The filter sees the path as given, not symlink-resolved.
            let mut shown_path = path.strip_suffix(b"/").unwrap_or(path).to_vec();
            shown_path.extend_from_slice(p);
            let r = ev.call(
                f,
                &[Value::string(shown_path), Value::string(t.as_str())],
                pos,
            )?;
            ev.expect_bool(
                &r,
                pos,
                "while evaluating the return value of the path filter function",
            )
        };
        let nar = match &in_store {
            Some(node) => import::dump_store(glue.store(), node, Some(&mut call)),
            None => import::dump(&real, Some(&mut call)),
        }
        .map_err(trace)?;
        glue.store()
            .add_nar(name, store::nar_ca(&nar), &nar, &[])
            .map_err(|e| trace(store_error(&e).at(pos)))?
    } else {
        let contents = match &in_store {
            Some(tvix_castore::Node::File { digest, .. }) => glue
                .store()
                .blob(digest)
                .map_err(|e| trace(store_error(&e).at(pos)))?,
            _ => import::flat_contents(&real).map_err(trace)?,
        };
        let ca = CAHash::Flat(NixHash::Sha256(Sha256::digest(&contents).into()));
        let nar =
            store::file_nar(&contents, false).map_err(|e| trace(Error::eval(e.to_string())))?;
        glue.store()
            .add_nar(name, ca, &nar, &[])
            .map_err(|e| trace(store_error(&e).at(pos)))?
    };
    if let Some(p) = expected_path {
        if p != added {
            return Err(trace(
                Error::eval(format!(
                    "store path mismatch in (possibly filtered) path added from '{shown}'"
                ))
                .at(pos),
            ));
        }
    }
    Ok(store_path_value(&added))
}

/// An attribute set of the given names and values (no positions), as the
/// fetchers and `getFlake` return or pass them.
pub(crate) fn attrs_value<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::attrs(tvix_eval::Attrs::from_unsorted(
        pairs
            .into_iter()
            .map(|(name, value)| tvix_eval::Attr {
                name: tvix_eval::Symbol::new(name.as_bytes()),
                pos: Pos::NONE,
                value,
            })
            .collect(),
    ))
}

pub(crate) fn store_path_value(p: &StorePath<String>) -> Value {
    let abs = p.to_absolute_path();
    Value::String(NixString::with_context(
        abs.as_bytes(),
        Context::from_elems(vec![CtxElem::new(abs.as_bytes())]),
    ))
}

fn prim_to_file(
    glue: &Glue,
    ev: &Evaluator,
    pos: Pos,
    name: &Value,
    contents: &Value,
) -> Result<Value> {
    let name = ev
        .string_no_ctx(name, pos)
        .map_err(|e| {
            e.with_trace(
                pos,
                "while evaluating the first argument passed to builtins.toFile",
            )
        })?
        .to_str_lossy()
        .into_owned();
    let contents = ev.expect_string(
        contents,
        pos,
        "while evaluating the second argument passed to builtins.toFile",
    )?;
    let mut refs = Vec::new();
    for elem in contents.context().elems() {
        match elem.kind() {
            CtxKind::Opaque(p) => refs.push(
                StorePath::<String>::from_absolute_path(p)
                    .map_err(|e| Error::eval(e.to_string()).at(pos))?,
            ),
            _ => {
                return Err(Error::eval(format!(
                    "files created by builtins.toFile may not reference derivations, but {name} references {}",
                    String::from_utf8_lossy(elem.encoded()).replace("/nix/store/", "")
                ))
                .at(pos));
            }
        }
    }
    refs.sort();
    refs.dedup();
    let p = glue
        .store()
        .add_text(&name, contents.as_bytes(), &refs)
        .map_err(|e| store_error(&e).at(pos))?;
    Ok(store_path_value(&p))
}
