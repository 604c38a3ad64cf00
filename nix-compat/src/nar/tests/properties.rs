//! Property tests over the NAR reader and writer: write → read → write is the
//! identity; arbitrary and mutated archives never make the reader panic; and
//! every archive the reader accepts is canonical (copying it through the
//! parser and writer reproduces its bytes exactly).

use proptest::prelude::*;

use super::{read_tree, tree_strategy, write_tree};
use crate::nar::copy;

const GOLDEN: &[&[u8]] = &[
    include_bytes!("golden/complicated.nar"),
    include_bytes!("golden/sorted.nar"),
    include_bytes!("golden/executable.nar"),
    include_bytes!("golden/symlink.nar"),
    include_bytes!("golden/listing.nar"),
];

/// Reads `input`; if it is accepted, checks that copying it gives back the
/// accepted prefix, and that the tree reads the same way.
fn check_canonical(input: &[u8]) -> Result<(), TestCaseError> {
    let read = read_tree(input);
    let mut out = Vec::new();
    let copied = copy(input, &mut out);
    match (read, copied) {
        (Ok((tree, len)), Ok(size)) => {
            prop_assert_eq!(len, size);
            prop_assert_eq!(&out[..], &input[..len as usize]);
            prop_assert_eq!(write_tree(&tree).expect("writes"), out);
        }
        (Err(e), Err(_)) => {
            // Errors carry a position inside (or at the end of) the input.
            prop_assert!(e.offset() <= input.len() as u64, "{}", e);
        }
        (read, copied) => prop_assert!(false, "reader {read:?} but copy {copied:?}"),
    }
    Ok(())
}

/// A golden NAR with a few bytes changed, inserted or removed.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..GOLDEN.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
    )
        .prop_map(|(which, edits)| {
            let mut nar = GOLDEN[which].to_vec();
            for (at, byte, kind) in edits {
                let i = at.index(nar.len().max(1));
                match kind {
                    0 | 1 if i < nar.len() => nar[i] = byte,
                    2 => nar.insert(i.min(nar.len()), byte),
                    _ => nar.truncate(i),
                }
            }
            nar
        })
}

proptest! {
    #[test]
    fn write_read_write_is_identity(tree in tree_strategy()) {
        let nar = write_tree(&tree).expect("valid trees write");
        let (read, len) = read_tree(&nar).expect("what we write, we read");
        prop_assert_eq!(len, nar.len() as u64);
        prop_assert_eq!(&read, &tree);
        prop_assert_eq!(write_tree(&read).expect("writes"), nar);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_canonical(&bytes)?;
    }

    #[test]
    fn accepted_mutations_are_canonical(nar in mutated()) {
        check_canonical(&nar)?;
    }

    #[test]
    fn trailing_bytes_are_not_consumed(tree in tree_strategy(), tail in proptest::collection::vec(any::<u8>(), 0..16)) {
        let mut nar = write_tree(&tree).expect("writes");
        let len = nar.len();
        nar.extend_from_slice(&tail);
        let mut rest = nar.as_slice();
        prop_assert_eq!(copy(&mut rest, std::io::sink()).expect("valid"), len as u64);
        prop_assert_eq!(rest, tail.as_slice());
    }
}
