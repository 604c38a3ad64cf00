//! Tests of the sync NAR reader: golden archives from C++ Nix, every
//! malformation C++ Nix rejects (and the ones we reject beyond it), error
//! positions, skipping, byte-at-a-time input and never reading past the end.

use std::io::{BufRead, BufReader, Read};

use rstest::rstest;

use super::{ErrorKind, Node, Reader, open};
use crate::nar::tests::{Tree, read_tree, tokens, write_tree};

const HELLOWORLD: &[u8] = include_bytes!("../tests/golden/helloworld.nar");
const EXECUTABLE: &[u8] = include_bytes!("../tests/golden/executable.nar");
const EMPTY_FILE: &[u8] = include_bytes!("../tests/golden/empty-file.nar");
const SYMLINK: &[u8] = include_bytes!("../tests/golden/symlink.nar");
const EMPTY_DIR: &[u8] = include_bytes!("../tests/golden/empty-dir.nar");
const COMPLICATED: &[u8] = include_bytes!("../tests/golden/complicated.nar");
const SORTED: &[u8] = include_bytes!("../tests/golden/sorted.nar");

fn file(executable: bool, contents: &[u8]) -> Tree {
    Tree::File {
        executable,
        contents: contents.to_vec(),
    }
}

fn dir(entries: &[(&[u8], Tree)]) -> Tree {
    Tree::Dir(
        entries
            .iter()
            .map(|(n, t)| (n.to_vec(), t.clone()))
            .collect(),
    )
}

fn golden_trees() -> Vec<(&'static str, &'static [u8], Tree)> {
    let somewhere = Tree::Symlink(b"/nix/store/somewhereelse".to_vec());
    vec![
        ("helloworld", HELLOWORLD, file(false, b"Hello World!")),
        (
            "executable",
            EXECUTABLE,
            file(true, b"#!/bin/sh\necho hi\n"),
        ),
        ("empty-file", EMPTY_FILE, file(false, b"")),
        ("symlink", SYMLINK, somewhere.clone()),
        ("empty-dir", EMPTY_DIR, dir(&[])),
        (
            "complicated",
            COMPLICATED,
            dir(&[
                (b".keep", file(false, b"")),
                (b"aa", somewhere),
                (b"keep", dir(&[(b".keep", file(false, b""))])),
            ]),
        ),
        (
            "sorted",
            SORTED,
            dir(&[
                (b".x", file(false, b".x")),
                (b"B", file(false, b"B")),
                (b"a", file(true, b"a")),
                (b"b", file(false, b"b")),
                (b"sp ace", file(false, b"sp ace")),
                ("ü".as_bytes(), file(false, "ü".as_bytes())),
            ]),
        ),
    ]
}

#[test]
fn golden_archives_read_and_write_back() {
    for (name, nar, expected) in golden_trees() {
        let (tree, len) = read_tree(nar).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(tree, expected, "{name}");
        assert_eq!(len, nar.len() as u64, "{name}");
        assert_eq!(write_tree(&tree).expect("writes"), nar, "{name}");
    }
}

#[test]
fn golden_archives_read_one_byte_at_a_time() {
    for (name, nar, expected) in golden_trees() {
        let mut r = Reader::new(BufReader::with_capacity(1, nar));
        let tree = crate::nar::tests::read_node(r.root().expect("root")).expect("reads");
        assert_eq!(tree, expected, "{name}");
        assert_eq!(r.finish().expect("finishes"), nar.len() as u64);
    }
}

/// Builds a NAR from tokens after the magic.
fn nar(toks: &[&[u8]]) -> Vec<u8> {
    let mut all: Vec<&[u8]> = vec![b"nix-archive-1"];
    all.extend_from_slice(toks);
    tokens(&all)
}

fn entry<'a>(name: &'a [u8], node: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let mut t: Vec<&[u8]> = vec![b"entry", b"(", b"name", name, b"node"];
    t.extend_from_slice(node);
    t.push(b")");
    t
}

const EMPTY_REGULAR: &[&[u8]] = &[b"(", b"type", b"regular", b"contents", b"", b")"];

fn dir_of(entries: &[Vec<&'static [u8]>]) -> Vec<u8> {
    let mut t: Vec<&[u8]> = vec![b"(", b"type", b"directory"];
    for e in entries {
        t.extend_from_slice(e);
    }
    t.push(b")");
    nar(&t)
}

/// Reads `nar` fully and returns the error's message, or "ok".
fn outcome(nar: &[u8]) -> String {
    match read_tree(nar) {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

#[rstest]
#[case::empty_input(b"".to_vec(), "unexpected end-of-file at byte 0 (path '/')")]
#[case::short_length(b"\x0d\0\0".to_vec(), "unexpected end-of-file at byte 3 (path '/')")]
#[case::wrong_magic(tokens(&[b"nix-archive-2"]), "bad archive: input doesn't look like a Nix archive at byte 0 (path '/')")]
#[case::long_magic(tokens(&[b"nix-archive-1-and-more"]), "bad archive: input doesn't look like a Nix archive at byte 0 (path '/')")]
#[case::huge_magic_length(u64::MAX.to_le_bytes().to_vec(), "bad archive: input doesn't look like a Nix archive at byte 0 (path '/')")]
#[case::only_magic(nar(&[]), "unexpected end-of-file at byte 24 (path '/')")]
#[case::no_open(nar(&[b"type"]), "bad archive: expected tag '(', got 'type' at byte 24 (path '/')")]
#[case::no_type(nar(&[b"(", b"regular"]), "bad archive: expected tag 'type', got 'regular' at byte 40 (path '/')")]
#[case::unknown_type(nar(&[b"(", b"type", b"fifo", b")"]), "bad archive: unknown file type 'fifo' at byte 56 (path '/')")]
#[case::long_type(nar(&[b"(", b"type", &[b'x'; 100]]), "bad archive: unknown file type a string of 100 bytes at byte 56 (path '/')")]
#[case::exe_value(nar(&[b"(", b"type", b"regular", b"executable", b"1", b"contents", b"", b")"]), "bad archive: executable marker has non-empty value at byte 96 (path '/')")]
#[case::exe_after_contents(nar(&[b"(", b"type", b"regular", b"contents", b"hi", b"executable", b"", b")"]), "bad archive: expected tag ')', got 'executable' at byte 104 (path '/')")]
#[case::no_contents(nar(&[b"(", b"type", b"regular", b")"]), "bad archive: expected tag 'executable' or 'contents', got ')' at byte 72 (path '/')")]
#[case::no_contents_junk(nar(&[b"(", b"type", b"regular", b"foo", b")"]), "bad archive: expected tag 'executable' or 'contents', got 'foo' at byte 72 (path '/')")]
#[case::exe_no_contents(nar(&[b"(", b"type", b"regular", b"executable", b"", b")"]), "bad archive: expected tag 'contents', got ')' at byte 104 (path '/')")]
#[case::exe_twice(nar(&[b"(", b"type", b"regular", b"executable", b"", b"executable", b"", b"contents", b"", b")"]), "bad archive: expected tag 'contents', got 'executable' at byte 104 (path '/')")]
#[case::contents_truncated({ let mut n = nar(&[b"(", b"type", b"regular", b"contents", b"hello", b")"]); n.truncate(110); n }, "unexpected end-of-file at byte 110 (path '/')")]
#[case::huge_contents({ let mut n = nar(&[b"(", b"type", b"regular", b"contents"]); n.extend_from_slice(&(1u64 << 63).to_le_bytes()); n }, "unexpected end-of-file at byte 96 (path '/')")]
#[case::nonzero_padding({ let mut n = nar(&[b"(", b"type", b"regular", b"contents", b"hi", b")"]); n[100] = 1; n }, "non-zero padding at byte 100 (path '/')")]
#[case::nonzero_tag_padding({ let mut n = nar(&[b"(", b"type", b"regular", b"contents", b"hi", b")"]); n[33] = 1; n }, "non-zero padding at byte 33 (path '/')")]
#[case::missing_close(nar(&[b"(", b"type", b"regular", b"contents", b"hi"]), "unexpected end-of-file at byte 104 (path '/')")]
#[case::symlink_no_target_tag(nar(&[b"(", b"type", b"symlink", b"x", b")"]), "bad archive: expected tag 'target', got 'x' at byte 72 (path '/')")]
#[case::symlink_extra(nar(&[b"(", b"type", b"symlink", b"target", b"x", b"x", b")"]), "bad archive: expected tag ')', got 'x' at byte 104 (path '/')")]
#[case::symlink_too_long(nar(&[b"(", b"type", b"symlink", b"target", &[b'x'; 4097], b")"]), "bad archive: symlink target of 4097 bytes is longer than the maximum of 4096 at byte 88 (path '/')")]
#[case::dir_junk(nar(&[b"(", b"type", b"directory", b"junk"]), "bad archive: expected tag 'entry' or ')', got 'junk' at byte 80 (path '/')")]
#[case::dir_unclosed(nar(&[b"(", b"type", b"directory"]), "unexpected end-of-file at byte 80 (path '/')")]
#[case::entry_no_open(nar(&[b"(", b"type", b"directory", b"entry", b"name"]), "bad archive: expected tag '(', got 'name' at byte 96 (path '/')")]
#[case::entry_no_name(nar(&[b"(", b"type", b"directory", b"entry", b"(", b"node"]), "bad archive: expected tag 'name', got 'node' at byte 112 (path '/')")]
#[case::entry_no_node(nar(&[b"(", b"type", b"directory", b"entry", b"(", b"name", b"a", b"(" ]), "bad archive: expected tag 'node', got '(' at byte 144 (path '/a')")]
#[case::empty_name(dir_of(&[entry(b"", EMPTY_REGULAR)]), "bad archive: NAR contains invalid file name '' (empty) at byte 128 (path '/')")]
#[case::dot(dir_of(&[entry(b".", EMPTY_REGULAR)]), "bad archive: NAR contains invalid file name '.' ('.' is not allowed) at byte 128 (path '/')")]
#[case::dotdot(dir_of(&[entry(b"..", EMPTY_REGULAR)]), "bad archive: NAR contains invalid file name '..' ('..' is not allowed) at byte 128 (path '/')")]
#[case::slash(dir_of(&[entry(b"a/b", EMPTY_REGULAR)]), "bad archive: NAR contains invalid file name 'a/b' (contains '/') at byte 128 (path '/')")]
#[case::nul(dir_of(&[entry(b"a\0b", EMPTY_REGULAR)]), "bad archive: NAR contains invalid file name 'a\0b' (contains a NUL byte) at byte 128 (path '/')")]
#[case::name_too_long(dir_of(&[entry(&[b'n'; 4097], EMPTY_REGULAR)]), "bad archive: file name of 4097 bytes is longer than the maximum of 4096 at byte 128 (path '/')")]
#[case::duplicate(dir_of(&[entry(b"a", EMPTY_REGULAR), entry(b"a", EMPTY_REGULAR)]), "bad archive: NAR directory is not sorted ('a' after 'a') at byte 312 (path '/')")]
#[case::unsorted(dir_of(&[entry(b"b", EMPTY_REGULAR), entry(b"a", EMPTY_REGULAR)]), "bad archive: NAR directory is not sorted ('a' after 'b') at byte 312 (path '/')")]
#[case::case_order_wrong(dir_of(&[entry(b"a", EMPTY_REGULAR), entry(b"B", EMPTY_REGULAR)]), "bad archive: NAR directory is not sorted ('B' after 'a') at byte 312 (path '/')")]
#[case::case_order_right(dir_of(&[entry(b"B", EMPTY_REGULAR), entry(b"a", EMPTY_REGULAR)]), "ok")]
#[case::prefix_order(dir_of(&[entry(b"a", EMPTY_REGULAR), entry(b"a\x01", EMPTY_REGULAR)]), "ok")]
#[case::high_bytes_sort_last(dir_of(&[entry(b"z", EMPTY_REGULAR), entry(b"\xff", EMPTY_REGULAR)]), "ok")]
#[case::entry_unclosed(nar(&[b"(", b"type", b"directory", b"entry", b"(", b"name", b"a", b"node", b"(", b"type", b"regular", b"contents", b"", b")", b")"]), "unexpected end-of-file at byte 264 (path '/')")]
#[case::nested_error_path(dir_of(&[entry(b"sub", &[b"(", b"type", b"directory", b"entry", b"(", b"name", b"f", b"node", b"(", b"type", b"regular", b"contents", b"x", b"junk", b")", b")"])]), "bad archive: expected tag ')', got 'junk' at byte 376 (path '/sub/f')")]
#[case::empty_symlink_target(nar(&[b"(", b"type", b"symlink", b"target", b"", b")"]), "ok")]
#[case::nul_symlink_target(nar(&[b"(", b"type", b"symlink", b"target", b"a\0b", b")"]), "ok")]
#[case::long_name_ok(dir_of(&[entry(&[b'n'; 4096], EMPTY_REGULAR)]), "ok")]
fn malformed(#[case] input: Vec<u8>, #[case] expected: &str) {
    assert_eq!(outcome(&input), expected);
    // Byte-at-a-time input gives the same outcome.
    let mut r = Reader::new(BufReader::with_capacity(1, input.as_slice()));
    let slow = match r
        .root()
        .and_then(crate::nar::tests::read_node)
        .and_then(|_| r.finish())
    {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    assert_eq!(slow, expected);
}

#[test]
fn trailing_data_is_left_unread() {
    let mut input = HELLOWORLD.to_vec();
    input.extend_from_slice(b"trailing");
    let mut r = Reader::new(input.as_slice());
    let tree = crate::nar::tests::read_node(r.root().expect("root")).expect("reads");
    assert_eq!(tree, file(false, b"Hello World!"));
    assert_eq!(r.finish().expect("complete"), HELLOWORLD.len() as u64);
    assert_eq!(r.into_inner(), b"trailing");
}

#[test]
fn directory_end_leaves_the_rest_of_the_stream() {
    let mut input = COMPLICATED.to_vec();
    input.extend_from_slice(b"next");
    let mut rest = input.as_slice();
    {
        let Node::Directory(mut dir) = open(&mut rest).expect("opens") else {
            panic!("not a directory")
        };
        while dir.next().expect("entry").is_some() {}
    }
    assert_eq!(rest, b"next");
}

#[test]
fn skipping_unread_children() {
    let mut r = Reader::new(BufReader::with_capacity(3, SORTED));
    let Node::Directory(mut dir) = r.root().expect("root") else {
        panic!("not a directory")
    };
    let mut names = Vec::new();
    while let Some(entry) = dir.next().expect("entry") {
        // Read one byte of "B" only, nothing of the others.
        if let (b"B", Node::File { mut reader, .. }) = (entry.name.as_slice(), entry.node) {
            let mut one = [0u8; 1];
            reader.read_exact(&mut one).expect("a byte");
        }
        names.push(entry.name.to_string());
    }
    assert_eq!(names, [".x", "B", "a", "b", "sp ace", "ü"]);
    drop(dir);
    assert_eq!(r.finish().expect("complete"), SORTED.len() as u64);
}

#[test]
fn finish_skips_an_unopened_archive() {
    let mut r = Reader::new(COMPLICATED);
    assert_eq!(r.finish().expect("valid"), COMPLICATED.len() as u64);
    assert!(r.is_done());
}

#[test]
fn finish_checks_the_skipped_part() {
    let mut input = dir_of(&[entry(b"b", EMPTY_REGULAR), entry(b"a", EMPTY_REGULAR)]);
    input.extend_from_slice(b"junk");
    let mut r = Reader::new(input.as_slice());
    let Node::Directory(mut dir) = r.root().expect("root") else {
        panic!("not a directory")
    };
    assert_eq!(dir.next().expect("first").expect("some").name, "b");
    drop(dir);
    let err = r.finish().expect_err("unsorted");
    assert!(matches!(err.kind(), ErrorKind::NotSorted { .. }), "{err}");
}

#[test]
fn errors_poison_the_reader() {
    let input = dir_of(&[entry(b"b", EMPTY_REGULAR), entry(b"a", EMPTY_REGULAR)]);
    let mut r = Reader::new(input.as_slice());
    let Node::Directory(mut dir) = r.root().expect("root") else {
        panic!("not a directory")
    };
    assert!(dir.next().expect("first").is_some());
    assert!(dir.next().is_err());
    let again = dir.next().expect_err("poisoned");
    assert!(matches!(again.kind(), ErrorKind::Poisoned), "{again}");
    drop(dir);
    assert!(matches!(
        r.finish().expect_err("poisoned").kind(),
        ErrorKind::Poisoned
    ));
}

#[test]
fn root_only_once() {
    let mut r = Reader::new(SYMLINK);
    assert!(matches!(r.root(), Ok(Node::Symlink { .. })));
    let err = r.root().expect_err("second root");
    assert!(matches!(err.kind(), ErrorKind::RootAlreadyOpened), "{err}");
}

#[test]
fn file_reader_reports_size_and_offset() {
    let Node::File {
        executable,
        mut reader,
    } = open(EXECUTABLE).expect("opens")
    else {
        panic!("not a file")
    };
    assert!(executable);
    assert_eq!(reader.len(), 18);
    assert!(!reader.is_empty());
    // magic(24) ( (16) type (16) regular (16) executable (24) "" (8) contents (16) len (8)
    assert_eq!(reader.nar_offset(), 128);
    assert_eq!(&EXECUTABLE[128..146], b"#!/bin/sh\necho hi\n");
    let mut out = Vec::new();
    assert_eq!(reader.copy_to(&mut out).expect("copies"), 18);
    assert_eq!(out, b"#!/bin/sh\necho hi\n");
    assert_eq!(reader.fill_buf().expect("at end").len(), 0);
}

#[test]
fn file_read_errors_carry_the_nar_error() {
    let mut input = nar(&[b"(", b"type", b"regular", b"contents", b"hello", b")"]);
    input.truncate(108);
    let Node::File { mut reader, .. } = open(input.as_slice()).expect("opens") else {
        panic!("not a file")
    };
    let err = reader.read_to_end(&mut Vec::new()).expect_err("truncated");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    let nar_err = super::Error::from_io(err).expect("a NAR error");
    assert!(matches!(nar_err.kind(), ErrorKind::UnexpectedEof));
    assert_eq!(nar_err.offset(), 108);
    assert_eq!(nar_err.path(), "/");
}

#[test]
fn io_errors_are_reported_with_position() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 >= HELLOWORLD.len() / 2 {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(8);
            buf[..n].copy_from_slice(&HELLOWORLD[self.0..self.0 + n]);
            self.0 += n;
            Ok(n)
        }
    }
    let err = read_tree_from(BufReader::with_capacity(8, Failing(0))).expect_err("fails");
    assert!(matches!(err.kind(), ErrorKind::Io(_)));
    assert_eq!(err.offset(), 64);
    assert_eq!(err.to_string(), "reading the NAR at byte 64 (path '/')");
    assert_eq!(
        std::error::Error::source(&err).map(|s| s.to_string()),
        Some("disk on fire".into())
    );
}

fn read_tree_from<R: BufRead>(r: R) -> Result<Tree, super::Error> {
    let mut r = Reader::new(r);
    let tree = crate::nar::tests::read_node(r.root()?)?;
    r.finish()?;
    Ok(tree)
}

#[cfg(feature = "async")]
mod r#async {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};

    use super::super::r#async::{Node, Reader, open};
    use super::{COMPLICATED, EXECUTABLE, HELLOWORLD, SORTED, golden_trees};
    use crate::nar::tests::{read_tree, read_tree_async};

    #[tokio::test]
    async fn golden_archives_in_any_chunking() {
        for (name, nar, expected) in golden_trees() {
            for chunk in [1, 3, 8, 4096] {
                let (tree, len) = read_tree_async(nar, chunk)
                    .await
                    .unwrap_or_else(|e| panic!("{name}/{chunk}: {e}"));
                assert_eq!(tree, expected, "{name}/{chunk}");
                assert_eq!(len, nar.len() as u64);
            }
        }
    }

    /// The async reader accepts and rejects exactly what the sync one does,
    /// with the same message, on every prefix and every single-byte change of
    /// the golden archives.
    #[tokio::test]
    async fn same_outcomes_as_sync() {
        for (_, nar, _) in golden_trees() {
            let mut inputs: Vec<Vec<u8>> = (0..nar.len()).map(|n| nar[..n].to_vec()).collect();
            for i in (0..nar.len()).step_by(3) {
                let mut changed = nar.to_vec();
                changed[i] ^= 0x41;
                inputs.push(changed);
            }
            for input in inputs {
                let sync = read_tree(&input).map_err(|e| e.to_string());
                for chunk in [1, 5] {
                    let r#async = read_tree_async(&input, chunk)
                        .await
                        .map_err(|e| e.to_string());
                    assert_eq!(sync, r#async, "{input:?}");
                }
            }
        }
    }

    #[tokio::test]
    async fn trailing_data_and_skipping() {
        let mut input = SORTED.to_vec();
        input.extend_from_slice(b"rest");
        let mut r = Reader::new(tokio::io::BufReader::with_capacity(2, input.as_slice()));
        let Node::Directory(mut dir) = r.root().await.expect("root") else {
            panic!("not a directory")
        };
        let mut names = Vec::new();
        while let Some(entry) = dir.next().await.expect("entry") {
            names.push(entry.name.to_string());
        }
        assert_eq!(names, [".x", "B", "a", "b", "sp ace", "ü"]);
        drop(dir);
        assert_eq!(r.finish().await.expect("done"), SORTED.len() as u64);
        let mut rest = Vec::new();
        r.into_inner().read_to_end(&mut rest).await.expect("rest");
        assert_eq!(rest, b"rest");

        let mut r = Reader::new(COMPLICATED);
        assert_eq!(r.finish().await.expect("valid"), COMPLICATED.len() as u64);
    }

    #[tokio::test]
    async fn file_reader_is_buffered() {
        let Node::File {
            executable,
            mut reader,
        } = open(EXECUTABLE).await.expect("opens")
        else {
            panic!("not a file")
        };
        assert!(executable);
        assert_eq!((reader.len(), reader.nar_offset()), (18, 128));
        let mut line = String::new();
        reader.read_line(&mut line).await.expect("line");
        assert_eq!(line, "#!/bin/sh\n");
        let mut rest = Vec::new();
        assert_eq!(reader.copy_to(&mut rest).await.expect("copies"), 8);
        assert_eq!(rest, b"echo hi\n");

        let Node::File { mut reader, .. } = open(HELLOWORLD).await.expect("opens") else {
            panic!("not a file")
        };
        let mut all = String::new();
        reader.read_to_string(&mut all).await.expect("reads");
        assert_eq!(all, "Hello World!");
    }
}
