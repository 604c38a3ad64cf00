//! `builtins.getFlake`: evaluates a flake as C++ Nix 2.26 does, for flakes
//! without inputs or whose inputs are all locked in their `flake.lock`.
//!
//! The flake reference is parsed by `builtins.parseFlakeRef`, its source
//! fetched by `builtins.fetchTree` (so every input type `fetchTree` knows
//! works, with its store paths and `narHash`es), and the result is built by
//! `call-flake.nix`, our own rendering of C++ Nix's `callFlake`: each node of
//! the lock file becomes `outputs // sourceInfo // { outPath, inputs,
//! outputs, sourceInfo, _type = "flake"; }`, with `self` the result itself,
//! `follows` paths resolved from the root and relative `path:` inputs inside
//! the flake that declares them. Not done: flake registries (indirect
//! references such as `nixpkgs`), and locking inputs missing from
//! `flake.lock` (C++ Nix fetches them and warns that it does not write the
//! lock file); both are reported as errors.

use tvix_eval::{Builtin, Error, Symbol, Value};

use crate::builtins::attrs_value;

const CALL_FLAKE: &str = include_str!("call-flake.nix");

/// `getFlake`.
pub(crate) fn flake_builtins() -> Vec<Builtin> {
    vec![Builtin::function("getFlake", 1, |ev, pos, args| {
        let flake_ref = ev.expect_string_no_ctx(
            &args[0],
            pos,
            "while evaluating the argument passed to builtins.getFlake",
        )?;
        let call_flake = ev.eval_internal("call-flake.nix", CALL_FLAKE)?;
        let arg = attrs_value([
            ("flakeRef", Value::String(flake_ref)),
            ("pure", Value::bool(ev.is_pure())),
        ]);
        let got = ev.call(&call_flake, &[arg], pos)?;
        let got = ev.expect_attrs(&got, pos, "while reading a flake")?;
        if let Some(error) = got.get(Symbol::new(b"error")) {
            let msg = ev.expect_string(error, pos, "while reading a flake")?;
            return Err(Error::eval(msg.to_str_lossy().into_owned()));
        }
        match got.get(Symbol::new(b"flake")) {
            Some(flake) => ev.force(flake, pos),
            None => Err(Error::eval(
                "internal error: call-flake.nix returned no flake",
            )),
        }
    })]
}
