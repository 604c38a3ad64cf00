//! Hash builtins: `hashString` (md5, sha1, sha256, sha512) and
//! `convertHash`, using nix-compat's encodings (nixbase32, SRI).

use md5::Digest as _;
use nix_compat::nixbase32;

use super::{Builtin, arg_ctx};
use crate::{Symbol, Value, errors::Error};

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
                None => Err(Error::eval(format!(
                    "unknown hash algorithm '{}'",
                    algo.to_str_lossy()
                ))
                .at(pos)),
            }
        }),
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
            let digest = parse_any_hash(&h.to_str_lossy(), algo.as_deref()).ok_or_else(|| {
                Error::eval(format!("invalid hash '{}'", h.to_str_lossy())).at(pos)
            })?;
            let (algo, bytes) = digest;
            let out = match to.as_bytes() {
                b"base16" => hex(&bytes),
                b"nix32" | b"base32" => nixbase32::encode(&bytes),
                b"base64" => base64(&bytes),
                b"sri" => format!("{algo}-{}", base64(&bytes)),
                other => {
                    return Err(Error::eval(format!(
                        "unknown hash format '{}', expect 'base16', 'base32', 'base64', or 'sri'",
                        String::from_utf8_lossy(other)
                    ))
                    .at(pos));
                }
            };
            Ok(Value::string(out))
        }),
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

fn parse_any_hash(s: &str, algo: Option<&str>) -> Option<(String, Vec<u8>)> {
    let (algo, rest, sri) =
        if let Some((a, r)) = s.split_once('-').filter(|(a, _)| digest_len(a).is_some()) {
            (a.to_owned(), r, true)
        } else if let Some((a, r)) = s.split_once(':') {
            (a.to_owned(), r, false)
        } else {
            (algo?.to_owned(), s, false)
        };
    let len = digest_len(&algo)?;
    let bytes = if sri {
        unbase64(rest)?
    } else if rest.len() == len * 2 {
        (0..len)
            .map(|i| u8::from_str_radix(rest.get(i * 2..i * 2 + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else if rest.len() == nixbase32::encode_len(len) {
        nixbase32::decode(rest.as_bytes()).ok()?
    } else {
        unbase64(rest)?
    };
    (bytes.len() == len).then_some((algo, bytes))
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
