//! The embedding API around an evaluation: the interrupt flag, auto-calling
//! a top-level function and `-A` selection paths. Expected messages are the
//! ones `nix-instantiate --eval` 2.26.3 prints for the same inputs.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tvix_eval::{AutoArgs, ErrorKind, EvaluationBuilder, Value};

#[test]
fn a_set_interrupt_flag_stops_the_next_call() {
    let flag = Arc::new(AtomicBool::new(true));
    let eval = EvaluationBuilder::new().interrupt(flag.clone()).build();
    let err = eval
        .evaluate_expr(b"(x: x) 1", None)
        .expect_err("interrupted");
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    assert_eq!(err.message(), "interrupted by the user");
    // tryEval does not catch it.
    let err = eval
        .evaluate_expr(b"builtins.tryEval ((x: x) 1)", None)
        .expect_err("interrupted");
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    // Cleared, the same evaluation goes on.
    flag.store(false, Ordering::Relaxed);
    let v = eval.evaluate_expr(b"(x: x) 1", None).expect("evaluates");
    assert!(matches!(v, Value::Int(1)));
}

#[test]
fn another_thread_interrupts_an_endless_evaluation() {
    let flag = Arc::new(AtomicBool::new(false));
    let eval = EvaluationBuilder::new()
        .interrupt(flag.clone())
        .max_call_depth(usize::MAX)
        .build();
    let setter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        flag.store(true, Ordering::Relaxed);
    });
    // Never terminates on its own (a tail loop through genericClosure).
    let err = eval
        .evaluate_expr(
            b"builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: [ { key = x.key + 1; } ]; })",
            None,
        )
        .expect_err("interrupted");
    setter.join().expect("setter thread");
    assert_eq!(err.kind(), ErrorKind::Interrupted);
}

fn select(src: &str, path: &str, args: &[(&str, &str)]) -> Result<String, String> {
    let eval = EvaluationBuilder::new().build();
    let mut auto = AutoArgs::new();
    for (n, e) in args {
        let v = eval.lazy_expr(e.as_bytes()).map_err(|e| e.to_string())?;
        auto.add_value(n.as_bytes(), v);
    }
    let root = eval
        .evaluate_expr(src.as_bytes(), None)
        .map_err(|e| e.to_string())?;
    let r = eval
        .select_attr_path(&root, path, &auto)
        .and_then(|v| {
            eval.evaluator().force(&v, tvix_eval::Pos::NONE)?;
            if auto.is_empty() {
                Ok(v)
            } else {
                eval.auto_call(&v, &auto)
            }
        })
        .and_then(|v| {
            eval.force_deep(&v)?;
            Ok(v)
        });
    match r {
        Ok(v) => Ok(String::from_utf8_lossy(&eval.print(&v)).into_owned()),
        Err(e) => Err(eval.render_error(&e, false)),
    }
}

const F: &str = r#"{ x, y ? 2 }: { a = x + y; l = [ 1 { b = 3; } ]; f = { z }: z; "q.r" = 5; }"#;

#[test]
fn selection_paths_and_auto_arguments() {
    assert_eq!(select(F, "a", &[("x", "1")]).as_deref(), Ok("3"));
    assert_eq!(
        select(F, "a", &[("x", "1"), ("w", "3")]).as_deref(),
        Ok("3")
    );
    assert_eq!(select(F, "l.1.b", &[("x", "1")]).as_deref(), Ok("3"));
    assert_eq!(select(F, "\"q.r\"", &[("x", "1")]).as_deref(), Ok("5"));
    assert_eq!(
        select(F, "f", &[("x", "1"), ("z", "\"hi\"")]).as_deref(),
        Ok("\"hi\"")
    );
    // `...` passes every argument.
    assert_eq!(
        select("{ ... }@a: a.w", "", &[("w", "7")]).as_deref(),
        Ok("7")
    );
    // A functor set is applied to itself first.
    assert_eq!(
        select("{ __functor = self: { x }: x; }", "", &[("x", "4")]).as_deref(),
        Ok("4")
    );
}

#[test]
fn selection_errors_are_the_reference_messages() {
    let err = |path: &str| select(F, path, &[("x", "1")]).expect_err("fails");
    assert_eq!(
        err("l.5"),
        "error: list index 5 in selection path 'l.5' is out of range"
    );
    assert_eq!(
        err("l.x"),
        "error: the expression selected by the selection path 'l.x' should be a set but is a list"
    );
    assert_eq!(
        err("a.b"),
        "error: the expression selected by the selection path 'a.b' should be a set but is an integer"
    );
    assert_eq!(
        err("q.r"),
        "error: attribute 'q' in selection path 'q.r' not found\n       Did you mean one of a, f, l or q.r?"
    );
    assert_eq!(
        err(".a"),
        "error: empty attribute name in selection path '.a'"
    );
    assert_eq!(
        err("\"q.r"),
        "error: missing closing quote in selection path '\"q.r'"
    );
    let missing = select(F, "a", &[]).expect_err("fails");
    assert!(
        missing.starts_with(
            "error: cannot evaluate a function that has an argument without a value ('x')\n       Nix attempted to evaluate a function as a top level expression; in\n"
        ),
        "{missing}"
    );
    assert!(missing.contains("«string»:1:3:"), "{missing}");
}

/// `builtins.builtins` is the builtins set itself (a cycle through a thunk);
/// dropping the evaluation breaks the cycle, so the set is freed.
#[test]
fn the_self_referencing_builtins_set_is_freed_with_the_evaluation() {
    let eval = EvaluationBuilder::new().build();
    let v = eval
        .evaluate_expr(b"builtins.builtins.builtins", None)
        .expect("evaluates");
    let Ok(set) = v.into_attrs() else {
        panic!("builtins.builtins.builtins is not a set")
    };
    let weak = std::rc::Rc::downgrade(&set);
    drop(set);
    assert!(weak.upgrade().is_some(), "the evaluation holds the set");
    drop(eval);
    assert!(weak.upgrade().is_none(), "the builtins set leaked");
}
