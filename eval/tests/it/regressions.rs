//! Regressions: each test names the bug it guards against.

use super::{Mode, eval, within};

/// `tvix --eval --strict int-loop.nix` (bench/eval) once never finished: the
/// non-recursive destruction of values (`value/drop.rs`) re-queued a thunk's
/// state each time it was dropped, so the first evaluated thunk that died
/// spun the drain loop forever. This is the workload's shape, smaller: a
/// strict fold whose accumulator set is rebuilt every step, so thunks of
/// every state (pending, applied, evaluated) are dropped all the time.
#[test]
fn strict_fold_with_set_accumulator_finishes() {
    let src = r#"
      let
        mask = 4294967295;
        step = x: builtins.bitAnd (builtins.bitXor x (x * 8192)) mask;
        loop = builtins.foldl'
          (acc: i:
            let s = step (builtins.bitXor acc.state i);
                sum = builtins.bitAnd (acc.sum + s) mask;
            in builtins.seq s (builtins.seq sum { state = s; inherit sum; }))
          { state = 2463534242; sum = 0; }
          (builtins.genList (i: i) 20000);
      in { inherit (loop) state sum; }
    "#;
    let got = within(60, move || eval(src, Mode::Strict));
    // Value computed by nix-instantiate --eval --strict (Nix 2.26.3).
    assert_eq!(
        got.as_deref(),
        Ok("{ state = 2463534242; sum = 2913182496; }")
    );
}

/// Dropping the head of a long lazy stream must neither recurse natively
/// (stack overflow) nor loop: every link is a thunk whose state holds the
/// next link.
#[test]
fn dropping_long_thunk_chains_terminates() {
    let src = r#"
      let
        stream = n: { head = n; tail = stream (n + 1); };
        nth = s: k: if k == 0 then s.head else nth s.tail (k - 1);
        walk = builtins.foldl' (s: _: builtins.seq s.head s.tail) (stream 0)
          (builtins.genList (i: i) 200000);
      in walk.head + nth (stream 0) 10
    "#;
    let got = within(60, move || eval(src, Mode::Strict));
    assert_eq!(got.as_deref(), Ok("200010"));
}

/// `inherit (e) x` inside a non-recursive set used to resolve `e` one scope
/// too far out, reading past the end of an environment (a panic).
#[test]
fn inherit_from_in_plain_set_sees_let_bindings() {
    let src = "let loop = { a = 1; b = 2; }; in { inherit (loop) a b; }";
    assert_eq!(eval(src, Mode::Strict).as_deref(), Ok("{ a = 1; b = 2; }"));
}

/// `cannot convert a function to JSON` was placed at the enclosing value
/// (or nowhere); C++ Nix places it at the function. Expected text from
/// `nix-instantiate --eval -E 'builtins.toJSON { a = [ (x: x) ]; }'` 2.26.3.
#[test]
fn json_function_error_is_at_the_function() {
    let err = eval("builtins.toJSON { a = [ (x: x) ]; }", Mode::Lazy).expect_err("fails");
    assert!(
        err.ends_with(
            "error: cannot convert a function to JSON\n       at «string»:1:26:\n            1| builtins.toJSON { a = [ (x: x) ]; }\n             |                          ^"
        ),
        "{err}"
    );
}

/// addErrorContext showed a "while calling the 'addErrorContext' builtin"
/// frame; C++ Nix adds only the context message (its primop has
/// `addTrace = false`). Expected text from `nix-instantiate --eval -E` 2.26.3.
#[test]
fn add_error_context_adds_only_its_message() {
    let err = eval(
        r#"builtins.addErrorContext "ctx here" (throw "x")"#,
        Mode::Lazy,
    )
    .expect_err("fails");
    assert_eq!(
        err,
        "error:\n       … ctx here\n\n       … while calling the 'throw' builtin\n         at «string»:1:38:\n            1| builtins.addErrorContext \"ctx here\" (throw \"x\")\n             |                                      ^\n\n       error: x"
    );
}

/// `builtins.seq` added a "while evaluating the first argument passed to
/// builtins.seq" frame that C++ Nix does not have (visible in nixpkgs module
/// errors with --show-trace). Expected text from `nix-instantiate --eval -E`
/// 2.26.3.
#[test]
fn seq_adds_no_argument_frame() {
    let err = eval(r#"builtins.seq (throw "a") 1"#, Mode::Lazy).expect_err("fails");
    assert_eq!(
        err,
        "error:\n       … while calling the 'seq' builtin\n         at «string»:1:1:\n            1| builtins.seq (throw \"a\") 1\n             | ^\n\n       … while calling the 'throw' builtin\n         at «string»:1:15:\n            1| builtins.seq (throw \"a\") 1\n             |               ^\n\n       error: a"
    );
}

/// `builtins.trace` printed a list of one element as repeated one level too
/// late (or too early): C++ Nix remembers a list by the value cell holding
/// it, and the traced value is the argument's cell, not a copy.
#[test]
fn trace_tells_lists_apart_by_cell() {
    use std::{cell::RefCell, rc::Rc};
    struct Capture(Rc<RefCell<Vec<String>>>);
    impl tvix_eval::Observer for Capture {
        fn trace(&self, message: &str) {
            self.0.borrow_mut().push(message.to_owned());
        }
        fn warn(&self, _: &str) {}
        fn log_warning(&self, _: &str) {}
    }
    let seen = Rc::new(RefCell::new(Vec::new()));
    let eval = tvix_eval::EvaluationBuilder::new()
        .observer(Box::new(Capture(seen.clone())))
        .build();
    let src = r#"
      let
        x = [ x ];
        y = [ y 1 2 ];
        one = [ 1 ];
        t = v: builtins.deepSeq v (builtins.trace v null);
      in [
        (t x)
        (t y)
        (t [ x ])
        (t (builtins.head [ x ]))
        (t [ one (builtins.head [ one ]) one ])
        (builtins.trace [ x ] null)
      ]
    "#;
    let v = eval.evaluate_expr(src.as_bytes(), None).expect("evaluates");
    eval.force_deep(&v).expect("forces");
    // What nix-instantiate --eval --strict (Nix 2.26.3) traces.
    assert_eq!(
        *seen.borrow(),
        [
            "[ «repeated» ]",
            "[ «repeated» 1 2 ]",
            "[ [ «repeated» ] ]",
            "[ [ «repeated» ] ]",
            "[ [ 1 ] [ 1 ] «repeated» ]",
            "[ [ «repeated» ] ]",
        ]
    );
}

/// `builtins.genList f 10000000000000` aborted the process (the allocation
/// of the list failed). C++ Nix reports "error: out of memory", without
/// trace (it is not a Nix error); so do we.
#[test]
fn a_list_too_large_to_allocate_is_out_of_memory() {
    let got = eval("builtins.genList (x: x) 10000000000000", Mode::Strict);
    assert_eq!(got, Err("error: out of memory".to_owned()));
}
