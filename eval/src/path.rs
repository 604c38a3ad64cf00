//! Path strings: canonicalisation as C++ Nix's `canonPath` does it (no
//! symlink resolution), `dirOf` and `baseNameOf`.

/// Removes `.`, `..` and duplicate slashes from an absolute path; the root
/// stays `/`.
#[must_use]
pub(crate) fn canonicalise(path: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(path.len());
    for comp in path.split(|&c| c == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                if let Some(p) = out.iter().rposition(|&c| c == b'/') {
                    out.truncate(p);
                }
            }
            c => {
                out.push(b'/');
                out.extend_from_slice(c);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_paths() {
        assert_eq!(canonicalise(b"/a/./b//c/../d"), b"/a/b/d");
        assert_eq!(canonicalise(b"/.."), b"/");
        assert_eq!(canonicalise(b"/"), b"/");
        assert_eq!(canonicalise(b"/a/"), b"/a");
    }
}
