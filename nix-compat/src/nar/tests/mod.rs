//! Test support for the NAR modules: an in-memory tree read and written through
//! the public readers and writers, a builder for hand-made (often malformed)
//! archives, and a proptest strategy for trees. Golden NARs made by C++ Nix are
//! in `golden/` (see `golden/regenerate.sh`).

mod properties;

use std::io::Read;

use proptest::prelude::*;
use rstest::rstest;

use super::reader::{self, Node};
use super::writer;
use super::{NameProblem, check_name};

/// A file system tree as a NAR describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tree {
    File { executable: bool, contents: Vec<u8> },
    Symlink(Vec<u8>),
    Dir(Vec<(Vec<u8>, Tree)>),
}

/// Encodes tokens as a NAR does: each a u64 length, the bytes, zero padding.
pub(crate) fn tokens(toks: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in toks {
        out.extend_from_slice(&(t.len() as u64).to_le_bytes());
        out.extend_from_slice(t);
        out.resize(out.len().next_multiple_of(8), 0);
    }
    out
}

/// Reads a node and everything below it into a [`Tree`].
pub(crate) fn read_node<R: std::io::BufRead>(node: Node<'_, R>) -> Result<Tree, reader::Error> {
    Ok(match node {
        Node::Symlink { target } => Tree::Symlink(target.into()),
        Node::File {
            executable,
            mut reader,
        } => {
            let mut contents = Vec::new();
            reader
                .read_to_end(&mut contents)
                .map_err(|e| reader::Error::from_io(e).expect("a NAR error"))?;
            Tree::File {
                executable,
                contents,
            }
        }
        Node::Directory(mut dir) => {
            let mut entries = Vec::new();
            while let Some(entry) = dir.next()? {
                entries.push((entry.name.into(), read_node(entry.node)?));
            }
            Tree::Dir(entries)
        }
    })
}

/// Reads a whole NAR, returning the tree and the archive's length.
pub(crate) fn read_tree(nar: &[u8]) -> Result<(Tree, u64), reader::Error> {
    let mut r = reader::Reader::new(nar);
    let tree = read_node(r.root()?)?;
    let len = r.finish()?;
    Ok((tree, len))
}

/// Writes `tree` as a node.
pub(crate) fn write_node<W: std::io::Write>(
    node: writer::Node<'_, W>,
    tree: &Tree,
) -> Result<(), writer::Error> {
    match tree {
        Tree::Symlink(target) => node.symlink(target),
        Tree::File {
            executable,
            contents,
        } => node.file(*executable, contents.len() as u64, &mut contents.as_slice()),
        Tree::Dir(entries) => {
            let mut dir = node.directory()?;
            for (name, child) in entries {
                write_node(dir.entry(name)?, child)?;
            }
            dir.close()
        }
    }
}

/// Writes `tree` as a NAR.
pub(crate) fn write_tree(tree: &Tree) -> Result<Vec<u8>, writer::Error> {
    let mut w = writer::Writer::new(Vec::new());
    write_node(w.root()?, tree)?;
    w.finish()
}

/// Entry names: short, often sharing prefixes, with odd bytes.
fn name_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'B'), Just(b'.'), Just(b'-')],
            1..4
        ),
        proptest::collection::vec(1u8..=255, 1..12),
    ]
    .prop_filter("valid NAR names", |n| {
        check_name(n).is_ok() && !n.contains(&b'/')
    })
}

/// Random trees: files (sometimes empty or executable, sizes around the
/// padding boundaries), symlinks with arbitrary targets, nested directories
/// with valid, sorted, unique names.
pub(crate) fn tree_strategy() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(
            |(executable, contents)| Tree::File {
                executable,
                contents
            }
        ),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Tree::Symlink),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        proptest::collection::btree_map(name_strategy(), inner, 0..6)
            .prop_map(|m| Tree::Dir(m.into_iter().collect()))
    })
}

#[rstest]
#[case::empty(b"", Err(NameProblem::Empty))]
#[case::dot(b".", Err(NameProblem::Dot))]
#[case::dotdot(b"..", Err(NameProblem::DotDot))]
#[case::slash(b"a/b", Err(NameProblem::Slash))]
#[case::only_slash(b"/", Err(NameProblem::Slash))]
#[case::nul(b"a\0", Err(NameProblem::Nul))]
#[case::dots3(b"...", Ok(()))]
#[case::hidden(b".keep", Ok(()))]
#[case::space(b"sp ace", Ok(()))]
#[case::non_utf8(b"\xff\xfe", Ok(()))]
fn names(#[case] name: &[u8], #[case] expected: Result<(), NameProblem>) {
    assert_eq!(check_name(name), expected);
}

#[test]
fn tokens_are_padded() {
    assert_eq!(
        tokens(&[b"", b"abc"]),
        [&[0u8; 8][..], &[3, 0, 0, 0, 0, 0, 0, 0], b"abc\0\0\0\0\0"].concat()
    );
}

/// Reads a node and everything below it through the async reader.
#[cfg(feature = "async")]
pub(crate) async fn read_node_async<R: tokio::io::AsyncBufRead + Unpin>(
    node: reader::r#async::Node<'_, R>,
) -> Result<Tree, reader::Error> {
    use reader::r#async::Node;
    use tokio::io::AsyncReadExt;
    Ok(match node {
        Node::Symlink { target } => Tree::Symlink(target.into()),
        Node::File {
            executable,
            mut reader,
        } => {
            let mut contents = Vec::new();
            reader
                .read_to_end(&mut contents)
                .await
                .map_err(|e| reader::Error::from_io(e).expect("a NAR error"))?;
            Tree::File {
                executable,
                contents,
            }
        }
        Node::Directory(mut dir) => {
            let mut entries = Vec::new();
            while let Some(entry) = dir.next().await? {
                let child = Box::pin(read_node_async(entry.node)).await?;
                entries.push((entry.name.into(), child));
            }
            Tree::Dir(entries)
        }
    })
}

/// Reads a whole NAR through the async reader, `chunk` bytes at a time.
#[cfg(feature = "async")]
pub(crate) async fn read_tree_async(
    nar: &[u8],
    chunk: usize,
) -> Result<(Tree, u64), reader::Error> {
    let mut r = reader::r#async::Reader::new(tokio::io::BufReader::with_capacity(chunk, nar));
    let tree = read_node_async(r.root().await?).await?;
    let len = r.finish().await?;
    Ok((tree, len))
}
