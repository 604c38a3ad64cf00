//! Deep recursion never crashes the process: 100,000 nested calls either
//! work (with a raised call-depth limit) or end in C++ Nix's clear
//! "max-call-depth exceeded" error; deep data is printed, compared, forced
//! and freed as deep as C++ Nix's stack lets it, and infinitely deep data
//! ends in its "stack overflow" error instead of filling the memory. Every test runs on a
//! fresh thread with Rust's small default stack (2 MiB), so only the
//! evaluator's own stack growth can make it pass.

use tvix_eval::EvaluationBuilder;

use super::{Mode, eval, within};

const SUM_100K: &str = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000";

#[test]
fn hundred_thousand_nested_calls_hit_max_call_depth_cleanly() {
    let got = within(120, || eval(SUM_100K, Mode::Lazy));
    let err = got.expect_err("C++ Nix's default max-call-depth is 10000");
    assert!(
        err.contains("stack overflow; max-call-depth exceeded"),
        "{err}"
    );
}

#[test]
fn hundred_thousand_nested_calls_work_with_a_higher_limit() {
    let got = within(120, || {
        let eval = EvaluationBuilder::new().max_call_depth(1_000_000).build();
        let v = eval
            .evaluate_expr(SUM_100K.as_bytes(), None)
            .map_err(|e| eval.render_error(&e, false))?;
        Ok::<_, String>(String::from_utf8_lossy(&eval.print(&v)).into_owned())
    });
    assert_eq!(got.as_deref(), Ok("100000"));
}

#[test]
fn deeply_nested_data_is_printed_compared_and_freed() {
    // 80k nested lists built without thunks between the levels, and the
    // same depth of nested sets (C++ Nix's stack holds about 83,860 levels
    // of deepSeq): printing, `==` and deepSeq recurse over them, and
    // dropping them must not recurse natively either.
    let src = r#"
      let
        n = builtins.genList (i: i) 80000;
        lists = builtins.foldl' (acc: i: [ acc ]) [ ] n;
        sets = builtins.foldl' (acc: i: { a = acc; }) { } n;
        lists2 = builtins.foldl' (acc: i: [ acc ]) [ ] n;
      in builtins.deepSeq sets [ (lists == lists2) (builtins.length lists) ]
    "#;
    let got = within(120, move || eval(src, Mode::Strict));
    assert_eq!(got.as_deref(), Ok("[ true 1 ]"));
    let printed = within(120, || {
        eval(
            "builtins.foldl' (acc: i: [ acc ]) [ ] (builtins.genList (i: i) 80000)",
            Mode::Strict,
        )
    })
    .expect("evaluates");
    assert_eq!(printed.len(), 2 * 80_000 + "[ ]".len() + 2 * 80_000);
}

#[test]
fn infinitely_deep_data_ends_in_a_stack_overflow_that_try_eval_does_not_catch() {
    let deep = "let f = x: { y = f x; }; l = x: [ (l x) ]; in";
    for (what, expr) in [
        ("deepSeq", "builtins.deepSeq (f 1) 1"),
        ("tryEval", "builtins.tryEval (builtins.deepSeq (f 1) 1)"),
        ("==", "f 1 == f 1"),
        ("toJSON", "builtins.toJSON (f 1)"),
        ("toString", "builtins.tryEval (toString (l 1))"),
        ("print", "f 1"),
    ] {
        let src = format!("{deep} {expr}");
        let got = within(120, move || eval(&src, Mode::Strict));
        let err = got.expect_err(what);
        assert_eq!(
            err.trim_end(),
            "error: stack overflow (possible infinite recursion)",
            "{what}"
        );
    }
}

#[test]
fn data_deeper_than_cpp_nix_stack_holds_is_a_stack_overflow() {
    // 90,000 levels: past the 83,868 of deepSeq, within the 99,842 of
    // toJSON and the 465,925 of `==`, as in C++ Nix 2.26.
    let deep = "let n = builtins.genList (i: i) 90000; a = builtins.foldl' (acc: i: [ acc ]) 0 n; b = builtins.foldl' (acc: i: [ acc ]) 0 n; in";
    for (expr, want) in [
        ("builtins.deepSeq a 1", Err(())),
        ("a == b", Ok("true")),
        ("builtins.stringLength (builtins.toJSON a)", Ok("180001")),
    ] {
        let src = format!("{deep} {expr}");
        let got = within(120, move || eval(&src, Mode::Lazy));
        match want {
            Ok(w) => assert_eq!(got.as_deref(), Ok(w), "{expr}"),
            Err(()) => assert!(
                got.as_ref()
                    .is_err_and(|e| e.contains("stack overflow (possible infinite recursion)")),
                "{expr}: {got:?}"
            ),
        }
    }
}
