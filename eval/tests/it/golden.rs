//! The golden suite: `tests/cases/*.nix` must print exactly their `.exp`
//! (produced by C++ Nix 2.26.3 with `tests/cases/regen.sh`); the cases in
//! `tests/cases/notyetpassing/` are evaluated and counted, and one that
//! starts passing fails the test so it gets moved up. The cases in
//! `tests/cases/fail/` must fail with exactly the standard error C++ Nix
//! prints, with and without `--show-trace` (`tests/cases/fail/regen.sh`);
//! those in `tests/cases/fail/notyetpassing/` are counted the same way.
//! Every builtin of C++ Nix (`tests/cases/builtin-names.txt`, written by
//! `regen.sh`) must be mentioned as `builtins.NAME` by some case.

use std::path::{Path, PathBuf};

use tvix_eval::EvaluationBuilder;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// The `.nix` cases of `dir`; none if it does not exist (git keeps no
/// empty `notyetpassing` folder).
fn nix_files(dir: &Path) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        r => r.expect("case directory is readable"),
    };
    let mut v: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    v.sort();
    v
}

/// What `nix-instantiate --eval --strict FILE` prints on stdout (with the
/// newline), or the rendered error.
fn run(file: &Path) -> Result<String, String> {
    let eval = EvaluationBuilder::new()
        .home(Some(b"/fake-home".to_vec()))
        .build();
    let v = eval
        .evaluate_file(file)
        .map_err(|e| eval.render_error(&e, false))?;
    eval.force_deep(&v)
        .map_err(|e| eval.render_error(&e, false))?;
    let mut out = String::from_utf8_lossy(&eval.print(&v)).into_owned();
    out.push('\n');
    Ok(out)
}

fn expected(file: &Path) -> String {
    std::fs::read_to_string(file.with_extension("exp"))
        .unwrap_or_else(|e| panic!("{}: missing .exp ({e}); run regen.sh", file.display()))
}

#[test]
fn golden_cases() {
    let cases = nix_files(&cases_dir());
    assert!(!cases.is_empty(), "no golden cases found");
    let mut failures = Vec::new();
    for case in &cases {
        let want = expected(case);
        match run(case) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!(
                "{}:\n  expected {want}  got      {got}",
                case.display()
            )),
            Err(e) => failures.push(format!("{}: error\n{e}", case.display())),
        }
    }
    println!("golden: {} cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn notyetpassing_cases_are_counted() {
    let cases = nix_files(&cases_dir().join("notyetpassing"));
    let passing: Vec<String> = cases
        .iter()
        .filter(|c| run(c).is_ok_and(|got| got == expected(c)))
        .map(|c| c.display().to_string())
        .collect();
    println!("notyetpassing: {} cases", cases.len());
    assert!(
        passing.is_empty(),
        "these notyetpassing cases pass now, move them to tests/cases: {passing:?}"
    );
}

/// The error `nix-instantiate --eval --strict [--show-trace] FILE` prints on
/// stderr (bytes: quoted source lines need not be UTF-8), with the case
/// directory shown as `/CASES`; `None` if it succeeds.
fn run_failing(file: &Path, show_trace: bool) -> Option<Vec<u8>> {
    let eval = EvaluationBuilder::new()
        .home(Some(b"/fake-home".to_vec()))
        .show_trace(show_trace)
        .build();
    let err = match eval.evaluate_file(file) {
        Ok(v) => eval.force_deep(&v).err()?,
        Err(e) => e,
    };
    let dir = file
        .parent()
        .expect("case has a directory")
        .display()
        .to_string();
    Some(bstr::ByteSlice::replace(
        &eval.render_error_bytes(&err, show_trace)[..],
        dir.as_bytes(),
        b"/CASES",
    ))
}

/// How `case` differs from its `.err` and `.trace.err` (empty if it matches
/// both).
fn failing_case_differences(case: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    for (show_trace, ext) in [(false, "err"), (true, "trace.err")] {
        let want = std::fs::read(case.with_extension(ext)).unwrap_or_else(|e| {
            panic!(
                "{}: missing .{ext} ({e}); run fail/regen.sh",
                case.display()
            )
        });
        match run_failing(case, show_trace) {
            Some(got) if got.trim_ascii_end() == want.trim_ascii_end() => {}
            Some(got) => failures.push(format!(
                "{} (.{ext}):\n--- expected\n{}\n--- got\n{}",
                case.display(),
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            )),
            None => failures.push(format!("{}: evaluated successfully", case.display())),
        }
    }
    failures
}

#[test]
fn failing_cases_print_the_reference_errors() {
    let cases = nix_files(&cases_dir().join("fail"));
    assert!(!cases.is_empty(), "no failing golden cases found");
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|c| failing_case_differences(c))
        .collect();
    println!(
        "failing golden: {} cases, {} differ",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failing_notyetpassing_cases_are_counted() {
    let cases = nix_files(&cases_dir().join("fail/notyetpassing"));
    let passing: Vec<String> = cases
        .iter()
        .filter(|c| failing_case_differences(c).is_empty())
        .map(|c| c.display().to_string())
        .collect();
    println!("failing notyetpassing: {} cases", cases.len());
    assert!(
        passing.is_empty(),
        "these fail/notyetpassing cases pass now, move them to tests/cases/fail: {passing:?}"
    );
}

/// Whether `name` occurs in `text` as `builtins.NAME` or among the names of
/// an `inherit (builtins) ...;`, as a whole identifier.
fn mentions_builtin(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-');
    let whole = |hay: &str, needle: &str| {
        hay.match_indices(needle).any(|(i, _)| {
            let before = hay[..i].chars().next_back();
            let after = hay[i + needle.len()..].chars().next();
            !before.is_some_and(ident) && !after.is_some_and(ident)
        })
    };
    if whole(text, &format!("builtins.{name}")) {
        return true;
    }
    text.split("inherit (builtins)").skip(1).any(|rest| {
        let names = rest.split(';').next().unwrap_or("");
        whole(names, name)
    })
}

/// Every builtin C++ Nix has (the committed list `regen.sh` writes) is
/// exercised by some case, passing, failing or not yet passing, so the
/// suite's coverage of builtins stays complete. Comment lines (first
/// non-blank character `#`) do not count.
#[test]
fn every_builtin_has_a_golden_case() {
    let dir = cases_dir();
    let list = std::fs::read_to_string(dir.join("builtin-names.txt"))
        .expect("builtin-names.txt exists (written by regen.sh)");
    let names: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(names.len() > 100, "builtin-names.txt lists too few names");
    let mut text = String::new();
    for sub in [
        "",
        "notyetpassing",
        "fail",
        "fail/notyetpassing",
        "cli",
        "cli/notyetpassing",
        "cli/fail",
        "cli/fail/notyetpassing",
    ] {
        for case in nix_files(&dir.join(sub)) {
            // Some cases are deliberately not UTF-8 (Nix sources are bytes).
            let source = std::fs::read(&case).expect("case is readable");
            let source = String::from_utf8_lossy(&source);
            for line in source.lines() {
                if !line.trim_start().starts_with('#') {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !mentions_builtin(&text, n))
        .collect();
    assert!(
        missing.is_empty(),
        "builtins no golden case mentions as builtins.NAME: {missing:?}"
    );
}

#[test]
fn a_builtin_is_mentioned_only_as_a_whole_name() {
    assert!(mentions_builtin("builtins.map f l", "map"));
    assert!(!mentions_builtin("builtins.mapAttrs f s", "map"));
    assert!(!mentions_builtin("mybuiltins.map f l", "map"));
    assert!(!mentions_builtin("map f l", "map"));
    assert!(mentions_builtin(
        "let inherit (builtins) head map; in 1",
        "map"
    ));
    assert!(!mentions_builtin(
        "let inherit (builtins) head; map = 1; in 1",
        "map"
    ));
}
