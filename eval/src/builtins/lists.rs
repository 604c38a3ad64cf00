//! List builtins: `map`, `filter`, `foldl'`, `sort` (a stable merge sort
//! whose comparator may fail: O(n log n) calls), `genList`, `elem`,
//! `concatMap`, `partition`, `groupBy`, `genericClosure`, ...

use super::{Builtin, arg_ctx};
use crate::{
    ArgType, Attr, Attrs, Pos, Symbol, Value,
    errors::{Error, LazyMessage, Result},
    eval::Evaluator,
    symbol::known,
    value::Thunk,
};

fn list(ev: &Evaluator, v: &Value, pos: Pos, n: &str, name: &str) -> Result<crate::NixList> {
    ev.expect_list(v, pos, arg_ctx(n, name))
}

fn func(ev: &Evaluator, v: &Value, pos: Pos, n: &str, name: &str) -> Result<Value> {
    ev.expect_function(v, pos, arg_ctx(n, name))
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("map", 2, |ev, pos, a| {
            let l = list(ev, &a[1], pos, "second", "map")?;
            if l.is_empty() {
                return Ok(Value::List(l));
            }
            let f = func(ev, &a[0], pos, "first", "map")?;
            Ok(Value::list(
                l.iter()
                    .map(|x| Value::Thunk(Thunk::app(f.clone(), x.clone())))
                    .collect(),
            ))
        })
        .forcing(&[(1, ArgType::NonEmptyList), (0, ArgType::Function)])
        .plain(),
        Builtin::function("filter", 2, |ev, pos, a| {
            let l = list(ev, &a[1], pos, "second", "filter")?;
            if l.is_empty() {
                return Ok(Value::List(l));
            }
            let f = func(ev, &a[0], pos, "first", "filter")?;
            let mut out = Vec::new();
            for x in l.iter() {
                let r = ev.call(&f, std::slice::from_ref(x), pos)?;
                if ev.expect_bool(&r, pos, "while evaluating the return value of the filtering function passed to builtins.filter")? {
                    out.push(x.clone());
                }
            }
            if out.len() == l.len() {
                return Ok(Value::List(l));
            }
            Ok(Value::list(out))
        })
        .forcing(&[(1, ArgType::NonEmptyList), (0, ArgType::Function)]),
        Builtin::function("foldl'", 3, |ev, pos, a| {
            // C++ Nix forces the function first, even for an empty list.
            let f = func(ev, &a[0], pos, "first", "foldlStrict")?;
            let l = list(ev, &a[2], pos, "third", "foldlStrict")?;
            if l.is_empty() {
                return ev.force(&a[1], pos);
            }
            let mut acc = a[1].clone();
            for x in l.iter() {
                acc = ev.call(&f, &[acc, x.clone()], pos)?;
            }
            ev.force(&acc, pos)
        })
        .forcing(&[(0, ArgType::Function), (2, ArgType::Any)]),
        Builtin::function("length", 1, |ev, pos, a| {
            Ok(Value::Int(
                list(ev, &a[0], pos, "first", "length")?.len() as i64
            ))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("head", 1, |ev, pos, a| {
            let l = ev.expect_list(
                &a[0],
                pos,
                "while evaluating the first argument passed to 'builtins.head'",
            )?;
            match l.first() {
                Some(v) => ev.force(v, pos),
                None => Err(Error::eval("'builtins.head' called on an empty list").at(pos)),
            }
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("tail", 1, |ev, pos, a| {
            let l = ev.expect_list(
                &a[0],
                pos,
                "while evaluating the first argument passed to 'builtins.tail'",
            )?;
            if l.is_empty() {
                return Err(Error::eval("'builtins.tail' called on an empty list").at(pos));
            }
            Ok(Value::list(l[1..].to_vec()))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("elemAt", 2, |ev, pos, a| {
            // C++ Nix forces the index first; its contexts quote the name.
            let n = ev.expect_int(
                &a[1],
                pos,
                "while evaluating the second argument passed to 'builtins.elemAt'",
            )?;
            let l = ev.expect_list(
                &a[0],
                pos,
                "while evaluating the first argument passed to 'builtins.elemAt'",
            )?;
            if n < 0 || n as usize >= l.len() {
                return Err(Error::eval(format!(
                    "'builtins.elemAt' called with index {n} on a list of size {}",
                    l.len()
                ))
                .at(pos));
            }
            ev.force(&l[n as usize], pos)
        })
        .forcing(&[(1, ArgType::Int), (0, ArgType::Any)]),
        Builtin::function("elem", 2, |ev, pos, a| {
            let l = list(ev, &a[1], pos, "second", "elem")?;
            for x in l.iter() {
                if ev.eq_values(&a[0], x, pos)? {
                    return Ok(Value::bool(true));
                }
            }
            Ok(Value::bool(false))
        })
        .forcing(&[(1, ArgType::Any)]),
        Builtin::function("concatLists", 1, |ev, pos, a| {
            let l = list(ev, &a[0], pos, "first", "concatLists")?;
            let mut out = Vec::new();
            for x in l.iter() {
                let inner = ev.expect_list(
                    x,
                    pos,
                    "while evaluating a value of the list passed to builtins.concatLists",
                )?;
                out.extend_from_slice(&inner);
            }
            Ok(Value::list(out))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("concatMap", 2, |ev, pos, a| {
            let f = func(ev, &a[0], pos, "first", "concatMap")?;
            let l = list(ev, &a[1], pos, "second", "concatMap")?;
            let mut out = Vec::new();
            for x in l.iter() {
                let r = ev.call(&f, std::slice::from_ref(x), pos)?;
                // C++ `determinePos`: the result's own position (a set's may
                // be none), else the function's.
                let rpos = r.determine_pos(f.determine_pos(pos));
                let inner = ev.expect_list(&r, rpos, "while evaluating the return value of the function passed to builtins.concatMap")?;
                out.extend_from_slice(&inner);
            }
            Ok(Value::list(out))
        })
        .forcing(&[(0, ArgType::Function), (1, ArgType::Any)]),
        Builtin::function("genList", 2, |ev, pos, a| {
            let n = ev.expect_int(&a[1], pos, arg_ctx("second", "genList"))?;
            if n < 0 {
                return Err(Error::eval(format!("cannot create list of size {n}")).at(pos));
            }
            let f = func(ev, &a[0], pos, "first", "genList")?;
            // A size the allocator refuses is an error, not an abort.
            let mut items = Vec::new();
            items
                .try_reserve_exact(n as usize)
                .map_err(|_| Error::new(crate::ErrorKind::OutOfMemory, "out of memory"))?;
            items.extend((0..n).map(|i| Value::Thunk(Thunk::app(f.clone(), Value::Int(i)))));
            Ok(Value::list(items))
        })
        .forcing(&[(1, ArgType::Any)]),
        Builtin::function("sort", 2, |ev, pos, a| {
            let l = list(ev, &a[1], pos, "second", "sort")?;
            if l.is_empty() {
                return Ok(Value::List(l));
            }
            let f = func(ev, &a[0], pos, "first", "sort")?;
            let mut items: Vec<Value> =
                l.iter().map(|x| ev.force(x, pos)).collect::<Result<_>>()?;
            // The common comparator `builtins.lessThan` skips the call.
            let is_less_than = matches!(&f, Value::PrimOp(p) if p.name == "lessThan");
            let mut less = |x: &Value, y: &Value| -> Result<bool> {
                if is_less_than {
                    // C++ `CompareValues` with its context.
                    return ev.less_than(x, y, pos).map_err(|e| {
                        e.with_trace(
                            Pos::NONE,
                            "while evaluating the ordering function passed to builtins.sort",
                        )
                    });
                }
                let r = ev.call(&f, &[x.clone(), y.clone()], pos)?;
                ev.expect_bool(&r, pos, "while evaluating the return value of the sorting function passed to builtins.sort")
            };
            merge_sort(&mut items, &mut less)?;
            Ok(Value::list(items))
        })
        .forcing(&[(1, ArgType::NonEmptyList), (0, ArgType::Function)]),
        Builtin::function("partition", 2, |ev, pos, a| {
            let f = func(ev, &a[0], pos, "first", "partition")?;
            let l = list(ev, &a[1], pos, "second", "partition")?;
            let (mut right, mut wrong) = (Vec::new(), Vec::new());
            for x in l.iter() {
                let r = ev.call(&f, std::slice::from_ref(x), pos)?;
                if ev.expect_bool(&r, pos, "while evaluating the return value of the partition function passed to builtins.partition")? {
                    right.push(x.clone());
                } else {
                    wrong.push(x.clone());
                }
            }
            Ok(Value::attrs(Attrs::from_unsorted(vec![
                Attr {
                    name: known::right(),
                    pos: Pos::NONE,
                    value: Value::list(right),
                },
                Attr {
                    name: known::wrong(),
                    pos: Pos::NONE,
                    value: Value::list(wrong),
                },
            ])))
        })
        .forcing(&[(0, ArgType::Function), (1, ArgType::Any)]),
        Builtin::function("groupBy", 2, |ev, pos, a| {
            let f = func(ev, &a[0], pos, "first", "groupBy")?;
            let l = list(ev, &a[1], pos, "second", "groupBy")?;
            let mut groups: rustc_hash::FxHashMap<Symbol, Vec<Value>> = Default::default();
            let mut order = Vec::new();
            for x in l.iter() {
                let r = ev.call(&f, std::slice::from_ref(x), pos)?;
                let k = ev.string_no_ctx(&r, pos).map_err(|e| e.with_trace(pos, "while evaluating the return value of the grouping function passed to builtins.groupBy"))?;
                let sym = Symbol::new(k.as_bytes());
                groups
                    .entry(sym)
                    .or_insert_with(|| {
                        order.push(sym);
                        Vec::new()
                    })
                    .push(x.clone());
            }
            Ok(Value::attrs(Attrs::from_unsorted(
                order
                    .into_iter()
                    .map(|s| Attr {
                        name: s,
                        pos: Pos::NONE,
                        value: Value::list(groups.remove(&s).unwrap_or_default()),
                    })
                    .collect(),
            )))
        })
        .forcing(&[(0, ArgType::Function), (1, ArgType::Any)]),
        any_all("any", true),
        any_all("all", false),
        Builtin::function("genericClosure", 1, generic_closure)
        .forcing(&[(0, ArgType::Any)]),
    ]
}

fn any_all(name: &'static str, any: bool) -> Builtin {
    Builtin::function(name, 2, move |ev, pos, a| {
        let f = func(ev, &a[0], pos, "first", name)?;
        let l = list(ev, &a[1], pos, "second", name)?;
        for x in l.iter() {
            let r = ev.call(&f, std::slice::from_ref(x), pos)?;
            let b = ev.expect_bool(
                &r,
                pos,
                LazyMessage(|| {
                    format!(
                        "while evaluating the return value of the function passed to builtins.{name}"
                    )
                }),
            )?;
            if b == any {
                return Ok(Value::bool(any));
            }
        }
        Ok(Value::bool(!any))
    })
}

/// Stable merge sort with a fallible "less than".
fn merge_sort(
    v: &mut Vec<Value>,
    less: &mut dyn FnMut(&Value, &Value) -> Result<bool>,
) -> Result<()> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    // Insertion sort for small runs, then bottom-up merging.
    const RUN: usize = 16;
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && less(&v[j], &v[j - 1])? {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
    }
    let mut width = RUN;
    let mut buf: Vec<Value> = Vec::with_capacity(n);
    while width < n {
        buf.clear();
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                // Take from the right only if strictly less: stability.
                if less(&v[j], &v[i])? {
                    buf.push(v[j].clone());
                    j += 1;
                } else {
                    buf.push(v[i].clone());
                    i += 1;
                }
            }
            buf.extend_from_slice(&v[i..mid]);
            buf.extend_from_slice(&v[j..end]);
            start = end;
        }
        std::mem::swap(v, &mut buf);
        width *= 2;
    }
    Ok(())
}

fn generic_closure(ev: &Evaluator, pos: Pos, a: &[Value]) -> Result<Value> {
    let args = ev.expect_attrs(
        &a[0],
        pos,
        "while evaluating the first argument passed to builtins.genericClosure",
    )?;
    // C++ Nix's `getAttr` helper: a type error with a frame, no position.
    let missing = |name: &str| {
        Error::type_error(format!("attribute '{name}' missing")).with_trace(
            Pos::NONE,
            "in the attrset passed as argument to builtins.genericClosure",
        )
    };
    let start = args
        .get(known::start_set())
        .ok_or_else(|| missing("startSet"))?;
    let start = ev.expect_list(
        start,
        pos,
        "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure",
    )?;
    if start.is_empty() {
        return Ok(Value::List(start));
    }
    let op = args
        .get(known::operator())
        .ok_or_else(|| missing("operator"))?;
    let op = ev.expect_function(
        op,
        pos,
        "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure",
    )?;
    let mut work: std::collections::VecDeque<Value> = start.iter().cloned().collect();
    let mut keys: Vec<Value> = Vec::new();
    let mut sorted_keys: std::collections::BTreeSet<KeyOrd> = Default::default();
    let mut out = Vec::new();
    while let Some(e) = work.pop_front() {
        let attrs = ev.expect_attrs(&e, pos, "while evaluating one of the elements generated by (or initially passed to) builtins.genericClosure")?;
        let key = attrs.get(known::key()).ok_or_else(|| {
            Error::type_error("attribute 'key' missing").with_trace(
                Pos::NONE,
                "in one of the attrsets generated by (or initially passed to) builtins.genericClosure",
            )
        })?;
        let key = ev.force(key, pos)?;
        // Keys are compared with `<` (numbers, strings, paths, lists). C++
        // Nix keeps them in a std::set, comparing a new key with those
        // already there: a key of another kind, or of a kind without an
        // order, is an error as soon as there is something to compare with.
        let kind = |v: &Value| match v {
            Value::Int(_) | Value::Float(_) => 0,
            Value::String(_) => 1,
            Value::Path(_) => 2,
            Value::List(_) => 3,
            _ => 4,
        };
        if let Some(first) = keys.first() {
            if kind(&key) == 4 || kind(&key) != kind(first) {
                let frame = |e: Error| {
                    e.with_trace(
                        Pos::NONE,
                        "while comparing the `key` attributes of two genericClosure elements",
                    )
                };
                ev.compare(&key, first, Pos::NONE).map_err(frame)?;
            }
        }
        // Alone in the set, a key without an order is never compared.
        if !(keys.is_empty() && kind(&key) == 4) {
            let k = KeyOrd::new(ev, &key, pos, &keys)?;
            if !sorted_keys.insert(k) {
                continue;
            }
        }
        keys.push(key);
        out.push(e.clone());
        let r = ev.call(&op, std::slice::from_ref(&e), pos)?;
        let next = ev.expect_list(
            &r,
            pos,
            "while evaluating the return value of the `operator` passed to builtins.genericClosure",
        )?;
        work.extend(next.iter().cloned());
    }
    Ok(Value::list(out))
}

/// An orderable key for `genericClosure` (C++ Nix uses a std::set with
/// `lessThan`).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum KeyOrd {
    Num(OrdF64),
    Str(Vec<u8>),
    Path(Vec<u8>),
    List(Vec<KeyOrd>),
}

#[derive(PartialEq)]
struct OrdF64(f64, i64, bool);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if !self.2 && !other.2 {
            return self.1.cmp(&other.1);
        }
        self.0
            .partial_cmp(&other.0)
            .unwrap_or(std::cmp::Ordering::Equal)
    }
}

impl KeyOrd {
    fn new(ev: &Evaluator, v: &Value, pos: Pos, _seen: &[Value]) -> Result<KeyOrd> {
        Ok(match ev.force(v, pos)? {
            Value::Int(i) => KeyOrd::Num(OrdF64(i as f64, i, false)),
            Value::Float(f) => KeyOrd::Num(OrdF64(f, 0, true)),
            Value::String(s) => KeyOrd::Str(s.as_bytes().to_vec()),
            Value::Path(p) => KeyOrd::Path(p.as_bytes().to_vec()),
            Value::List(l) => KeyOrd::List(
                l.iter()
                    .map(|x| KeyOrd::new(ev, x, pos, _seen))
                    .collect::<Result<_>>()?,
            ),
            other => {
                return Err(Error::eval(format!(
                    "cannot compare {} with {}; values of that type are incomparable",
                    other.show_type(),
                    other.show_type()
                ))
                .at(pos));
            }
        })
    }
}
