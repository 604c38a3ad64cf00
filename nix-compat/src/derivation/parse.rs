//! A strict, hand-written parser for the ATerm form of derivations.
//!
//! It reads what C++ Nix 2.26's `parseDerivation` reads, with the same string
//! unescaping (`\n` `\r` `\t` are control characters, `\x` is `x` for any other
//! byte), but refuses what C++ Nix silently repairs or never writes:
//! - trailing bytes after the closing `)`;
//! - duplicate or unsorted outputs, input derivations, input sources, output
//!   names and environment keys (C++ Nix always writes them sorted and unique;
//!   reading such a file and writing it back would change its hash);
//! - list separators other than single commas (C++ accepts `[,"a""b"]`);
//! - store paths that are not canonical `/nix/store/<hash>-<name>` paths;
//! - a fixed output's hash in another encoding than lowercase base16 (the only
//!   one C++ Nix writes), or a hash without a hash algorithm;
//! - what needs an experimental feature ([`Unsupported`]).
//!
//! After parsing, [`Derivation::validate`] runs. Errors carry the byte offset
//! where the problem starts and what was expected there.

use std::borrow::Cow;

use bstr::BString;

use super::{Derivation, Output, Unsupported, ValidationError};
use crate::{
    nixhash::{CAHash, HashAlgo, NixHash},
    store_path::{self, StorePath},
};

/// Why bytes are not a derivation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is malformed at `offset`.
    #[error("malformed derivation at byte {offset}: {kind}")]
    Syntax {
        /// Byte offset of the problem in the input.
        offset: usize,
        /// What is wrong there.
        #[source]
        kind: SyntaxError,
    },
    /// The text is well-formed, but the derivation is not valid.
    #[error("invalid derivation: {0}")]
    Invalid(#[from] ValidationError),
}

/// What is malformed in an ATerm derivation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// A fixed piece of syntax is missing.
    #[error("expected {expected}, found {}", show_found(*.found))]
    Expected {
        /// What was expected, e.g. `'('`.
        expected: &'static str,
        /// The byte found instead (`None` at the end of the input).
        found: Option<u8>,
    },
    /// A string has no closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A field that must be UTF-8 is not.
    #[error("{field} is not valid UTF-8")]
    NotUtf8 {
        /// Which field.
        field: &'static str,
    },
    /// A field that must be a store path is not one.
    #[error("invalid store path in {field}")]
    StorePath {
        /// Which field.
        field: &'static str,
        /// Why the path is invalid.
        #[source]
        source: store_path::Error,
    },
    /// A key appears twice.
    #[error("duplicate {what} '{key}'")]
    Duplicate {
        /// What kind of key (output, input derivation, ...).
        what: &'static str,
        /// The key, lossily decoded.
        key: String,
    },
    /// Keys are not in the order C++ Nix writes them.
    #[error("{what} '{key}' is out of order (C++ Nix writes them sorted)")]
    Unsorted {
        /// What kind of key.
        what: &'static str,
        /// The key, lossily decoded.
        key: String,
    },
    /// The hash algorithm of an output is unknown.
    #[error("unknown hash algorithm '{0}' in output")]
    UnknownHashAlgo(String),
    /// A fixed output's hash is not lowercase base16 of the algorithm's length.
    #[error("output hash '{hash}' is not a lowercase base16 {algo} digest")]
    BadOutputHash {
        /// The hash field, lossily decoded.
        hash: String,
        /// The output's algorithm.
        algo: HashAlgo,
    },
    /// An output has a hash but no hash algorithm.
    #[error("output has a hash but no hash algorithm")]
    HashWithoutAlgo,
    /// Something that needs an experimental feature of C++ Nix.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// Bytes after the closing parenthesis.
    #[error("trailing data after the derivation")]
    TrailingData,
}

fn show_found(found: Option<u8>) -> String {
    match found {
        None => "end of input".to_owned(),
        Some(c) if c.is_ascii_graphic() || c == b' ' => format!("'{}'", char::from(c)),
        Some(c) => format!("byte 0x{c:02x}"),
    }
}

impl Derivation {
    /// Parses the ATerm text of a `.drv` file, then [validates](Self::validate) it.
    pub fn from_aterm_bytes(input: &[u8]) -> std::result::Result<Self, ParseError> {
        let drv = Parser { input, pos: 0 }.derivation()?;
        drv.validate()?;
        Ok(drv)
    }
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

type Result<T> = std::result::Result<T, ParseError>;

fn syntax(offset: usize, kind: impl Into<SyntaxError>) -> ParseError {
    ParseError::Syntax {
        offset,
        kind: kind.into(),
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Consumes `lit`, or fails at the first byte that differs.
    fn expect(&mut self, lit: &'static str, expected: &'static str) -> Result<()> {
        for &want in lit.as_bytes() {
            let found = self.peek();
            if found != Some(want) {
                return Err(syntax(self.pos, SyntaxError::Expected { expected, found }));
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// After a list item: `,` (more items follow, returns false) or `]` (end).
    fn list_end(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(true)
            }
            found => Err(syntax(
                self.pos,
                SyntaxError::Expected {
                    expected: "',' or ']'",
                    found,
                },
            )),
        }
    }

    /// `[item,item,...]`, calling `item` for each.
    fn list(&mut self, mut item: impl FnMut(&mut Self) -> Result<()>) -> Result<()> {
        self.expect("[", "'['")?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            if self.list_end()? {
                return Ok(());
            }
        }
    }

    /// A quoted string, unescaped as C++ Nix's `parseString` does.
    fn string(&mut self) -> Result<Cow<'a, [u8]>> {
        self.expect("\"", "'\"'")?;
        let start = self.pos;
        let input = self.input;
        let mut escaped = false;
        let mut i = start;
        loop {
            match input.get(i) {
                None => return Err(syntax(start - 1, SyntaxError::UnterminatedString)),
                Some(b'"') => break,
                Some(b'\\') => {
                    if i + 1 >= input.len() {
                        return Err(syntax(start - 1, SyntaxError::UnterminatedString));
                    }
                    escaped = true;
                    i += 2;
                }
                Some(_) => i += 1,
            }
        }
        let content = &input[start..i];
        self.pos = i + 1;
        if !escaped {
            return Ok(Cow::Borrowed(content));
        }
        let mut out = Vec::with_capacity(content.len());
        let mut bytes = content.iter();
        while let Some(&c) = bytes.next() {
            if c != b'\\' {
                out.push(c);
                continue;
            }
            // The scan above guarantees a byte after every backslash.
            match bytes.next() {
                Some(b'n') => out.push(b'\n'),
                Some(b'r') => out.push(b'\r'),
                Some(b't') => out.push(b'\t'),
                Some(&other) => out.push(other),
                None => {}
            }
        }
        Ok(Cow::Owned(out))
    }

    fn utf8_string(&mut self, field: &'static str) -> Result<String> {
        let start = self.pos;
        let bytes = self.string()?;
        String::from_utf8(bytes.into_owned())
            .map_err(|_| syntax(start, SyntaxError::NotUtf8 { field }))
    }

    fn bytes_string(&mut self) -> Result<BString> {
        Ok(BString::from(self.string()?.into_owned()))
    }

    fn store_path(&mut self, field: &'static str) -> Result<StorePath<String>> {
        let start = self.pos;
        let s = self.string()?;
        StorePath::<&str>::from_absolute_path(&s)
            .map(|p| p.to_owned())
            .map_err(|source| syntax(start, SyntaxError::StorePath { field, source }))
    }

    fn derivation(mut self) -> Result<Derivation> {
        if self.input.starts_with(b"DrvWithVersion(") {
            return Err(syntax(0, Unsupported::DrvWithVersion));
        }
        self.expect("Derive(", "'Derive('")?;
        let mut drv = Derivation::default();

        self.list(|p| {
            p.expect("(", "'('")?;
            let start = p.pos;
            let name = p.utf8_string("output name")?;
            p.expect(",", "','")?;
            let output = p.output()?;
            p.expect(")", "')'")?;
            check_order(
                start,
                "output",
                drv.outputs.keys().next_back(),
                &name,
                |n| n.clone(),
            )?;
            drv.outputs.insert(name, output);
            Ok(())
        })?;

        self.expect(",", "','")?;
        self.list(|p| {
            p.expect("(", "'('")?;
            let start = p.pos;
            let path = p.store_path("input derivation")?;
            p.expect(",", "','")?;
            let mut names = std::collections::BTreeSet::new();
            p.list(|p| {
                let start = p.pos;
                let name = p.utf8_string("output name of input derivation")?;
                check_order(start, "output name", names.last(), &name, |n| n.clone())?;
                names.insert(name);
                Ok(())
            })?;
            p.expect(")", "')'")?;
            check_order(
                start,
                "input derivation",
                drv.input_derivations.keys().next_back(),
                &path,
                |p| p.to_absolute_path(),
            )?;
            drv.input_derivations.insert(path, names);
            Ok(())
        })?;

        self.expect(",", "','")?;
        self.list(|p| {
            let start = p.pos;
            let path = p.store_path("input source")?;
            check_order(
                start,
                "input source",
                drv.input_sources.last(),
                &path,
                |p| p.to_absolute_path(),
            )?;
            drv.input_sources.insert(path);
            Ok(())
        })?;

        self.expect(",", "','")?;
        drv.system = self.bytes_string()?;
        self.expect(",", "','")?;
        drv.builder = self.bytes_string()?;
        self.expect(",", "','")?;
        self.list(|p| {
            drv.arguments.push(p.bytes_string()?);
            Ok(())
        })?;

        self.expect(",", "','")?;
        self.list(|p| {
            p.expect("(", "'('")?;
            let start = p.pos;
            let key = p.bytes_string()?;
            p.expect(",", "','")?;
            let value = p.bytes_string()?;
            p.expect(")", "')'")?;
            check_order(
                start,
                "environment variable",
                drv.environment.keys().next_back(),
                &key,
                |k| k.to_string(),
            )?;
            drv.environment.insert(key, value);
            Ok(())
        })?;
        self.expect(")", "')'")?;
        if self.pos != self.input.len() {
            return Err(syntax(self.pos, SyntaxError::TrailingData));
        }
        Ok(drv)
    }

    /// The path, hash algorithm and hash fields of an output, as C++ Nix's
    /// `parseDerivationOutput` reads them.
    fn output(&mut self) -> Result<Output> {
        let path_start = self.pos;
        let path = self.string()?;
        self.expect(",", "','")?;
        let algo_start = self.pos;
        let algo = self.string()?;
        self.expect(",", "','")?;
        let hash_start = self.pos;
        let hash = self.string()?;

        let parse_path = |path: &[u8]| {
            StorePath::<&str>::from_absolute_path(path)
                .map(|p| p.to_owned())
                .map_err(|source| {
                    syntax(
                        path_start,
                        SyntaxError::StorePath {
                            field: "output path",
                            source,
                        },
                    )
                })
        };

        if algo.is_empty() {
            if !hash.is_empty() {
                return Err(syntax(hash_start, SyntaxError::HashWithoutAlgo));
            }
            if path.is_empty() {
                return Err(syntax(path_start, Unsupported::Deferred));
            }
            return Ok(Output {
                path: Some(parse_path(&path)?),
                ca: None,
            });
        }

        let (nar, algo_name): (bool, &[u8]) = if let Some(rest) = algo.strip_prefix(b"r:") {
            (true, rest)
        } else if algo.starts_with(b"git:") {
            return Err(syntax(algo_start, Unsupported::GitHashing));
        } else if algo.starts_with(b"text:") {
            return Err(syntax(algo_start, Unsupported::TextOutput));
        } else {
            (false, &algo)
        };
        let hash_algo: HashAlgo = std::str::from_utf8(algo_name)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                syntax(
                    algo_start,
                    SyntaxError::UnknownHashAlgo(String::from_utf8_lossy(algo_name).into_owned()),
                )
            })?;
        if *hash == *b"impure" {
            return Err(syntax(hash_start, Unsupported::Impure));
        }
        if hash.is_empty() {
            return Err(syntax(hash_start, Unsupported::CaFloating));
        }
        let bad_hash = || {
            syntax(
                hash_start,
                SyntaxError::BadOutputHash {
                    hash: String::from_utf8_lossy(&hash).into_owned(),
                    algo: hash_algo,
                },
            )
        };
        if hash.len() != hash_algo.digest_len() * 2 {
            return Err(bad_hash());
        }
        let digest = data_encoding::HEXLOWER
            .decode(&hash)
            .map_err(|_| bad_hash())?;
        let hash = NixHash::from_algo_and_digest(hash_algo, &digest).map_err(|_| bad_hash())?;
        let ca = if nar {
            CAHash::Nar(hash)
        } else {
            CAHash::Flat(hash)
        };
        Ok(Output {
            path: Some(parse_path(&path)?),
            ca: Some(ca),
        })
    }
}

/// Checks that `key` comes strictly after `last`.
fn check_order<K: Ord + ?Sized>(
    offset: usize,
    what: &'static str,
    last: Option<&K>,
    key: &K,
    show: impl Fn(&K) -> String,
) -> Result<()> {
    match last.map(|last| last.cmp(key)) {
        Some(std::cmp::Ordering::Equal) => Err(syntax(
            offset,
            SyntaxError::Duplicate {
                what,
                key: show(key),
            },
        )),
        Some(std::cmp::Ordering::Greater) => Err(syntax(
            offset,
            SyntaxError::Unsorted {
                what,
                key: show(key),
            },
        )),
        _ => Ok(()),
    }
}
