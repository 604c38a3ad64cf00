//! Printing errors the way C++ Nix does: `error: ` and the message with its
//! causes joined by `: `, without the `(os error N)` suffix Rust adds to
//! system errors (C++ Nix prints only `strerror`'s text).

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
    fn chain_is_joined() {
        let io = std::io::Error::from_raw_os_error(2);
        let e = anyhow::Error::new(io).context("reading file 'x'");
        assert_eq!(
            error_message(&e),
            "reading file 'x': No such file or directory"
        );
    }
}
