//! Source files and positions.
//!
//! Every file (or string) the evaluator parses gets a range in one global
//! offset space, so a position is a single `u32` ([`Pos`]) that can be stored
//! in every IR node and attribute without a file pointer. Line and column are
//! only computed when an error or `unsafeGetAttrPos` needs them.
//!
//! Nix sources are bytes, not necessarily UTF-8, while rnix only parses
//! `&str`. [`SourceFile::parse_text`] maps every byte that is not part of a
//! valid UTF-8 sequence to a private-use character (U+10FF00 + byte), records
//! where it did so, and maps positions and string contents back: a
//! private-use character is only turned back into its byte when it was
//! produced by this mapping, so a source that really contains such a
//! character keeps it.

use std::{cell::RefCell, path::PathBuf, rc::Rc};

/// A position in the global offset space; `Pos::NONE` means "no position".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos(pub(crate) u32);

impl Pos {
    /// No position (builtins, values created by Rust code).
    pub const NONE: Pos = Pos(0);

    /// True unless this is [`Pos::NONE`].
    #[must_use]
    pub fn is_some(self) -> bool {
        self.0 != 0
    }
}

/// Where a source text came from, as C++ Nix names it in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A file on disk (or supplied by an `EvalIO`).
    File(PathBuf),
    /// An expression given on the command line (`«string»`).
    String,
    /// Standard input (`«stdin»`).
    Stdin,
    /// Nix source built into the evaluator or added by an embedder
    /// ([`crate::Builtin::nix`]), shown as `<nix/NAME>` like C++ Nix's
    /// `<nix/derivation-internal.nix>`.
    Internal(&'static str),
}

impl Origin {
    /// The path C++ Nix gives a position in this source where it shows one
    /// as a file (`mkPos`, `posToXML`): the file's, or `/NAME` of its
    /// internal file system for a built-in file; none for `-E` or stdin.
    #[must_use]
    pub fn cpp_path(&self) -> Option<Vec<u8>> {
        match self {
            Origin::File(p) => Some(p.as_os_str().as_encoded_bytes().to_vec()),
            Origin::Internal(name) => Some(format!("/{name}").into_bytes()),
            Origin::String | Origin::Stdin => None,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::String => f.write_str("«string»"),
            Origin::Stdin => f.write_str("«stdin»"),
            Origin::Internal(name) => write!(f, "<nix/{name}>"),
        }
    }
}

/// Base of the private-use range that encodes bytes of invalid UTF-8.
const BYTE_CHAR_BASE: u32 = 0x10FF00;

/// One parsed source text.
#[derive(Debug)]
pub struct SourceFile {
    /// Where it came from.
    pub origin: Origin,
    /// The original bytes.
    pub bytes: Vec<u8>,
    /// First global offset of this file (offset 0 of the file).
    pub(crate) base: u32,
    /// The text given to rnix (valid UTF-8, see the module doc).
    pub(crate) text: String,
    /// Offsets in `text` where a byte was replaced by a private-use char.
    substitutions: Vec<u32>,
    /// Byte offsets (in `bytes`) where lines start.
    line_starts: Vec<u32>,
}

impl SourceFile {
    fn new(origin: Origin, bytes: Vec<u8>, base: u32) -> Self {
        let mut text = String::with_capacity(bytes.len());
        let mut substitutions = Vec::new();
        for chunk in bytes.utf8_chunks() {
            text.push_str(chunk.valid());
            for &b in chunk.invalid() {
                substitutions.push(text.len() as u32);
                // Invariant: BYTE_CHAR_BASE + 0..=255 is a valid scalar value
                // (U+10FF00..=U+10FFFF), so from_u32 cannot fail.
                text.push(char::from_u32(BYTE_CHAR_BASE + b as u32).unwrap_or('\u{FFFD}'));
            }
        }
        end_line_comments_at_cr(&mut text);
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i as u32 + 1),
                // A lone CR, or CRLF, also ends a line (as in C++ Nix's lexer).
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i as u32 + 1);
                }
                _ => {}
            }
            i += 1;
        }
        SourceFile {
            origin,
            bytes,
            base,
            text,
            substitutions,
            line_starts,
        }
    }

    /// Maps an offset in the rnix text to an offset in the original bytes.
    pub(crate) fn text_to_byte_offset(&self, text_offset: u32) -> u32 {
        let before = self.substitutions.partition_point(|&s| s < text_offset);
        // Each substituted byte became a 4-byte char.
        text_offset - 3 * before as u32
    }

    /// The global position of an offset in the rnix text.
    pub(crate) fn pos(&self, text_offset: u32) -> Pos {
        Pos(self.base + self.text_to_byte_offset(text_offset))
    }

    /// Appends the bytes a piece of the rnix text stands for: the text itself,
    /// except substituted chars, which become their original byte again.
    pub(crate) fn push_original(&self, out: &mut Vec<u8>, piece: &str, piece_offset: u32) {
        if self.substitutions.is_empty() {
            out.extend_from_slice(piece.as_bytes());
            return;
        }
        for (i, c) in piece.char_indices() {
            let code = c as u32;
            if code >= BYTE_CHAR_BASE
                && self
                    .substitutions
                    .binary_search(&(piece_offset + i as u32))
                    .is_ok()
            {
                out.push((code - BYTE_CHAR_BASE) as u8);
            } else {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }

    /// 1-based line and column (in bytes, as C++ Nix counts) of a byte offset.
    #[must_use]
    pub fn line_col(&self, byte_offset: u32) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&s| s <= byte_offset);
        let start = self.line_starts[line.saturating_sub(1)];
        (line as u32, byte_offset - start + 1)
    }

    /// The bytes of a 1-based line, without its terminator.
    #[must_use]
    pub fn line(&self, line: u32) -> Option<&[u8]> {
        let start = *self.line_starts.get(line.checked_sub(1)? as usize)? as usize;
        let mut end = start;
        while end < self.bytes.len() && self.bytes[end] != b'\n' && self.bytes[end] != b'\r' {
            end += 1;
        }
        Some(&self.bytes[start..end])
    }
}

/// C++ Nix's lexer ends a `#` comment at a lone CR too (`#[^\r\n]*`),
/// rnix's only at LF: such a CR becomes an LF in the text given to rnix
/// (same length, so offsets do not move; the comment's text is never used).
fn end_line_comments_at_cr(text: &mut String) {
    let lone_cr = |s: &str| {
        s.as_bytes()
            .iter()
            .enumerate()
            .position(|(i, &c)| c == b'\r' && s.as_bytes().get(i + 1) != Some(&b'\n'))
    };
    if lone_cr(text).is_none() {
        return;
    }
    loop {
        let mut offset = 0;
        let mut fix = None;
        for (kind, tok) in rnix::tokenize(text) {
            if kind == rnix::SyntaxKind::TOKEN_COMMENT && tok.starts_with('#') {
                if let Some(i) = lone_cr(tok) {
                    fix = Some(offset + i);
                    break;
                }
            }
            offset += tok.len();
        }
        match fix {
            Some(i) => text.replace_range(i..=i, "\n"),
            None => return,
        }
    }
}

/// A resolved position: file, line and column.
#[derive(Clone, Debug)]
pub struct Location {
    /// The file.
    pub file: Rc<SourceFile>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (bytes).
    pub column: u32,
}

/// All sources of one evaluation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: RefCell<Vec<Rc<SourceFile>>>,
}

impl SourceMap {
    /// Adds a source text and returns it.
    pub fn add(&self, origin: Origin, bytes: Vec<u8>) -> Rc<SourceFile> {
        let mut files = self.files.borrow_mut();
        // Offset 0 is Pos::NONE; every file gets one extra offset for EOF.
        let base = files
            .last()
            .map(|f| f.base + f.bytes.len() as u32 + 1)
            .unwrap_or(1);
        let file = Rc::new(SourceFile::new(origin, bytes, base));
        files.push(file.clone());
        file
    }

    /// Resolves a position to file, line and column.
    #[must_use]
    pub fn locate(&self, pos: Pos) -> Option<Location> {
        if !pos.is_some() {
            return None;
        }
        let files = self.files.borrow();
        let idx = files.partition_point(|f| f.base <= pos.0).checked_sub(1)?;
        let file = files[idx].clone();
        let (line, column) = file.line_col(pos.0 - file.base);
        Some(Location { file, line, column })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_round_trips_through_the_text() {
        let map = SourceMap::default();
        let f = map.add(Origin::String, b"\"a\xff\xfeb\"".to_vec());
        assert!(f.text.is_char_boundary(f.text.len()));
        let mut out = Vec::new();
        f.push_original(&mut out, &f.text, 0);
        assert_eq!(out, b"\"a\xff\xfeb\"");
        // 'b' is at byte 4 of the original, text offset 1+1+4+4 = 10.
        assert_eq!(f.text_to_byte_offset(10), 4);
    }

    #[test]
    fn real_private_use_chars_are_kept() {
        let map = SourceMap::default();
        let f = map.add(Origin::String, "\u{10FFAA}".as_bytes().to_vec());
        let mut out = Vec::new();
        f.push_original(&mut out, &f.text, 0);
        assert_eq!(out, "\u{10FFAA}".as_bytes());
    }

    #[test]
    fn line_and_column() {
        let map = SourceMap::default();
        let _ = map.add(Origin::String, b"x".to_vec());
        let f = map.add(Origin::Stdin, b"ab\ncd\r\nef\rg".to_vec());
        let loc = map.locate(f.pos(10)).expect("located");
        assert_eq!((loc.line, loc.column), (4, 1));
        let loc = map.locate(f.pos(4)).expect("located");
        assert_eq!((loc.line, loc.column), (2, 2));
        assert_eq!(f.line(3), Some(&b"ef"[..]));
    }
}
