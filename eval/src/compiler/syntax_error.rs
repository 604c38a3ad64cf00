//! Syntax errors worded as C++ Nix's bison parser words them.
//!
//! rnix reports the first error as a [`rnix::ParseError`]: the token found
//! and, often, the tokens it wanted. C++ Nix prints bison's "syntax error,
//! unexpected X, expecting Y or Z". This module names rnix's tokens with
//! bison's names and adds the "expecting" list where rnix's wanted tokens,
//! or what is open before the error ([`Tokens::open_before`]), determine
//! bison's set. It turns rnix's error tokens for an unterminated string or
//! comment and for a path ending in `/` or with an empty segment into what
//! C++ Nix's lexer reports, at flex's positions, and refuses a `(` that
//! rnix let another token close ([`unclosed_paren`]). Other expected sets
//! are left out rather than guessed.

use rnix::SyntaxKind as K;
use rowan::ast::AstNode;

use crate::{
    errors::{Error, ErrorKind},
    source::SourceFile,
};

use super::parse_error;

/// Turns rnix's first parse error into ours (C++ Nix's wording where the
/// kinds match).
pub(crate) fn parse_error_of(
    file: &SourceFile,
    err: &rnix::ParseError,
    root: &rnix::SyntaxNode,
) -> Error {
    use rnix::ParseError as P;
    // A `(` closed by another token comes first, if it is before rnix's
    // error (which it then caused).
    let err_start = match err {
        P::Unexpected(r)
        | P::UnexpectedExtra(r)
        | P::UnexpectedWanted(_, r, _)
        | P::UnexpectedDoubleBind(r)
        | P::DuplicatedArgs(r, _) => usize::from(r.start()),
        _ => file.text.len(),
    };
    let paren = root
        .descendants()
        .filter_map(rnix::ast::Paren::cast)
        .filter_map(|p| unclosed_paren(file, &p))
        .filter(|(at, _)| *at < err_start)
        .min_by_key(|(at, _)| *at);
    // C++ Nix's lexer refuses an out-of-range number as it reads it: one
    // before rnix's error comes first.
    if let Some(e) = bad_number_in(file, root, err_start) {
        return e;
    }
    let tokens = Tokens::of(&file.text);
    if let Some((at, e)) = paren {
        // Unless C++ Nix's lexer fails first, on rnix's error token (a path
        // ending in `/`) at or before the token that closed the `(`.
        let lexer_first = root
            .descendants_with_tokens()
            .filter_map(|n| n.into_token())
            .find(|t| t.kind() == K::TOKEN_ERROR)
            .filter(|t| usize::from(t.text_range().start()) <= at)
            .and_then(|t| {
                let r = t.text_range();
                unterminated(file, &tokens, usize::from(r.start())).or_else(|| bad_path(file, r))
            });
        return lexer_first.unwrap_or(e);
    }
    // rnix's error tokens: an unterminated string or comment, a path
    // ending in `/`.
    if let P::UnexpectedWanted(K::TOKEN_ERROR, r, _) | P::Unexpected(r) | P::UnexpectedExtra(r) =
        err
    {
        let lexer_error =
            unterminated(file, &tokens, usize::from(r.start())).or_else(|| bad_path(file, *r));
        if let Some(e) = lexer_error {
            return e;
        }
    }
    if matches!(err, P::UnexpectedEOF | P::UnexpectedEOFWanted(_)) {
        if let Some(q) = tokens.open_string(tokens.list.len()) {
            return parse_error(string_eof(q), file.pos(file.text.len() as u32));
        }
    }
    let (range, msg) = match err {
        P::UnexpectedExtra(r) => (
            Some(*r),
            match tokens.at(usize::from(r.start())) {
                Some(k) => format!(
                    "syntax error, unexpected {}, expecting end of file",
                    bison_name(file, k, *r)
                ),
                None => "syntax error, unexpected token".to_owned(),
            },
        ),
        P::Unexpected(r) => (Some(*r), "syntax error, unexpected token".to_owned()),
        P::UnexpectedWanted(k, r, wanted) => (
            Some(*r),
            format!(
                "syntax error, unexpected {}{}",
                bison_name(file, *k, *r),
                bison_expecting(&tokens, usize::from(r.start()), wanted)
            ),
        ),
        P::UnexpectedDoubleBind(r) => (Some(*r), "syntax error, double binding".to_owned()),
        P::DuplicatedArgs(r, name) => (
            Some(*r),
            format!("duplicate formal function argument '{name}'"),
        ),
        P::UnexpectedEOF => (
            None,
            format!(
                "syntax error, unexpected end of file{}",
                tokens.eof_expecting()
            ),
        ),
        P::UnexpectedEOFWanted(wanted) => (
            None,
            format!(
                "syntax error, unexpected end of file{}",
                match bison_expecting(&tokens, file.text.len(), wanted) {
                    "" => tokens.eof_expecting(),
                    known => known,
                }
            ),
        ),
        P::RecursionLimitExceeded => (None, "expression nested too deeply".to_owned()),
        _ => (None, "syntax error".to_owned()),
    };
    let pos = match range {
        Some(r) => file.pos(r.start().into()),
        None => file.pos(tokens.eof_position(file.text.len()) as u32),
    };
    Error::new(ErrorKind::Parse, msg).at(pos)
}

/// rnix's parser takes any token as the `)` of a parenthesised expression
/// (`( 1 ]` parses); bison wants `)` there. Checked when the compiler
/// lowers the parentheses.
/// Returns the error and its byte offset.
pub(crate) fn unclosed_paren(file: &SourceFile, p: &rnix::ast::Paren) -> Option<(usize, Error)> {
    if p.r_paren_token().is_some() {
        return None;
    }
    // The token rnix took as the `)`: the paren's own last token, after its
    // expression (none at the end of the file, which rnix reports itself).
    let last = p
        .syntax()
        .children_with_tokens()
        .filter(|e| !e.kind().is_trivia())
        .last()?
        .into_token()?;
    if last.kind() == K::TOKEN_L_PAREN || p.expr().is_none() {
        return None;
    }
    let r = last.text_range();
    let e = parse_error(
        format!(
            "syntax error, unexpected {}, expecting ')'",
            bison_name(file, last.kind(), r)
        ),
        file.pos(r.start().into()),
    );
    Some((usize::from(r.start()), e))
}

/// What bison expects after a `,` of formals.
const FORMAL: &str = ", expecting ID or ELLIPSIS or '}'";

/// What bison expects after a `.` of an attribute path.
const ATTR_NAME: &str = ", expecting ID or OR_KW or DOLLAR_CURLY or '\"'";

/// bison's ", expecting ..." suffix for the tokens rnix wanted at byte
/// `at`, where bison's expected set is known: an attribute name after `.`,
/// a missing `;` (after a binding, `with` or an assert's condition), `)`,
/// `=` after an attribute path (bison: "'.' or '='"), `then`, `else`, `}`
/// closing formals (bison also takes `,` unless `...` came last), `:` after
/// formals (bison also takes `@` unless the formals are already bound with
/// one). Other sets are left out.
fn bison_expecting(tokens: &Tokens<'_>, at: usize, wanted: &[K]) -> &'static str {
    let prev = tokens.before(at).map(|i| tokens.kind(i));
    match wanted {
        _ if prev == Some(K::TOKEN_DOT) => ATTR_NAME,
        [K::TOKEN_SEMICOLON] => ", expecting ';'",
        [K::TOKEN_R_PAREN] => ", expecting ')'",
        [K::TOKEN_ASSIGN] => ", expecting '.' or '='",
        [K::TOKEN_THEN] => ", expecting THEN",
        [K::TOKEN_L_BRACE] => ", expecting '{'",
        [K::TOKEN_R_BRACE, K::TOKEN_ELLIPSIS, K::TOKEN_IDENT] => FORMAL,
        [K::TOKEN_ELSE] => ", expecting ELSE",
        [K::TOKEN_R_BRACE] if prev == Some(K::TOKEN_ELLIPSIS) => ", expecting '}'",
        [K::TOKEN_R_BRACE] => ", expecting '}' or ','",
        [K::TOKEN_COLON] => match tokens.before(at) {
            Some(i) if tokens.kind(i) == K::TOKEN_R_BRACE && !tokens.formals_bound(i) => {
                ", expecting ':' or '@'"
            }
            _ => ", expecting ':'",
        },
        // Where bison expects the same set whatever comes (the start of a
        // binding, after a `,` of formals, ...).
        _ => tokens
            .index_at(at)
            .map_or("", |i| tokens.expecting_before(i)),
    }
}

/// The name C++ Nix's parser (bison) gives the token rnix found: its
/// keyword and operator tokens by name (`IN_KW`, `UPDATE`), one-character
/// tokens quoted (`';'`), a token its lexer does not know as "invalid
/// token".
fn bison_name(file: &SourceFile, kind: K, r: rnix::TextRange) -> String {
    let quoted = |c: &str| format!("'{c}'");
    let ind = || {
        file.text
            .get(usize::from(r.start())..)
            .is_some_and(|t| t.starts_with("''"))
    };
    match kind {
        K::TOKEN_ASSERT => "ASSERT".into(),
        K::TOKEN_ELSE => "ELSE".into(),
        K::TOKEN_IF => "IF".into(),
        K::TOKEN_IN => "IN_KW".into(),
        K::TOKEN_INHERIT => "INHERIT".into(),
        K::TOKEN_LET => "LET".into(),
        K::TOKEN_OR => "OR_KW".into(),
        K::TOKEN_REC => "REC".into(),
        K::TOKEN_THEN => "THEN".into(),
        K::TOKEN_WITH => "WITH".into(),
        K::TOKEN_ELLIPSIS => "ELLIPSIS".into(),
        K::TOKEN_CONCAT => "CONCAT".into(),
        K::TOKEN_UPDATE => "UPDATE".into(),
        K::TOKEN_AND_AND => "AND".into(),
        K::TOKEN_OR_OR => "OR".into(),
        K::TOKEN_EQUAL => "EQ".into(),
        K::TOKEN_NOT_EQUAL => "NEQ".into(),
        K::TOKEN_LESS_OR_EQ => "LEQ".into(),
        K::TOKEN_MORE_OR_EQ => "GEQ".into(),
        K::TOKEN_IMPLICATION => "IMPL".into(),
        K::TOKEN_PIPE_LEFT => "PIPE_FROM".into(),
        K::TOKEN_PIPE_RIGHT => "PIPE_INTO".into(),
        K::TOKEN_FLOAT => "FLOAT_LIT".into(),
        K::TOKEN_INTEGER => "INT_LIT".into(),
        K::TOKEN_IDENT => "ID".into(),
        K::TOKEN_URI => "URI".into(),
        K::TOKEN_INTERPOL_START => "DOLLAR_CURLY".into(),
        K::TOKEN_STRING_CONTENT => if ind() { "IND_STR" } else { "STR" }.into(),
        K::TOKEN_STRING_START if ind() => "IND_STRING_OPEN".into(),
        K::TOKEN_STRING_END if ind() => "IND_STRING_CLOSE".into(),
        K::TOKEN_STRING_START | K::TOKEN_STRING_END => quoted("\""),
        K::TOKEN_PATH_ABS | K::TOKEN_PATH_REL => "PATH".into(),
        K::TOKEN_PATH_HOME => "HPATH".into(),
        K::TOKEN_PATH_SEARCH => "SPATH".into(),
        K::TOKEN_ERROR => "invalid token".into(),
        K::TOKEN_L_BRACE => quoted("{"),
        K::TOKEN_R_BRACE | K::TOKEN_INTERPOL_END => quoted("}"),
        K::TOKEN_L_BRACK => quoted("["),
        K::TOKEN_R_BRACK => quoted("]"),
        K::TOKEN_L_PAREN => quoted("("),
        K::TOKEN_R_PAREN => quoted(")"),
        K::TOKEN_ASSIGN => quoted("="),
        K::TOKEN_AT => quoted("@"),
        K::TOKEN_COLON => quoted(":"),
        K::TOKEN_COMMA => quoted(","),
        K::TOKEN_DOT => quoted("."),
        K::TOKEN_QUESTION => quoted("?"),
        K::TOKEN_SEMICOLON => quoted(";"),
        K::TOKEN_INVERT => quoted("!"),
        K::TOKEN_ADD => quoted("+"),
        K::TOKEN_SUB => quoted("-"),
        K::TOKEN_MUL => quoted("*"),
        K::TOKEN_DIV => quoted("/"),
        K::TOKEN_LESS => quoted("<"),
        K::TOKEN_MORE => quoted(">"),
        other => format!("{other:?}"),
    }
}

/// rnix makes a path with a trailing slash or an empty segment one error
/// token. C++ Nix's lexer says "path has a trailing slash", at what follows
/// the path (at the path itself when nothing follows); for an empty segment
/// its parser finds the path's end where an interpolation could follow.
fn bad_path(file: &SourceFile, r: rnix::TextRange) -> Option<Error> {
    let start = usize::from(r.start());
    let rest = file.text.get(start..)?;
    let len = rest
        .bytes()
        .take_while(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+' | b'/' | b'~')
        })
        .count();
    let tok = &rest[..len];
    // A whole path, or its last segment after an interpolation (`${x}/`).
    let after_interpolation = file.text[..start].ends_with('}') && tok.starts_with('/');
    // (`~/` alone is no path for C++ Nix's lexer: an invalid token.)
    let path_like = (tok.len() > 1 || after_interpolation) && tok.contains('/') && tok != "~/";
    let end = start + len;
    // flex's location quirk: at the end of the file, the error is at the
    // start of the lexer's last token.
    let at_eof = end >= file.text.len();
    if path_like && tok.ends_with('/') {
        // After an empty segment flex's last token starts past the `//`.
        let last_token = start + tok.find("//").map_or(0, |k| k + 1);
        let at = if at_eof { last_token } else { end };
        return Some(parse_error(
            "path has a trailing slash",
            file.pos(at as u32),
        ));
    }
    // `/a//b`: C++ Nix's lexer ends the path before the empty segment
    // (PATH_END) where the parser wanted an interpolation.
    if path_like && !after_interpolation && !tok.ends_with('/') {
        let k = tok.find("//")?;
        let at = if at_eof { start } else { start + k + 1 };
        return Some(parse_error(
            "syntax error, unexpected PATH_END, expecting DOLLAR_CURLY",
            file.pos(at as u32),
        ));
    }
    None
}

/// Where rnix's lexer found an unterminated string or comment (an error
/// token running to the end of the file) at byte `at`: the error C++ Nix's
/// lexer and parser give. A string: "unexpected end of file, expecting
/// '\"'" (or, for an indented string, its three tokens) at the end of the
/// file. A comment: C++ Nix's lexer reads `/*` as `/` and `*`, so the `*`
/// is unexpected after an operand (`/` is division) and the `/` elsewhere.
fn unterminated(file: &SourceFile, tokens: &Tokens<'_>, at: usize) -> Option<Error> {
    let i = tokens.index_at(at)?;
    let (kind, text, start) = tokens.list[i];
    if kind != K::TOKEN_ERROR || start + text.len() != file.text.len() {
        return None;
    }
    if text.starts_with("/*") {
        let operand = tokens
            .before(start)
            .is_some_and(|p| ends_operand(tokens.kind(p)));
        // An unexpected `/` gets the set bison expects at that point.
        let (tok, pos, expecting) = if operand {
            ("'*'", start + 1, "")
        } else {
            ("'/'", start, tokens.expecting_before(i))
        };
        return Some(parse_error(
            format!("syntax error, unexpected {tok}{expecting}"),
            file.pos(pos as u32),
        ));
    }
    Some(parse_error(
        string_eof(tokens.open_string(i)?),
        file.pos(file.text.len() as u32),
    ))
}

/// bison's error at the end of a file inside a string.
fn string_eof(q: Quote) -> String {
    let expecting = match q {
        Quote::Double => "'\"'",
        Quote::Indented => "IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE",
    };
    format!("syntax error, unexpected end of file, expecting {expecting}")
}

/// Tokens that can end an operand, after which `/` is a division.
fn ends_operand(kind: K) -> bool {
    matches!(
        kind,
        K::TOKEN_IDENT
            | K::TOKEN_INTEGER
            | K::TOKEN_FLOAT
            | K::TOKEN_URI
            | K::TOKEN_PATH_ABS
            | K::TOKEN_PATH_REL
            | K::TOKEN_PATH_HOME
            | K::TOKEN_PATH_SEARCH
            | K::TOKEN_STRING_END
            | K::TOKEN_R_PAREN
            | K::TOKEN_R_BRACK
            | K::TOKEN_R_BRACE
    )
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Quote {
    Double,
    Indented,
}

/// Something open at a point of a file (see [`Tokens::open_before`]).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Open {
    Paren,
    Brack,
    /// A set or formals.
    Brace,
    /// `rec {` or `let {`.
    RecBrace,
    Interpolation,
    Let,
    /// A `with` or `assert` up to its `;`.
    Statement,
    Str(Quote),
}

/// rnix's tokens of a file with their byte offsets, trivia left out.
struct Tokens<'a> {
    list: Vec<(K, &'a str, usize)>,
}

impl<'a> Tokens<'a> {
    fn of(text: &'a str) -> Self {
        let mut at = 0;
        let list = rnix::tokenize(text)
            .filter_map(|(kind, s)| {
                let start = at;
                at += s.len();
                (!kind.is_trivia()).then_some((kind, s, start))
            })
            .collect();
        Tokens { list }
    }

    fn kind(&self, i: usize) -> K {
        self.list[i].0
    }

    /// The token starting at byte `at`.
    fn index_at(&self, at: usize) -> Option<usize> {
        self.list.iter().position(|&(_, _, s)| s == at)
    }

    fn at(&self, at: usize) -> Option<K> {
        self.index_at(at).map(|i| self.kind(i))
    }

    /// The last token ending at or before byte `at`.
    fn before(&self, at: usize) -> Option<usize> {
        self.list
            .iter()
            .rposition(|&(_, s, start)| start + s.len() <= at)
    }

    /// Whether the `}` at `close` ends formals bound with `@` in front
    /// (`args@{ ... }`): the token before its `{` is `@`.
    fn formals_bound(&self, close: usize) -> bool {
        let mut depth = 0usize;
        for i in (0..close).rev() {
            match self.kind(i) {
                K::TOKEN_R_BRACE | K::TOKEN_INTERPOL_END => depth += 1,
                K::TOKEN_L_BRACE | K::TOKEN_INTERPOL_START if depth > 0 => depth -= 1,
                K::TOKEN_L_BRACE => {
                    return i > 0 && self.kind(i - 1) == K::TOKEN_AT;
                }
                _ => {}
            }
        }
        false
    }

    /// What is open before token `i`: brackets, `let`s without their
    /// `in`, strings and interpolations, innermost last.
    fn open_before(&self, i: usize) -> Vec<Open> {
        let mut open = Vec::new();
        let close = |open: &mut Vec<Open>, o: Open| pop_if(open, |top| *top == o);
        for (j, &(kind, text, _)) in self.list[..i].iter().enumerate() {
            let prev = j.checked_sub(1).map(|p| self.kind(p));
            match kind {
                K::TOKEN_STRING_START if text.starts_with("''") => {
                    open.push(Open::Str(Quote::Indented))
                }
                K::TOKEN_STRING_START => open.push(Open::Str(Quote::Double)),
                K::TOKEN_STRING_END => {
                    pop_if(&mut open, |o| matches!(o, Open::Str(_)));
                }
                K::TOKEN_INTERPOL_START => open.push(Open::Interpolation),
                K::TOKEN_INTERPOL_END => close(&mut open, Open::Interpolation),
                K::TOKEN_L_PAREN => open.push(Open::Paren),
                K::TOKEN_R_PAREN => close(&mut open, Open::Paren),
                K::TOKEN_L_BRACK => open.push(Open::Brack),
                K::TOKEN_R_BRACK => close(&mut open, Open::Brack),
                K::TOKEN_LET => open.push(Open::Let),
                K::TOKEN_WITH | K::TOKEN_ASSERT => open.push(Open::Statement),
                K::TOKEN_SEMICOLON => close(&mut open, Open::Statement),
                K::TOKEN_IN => close(&mut open, Open::Let),
                // `rec {` and the legacy `let {`: bison takes `}` at once.
                K::TOKEN_L_BRACE if matches!(prev, Some(K::TOKEN_REC | K::TOKEN_LET)) => {
                    if prev == Some(K::TOKEN_LET) {
                        pop_if(&mut open, |o| *o == Open::Let);
                    }
                    open.push(Open::RecBrace)
                }
                K::TOKEN_L_BRACE => open.push(Open::Brace),
                K::TOKEN_R_BRACE => {
                    pop_if(&mut open, |o| matches!(o, Open::Brace | Open::RecBrace));
                }
                _ => {}
            }
        }
        open
    }

    /// Where C++ Nix reports the end of a file of `len` bytes: flex's
    /// location is still that of a path ending right at the end.
    fn eof_position(&self, len: usize) -> usize {
        match self.list.last() {
            Some(&(K::TOKEN_PATH_ABS | K::TOKEN_PATH_REL | K::TOKEN_PATH_HOME, text, start))
                if start + text.len() == len =>
            {
                start
            }
            _ => len,
        }
    }

    /// The kind of string token `i` is inside of, if any.
    fn open_string(&self, i: usize) -> Option<Quote> {
        match self.open_before(i).pop() {
            Some(Open::Str(q)) => Some(q),
            _ => None,
        }
    }

    /// bison's "expecting" list at the end of the file where rnix only
    /// says the file ended (or wanted a set bison words differently): after
    /// a `.` of an attribute path, after a complete expression in `(` or
    /// `${`, after a `,` of formals, after the bindings of a `let` or a set
    /// (not after the `;` of a `with` or `assert` there).
    fn eof_expecting(&self) -> &'static str {
        self.expecting_before(self.list.len())
    }

    /// [`Self::eof_expecting`] for the end of the input at token `i` (bison
    /// expects the same set there whatever token comes).
    fn expecting_before(&self, i: usize) -> &'static str {
        let Some(last) = i.checked_sub(1).map(|l| self.kind(l)) else {
            return "";
        };
        // A `;` ending a `with` or `assert` starts an expression.
        if last == K::TOKEN_SEMICOLON && self.open_before(i - 1).pop() == Some(Open::Statement) {
            return "";
        }
        // `?` tests an attribute path, except as a formal's default.
        let formal_default = i >= 3
            && matches!(self.kind(i - 3), K::TOKEN_L_BRACE | K::TOKEN_COMMA)
            && self.kind(i - 2) == K::TOKEN_IDENT;
        match (self.open_before(i).pop(), last) {
            (_, K::TOKEN_DOT) => ATTR_NAME,
            (_, K::TOKEN_QUESTION) if !formal_default => ATTR_NAME,
            (Some(Open::Paren), k) if ends_operand(k) => ", expecting ')'",
            (Some(Open::Interpolation), k) if ends_operand(k) => ", expecting '}'",
            // In a set `,` cannot follow `{` or a binding: these are formals.
            (Some(Open::Brace), K::TOKEN_COMMA) => FORMAL,
            (Some(Open::Let), K::TOKEN_SEMICOLON | K::TOKEN_LET) => ", expecting IN_KW or INHERIT",
            (Some(Open::Brace), K::TOKEN_SEMICOLON | K::TOKEN_L_BRACE) => ", expecting INHERIT",
            (Some(Open::RecBrace), K::TOKEN_SEMICOLON | K::TOKEN_L_BRACE) => {
                ", expecting INHERIT or '}'"
            }
            _ => "",
        }
    }
}

/// Pops the innermost open thing if it is one `f` accepts.
fn pop_if(open: &mut Vec<Open>, f: impl Fn(&Open) -> bool) {
    if open.last().is_some_and(f) {
        open.pop();
    }
}

/// The first integer or float literal in `root` before byte `end` that
/// C++ Nix's lexer refuses ("invalid integer '…'", "invalid float '…'").
pub(crate) fn bad_number_in(
    file: &SourceFile,
    root: &rnix::SyntaxNode,
    end: usize,
) -> Option<Error> {
    root.descendants_with_tokens()
        .filter_map(|n| n.into_token())
        .take_while(|t| usize::from(t.text_range().start()) < end)
        .find_map(|t| {
            let msg = super::number_token(t.kind(), t.text())?.err()?;
            Some(parse_error(
                msg,
                file.pos(usize::from(t.text_range().start()) as u32),
            ))
        })
}
