//! The evaluator's shortcuts (see docs/src/eval/evaluator.md, Performance)
//! must not be observable: each test pins what C++ Nix 2.26.3 prints for
//! the shapes a shortcut handles (outputs of `nix-instantiate --eval -E`).

use super::{Mode, eval};

/// `builtins.NAME` reads the builtin's global slot instead of searching the
/// set, but stays a delayed select: unforced, it prints as `<CODE>`.
#[test]
fn builtins_select_stays_lazy() {
    let src = "{ a = builtins.add; b = builtins.nixVersion; c = builtins.foo or 3; \
               d = builtins.builtins.add 1 2; e = builtins.add.x or 5; }";
    assert_eq!(
        eval(src, Mode::Lazy).as_deref(),
        Ok("{ a = <CODE>; b = <CODE>; c = <CODE>; d = <CODE>; e = <CODE>; }")
    );
    assert_eq!(
        eval(src, Mode::Strict).as_deref(),
        Ok("{ a = <PRIMOP>; b = \"2.26.3\"; c = 3; d = 3; e = 5; }")
    );
}

/// A shadowed `builtins` is an ordinary set.
#[test]
fn shadowed_builtins_is_an_ordinary_set() {
    let src = "let builtins = { add = 1; }; in builtins.add";
    assert_eq!(eval(src, Mode::Strict).as_deref(), Ok("1"));
}
