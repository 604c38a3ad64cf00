//! Nix's own base-32 encoding ("nix32"), used for store path hashes and hashes
//! printed by Nix.
//!
//! It differs from RFC 4648 base32 in three ways:
//! - the alphabet is `0123456789abcdfghijklmnpqrsvwxyz` (no `e`, `o`, `t`, `u`);
//! - there is no padding;
//! - the input is read as one little-endian number and printed most significant
//!   digit first, so the *last* input byte determines the *first* characters.
//!
//! Because the alphabet is in ASCII order, comparing two encodings of the same
//! length as strings is the same as comparing the inputs as little-endian numbers.
//!
//! Decoding is strict, as in C++ Nix: the length must be one that [encode] can
//! produce, every character must be in the alphabet, and the bits that do not
//! fit in the output (the "carry" of the last character) must be zero.

/// The 32 characters of the alphabet, in digit order.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Maps a byte to its digit value, or 0xff if it is not in the alphabet.
const DECODE_TABLE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 32 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why a string is not valid nixbase32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// No input length maps to this many characters.
    #[error("invalid nixbase32 length {0}")]
    InvalidLength(usize),
    /// A character outside the alphabet.
    #[error("invalid nixbase32 character {byte:?} at position {position}", byte = char::from(*.byte))]
    InvalidCharacter {
        /// Offset of the character in the input.
        position: usize,
        /// The offending byte.
        byte: u8,
    },
    /// The first character carries bits beyond the decoded length.
    #[error("nixbase32 string has non-zero trailing bits")]
    NonZeroTrailingBits,
}

/// Number of characters needed to encode `len` bytes: `ceil(8 * len / 5)`.
pub const fn encode_len(len: usize) -> usize {
    (len * 8).div_ceil(5)
}

/// Number of bytes encoded by `len` characters: `floor(5 * len / 8)`.
///
/// Not every length is valid: see [decode].
pub const fn decode_len(len: usize) -> usize {
    (len * 5) / 8
}

/// Encodes `input` as a nixbase32 string.
pub fn encode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(encode_len(input.len()));
    encode_into(input, &mut out);
    // Every byte pushed comes from ALPHABET, which is ASCII.
    String::from_utf8(out).unwrap_or_else(|_| unreachable!("nixbase32 alphabet is ASCII"))
}

/// Appends the nixbase32 encoding of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encode_len(input.len()), 0);
    encode_to_slice(input, &mut out[start..]);
}

/// Encodes a fixed-size input into a fixed-size array, without allocating
/// (store path hash parts, digests in hot loops). `M` must be
/// `encode_len(N)`, which is checked at compile time.
pub fn encode_array<const N: usize, const M: usize>(input: &[u8; N]) -> [u8; M] {
    const { assert!(M == encode_len(N), "M must be encode_len(N)") };
    let mut out = [0u8; M];
    encode_to_slice(input, &mut out);
    out
}

/// Writes the encoding of `input` into `out`, whose length is `encode_len(input.len())`.
fn encode_to_slice(input: &[u8], out: &mut [u8]) {
    let len = out.len();
    for (k, slot) in out.iter_mut().enumerate() {
        let n = len - 1 - k;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let low = u16::from(input[i]) >> j;
        let high = match input.get(i + 1) {
            Some(next) => u16::from(*next) << (8 - j),
            None => 0,
        };
        *slot = ALPHABET[usize::from((low | high) & 0x1f)];
    }
}

/// Decodes a nixbase32 string into bytes.
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    let input = input.as_ref();
    let out_len = decode_len(input.len());
    if encode_len(out_len) != input.len() {
        return Err(DecodeError::InvalidLength(input.len()));
    }
    let mut out = vec![0u8; out_len];
    decode_into(input, &mut out)?;
    Ok(out)
}

/// Decodes a nixbase32 string that must encode exactly `N` bytes.
pub fn decode_fixed<const N: usize>(input: impl AsRef<[u8]>) -> Result<[u8; N], DecodeError> {
    let input = input.as_ref();
    if input.len() != encode_len(N) {
        return Err(DecodeError::InvalidLength(input.len()));
    }
    let mut out = [0u8; N];
    decode_into(input, &mut out)?;
    Ok(out)
}

/// Decodes `input` into `out`, whose length must be `decode_len(input.len())`
/// and whose bytes must be zero.
fn decode_into(input: &[u8], out: &mut [u8]) -> Result<(), DecodeError> {
    let len = input.len();
    for n in 0..len {
        let position = len - n - 1;
        let byte = input[position];
        let digit = DECODE_TABLE[usize::from(byte)];
        if digit == 0xff {
            return Err(DecodeError::InvalidCharacter { position, byte });
        }
        let digit = u16::from(digit);
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        // Truncation intended: the low 8 bits belong to byte i, the rest to i + 1.
        out[i] |= (digit << j) as u8;
        let carry = (digit >> (8 - j)) as u8;
        match out.get_mut(i + 1) {
            Some(next) => *next |= carry,
            None if carry != 0 => return Err(DecodeError::NonZeroTrailingBits),
            None => {}
        }
    }
    Ok(())
}

/// Returns whether `byte` is a character of the nixbase32 alphabet.
pub fn is_valid_char(byte: u8) -> bool {
    DECODE_TABLE[usize::from(byte)] != 0xff
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::empty(&[], "")]
    #[case::one(&hex!("1f"), "0z")]
    #[case::sha1(&hex!("8a12321522fd91efbd60ebb2481af88580f61600"), "00bgd045z0d4icpbc2yyz4gx48ak44la")]
    #[case::sha256_last_bit(
        &hex!("0000000000000000000000000000000000000000000000000000000000000001"),
        "0080000000000000000000000000000000000000000000000000"
    )]
    #[case::sha256_first_bit(
        &hex!("0100000000000000000000000000000000000000000000000000000000000000"),
        "0000000000000000000000000000000000000000000000000001"
    )]
    fn vectors(#[case] bytes: &[u8], #[case] text: &str) {
        assert_eq!(encode(bytes), text);
        assert_eq!(decode(text).expect("valid"), bytes);
    }

    #[rstest]
    #[case::bad_length("0", DecodeError::InvalidLength(1))]
    #[case::bad_length_3("000", DecodeError::InvalidLength(3))]
    #[case::symbol_e("0e", DecodeError::InvalidCharacter { position: 1, byte: b'e' })]
    #[case::symbol_upper("A0", DecodeError::InvalidCharacter { position: 0, byte: b'A' })]
    #[case::carry_zz("zz", DecodeError::NonZeroTrailingBits)]
    #[case::carry_c0("c0", DecodeError::NonZeroTrailingBits)]
    fn rejects(#[case] text: &str, #[case] err: DecodeError) {
        assert_eq!(decode(text), Err(err));
    }

    #[test]
    fn fixed_length_is_checked() {
        assert_eq!(decode_fixed::<20>("0z"), Err(DecodeError::InvalidLength(2)));
        assert_eq!(decode_fixed::<1>("0z"), Ok([0x1f]));
    }

    #[test]
    fn lengths_of_hashes() {
        assert_eq!(encode_len(16), 26);
        assert_eq!(encode_len(20), 32);
        assert_eq!(encode_len(32), 52);
        assert_eq!(encode_len(64), 103);
    }

    proptest! {
        #[test]
        fn roundtrip(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), encode_len(bytes.len()));
            prop_assert_eq!(decode(&text).expect("own output decodes"), bytes);
        }

        /// String order of equal-length encodings is little-endian numeric order.
        #[test]
        fn order_is_reversed_byte_order(a in any::<[u8; 20]>(), b in any::<[u8; 20]>()) {
            let mut ra = a;
            ra.reverse();
            let mut rb = b;
            rb.reverse();
            prop_assert_eq!(encode(&a).cmp(&encode(&b)), ra.cmp(&rb));
        }

        /// The allocation-free array encoder agrees with the string encoder.
        #[test]
        fn array_encoding_matches(bytes in any::<[u8; 20]>()) {
            let arr: [u8; 32] = encode_array(&bytes);
            let text = encode(&bytes);
            prop_assert_eq!(&arr[..], text.as_bytes());
        }

        /// Decoding never panics on arbitrary input.
        #[test]
        fn decode_arbitrary(text in "[0-9a-z]{0,60}") {
            if let Ok(bytes) = decode(&text) {
                prop_assert_eq!(encode(&bytes), text);
            }
        }
    }
}
