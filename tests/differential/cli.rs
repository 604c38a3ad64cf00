//! The `tvix-store` binary against the reference's commands, on random trees:
//! `nar dump-path` against `nix-store --dump`, `hash path` in several formats
//! against `nix hash path`, `nar ls` against `nix nar ls`, `nar cat` against
//! `nix nar cat`, and `nar restore` of the reference's NAR. The library
//! functions underneath have their own differential tests (`nar.rs`); this
//! checks the program: arguments, output bytes, exit codes.

use std::{
    path::Path,
    process::{Output, Stdio},
};

use proptest::prelude::*;
use tvix_tests::{
    fstree::{self, FsTree},
    our_binary, reference,
};

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Runs `tvix-store` with `args`; stdin from `stdin` if given.
fn tvix_store(args: &[&str], stdin: Option<&Path>) -> Output {
    let mut cmd = our_binary("tvix-store");
    cmd.args(args).env_remove("RUST_LOG");
    if let Some(path) = stdin {
        cmd.stdin(Stdio::from(std::fs::File::open(path).expect("open stdin")));
    }
    cmd.output().expect("tvix-store runs")
}

/// Runs a reference tool, returning its whole output (even on failure).
fn theirs(tool: &str, args: &[&str]) -> Output {
    reference::command(tool)
        .args(args)
        .output()
        .expect("reference runs")
}

/// Same exit status and stdout; on failure, both print an `error:` line.
fn same(ours: &Output, theirs: &Output, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        ours.status.success(),
        theirs.status.success(),
        "{}: exit status differs; ours: {}; theirs: {}",
        what,
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&theirs.stderr)
    );
    prop_assert!(ours.stdout == theirs.stdout, "{}: stdout differs", what);
    if !ours.status.success() {
        prop_assert!(
            String::from_utf8_lossy(&ours.stderr).starts_with("error: "),
            "{}: {}",
            what,
            String::from_utf8_lossy(&ours.stderr)
        );
    }
    Ok(())
}

/// The first regular file in `tree`, as a path inside the NAR.
fn some_file(tree: &FsTree, prefix: &mut Vec<u8>) -> Option<Vec<u8>> {
    match tree {
        FsTree::File { .. } => Some(prefix.clone()),
        FsTree::Symlink(_) => None,
        FsTree::Dir(entries) => entries.iter().find_map(|(name, child)| {
            let len = prefix.len();
            prefix.push(b'/');
            prefix.extend_from_slice(name);
            let found = some_file(child, prefix);
            prefix.truncate(len);
            found
        }),
    }
}

fn check(tree: &FsTree, dir: &Path) -> Result<(), TestCaseError> {
    let root = dir.join("root");
    tree.create(&root);
    let nar = dir.join("root.nar");

    let ours = tvix_store(&["nar", "dump-path", s(&root)], None);
    let reference = theirs("nix-store", &["--dump", s(&root)]);
    same(&ours, &reference, "nar dump-path")?;
    std::fs::write(&nar, &reference.stdout).expect("write NAR");

    for format in [
        &["--sri"][..],
        &["--base32", "--type", "sha1"],
        &["--base16", "--type", "sha512"],
    ] {
        let mut args = vec!["hash", "path"];
        args.extend_from_slice(format);
        args.push(s(&root));
        same(&tvix_store(&args, None), &theirs("nix", &args), "hash path")?;
    }

    for flags in [
        &["-lR"][..],
        &["-R"],
        &["-d"],
        &["--json", "-R"],
        &["--json"],
    ] {
        if flags.contains(&"--json") && !tree.names_are_utf8() {
            continue;
        }
        let mut args = vec!["nar", "ls"];
        args.extend_from_slice(flags);
        args.extend([s(&nar), "/"]);
        same(&tvix_store(&args, None), &theirs("nix", &args), "nar ls")?;
    }

    let file = some_file(tree, &mut Vec::new());
    if let Some(file) = file.as_deref().and_then(|f| std::str::from_utf8(f).ok()) {
        let args = [
            "nar",
            "cat",
            s(&nar),
            if file.is_empty() { "/" } else { file },
        ];
        same(&tvix_store(&args, None), &theirs("nix", &args), "nar cat")?;
    }

    let restored = dir.join("restored");
    let out = tvix_store(&["nar", "restore", s(&restored)], Some(&nar));
    prop_assert!(
        out.status.success(),
        "nar restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    prop_assert_eq!(&FsTree::scan(&restored), tree);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 50,
        ..ProptestConfig::default()
    })]

    #[test]
    fn tvix_store_agrees_with_the_reference(tree in fstree::tree()) {
        let tmp = tempfile::tempdir().expect("tempdir");
        check(&tree, tmp.path())?;
    }
}
