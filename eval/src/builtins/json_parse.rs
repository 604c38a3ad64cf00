//! A JSON parser reproducing nlohmann::json's SAX parser (3.11) as C++ Nix
//! 2.26 uses it for `builtins.fromJSON`: the same grammar (a UTF-8 BOM
//! skipped, a NUL byte outside strings ending the input, integers that fit
//! `i64`/`u64` kept as integers, `-0` an integer), the same events in
//! document order, and the same error messages, positions (line, and bytes
//! read on that line) and `last read: '...'` excerpts. Like nlohmann's, the
//! parser is iterative: nesting depth is bounded by memory, not the stack.

use crate::{
    Attr, Attrs, NixString, Pos, Symbol, Value,
    errors::{Error, ErrorKind, Result},
};

/// One parse event, in document order (nlohmann's SAX callbacks).
#[derive(Debug)]
pub(crate) enum Event<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Unsigned(u64),
    Float(f64),
    Str(&'a [u8]),
    Key(&'a [u8]),
    StartObject,
    EndObject,
    StartArray,
    EndArray,
}

/// Why parsing stopped: nlohmann's exception text, or the sink's error.
#[derive(Debug)]
pub(crate) enum Failure<E> {
    Syntax(Vec<u8>),
    Sink(E),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    Uninitialized,
    True,
    False,
    Null,
    Str,
    Unsigned,
    Integer,
    Float,
    BeginArray,
    BeginObject,
    EndArray,
    EndObject,
    NameSeparator,
    ValueSeparator,
    ParseError,
    EndOfInput,
    LiteralOrValue,
}

impl Token {
    fn name(self) -> &'static str {
        match self {
            Token::Uninitialized => "<uninitialized>",
            Token::True => "true literal",
            Token::False => "false literal",
            Token::Null => "null literal",
            Token::Str => "string literal",
            Token::Unsigned | Token::Integer | Token::Float => "number literal",
            Token::BeginArray => "'['",
            Token::BeginObject => "'{'",
            Token::EndArray => "']'",
            Token::EndObject => "'}'",
            Token::NameSeparator => "':'",
            Token::ValueSeparator => "','",
            Token::ParseError => "<parse error>",
            Token::EndOfInput => "end of input",
            Token::LiteralOrValue => "'[', '{', or a literal",
        }
    }
}

const EOF: i32 = -1;

/// The names nlohmann gives control characters in its messages.
const CONTROL_NAMES: [&str; 32] = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
];

/// The ranges of the bytes that must follow `lead` in well-formed UTF-8
/// (RFC 3629), or `None` if it cannot start a sequence.
fn utf8_continuation(lead: u8) -> Option<&'static [(u8, u8)]> {
    const TAIL: (u8, u8) = (0x80, 0xbf);
    Some(match lead {
        0xc2..=0xdf => &[TAIL],
        0xe0 => &[(0xa0, 0xbf), TAIL],
        0xe1..=0xec | 0xee | 0xef => &[TAIL, TAIL],
        0xed => &[(0x80, 0x9f), TAIL],
        0xf0 => &[(0x90, 0xbf), TAIL, TAIL],
        0xf1..=0xf3 => &[TAIL, TAIL, TAIL],
        0xf4 => &[(0x80, 0x8f), TAIL, TAIL],
        _ => return None,
    })
}

/// nlohmann's lexer, byte for byte: `get`/`unget` with its position
/// bookkeeping, and the token string it quotes in messages (cleared only
/// when a string or number starts).
struct Lexer<'a> {
    input: &'a [u8],
    next: usize,
    current: i32,
    next_unget: bool,
    chars_read_total: usize,
    chars_read_current_line: usize,
    lines_read: usize,
    token_string: Vec<u8>,
    token_buffer: Vec<u8>,
    error_message: String,
    value_unsigned: u64,
    value_integer: i64,
    value_float: f64,
}

impl<'a> Lexer<'a> {
    fn new(input: &'a [u8]) -> Self {
        Lexer {
            input,
            next: 0,
            current: EOF,
            next_unget: false,
            chars_read_total: 0,
            chars_read_current_line: 0,
            lines_read: 0,
            token_string: Vec::new(),
            token_buffer: Vec::new(),
            error_message: String::new(),
            value_unsigned: 0,
            value_integer: 0,
            value_float: 0.0,
        }
    }

    fn get(&mut self) -> i32 {
        self.chars_read_total += 1;
        self.chars_read_current_line += 1;
        if self.next_unget {
            self.next_unget = false;
        } else {
            self.current = match self.input.get(self.next) {
                Some(&b) => {
                    self.next += 1;
                    i32::from(b)
                }
                None => EOF,
            };
        }
        if let Ok(b) = u8::try_from(self.current) {
            self.token_string.push(b);
        }
        if self.current == i32::from(b'\n') {
            self.lines_read += 1;
            self.chars_read_current_line = 0;
        }
        self.current
    }

    fn unget(&mut self) {
        self.next_unget = true;
        self.chars_read_total = self.chars_read_total.saturating_sub(1);
        if self.chars_read_current_line == 0 {
            self.lines_read = self.lines_read.saturating_sub(1);
        } else {
            self.chars_read_current_line -= 1;
        }
        if self.current != EOF {
            self.token_string.pop();
        }
    }

    fn reset(&mut self) {
        self.token_buffer.clear();
        self.token_string.clear();
        if let Ok(b) = u8::try_from(self.current) {
            self.token_string.push(b);
        }
    }

    fn add(&mut self, c: i32) {
        if let Ok(b) = u8::try_from(c) {
            self.token_buffer.push(b);
        }
    }

    fn fail(&mut self, message: impl Into<String>) -> Token {
        self.error_message = message.into();
        Token::ParseError
    }

    /// The token string with control characters written `<U+XXXX>`.
    fn token_string(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.token_string.len());
        for &c in &self.token_string {
            if c <= 0x1f {
                out.extend_from_slice(format!("<U+{c:04X}>").as_bytes());
            } else {
                out.push(c);
            }
        }
        out
    }

    fn position(&self) -> String {
        format!(
            " at line {}, column {}",
            self.lines_read + 1,
            self.chars_read_current_line
        )
    }

    fn is(&self, c: u8) -> bool {
        self.current == i32::from(c)
    }

    fn is_digit(&self) -> bool {
        (i32::from(b'0')..=i32::from(b'9')).contains(&self.current)
    }

    fn skip_bom(&mut self) -> bool {
        if self.get() == 0xef {
            return self.get() == 0xbb && self.get() == 0xbf;
        }
        self.unget();
        true
    }

    fn scan(&mut self) -> Token {
        if self.chars_read_total == 0 && !self.skip_bom() {
            return self.fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
        }
        loop {
            self.get();
            if !(self.is(b' ') || self.is(b'\t') || self.is(b'\n') || self.is(b'\r')) {
                break;
            }
        }
        match u8::try_from(self.current) {
            Ok(b'[') => Token::BeginArray,
            Ok(b']') => Token::EndArray,
            Ok(b'{') => Token::BeginObject,
            Ok(b'}') => Token::EndObject,
            Ok(b':') => Token::NameSeparator,
            Ok(b',') => Token::ValueSeparator,
            Ok(b't') => self.scan_literal(b"true", Token::True),
            Ok(b'f') => self.scan_literal(b"false", Token::False),
            Ok(b'n') => self.scan_literal(b"null", Token::Null),
            Ok(b'"') => self.scan_string(),
            Ok(b'-' | b'0'..=b'9') => self.scan_number(),
            Ok(0) | Err(_) => Token::EndOfInput,
            Ok(_) => self.fail("invalid literal"),
        }
    }

    fn scan_literal(&mut self, text: &[u8], token: Token) -> Token {
        for &c in &text[1..] {
            if self.get() != i32::from(c) {
                return self.fail("invalid literal");
            }
        }
        token
    }

    /// Four hex digits after `\u`, or `None`.
    fn codepoint(&mut self) -> Option<u32> {
        let mut cp = 0;
        for _ in 0..4 {
            let c = self.get();
            let d = u8::try_from(c)
                .ok()
                .and_then(|b| char::from(b).to_digit(16))?;
            cp = cp * 16 + d;
        }
        Some(cp)
    }

    /// Reads one more byte of a UTF-8 sequence per range after `current`.
    fn next_bytes_in(&mut self, ranges: &[(u8, u8)]) -> bool {
        self.add(self.current);
        for &(lo, hi) in ranges {
            let c = self.get();
            if (i32::from(lo)..=i32::from(hi)).contains(&c) {
                self.add(c);
            } else {
                self.error_message = "invalid string: ill-formed UTF-8 byte".to_owned();
                return false;
            }
        }
        true
    }

    fn scan_string(&mut self) -> Token {
        const HEX4: &str = "invalid string: '\\u' must be followed by 4 hex digits";
        const HIGH: &str =
            "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";
        self.reset();
        loop {
            let c = self.get();
            let Ok(b) = u8::try_from(c) else {
                return self.fail("invalid string: missing closing quote");
            };
            match b {
                b'"' => return Token::Str,
                b'\\' => {
                    let e = self.get();
                    let add = match u8::try_from(e) {
                        Ok(b'"') => b'"',
                        Ok(b'\\') => b'\\',
                        Ok(b'/') => b'/',
                        Ok(b'b') => 0x08,
                        Ok(b'f') => 0x0c,
                        Ok(b'n') => b'\n',
                        Ok(b'r') => b'\r',
                        Ok(b't') => b'\t',
                        Ok(b'u') => {
                            let Some(cp1) = self.codepoint() else {
                                return self.fail(HEX4);
                            };
                            let cp = if (0xd800..=0xdbff).contains(&cp1) {
                                if !(self.get() == i32::from(b'\\')
                                    && self.get() == i32::from(b'u'))
                                {
                                    return self.fail(HIGH);
                                }
                                let Some(cp2) = self.codepoint() else {
                                    return self.fail(HEX4);
                                };
                                if !(0xdc00..=0xdfff).contains(&cp2) {
                                    return self.fail(HIGH);
                                }
                                0x10000 + ((cp1 - 0xd800) << 10) + (cp2 - 0xdc00)
                            } else if (0xdc00..=0xdfff).contains(&cp1) {
                                return self.fail(
                                    "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF",
                                );
                            } else {
                                cp1
                            };
                            let ch = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                            let mut buf = [0; 4];
                            self.token_buffer
                                .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => {
                            return self
                                .fail("invalid string: forbidden character after backslash");
                        }
                    };
                    self.token_buffer.push(add);
                }
                0x00..=0x1f => {
                    let alt = match b {
                        0x08 => " or \\b",
                        0x09 => " or \\t",
                        0x0a => " or \\n",
                        0x0c => " or \\f",
                        0x0d => " or \\r",
                        _ => "",
                    };
                    return self.fail(format!(
                        "invalid string: control character U+{b:04X} ({}) must be escaped to \\u{b:04X}{alt}",
                        CONTROL_NAMES[usize::from(b)]
                    ));
                }
                0x20..=0x7f => self.token_buffer.push(b),
                _ => match utf8_continuation(b) {
                    Some(ranges) => {
                        if !self.next_bytes_in(ranges) {
                            return Token::ParseError;
                        }
                    }
                    None => return self.fail("invalid string: ill-formed UTF-8 byte"),
                },
            }
        }
    }

    /// Reads the digits after the current one into the buffer.
    fn read_digits(&mut self) {
        while {
            self.get();
            self.is_digit()
        } {
            self.add(self.current);
        }
    }

    /// Adds the current digit and those after it to the buffer.
    fn add_digits(&mut self) {
        self.add(self.current);
        self.read_digits();
    }

    /// nlohmann's number state machine; the value is converted as strtoull,
    /// strtoll or strtod would, falling back to a float out of range.
    fn scan_number(&mut self) -> Token {
        self.reset();
        let mut kind = Token::Unsigned;
        self.add(self.current);
        if self.is(b'-') {
            kind = Token::Integer;
            self.get();
            if !self.is_digit() {
                return self.fail("invalid number; expected digit after '-'");
            }
            self.add(self.current);
        }
        // Integer part: a lone 0, or digits.
        if !self.is(b'0') {
            self.read_digits();
        } else {
            self.get();
        }
        if self.is(b'.') {
            kind = Token::Float;
            self.add(self.current);
            self.get();
            if !self.is_digit() {
                return self.fail("invalid number; expected digit after '.'");
            }
            self.add_digits();
        }
        if self.is(b'e') || self.is(b'E') {
            kind = Token::Float;
            self.add(self.current);
            self.get();
            if self.is(b'+') || self.is(b'-') {
                self.add(self.current);
                self.get();
                if !self.is_digit() {
                    return self.fail("invalid number; expected digit after exponent sign");
                }
            } else if !self.is_digit() {
                return self.fail("invalid number; expected '+', '-', or digit after exponent");
            }
            self.add_digits();
        }
        self.unget();
        // The buffer is ASCII digits, signs, '.' and 'e'/'E'.
        let text = std::str::from_utf8(&self.token_buffer).unwrap_or("");
        match kind {
            Token::Unsigned => {
                if let Ok(u) = text.parse::<u64>() {
                    self.value_unsigned = u;
                    return Token::Unsigned;
                }
            }
            Token::Integer => {
                if let Ok(i) = text.parse::<i64>() {
                    self.value_integer = i;
                    return Token::Integer;
                }
            }
            _ => {}
        }
        self.value_float = text.parse::<f64>().unwrap_or(f64::NAN);
        Token::Float
    }
}

/// nlohmann's `sax_parse_internal` in strict mode (the whole input must be
/// one value), calling `sink` with each event.
pub(crate) fn parse<E>(
    input: &[u8],
    mut sink: impl FnMut(Event<'_>) -> std::result::Result<(), E>,
) -> std::result::Result<(), Failure<E>> {
    let mut p = Parser {
        lexer: Lexer::new(input),
        last: Token::Uninitialized,
    };
    p.get_token();
    // true: array, false: object.
    let mut states: Vec<bool> = Vec::new();
    let mut skip_to_state_evaluation = false;
    macro_rules! emit {
        ($e:expr) => {
            sink($e).map_err(Failure::Sink)?
        };
    }
    loop {
        if !skip_to_state_evaluation {
            match p.last {
                Token::BeginObject => {
                    emit!(Event::StartObject);
                    if p.get_token() == Token::EndObject {
                        emit!(Event::EndObject);
                    } else {
                        p.key(&mut sink)?;
                        states.push(false);
                        p.get_token();
                        continue;
                    }
                }
                Token::BeginArray => {
                    emit!(Event::StartArray);
                    if p.get_token() == Token::EndArray {
                        emit!(Event::EndArray);
                    } else {
                        states.push(true);
                        continue;
                    }
                }
                Token::Float => {
                    let f = p.lexer.value_float;
                    if !f.is_finite() {
                        let mut msg =
                            b"[json.exception.out_of_range.406] number overflow parsing '".to_vec();
                        msg.extend_from_slice(&p.lexer.token_string());
                        msg.push(b'\'');
                        return Err(Failure::Syntax(msg));
                    }
                    emit!(Event::Float(f));
                }
                Token::False => emit!(Event::Bool(false)),
                Token::True => emit!(Event::Bool(true)),
                Token::Null => emit!(Event::Null),
                Token::Integer => emit!(Event::Int(p.lexer.value_integer)),
                Token::Unsigned => emit!(Event::Unsigned(p.lexer.value_unsigned)),
                Token::Str => emit!(Event::Str(&p.lexer.token_buffer)),
                Token::ParseError => {
                    return Err(p.error(Token::Uninitialized, "value"));
                }
                Token::EndOfInput => {
                    if p.lexer.chars_read_total == 1 {
                        return Err(Failure::Syntax(format!(
                            "[json.exception.parse_error.101] parse error{}: attempting to parse an empty input; check that your input string or stream contains the expected JSON",
                            p.lexer.position()
                        ).into_bytes()));
                    }
                    return Err(p.error(Token::LiteralOrValue, "value"));
                }
                _ => return Err(p.error(Token::LiteralOrValue, "value")),
            }
        }
        skip_to_state_evaluation = false;
        let Some(&in_array) = states.last() else {
            break;
        };
        let (end, context) = if in_array {
            (Token::EndArray, "array")
        } else {
            (Token::EndObject, "object")
        };
        if p.get_token() == Token::ValueSeparator {
            p.get_token();
            if !in_array {
                p.key(&mut sink)?;
                p.get_token();
            }
            continue;
        }
        if p.last != end {
            return Err(p.error(end, context));
        }
        emit!(if in_array {
            Event::EndArray
        } else {
            Event::EndObject
        });
        // Done with this value: evaluate the enclosing state next.
        states.pop();
        skip_to_state_evaluation = true;
    }
    if p.get_token() != Token::EndOfInput {
        return Err(p.error(Token::EndOfInput, "value"));
    }
    Ok(())
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    last: Token,
}

impl Parser<'_> {
    fn get_token(&mut self) -> Token {
        self.last = self.lexer.scan();
        self.last
    }

    /// An object key (the current token) and its ':'.
    fn key<E>(
        &mut self,
        sink: &mut impl FnMut(Event<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), Failure<E>> {
        if self.last != Token::Str {
            return Err(self.error(Token::Str, "object key"));
        }
        sink(Event::Key(&self.lexer.token_buffer)).map_err(Failure::Sink)?;
        if self.get_token() != Token::NameSeparator {
            return Err(self.error(Token::NameSeparator, "object separator"));
        }
        Ok(())
    }

    /// nlohmann's `exception_message` as a parse_error.101.
    fn error<E>(&self, expected: Token, context: &str) -> Failure<E> {
        let mut msg = format!(
            "[json.exception.parse_error.101] parse error{}: syntax error while parsing {context} - ",
            self.lexer.position()
        )
        .into_bytes();
        if self.last == Token::ParseError {
            msg.extend_from_slice(self.lexer.error_message.as_bytes());
            msg.extend_from_slice(b"; last read: '");
            msg.extend_from_slice(&self.lexer.token_string());
            msg.push(b'\'');
        } else {
            msg.extend_from_slice(b"unexpected ");
            msg.extend_from_slice(self.last.name().as_bytes());
        }
        if expected != Token::Uninitialized {
            msg.extend_from_slice(b"; expected ");
            msg.extend_from_slice(expected.name().as_bytes());
        }
        Failure::Syntax(msg)
    }
}

/// nlohmann's message for text that is not one JSON value, if it is not
/// (invalid UTF-8 in the excerpt it quotes decoded lossily).
#[must_use]
pub fn json_syntax_error(input: &[u8]) -> Option<String> {
    match parse(input, |_| Ok::<(), ()>(())) {
        Err(Failure::Syntax(s)) => Some(String::from_utf8_lossy(&s).into_owned()),
        _ => None,
    }
}

enum Frame {
    List(Vec<Value>),
    /// The attributes so far and the key of the value being read.
    Object(Vec<Attr>, Option<Symbol>),
}

/// `builtins.fromJSON`'s value, as C++ Nix's `parseJSON` builds it: keys
/// interned in document order, the last of duplicate keys winning. `Err`
/// with `true` is nlohmann's error (C++ adds "while decoding a JSON string"
/// to it); with `false` an error from building values (NUL bytes, unsigned
/// numbers beyond `i64`), which C++ Nix throws as is.
pub(crate) fn from_json(input: &[u8]) -> std::result::Result<Value, (Error, bool)> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let result = parse(input, |ev| -> Result<()> {
        let v = match ev {
            Event::StartArray => {
                stack.push(Frame::List(Vec::new()));
                return Ok(());
            }
            Event::StartObject => {
                stack.push(Frame::Object(Vec::new(), None));
                return Ok(());
            }
            Event::Key(k) => {
                let k = String::from_utf8_lossy(k);
                super::no_nul_bytes(&k)?;
                if let Some(Frame::Object(_, key)) = stack.last_mut() {
                    *key = Some(Symbol::new(k.as_bytes()));
                }
                return Ok(());
            }
            Event::Null => Value::Null,
            Event::Bool(b) => Value::bool(b),
            Event::Int(i) => Value::Int(i),
            Event::Unsigned(u) => match i64::try_from(u) {
                Ok(i) => Value::Int(i),
                Err(_) => {
                    return Err(Error::eval(format!(
                        "unsigned json number {u} outside of Nix integer range"
                    )));
                }
            },
            Event::Float(f) => Value::Float(f),
            Event::Str(s) => {
                let s = String::from_utf8_lossy(s);
                super::no_nul_bytes(&s)?;
                Value::String(NixString::new(s.as_bytes()))
            }
            Event::EndArray | Event::EndObject => match stack.pop() {
                Some(Frame::List(items)) => Value::list(items),
                Some(Frame::Object(mut attrs, _)) => {
                    // Keep the last of duplicates: `from_unsorted` keeps
                    // the first of equal names.
                    attrs.reverse();
                    Value::attrs(Attrs::from_unsorted(attrs))
                }
                None => return Ok(()),
            },
        };
        match stack.last_mut() {
            Some(Frame::List(items)) => items.push(v),
            Some(Frame::Object(attrs, Some(name))) => attrs.push(Attr {
                name: *name,
                pos: Pos::NONE,
                value: v,
            }),
            // The parser gives a key before each value in an object.
            Some(Frame::Object(_, None)) => {}
            None => root = Some(v),
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(root.unwrap_or(Value::Null)),
        Err(Failure::Syntax(msg)) => Err((Error::from_bytes(ErrorKind::Eval, &msg), true)),
        Err(Failure::Sink(e)) => Err((e, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::json_syntax_error;

    #[test]
    fn messages_like_nlohmann() {
        let p = "[json.exception.parse_error.101] parse error at line ";
        for (input, expected) in [
            (
                "[",
                "1, column 2: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal",
            ),
            (
                "",
                "1, column 1: attempting to parse an empty input; check that your input string or stream contains the expected JSON",
            ),
            (
                " ",
                "1, column 2: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal",
            ),
            (
                "[1, tru]",
                "1, column 8: syntax error while parsing value - invalid literal; last read: '1, tru]'",
            ),
            (
                "[1,\n2,\nx]",
                "3, column 1: syntax error while parsing value - invalid literal; last read: '2,<U+000A>x'",
            ),
            (
                "\"a\nb\"",
                "2, column 0: syntax error while parsing value - invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: '\"a<U+000A>'",
            ),
            (
                "1 x",
                "1, column 3: syntax error while parsing value - invalid literal; last read: '1 x'; expected end of input",
            ),
            (
                "[1] ]",
                "1, column 5: syntax error while parsing value - unexpected ']'; expected end of input",
            ),
            (
                "-",
                "1, column 2: syntax error while parsing value - invalid number; expected digit after '-'; last read: '-'",
            ),
            (
                "01",
                "1, column 2: syntax error while parsing value - unexpected number literal; expected end of input",
            ),
            (
                "1.",
                "1, column 3: syntax error while parsing value - invalid number; expected digit after '.'; last read: '1.'",
            ),
            (
                ".5",
                "1, column 1: syntax error while parsing value - invalid literal; last read: '.'",
            ),
            (
                "\"\\ud800\"",
                "1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '\"\\ud800\"'",
            ),
            (
                "{\"a\" 1}",
                "1, column 6: syntax error while parsing object separator - unexpected number literal; expected ':'",
            ),
            (
                "[1 2]",
                "1, column 4: syntax error while parsing array - unexpected number literal; expected ']'",
            ),
            (
                "{1:2}",
                "1, column 2: syntax error while parsing object key - unexpected number literal; expected string literal",
            ),
        ] {
            assert_eq!(
                json_syntax_error(input.as_bytes()),
                Some(format!("{p}{expected}")),
                "{input:?}"
            );
        }
        assert_eq!(
            json_syntax_error(b"1e400").as_deref(),
            Some("[json.exception.out_of_range.406] number overflow parsing '1e400'")
        );
        for ok in [
            "1",
            "-0",
            "[]",
            "{}",
            " {\"a\": [1, 2.5e3, true, null]} ",
            "\u{feff}1",
        ] {
            assert_eq!(json_syntax_error(ok.as_bytes()), None, "{ok:?}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let s = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(json_syntax_error(s.as_bytes()), None);
    }
}
