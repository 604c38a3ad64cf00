//! tvix-glue through the `tvix` binary, against the reference: the same
//! expressions instantiated by `tvix` and `nix-instantiate` print the same
//! `.drv` paths (hence the same ATerm bytes: a `.drv` path is the hash of its
//! text and references), `tvix derivation show` prints what
//! `nix derivation show` prints, and evaluation yields the same output paths
//! and `builtins.path`/`filterSource`/`toFile` store paths. Inputs: the
//! hand-written `glue/drvs.nix`, the random derivations of `derivation.rs`,
//! and the mini-pkgs workload of `../shared/bench`. The fetchers are run on
//! local sources made at run time: their results, pure evaluation's refusal
//! of unlocked inputs, and the errors for a `narHash`, `lastModified` or
//! `revCount` the fetched tree does not have.

use std::{ffi::OsStr, path::Path, process::Output};

use proptest::prelude::*;
use tvix_tests::{our_binary, reference, workspace_root};

fn ours(store: &Path, args: &[&OsStr]) -> Output {
    our_binary("tvix")
        .env("TVIX_STORE", format!("local://{}", store.display()))
        .env("XDG_CACHE_HOME", store.with_extension("cache"))
        .args(args)
        .output()
        .expect("run tvix")
}

fn theirs(tool: &str, args: &[&OsStr]) -> Output {
    reference::command(tool)
        .args(args)
        .output()
        .expect("run the reference")
}

fn stdout(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The source tree `drvs.nix` copies: `a.txt`, `skip.txt`, `sub/b` and a
/// symlink `l` → `a.txt`.
fn source_tree(root: &Path) -> String {
    let src = root.join("src");
    std::fs::create_dir_all(src.join("sub")).expect("mkdir");
    std::fs::write(src.join("a.txt"), b"a\n").expect("write");
    std::fs::write(src.join("skip.txt"), b"skip").expect("write");
    std::fs::write(src.join("sub/b"), b"b").expect("write");
    std::os::unix::fs::symlink("a.txt", src.join("l")).expect("symlink");
    src.display().to_string()
}

#[test]
fn hand_written_derivations_match_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source_tree(dir.path());
    let store = dir.path().join("store");
    let file = workspace_root().join("tests/differential/glue/drvs.nix");
    let args: Vec<&OsStr> = vec![
        file.as_os_str(),
        "--argstr".as_ref(),
        "src".as_ref(),
        src.as_ref(),
    ];

    let ref_paths = stdout("nix-instantiate", theirs("nix-instantiate", &args));
    let our_paths = stdout("tvix", ours(&store, &args));
    assert_eq!(our_paths, ref_paths);
    assert_eq!(ref_paths.lines().count(), 15);

    // Every .drv, read back from our store, shows as the reference's.
    let drvs: Vec<&str> = ref_paths
        .lines()
        .map(|l| l.split_once('!').map_or(l, |(p, _)| p))
        .collect();
    let mut show: Vec<&OsStr> = vec!["derivation".as_ref(), "show".as_ref()];
    show.extend(drvs.iter().map(|d| OsStr::new(*d)));
    let our_json = stdout("tvix derivation show", ours(&store, &show));
    let mut ref_show: Vec<&OsStr> = vec![
        "--extra-experimental-features".as_ref(),
        "nix-command".as_ref(),
    ];
    ref_show.extend(show.iter().copied());
    let ref_json = stdout("nix derivation show", theirs("nix", &ref_show));
    assert_eq!(our_json, ref_json);
    // With their input derivations (-r).
    show.insert(2, "-r".as_ref());
    ref_show.insert(4, "-r".as_ref());
    assert_eq!(
        stdout("tvix derivation show -r", ours(&store, &show)),
        stdout("nix derivation show -r", theirs("nix", &ref_show))
    );

    // Output paths and the paths of sources, under --eval.
    let expr = format!(
        "let r = import {} {{ src = \"{src}\"; }}; in {{ paths = r.paths; outs = map (d: d.outPath) \
         [ r.single r.multi.dev r.multi.lib r.structured.bin r.misc r.discard r.usesOutputs r.fodDependent ]; }}",
        file.display()
    );
    let eval: Vec<&OsStr> = vec![
        "--eval".as_ref(),
        "--strict".as_ref(),
        "-E".as_ref(),
        expr.as_ref(),
    ];
    assert_eq!(
        stdout("tvix --eval", ours(&store, &eval)),
        stdout("nix-instantiate --eval", theirs("nix-instantiate", &eval))
    );
}

#[test]
fn mini_pkgs_instantiates_to_the_reference_drv_paths() {
    let bench = workspace_root().join("../shared/bench/eval/mini-pkgs.nix");
    let Ok(text) = std::fs::read_to_string(&bench) else {
        panic!("{} is missing", bench.display());
    };
    // The workload up to its `in`, returning the package list itself.
    let body = text
        .rsplit_once("\nin\n")
        .map(|(head, _)| head)
        .expect("mini-pkgs.nix ends with `in { ... }`");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("pkgs.nix");
    std::fs::write(&file, format!("{body}\nin pkgs\n")).expect("write");
    let args = [file.as_os_str()];
    let ref_paths = stdout("nix-instantiate", theirs("nix-instantiate", &args));
    let our_paths = stdout("tvix", ours(&dir.path().join("store"), &args));
    assert_eq!(ref_paths.lines().count(), 5000);
    assert!(our_paths == ref_paths, "the drvPaths differ");
}

fn check_generated(specs: &[crate::derivation::Spec]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("drvs.nix");
    std::fs::write(&file, crate::derivation::expression(specs)).expect("write");
    let args = [file.as_os_str()];
    let r = theirs("nix-instantiate", &args);
    prop_assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let o = ours(&dir.path().join("store"), &args);
    prop_assert!(
        o.status.success(),
        "tvix: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    prop_assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&r.stdout)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        max_shrink_iters: 50,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_derivations_instantiate_like_the_reference(specs in crate::derivation::specs()) {
        check_generated(&specs)?;
    }
}

/// Runs `git` in `repo` with fixed identities and dates.
fn git(repo: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "a@b")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "a@b")
        .env("GIT_AUTHOR_DATE", "2021-02-03T04:05:06Z")
        .env("GIT_COMMITTER_DATE", "2021-02-03T04:05:06Z")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fetchers_of_local_sources_match_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source_tree(dir.path());
    let tarballs = dir.path().join("tarballs");
    std::fs::create_dir_all(&tarballs).expect("mkdir");
    for (name, flag, entries) in [
        ("one.tar.gz", "-czf", vec!["src"]),
        ("two.tar.xz", "-cJf", vec!["a.txt", "sub"]),
        ("plain.tar", "-cf", vec!["src"]),
    ] {
        let base = if entries == ["src"] {
            dir.path().to_path_buf()
        } else {
            Path::new(&src).to_path_buf()
        };
        let st = std::process::Command::new("tar")
            .arg("-C")
            .arg(&base)
            .arg(flag)
            .arg(tarballs.join(name))
            .args(&entries)
            .status()
            .expect("tar");
        assert!(st.success());
    }
    // A tarball with an expression copying paths from inside it (the paths
    // are then inside the store, not on the local filesystem).
    let top = dir.path().join("imp/top");
    std::fs::create_dir_all(top.join("sub")).expect("mkdir");
    std::fs::write(top.join("f"), b"hi\n").expect("write");
    std::fs::write(top.join("sub/y"), b"x").expect("write");
    std::fs::write(
        top.join("default.nix"),
        "{ a = \"${./f}\"; \
           p = builtins.path { path = ./.; filter = p: t: baseNameOf p != \"default.nix\"; name = \"x\"; }; \
           fs = builtins.filterSource (p: t: t != \"directory\") ./.; \
           flat = builtins.path { path = ./f; recursive = false; }; }",
    )
    .expect("write");
    let st = std::process::Command::new("tar")
        .arg("-C")
        .arg(dir.path().join("imp"))
        .arg("-czf")
        .arg(tarballs.join("imp.tar.gz"))
        .arg("top")
        .status()
        .expect("tar");
    assert!(st.success());
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("f"), b"one\n").expect("write");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "one"]);
    std::fs::write(repo.join("f"), b"two\n").expect("write");
    git(&repo, &["commit", "-qam", "two"]);
    git(&repo, &["tag", "v1"]);

    let t = tarballs.display();
    let r = repo.display();
    let expr = format!(
        "{{ \
         url = builtins.fetchurl file://{t}/one.tar.gz; \
         named = builtins.fetchurl {{ url = \"file://{t}/plain.tar\"; name = \"p\"; }}; \
         one = builtins.fetchTarball file://{t}/one.tar.gz; \
         two = builtins.fetchTarball \"file://{t}/two.tar.xz\"; \
         plain = builtins.fetchTarball {{ url = \"file://{t}/plain.tar\"; name = \"plain\"; }}; \
         git = builtins.fetchGit {r}; \
         tag = builtins.fetchGit {{ url = \"file://{r}\"; ref = \"v1\"; }}; \
         tree = builtins.fetchTree {{ type = \"git\"; url = \"file://{r}\"; }}; \
         treeFile = builtins.fetchTree {{ type = \"file\"; url = \"file://{t}/plain.tar\"; }}; \
         treeTar = builtins.fetchTree \"file://{t}/one.tar.gz\"; \
         treeTar2 = builtins.fetchTree {{ type = \"tarball\"; url = \"file://{t}/two.tar.xz\"; }}; \
         treePath = builtins.fetchTree {{ type = \"path\"; path = \"{src}\"; }}; \
         imported = import (builtins.fetchTarball file://{t}/imp.tar.gz + \"/default.nix\"); \
         }}"
    );
    let args: Vec<&OsStr> = vec![
        "--eval".as_ref(),
        "--strict".as_ref(),
        "-E".as_ref(),
        expr.as_ref(),
    ];
    assert_eq!(
        stdout("tvix --eval", ours(&dir.path().join("store"), &args)),
        stdout("nix-instantiate --eval", theirs("nix-instantiate", &args))
    );

    // A dirty working tree: the same result and the same `warning:` line.
    std::fs::write(repo.join("f"), b"changed\n").expect("write");
    let expr = format!(
        "[ (builtins.fetchGit {r}) (builtins.fetchTree {{ type = \"git\"; url = \"file://{r}\"; }}) ]"
    );
    let args: Vec<&OsStr> = vec![
        "--eval".as_ref(),
        "--strict".as_ref(),
        "-E".as_ref(),
        expr.as_ref(),
    ];
    let (o, t) = (
        ours(&dir.path().join("store"), &args),
        theirs("nix-instantiate", &args),
    );
    let shown = |out: &Output| {
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(shown(&o), shown(&t));
    assert!(String::from_utf8_lossy(&t.stderr).contains("is dirty"));
}

/// `import <nix/fetchurl.nix>` (C++ Nix's built-in file, ours written
/// anew) yields the same fixed-output derivations for every way of giving
/// the hash, for executable and unpacked downloads and for a given name.
/// Nothing is downloaded: only `.drv` and output paths are compared.
#[test]
fn nix_fetchurl_nix_derivations_match_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hello-1.0.tar.gz");
    std::fs::write(&file, b"hello\n").expect("write");
    let url = format!("file://{}", file.display());
    let z = |n: usize| "0".repeat(n);
    let sri256 = format!("sha256-{}=", "A".repeat(43));
    let sri512 = format!("sha512-{}==", "A".repeat(86));
    let calls = [
        format!("sha256 = \"{}\";", z(52)),
        format!("hash = \"{sri256}\";"),
        format!("sha1 = \"{}\";", z(40)),
        format!("md5 = \"{}\";", z(32)),
        format!("sha512 = \"{sri512}\";"),
        format!("sha256 = \"{}\"; executable = true;", z(52)),
        format!("sha256 = \"{}\"; unpack = true; name = \"src\";", z(52)),
        format!("outputHash = \"{sri256}\"; outputHashAlgo = \"\"; system = \"x\";"),
    ];
    let list: String = calls
        .iter()
        .map(|c| format!("(f {{ url = \"{url}\"; {c} }}) "))
        .collect();
    let expr = format!(
        "let f = import <nix/fetchurl.nix>; in \
         map (d: {{ inherit (d) drvPath outPath name; }}) [ {list}]"
    );
    let args: Vec<&OsStr> = vec![
        "--eval".as_ref(),
        "--strict".as_ref(),
        "-E".as_ref(),
        expr.as_ref(),
    ];
    let theirs = stdout("nix-instantiate --eval", theirs("nix-instantiate", &args));
    assert_eq!(theirs.matches("drvPath").count(), calls.len());
    assert_eq!(
        stdout("tvix --eval", ours(&dir.path().join("store"), &args)),
        theirs
    );
}

/// Runs `hg` in `repo` with a fixed user, no user configuration and plain
/// output; its stdout.
fn hg(repo: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("hg")
        .arg("--cwd")
        .arg(repo)
        .args(args)
        .env("HGUSER", "t <a@b>")
        .env("HGRCPATH", "")
        .env("HGPLAIN", "1")
        .output()
        .expect("hg is installed (Debian package mercurial)");
    assert!(
        out.status.success(),
        "hg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `fetchMercurial` and `fetchTree { type = "hg"; }` of a local repository
/// (clean: the default branch's head, by branch, tag and revision, with a
/// `name`, as an `hg+file://` URL, with a checked `revCount`; dirty: the
/// tracked files with a warning; errors: an unknown revision, no
/// repository, a `revCount` mismatch), evaluated twice: the second time
/// C++ Nix answers from its fetcher cache (`branch` is then the `ref` as
/// given). Exit status, stdout and stderr (warnings, `hg`'s own messages,
/// error texts) must all match. Each side has its own empty cache.
#[test]
fn mercurial_fetchers_match_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("d")).expect("mkdir");
    hg(&repo, &["init"]);
    std::fs::write(repo.join("f"), b"one\n").expect("write");
    std::fs::write(repo.join("d/y"), b"y\n").expect("write");
    std::fs::write(repo.join("run.sh"), b"#!/bin/sh\n").expect("write");
    let mut perm = std::fs::metadata(repo.join("run.sh"))
        .expect("stat")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(repo.join("run.sh"), perm).expect("chmod");
    std::os::unix::fs::symlink("f", repo.join("l")).expect("symlink");
    hg(&repo, &["add", "-q"]);
    let commit = |msg: &str, date: &str| hg(&repo, &["commit", "-q", "-m", msg, "-d", date]);
    commit("one", "2021-02-03 04:05:06 +0000");
    std::fs::write(repo.join("f"), b"two\n").expect("write");
    commit("two", "2021-02-04 04:05:06 +0000");
    hg(&repo, &["branch", "-q", "feat"]);
    std::fs::write(repo.join("f"), b"three\n").expect("write");
    commit("three", "2021-02-05 04:05:06 +0000");
    hg(&repo, &["update", "-q", "default"]);
    hg(
        &repo,
        &["tag", "-r", "0", "-d", "2021-02-06 00:00:00 +0000", "v1"],
    );
    let first = hg(&repo, &["log", "-r", "0", "--template", "{node}"]);
    let second = hg(&repo, &["log", "-r", "1", "--template", "{node}"]);

    let r = repo.display();
    let clean = format!(
        "let strip = a: builtins.removeAttrs a [ \"outPath\" ] // {{ out = baseNameOf a.outPath; }}; in \
         builtins.mapAttrs (n: strip) {{ \
         head = builtins.fetchMercurial {r}; \
         feat = builtins.fetchMercurial {{ url = \"file://{r}\"; rev = \"feat\"; }}; \
         tag = builtins.fetchMercurial {{ url = {r}; rev = \"v1\"; }}; \
         byRev = builtins.fetchMercurial {{ url = \"{r}\"; rev = \"{second}\"; name = \"named\"; }}; \
         tree = builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; }}; \
         treeRef = builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; ref = \"feat\"; }}; \
         treeRev = builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; rev = \"{first}\"; revCount = 0; }}; \
         treeUrl = builtins.fetchTree \"hg+file://{r}?ref=v1\"; \
         }} // {{ files = builtins.readDir (builtins.fetchMercurial {r}); \
         link = builtins.readFile \"${{builtins.fetchMercurial {r}}}/l\"; }}"
    );
    let errors = [
        format!("builtins.fetchMercurial {{ url = {r}; rev = \"nope\"; }}"),
        format!("builtins.fetchMercurial {}", dir.path().display()),
        format!("builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; revCount = 7; }}"),
        format!("builtins.fetchTree {{ type = \"hg\"; url = \"{r}\"; }}"),
        format!("builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; ref = \"a b\"; }}"),
    ];
    let dirty = format!(
        "let m = builtins.fetchMercurial {r}; in {{ \
         inherit m; files = builtins.readDir m; \
         tree = builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; }}; }}"
    );

    let store = dir.path().join("store");
    let reference_cache = dir.path().join("nix-cache");
    let compare = |expr: &str| {
        let args: Vec<&OsStr> = vec![
            "--eval".as_ref(),
            "--strict".as_ref(),
            "-E".as_ref(),
            expr.as_ref(),
        ];
        let o = ours(&store, &args);
        let t = reference::command("nix-instantiate")
            .env("XDG_CACHE_HOME", &reference_cache)
            .args(&args)
            .output()
            .expect("run the reference");
        if let Some(d) = reference::difference(expr, &o, &t) {
            panic!("{d}");
        }
        t
    };
    for round in 0..2 {
        let t = compare(&clean);
        assert!(t.status.success(), "round {round}");
        for e in &errors {
            assert!(!compare(e).status.success());
        }
    }

    // Pure evaluation refuses what names no revision, and fetches what does.
    for e in [
        format!("builtins.fetchMercurial {r}"),
        format!("builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; ref = \"default\"; }}"),
        format!("builtins.fetchTree \"hg+file://{r}\""),
    ] {
        assert!(!compare_fetch(dir.path(), &e, true).status.success(), "{e}");
    }
    let locked =
        format!("builtins.fetchTree {{ type = \"hg\"; url = \"file://{r}\"; rev = \"{first}\"; }}");
    assert!(compare_fetch(dir.path(), &locked, true).status.success());

    std::fs::write(repo.join("f"), b"changed\n").expect("write");
    std::fs::write(repo.join("new"), b"new\n").expect("write");
    std::fs::write(repo.join("untracked"), b"u\n").expect("write");
    hg(&repo, &["add", "-q", "new"]);
    let t = compare(&dirty);
    assert!(
        String::from_utf8_lossy(&t.stderr).contains("is unclean"),
        "the dirty tree is reported"
    );
}

/// Local sources made for the fetcher cases below.
struct Sources {
    /// A directory ([`source_tree`]).
    src: String,
    /// A gzipped tarball of it.
    tar: String,
    /// A git repository (branch `main`) with two commits.
    repo: String,
    /// The first commit.
    first: String,
}

fn local_sources(root: &Path) -> Sources {
    let src = source_tree(root);
    let tar = root.join("t.tar.gz");
    let st = std::process::Command::new("tar")
        .arg("-C")
        .arg(root)
        .arg("-czf")
        .arg(&tar)
        .arg("src")
        .status()
        .expect("tar");
    assert!(st.success());
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("f"), b"one\n").expect("write");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "one"]);
    let first = std::process::Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git rev-parse");
    std::fs::write(repo.join("f"), b"two\n").expect("write");
    git(&repo, &["commit", "-qam", "two"]);
    Sources {
        src,
        tar: tar.display().to_string(),
        repo: repo.display().to_string(),
        first: String::from_utf8_lossy(&first.stdout).trim().to_owned(),
    }
}

/// `expr` evaluated by both programs (in pure evaluation if `pure`), with
/// their own stores and fetch caches under `root`: they must agree on
/// success, stdout and, for a failure, stderr. Returns the reference's
/// output.
fn compare_fetch(root: &Path, expr: &str, pure: bool) -> Output {
    let mut args: Vec<&OsStr> = vec!["--eval".as_ref(), "--strict".as_ref()];
    if pure {
        args.extend(["--option", "pure-eval", "true"].map(OsStr::new));
    }
    args.extend([OsStr::new("-E"), OsStr::new(expr)]);
    let o = ours(&root.join("store"), &args);
    let t = reference::command("nix-instantiate")
        .env("XDG_CACHE_HOME", root.join("nix-cache"))
        .args(&args)
        .output()
        .expect("run the reference");
    // FIXME: C++ Nix logs "unpacking 'URL' into the Git cache..." when it
    // unpacks a tarball; tvix-eval's observer has no channel for such
    // informational lines, so we print none and the line is not compared.
    let shown = |out: &Output| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            if out.status.success() {
                String::new()
            } else {
                stderr
                    .lines()
                    .filter(|l| {
                        !(l.starts_with("unpacking '") && l.ends_with("into the Git cache..."))
                    })
                    .map(|l| format!("{l}\n"))
                    .collect()
            },
        )
    };
    assert_eq!(shown(&o), shown(&t), "{expr} (pure: {pure})");
    // The same exit status too: 102 after a hash mismatch.
    assert_eq!(o.status.code(), t.status.code(), "{expr} (pure: {pure})");
    t
}

/// The reference's value of `expr`, a string.
fn reference_string(expr: &str) -> String {
    let out = stdout(
        "nix-instantiate --eval",
        theirs(
            "nix-instantiate",
            &["--eval".as_ref(), "-E".as_ref(), expr.as_ref()],
        ),
    );
    out.trim().trim_matches('"').to_owned()
}

#[test]
fn fetchers_refuse_unlocked_inputs_in_pure_mode_as_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let Sources {
        src,
        tar,
        repo,
        first,
    } = local_sources(root);
    let src_hash = reference_string(&format!(
        "(builtins.fetchTree {{ type = \"path\"; path = \"{src}\"; }}).narHash"
    ));
    let tar_hash = reference_string(&format!(
        "(builtins.fetchTree {{ type = \"tarball\"; url = \"file://{tar}\"; }}).narHash"
    ));
    let file_hash = reference_string(&format!("builtins.hashFile \"sha256\" {tar}"));
    // Unlocked: a path, tarball or file without `narHash`, a git input
    // without `rev` (shown with fetchTree's `shallow` and fetchGit's
    // `exportIgnore` defaults), fetchurl and fetchTarball without `sha256`.
    let refused = [
        format!("builtins.fetchTree {{ type = \"path\"; path = \"{src}\"; }}"),
        format!("builtins.fetchTree \"path:{src}\""),
        format!("builtins.fetchTree \"path:{src}?lastModified=5&rev=abc\""),
        format!("builtins.fetchTree {{ type = \"path\"; path = {src}; lastModified = 5; }}"),
        format!("builtins.fetchTree {{ type = \"tarball\"; url = \"file://{tar}\"; }}"),
        format!("builtins.fetchTree \"file://{tar}\""),
        format!("builtins.fetchTree \"tarball+file://{tar}\""),
        format!("builtins.fetchTree {{ type = \"file\"; url = \"file://{tar}\"; }}"),
        format!("builtins.fetchTree \"file+file://{tar}\""),
        format!("builtins.fetchTree {{ type = \"git\"; url = \"file://{repo}\"; }}"),
        format!("builtins.fetchTree \"git+file://{repo}\""),
        format!("builtins.fetchTree \"git+file://{repo}?ref=main&lastModified=5&a=b\""),
        format!(
            "builtins.fetchTree {{ type = \"git\"; url = \"file://{repo}\"; ref = \"main\"; exportIgnore = true; shallow = false; }}"
        ),
        format!("builtins.fetchGit {repo}"),
        format!("builtins.fetchGit \"{repo}\""),
        format!("builtins.fetchGit {{ url = \"{repo}\"; ref = \"main\"; }}"),
        format!("builtins.fetchGit {{ url = {repo}; exportIgnore = false; }}"),
        format!("builtins.fetchGit {{ url = {repo}; submodules = false; }}"),
        format!("builtins.fetchTarball file://{tar}"),
        format!("builtins.fetchTarball {{ url = \"file://{tar}\"; name = \"x\"; }}"),
        format!("builtins.fetchurl file://{tar}"),
        // getFlake locks as C++ Input::isLocked: a path by its NAR hash
        // only, a git input by its revision only.
        format!("builtins.getFlake \"path:{src}?rev=0000000000000000000000000000000000000000\""),
        format!("builtins.getFlake \"git+file://{repo}?narHash={src_hash}\""),
    ];
    // Locked: fetched as in impure evaluation.
    let fetched = [
        format!(
            "builtins.fetchTree {{ type = \"path\"; path = \"{src}\"; narHash = \"{src_hash}\"; }}"
        ),
        format!("builtins.fetchTree \"path:{src}?narHash={src_hash}\""),
        format!(
            "builtins.fetchTree {{ type = \"tarball\"; url = \"file://{tar}\"; narHash = \"{tar_hash}\"; }}"
        ),
        format!("builtins.fetchTree \"file://{tar}?narHash={tar_hash}\""),
        format!(
            "builtins.fetchTree {{ type = \"git\"; url = \"file://{repo}\"; rev = \"{first}\"; }}"
        ),
        format!("builtins.fetchTree \"git+file://{repo}?rev={first}&shallow=1\""),
        format!("builtins.fetchGit {{ url = {repo}; rev = \"{first}\"; }}"),
        format!("builtins.fetchTarball {{ url = \"file://{tar}\"; sha256 = \"{tar_hash}\"; }}"),
        format!("builtins.fetchurl {{ url = \"file://{tar}\"; sha256 = \"{file_hash}\"; }}"),
    ];
    for e in &refused {
        let t = compare_fetch(root, e, true);
        assert!(!t.status.success(), "{e}");
    }
    for e in &fetched {
        let t = compare_fetch(root, e, true);
        assert!(t.status.success(), "{e}");
    }
    // The cases show the messages meant.
    let t = compare_fetch(root, &refused[13], true);
    let stderr = String::from_utf8_lossy(&t.stderr);
    assert!(
        stderr.contains(&format!(
            "in pure evaluation mode, 'fetchGit' will not fetch unlocked input 'git+file://{repo}?exportIgnore=1'"
        )),
        "{stderr}"
    );
}

/// C++ Nix's `checkLocks` errors: a `narHash`, `lastModified` or `revCount`
/// given (as flake.lock records them) that the fetched tree does not have,
/// for git (fetchGit and fetchTree; clean, by `ref` and by `rev`), path,
/// tarball and file inputs: the same message under the same "while
/// fetching the input" frame, the inputs shown as C++ Nix shows them.
#[test]
fn fetchers_report_lock_mismatches_as_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let Sources {
        src,
        tar,
        repo,
        first,
    } = local_sources(root);
    let bad = format!("sha256-{}=", "A".repeat(43));
    let git_tree = |rest: &str| {
        format!("builtins.fetchTree {{ type = \"git\"; url = \"file://{repo}\"; {rest} }}")
    };
    let cases = [
        format!("builtins.fetchGit {{ url = {repo}; narHash = \"{bad}\"; }}"),
        format!("builtins.fetchGit {{ url = {repo}; revCount = 5; }}"),
        format!("builtins.fetchGit {{ url = {repo}; lastModified = 5; }}"),
        format!("builtins.fetchGit {{ url = {repo}; ref = \"main\"; lastModified = 5; }}"),
        format!("builtins.fetchGit {{ url = {repo}; rev = \"{first}\"; revCount = 5; }}"),
        format!("builtins.fetchGit {{ url = {repo}; rev = \"{first}\"; narHash = \"{bad}\"; }}"),
        git_tree(&format!("narHash = \"{bad}\";")),
        git_tree(&format!("exportIgnore = true; narHash = \"{bad}\";")),
        git_tree("ref = \"main\"; lastModified = 5;"),
        git_tree("revCount = 5; shallow = false;"),
        git_tree(&format!(
            "rev = \"{first}\"; revCount = 5; shallow = false;"
        )),
        git_tree(&format!("rev = \"{first}\"; lastModified = 5;")),
        format!("builtins.fetchTree {{ type = \"path\"; path = \"{src}\"; narHash = \"{bad}\"; }}"),
        format!("builtins.fetchTree \"path:{src}?narHash={bad}\""),
        format!(
            "builtins.fetchTree {{ type = \"tarball\"; url = \"file://{tar}\"; narHash = \"{bad}\"; }}"
        ),
        format!("builtins.fetchTree \"file://{tar}?narHash={bad}\""),
        format!(
            "builtins.fetchTree {{ type = \"file\"; url = \"file://{tar}\"; narHash = \"{bad}\"; }}"
        ),
    ];
    for e in &cases {
        let t = compare_fetch(root, e, false);
        let stderr = String::from_utf8_lossy(&t.stderr);
        assert!(
            !t.status.success() && stderr.contains("mismatch in input '"),
            "{e}: {stderr}"
        );
    }
}

/// `fetchTree` of git URL strings: the parameters C++ Nix takes as
/// attributes (`ref`, `rev`, `shallow`, `exportIgnore`) and those it leaves
/// in the URL, unused but shown (`narHash`, `revCount`, any other).
#[test]
fn fetch_tree_reads_git_url_parameters_as_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let Sources { repo, first, .. } = local_sources(root);
    let bad = format!("sha256-{}=", "A".repeat(43));
    let tree = |q: &str| format!("builtins.fetchTree \"git+file://{repo}?{q}\"");
    let fetched = [
        tree(&format!("narHash={bad}")),
        tree("ref=main&revCount=7"),
        tree(&format!("rev={first}")),
        tree(&format!("rev={first}&shallow=1")),
        tree(&format!("rev={first}&exportIgnore=1&x=y")),
    ];
    for e in &fetched {
        assert!(compare_fetch(root, e, false).status.success(), "{e}");
    }
    let e = format!(
        "builtins.fetchTree {{ type = \"git\"; url = \"file://{repo}?x=1\"; revCount = 9; }}"
    );
    let t = compare_fetch(root, &e, false);
    assert!(
        String::from_utf8_lossy(&t.stderr).contains("&shallow=1&x=1', expected 9"),
        "{}",
        String::from_utf8_lossy(&t.stderr)
    );
}

/// Git attributes in a fetched tree, as C++ Nix (libgit2) applies them:
/// `export-ignore` (on a file, in a subdirectory's `.gitattributes`, on a
/// directory) only with `exportIgnore` (fetchGit's default, not
/// fetchTree's), for a clean revision and for a dirty working tree;
/// `export-subst` never.
#[test]
fn git_export_attributes_apply_as_in_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let repo = root.join("repo");
    for d in ["sub", "gone", "keep"] {
        std::fs::create_dir_all(repo.join(d)).expect("mkdir");
    }
    for (f, text) in [
        ("a", "a\n"),
        ("x", "x\n"),
        ("s", "v=$Format:%H$\n"),
        ("sub/y", "y\n"),
        ("sub/z", "z\n"),
        ("gone/g", "g\n"),
        ("keep/k", "k\n"),
        (
            ".gitattributes",
            "x export-ignore\ns export-subst\ngone export-ignore\n",
        ),
        ("sub/.gitattributes", "y export-ignore\n"),
    ] {
        std::fs::write(repo.join(f), text).expect("write");
    }
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "one"]);
    let r = repo.display();
    let show = |call: &str| {
        format!(
            "let t = {call}; in {{ inherit (t) narHash; top = builtins.readDir t; \
             sub = builtins.readDir (t + \"/sub\"); s = builtins.readFile (t + \"/s\"); }}"
        )
    };
    let calls = [
        format!("builtins.fetchGit {r}"),
        format!("builtins.fetchGit {{ url = {r}; exportIgnore = false; }}"),
        format!("builtins.fetchTree {{ type = \"git\"; url = \"file://{r}\"; }}"),
        format!(
            "builtins.fetchTree {{ type = \"git\"; url = \"file://{r}\"; exportIgnore = true; }}"
        ),
    ];
    for dirty in [false, true] {
        if dirty {
            std::fs::write(repo.join("keep/k"), "changed\n").expect("write");
        }
        for c in &calls {
            let t = compare_fetch(root, &show(c), false);
            assert!(t.status.success(), "{c}");
        }
    }
    // The cases show what they are meant to.
    let t = compare_fetch(root, &show(&calls[0]), false);
    let out = String::from_utf8_lossy(&t.stdout);
    assert!(
        out.contains("s = \"v=$Format:%H$\\n\"") && !out.contains("gone"),
        "{out}"
    );
}
