//! Hash builtins: `hashString` (md5, sha1, sha256, sha512) and
//! `convertHash`, using nix-compat's encodings (nixbase32, SRI).

use md5::Digest as _;
use nix_compat::nixbase32;

use super::{Builtin, arg_ctx};
use crate::ArgType;
use crate::{
    Symbol, Value,
    errors::{Error, Result},
};

/// Hashes bytes with a Nix hash algorithm name.
pub(crate) fn hash(algo: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    Some(match algo {
        b"md5" => md5::Md5::digest(data).to_vec(),
        b"sha1" => sha1::Sha1::digest(data).to_vec(),
        b"sha256" => sha2::Sha256::digest(data).to_vec(),
        b"sha512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(b.len() * 2);
    for x in b {
        out.push(char::from(DIGITS[usize::from(x >> 4)]));
        out.push(char::from(DIGITS[usize::from(x & 0xf)]));
    }
    out
}

pub(super) fn builtins() -> Vec<Builtin> {
    vec![
        Builtin::function("hashString", 2, |ev, pos, a| {
            let algo = ev
                .string_no_ctx(&a[0], pos)
                .map_err(|e| e.with_trace(pos, arg_ctx("first", "hashString")))?;
            let s = ev.expect_string(&a[1], pos, arg_ctx("second", "hashString"))?;
            match hash(algo.as_bytes(), s.as_bytes()) {
                Some(h) => Ok(Value::string(hex(&h))),
                None => Err(Error::usage(unknown_algo(&algo.to_str_lossy())).at(pos)),
            }
        })
        .forcing(&[(0, ArgType::Any)]),
        Builtin::function("convertHash", 1, |ev, pos, a| {
            let args = ev.expect_attrs(
                &a[0],
                pos,
                "while evaluating the first argument passed to builtins.convertHash",
            )?;
            let get = |n: &str| args.get(Symbol::new(n.as_bytes())).cloned();
            let h = get("hash").ok_or_else(|| Error::eval("attribute 'hash' missing").at(pos))?;
            let h = ev.string_no_ctx(&h, pos)?;
            let algo = match get("hashAlgo") {
                Some(v) => Some(ev.string_no_ctx(&v, pos)?.to_str_lossy().into_owned()),
                None => None,
            };
            let to = get("toHashFormat")
                .ok_or_else(|| Error::eval("attribute 'toHashFormat' missing").at(pos))?;
            let to = ev.string_no_ctx(&to, pos)?;
            // C++ Nix checks the algorithm, then the format, then the hash.
            if let Some(a) = &algo {
                digest_len(a).ok_or_else(|| Error::usage(unknown_algo(a)).at(pos))?;
            }
            let encode: fn(&str, &[u8]) -> String = match to.as_bytes() {
                b"base16" => |_, b| hex(b),
                b"nix32" | b"base32" => |_, b| nixbase32::encode(b),
                b"base64" => |_, b| base64(b),
                b"sri" => |a, b| format!("{a}-{}", base64(b)),
                other => {
                    return Err(Error::usage(format!(
                        "unknown hash format '{}', expect 'base16', 'base32', 'base64', or 'sri'",
                        String::from_utf8_lossy(other)
                    ))
                    .at(pos));
                }
            };
            let (algo, bytes) =
                parse_any_hash(&h.to_str_lossy(), algo.as_deref()).map_err(|e| e.at(pos))?;
            let out = encode(&algo, &bytes);
            Ok(Value::string(out))
        })
        .forcing(&[(0, ArgType::Any)]),
    ]
}

fn digest_len(algo: &str) -> Option<usize> {
    Some(match algo {
        "md5" => 16,
        "sha1" => 20,
        "sha256" => 32,
        "sha512" => 64,
        _ => return None,
    })
}

/// C++ Nix's message for an algorithm name it does not know (a usage
/// error there).
pub(super) fn unknown_algo(a: &str) -> String {
    format!("unknown hash algorithm '{a}', expect 'md5', 'sha1', 'sha256', or 'sha512'")
}

/// Parses a hash as C++ Nix's `Hash::parseAny`: `ALGO:HASH`, SRI
/// `ALGO-HASH`, or a bare hash of the algorithm `algo`; base-16, nix32 or
/// base-64 by its length. The error is C++ Nix's (a usage error for an
/// unknown algorithm), without position.
fn parse_any_hash(s: &str, algo: Option<&str>) -> Result<(String, Vec<u8>)> {
    let (prefix, rest, sri) = if let Some((a, r)) = s.split_once(':') {
        (Some(a), r, false)
    } else if let Some((a, r)) = s.split_once('-') {
        (Some(a), r, true)
    } else {
        (None, s, false)
    };
    if let Some(p) = prefix {
        digest_len(p).ok_or_else(|| Error::usage(unknown_algo(p)))?;
    }
    let algo = match (prefix, algo) {
        (None, None) => {
            return Err(Error::eval(format!(
                "hash '{rest}' does not include a type, nor is the type otherwise known from context"
            )));
        }
        (Some(p), Some(a)) if p != a => {
            return Err(Error::eval(format!("hash '{s}' should have type '{a}'")));
        }
        (Some(p), _) => p,
        (None, Some(a)) => a,
    };
    let len = digest_len(algo).ok_or_else(|| Error::usage(unknown_algo(algo)))?;
    let bytes = if !sri && rest.len() == len * 2 {
        (0..len)
            .map(|i| {
                rest.get(i * 2..i * 2 + 2)
                    .filter(|d| d.bytes().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|d| u8::from_str_radix(d, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| Error::eval(format!("invalid base-16 hash '{rest}'")))?
    } else if !sri && rest.len() == nixbase32::encode_len(len) {
        nixbase32::decode(rest.as_bytes())
            .map_err(|_| Error::eval(format!("invalid base-32 hash '{rest}'")))?
    } else if sri || rest.len() == len.div_ceil(3) * 4 {
        unbase64(rest).filter(|b| b.len() == len).ok_or_else(|| {
            Error::eval(format!(
                "invalid {} hash '{rest}'",
                if sri { "SRI" } else { "base-64" }
            ))
        })?
    } else {
        return Err(Error::eval(format!(
            "hash '{rest}' has wrong length for hash algorithm '{algo}'"
        )));
    };
    Ok((algo.to_owned(), bytes))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(b: &[u8]) -> String {
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (chunk.get(1).copied().unwrap_or(0) as u32) << 8
            | chunk.get(2).copied().unwrap_or(0) as u32;
        for i in 0..4 {
            if i <= n {
                out.push(B64[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in [&b""[..], b"a", b"ab", b"abc", b"abcd"] {
            assert_eq!(unbase64(&base64(s)).as_deref(), Some(s));
        }
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff, 0x5c]), "000fa0ff5c");
        assert_eq!(hex(&[]), "");
    }
}
