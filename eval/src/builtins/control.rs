//! Control, types and arithmetic: `throw`, `abort`, `seq`, `deepSeq`,
//! `tryEval`, `trace`, `warn`, `typeOf`, `is*`, `add`/`sub`/..., bit
//! operations, `ceil`/`floor`, `functionArgs`, `unsafeGetAttrPos`, constants.

use super::{Builtin, arg_ctx};
use crate::{
    ArgType, Attr, Attrs, NixString, Pos, Symbol, Value,
    errors::{Error, ErrorKind},
    eval::ops::{Arith, Coercion, arith},
    symbol::known,
};

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::constant("true", Value::bool(true)).plain(),
        Builtin::constant("false", Value::bool(false)).plain(),
        Builtin::constant("null", Value::Null).plain(),
        Builtin::constant("langVersion", Value::Int(6)),
        Builtin::constant("nixVersion", Value::string("2.26.3")),
        Builtin::function("throw", 1, |ev, pos, a| {
            let s = ev.coerce_to_string_ctx(
                &a[0],
                pos,
                Coercion {
                    more: false,
                    copy_to_store: false,
                },
                "while evaluating the error message passed to builtin.throw",
            )?;
            Err(Error::from_bytes(ErrorKind::Throw, s.as_bytes()))
        })
        .forcing(&[(0, ArgType::Any)])
        .plain(),
        Builtin::function("abort", 1, |ev, pos, a| {
            let s = ev.coerce_to_string_ctx(
                &a[0],
                pos,
                Coercion {
                    more: false,
                    copy_to_store: false,
                },
                "while evaluating the error message passed to builtins.abort",
            )?;
            let mut msg = b"evaluation aborted with the following error message: '".to_vec();
            msg.extend_from_slice(s.as_bytes());
            msg.push(b'\'');
            Err(Error::from_bytes(ErrorKind::Abort, &msg))
        })
        .forcing(&[(0, ArgType::Any)])
        .plain(),
        Builtin::function("seq", 2, |ev, pos, a| {
            // No "while evaluating the first argument" frame: C++ adds none.
            ev.force(&a[0], pos)?;
            ev.force(&a[1], pos)
        })
        .forcing(&[(0, ArgType::Any), (1, ArgType::Any)]),
        Builtin::function("deepSeq", 2, |ev, pos, a| {
            ev.deep_force(&a[0])?;
            ev.force(&a[1], pos)
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("tryEval", 1, |ev, pos, a| {
            ev.try_level.set(ev.try_level.get() + 1);
            let r = ev.force(&a[0], pos);
            ev.try_level.set(ev.try_level.get() - 1);
            let (value, success) = match r {
                Ok(_) => (a[0].clone(), true),
                Err(e) if e.kind().is_catchable() => (Value::bool(false), false),
                Err(e) => return Err(e),
            };
            Ok(Value::attrs(Attrs::from_unsorted(vec![
                Attr {
                    name: known::value(),
                    pos: Pos::NONE,
                    value,
                },
                Attr {
                    name: known::success(),
                    pos: Pos::NONE,
                    value: Value::bool(success),
                },
            ])))
        }),
        Builtin::function("trace", 2, |ev, pos, a| {
            // C++ Nix forces the message without an error context.
            let v = ev.force(&a[0], pos)?;
            match &v {
                Value::String(s) => ev.observer.trace(&s.to_str_lossy()),
                // The argument as passed: C++ Nix tells lists apart by the
                // cell holding them (see `print::Cell`).
                _ => ev.observer.trace(&crate::print::trace_repr(&a[0])),
            }
            ev.force(&a[1], pos)
        }),
        Builtin::function("traceVerbose", 2, |ev, pos, a| ev.force(&a[1], pos)),
        Builtin::function("warn", 2, |ev, pos, a| {
            let msg = ev.expect_string(
                &a[0],
                pos,
                "while evaluating the first argument; the message passed to builtins.warn",
            )?;
            ev.warn(&msg.to_str_lossy())?;
            ev.force(&a[1], pos)
        }),
        Builtin::function("break", 1, |ev, pos, a| ev.force(&a[0], pos)).plain(),
        Builtin::function("addErrorContext", 2, |ev, pos, a| {
            // An error coercing the message replaces the original one, as
            // in C++ Nix.
            ev.force(&a[1], pos).map_err(|e| {
                match ev.coerce_to_string_ctx(
                    &a[0],
                    pos,
                    Coercion {
                        more: false,
                        copy_to_store: false,
                    },
                    "while evaluating the error message passed to builtins.addErrorContext",
                ) {
                    Ok(s) => e.with_trace_always(Pos::NONE, s.to_str_lossy()),
                    Err(e2) => e2,
                }
            })
        }),
        Builtin::function("typeOf", 1, |ev, pos, a| {
            Ok(Value::string(ev.force(&a[0], pos)?.type_of()))
        })
        .forcing(&[(0, ArgType::Any)]),
        is("isNull", |v| matches!(v, Value::Null)).plain(),
        is("isFunction", |v| v.is_function()),
        is("isInt", |v| matches!(v, Value::Int(_))),
        is("isFloat", |v| matches!(v, Value::Float(_))),
        is("isString", |v| matches!(v, Value::String(_))),
        is("isBool", |v| matches!(v, Value::Bool(_))),
        is("isPath", |v| matches!(v, Value::Path(_))),
        is("isList", |v| matches!(v, Value::List(_))),
        is("isAttrs", |v| matches!(v, Value::Attrs(_))),
        arith_builtin("add", Arith::Add),
        arith_builtin("sub", Arith::Sub),
        arith_builtin("mul", Arith::Mul),
        arith_builtin("div", Arith::Div),
        Builtin::function("lessThan", 2, |ev, pos, a| {
            Ok(Value::bool(ev.less_than(&a[0], &a[1], pos)?))
        })
        .forcing(&[(0, ArgType::Any), (1, ArgType::Any)]),
        bit("bitAnd", |x, y| x & y),
        bit("bitOr", |x, y| x | y),
        bit("bitXor", |x, y| x ^ y),
        round("ceil", f64::ceil),
        round("floor", f64::floor),
        Builtin::function("functionArgs", 1, |ev, pos, a| {
            let f = ev.force(&a[0], pos)?;
            match &f {
                Value::Lambda(c) => {
                    let entries = match &c.lambda.formals {
                        Some((formals, _)) => formals
                            .iter()
                            .map(|f| Attr {
                                name: f.name,
                                pos: f.pos,
                                value: Value::bool(f.default.is_some()),
                            })
                            .collect(),
                        None => Vec::new(),
                    };
                    Ok(Value::attrs(Attrs::from_unsorted(entries)))
                }
                Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::attrs(Attrs::default())),
                _ => Err(Error::type_error("'functionArgs' requires a function").at(pos)),
            }
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("unsafeGetAttrPos", 2, |ev, pos, a| {
            let name = ev.expect_string(&a[0], pos, arg_ctx("first", "unsafeGetAttrPos"))?;
            let attrs = ev.expect_attrs(&a[1], pos, arg_ctx("second", "unsafeGetAttrPos"))?;
            match attrs.get_attr(Symbol::new(name.as_bytes())) {
                Some(attr) => Ok(ev.pos_value(attr.pos)),
                None => Ok(Value::Null),
            }
        })
        .forcing(&[(0, ArgType::PlainString), (1, ArgType::Attrs)]),
        Builtin::function("toString", 1, |ev, pos, a| {
            let s = ev.coerce_to_string_ctx(
                &a[0],
                pos,
                Coercion {
                    more: true,
                    copy_to_store: false,
                },
                arg_ctx("first", "toString"),
            )?;
            Ok(Value::String(s))
        })
        .forcing(&[(0, ArgType::Any)])
        .plain(),
        Builtin::function("getEnv", 1, |ev, pos, a| {
            let name = ev.expect_string_no_ctx(&a[0], pos, arg_ctx("first", "getEnv"))?;
            if ev.settings.pure {
                return Ok(Value::string(""));
            }
            Ok(Value::String(NixString::new(
                ev.io.get_env(name.as_bytes()).unwrap_or_default(),
            )))
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

fn is(name: &'static str, f: fn(&Value) -> bool) -> Builtin {
    Builtin::function(name, 1, move |ev, pos, a| {
        Ok(Value::bool(f(&ev.force(&a[0], pos)?)))
    })
    .forcing(&[(0, ArgType::Any)])
}

fn arith_builtin(name: &'static str, op: Arith) -> Builtin {
    Builtin::function(name, 2, move |ev, pos, a| arith(ev, op, &a[0], &a[1], pos))
        .forcing(&[(0, ArgType::Any), (1, ArgType::Any)])
}

fn bit(name: &'static str, f: fn(i64, i64) -> i64) -> Builtin {
    Builtin::function(name, 2, move |ev, pos, a| {
        let x = ev.expect_int(&a[0], pos, arg_ctx("first", name))?;
        let y = ev.expect_int(&a[1], pos, arg_ctx("second", name))?;
        Ok(Value::Int(f(x, y)))
    })
    .forcing(&[(0, ArgType::Int), (1, ArgType::Int)])
}

fn round(name: &'static str, f: fn(f64) -> f64) -> Builtin {
    Builtin::function(name, 1, move |ev, pos, a| {
        let ctx = || format!("while evaluating the first argument passed to builtins.{name}");
        // C++ `forceFloat`: an error forcing the argument gets the frame.
        let v = ev.force(&a[0], pos).map_err(|e| e.with_trace(pos, ctx()))?;
        // C++ `forceFloat` makes an integer a float first: a large one loses
        // precision (9007199254740993 floors to 9007199254740992) and the
        // largest is out of range once rounded.
        let x = match v {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            other => {
                return Err(ev.type_error("a float", &other).with_trace(pos, ctx()));
            }
        };
        let r = f(x);
        // C++ Nix 2.26 converts with the machine's truncation, which gives
        // the smallest integer for NaN and anything out of range.
        if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r) {
            return Ok(Value::Int(i64::MIN));
        }
        Ok(Value::Int(r as i64))
    })
    .forcing(&[(0, ArgType::Any)])
}
