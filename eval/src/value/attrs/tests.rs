//! Tests of attribute sets: lookup, `//`, and layered sets compared with a
//! flat reference merge.

use super::*;

fn set(names: &[&str]) -> Attrs {
    Attrs::from_unsorted(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Attr {
                name: Symbol::new(n.as_bytes()),
                pos: Pos::NONE,
                value: Value::Int(i as i64),
            })
            .collect(),
    )
}

#[test]
fn update_prefers_the_right_side_and_keeps_everything_else() {
    let a = set(&["x", "y", "z"]);
    let b = set(&["y", "w"]);
    let u = Attrs::update(&Rc::new(a), &Rc::new(b));
    assert_eq!(u.len(), 4);
    assert!(matches!(u.get(Symbol::new(b"y")), Some(Value::Int(0))));
    assert!(matches!(u.get(Symbol::new(b"z")), Some(Value::Int(2))));
    let names: Vec<_> = u
        .sorted_by_name()
        .iter()
        .map(|a| a.name.to_string())
        .collect();
    assert_eq!(names, ["w", "x", "y", "z"]);
}

#[test]
fn large_sets_use_binary_search() {
    let names: Vec<String> = (0..100).map(|i| format!("n{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let s = set(&refs);
    assert!(matches!(s.get(Symbol::new(b"n57")), Some(Value::Int(57))));
    assert!(s.get(Symbol::new(b"nope")).is_none());
}

fn ints(s: &Attrs) -> Vec<(String, i64)> {
    s.sorted_by_name()
        .iter()
        .map(|a| match a.value {
            Value::Int(i) => (a.name.to_string(), i),
            _ => (a.name.to_string(), -1),
        })
        .collect()
}

fn numbered(prefix: &str, range: std::ops::Range<usize>, value: i64) -> Attrs {
    Attrs::from_unsorted(
        range
            .map(|i| Attr {
                name: Symbol::new(format!("{prefix}{i}").as_bytes()),
                pos: Pos::NONE,
                value: Value::Int(value),
            })
            .collect(),
    )
}

/// A flat reference implementation of `//` to compare layered sets with.
fn flat_update(a: &[(String, i64)], b: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut m: std::collections::BTreeMap<String, i64> = a.iter().cloned().collect();
    m.extend(b.iter().cloned());
    m.into_iter().collect()
}

#[test]
fn small_updates_of_a_large_set_are_layered_and_behave_like_flat_ones() {
    let base = Rc::new(numbered("n", 0..100, 0));
    // 3 shadowing and 2 new names: a layer over the 100-entry base.
    let small = numbered("n", 10..13, 1).into_vec();
    let mut small = small;
    small.extend(numbered("new", 0..2, 2).into_vec());
    let small = Rc::new(Attrs::from_unsorted(small));
    let u = Attrs::update(&base, &small);
    assert!(u.base().is_some(), "expected a layered set");
    assert_eq!(u.len(), 102);
    assert_eq!(u.iter().count(), 102);
    assert!(matches!(u.get(Symbol::new(b"n11")), Some(Value::Int(1))));
    assert!(matches!(u.get(Symbol::new(b"n50")), Some(Value::Int(0))));
    assert!(matches!(u.get(Symbol::new(b"new1")), Some(Value::Int(2))));
    assert!(u.iter().zip(u.iter().skip(1)).all(|(a, b)| a.name < b.name));
    assert_eq!(ints(&u), flat_update(&ints(&base), &ints(&small)));
    assert_eq!(u.clone().into_vec().len(), 102);
}

#[test]
fn chains_of_updates_match_flat_merging_and_eventually_flatten() {
    let mut cur = Rc::new(numbered("n", 0..200, 0));
    let mut reference = ints(&cur);
    let mut flattened = false;
    for k in 0..12 {
        // Each update shadows 4 names and adds 2, some of a layered
        // right-hand side itself.
        let over = numbered("n", k * 4..k * 4 + 4, k as i64 + 1);
        let extra = Rc::new(numbered("x", k * 2..k * 2 + 2, 100 + k as i64));
        let rhs = if k % 2 == 0 {
            Attrs::update(&Rc::new(over), &extra)
        } else {
            Attrs::update(&extra, &Rc::new(over))
        };
        let rhs = Rc::new(rhs);
        reference = flat_update(&reference, &ints(&rhs));
        let next = Attrs::update(&cur, &rhs);
        flattened |= next.base().is_none();
        assert_eq!(next.len(), reference.len());
        assert_eq!(ints(&next), reference);
        cur = Rc::new(next);
    }
    assert!(flattened, "the top layer grew past 1/8 of the base");
}

#[test]
fn large_updates_of_large_sets_are_stacked_and_behave_like_flat_ones() {
    // Two 100-name sets overlapping in 50 names: neither side is small, so
    // the result shares both instead of merging them.
    let a = Rc::new(numbered("n", 0..100, 1));
    let b = Rc::new(numbered("n", 50..150, 2));
    let u = Attrs::update(&a, &b);
    assert!(u.stacked().is_some(), "expected a stacked set");
    assert!(matches!(u.get(Symbol::new(b"n10")), Some(Value::Int(1))));
    assert!(matches!(u.get(Symbol::new(b"n60")), Some(Value::Int(2))));
    assert!(matches!(u.get(Symbol::new(b"n149")), Some(Value::Int(2))));
    assert!(u.get(Symbol::new(b"n150")).is_none());
    assert!(!u.is_empty());
    assert_eq!(u.len(), 150);
    assert_eq!(ints(&u), flat_update(&ints(&a), &ints(&b)));
    assert!(u.iter().zip(u.iter().skip(1)).all(|(x, y)| x.name < y.name));
    assert_eq!(u.clone().into_vec().len(), 150);
}

#[test]
fn chains_of_mixed_updates_match_flat_merging() {
    // Large and small right-hand sides, some themselves layered or stacked,
    // over a growing left side: every result matches a flat reference merge,
    // and lookups never need more than MAX_SEARCHES binary searches.
    let mut cur = Rc::new(numbered("n", 0..300, 0));
    let mut reference = ints(&cur);
    let mut stacked = false;
    for k in 0..20usize {
        let rhs: Rc<Attrs> = match k % 4 {
            0 => Rc::new(numbered("n", k * 10..k * 10 + 200, k as i64 + 1)),
            1 => Rc::new(numbered("x", k..k + 3, k as i64 + 1)),
            2 => Rc::new(Attrs::update(
                &Rc::new(numbered("n", k * 7..k * 7 + 90, k as i64 + 1)),
                &Rc::new(numbered("y", k..k + 80, k as i64 + 1)),
            )),
            _ => Rc::new(Attrs::update(
                &Rc::new(numbered("z", 0..400, k as i64 + 1)),
                &Rc::new(numbered("z", k..k + 2, -(k as i64))),
            )),
        };
        reference = flat_update(&reference, &ints(&rhs));
        let next = Rc::new(Attrs::update(&cur, &rhs));
        stacked |= next.stacked().is_some();
        assert!(next.searches() <= MAX_SEARCHES);
        assert_eq!(next.len(), reference.len());
        for (name, v) in reference.iter().step_by(7) {
            assert!(
                matches!(next.get(Symbol::new(name.as_bytes())), Some(Value::Int(i)) if i == v),
                "{name} at step {k}"
            );
        }
        assert_eq!(ints(&next), reference);
        cur = next;
    }
    assert!(stacked, "some update of two large sets was stacked");
}

#[test]
fn lookups_in_a_stacked_set_build_its_union_once_they_cost_more() {
    // Six 100-name layers with different overlaps; a small update of the
    // stacked set stacks too instead of merging everything.
    let mut cur = Rc::new(numbered("n", 0..100, 0));
    let mut reference = ints(&cur);
    for k in 1..6usize {
        let rhs = Rc::new(numbered("n", k * 40..k * 40 + 100, k as i64));
        reference = flat_update(&reference, &ints(&rhs));
        cur = Rc::new(Attrs::update(&cur, &rhs));
    }
    let small = Rc::new(numbered("n", 0..2, 99));
    reference = flat_update(&reference, &ints(&small));
    let u = Attrs::update(&cur, &small);
    let st = u.stacked().expect("a small update of a stacked set stacks");
    assert_eq!(st.layers.len(), 7);
    let lookup_all = |u: &Attrs| {
        for (name, v) in &reference {
            assert!(
                matches!(u.get(Symbol::new(name.as_bytes())), Some(Value::Int(i)) if i == v),
                "{name}"
            );
        }
        assert!(u.get(Symbol::new(b"missing")).is_none());
    };
    // A few lookups search the layers and leave the set unmerged ...
    assert!(matches!(u.get(Symbol::new(b"n1")), Some(Value::Int(99))));
    assert!(matches!(u.get(Symbol::new(b"n50")), Some(Value::Int(1))));
    assert!(st.flat.get().is_none());
    // ... many lookups pay for the union, which then answers them all.
    lookup_all(&u);
    assert!(st.flat.get().is_some(), "the union was built");
    lookup_all(&u);
    assert_eq!(u.searches(), 1);
    assert_eq!(ints(&u), reference);
}

#[test]
fn small_sets_are_one_block_and_large_ones_keep_their_keys() {
    // A set's `Rc` is the allocator's recycled size.
    assert_eq!(std::mem::size_of::<Attrs>() + 16, 40);
    for n in 0..20 {
        let names: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let s = set(&refs).at(Pos::NONE);
        assert_eq!(s.ext.is_some(), n > LINEAR, "{n} attributes");
        assert_eq!(s.keys().len(), if n > LINEAR { n } else { 0 });
        assert_eq!(s.len(), n);
        assert_eq!(s.is_empty(), n == 0);
        for (i, name) in refs.iter().enumerate() {
            let v = s.get(Symbol::new(name.as_bytes()));
            assert!(
                matches!(v, Some(Value::Int(x)) if *x == i as i64),
                "{name} in {n}"
            );
        }
        assert!(s.get(Symbol::new(b"absent")).is_none());
        let copy = s.clone();
        assert_eq!(copy.len(), n);
        assert_eq!(copy.into_vec().len(), n);
    }
    // An empty update of an empty set is layered on nothing, and empty.
    let e = Rc::new(Attrs::default());
    let u = Attrs::update(&e, &e);
    assert!(u.is_empty());
    assert_eq!(u.len(), 0);
}

#[test]
fn inline_lookups_agree_with_get_in_every_kind_of_set() {
    let small = Rc::new(numbered("s", 0..3, 1));
    let large = Rc::new(numbered("l", 0..100, 2));
    let layered = Rc::new(Attrs::update(&large, &small));
    let stacked = Rc::new(Attrs::update(&large, &Rc::new(numbered("m", 0..80, 3))));
    assert!(layered.base().is_some() && stacked.stacked().is_some());
    for s in [&small, &large, &layered, &stacked] {
        for name in ["s1", "l7", "l99", "m5", "absent"] {
            let sym = Symbol::new(name.as_bytes());
            let (a, b) = (s.get(sym), s.get_inline(sym));
            assert_eq!(a.is_some(), b.is_some(), "{name}");
            if let (Some(Value::Int(x)), Some(Value::Int(y))) = (a, b) {
                assert_eq!(x, y);
            }
        }
    }
}
