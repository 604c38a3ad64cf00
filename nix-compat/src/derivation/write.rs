//! Rendering a derivation as ATerm, byte-identical to C++ Nix 2.26's
//! `Derivation::unparse`.
//!
//! The shape is `Derive([outputs],[inputDrvs],[inputSrcs],system,builder,[args],[env])`
//! with no whitespace. C++ Nix escapes (`"` `\` LF CR TAB) only the builder,
//! the arguments, and environment keys and values (`printString`); every other
//! string, the system included, is written raw between quotes
//! (`printUnquotedString`). We do the same.
//!
//! Rendering goes to a [`Sink`]: a `Vec<u8>` for the file, or a buffered
//! SHA-256 for hashing without materialising the text.

use std::{borrow::Cow, collections::BTreeSet};

use sha2::{Digest, Sha256};

use super::Derivation;
use crate::{
    nixbase32,
    store_path::{STORE_DIR_WITH_SLASH, StorePath},
};

/// Where rendered bytes go.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// SHA-256 behind a small buffer: ATerm rendering makes many tiny writes, and
/// one `update` per token costs more than copying it.
pub(crate) struct HashSink {
    hasher: Sha256,
    buf: [u8; HASH_SINK_BUF],
    len: usize,
}

const HASH_SINK_BUF: usize = 1024;

impl HashSink {
    pub(crate) fn new() -> Self {
        Self {
            hasher: Sha256::new(),
            buf: [0; HASH_SINK_BUF],
            len: 0,
        }
    }

    pub(crate) fn finish(mut self) -> [u8; 32] {
        self.hasher.update(&self.buf[..self.len]);
        self.hasher.finalize().into()
    }
}

impl Sink for HashSink {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
            return;
        }
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
        if bytes.len() >= HASH_SINK_BUF {
            self.hasher.update(bytes);
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            self.len = bytes.len();
        }
    }
}

/// What to write as the input derivations.
pub(crate) enum Inputs<'a> {
    /// The derivation's own `.drv` paths.
    Paths,
    /// Hash-modulo replacements: lowercase hex keys, sorted and unique, each
    /// with its sorted, unique output names.
    Hashes(&'a [([u8; 64], Cow<'a, BTreeSet<String>>)]),
}

impl Derivation {
    /// The ATerm text, exactly as C++ Nix writes it into the `.drv` file.
    #[must_use]
    pub fn to_aterm_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.estimated_aterm_len());
        self.write_aterm(&mut out);
        out
    }

    /// Appends the ATerm text to `out`.
    pub fn write_aterm(&self, out: &mut Vec<u8>) {
        write(self, out, false, &Inputs::Paths);
    }

    /// A cheap upper-bound-ish guess of the rendered size, to allocate once.
    fn estimated_aterm_len(&self) -> usize {
        const PATH: usize = STORE_DIR_WITH_SLASH.len() + 32 + 1 + 64;
        let env: usize = self
            .environment
            .iter()
            .map(|(k, v)| k.len() + v.len() + 8)
            .sum();
        let args: usize = self.arguments.iter().map(|a| a.len() + 3).sum();
        64 + self.outputs.len() * (PATH + 160)
            + self.input_derivations.len() * (PATH + 16)
            + self.input_sources.len() * (PATH + 3)
            + self.system.len()
            + self.builder.len()
            + args
            + env
    }
}

/// Renders `drv`. With `mask_outputs`, output paths and the environment
/// variables named after outputs are written as `""` (C++ `maskOutputs`).
pub(crate) fn write<S: Sink>(drv: &Derivation, out: &mut S, mask_outputs: bool, inputs: &Inputs) {
    out.put(b"Derive([");
    for (i, (name, output)) in drv.outputs.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        out.put(b"(\"");
        out.put(name.as_bytes());
        out.put(b"\",\"");
        if let (false, Some(path)) = (mask_outputs, &output.path) {
            put_path(out, path);
        }
        out.put(b"\",\"");
        if let Some(ca) = &output.ca {
            out.put(ca.method().prefix().as_bytes());
            out.put(ca.algo().as_str().as_bytes());
            out.put(b"\",\"");
            put_hex(out, ca.digest());
        } else {
            out.put(b"\",\"");
        }
        out.put(b"\")");
    }
    out.put(b"],[");
    match inputs {
        Inputs::Paths => {
            for (i, (path, names)) in drv.input_derivations.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                out.put(b"(\"");
                put_path(out, path);
                out.put(b"\",");
                put_raw_list(out, names.iter().map(String::as_str));
                out.put(b")");
            }
        }
        Inputs::Hashes(hashes) => {
            for (i, (hex, names)) in hashes.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                out.put(b"(\"");
                out.put(hex);
                out.put(b"\",");
                put_raw_list(out, names.iter().map(String::as_str));
                out.put(b")");
            }
        }
    }
    out.put(b"],[");
    for (i, path) in drv.input_sources.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        out.put(b"\"");
        put_path(out, path);
        out.put(b"\"");
    }
    out.put(b"],\"");
    out.put(&drv.system);
    out.put(b"\",");
    put_escaped(out, &drv.builder);
    out.put(b",[");
    for (i, arg) in drv.arguments.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        put_escaped(out, arg);
    }
    out.put(b"],[");
    for (i, (key, value)) in drv.environment.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        out.put(b"(");
        put_escaped(out, key);
        out.put(b",");
        let masked =
            mask_outputs && std::str::from_utf8(key).is_ok_and(|k| drv.outputs.contains_key(k));
        put_escaped(out, if masked { b"" } else { value });
        out.put(b")");
    }
    out.put(b"])");
}

/// `/nix/store/<hash>-<name>`, without allocating.
pub(crate) fn put_path<S: Sink, N: AsRef<str>>(out: &mut S, path: &StorePath<N>) {
    out.put(STORE_DIR_WITH_SLASH.as_bytes());
    out.put(&nixbase32::encode_array::<20, 32>(path.digest()));
    out.put(b"-");
    out.put(path.name_str().as_bytes());
}

/// Lowercase hex of a digest (at most 64 bytes), without allocating.
fn put_hex<S: Sink>(out: &mut S, digest: &[u8]) {
    let mut buf = [0u8; 128];
    let hex = &mut buf[..digest.len() * 2];
    data_encoding::HEXLOWER.encode_mut(digest, hex);
    out.put(hex);
}

/// `["a","b"]` without escaping (output names never need it).
fn put_raw_list<'a, S: Sink>(out: &mut S, items: impl Iterator<Item = &'a str>) {
    out.put(b"[");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.put(b",");
        }
        out.put(b"\"");
        out.put(item.as_bytes());
        out.put(b"\"");
    }
    out.put(b"]");
}

/// A quoted string with C++ Nix's `printString` escapes: `"` `\` LF CR TAB.
fn put_escaped<S: Sink>(out: &mut S, s: &[u8]) {
    out.put(b"\"");
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            _ => continue,
        };
        out.put(&s[start..i]);
        out.put(escape);
        start = i + 1;
    }
    out.put(&s[start..]);
    out.put(b"\"");
}
