//! `OutputWriter`: whole lines reach the suspending writer in one call, and
//! nothing is lost or reordered.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use proptest::prelude::*;

use super::{MAX_PENDING, OutputWriter};

/// A writer recording every `write` call it receives.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<Vec<Vec<u8>>>>);

impl Calls {
    fn get(&self) -> Vec<Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
    fn joined(&self) -> Vec<u8> {
        self.get().concat()
    }
}

impl Write for Calls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(buf.to_vec());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn line_buffered_hands_over_whole_lines_only() {
    let calls = Calls::default();
    let mut out = OutputWriter::line_buffered(Box::new(calls.clone()));
    out.write_all(b"sha256:").expect("write");
    assert!(calls.get().is_empty(), "a partial line must be held back");
    out.write_all(b"abc\nsecond").expect("write");
    assert_eq!(calls.get(), vec![b"sha256:abc\n".to_vec()]);
    out.write_all(b" line\nthird\nfour").expect("write");
    assert_eq!(
        calls.get(),
        vec![b"sha256:abc\n".to_vec(), b"second line\nthird\n".to_vec()]
    );
    out.flush().expect("flush");
    assert_eq!(calls.joined(), b"sha256:abc\nsecond line\nthird\nfour");
}

#[test]
fn line_buffered_writes_the_rest_on_drop() {
    let calls = Calls::default();
    {
        let mut out = OutputWriter::line_buffered(Box::new(calls.clone()));
        write!(out, "no newline").expect("write");
        assert!(calls.get().is_empty());
    }
    assert_eq!(calls.joined(), b"no newline");
}

#[test]
fn line_buffered_bounds_a_long_partial_line() {
    let calls = Calls::default();
    let mut out = OutputWriter::line_buffered(Box::new(calls.clone()));
    let chunk = vec![b'x'; MAX_PENDING / 4 + 1];
    for _ in 0..4 {
        out.write_all(&chunk).expect("write");
    }
    assert_eq!(
        calls.get().len(),
        1,
        "over the bound, the partial line goes out"
    );
    assert_eq!(calls.joined().len(), 4 * chunk.len());
}

#[test]
fn direct_passes_every_write_through() {
    let calls = Calls::default();
    let mut out = OutputWriter::direct(Box::new(calls.clone()));
    out.write_all(b"a").expect("write");
    out.write_all(b"b\nc").expect("write");
    assert_eq!(calls.get(), vec![b"a".to_vec(), b"b\nc".to_vec()]);
}

proptest! {
    /// Whatever the chunking, the bytes arrive complete and in order, and
    /// every call but the last (from flush) ends with a newline.
    #[test]
    fn line_buffered_preserves_bytes(chunks in prop::collection::vec(
        prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'a'), Just(b'b')], 0..20),
        0..20,
    )) {
        let calls = Calls::default();
        let mut out = OutputWriter::line_buffered(Box::new(calls.clone()));
        for chunk in &chunks {
            out.write_all(chunk).expect("write");
        }
        let before_flush = calls.get();
        out.flush().expect("flush");
        prop_assert_eq!(calls.joined(), chunks.concat());
        for call in &before_flush {
            prop_assert_eq!(call.last(), Some(&b'\n'));
        }
    }
}
