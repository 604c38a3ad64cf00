//! Property tests over the NAR reader and writer: write → read → write is the
//! identity, and arbitrary bytes never make the reader panic.

use proptest::prelude::*;

use super::{read_tree, tree_strategy, write_tree};

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
        let _ = read_tree(&bytes);
    }
}
