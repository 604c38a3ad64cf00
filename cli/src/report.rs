//! Printing errors the way C++ Nix does: `error: ` and the message with its
//! causes joined by `: `, without the `(os error N)` suffix Rust adds to
//! system errors (C++ Nix prints only `strerror`'s text); and what C++
//! Nix's logger does to every message on stderr ([`filter_ansi_escapes`]).

/// The text printed after `error: ` for `e` and its chain of causes.
pub fn error_message(e: &anyhow::Error) -> String {
    strip_os_error_codes(&format!("{e:#}"))
}

/// Removes every ` (os error N)` from `message`.
fn strip_os_error_codes(message: &str) -> String {
    const MARK: &str = " (os error ";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            out.push_str(&rest[..at]);
            rest = &after[digits + 1..];
        } else {
            out.push_str(&rest[..at + MARK.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// C++ `filterANSIEscapes(s, filterAll)` as its logger applies it to each
/// message: escape sequences are removed (colour sequences kept unless
/// `filter_all`, which is used when stderr is not a terminal), tabs become
/// spaces up to a multiple of 8 counted from the start of the message (not
/// of the line, as in C++), `\r` and `\a` are dropped.
#[must_use]
pub fn filter_ansi_escapes(s: &str, filter_all: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut width = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                let mut seq = String::from(c);
                let mut last = None;
                match chars.peek() {
                    Some('[') => {
                        seq.extend(chars.next());
                        while let Some(&p) = chars.peek().filter(|p| ('\x30'..='\x3f').contains(*p))
                        {
                            seq.push(p);
                            chars.next();
                        }
                        while let Some(&p) = chars.peek().filter(|p| ('\x20'..='\x2f').contains(*p))
                        {
                            seq.push(p);
                            chars.next();
                        }
                        if let Some(&p) = chars.peek().filter(|p| ('\x40'..='\x7e').contains(*p)) {
                            seq.push(p);
                            last = Some(p);
                            chars.next();
                        }
                    }
                    Some(']') => {
                        seq.extend(chars.next());
                        while let Some(&p) = chars.peek().filter(|p| **p != '\u{1b}') {
                            seq.push(p);
                            chars.next();
                        }
                    }
                    Some(&p) if ('\x40'..='\x5f').contains(&p) => {
                        seq.push(p);
                        chars.next();
                    }
                    _ => {}
                }
                if !filter_all && last == Some('m') {
                    out.push_str(&seq);
                }
            }
            '\t' => loop {
                width += 1;
                out.push(' ');
                if width % 8 == 0 {
                    break;
                }
            },
            '\r' | '\u{7}' => {}
            c => {
                width += 1;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_error_codes_are_removed() {
        assert_eq!(
            strip_os_error_codes("opening file 'x': No such file or directory (os error 2)"),
            "opening file 'x': No such file or directory"
        );
        assert_eq!(
            strip_os_error_codes("a (os error 1): b (os error 22)"),
            "a: b"
        );
        assert_eq!(
            strip_os_error_codes("not (os error x) here"),
            "not (os error x) here"
        );
        assert_eq!(strip_os_error_codes("(os error 3"), "(os error 3");
    }

    #[test]
    fn escapes_are_filtered_as_the_cpp_logger_does() {
        let s = "a\u{1b}[1;35mX\u{1b}[0m\u{1b}]8;;url\u{1b}\\b\rc\u{7}";
        assert_eq!(filter_ansi_escapes(s, true), "aXbc");
        assert_eq!(filter_ansi_escapes(s, false), "a\u{1b}[1;35mX\u{1b}[0mbc");
        assert_eq!(filter_ansi_escapes("ab\tc", true), "ab      c");
    }

    #[test]
    fn chain_is_joined() {
        let io = std::io::Error::from_raw_os_error(2);
        let e = anyhow::Error::new(io).context("reading file 'x'");
        assert_eq!(
            error_message(&e),
            "reading file 'x': No such file or directory"
        );
    }
}
