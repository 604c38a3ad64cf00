//! C++ Nix's built-in files, `<nix/...>` (its "corepkgs"): when no search
//! path entry provides `nix/NAME`, `<nix/NAME>` names a file of this small
//! in-memory tree. Such a path is shown as `<nix/NAME>`; made a string it
//! loses the tree and becomes `/NAME`, as in C++ Nix.
//!
//! Inside the evaluator these paths live under [`ROOT`], a directory that is
//! never read from disk: [`CorepkgsIO`] serves it and passes every other
//! path to the embedder's [`EvalIO`].

use std::io;

use crate::{
    NixString,
    errors::Error,
    io::{EvalIO, FileType},
};

/// Where the built-in files are, as path values.
pub(crate) const ROOT: &[u8] = b"/__nix_corepkgs__";

/// The files, by name.
const FILES: &[(&[u8], &str)] = &[(b"fetchurl.nix", include_str!("corepkgs/fetchurl.nix"))];

/// The part of a path under [`ROOT`] (`/` for the root itself), if it is
/// one of ours.
fn inner(path: &[u8]) -> Option<&[u8]> {
    let rest = path.strip_prefix(ROOT)?;
    match rest {
        [] => Some(b"/"),
        [b'/', ..] => Some(rest),
        _ => None,
    }
}

/// The path value `<nix/NAME>` stands for (`name` is what follows `nix/`).
pub(crate) fn path_of(name: &[u8]) -> Vec<u8> {
    let mut rooted = b"/".to_vec();
    rooted.extend_from_slice(name);
    let canon = crate::path::canonicalise(&rooted);
    let mut out = ROOT.to_vec();
    if canon != b"/" {
        out.extend_from_slice(&canon);
    }
    out
}

/// How a path is shown: `<nix/NAME>` for ours, unchanged otherwise.
pub(crate) fn display(path: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match inner(path) {
        Some(i) => {
            let mut out = b"<nix".to_vec();
            out.extend_from_slice(i);
            out.push(b'>');
            out.into()
        }
        None => path.into(),
    }
}

/// A path as a string (or the start of a longer path): ours lose [`ROOT`].
pub(crate) fn outer(path: &[u8]) -> &[u8] {
    inner(path).unwrap_or(path)
}

fn file(name: &[u8]) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

fn not_found() -> io::Error {
    io::Error::from(io::ErrorKind::NotFound)
}

/// An [`EvalIO`] serving [`ROOT`] from memory and passing everything else on.
pub(crate) struct CorepkgsIO(pub(crate) Box<dyn EvalIO>);

/// What a path under [`ROOT`] is.
enum Entry {
    Root,
    File(&'static str),
    Missing,
}

fn entry(i: &[u8]) -> Entry {
    if i == b"/" {
        return Entry::Root;
    }
    match file(&i[1..]) {
        Some(t) => Entry::File(t),
        None => Entry::Missing,
    }
}

impl EvalIO for CorepkgsIO {
    fn path_exists(&self, path: &[u8]) -> io::Result<bool> {
        match inner(path) {
            Some(i) => Ok(!matches!(entry(i), Entry::Missing)),
            None => self.0.path_exists(path),
        }
    }

    fn read_file(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        match inner(path).map(entry) {
            Some(Entry::File(t)) => Ok(t.as_bytes().to_vec()),
            Some(Entry::Root) => Err(io::Error::from(io::ErrorKind::IsADirectory)),
            Some(Entry::Missing) => Err(not_found()),
            None => self.0.read_file(path),
        }
    }

    fn file_type(&self, path: &[u8]) -> io::Result<FileType> {
        match inner(path).map(entry) {
            Some(Entry::File(_)) => Ok(FileType::Regular),
            Some(Entry::Root) => Ok(FileType::Directory),
            Some(Entry::Missing) => Err(not_found()),
            None => self.0.file_type(path),
        }
    }

    fn is_directory(&self, path: &[u8]) -> io::Result<bool> {
        match inner(path).map(entry) {
            Some(e) => Ok(matches!(e, Entry::Root)),
            None => self.0.is_directory(path),
        }
    }

    fn read_dir(&self, path: &[u8]) -> io::Result<Vec<(Vec<u8>, FileType)>> {
        match inner(path).map(entry) {
            Some(Entry::Root) => Ok(FILES
                .iter()
                .map(|(n, _)| (n.to_vec(), FileType::Regular))
                .collect()),
            Some(Entry::File(_)) => Err(io::Error::from(io::ErrorKind::NotADirectory)),
            Some(Entry::Missing) => Err(not_found()),
            None => self.0.read_dir(path),
        }
    }

    fn get_env(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.0.get_env(name)
    }

    fn import_path(&self, path: &[u8]) -> Result<NixString, Error> {
        match inner(path) {
            Some(_) => Err(Error::eval(format!(
                "cannot copy '{}' to the store: built-in files are not copied",
                String::from_utf8_lossy(&display(path))
            ))),
            None => self.0.import_path(path),
        }
    }

    fn store_dir(&self) -> Option<Vec<u8>> {
        self.0.store_dir()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_display() {
        assert_eq!(path_of(b"fetchurl.nix"), b"/__nix_corepkgs__/fetchurl.nix");
        // `..` cannot leave the tree.
        assert_eq!(path_of(b"../etc/passwd"), b"/__nix_corepkgs__/etc/passwd");
        assert_eq!(path_of(b"."), ROOT);
        assert_eq!(&*display(&path_of(b"fetchurl.nix")), b"<nix/fetchurl.nix>");
        assert_eq!(&*display(ROOT), b"<nix/>");
        assert_eq!(&*display(b"/__nix_corepkgs__x"), b"/__nix_corepkgs__x");
        assert_eq!(outer(&path_of(b"fetchurl.nix")), b"/fetchurl.nix");
        assert_eq!(outer(ROOT), b"/");
    }

    #[test]
    fn serves_its_files_only() {
        let io = CorepkgsIO(Box::new(crate::DummyIO));
        let f = path_of(b"fetchurl.nix");
        assert!(matches!(io.path_exists(&f), Ok(true)));
        assert!(matches!(io.path_exists(&path_of(b"nope.nix")), Ok(false)));
        assert!(matches!(io.file_type(ROOT), Ok(FileType::Directory)));
        let text = io.read_file(&f).expect("served from memory");
        assert!(text.starts_with(b"# <nix/fetchurl.nix>"));
        // Everything else goes to the wrapped EvalIO.
        assert!(io.path_exists(b"/etc").is_err());
    }
}
