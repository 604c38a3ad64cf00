//! NAR, against the reference: for random trees (odd names, symlinks,
//! executables, empty files and directories, deep nesting), our NAR equals
//! `nix-store --dump`, our hash equals `nix hash path`, our restore of the
//! reference NAR reproduces the tree, and our `nix nar ls -lR` / `--json -R`
//! renderings equal the reference's. A table of malformed NARs checks that we
//! reject exactly what `nix-store --restore` rejects, except for the listed,
//! documented deviations.

use std::{io::Write, path::Path};

use nix_compat::nar::{
    self,
    listing::{Listing, LsOptions},
};
use nix_compat::nixhash::{HashAlgo, HashFormat, Hasher};
use proptest::prelude::*;
use tvix_tests::{
    fstree::{self, FsTree},
    reference,
};

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Everything we check for one tree on disk.
fn check_tree(tree: &FsTree, root: &Path) -> Result<(), TestCaseError> {
    let ours = {
        let mut out = Vec::new();
        nar::fs::dump_path(root, &mut out).expect("we dump");
        out
    };
    let theirs = reference::run("nix-store", &["--dump", path_str(root)]);
    prop_assert!(ours == theirs, "NAR bytes differ from nix-store --dump");

    let mut hasher = Hasher::new(HashAlgo::Sha256);
    nar::fs::dump_path(root, &mut hasher).expect("we dump");
    let hash = hasher.finalize().format(HashFormat::Sri, true);
    let their_hash = reference::run("nix", &["hash", "path", path_str(root)]);
    prop_assert_eq!(format!("{hash}\n"), String::from_utf8_lossy(&their_hash));

    // Our restore of the reference NAR reproduces the tree.
    let tmp = tempfile::tempdir().expect("tempdir");
    let restored = tmp.path().join("restored");
    nar::fs::restore(theirs.as_slice(), &restored).expect("we restore");
    prop_assert_eq!(&FsTree::scan(&restored), tree);

    // Listings.
    let nar_file = tmp.path().join("x.nar");
    std::fs::write(&nar_file, &theirs).expect("write NAR");
    let listing = Listing::from_reader(theirs.as_slice()).expect("we list");
    let options = LsOptions {
        recursive: true,
        long: true,
        directory: false,
    };
    let text = nar::listing::render_text(&listing.root, b"/", options).expect("root");
    let their_text = reference::run("nix", &["nar", "ls", "-lR", path_str(&nar_file), "/"]);
    prop_assert!(text == their_text, "nix nar ls -lR differs");
    if tree.names_are_utf8() {
        let json = nar::listing::render_json(&listing.root, true).expect("UTF-8");
        let their_json = reference::run(
            "nix",
            &["nar", "ls", "--json", "-R", path_str(&nar_file), "/"],
        );
        prop_assert_eq!(format!("{json}\n"), String::from_utf8_lossy(&their_json));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_trees_match_the_reference(tree in fstree::tree()) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("root");
        tree.create(&root);
        check_tree(&tree, &root)?;
    }
}

#[test]
fn deep_nesting_matches_the_reference() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = fstree::deep_chain(60);
    let root = tmp.path().join("deep");
    tree.create(&root);
    assert_eq!(tree.node_count(), 61);
    check_tree(&tree, &root).expect("matches");
}

/// Encodes NAR tokens.
fn tokens(toks: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in toks {
        out.extend_from_slice(&(t.len() as u64).to_le_bytes());
        out.extend_from_slice(t);
        out.resize(out.len().next_multiple_of(8), 0);
    }
    out
}

fn nar_of(toks: &[&[u8]]) -> Vec<u8> {
    let mut all: Vec<&[u8]> = vec![b"nix-archive-1"];
    all.extend_from_slice(toks);
    tokens(&all)
}

fn dir_with(entries: &[(&[u8], &[&[u8]])]) -> Vec<u8> {
    let mut t: Vec<&[u8]> = vec![b"(", b"type", b"directory"];
    for (name, node) in entries {
        t.extend_from_slice(&[b"entry", b"(", b"name", name, b"node"]);
        t.extend_from_slice(node);
        t.push(b")");
    }
    t.push(b")");
    nar_of(&t)
}

const FILE: &[&[u8]] = &[b"(", b"type", b"regular", b"contents", b"x", b")"];

/// How C++ Nix 2.26 and we treat a crafted archive, when we differ on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Both accept or both reject.
    Same,
    /// C++ Nix accepts, we reject (see docs/src/nix-compat/nar.md).
    CppAcceptsWeReject,
}

fn malformed_cases() -> Vec<(&'static str, Vec<u8>, Expect)> {
    use Expect::*;
    let long_name = vec![b'n'; 300];
    let max_name = vec![b'n'; 255];
    let long_target = vec![b't'; 5000];
    let max_target = vec![b't'; 4095];
    let mut cases: Vec<(&'static str, Vec<u8>, Expect)> = vec![
        ("valid file", nar_of(FILE), Same),
        (
            "valid empty file",
            nar_of(&[b"(", b"type", b"regular", b"contents", b"", b")"]),
            Same,
        ),
        (
            "valid executable",
            nar_of(&[
                b"(",
                b"type",
                b"regular",
                b"executable",
                b"",
                b"contents",
                b"#!",
                b")",
            ]),
            Same,
        ),
        (
            "valid symlink",
            nar_of(&[b"(", b"type", b"symlink", b"target", b"/x", b")"]),
            Same,
        ),
        ("valid empty dir", dir_with(&[]), Same),
        (
            "valid case order B < a",
            dir_with(&[(b"B", FILE), (b"a", FILE)]),
            Same,
        ),
        ("valid 255-byte name", dir_with(&[(&max_name, FILE)]), Same),
        (
            "valid 4095-byte target",
            nar_of(&[b"(", b"type", b"symlink", b"target", &max_target, b")"]),
            Same,
        ),
        ("empty input", Vec::new(), Same),
        ("bad magic", tokens(&[b"nix-archive-2", b"("]), Same),
        ("long magic", tokens(&[b"nix-archive-1x"]), Same),
        ("huge magic length", u64::MAX.to_le_bytes().to_vec(), Same),
        ("only magic", nar_of(&[]), Same),
        ("missing (", nar_of(&[b"type", b"regular"]), Same),
        ("missing type", nar_of(&[b"(", b"regular"]), Same),
        (
            "unknown type",
            nar_of(&[b"(", b"type", b"fifo", b")"]),
            Same,
        ),
        (
            "executable marker value",
            nar_of(&[
                b"(",
                b"type",
                b"regular",
                b"executable",
                b"1",
                b"contents",
                b"",
                b")",
            ]),
            Same,
        ),
        (
            "executable after contents",
            nar_of(&[
                b"(",
                b"type",
                b"regular",
                b"contents",
                b"x",
                b"executable",
                b"",
                b")",
            ]),
            Same,
        ),
        (
            "huge contents length",
            {
                let mut n = nar_of(&[b"(", b"type", b"regular", b"contents"]);
                n.extend_from_slice(&(1u64 << 62).to_le_bytes());
                n
            },
            Same,
        ),
        (
            "truncated contents",
            {
                let mut n = nar_of(FILE);
                n.truncate(100);
                n
            },
            Same,
        ),
        (
            "non-zero contents padding",
            {
                let mut n = nar_of(FILE);
                n[100] = 1;
                n
            },
            Same,
        ),
        (
            "non-zero tag padding",
            {
                let mut n = nar_of(FILE);
                n[33] = 1;
                n
            },
            Same,
        ),
        (
            "missing )",
            nar_of(&[b"(", b"type", b"regular", b"contents", b"x"]),
            Same,
        ),
        (
            "symlink without target tag",
            nar_of(&[b"(", b"type", b"symlink", b"x", b")"]),
            Same,
        ),
        (
            "empty symlink target",
            nar_of(&[b"(", b"type", b"symlink", b"target", b"", b")"]),
            Same,
        ),
        (
            "5000-byte symlink target",
            nar_of(&[b"(", b"type", b"symlink", b"target", &long_target, b")"]),
            Same,
        ),
        (
            "dir junk",
            nar_of(&[b"(", b"type", b"directory", b"junk"]),
            Same,
        ),
        ("dir unclosed", nar_of(&[b"(", b"type", b"directory"]), Same),
        ("empty name", dir_with(&[(b"", FILE)]), Same),
        ("name .", dir_with(&[(b".", FILE)]), Same),
        ("name ..", dir_with(&[(b"..", FILE)]), Same),
        ("name a/b", dir_with(&[(b"a/b", FILE)]), Same),
        ("name /", dir_with(&[(b"/", FILE)]), Same),
        ("name with NUL", dir_with(&[(b"a\0", FILE)]), Same),
        ("300-byte name", dir_with(&[(&long_name, FILE)]), Same),
        ("duplicate", dir_with(&[(b"a", FILE), (b"a", FILE)]), Same),
        ("unsorted", dir_with(&[(b"b", FILE), (b"a", FILE)]), Same),
        (
            "case unsorted a > B",
            dir_with(&[(b"a", FILE), (b"B", FILE)]),
            Same,
        ),
        (
            "entry without (",
            nar_of(&[b"(", b"type", b"directory", b"entry", b"name"]),
            Same,
        ),
        (
            "entry without node",
            nar_of(&[
                b"(",
                b"type",
                b"directory",
                b"entry",
                b"(",
                b"name",
                b"a",
                b"(",
            ]),
            Same,
        ),
        (
            "nested unsorted",
            dir_with(&[(
                b"d",
                &[
                    b"(",
                    b"type",
                    b"directory",
                    b"entry",
                    b"(",
                    b"name",
                    b"b",
                    b"node",
                    b"(",
                    b"type",
                    b"symlink",
                    b"target",
                    b"x",
                    b")",
                    b")",
                    b"entry",
                    b"(",
                    b"name",
                    b"a",
                    b"node",
                    b"(",
                    b"type",
                    b"symlink",
                    b"target",
                    b"x",
                    b")",
                    b")",
                    b")",
                ],
            )]),
            Same,
        ),
        (
            "trailing garbage",
            {
                let mut n = nar_of(FILE);
                n.extend_from_slice(b"garbage");
                n
            },
            Same,
        ),
        // C++ Nix 2.26 skips any string where `contents` should be, making an
        // empty file; its manual's grammar requires `contents`.
        (
            "no contents, junk tag",
            nar_of(&[b"(", b"type", b"regular", b"foo", b")"]),
            CppAcceptsWeReject,
        ),
        (
            "no contents, two )",
            nar_of(&[b"(", b"type", b"regular", b")", b")"]),
            CppAcceptsWeReject,
        ),
        (
            "executable, no contents",
            nar_of(&[b"(", b"type", b"regular", b"executable", b"", b"foo", b")"]),
            CppAcceptsWeReject,
        ),
        // C++ Nix 2.26 cuts the target at the NUL and restores "a".
        (
            "NUL in symlink target",
            nar_of(&[b"(", b"type", b"symlink", b"target", b"a\0b", b")"]),
            CppAcceptsWeReject,
        ),
    ];
    // A NAR cut at every token boundary of a small directory.
    let full = dir_with(&[
        (b"a", FILE),
        (b"b", &[b"(", b"type", b"symlink", b"target", b"t", b")"]),
    ]);
    for cut in (0..full.len()).step_by(8) {
        cases.push(("truncated directory", full[..cut].to_vec(), Same));
    }
    cases
}

#[test]
fn malformed_nars_are_rejected_exactly_when_the_reference_rejects() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut mismatches = Vec::new();
    for (i, (name, input, expect)) in malformed_cases().into_iter().enumerate() {
        let cpp_dest = tmp.path().join(format!("cpp{i}"));
        let mut child = reference::command("nix-store")
            .args(["--restore", path_str(&cpp_dest)])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs nix-store");
        let mut stdin = child.stdin.take().expect("piped");
        let data = input.clone();
        let feeder = std::thread::spawn(move || stdin.write_all(&data));
        let out = child.wait_with_output().expect("nix-store exits");
        let _ = feeder.join();
        let cpp_ok = out.status.success();

        let our_dest = tmp.path().join(format!("ours{i}"));
        let ours = nar::fs::restore(input.as_slice(), &our_dest);
        let ours_ok = ours.is_ok();

        let expected_ours = match expect {
            Expect::Same => cpp_ok,
            Expect::CppAcceptsWeReject => {
                if !cpp_ok {
                    mismatches.push(format!("{name}: the reference no longer accepts it"));
                }
                false
            }
        };
        if ours_ok != expected_ours {
            mismatches.push(format!(
                "{name}: reference {} ({}), we {} ({:?})",
                if cpp_ok { "accepts" } else { "rejects" },
                String::from_utf8_lossy(&out.stderr).trim(),
                if ours_ok { "accept" } else { "reject" },
                ours.err().map(|e| e.to_string()),
            ));
        }
        if cpp_ok && ours_ok {
            assert_eq!(
                FsTree::scan(&our_dest),
                FsTree::scan(&cpp_dest),
                "{name}: restored trees differ"
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
