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

/// A list argument, borrowed where it is.
fn list<'a>(
    ev: &Evaluator,
    v: &'a Value,
    pos: Pos,
    n: &str,
    name: &str,
) -> Result<&'a crate::NixList> {
    ev.list_in_place(v, pos, arg_ctx(n, name))
}

/// A function argument, borrowed where it is.
fn func<'a>(ev: &Evaluator, v: &'a Value, pos: Pos, n: &str, name: &str) -> Result<&'a Value> {
    ev.function_in_place(v, pos, arg_ctx(n, name))
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("map", 2, |ev, pos, a| {
            let l = list(ev, &a[1], pos, "second", "map")?;
            if l.is_empty() {
                return Ok(Value::List(l.clone()));
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
                return Ok(Value::List(l.clone()));
            }
            let f = func(ev, &a[0], pos, "first", "filter")?;
            let mut out = Vec::new();
            for x in l.iter() {
                let r = ev.call(f, std::slice::from_ref(x), pos)?;
                if ev.expect_bool(&r, pos, "while evaluating the return value of the filtering function passed to builtins.filter")? {
                    out.push(x.clone());
                }
            }
            if out.len() == l.len() {
                return Ok(Value::List(l.clone()));
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
                acc = ev.call_moving(f, &mut [acc, x.clone()], pos)?;
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
            let l = ev.list_in_place(
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
            let l = ev.list_in_place(
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
            let l = ev.list_in_place(
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
                let inner = ev.list_in_place(
                    x,
                    pos,
                    "while evaluating a value of the list passed to builtins.concatLists",
                )?;
                out.extend_from_slice(inner);
            }
            Ok(Value::list(out))
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("concatMap", 2, |ev, pos, a| {
            let f = func(ev, &a[0], pos, "first", "concatMap")?;
            let l = list(ev, &a[1], pos, "second", "concatMap")?;
            let mut out = Vec::new();
            for x in l.iter() {
                let inner = match ev.call(f, std::slice::from_ref(x), pos)?.into_list() {
                    // Taken, not cloned: a list built by the call is moved
                    // into the result.
                    Ok(l) => l,
                    Err(r) => {
                        // C++ `determinePos`: the result's own position (a
                        // set's may be none), else the function's.
                        let rpos = r.determine_pos(f.determine_pos(pos));
                        ev.expect_list(&r, rpos, "while evaluating the return value of the function passed to builtins.concatMap")?
                    }
                };
                crate::value::List::append_to(inner, &mut out);
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
                return Ok(Value::List(l.clone()));
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
                let r = ev.call_moving(f, &mut [x.clone(), y.clone()], pos)?;
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
                // C++ Nix forces each element before calling the function
                // (`prim_partition`), so an element that fails fails here.
                ev.force(x, pos)?;
                let r = ev.call(f, std::slice::from_ref(x), pos)?;
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
                let r = ev.call(f, std::slice::from_ref(x), pos)?;
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
            let r = ev.call(f, std::slice::from_ref(x), pos)?;
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
    let args = ev.attrs_in_place(
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
    let start = ev.list_in_place(
        start,
        pos,
        "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure",
    )?;
    if start.is_empty() {
        return Ok(Value::List(start.clone()));
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
    let less = |a: &Value, b: &Value| key_less(ev, a, b);
    let mut done = KeySet::default();
    let mut out = Vec::new();
    while let Some(e) = work.pop_front() {
        let attrs = ev.attrs_in_place(&e, pos, "while evaluating one of the elements generated by (or initially passed to) builtins.genericClosure")?;
        let key = attrs.get(known::key()).ok_or_else(|| {
            Error::type_error("attribute 'key' missing").with_trace(
                Pos::NONE,
                "in one of the attrsets generated by (or initially passed to) builtins.genericClosure",
            )
        })?;
        let key = ev.force(key, pos)?;
        if !done.insert(key, &less)? {
            continue;
        }
        out.push(e.clone());
        let r = ev.call(&op, std::slice::from_ref(&e), pos)?;
        let next = ev.list_in_place(
            &r,
            pos,
            "while evaluating the return value of the `operator` passed to builtins.genericClosure",
        )?;
        // C++ Nix forces each new element as it queues it (no frame).
        for x in next.iter() {
            ev.force(x, Pos::NONE)?;
            work.push_back(x.clone());
        }
    }
    Ok(Value::list(out))
}

/// The keys `genericClosure` has seen, as C++ Nix keeps them: a
/// `std::set<Value *, CompareValues>`, that is libstdc++'s red-black tree.
/// The tree is reproduced node for node (insertion position, then
/// `_Rb_tree_insert_and_rebalance`), so a new key is compared with the same
/// keys, in the same order, as in C++ Nix: which list elements are forced,
/// and which comparison fails first, are the same.
#[derive(Default)]
struct KeySet {
    nodes: Vec<KeyNode>,
    root: Option<usize>,
    /// The smallest key (libstdc++'s `begin()`).
    leftmost: Option<usize>,
}

struct KeyNode {
    key: Value,
    parent: Option<usize>,
    left: Option<usize>,
    right: Option<usize>,
    red: bool,
}

/// genericClosure's order of evaluated keys: integers and strings (the
/// usual keys) are compared here, anything else as `<` compares it.
#[inline(always)]
fn key_less(ev: &Evaluator, a: &Value, b: &Value) -> Result<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => Ok(x.as_bytes() < y.as_bytes()),
        _ => key_less_slow(ev, a, b),
    }
}

#[inline(never)]
fn key_less_slow(ev: &Evaluator, a: &Value, b: &Value) -> Result<bool> {
    ev.less_than(a, b, Pos::NONE).map_err(|e| {
        e.with_trace(
            Pos::NONE,
            "while comparing the `key` attributes of two genericClosure elements",
        )
    })
}

impl KeySet {
    /// `std::set::insert`: false if an equal key is there (neither is less
    /// than the other).
    fn insert(
        &mut self,
        k: Value,
        mut less: impl FnMut(&Value, &Value) -> Result<bool>,
    ) -> Result<bool> {
        // `_M_get_insert_unique_pos`.
        let (mut x, mut y, mut comp) = (self.root, None, true);
        while let Some(n) = x {
            y = Some(n);
            comp = less(&k, &self.nodes[n].key)?;
            x = if comp {
                self.nodes[n].left
            } else {
                self.nodes[n].right
            };
        }
        let mut j = y;
        if comp {
            if j == self.leftmost {
                return self.insert_at(k, y, &mut less).map(|()| true);
            }
            j = j.map(|n| self.predecessor(n));
        }
        match j {
            Some(j) if !less(&self.nodes[j].key, &k)? => Ok(false),
            _ => self.insert_at(k, y, &mut less).map(|()| true),
        }
    }

    /// `_M_insert_` under `p` (none: the tree is empty), then the rebalance.
    fn insert_at(
        &mut self,
        k: Value,
        p: Option<usize>,
        less: &mut impl FnMut(&Value, &Value) -> Result<bool>,
    ) -> Result<()> {
        let left = match p {
            None => true,
            Some(p) => less(&k, &self.nodes[p].key)?,
        };
        let z = self.nodes.len();
        self.nodes.push(KeyNode {
            key: k,
            parent: p,
            left: None,
            right: None,
            red: true,
        });
        match p {
            None => {
                self.root = Some(z);
                self.leftmost = Some(z);
            }
            Some(p) if left => {
                self.nodes[p].left = Some(z);
                if self.leftmost == Some(p) {
                    self.leftmost = Some(z);
                }
            }
            Some(p) => self.nodes[p].right = Some(z),
        }
        self.rebalance(z);
        Ok(())
    }

    /// The in-order predecessor of a node that is not the leftmost.
    fn predecessor(&self, mut n: usize) -> usize {
        if let Some(mut l) = self.nodes[n].left {
            while let Some(r) = self.nodes[l].right {
                l = r;
            }
            return l;
        }
        while let Some(p) = self.nodes[n].parent {
            if self.nodes[p].left != Some(n) {
                return p;
            }
            n = p;
        }
        n
    }

    /// `_Rb_tree_insert_and_rebalance` after linking `x`.
    fn rebalance(&mut self, mut x: usize) {
        while let Some(xp) = self.nodes[x].parent.filter(|&p| self.nodes[p].red) {
            // A red node is never the root: it has a parent.
            let Some(xpp) = self.nodes[xp].parent else {
                break;
            };
            let parent_is_left = self.nodes[xpp].left == Some(xp);
            let uncle = if parent_is_left {
                self.nodes[xpp].right
            } else {
                self.nodes[xpp].left
            };
            if let Some(u) = uncle.filter(|&u| self.nodes[u].red) {
                self.nodes[xp].red = false;
                self.nodes[u].red = false;
                self.nodes[xpp].red = true;
                x = xpp;
                continue;
            }
            let inner = if parent_is_left {
                self.nodes[xp].right == Some(x)
            } else {
                self.nodes[xp].left == Some(x)
            };
            if inner {
                x = xp;
                self.rotate(x, parent_is_left);
            }
            let xp = self.nodes[x].parent.unwrap_or(x);
            self.nodes[xp].red = false;
            self.nodes[xpp].red = true;
            self.rotate(xpp, !parent_is_left);
        }
        if let Some(r) = self.root {
            self.nodes[r].red = false;
        }
    }

    /// Rotates the subtree at `x` left (`left`) or right.
    fn rotate(&mut self, x: usize, left: bool) {
        let child = |n: &KeyNode, l: bool| if l { n.left } else { n.right };
        // The child that moves up: the right one for a left rotation.
        let Some(y) = child(&self.nodes[x], !left) else {
            return;
        };
        let inner = child(&self.nodes[y], left);
        if left {
            self.nodes[x].right = inner;
        } else {
            self.nodes[x].left = inner;
        }
        if let Some(i) = inner {
            self.nodes[i].parent = Some(x);
        }
        let xp = self.nodes[x].parent;
        self.nodes[y].parent = xp;
        match xp {
            None => self.root = Some(y),
            Some(p) if self.nodes[p].left == Some(x) => self.nodes[p].left = Some(y),
            Some(p) => self.nodes[p].right = Some(y),
        }
        if left {
            self.nodes[y].left = Some(x);
        } else {
            self.nodes[y].right = Some(x);
        }
        self.nodes[x].parent = Some(y);
    }
}
