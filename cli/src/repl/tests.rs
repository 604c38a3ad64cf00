//! The REPL's commands, fed line by line. Expected texts are what
//! `nix repl` 2.26.3 prints for the same input (without its colours).

use std::io::Write as _;

use tvix_eval::EvaluationBuilder;

use super::{Repl, Reply, binding, open_string_or_comment};

fn repl() -> Repl {
    Repl::new(EvaluationBuilder::new(), false)
}

fn out(s: &str) -> Reply {
    Reply::Output(s.to_owned())
}

#[test]
fn expressions_print_one_level_deep() {
    let mut r = repl();
    assert_eq!(
        r.handle_line(r#"{ a = 1; b = { c = 2; }; l = [ 1 2 ]; s = "x"; }"#),
        out("{\n  a = 1;\n  b = { ... };\n  l = [ ... ];\n  s = \"x\";\n}")
    );
    assert_eq!(r.handle_line("[ { a = 1; } ]"), out("[\n  { ... }\n]"));
    assert_eq!(r.handle_line("{ a = 1; }"), out("{ a = 1; }"));
    assert_eq!(
        r.handle_line("{ a = { b = 1; }; }"),
        out("{\n  a = { ... };\n}")
    );
    assert_eq!(r.handle_line("[ ]"), out("[ ]"));
    assert_eq!(r.handle_line("{ }"), out("{ }"));
    assert_eq!(r.handle_line("builtins.map"), out("«primop map»"));
    assert_eq!(r.handle_line("(x: x)"), out("«lambda @ «string»:1:2»"));
}

#[test]
fn commands() {
    let mut r = repl();
    assert_eq!(r.handle_line(":t 1"), out("an integer"));
    assert_eq!(
        r.handle_line(r#":p { a.b = "s"; }"#),
        out("{\n  a = { b = \"s\"; };\n}")
    );
    assert_eq!(r.handle_line(r#":p "raw\n""#), out("raw\n"));
    assert_eq!(r.handle_line("x = 3"), out(""));
    assert_eq!(r.handle_line("x + 1"), out("4"));
    assert_eq!(
        r.handle_line(":a { y = 5; map = 1; }"),
        out("Added 2 variables.")
    );
    assert_eq!(r.handle_line("y"), out("5"));
    // Added names shadow builtins.
    assert_eq!(r.handle_line("map"), out("1"));
    assert_eq!(r.handle_line("x == 3"), out("true"));
    assert_eq!(
        r.handle_line(":foo"),
        Reply::Error("error: unknown command ':foo'".to_owned())
    );
    assert!(matches!(r.handle_line(":?"), Reply::Output(h) if h.contains(":load")));
    assert_eq!(r.handle_line(":q"), Reply::Quit);
}

#[test]
fn errors_are_rendered_and_the_session_goes_on() {
    let mut r = repl();
    let Reply::Error(e) = r.handle_line(r#"{ a = throw "no"; }"#) else {
        panic!("expected an error");
    };
    assert!(e.ends_with("error: no"), "{e}");
    assert_eq!(r.handle_line("1 + 1"), out("2"));
}

#[test]
fn incomplete_input_continues_on_the_next_line() {
    let mut r = repl();
    assert_eq!(r.handle_line("let z = 1;"), Reply::More);
    assert!(r.is_continuing());
    assert_eq!(r.handle_line("in z"), out("1"));
    assert_eq!(r.handle_line("''a"), Reply::More);
    assert_eq!(r.handle_line("b''"), out("\"a\\nb\""));
    assert_eq!(r.handle_line("[ 1"), Reply::More);
    r.reset_input();
    // An open comment or string reads as a syntax error at `/` or the end.
    assert_eq!(r.handle_line("1 + /* one"), Reply::More);
    assert_eq!(r.handle_line("*/ 2"), out("3"));
    assert_eq!(r.handle_line("\"a${\"b\"}"), Reply::More);
    assert_eq!(r.handle_line("c\""), out("\"ab\\nc\""));
    assert_eq!(r.handle_line("2"), out("2"));
    // A real syntax error is not continued.
    assert!(matches!(r.handle_line(")"), Reply::Error(_)));
}

#[test]
fn load_adds_the_attributes_of_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("f.nix");
    std::fs::File::create(&f)
        .and_then(|mut h| h.write_all(b"{ n ? 2 }: { a = n; b = n * 2; }"))
        .expect("writes");
    let mut r = repl();
    assert_eq!(
        r.handle_line(&format!(":l {}", f.display())),
        out("Added 2 variables.")
    );
    assert_eq!(r.handle_line("a + b"), out("6"));
}

#[test]
fn completion_of_names_attribute_paths_and_commands() {
    let mut r = repl();
    r.handle_line("foo = { bar = 1; baz = 2; qux = 3; }");
    assert_eq!(r.complete("fo"), vec!["foo".to_owned()]);
    assert_eq!(
        r.complete("1 + foo.ba"),
        vec!["foo.bar".to_owned(), "foo.baz".to_owned()]
    );
    assert!(
        r.complete("builtins.attrNa")
            .contains(&"builtins.attrNames".to_owned())
    );
    assert!(r.complete("toStr").contains(&"toString".to_owned()));
    assert_eq!(r.complete(":l"), vec![":load".to_owned()]);
}

#[test]
fn a_set_interrupt_flag_stops_an_evaluation() {
    let mut r = repl();
    let flag = r.interrupt_flag();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let reply = r.handle_line(
        "builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: [ { key = x.key + 1; } ]; })",
    );
    t.join().expect("thread");
    assert_eq!(
        reply,
        Reply::Error("error: interrupted by the user".to_owned())
    );
    // The flag is cleared for the next input.
    assert_eq!(r.handle_line("1"), out("1"));
}

#[test]
fn bindings_and_open_strings() {
    assert_eq!(binding("x = 1"), Some(("x", " 1")));
    assert_eq!(binding("a == b"), None);
    assert_eq!(binding("{ a = 1; }"), None);
    assert!(open_string_or_comment("\"abc"));
    assert!(open_string_or_comment("''abc"));
    assert!(open_string_or_comment("/* x"));
    assert!(!open_string_or_comment("\"a\" + ''b''"));
}

#[test]
fn the_repl_evaluates_with_the_store_builtins() {
    // As `tvix` starts it: tvix-glue's builtins and store I/O, here over a
    // memory store.
    let (builder, _store) =
        crate::glue_eval::with_glue(EvaluationBuilder::new(), Some("memory://".to_owned()), None)
            .expect("glue");
    let mut r = Repl::new(builder, false);
    assert_eq!(r.handle_line("builtins.storeDir"), out("\"/nix/store\""));
    let Reply::Output(p) = r.handle_line(r#"builtins.toFile "x" "y""#) else {
        panic!("no output");
    };
    assert!(p.starts_with("\"/nix/store/") && p.ends_with("-x\""), "{p}");
}
