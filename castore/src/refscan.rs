//! Reference scanning: which of a set of byte strings ("needles", e.g. store
//! path hashes) occur in some data.
//!
//! [`ReferenceScanner`] holds the needles (an Aho–Corasick automaton) and one
//! "found" flag per needle, shared by every stream scanned with it, so many
//! files can be scanned concurrently into one result. [`StreamScanner`] feeds
//! one stream piece by piece and still finds needles spanning two pieces (it
//! rescans the junction: the last `longest - 1` bytes before it and the first
//! `longest - 1` after it); [`ScanningReader`] does that for an `AsyncRead`.
//! Matches may overlap: every needle that occurs anywhere is found.

use std::{
    collections::BTreeSet,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use aho_corasick::AhoCorasick;
use tokio::io::{AsyncRead, ReadBuf};

/// Why a scanner could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefScanError {
    /// An empty needle would match everywhere.
    #[error("needle {0} is empty")]
    EmptyNeedle(usize),
    /// The automaton could not be built (e.g. too many needles).
    #[error("cannot build the search automaton")]
    Build(#[source] aho_corasick::BuildError),
}

/// Needles and the flags of those found so far (see the module docs).
#[derive(Debug)]
pub struct ReferenceScanner {
    needles: Vec<Vec<u8>>,
    ac: AhoCorasick,
    found: Vec<AtomicBool>,
    longest: usize,
}

impl ReferenceScanner {
    /// A scanner for `needles`; none may be empty.
    pub fn new<N: AsRef<[u8]>>(needles: impl IntoIterator<Item = N>) -> Result<Self, RefScanError> {
        let needles: Vec<Vec<u8>> = needles.into_iter().map(|n| n.as_ref().to_vec()).collect();
        if let Some(i) = needles.iter().position(Vec::is_empty) {
            return Err(RefScanError::EmptyNeedle(i));
        }
        let ac = AhoCorasick::new(&needles).map_err(RefScanError::Build)?;
        let longest = needles.iter().map(Vec::len).max().unwrap_or(0);
        let found = needles.iter().map(|_| AtomicBool::new(false)).collect();
        Ok(Self {
            needles,
            ac,
            found,
            longest,
        })
    }

    /// Marks every needle occurring in `buf` (a whole piece of data).
    pub fn scan(&self, buf: &[u8]) {
        if buf.is_empty() {
            return;
        }
        for m in self.ac.find_overlapping_iter(buf) {
            self.found[m.pattern().as_usize()].store(true, Ordering::Relaxed);
        }
    }

    /// Indices (in the order given to [`new`](Self::new)) of the needles found.
    #[must_use]
    pub fn matches(&self) -> BTreeSet<usize> {
        self.found
            .iter()
            .enumerate()
            .filter(|(_, f)| f.load(Ordering::Relaxed))
            .map(|(i, _)| i)
            .collect()
    }

    /// The needles found, in the order given.
    #[must_use]
    pub fn matched_needles(&self) -> Vec<&[u8]> {
        self.matches()
            .into_iter()
            .map(|i| self.needles[i].as_slice())
            .collect()
    }

    /// A scanner of one stream fed piece by piece.
    #[must_use]
    pub fn stream(self: &Arc<Self>) -> StreamScanner {
        StreamScanner {
            scanner: self.clone(),
            tail: Vec::new(),
        }
    }
}

/// Scans one stream fed in pieces (see the module docs).
#[derive(Debug)]
pub struct StreamScanner {
    scanner: Arc<ReferenceScanner>,
    /// The last `longest - 1` bytes seen.
    tail: Vec<u8>,
}

impl StreamScanner {
    /// Scans the next piece of the stream.
    pub fn feed(&mut self, data: &[u8]) {
        let keep = self.scanner.longest.saturating_sub(1);
        if keep > 0 && !self.tail.is_empty() {
            // The junction: needles starting in the tail and ending in data.
            let mut junction = self.tail.clone();
            junction.extend_from_slice(&data[..data.len().min(keep)]);
            self.scanner.scan(&junction);
        }
        self.scanner.scan(data);
        if data.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - keep..]);
        } else {
            self.tail.extend_from_slice(data);
            let excess = self.tail.len().saturating_sub(keep);
            self.tail.drain(..excess);
        }
    }
}

/// An `AsyncRead` that scans everything read through it.
#[derive(Debug)]
pub struct ScanningReader<R> {
    inner: R,
    scanner: StreamScanner,
}

impl<R> ScanningReader<R> {
    /// Wraps `inner`, scanning into `scanner`.
    pub fn new(inner: R, scanner: &Arc<ReferenceScanner>) -> Self {
        Self {
            inner,
            scanner: scanner.stream(),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for ScanningReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            this.scanner.feed(&buf.filled()[before..]);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_overlapping_needles_and_reports_them_in_order() {
        let s = ReferenceScanner::new(["abc", "bcd", "zzz", "cd"]).expect("scanner");
        s.scan(b"xxabcdxx");
        assert_eq!(s.matches(), BTreeSet::from([0, 1, 3]));
        assert_eq!(s.matched_needles(), [b"abc".as_slice(), b"bcd", b"cd"]);
    }

    #[test]
    fn empty_needles_are_refused() {
        assert!(matches!(
            ReferenceScanner::new(["a", ""]),
            Err(RefScanError::EmptyNeedle(1))
        ));
    }

    #[tokio::test]
    async fn reader_finds_needles_across_reads() {
        use tokio::io::AsyncReadExt;
        let needle = "0123456789abcdef0123456789abcdef";
        let s = Arc::new(ReferenceScanner::new([needle, "absent"]).expect("scanner"));
        let mut data = vec![b'.'; 10_000];
        data[4090..4122].copy_from_slice(needle.as_bytes());
        // A reader yielding 4096-byte pieces splits the needle.
        let inner = tokio::io::BufReader::with_capacity(4096, data.as_slice());
        let mut r = ScanningReader::new(inner, &s);
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.expect("read");
        assert_eq!(out, data);
        assert_eq!(s.matches(), BTreeSet::from([0]));
    }

    proptest! {
        /// Feeding in arbitrary pieces finds exactly what one scan of the whole finds.
        #[test]
        fn pieces_find_what_the_whole_finds(
            data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'c')], 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..10),
        ) {
            let needles = ["abc", "cab", "aaaa", "bcbcb", "c"];
            let whole = ReferenceScanner::new(needles).expect("scanner");
            whole.scan(&data);
            let pieces = Arc::new(ReferenceScanner::new(needles).expect("scanner"));
            let mut st = pieces.stream();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut start = 0;
            for c in cuts.into_iter().chain([data.len()]) {
                st.feed(&data[start..c]);
                start = c;
            }
            prop_assert_eq!(pieces.matches(), whole.matches());
        }
    }
}
