//! Tests of NAR listings against what C++ Nix 2.26 prints for the golden
//! `listing.nar` (see `../tests/golden/regenerate.sh`): `nix nar ls` text and
//! JSON, the `.ls` file `nix copy` writes, and `nix nar cat`.

use std::io::Cursor;

use rstest::rstest;

use super::{
    CatError, Listing, ListingEntry, LookupError, LsOptions, cat, cat_stream, render_text,
};

const NAR: &[u8] = include_bytes!("../tests/golden/listing.nar");

fn listing() -> Listing {
    Listing::from_reader(NAR).expect("valid NAR")
}

const fn opts(recursive: bool, long: bool, directory: bool) -> LsOptions {
    LsOptions {
        recursive,
        long,
        directory,
    }
}

#[rstest]
#[case::root("/", opts(false, false, false), include_bytes!("../tests/golden/listing/root.txt"))]
#[case::root_recursive("/", opts(true, false, false), include_bytes!("../tests/golden/listing/root-R.txt"))]
#[case::root_long("/", opts(false, true, false), include_bytes!("../tests/golden/listing/root-l.txt"))]
#[case::root_long_recursive("/", opts(true, true, false), include_bytes!("../tests/golden/listing/root-lR.txt"))]
#[case::root_directory("/", opts(false, false, true), include_bytes!("../tests/golden/listing/root-d.txt"))]
#[case::sub("/sub", opts(false, false, false), include_bytes!("../tests/golden/listing/sub.txt"))]
#[case::sub_long_directory("/sub", opts(false, true, true), include_bytes!("../tests/golden/listing/sub-ld.txt"))]
#[case::relative_recursive("sub", opts(true, false, false), include_bytes!("../tests/golden/listing/sub-R-relative.txt"))]
#[case::dotdot("/sub/../a.txt", opts(false, false, false), include_bytes!("../tests/golden/listing/dotdot.txt"))]
#[case::file_long("/run.sh", opts(false, true, false), include_bytes!("../tests/golden/listing/file-l.txt"))]
#[case::link_long("/link", opts(false, true, false), include_bytes!("../tests/golden/listing/link-l.txt"))]
fn text_matches_cpp(#[case] path: &str, #[case] options: LsOptions, #[case] expected: &[u8]) {
    let got = render_text(&listing().root, path.as_bytes(), options).expect("path exists");
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

#[test]
fn root_file_is_shown_with_an_empty_name() {
    let nar = include_bytes!("../tests/golden/helloworld.nar");
    let root = Listing::from_reader(&nar[..]).expect("valid").root;
    assert_eq!(
        render_text(&root, b"/", opts(false, true, false)).expect("root"),
        format!("-r--r--r-- {:>20} \n", 12).as_bytes()
    );
    assert_eq!(
        render_text(&root, b"", opts(false, false, false)).expect("root"),
        b"\n"
    );
}

#[test]
fn lookup_follows_cpp_canonicalisation() {
    let root = listing().root;
    for path in ["", "/", ".", "..", "/..", "//sub//..//"] {
        assert!(
            matches!(
                root.lookup(path.as_bytes()),
                Ok(ListingEntry::Directory { .. })
            ),
            "{path}"
        );
    }
    assert_eq!(
        root.lookup(b"/sub/deep/f").expect("exists"),
        &ListingEntry::Regular {
            size: 4,
            executable: false,
            nar_offset: 1864
        }
    );
    // Not found; symlinks are not followed; files have no children.
    for (path, canonical) in [
        ("/nope", "/nope"),
        ("/link/x", "/link/x"),
        ("/a.txt/x", "/a.txt/x"),
        ("sub/./nope/..//y", "/sub/y"),
    ] {
        assert_eq!(
            root.lookup(path.as_bytes()),
            Err(LookupError::NotFound {
                path: canonical.into()
            }),
            "{path}"
        );
    }
    assert_eq!(
        render_text(&root, b"/nope", LsOptions::default())
            .expect_err("missing")
            .to_string(),
        "path '/nope' does not exist"
    );
}

#[test]
fn cat_matches_cpp() {
    let expected = include_bytes!("../tests/golden/listing/cat-sub-deep-f.txt");
    let mut out = Vec::new();
    assert_eq!(
        cat(Cursor::new(NAR), b"/sub/deep/f", &mut out).expect("file"),
        4
    );
    assert_eq!(out, expected);
    let mut out = Vec::new();
    assert_eq!(cat_stream(NAR, b"sub/deep/f", &mut out).expect("file"), 4);
    assert_eq!(out, expected);

    // The NAR may start anywhere in a seekable input.
    let mut shifted = b"prefix".to_vec();
    shifted.extend_from_slice(NAR);
    let mut input = Cursor::new(shifted);
    input.set_position(6);
    let mut out = Vec::new();
    cat(input, b"/a.txt", &mut out).expect("file");
    assert_eq!(out, b"hello");

    for path in ["/sub", "/link", ""] {
        let err = cat(Cursor::new(NAR), path.as_bytes(), &mut Vec::new()).expect_err("not a file");
        assert_eq!(
            err.to_string(),
            format!("path '{path}' is not a regular file")
        );
        let err = cat_stream(NAR, path.as_bytes(), &mut Vec::new()).expect_err("not a file");
        assert!(matches!(err, CatError::NotARegularFile { .. }), "{err}");
    }
    let err = cat_stream(NAR, b"/nope", &mut Vec::new()).expect_err("missing");
    assert!(matches!(err, CatError::Lookup(_)), "{err}");
}

#[test]
fn damaged_archives_fail_even_after_the_path() {
    let mut damaged = NAR.to_vec();
    let at = damaged.len() - 16;
    damaged[at] = b'X';
    let err = cat(Cursor::new(&damaged), b"/a.txt", &mut Vec::new()).expect_err("damaged");
    assert!(matches!(err, CatError::Nar(_)), "{err}");
    let err = cat_stream(damaged.as_slice(), b"/a.txt", &mut Vec::new()).expect_err("damaged");
    assert!(matches!(err, CatError::Nar(_)), "{err}");
    assert!(Listing::from_reader(damaged.as_slice()).is_err());
}

#[cfg(feature = "serde")]
mod json {
    use rstest::rstest;

    use super::{Listing, listing};
    use crate::nar::listing::render_json;

    #[rstest]
    #[case::root("/", false, include_str!("../tests/golden/listing/root-json.txt"))]
    #[case::root_recursive("/", true, include_str!("../tests/golden/listing/root-json-R.txt"))]
    #[case::sub("/sub", false, include_str!("../tests/golden/listing/sub-json.txt"))]
    #[case::file("/empty", false, include_str!("../tests/golden/listing/file-json.txt"))]
    #[case::link("/link", false, include_str!("../tests/golden/listing/link-json.txt"))]
    fn matches_cpp(#[case] path: &str, #[case] recursive: bool, #[case] expected: &str) {
        let root = listing().root;
        let entry = root.lookup(path.as_bytes()).expect("exists");
        let got = render_json(entry, recursive).expect("UTF-8 names");
        // `nix nar ls` prints a newline after the JSON.
        assert_eq!(format!("{got}\n"), expected);
    }

    #[test]
    fn ls_file_round_trips() {
        let expected = include_str!("../tests/golden/listing/listing.ls");
        let ours = listing();
        assert_eq!(serde_json::to_string(&ours).expect("UTF-8"), expected);
        let parsed: Listing = serde_json::from_str(expected).expect("parses");
        assert_eq!(parsed, ours);
    }

    #[test]
    fn non_utf8_names_fail_like_cpp() {
        // `nix nar ls --json` of a NAR with a file named "\xff" fails with
        // "[json.exception.type_error.316] invalid UTF-8 byte at index 0: 0xFF".
        let nar = crate::nar::tests::write_tree(&crate::nar::tests::Tree::Dir(vec![(
            b"a\xff".to_vec(),
            crate::nar::tests::Tree::Symlink(b"t".to_vec()),
        )]))
        .expect("writes");
        let root = Listing::from_reader(nar.as_slice()).expect("valid").root;
        let err = render_json(&root, false).expect_err("not UTF-8");
        assert_eq!(err.to_string(), "invalid UTF-8 byte at index 1: 0xFF");
    }

    #[test]
    fn parsing_checks_names_and_version() {
        for bad in [
            r#"{"root":{"type":"directory","entries":{"..":{"type":"symlink","target":"x"}}},"version":1}"#,
            r#"{"root":{"type":"directory","entries":{"a/b":{"type":"symlink","target":"x"}}}}"#,
            r#"{"root":{"type":"symlink","target":"x"},"version":2}"#,
            r#"{"root":{"type":"fifo"},"version":1}"#,
            r#"{"root":{"type":"regular"},"version":1}"#,
        ] {
            assert!(serde_json::from_str::<Listing>(bad).is_err(), "{bad}");
        }
        let ok: Listing =
            serde_json::from_str(r#"{"root":{"type":"regular","size":3}}"#).expect("lenient");
        assert_eq!(
            ok.root,
            crate::nar::listing::ListingEntry::Regular {
                size: 3,
                executable: false,
                nar_offset: 0
            }
        );
    }
}
