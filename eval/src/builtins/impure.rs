//! Builtins that read the outside world through [`crate::EvalIO`]:
//! `import`, `scopedImport`, `readFile`, `pathExists`, `readDir`,
//! `readFileType`, `hashFile`, `findFile`, `currentSystem`, `currentTime`.

use super::{Builtin, arg_ctx};
use crate::{
    Attr, Attrs, NixString, Pos, Symbol, Value,
    errors::{Error, ErrorKind, Result},
    eval::{Evaluator, ops::Coercion},
    symbol::known,
};

/// The absolute path a path-like value names (paths, or strings that are
/// absolute paths): C++ Nix's `realisePath`: the value coerced to an absolute path; its
/// errors (forcing included) are "while realising the context of a path".
pub(crate) fn real_path(ev: &Evaluator, v: &Value, pos: Pos) -> Result<Vec<u8>> {
    let ctx = "while realising the context of a path";
    // A path value is used as it is (a string of it would lose the tree of
    // `<nix/...>` paths).
    if let Value::Path(p) = &ev.force(v, pos).map_err(|e| e.with_trace(pos, ctx))? {
        return Ok(crate::path::canonicalise(p.as_bytes()));
    }
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
    Ok(crate::path::canonicalise(s.as_bytes()))
}

fn io_err(e: std::io::Error, what: &str, path: &[u8], pos: Pos) -> Error {
    Error::new(
        ErrorKind::Io,
        format!(
            "{what} '{}': {}",
            String::from_utf8_lossy(path),
            strerror(&e)
        ),
    )
    .at(pos)
}

/// The system's text for an I/O error, as C++ Nix's `SysError` shows it
/// (`strerror`, without the ` (os error N)` Rust adds).
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_owned(),
        _ => s,
    }
}

/// C++ Nix's `readFile` errors: opening fails ("opening file"), except
/// for a directory, which only fails when read ("reading from file").
fn read_err(e: std::io::Error, path: &[u8], pos: Pos) -> Error {
    let what = if e.kind() == std::io::ErrorKind::IsADirectory {
        "reading from file"
    } else {
        "opening file"
    };
    io_err(e, what, path, pos)
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("import", 1, |ev, pos, a| {
            let p = real_path(ev, &a[0], pos)?;
            ev.import(&p, pos, true)
        })
        .plain(),
        Builtin::function("scopedImport", 2, |ev, pos, a| {
            let scope = ev.expect_attrs(&a[0], pos, arg_ctx("first", "scopedImport"))?;
            let p = real_path(ev, &a[1], pos)?;
            ev.scoped_import(&p, scope, pos)
        })
        .plain(),
        Builtin::function("readFile", 1, |ev, pos, a| {
            let p = real_path(ev, &a[0], pos)?;
            let bytes = ev.io.read_file(&p).map_err(|e| read_err(e, &p, pos))?;
            if bytes.contains(&0) {
                return Err(Error::eval(format!(
                    "the contents of the file '{}' cannot be represented as a Nix string",
                    String::from_utf8_lossy(&p)
                ))
                .at(pos));
            }
            Ok(Value::String(NixString::new(bytes)))
        }),
        Builtin::function("pathExists", 1, |ev, pos, a| {
            let v = ev.force(&a[0], pos)?;
            let must_be_dir = match &v {
                Value::String(s) => s.as_bytes().ends_with(b"/") || s.as_bytes().ends_with(b"/."),
                _ => false,
            };
            let p = real_path(ev, &v, pos)?;
            // A trailing '/' or '/.' asks for a directory, and then (as in
            // C++ Nix) the final component is resolved when it is a symlink.
            let exists = if must_be_dir {
                ev.io.is_directory(&p)
            } else {
                ev.io.path_exists(&p)
            }
            .map_err(|e| io_err(e, "checking path", &p, pos))?;
            Ok(Value::bool(exists))
        }),
        Builtin::function("readFileType", 1, |ev, pos, a| {
            let p = real_path(ev, &a[0], pos)?;
            let t = ev.io.file_type(&p).map_err(|e| {
                // C++ Nix's `maybeLstat`: a missing path (or one under
                // a file) does not exist.
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) {
                    Error::new(
                        ErrorKind::Io,
                        format!("path '{}' does not exist", String::from_utf8_lossy(&p)),
                    )
                    .at(pos)
                } else {
                    io_err(e, "getting status of", &p, pos)
                }
            })?;
            Ok(Value::string(t.as_str()))
        }),
        Builtin::function("readDir", 1, |ev, pos, a| {
            let p = real_path(ev, &a[0], pos)?;
            let entries = ev.io.read_dir(&p).map_err(|e| {
                // C++ Nix does not quote this path.
                Error::new(
                    ErrorKind::Io,
                    format!(
                        "reading directory {}: {}",
                        String::from_utf8_lossy(&p),
                        strerror(&e)
                    ),
                )
                .at(pos)
            })?;
            Ok(Value::attrs(Attrs::from_unsorted(
                entries
                    .into_iter()
                    .map(|(name, t)| Attr {
                        name: Symbol::new(&name),
                        pos: Pos::NONE,
                        value: Value::string(t.as_str()),
                    })
                    .collect(),
            )))
        }),
        Builtin::function("hashFile", 2, |ev, pos, a| {
            let algo = ev.string_no_ctx(&a[0], pos)?;
            // C++ Nix checks the algorithm before the path.
            if super::hashes::hash(algo.as_bytes(), b"").is_none() {
                let msg = super::hashes::unknown_algo(&algo.to_str_lossy());
                return Err(Error::usage(msg).at(pos));
            }
            let p = real_path(ev, &a[1], pos)?;
            let bytes = ev.io.read_file(&p).map_err(|e| read_err(e, &p, pos))?;
            let h = super::hashes::hash(algo.as_bytes(), &bytes).unwrap_or_default();
            Ok(Value::string(
                h.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            ))
        }),
        Builtin::function("findFile", 2, |ev, pos, a| {
            let list = ev.expect_list(&a[0], pos, arg_ctx("first", "findFile"))?;
            let path = ev.string_no_ctx(&a[1], pos)?;
            find_file(ev, &list, path.as_bytes(), pos)
        }),
        Builtin::constant("currentSystem", Value::string(current_system())),
    ]
}

fn current_system() -> String {
    let arch = std::env::consts::ARCH;
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        o => o,
    };
    format!("{arch}-{os}")
}

/// C++ Nix's `findFile` over a search path list of `{ prefix, path }`.
fn find_file(ev: &Evaluator, list: &[Value], name: &[u8], pos: Pos) -> Result<Value> {
    for entry in list {
        let e = ev.expect_attrs(
            entry,
            pos,
            "while evaluating an element of the list passed to builtins.findFile",
        )?;
        let prefix = match e.get(known::prefix()) {
            Some(p) => ev.string_no_ctx(p, pos)?.as_bytes().to_vec(),
            None => Vec::new(),
        };
        let Some(path) = e.get(known::path()) else {
            return Err(Error::eval("attribute 'path' missing").at(pos));
        };
        let path = ev.coerce_to_string(
            path,
            pos,
            Coercion {
                more: false,
                copy_to_store: false,
            },
        )?;
        let rest: &[u8] = if prefix.is_empty() {
            name
        } else if name == prefix.as_slice() {
            b""
        } else if name.starts_with(&prefix) && name.get(prefix.len()) == Some(&b'/') {
            &name[prefix.len() + 1..]
        } else {
            continue;
        };
        // A relative entry (`-I dir`, `NIX_PATH=foo=dir`) is relative to
        // the current directory, resolved at lookup as C++ does.
        let mut full = match path.as_bytes() {
            p if p.starts_with(b"/") => p.to_vec(),
            p => match std::env::current_dir() {
                Ok(cwd) => {
                    let mut a = cwd.into_os_string().into_encoded_bytes();
                    a.push(b'/');
                    a.extend_from_slice(p);
                    a
                }
                Err(_) => p.to_vec(),
            },
        };
        if !rest.is_empty() {
            full.push(b'/');
            full.extend_from_slice(rest);
        }
        if ev.io.path_exists(&full).unwrap_or(false) {
            return Ok(Value::Path(NixString::new(crate::path::canonicalise(
                &full,
            ))));
        }
    }
    // C++ Nix's own files, when nothing in the search path has them.
    if let Some(rest) = name.strip_prefix(b"nix/") {
        return Ok(Value::Path(NixString::new(crate::corepkgs::path_of(rest))));
    }
    Err(Error::new(
        ErrorKind::Throw,
        format!(
            "file '{}' was not found in the Nix search path (add it using $NIX_PATH or -I)",
            String::from_utf8_lossy(name)
        ),
    ))
}
