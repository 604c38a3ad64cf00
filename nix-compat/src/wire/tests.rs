//! Tests of the wire primitives: exact encodings, limits, padding checks,
//! framed streams (sync and async), and sync/async agreement.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read, Write};

use proptest::prelude::*;
use rstest::rstest;

use super::*;

#[rstest]
#[case(0, 0)]
#[case(1, 7)]
#[case(7, 1)]
#[case(8, 0)]
#[case(13, 3)]
fn padding(#[case] len: u64, #[case] pad: usize) {
    assert_eq!(padding_len(len), pad);
}

#[test]
fn encodings() {
    let mut out = Vec::new();
    write_u64(&mut out, 0x0102_0304_0506_0708).expect("vec");
    write_bool(&mut out, true).expect("vec");
    write_bytes(&mut out, b"").expect("vec");
    write_bytes(&mut out, b"abc").expect("vec");
    assert_eq!(
        out,
        [
            &[8, 7, 6, 5, 4, 3, 2, 1][..],
            &[1, 0, 0, 0, 0, 0, 0, 0],
            &[0; 8],
            &[3, 0, 0, 0, 0, 0, 0, 0],
            b"abc\0\0\0\0\0",
        ]
        .concat()
    );
    let mut r = out.as_slice();
    assert_eq!(read_u64(&mut r).expect("u64"), 0x0102_0304_0506_0708);
    assert!(read_bool(&mut r).expect("bool"));
    assert_eq!(read_bytes(&mut r, 0).expect("empty"), b"");
    assert_eq!(read_string(&mut r, 3).expect("abc"), "abc");
    assert!(r.is_empty());
}

#[test]
fn bool_reads_any_non_zero_as_true() {
    assert!(read_bool(&mut &[2, 0, 0, 0, 0, 0, 0, 0x80][..]).expect("bool"));
    assert!(!read_bool(&mut &[0; 8][..]).expect("bool"));
}

#[test]
fn limits_and_malformations() {
    let mut buf = Vec::new();
    write_bytes(&mut buf, b"hello").expect("vec");
    let err = read_bytes(&mut buf.as_slice(), 4).expect_err("too long");
    assert!(matches!(err, Error::TooLong { len: 5, max: 4 }), "{err}");

    buf[7 + 8] = 1; // a padding byte
    let err = read_bytes(&mut buf.as_slice(), 10).expect_err("padding");
    assert!(matches!(err, Error::NonZeroPadding { len: 5 }), "{err}");

    let err = read_bytes(&mut &buf[..10], 10).expect_err("truncated");
    assert!(err.is_eof(), "{err}");

    let mut bad = Vec::new();
    write_bytes(&mut bad, b"\xff").expect("vec");
    assert!(matches!(
        read_string(&mut bad.as_slice(), 8),
        Err(Error::InvalidUtf8(_))
    ));

    let mut list = Vec::new();
    write_u64(&mut list, 1 << 40).expect("vec");
    let err = read_list(&mut list.as_slice(), 100, read_u64).expect_err("count");
    assert!(matches!(err, Error::TooManyItems { max: 100, .. }), "{err}");

    let io: std::io::Error = Error::NonZeroPadding { len: 1 }.into();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
}

#[test]
fn collections() {
    let mut out = Vec::new();
    write_list(&mut out, ["b", "a", "b"], |w, s| {
        write_bytes(w, s.as_bytes())
    })
    .expect("vec");
    let map = BTreeMap::from([(1u64, "one".to_string()), (2, "two".into())]);
    write_map(
        &mut out,
        &map,
        |w, k| write_u64(w, *k),
        |w, v| write_bytes(w, v.as_bytes()),
    )
    .expect("vec");
    // A map with a repeated key: the last value wins, as in C++.
    write_u64(&mut out, 2).expect("vec");
    for v in ["first", "last"] {
        write_u64(&mut out, 7).expect("vec");
        write_bytes(&mut out, v.as_bytes()).expect("vec");
    }

    let mut r = out.as_slice();
    let list = read_list(&mut { r }, 10, |r| read_string(r, 10)).expect("list");
    assert_eq!(list, ["b", "a", "b"]);
    let set = read_set(&mut r, 10, |r| read_string(r, 10)).expect("set");
    assert_eq!(set, BTreeSet::from(["a".to_string(), "b".into()]));
    let read = read_map(&mut r, 10, read_u64, |r| read_string(r, 10)).expect("map");
    assert_eq!(read, map);
    let dup = read_map(&mut r, 10, read_u64, |r| read_string(r, 10)).expect("map");
    assert_eq!(dup, BTreeMap::from([(7, "last".to_string())]));
    assert!(r.is_empty());
}

#[test]
fn protocol_version() {
    let v = ProtocolVersion::from_parts(1, 38);
    assert_eq!((v.major(), v.minor(), v.as_u16()), (1, 38, 0x126));
    assert_eq!(v.to_string(), "1.38");
    assert!(v > ProtocolVersion::from_parts(1, 37));
    assert!(ProtocolVersion::from_parts(2, 0) > v);
    assert_eq!(ProtocolVersion::try_from(0x126u64).expect("fits"), v);
    assert!(matches!(
        ProtocolVersion::try_from(0x1_0000u64),
        Err(Error::InvalidProtocolVersion(0x1_0000))
    ));
    assert_eq!(u64::from(v), 0x126);
}

fn framed(data: &[u8], frame_size: usize) -> Vec<u8> {
    framed_in_chunks(data, frame_size, 3)
}

fn framed_in_chunks(data: &[u8], frame_size: usize, chunk: usize) -> Vec<u8> {
    let mut w = FramedWriter::with_frame_size(Vec::new(), frame_size);
    for chunk in data.chunks(chunk) {
        w.write_all(chunk).expect("vec");
    }
    w.finish().expect("vec")
}

#[test]
fn framed_stream_encoding() {
    let bytes = framed(b"abcdefg", 4);
    assert_eq!(
        bytes,
        [
            &[3, 0, 0, 0, 0, 0, 0, 0][..],
            b"abc",
            &[4, 0, 0, 0, 0, 0, 0, 0],
            b"defg",
            &[0; 8],
        ]
        .concat()
    );
}

#[test]
fn framed_reader_stops_at_the_terminator() {
    let mut stream = framed(b"hello world", 4);
    stream.extend_from_slice(b"after");
    let mut r = FramedReader::new(stream.as_slice());
    let mut data = Vec::new();
    r.read_to_end(&mut data).expect("frames");
    assert_eq!(data, b"hello world");
    assert!(r.is_done());
    assert_eq!(r.into_inner(), b"after");

    let mut r = FramedReader::new(stream.as_slice());
    // Written 3 bytes at a time into frames of 4: frames of 3 bytes.
    assert_eq!(r.fill_buf().expect("buffered"), b"hel");
    r.consume(2);
    assert_eq!(r.drain().expect("drains"), 9);
    assert_eq!(r.into_inner(), b"after");

    let err = FramedReader::new(&stream[..13])
        .read_to_end(&mut Vec::new())
        .expect_err("cut inside a frame");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
}

proptest! {
    #[test]
    fn framed_round_trip(data in proptest::collection::vec(any::<u8>(), 0..300), size in 1usize..64) {
        let bytes = framed(&data, size);
        let mut out = Vec::new();
        FramedReader::new(bytes.as_slice()).read_to_end(&mut out).expect("valid");
        prop_assert_eq!(out, data);
    }

    #[test]
    fn bytes_round_trip(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut out = Vec::new();
        write_bytes(&mut out, &data).expect("vec");
        prop_assert_eq!(out.len() % 8, 0);
        prop_assert_eq!(read_bytes(&mut out.as_slice(), 40).expect("valid"), data);
    }
}

#[cfg(feature = "async")]
mod r#async {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::framed_in_chunks;
    use crate::wire::r#async::*;
    use crate::wire::{Error, padding_len};

    #[tokio::test]
    async fn primitives_match_sync() {
        let mut out = Vec::new();
        write_u64(&mut out, 42).await.expect("vec");
        write_bool(&mut out, false).await.expect("vec");
        write_bytes(&mut out, b"hello").await.expect("vec");
        write_list(&mut out, [b"x".as_slice(), b"yz"], async |w, s| {
            write_bytes(w, s).await
        })
        .await
        .expect("vec");

        let mut sync = Vec::new();
        crate::wire::write_u64(&mut sync, 42).expect("vec");
        crate::wire::write_bool(&mut sync, false).expect("vec");
        crate::wire::write_bytes(&mut sync, b"hello").expect("vec");
        crate::wire::write_list(&mut sync, [b"x".as_slice(), b"yz"], |w, s| {
            crate::wire::write_bytes(w, s)
        })
        .expect("vec");
        assert_eq!(out, sync);

        let mut r = out.as_slice();
        assert_eq!(read_u64(&mut r).await.expect("u64"), 42);
        assert!(!read_bool(&mut r).await.expect("bool"));
        assert_eq!(read_string(&mut r, 5).await.expect("string"), "hello");
        let list = read_list(&mut r, 2, async |r| read_bytes(r, 2).await)
            .await
            .expect("list");
        assert_eq!(list, [b"x".to_vec(), b"yz".to_vec()]);
        assert!(r.is_empty());
        assert_eq!(padding_len(5), 3);
    }

    #[tokio::test]
    async fn malformations() {
        let mut buf = Vec::new();
        write_bytes(&mut buf, b"hello").await.expect("vec");
        assert!(matches!(
            read_bytes(&mut buf.as_slice(), 4).await,
            Err(Error::TooLong { len: 5, max: 4 })
        ));
        buf[15] = 9;
        assert!(matches!(
            read_bytes(&mut buf.as_slice(), 8).await,
            Err(Error::NonZeroPadding { len: 5 })
        ));
        assert!(
            read_bytes(&mut &buf[..9], 8)
                .await
                .expect_err("eof")
                .is_eof()
        );
    }

    #[tokio::test]
    async fn framed_streams_match_sync() {
        let data: Vec<u8> = (0..=255).cycle().take(1000).collect();
        let mut w = FramedWriter::with_frame_size(Vec::new(), 100);
        for chunk in data.chunks(7) {
            w.write_all(chunk).await.expect("vec");
        }
        let bytes = w.finish().await.expect("vec");
        assert_eq!(bytes, framed_in_chunks(&data, 100, 7));

        let mut stream = bytes.clone();
        stream.extend_from_slice(b"tail");
        let mut r = FramedReader::new(tokio::io::BufReader::with_capacity(3, stream.as_slice()));
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.expect("frames");
        assert_eq!(out, data);
        assert!(r.is_done());
        let mut tail = Vec::new();
        r.into_inner().read_to_end(&mut tail).await.expect("tail");
        assert_eq!(tail, b"tail");

        let mut r = FramedReader::new(&bytes[..50]);
        assert!(r.read_to_end(&mut Vec::new()).await.is_err());
    }
}
