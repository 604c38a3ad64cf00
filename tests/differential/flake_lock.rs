//! `builtins.getFlake` on flakes whose inputs are missing from flake.lock
//! or whose flake.lock is out of date (inputs no longer declared, pointed
//! elsewhere, overrides dropped), against
//! `nix-instantiate`: the same values, the same "not writing modified lock
//! file" warning (added, removed and `follows` inputs, nested inputs taken
//! from an input's own flake.lock, relative and git inputs), the same errors
//! with and without `--show-trace`, and C++ Nix's quirk that a newly locked
//! relative non-flake input is the whole store path holding it; indirect
//! references resolved through the user's and the global registry (by
//! getFlake and by fetchTree), read once for all lookups. The flakes
//! are written to a temporary directory at run time: their `lastModified`
//! (file times) and git commits are whatever this run makes, the same for
//! both programs.

use std::{path::Path, process::Command};

use tvix_tests::{our_binary, reference};

fn write(root: &Path, name: &str, text: &str) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write fixture");
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_DATE", "2021-03-04T05:06:07Z")
        .env("GIT_AUTHOR_DATE", "2021-03-04T05:06:07Z")
        .status()
        .expect("runs git")
        .success();
    assert!(ok, "git {args:?} failed");
}

/// Makes `dir` a git repository whose one commit holds its files.
fn git_repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "init"]);
}

/// `nix flake lock` of the reference in `dir`.
fn lock(home: &Path, dir: &Path) {
    let out = reference::command("nix")
        .args([
            "--extra-experimental-features",
            "nix-command flakes",
            "--option",
            "flake-registry",
            "",
            "flake",
            "lock",
        ])
        .current_dir(dir)
        .env("HOME", home)
        .output()
        .expect("runs nix flake lock");
    assert!(
        out.status.success(),
        "nix flake lock: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The flakes: `e` (no inputs), `b` (input `e`, locked in its own
/// flake.lock), `g` (a git repository), and flakes using them.
fn fixtures(root: &Path) {
    let r = root.display();
    write(root, "e/flake.nix", "{ outputs = { self }: { val = 1; }; }");
    write(
        root,
        "b/flake.nix",
        &format!(
            r#"{{ inputs.e.url = "path:{r}/e"; outputs = {{ self, e }}: {{ val = e.val + 10; }}; }}"#
        ),
    );
    lock(&root.join("home"), &root.join("b"));
    write(
        root,
        "g/flake.nix",
        "{ outputs = { self }: { gval = 7; }; }",
    );
    git_repo(&root.join("g"));

    // Nothing locked: inputs of every kind.
    write(
        root,
        "a/flake.nix",
        &format!(
            r#"{{
  inputs.b.url = "path:{r}/b";
  inputs.c = {{ url = "path:{r}/e"; flake = false; }};
  inputs.d.follows = "b";
  inputs.g.url = "git+file://{r}/g";
  inputs.sub.url = "path:./sub";
  inputs.data = {{ url = "path:./data"; flake = false; }};
  inputs.b2.url = "path:{r}/b";
  inputs.b2.inputs.e.follows = "g";
  outputs = {{ self, b, c, d, g, sub, data, b2 }}: {{
    v = [ b.val d.val g.gval sub.v (builtins.readFile (data + "/data/x")) (builtins.attrNames data) (builtins.typeOf c) b2.inputs.e.gval ];
    bInputs = builtins.attrNames b.inputs;
    g = {{ inherit (g) rev revCount lastModified narHash; }};
  }};
}}"#
        ),
    );
    write(
        root,
        "a/sub/flake.nix",
        "{ outputs = { self }: { v = 5; }; }",
    );
    write(root, "a/data/x", "hi");

    // Locked, then one input replaced by another: one removed, one added.
    write(
        root,
        "edited/flake.nix",
        &format!(
            r#"{{ inputs.b.url = "path:{r}/b"; inputs.c.url = "path:{r}/e"; outputs = {{ self, b, c }}: {{ v = b.val + c.val; }}; }}"#
        ),
    );
    lock(&root.join("home"), &root.join("edited"));
    write(
        root,
        "edited/flake.nix",
        &format!(
            r#"{{ inputs.b.url = "path:{r}/b"; inputs.h.url = "path:{r}/e"; outputs = {{ self, b, h }}: {{ v = b.val + h.val; }}; }}"#
        ),
    );

    // Locked with an override, which is then dropped; locked, then an input
    // pointed elsewhere.
    write(
        root,
        "stale1/flake.nix",
        &format!(
            r#"{{ inputs.b.url = "path:{r}/b"; inputs.c.url = "path:{r}/e"; inputs.b.inputs.e.follows = "c"; outputs = {{ self, b, c }}: {{ v = b.val; }}; }}"#
        ),
    );
    lock(&root.join("home"), &root.join("stale1"));
    write(
        root,
        "stale1/flake.nix",
        &format!(
            r#"{{ inputs.b.url = "path:{r}/b"; inputs.c.url = "path:{r}/e"; outputs = {{ self, b, c }}: {{ v = b.val; }}; }}"#
        ),
    );
    write(
        root,
        "stale2/flake.nix",
        &format!(
            r#"{{ inputs.b.url = "path:{r}/b"; outputs = {{ self, b }}: {{ v = b.val; }}; }}"#
        ),
    );
    lock(&root.join("home"), &root.join("stale2"));
    write(
        root,
        "stale2/flake.nix",
        &format!(
            r#"{{ inputs.b.url = "path:{r}/e"; inputs.b.inputs.e.follows = "b"; outputs = {{ self, b }}: {{ v = b.val; }}; }}"#
        ),
    );

    // A flake at the root of a git repository: clean with an unlocked
    // input (called without its revision, C++ `forceDirty`), and dirty.
    write(
        root,
        "gitflake/flake.nix",
        &format!(
            r#"{{ inputs.e.url = "path:{r}/e"; outputs = {{ self, e }}: {{ v = e.val; si = self.sourceInfo; }}; }}"#
        ),
    );
    git_repo(&root.join("gitflake"));
    write(
        root,
        "dirtyflake/flake.nix",
        "{ outputs = { self }: { si = self.sourceInfo; }; }",
    );
    git_repo(&root.join("dirtyflake"));
    write(
        root,
        "dirtyflake/flake.nix",
        "{ outputs = { self }: { si = self.sourceInfo; x = 1; }; }",
    );

    // Registries: the user's (in HOME) wins over the global one (given by
    // `--option flake-registry`); entries with `dir` and `exact`.
    write(
        root,
        "home/.config/nix/registry.json",
        &format!(
            r#"{{"version":2,"flakes":[
  {{"from":{{"type":"indirect","id":"bee"}},"to":{{"type":"path","path":"{r}/b"}}}},
  {{"exact":true,"from":{{"type":"indirect","id":"exactly"}},"to":{{"type":"path","path":"{r}/e"}}}}]}}"#
        ),
    );
    write(
        root,
        "global.json",
        &format!(
            r#"{{"version":2,"flakes":[
  {{"from":{{"type":"indirect","id":"gee"}},"to":{{"type":"git","url":"file://{r}/g"}}}},
  {{"from":{{"type":"indirect","id":"bee"}},"to":{{"type":"path","path":"{r}/e"}}}},
  {{"from":{{"type":"indirect","id":"subby"}},"to":{{"type":"path","path":"{r}/a","dir":"sub"}}}}]}}"#
        ),
    );
    write(root, "v1.json", r#"{"version":1,"flakes":[]}"#);
    // Registries C++ Nix warns about with nlohmann's type errors, or reads
    // with its conversions of the version.
    write(root, "array.json", "[1]");
    write(root, "vstring.json", r#"{"version":"2","flakes":[]}"#);
    write(root, "vbool.json", r#"{"version":true,"flakes":[]}"#);
    write(
        root,
        "vfloat.json",
        &format!(
            r#"{{"version":2.5,"flakes":[{{"from":{{"type":"indirect","id":"gee"}},"to":{{"type":"git","url":"file://{r}/g"}}}}]}}"#
        ),
    );
    write(
        root,
        "ind/flake.nix",
        r#"{ inputs.x.url = "flake:bee"; inputs.s.url = "subby"; outputs = { self, x, s, gee }: { v = [ x.val s.v gee.gval ]; }; }"#,
    );

    // Flakes C++ Nix refuses: two that import each other, a follows to
    // nowhere, an input attribute it does not know.
    write(
        root,
        "c1/flake.nix",
        &format!(r#"{{ inputs.c2.url = "path:{r}/c2"; outputs = {{ self, c2 }}: {{ }}; }}"#),
    );
    write(
        root,
        "c2/flake.nix",
        &format!(r#"{{ inputs.c1.url = "path:{r}/c1"; outputs = {{ self, c1 }}: {{ }}; }}"#),
    );
    write(
        root,
        "nowhere/flake.nix",
        r#"{ inputs.x.follows = "nope/deeper"; outputs = { self, x }: { v = x; }; }"#,
    );
    write(
        root,
        "bogus/flake.nix",
        &format!(
            r#"{{ inputs.x = {{ url = "path:{r}/e"; bogus = 1; }}; outputs = {{ self, x }}: {{ v = x.val; }}; }}"#
        ),
    );

    // Errors while locking, directly and one flake down.
    write(
        root,
        "missing/flake.nix",
        &format!(r#"{{ inputs.x.url = "path:{r}/nonexistent"; outputs = {{ self, x }}: {{ }}; }}"#),
    );
    write(
        root,
        "nested/flake.nix",
        &format!(r#"{{ inputs.x.url = "path:{r}/missing"; outputs = {{ self, x }}: {{ }}; }}"#),
    );
}

fn run(
    mut cmd: Command,
    root: &Path,
    registry: &str,
    expr: &str,
    trace: bool,
) -> (bool, String, String) {
    cmd.args(["--eval", "--strict", "--option", "flake-registry", registry]);
    if trace {
        cmd.arg("--show-trace");
    }
    let out = cmd
        .args(["-E", expr])
        .current_dir(root)
        .env_remove("NIX_PATH")
        .env("HOME", root.join("home"))
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn get_flake_locks_missing_inputs_as_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fixtures(root);
    let store = root.join("store");
    let global = root.join("global.json").display().to_string();
    let v1 = root.join("v1.json").display().to_string();
    let in_root = |name: &str| root.join(name).display().to_string();
    let path = |flake: &str| root.join(flake).display().to_string();
    let cases = [
        (path("a"), "{ inherit (f) v bInputs g; }", ""),
        (path("edited"), "f.v", ""),
        (path("stale1"), "f.v", ""),
        (path("stale2"), "f.v", ""),
        (
            format!("git+file://{}", path("gitflake")),
            "{ inherit (f) v si; }",
            "",
        ),
        (path("gitflake"), "f.si", ""),
        (format!("git+file://{}", path("dirtyflake")), "f.si", ""),
        (path("missing"), "f.outPath", ""),
        (path("nested"), "f.outPath", ""),
        (path("c1"), "f.outPath", ""),
        (path("nowhere"), "f.v", ""),
        (path("bogus"), "f.v", ""),
        // A second evaluation of an already locked input: nothing new.
        (path("b"), "f.val", ""),
        // Indirect references, at the top and as inputs.
        (path("ind"), "f.v", &global),
        ("bee".to_owned(), "f.val", &global),
        ("subby".to_owned(), "f.v", &global),
        ("gee/main".to_owned(), "f.gval", &global),
        ("bee/main".to_owned(), "f.val", &global),
        ("exactly".to_owned(), "f.val", &global),
        ("exactly/main".to_owned(), "f.val", &global),
        ("nope".to_owned(), "builtins.tryEval f", &global),
        // fetchTree of indirect references (`f` is not used).
        (
            "bee".to_owned(),
            "builtins.fetchTree \"flake:gee/main\"",
            &global,
        ),
        (
            "bee".to_owned(),
            "builtins.fetchTree { type = \"indirect\"; id = \"bee\"; }",
            &global,
        ),
        (
            "bee".to_owned(),
            "builtins.fetchTree \"flake:nope\"",
            &global,
        ),
        ("gee".to_owned(), "f.gval", ""),
        ("gee".to_owned(), "f.gval", &v1),
        ("gee".to_owned(), "f.gval", &in_root("array.json")),
        ("gee".to_owned(), "f.gval", &in_root("vstring.json")),
        ("gee".to_owned(), "f.gval", &in_root("vbool.json")),
        ("gee".to_owned(), "f.gval", &in_root("vfloat.json")),
        // The registries are read once for all lookups: one warning.
        (
            "bee".to_owned(),
            "[ f.val (builtins.getFlake \"bee\").val (builtins.fetchTree \"flake:bee\").narHash ]",
            &v1,
        ),
    ];
    for (flake, body, registry) in &cases {
        let expr = format!("let f = builtins.getFlake \"{flake}\"; in {body}");
        for trace in [false, true] {
            let theirs = run(
                reference::command("nix-instantiate"),
                root,
                registry,
                &expr,
                trace,
            );
            let mut ours = our_binary("tvix");
            ours.env("TVIX_STORE", format!("local://{}", store.display()));
            let ours = run(ours, root, registry, &expr, trace);
            assert_eq!(ours, theirs, "{flake} {body} (show-trace: {trace})");
        }
    }
    // The warning was checked above; make sure the cases exercise it.
    let expr = format!("(builtins.getFlake \"{}\").v", root.join("a").display());
    let (_, _, stderr) = run(
        reference::command("nix-instantiate"),
        root,
        "",
        &expr,
        false,
    );
    assert!(stderr.contains("• Added input 'b/e':"), "{stderr}");
    assert!(
        stderr.contains("• Added input 'b2/e':\n    follows 'g'"),
        "{stderr}"
    );
    let expr = format!("(builtins.getFlake \"{}\").v", path("ind"));
    let (ok, stdout, stderr) = run(
        reference::command("nix-instantiate"),
        root,
        &global,
        &expr,
        false,
    );
    assert!(
        ok && stdout == "[ 11 5 7 ]\n",
        "ok: {ok}; stdout: {stdout:?}; stderr: {stderr}"
    );
}

/// Settings from NIX_CONFIG (one `name = value` a line, `#` comments):
/// the global registry, and an `--option` that overrides it.
#[test]
fn nix_config_settings_apply_as_in_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fixtures(root);
    let store = root.join("store");
    let global = root.join("global.json").display().to_string();
    let config =
        format!("# registries\nflake-registry = {global}  # global\nabort-on-warn = true\n");
    let cases: [&[&str]; 4] = [
        &["-E", "(builtins.getFlake \"gee\").gval"],
        &["-E", "builtins.warn \"w\" 1"],
        &[
            "--option",
            "flake-registry",
            "",
            "-E",
            "builtins.getFlake \"gee\"",
        ],
        &[
            "--option",
            "abort-on-warn",
            "false",
            "-E",
            "builtins.warn \"w\" 1",
        ],
    ];
    for args in cases {
        let go = |mut cmd: Command| {
            let out = cmd
                .arg("--eval")
                .args(args)
                .current_dir(root)
                .env_remove("NIX_PATH")
                .env("HOME", root.join("home"))
                .env("NIX_CONFIG", &config)
                .output()
                .expect("runs");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let theirs = go(reference::command("nix-instantiate"));
        let mut ours = our_binary("tvix");
        ours.env("TVIX_STORE", format!("local://{}", store.display()));
        assert_eq!(go(ours), theirs, "{args:?}");
    }
}
