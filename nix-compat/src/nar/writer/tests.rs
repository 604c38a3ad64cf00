//! Tests of the NAR writers (sync and async): byte-identical output to C++ Nix
//! for the golden trees, and every misuse reported as an error.

use std::io::Write;

use rstest::rstest;

use super::{Error, Writer, open};
use crate::nar::NameProblem;

const COMPLICATED: &[u8] = include_bytes!("../tests/golden/complicated.nar");
const EXECUTABLE: &[u8] = include_bytes!("../tests/golden/executable.nar");

fn complicated_sync() -> Result<Vec<u8>, Error> {
    let mut nar = Writer::new(Vec::new());
    let mut dir = nar.root()?.directory()?;
    dir.entry(b".keep")?.file(false, 0, &mut &b""[..])?;
    dir.entry(b"aa")?.symlink(b"/nix/store/somewhereelse")?;
    let mut keep = dir.entry(b"keep")?.directory()?;
    keep.entry(b".keep")?.file_writer(false, 0)?.close()?;
    keep.close()?;
    dir.close()?;
    nar.finish()
}

#[test]
fn writes_what_cpp_nix_dumps() {
    assert_eq!(complicated_sync().expect("writes"), COMPLICATED);
    let mut out = Vec::new();
    let mut file = open(&mut out)
        .expect("magic")
        .file_writer(true, 18)
        .expect("header");
    file.write_all(b"#!/bin/sh\n").expect("part");
    assert_eq!(file.remaining(), 8);
    file.write_all(b"echo hi\n").expect("rest");
    file.close().expect("trailer");
    assert_eq!(out, EXECUTABLE);
}

fn name_error(name: &[u8]) -> Error {
    let mut nar = Writer::new(Vec::new());
    let mut dir = nar.root().expect("root").directory().expect("dir");
    match dir.entry(name) {
        Ok(_) => panic!("accepted {name:?}"),
        Err(e) => e,
    }
}

#[rstest]
#[case::empty(b"", NameProblem::Empty)]
#[case::dot(b".", NameProblem::Dot)]
#[case::dotdot(b"..", NameProblem::DotDot)]
#[case::slash(b"a/b", NameProblem::Slash)]
#[case::nul(b"\0", NameProblem::Nul)]
fn invalid_names(#[case] name: &[u8], #[case] expected: NameProblem) {
    match name_error(name) {
        Error::InvalidName { problem, .. } => assert_eq!(problem, expected),
        other => panic!("{other}"),
    }
}

#[test]
fn over_long_names_and_targets() {
    assert!(matches!(
        name_error(&[b'x'; 4097]),
        Error::NameTooLong { len: 4097 }
    ));
    let mut out = Vec::new();
    let err = open(&mut out)
        .expect("magic")
        .symlink(&[b'x'; 4097])
        .expect_err("too long");
    assert!(matches!(err, Error::TargetTooLong { len: 4097 }), "{err}");
}

#[rstest]
#[case::duplicate(b"a", b"a")]
#[case::unsorted(b"b", b"a")]
#[case::case(b"a", b"B")]
fn entries_must_ascend(#[case] first: &[u8], #[case] second: &[u8]) {
    let mut nar = Writer::new(Vec::new());
    let mut dir = nar.root().expect("root").directory().expect("dir");
    dir.entry(first)
        .expect("first")
        .symlink(b"x")
        .expect("link");
    let err = dir.entry(second).map(|_| ()).expect_err("out of order");
    assert!(matches!(err, Error::NotSorted { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "NAR entry '{}' must come after '{}': entries must be unique and sorted",
            String::from_utf8_lossy(second),
            String::from_utf8_lossy(first)
        )
    );
}

#[test]
fn contents_must_match_the_size() {
    let mut out = Vec::new();
    let err = open(&mut out)
        .expect("magic")
        .file(false, 5, &mut &b"abc"[..])
        .expect_err("short");
    assert!(
        matches!(
            err,
            Error::ShortContents {
                expected: 5,
                got: 3
            }
        ),
        "{err}"
    );

    let mut out = Vec::new();
    let err = open(&mut out)
        .expect("magic")
        .file(false, 2, &mut &b"abc"[..])
        .expect_err("long");
    assert!(matches!(err, Error::LongContents { expected: 2 }), "{err}");

    let mut out = Vec::new();
    let mut file = open(&mut out)
        .expect("magic")
        .file_writer(false, 2)
        .expect("header");
    let err = file.write_all(b"abc").expect_err("past the size");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    file.write_all(b"a").expect("fits");
    let err = file.close().expect_err("one byte missing");
    assert!(
        matches!(
            err,
            Error::ShortContents {
                expected: 2,
                got: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn unfinished_children_are_errors() {
    let mut nar = Writer::new(Vec::new());
    let mut dir = nar.root().expect("root").directory().expect("dir");
    // A node handed out and dropped without being written.
    drop(dir.entry(b"a").expect("entry"));
    let err = dir.entry(b"b").map(|_| ()).expect_err("a unfinished");
    assert_eq!(
        err.to_string(),
        "the node of NAR entry 'a' was not completely written"
    );
    assert!(matches!(
        dir.close().expect_err("still unfinished"),
        Error::UnfinishedEntry { .. }
    ));
    assert!(matches!(
        nar.finish().expect_err("root unfinished"),
        Error::Unfinished
    ));

    // A subdirectory dropped without close.
    let mut nar = Writer::new(Vec::new());
    let mut dir = nar.root().expect("root").directory().expect("dir");
    let sub = dir
        .entry(b"sub")
        .expect("entry")
        .directory()
        .expect("subdir");
    drop(sub);
    assert!(matches!(
        dir.close().expect_err("sub unfinished"),
        Error::UnfinishedEntry { .. }
    ));

    // A file writer dropped before close.
    let mut nar = Writer::new(Vec::new());
    let mut dir = nar.root().expect("root").directory().expect("dir");
    let file = dir
        .entry(b"f")
        .expect("entry")
        .file_writer(false, 0)
        .expect("file");
    drop(file);
    assert!(matches!(
        dir.entry(b"g").map(|_| ()).expect_err("f unfinished"),
        Error::UnfinishedEntry { .. }
    ));
}

#[test]
fn root_only_once_and_finish_checks_it() {
    let mut nar = Writer::new(Vec::new());
    nar.root().expect("root").symlink(b"t").expect("link");
    assert!(matches!(
        nar.root().map(|_| ()).expect_err("twice"),
        Error::RootAlreadyWritten
    ));
    let bytes = nar.finish().expect("complete");
    assert_eq!(
        crate::nar::tests::read_tree(&bytes).expect("valid").0,
        crate::nar::tests::Tree::Symlink(b"t".to_vec())
    );
    assert!(matches!(
        Writer::new(Vec::new())
            .finish()
            .expect_err("nothing written"),
        Error::Unfinished
    ));
}

#[test]
fn io_errors_pass_through() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut nar = Writer::new(Full);
    let err = nar.root().map(|_| ()).expect_err("cannot write");
    assert!(matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull));
}

#[cfg(feature = "async")]
mod r#async {
    use super::{COMPLICATED, EXECUTABLE, Error};
    use crate::nar::writer::r#async::{Writer, open};
    use tokio::io::AsyncWriteExt;

    async fn complicated() -> Result<Vec<u8>, Error> {
        let mut nar = Writer::new(Vec::new());
        let mut dir = nar.root().await?.directory().await?;
        dir.entry(b".keep")
            .await?
            .file(false, 0, &mut &b""[..])
            .await?;
        dir.entry(b"aa")
            .await?
            .symlink(b"/nix/store/somewhereelse")
            .await?;
        let mut keep = dir.entry(b"keep").await?.directory().await?;
        keep.entry(b".keep")
            .await?
            .file_writer(false, 0)
            .await?
            .close()
            .await?;
        keep.close().await?;
        dir.close().await?;
        nar.finish().await
    }

    #[tokio::test]
    async fn writes_what_cpp_nix_dumps() {
        assert_eq!(complicated().await.expect("writes"), COMPLICATED);
        let mut out = Vec::new();
        let mut file = open(&mut out)
            .await
            .expect("magic")
            .file_writer(true, 18)
            .await
            .expect("header");
        file.write_all(b"#!/bin/sh\necho hi\n").await.expect("all");
        file.close().await.expect("trailer");
        assert_eq!(out, EXECUTABLE);
    }

    #[tokio::test]
    async fn misuse_is_an_error() {
        let mut nar = Writer::new(Vec::new());
        let mut dir = nar
            .root()
            .await
            .expect("root")
            .directory()
            .await
            .expect("dir");
        dir.entry(b"b")
            .await
            .expect("b")
            .symlink(b"x")
            .await
            .expect("link");
        assert!(matches!(
            dir.entry(b"a").await.map(|_| ()).expect_err("unsorted"),
            Error::NotSorted { .. }
        ));
        drop(dir.entry(b"c").await.expect("c"));
        assert!(matches!(
            dir.close().await.expect_err("c unfinished"),
            Error::UnfinishedEntry { .. }
        ));
        assert!(matches!(
            nar.finish().await.expect_err("incomplete"),
            Error::Unfinished
        ));

        let mut out = Vec::new();
        let err = open(&mut out)
            .await
            .expect("magic")
            .file(false, 4, &mut &b"abcde"[..])
            .await
            .expect_err("long");
        assert!(matches!(err, Error::LongContents { expected: 4 }), "{err}");
    }
}
