//! Attribute set builtins: `attrNames`, `attrValues`, `getAttr`, `hasAttr`,
//! `removeAttrs`, `listToAttrs`, `intersectAttrs`, `catAttrs`, `mapAttrs`,
//! `zipAttrsWith`.

use rustc_hash::FxHashMap;

use super::{Builtin, arg_ctx};
use crate::{
    ArgType, Attr, Attrs, NixString, Pos, Symbol, Value, errors::Error, symbol::known, value::Thunk,
};

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("attrNames", 1, |ev, pos, a| {
            let s = ev.attrs_in_place(&a[0], pos, arg_ctx("argument", "attrNames"))?;
            Ok(Value::list(
                s.sorted_by_name()
                    .iter()
                    .map(|x| Value::String(NixString::of_symbol(x.name)))
                    .collect(),
            ))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("attrValues", 1, |ev, pos, a| {
            let s = ev.attrs_in_place(&a[0], pos, arg_ctx("argument", "attrValues"))?;
            Ok(Value::list(s.sorted_by_name().iter().map(|x| x.value.clone()).collect()))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("getAttr", 2, |ev, pos, a| {
            let name = ev.string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "getAttr")))?;
            let s = ev.attrs_in_place(&a[1], pos, arg_ctx("second", "getAttr"))?;
            let sym = Symbol::new(name.as_bytes());
            match s.get_attr(sym) {
                Some(attr) => ev.force(&attr.value, pos),
                None => Err(Error::type_error(format!("attribute '{}' missing", sym.quoted()))
                    .with_trace(Pos::NONE, "in the attribute set under consideration")),
            }
        })
        .forcing(&[(0, ArgType::PlainString), (1, ArgType::Any)]),
        Builtin::function("hasAttr", 2, |ev, pos, a| {
            let name = ev.string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "hasAttr")))?;
            let s = ev.attrs_in_place(&a[1], pos, arg_ctx("second", "hasAttr"))?;
            Ok(Value::bool(s.get(Symbol::new(name.as_bytes())).is_some()))
        })
        .forcing(&[(0, ArgType::PlainString), (1, ArgType::Any)]),
        Builtin::function("removeAttrs", 2, |ev, pos, a| {
            let s = ev.attrs_in_place(&a[0], pos, arg_ctx("first", "removeAttrs"))?;
            let names = ev.list_in_place(&a[1], pos, arg_ctx("second", "removeAttrs"))?;
            let mut remove = Vec::with_capacity(names.len());
            for n in names.iter() {
                let n = ev.string_no_ctx(n, pos).map_err(|e| {
                    e.with_trace(pos, "while evaluating the values of the second argument passed to builtins.removeAttrs")
                })?;
                remove.push(Symbol::new(n.as_bytes()));
            }
            // Sorted names: one binary search per attribute instead of a
            // scan of the whole list (O(n log m), not O(n m)).
            remove.sort_unstable();
            remove.dedup();
            let present = remove.iter().filter(|r| s.get(**r).is_some()).count();
            if present == 0 {
                return Ok(Value::Attrs(s.clone()));
            }
            // At its final size: the set takes the vector as it is.
            let mut kept: Vec<Attr> = Vec::with_capacity(s.len() - present);
            kept.extend(
                s.iter()
                    .filter(|x| remove.binary_search(&x.name).is_err())
                    .cloned(),
            );
            Ok(Value::attrs(Attrs::from_sorted(kept)))
        })
        .forcing(&[(0, ArgType::Attrs), (1, ArgType::Any)])
        .plain(),
        Builtin::function("listToAttrs", 1, |ev, pos, a| {
            let l = ev.list_in_place(&a[0], pos, arg_ctx("argument", "listToAttrs"))?;
            let mut entries: Vec<Attr> = Vec::with_capacity(l.len());
            for item in l.iter() {
                let item = ev.attrs_in_place(item, pos, "while evaluating an element of the list passed to builtins.listToAttrs")?;
                let name = item.get_attr(known::name()).ok_or_else(|| {
                    Error::type_error("attribute 'name' missing")
                        .with_trace(Pos::NONE, "in a {name=...; value=...;} pair")
                })?;
                // C++ forces the name at the `name` attribute's position.
                let npos = name.pos;
                let n = ev.string_no_ctx(&name.value, npos).map_err(|e| {
                    let e = if e.kind() == crate::ErrorKind::Type { e.at(npos) } else { e };
                    e.with_trace(npos, "while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs")
                })?;
                let value = item.get_attr(known::value()).ok_or_else(|| {
                    Error::type_error("attribute 'value' missing")
                        .with_trace(Pos::NONE, "in a {name=...; value=...;} pair")
                })?;
                entries.push(Attr {
                    name: Symbol::new(n.as_bytes()),
                    pos: value.pos,
                    value: value.value.clone(),
                });
            }
            // First occurrence wins (from_unsorted keeps the first).
            Ok(Value::attrs(Attrs::from_unsorted(entries)))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("intersectAttrs", 2, |ev, pos, a| {
            let x = ev.attrs_in_place(&a[0], pos, arg_ctx("first", "intersectAttrs"))?;
            let y = ev.attrs_in_place(&a[1], pos, arg_ctx("second", "intersectAttrs"))?;
            // Both walks go in symbol order, so the result is sorted. The
            // names are counted first, so that the vector is allocated at
            // its final size (the set takes it as it is).
            let mut kept: Vec<Attr> = Vec::with_capacity(Attrs::common_names(x, y));
            if x.len() < y.len() {
                kept.extend(x.iter().filter_map(|e| y.get_attr(e.name).cloned()));
            } else {
                kept.extend(y.iter().filter(|e| x.get(e.name).is_some()).cloned());
            }
            Ok(Value::attrs(Attrs::from_sorted(kept)))
        })
        .forcing(&[(0, ArgType::Attrs), (1, ArgType::Any)]),
        Builtin::function("catAttrs", 2, |ev, pos, a| {
            let name = ev.string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "catAttrs")))?;
            let sym = Symbol::new(name.as_bytes());
            let l = ev.list_in_place(&a[1], pos, arg_ctx("second", "catAttrs"))?;
            let mut out = Vec::new();
            for item in l.iter() {
                let s = ev.attrs_in_place(item, pos, "while evaluating an element in the list passed as second argument to builtins.catAttrs")?;
                if let Some(v) = s.get(sym) {
                    out.push(v.clone());
                }
            }
            Ok(Value::list(out))
        })
        .forcing(&[(0, ArgType::PlainString), (1, ArgType::Any)]),
        Builtin::function("mapAttrs", 2, |ev, pos, a| {
            let s = ev.attrs_in_place(&a[1], pos, arg_ctx("second", "mapAttrs"))?;
            let f = a[0].clone();
            // Allocated at its final size (`collect` would start at four
            // entries): the set takes the vector as it is.
            let mut entries: Vec<Attr> = Vec::with_capacity(s.len());
            entries.extend(s.iter().map(|x| {
                let partial = Value::Thunk(Thunk::app(f.clone(), Value::String(NixString::of_symbol(x.name))));
                // C++ `alloc(name)`: the result has no attribute positions.
                Attr {
                    name: x.name,
                    pos: Pos::NONE,
                    value: Value::Thunk(Thunk::app(partial, x.value.clone())),
                }
            }));
            Ok(Value::attrs(Attrs::from_sorted(entries)))
        })
        .forcing(&[(1, ArgType::Any)]),
        Builtin::function("zipAttrsWith", 2, |ev, pos, a| {
            ev.expect_function(&a[0], pos, arg_ctx("first", "zipAttrsWith"))?;
            let l = ev.list_in_place(&a[1], pos, arg_ctx("second", "zipAttrsWith"))?;
            let mut groups: FxHashMap<Symbol, Vec<Value>> = FxHashMap::default();
            for item in l.iter() {
                let s = ev.attrs_in_place(item, pos, "while evaluating a value of the list passed as second argument to builtins.zipAttrsWith")?;
                for x in s.iter() {
                    groups.entry(x.name).or_default().push(x.value.clone());
                }
            }
            let f = a[0].clone();
            let mut entries: Vec<Attr> = Vec::with_capacity(groups.len());
            entries.extend(groups.into_iter().map(|(name, vals)| {
                let partial = Value::Thunk(Thunk::app(f.clone(), Value::String(NixString::of_symbol(name))));
                Attr {
                    name,
                    pos: Pos::NONE,
                    value: Value::Thunk(Thunk::app(partial, Value::list(vals))),
                }
            }));
            Ok(Value::attrs(Attrs::from_unsorted(entries)))
        })
        .forcing(&[(0, ArgType::Function), (1, ArgType::Any)]),
    ]
}
