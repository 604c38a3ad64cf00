//! `builtins.getFlake`: evaluates a flake as C++ Nix 2.26 does.
//!
//! The flake reference is parsed by `builtins.parseFlakeRef`, its source
//! fetched by `builtins.fetchTree` (so every input type `fetchTree` knows
//! works, with its store paths and `narHash`es), and the rest is
//! `call-flake.nix`, our own rendering of C++ Nix's `lockFlake` (inputs
//! missing from `flake.lock` are fetched and locked in memory, with C++
//! Nix's "not writing modified lock file" warning, which this module
//! prints) and `callFlake` (each node of the lock becomes `outputs //
//! sourceInfo // { outPath, inputs, outputs, sourceInfo, _type = "flake";
//! }`, with `self` the result itself). Indirect references are looked up
//! in the flake registries this module reads ([`registries`]). Frames of
//! call-flake.nix's own code are removed from errors: users see C++ Nix's.
//! Both Nix files are parsed and evaluated once per evaluation
//! ([`FlakeCode`]), not at every `getFlake` or registry lookup.

use tvix_eval::{Builtin, Error, ErrorKind, Evaluator, NixString, Pos, Result, Symbol, Value};

use std::{cell::RefCell, path::PathBuf, rc::Rc};

use crate::{Glue, builtins::attrs_value};

const CALL_FLAKE: &str = include_str!("call-flake.nix");
const REGISTRY: &str = include_str!("registry.nix");

/// call-flake.nix's and registry.nix's functions, each evaluated at its
/// first use and kept. One is made for each set of store builtins
/// ([`Glue::builtins`]), which serves one evaluator: the functions' positions
/// are in that evaluator's sources, so they are not shared wider.
#[derive(Default)]
pub(crate) struct FlakeCode {
    call_flake: RefCell<Option<Value>>,
    registry: RefCell<Option<Value>>,
}

impl FlakeCode {
    /// The value of the internal file `file`, evaluated the first time.
    fn get(
        cell: &RefCell<Option<Value>>,
        ev: &Evaluator,
        file: &'static str,
        source: &'static str,
    ) -> Result<Value> {
        if let Some(v) = cell.borrow().as_ref() {
            return Ok(v.clone());
        }
        let v = ev.eval_internal(file, source)?;
        *cell.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    fn call_flake(&self, ev: &Evaluator) -> Result<Value> {
        Self::get(&self.call_flake, ev, "call-flake.nix", CALL_FLAKE)
    }

    fn registry(&self, ev: &Evaluator) -> Result<Value> {
        Self::get(&self.registry, ev, "registry.nix", REGISTRY)
    }
}

/// `getFlake`.
pub(crate) fn flake_builtins(glue: &Rc<Glue>, code: &Rc<FlakeCode>) -> Vec<Builtin> {
    let glue = glue.clone();
    let code = code.clone();
    vec![Builtin::function("getFlake", 1, move |ev, pos, args| {
        let flake_ref = ev.expect_string_no_ctx(
            &args[0],
            pos,
            "while evaluating the argument passed to builtins.getFlake",
        )?;
        get_flake(&glue, &code, ev, pos, flake_ref).map_err(|e| as_cpp_error(ev, e))
    })]
}

/// An error out of call-flake.nix or registry.nix as C++ Nix shows it: their
/// own failures (thrown with a marker) are plain errors, not catchable by
/// `tryEval`; frames of their code are removed (C++ Nix shows only the
/// contexts it adds itself, which they add without a position, and which
/// are truncated like any frame without --show-trace, unlike
/// `addErrorContext`'s).
fn as_cpp_error(ev: &Evaluator, e: Error) -> Error {
    let mut e = match e.message().strip_prefix("«getFlake» ") {
        Some(m) if e.kind() == ErrorKind::Throw => {
            let mut plain = Error::eval(m);
            *plain.traces_mut() = e.traces().to_vec();
            plain
        }
        _ => e,
    };
    let traces = e.traces_mut();
    traces.retain(|t| {
        let at = ev.show_pos(t.pos);
        !at.starts_with("<nix/call-flake.nix>") && !at.starts_with("<nix/registry.nix>")
    });
    for t in traces.iter_mut() {
        if t.message.starts_with("while updating the ") {
            t.always = false;
        }
    }
    e
}

/// registry.nix's `lookup`: resolves an indirect reference (attributes)
/// through the flake registries.
fn registry_lookup(glue: &Rc<Glue>, code: &FlakeCode, ev: &Evaluator, pos: Pos) -> Result<Value> {
    let lookup = code.registry(ev)?;
    let g = glue.clone();
    let registries = Builtin::function("registries", 1, move |ev, _, _| registries(&g, ev));
    ev.call(
        &lookup,
        &[attrs_value([("registries", registries.value())])],
        pos,
    )
}

/// `fetchTree` of an indirect reference (impure evaluation only, as C++
/// Nix): the direct reference the registries give, without its `dir`.
pub(crate) fn resolve_for_fetch_tree(
    glue: &Rc<Glue>,
    code: &FlakeCode,
    ev: &Evaluator,
    pos: Pos,
    reference: Value,
) -> Result<Value> {
    let resolve = || -> Result<Value> {
        let lookup = registry_lookup(glue, code, ev, pos)?;
        let resolved = ev.call(&lookup, &[reference], pos)?;
        let resolved = ev.expect_attrs(&resolved, pos, "while resolving a flake reference")?;
        let mut direct: Vec<_> = resolved
            .iter()
            .filter(|a| a.name.as_bytes() != b"dir")
            .cloned()
            .collect();
        // fetchTree's shallow default is for the attributes it is given,
        // not for what a registry gives (C++ Nix).
        let git = matches!(resolved.get(Symbol::new(b"type")), Some(Value::String(t)) if t.as_bytes() == b"git");
        if git && resolved.get(Symbol::new(b"shallow")).is_none() {
            direct.push(tvix_eval::Attr {
                name: Symbol::new(b"shallow"),
                pos: Pos::NONE,
                value: Value::bool(false),
            });
        }
        Ok(Value::attrs(tvix_eval::Attrs::from_unsorted(direct)))
    };
    resolve().map_err(|e| as_cpp_error(ev, e))
}

fn get_flake(
    glue: &Rc<Glue>,
    code: &FlakeCode,
    ev: &Evaluator,
    pos: Pos,
    flake_ref: NixString,
) -> Result<Value> {
    let call_flake = code.call_flake(ev)?;
    let arg = attrs_value([
        ("flakeRef", Value::String(flake_ref)),
        ("pure", Value::bool(ev.is_pure())),
        ("lookup", registry_lookup(glue, code, ev, pos)?),
    ]);
    let got = ev.call(&call_flake, &[arg], pos)?;
    let got = ev.expect_attrs(&got, pos, "while reading a flake")?;
    if let Some(error) = got.get(Symbol::new(b"error")) {
        let msg = ev.expect_string(error, pos, "while reading a flake")?;
        return Err(Error::eval(msg.to_str_lossy().into_owned()));
    }
    if let Some(warnings) = got.get(Symbol::new(b"warnings")) {
        let warnings = ev.expect_list(warnings, pos, "while reading a flake")?;
        for w in warnings.iter() {
            let w = ev.expect_string(w, pos, "while reading a flake")?;
            ev.log_warning(&w.to_str_lossy());
        }
    }
    match got.get(Symbol::new(b"flake")) {
        Some(flake) => ev.force(flake, pos),
        None => Err(Error::eval(
            "internal error: call-flake.nix returned no flake",
        )),
    }
}

/// The flake registries C++ Nix 2.26 resolves indirect references with, in
/// its order: the user's (`$XDG_CONFIG_HOME/nix/registry.json`, else
/// `~/.config/nix/registry.json`), the system's
/// (`$NIX_CONF_DIR/registry.json`, else `/etc/nix/registry.json`) and the
/// global one (the `flake-registry` setting: a path, a URL downloaded as
/// `fetchTree` downloads, or nothing). A list of their JSON texts; a file
/// that is missing is skipped, one that is not a version 2 registry is
/// skipped with C++ Nix's warning. They are read at the first lookup and
/// kept in [`Glue`] (C++ Nix keeps them for the process): later lookups
/// neither read nor download them again, nor warn again. A failed download
/// is not kept, so it is tried again (as C++ Nix's static initialiser is).
fn registries(glue: &Glue, ev: &Evaluator) -> Result<Value> {
    if glue.flake_registries.borrow().is_none() {
        let texts = read_registries(glue, ev)?;
        *glue.flake_registries.borrow_mut() = Some(texts);
    }
    let texts = glue.flake_registries.borrow();
    let texts = texts.as_deref().unwrap_or_default();
    Ok(Value::list(
        texts
            .iter()
            .map(|t| Value::String(NixString::new(t.clone())))
            .collect(),
    ))
}

/// The registries' texts, read from their files (or downloaded).
fn read_registries(glue: &Glue, ev: &Evaluator) -> Result<Vec<Vec<u8>>> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let user = env("XDG_CONFIG_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".config")))
        .map(|c| c.join("nix/registry.json"));
    let system = env("NIX_CONF_DIR")
        .unwrap_or_else(|| PathBuf::from("/etc/nix"))
        .join("registry.json");
    let mut texts = Vec::new();
    for path in user.into_iter().chain([system]) {
        if let Ok(bytes) = std::fs::read(&path) {
            texts.extend(checked_registry(ev, &path.display().to_string(), bytes));
        }
    }
    let global = glue.flake_registry.borrow().clone();
    if global.starts_with('/') {
        if let Ok(bytes) = std::fs::read(&global) {
            texts.extend(checked_registry(ev, &global, bytes));
        }
    } else if !global.is_empty() {
        let bytes =
            crate::fetch::download(glue, &global).map_err(|e| crate::fetch::fetch_error(&e))?;
        texts.extend(checked_registry(ev, &global, bytes));
    }
    Ok(texts)
}

/// C++ Nix's `json.value("version", 0)` as an `int`: nlohmann's type
/// errors for a document that is not an object or a version that is not a
/// number, a Boolean as 0 or 1, a number converted as C++ `static_cast`
/// does (an integer wraps, a float is truncated).
fn registry_version(json: &serde_json::Value) -> std::result::Result<i32, String> {
    use serde_json::Value as J;
    let type_name = |v: &J| match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    };
    let J::Object(obj) = json else {
        return Err(format!(
            "[json.exception.type_error.306] cannot use value() with {}",
            type_name(json)
        ));
    };
    Ok(match obj.get("version") {
        None => 0,
        Some(J::Bool(b)) => i32::from(*b),
        #[allow(clippy::cast_possible_truncation)]
        Some(J::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i as i32,
            (None, Some(u), _) => u as i32,
            // x86's conversion of an out-of-range double: the smallest int.
            (None, None, Some(f)) if f.is_finite() && f.abs() < 2_147_483_648.0 => f as i32,
            _ => i32::MIN,
        },
        Some(other) => {
            return Err(format!(
                "[json.exception.type_error.302] type must be number, but is {}",
                type_name(other)
            ));
        }
    })
}

/// `bytes` as a registry's JSON text, or `None` with C++ Nix's warning
/// (nlohmann's message for text that is not JSON, or for a version that is
/// not an `int`).
fn checked_registry(ev: &Evaluator, path: &str, bytes: Vec<u8>) -> Option<Vec<u8>> {
    let version = match tvix_eval::json_syntax_error(&bytes) {
        Some(e) => Err(e),
        None => serde_json::from_slice::<serde_json::Value>(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|json| registry_version(&json)),
    };
    match version {
        Ok(2) => Some(bytes),
        Ok(version) => {
            ev.log_warning(&format!(
                "cannot read flake registry '{path}': error: flake registry '{path}' has unsupported version {version}"
            ));
            None
        }
        Err(e) => {
            ev.log_warning(&format!("cannot parse flake registry '{path}': {e}"));
            None
        }
    }
}
