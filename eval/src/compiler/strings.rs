//! String and path literals: escapes, indentation stripping and path
//! resolution, on bytes (sources need not be UTF-8), following C++ Nix's
//! lexer (`unescapeStr`) and parser (`stripIndentation`) rule for rule.

use rnix::{NodeOrToken, SyntaxKind, SyntaxNode, ast};
use rowan::ast::AstNode;

use super::{Compiler, parse_error};
use crate::{
    NixString, Pos, Value,
    errors::Result,
    ir::{Expr, ExprRef},
};

/// A piece of a string literal before lowering.
pub(super) enum Piece {
    /// Literal bytes; `indent` is false for escapes and `''$`-style tokens,
    /// which end a line's leading whitespace (C++ `hasIndentation`).
    Text {
        bytes: Vec<u8>,
        indent: bool,
    },
    Interpolation(ast::Interpol),
}

/// C++ Nix's `unescapeStr` for `"..."` strings: `\n`, `\r`, `\t`, `\x` -> x,
/// and CR / CRLF normalised to LF.
fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        if c == b'\\' && i < raw.len() {
            let e = raw[i];
            i += 1;
            out.push(match e {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                other => other,
            });
        } else if c == b'\r' {
            out.push(b'\n');
            if raw.get(i) == Some(&b'\n') {
                i += 1;
            }
        } else {
            out.push(c);
        }
    }
}

/// True if `raw` (a `"..."` string token) has a NUL byte that does not
/// follow a backslash.
fn has_unescaped_nul(raw: &[u8]) -> bool {
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            0 => return true,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    false
}

/// Splits the raw content of an indented string into C++ Nix's tokens.
/// Returns the first run that holds a NUL byte, as C++ Nix's lexer reports
/// it: its offset in `raw` and its text (an escaped NUL, `''\<NUL>`, is
/// not checked, as in C++ Nix).
fn indented_pieces(raw: &[u8], out: &mut Vec<Piece>) -> Option<(usize, Vec<u8>)> {
    let mut i = 0;
    let mut run = Vec::new();
    let mut run_start = 0;
    let mut nul: Option<(usize, Vec<u8>)> = None;
    let mut flush = |run: &mut Vec<u8>, run_start: usize, out: &mut Vec<Piece>| {
        if !run.is_empty() {
            if nul.is_none() && run.contains(&0) {
                nul = Some((run_start, run.clone()));
            }
            out.push(Piece::Text {
                bytes: std::mem::take(run),
                indent: true,
            });
        }
    };
    while i < raw.len() {
        let rest = &raw[i..];
        if run.is_empty() {
            run_start = i;
        }
        if rest.starts_with(b"'''") {
            flush(&mut run, run_start, out);
            out.push(Piece::Text {
                bytes: b"''".to_vec(),
                indent: false,
            });
            i += 3;
        } else if rest.starts_with(b"''$") {
            flush(&mut run, run_start, out);
            out.push(Piece::Text {
                bytes: b"$".to_vec(),
                indent: false,
            });
            i += 3;
        } else if rest.starts_with(b"''\\") && rest.len() > 3 {
            flush(&mut run, run_start, out);
            let mut b = Vec::new();
            // One escaped character (a whole UTF-8 sequence is copied as is,
            // byte by byte, which gives the same bytes).
            unescape(&rest[2..4], &mut b);
            out.push(Piece::Text {
                bytes: b,
                indent: false,
            });
            i += 4;
        } else if rest[0] == b'$' && rest.get(1).is_none_or(|&n| n == b'\'' || n == b'{') {
            flush(&mut run, run_start, out);
            out.push(Piece::Text {
                bytes: b"$".to_vec(),
                indent: false,
            });
            i += 1;
        } else if rest[0] == b'\'' && rest.get(1).is_none_or(|&n| n == b'\'' || n == b'$') {
            flush(&mut run, run_start, out);
            out.push(Piece::Text {
                bytes: b"'".to_vec(),
                indent: false,
            });
            i += 1;
        } else if rest[0] == b'$' || rest[0] == b'\'' {
            run.extend_from_slice(&rest[..2]);
            i += 2;
        } else {
            run.push(rest[0]);
            i += 1;
        }
    }
    flush(&mut run, run_start, out);
    nul
}

/// C++ Nix's `stripIndentation`.
fn strip_indentation(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut at_start = true;
    let mut min_indent = usize::MAX;
    let mut cur = 0;
    for p in &pieces {
        match p {
            Piece::Text {
                bytes,
                indent: true,
            } => {
                for &c in bytes {
                    if at_start {
                        if c == b' ' {
                            cur += 1;
                        } else if c == b'\n' {
                            cur = 0;
                        } else {
                            at_start = false;
                            min_indent = min_indent.min(cur);
                        }
                    } else if c == b'\n' {
                        at_start = true;
                        cur = 0;
                    }
                }
            }
            _ => {
                if at_start {
                    at_start = false;
                    min_indent = min_indent.min(cur);
                }
            }
        }
    }
    let mut out = Vec::new();
    at_start = true;
    let mut dropped = 0;
    let n = pieces.len();
    for (idx, p) in pieces.into_iter().enumerate() {
        match p {
            Piece::Interpolation(i) => {
                at_start = false;
                dropped = 0;
                out.push(Piece::Interpolation(i));
            }
            Piece::Text { bytes, .. } => {
                let mut s2 = Vec::with_capacity(bytes.len());
                for c in bytes {
                    if at_start {
                        if c == b' ' {
                            if dropped >= min_indent {
                                s2.push(c);
                            }
                            dropped += 1;
                        } else if c == b'\n' {
                            dropped = 0;
                            s2.push(c);
                        } else {
                            at_start = false;
                            dropped = 0;
                            s2.push(c);
                        }
                    } else {
                        s2.push(c);
                        if c == b'\n' {
                            at_start = true;
                        }
                    }
                }
                // The last piece: drop a final line made only of spaces.
                if idx + 1 == n {
                    if let Some(p) = s2.iter().rposition(|&c| c == b'\n') {
                        if s2[p + 1..].iter().all(|&c| c == b' ') {
                            s2.truncate(p + 1);
                        }
                    }
                }
                if !s2.is_empty() {
                    out.push(Piece::Text {
                        bytes: s2,
                        indent: true,
                    });
                }
            }
        }
    }
    out
}

impl Compiler<'_> {
    /// The pieces of a string literal. A literal token holding a NUL byte
    /// is an error, reported as C++ Nix's lexer does: at the token, with
    /// its text (unescaped, except in an indented string's plain runs).
    pub(super) fn string_pieces(&self, node: &SyntaxNode) -> Result<Vec<Piece>> {
        let indented = node
            .first_token()
            .is_some_and(|t| t.kind() == SyntaxKind::TOKEN_STRING_START && t.text() == "''");
        let mut pieces = Vec::new();
        let mut first = true;
        for child in node.children_with_tokens() {
            match child {
                NodeOrToken::Token(t) if t.kind() == SyntaxKind::TOKEN_STRING_CONTENT => {
                    let mut raw = self.text_bytes(&t);
                    let mut start = self.tpos(&t).0;
                    let nul = if indented {
                        if first {
                            // `''` swallows spaces up to and including the
                            // first newline.
                            if let Some(p) = raw.iter().position(|&c| c != b' ') {
                                if raw[p] == b'\n' {
                                    raw.drain(..=p);
                                    start += p as u32 + 1;
                                }
                            }
                        }
                        indented_pieces(&raw, &mut pieces)
                    } else {
                        let mut b = Vec::with_capacity(raw.len());
                        unescape(&raw, &mut b);
                        // C++ `unescapeStr` does not check an escaped byte.
                        let nul = has_unescaped_nul(&raw).then(|| (0, b.clone()));
                        pieces.push(Piece::Text {
                            bytes: b,
                            indent: false,
                        });
                        nul
                    };
                    if let Some((offset, text)) = nul {
                        let shown = bstr::ByteSlice::replace(&text[..], b"\0", "\u{2400}");
                        return Err(parse_error(
                            format!(
                                "input string '{}' cannot be represented as Nix string because it contains null bytes",
                                String::from_utf8_lossy(&shown)
                            ),
                            Pos(start + offset as u32),
                        ));
                    }
                    first = false;
                }
                NodeOrToken::Node(n) => {
                    if let Some(i) = ast::Interpol::cast(n) {
                        pieces.push(Piece::Interpolation(i));
                    }
                    first = false;
                }
                _ => {}
            }
        }
        Ok(if indented {
            strip_indentation(pieces)
        } else {
            pieces
        })
    }

    /// The bytes of a string literal without interpolation, if it is one.
    pub(super) fn static_string(&self, s: &ast::Str) -> Result<Option<Vec<u8>>> {
        // One literal part at most: an indented string that escapes split
        // into several is a concatenation in C++ Nix (see `string`), so a
        // dynamic attribute name (`${''a''${b}''}`).
        match &self.string_pieces(s.syntax())?[..] {
            [] => Ok(Some(Vec::new())),
            [Piece::Text { bytes, .. }] => Ok(Some(bytes.clone())),
            _ => Ok(None),
        }
    }

    pub(super) fn string(&mut self, s: &ast::Str) -> Result<ExprRef> {
        let pos = self.pos(s.syntax());
        let pieces = self.string_pieces(s.syntax())?;
        let mut parts: Vec<(Pos, ExprRef)> = Vec::new();
        let mut literal_only = true;
        for p in pieces {
            match p {
                Piece::Text { bytes, .. } => {
                    // A literal part never fails, so its exact position
                    // does not matter: the string's own is used.
                    parts.push((
                        pos,
                        ExprRef::new(Expr::Const(Value::String(NixString::new(bytes)))),
                    ));
                }
                Piece::Interpolation(i) => {
                    literal_only = false;
                    let e = self.child(i.expr(), i.syntax())?;
                    parts.push((self.pos(i.syntax()), self.expr(&e)?));
                }
            }
        }
        // Without interpolation, one literal part is a constant; several
        // (an indented string with escapes: `''a''${b}''`) are a
        // concatenation in C++ Nix (stripIndentation), so a thunk where
        // values are delayed (`<CODE>` when printed unforced).
        if literal_only && parts.len() <= 1 {
            let mut all = Vec::new();
            for (_, p) in &parts {
                if let Expr::Const(Value::String(s)) = &**p {
                    all.extend_from_slice(s.as_bytes());
                }
            }
            return Ok(ExprRef::new(Expr::Const(Value::String(NixString::new(
                all,
            )))));
        }
        Ok(ExprRef::new(Expr::ConcatStrings {
            parts: parts.into(),
            pos,
            force_string: true,
        }))
    }

    /// A path literal, possibly interpolated.
    pub(super) fn path(&mut self, node: &SyntaxNode, pos: Pos) -> Result<ExprRef> {
        let mut parts: Vec<(Pos, ExprRef)> = Vec::new();
        let mut first = true;
        for child in node.children_with_tokens() {
            match child {
                NodeOrToken::Token(t) => {
                    let raw = self.text_bytes(&t);
                    let bytes = if first {
                        self.resolve_path_start(&raw, pos)?
                    } else {
                        raw
                    };
                    parts.push((
                        self.tpos(&t),
                        ExprRef::new(Expr::Const(if first {
                            Value::Path(NixString::new(bytes))
                        } else {
                            Value::String(NixString::new(bytes))
                        })),
                    ));
                    first = false;
                }
                NodeOrToken::Node(n) => {
                    if let Some(i) = ast::Interpol::cast(n) {
                        let e = self.child(i.expr(), i.syntax())?;
                        parts.push((self.pos(i.syntax()), self.expr(&e)?));
                        first = false;
                    }
                }
            }
        }
        if parts.len() == 1 {
            if let Expr::Const(Value::Path(p)) = &*parts[0].1 {
                let canon = crate::path::canonicalise(p.as_bytes());
                return Ok(ExprRef::new(Expr::Const(Value::Path(NixString::new(
                    canon,
                )))));
            }
        }
        Ok(ExprRef::new(Expr::ConcatStrings {
            parts: parts.into(),
            pos,
            force_string: false,
        }))
    }

    /// The absolute form of the first segment of a path literal; a trailing
    /// slash (before an interpolation) is kept, as C++ Nix does.
    pub(super) fn resolve_path_start(&self, raw: &[u8], pos: Pos) -> Result<Vec<u8>> {
        let mut out;
        if let Some(rest) = raw.strip_prefix(b"~/") {
            let home = self.ctx.home.ok_or_else(|| {
                parse_error(
                    "the contents of the HOME environment variable are unknown",
                    pos,
                )
            })?;
            out = home.to_vec();
            out.push(b'/');
            out.extend_from_slice(rest);
        } else if raw.starts_with(b"/") {
            out = raw.to_vec();
        } else {
            out = self.ctx.base_dir.to_vec();
            out.push(b'/');
            out.extend_from_slice(raw);
        }
        let trailing = raw.len() > 1 && raw.ends_with(b"/");
        let mut canon = crate::path::canonicalise(&out);
        if trailing && !canon.ends_with(b"/") {
            canon.push(b'/');
        }
        Ok(canon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(raw: &[u8]) -> Vec<u8> {
        let mut pieces = Vec::new();
        let _ = indented_pieces(raw, &mut pieces);
        let mut out = Vec::new();
        for p in strip_indentation(pieces) {
            if let Piece::Text { bytes, .. } = p {
                out.extend(bytes);
            }
        }
        out
    }

    #[test]
    fn indentation_is_stripped_to_the_least_indented_line() {
        assert_eq!(strip(b"  a\n    b\n  "), b"a\n  b\n");
        // C++ Nix: an escape is not indentation (checked with 2.26.3).
        assert_eq!(strip(b"  ''\\n x\n"), b"\nx\n");
        assert_eq!(strip(b"'''$''$"), b"''$$");
    }

    #[test]
    fn escapes_and_carriage_returns() {
        let mut out = Vec::new();
        unescape(b"a\\nb\\$\r\nc\rd\\\\", &mut out);
        assert_eq!(out, b"a\nb$\nc\nd\\");
    }
}
