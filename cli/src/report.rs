//! Printing errors the way C++ Nix does: `error: ` and the message with its
//! causes joined by `: `, without the `(os error N)` suffix Rust adds to
//! system errors (C++ Nix prints only `strerror`'s text); and what C++
//! Nix's logger does to every message on stderr ([`filter_ansi_escapes`]).

/// The line `nix-instantiate` prints after a C++ `UsageError`
/// ([`tvix_eval::ErrorKind::Usage`]). C++ Nix names the program it runs as;
/// the `tvix` command prints `nix-instantiate`, the program whose output it
/// reproduces byte for byte.
pub const USAGE_HINT: &str = "Try 'nix-instantiate --help' for more information.";

/// An evaluation error rendered as `nix-instantiate` prints it: C++ Nix's
/// rendering, followed by [`USAGE_HINT`] on its own line for a usage error.
pub fn render_eval_error(
    eval: &tvix_eval::Evaluation,
    e: &tvix_eval::Error,
    show_trace: bool,
) -> Vec<u8> {
    let mut text = eval.render_error_bytes(e, show_trace);
    if e.kind() == tvix_eval::ErrorKind::Usage {
        text.push(b'\n');
        text.extend_from_slice(USAGE_HINT.as_bytes());
    }
    text
}

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
/// spaces up to a multiple of 8 columns counted from the start of the
/// message (not of the line, as in C++; a newline takes no column), `\r`
/// and `\a` are dropped.
#[must_use]
pub fn filter_ansi_escapes(s: &[u8], filter_all: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut width = 0usize;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            0x1b => {
                let begin = i;
                i += 1;
                let mut last = None;
                match s.get(i) {
                    Some(b'[') => {
                        i += 1;
                        while s.get(i).is_some_and(|p| (0x30..=0x3f).contains(p)) {
                            i += 1;
                        }
                        while s.get(i).is_some_and(|p| (0x20..=0x2f).contains(p)) {
                            i += 1;
                        }
                        if let Some(&p) = s.get(i).filter(|p| (0x40..=0x7e).contains(*p)) {
                            last = Some(p);
                            i += 1;
                        }
                    }
                    Some(b']') => {
                        i += 1;
                        while s.get(i).is_some_and(|&p| p != 0x1b) {
                            i += 1;
                        }
                    }
                    Some(p) if (0x40..=0x5f).contains(p) => i += 1,
                    _ => {}
                }
                if !filter_all && last == Some(b'm') {
                    out.extend_from_slice(&s[begin..i]);
                }
            }
            b'\t' => {
                loop {
                    width += 1;
                    out.push(b' ');
                    if width % 8 == 0 {
                        break;
                    }
                }
                i += 1;
            }
            b'\r' | 0x07 => i += 1,
            _ => {
                let (w, n) = char_width(&s[i..]);
                width += w;
                out.extend_from_slice(&s[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// C++ `charWidthUTF8Helper`: the display width and length of the
/// character starting `s` (non-empty). Invalid UTF-8 counts one column per
/// byte, control characters none, wide characters two.
fn char_width(s: &[u8]) -> (usize, usize) {
    let len = match s[0] {
        c if c & 0x80 == 0 => 1,
        c if c & 0xe0 == 0xc0 => 2,
        c if c & 0xf0 == 0xe0 => 3,
        c if c & 0xf8 == 0xf0 => 4,
        _ => return (1, 1),
    };
    for i in 1..len {
        if s.get(i).is_none_or(|&b| b & 0xc0 != 0x80) {
            return (i, i);
        }
    }
    match std::str::from_utf8(&s[..len])
        .ok()
        .and_then(|c| c.chars().next())
    {
        Some(c) => (unicode_width::UnicodeWidthChar::width(c).unwrap_or(0), len),
        // An overlong encoding or a surrogate: as many columns as bytes.
        None => (len, len),
    }
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
        let f = |s: &str, all| {
            String::from_utf8_lossy(&filter_ansi_escapes(s.as_bytes(), all)).into_owned()
        };
        assert_eq!(f(s, true), "aXbc");
        assert_eq!(f(s, false), "a\u{1b}[1;35mX\u{1b}[0mbc");
        assert_eq!(f("ab\tc", true), "ab      c");
        // Bytes that are not UTF-8 pass through unchanged (one column
        // each); a newline takes no column, a wide character two.
        assert_eq!(filter_ansi_escapes(b"a\xff\tb", true), b"a\xff      b");
        assert_eq!(f("a\nb\tc", true), "a\nb      c");
        assert_eq!(f("\u{4e2d}\tc", true), "\u{4e2d}      c");
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
