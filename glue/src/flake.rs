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
//! }`, with `self` the result itself). Frames of call-flake.nix's own code
//! are removed from errors: users see C++ Nix's. Not done: flake registries
//! (indirect references such as `nixpkgs`), reported as errors.

use tvix_eval::{Builtin, Error, Evaluator, NixString, Pos, Result, Symbol, Value};

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
        get_flake(ev, pos, flake_ref).map_err(|mut e| {
            // Frames inside call-flake.nix are ours, not the user's: C++
            // Nix shows only the contexts it adds itself, which
            // call-flake.nix adds without a position, and which are
            // truncated like any frame without --show-trace (unlike
            // `addErrorContext`'s).
            let traces = e.traces_mut();
            traces.retain(|t| !ev.show_pos(t.pos).starts_with("<nix/call-flake.nix>"));
            for t in traces.iter_mut() {
                if t.message.starts_with("while updating the ") {
                    t.always = false;
                }
            }
            e
        })
    })]
}

fn get_flake(ev: &Evaluator, pos: Pos, flake_ref: NixString) -> Result<Value> {
    {
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
        if let Some(warning) = got.get(Symbol::new(b"warning")) {
            let warning = ev.force(warning, pos)?;
            if let Value::String(w) = warning {
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
}
