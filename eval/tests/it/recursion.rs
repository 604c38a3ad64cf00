//! Deep recursion never crashes the process: 100,000 nested calls either
//! work (with a raised call-depth limit) or end in C++ Nix's clear
//! "max-call-depth exceeded" error, and deep data is printed, compared,
//! forced and freed without native recursion limits. Every test runs on a
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
    // 100k nested lists built without thunks between the levels, and the
    // same depth of nested sets: printing, `==` and deepSeq recurse over
    // them, and dropping them must not recurse natively either.
    let src = r#"
      let
        n = builtins.genList (i: i) 100000;
        lists = builtins.foldl' (acc: i: [ acc ]) [ ] n;
        sets = builtins.foldl' (acc: i: { a = acc; }) { } n;
        lists2 = builtins.foldl' (acc: i: [ acc ]) [ ] n;
      in builtins.deepSeq sets [ (lists == lists2) (builtins.length lists) ]
    "#;
    let got = within(120, move || eval(src, Mode::Strict));
    assert_eq!(got.as_deref(), Ok("[ true 1 ]"));
    let printed = within(120, || {
        eval(
            "builtins.foldl' (acc: i: [ acc ]) [ ] (builtins.genList (i: i) 100000)",
            Mode::Strict,
        )
    })
    .expect("evaluates");
    assert_eq!(printed.len(), 2 * 100_000 + "[ ]".len() + 2 * 100_000);
}
