//! `StoreIO`: the evaluator's I/O over a `tvix-store`.
//!
//! A path below the store directory whose store path the PathInfo service
//! knows is served from castore (its root node, then directories and blobs);
//! a missing output of a derivation instantiated in this evaluation goes to
//! the build service (import from derivation); every other path is read
//! from the local filesystem. Coercing a path to a string copies it into the
//! store (NAR-hashed source path named after its last component, with the
//! path in the string's context), once per path.

use std::{io, os::unix::ffi::OsStrExt, rc::Rc};

use nix_compat::store_path::StorePath;
use tvix_castore::Node;
use tvix_eval::{Context, CtxElem, Error, EvalIO, FileType, NixString, StdIO};

use crate::{BuildError, Glue, STORE_DIR, store::StoreError};

/// `EvalIO` over the glue's store, falling back to the local filesystem.
pub(crate) struct StoreIO {
    glue: Rc<Glue>,
    local: StdIO,
}

/// Symlinks followed inside the store before giving up (as Linux's limit).
const MAX_SYMLINKS: usize = 40;

enum Located {
    /// Not in the store: the local filesystem.
    Local,
    /// A node inside a present store path (`None`: the sub-path is absent).
    Store(Option<Node>),
}

fn other(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    io::Error::other(msg)
}

fn not_found(path: &[u8]) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("'{}' does not exist", String::from_utf8_lossy(path)),
    )
}

fn type_of(n: &Node) -> FileType {
    match n {
        Node::Directory { .. } => FileType::Directory,
        Node::File { .. } => FileType::Regular,
        Node::Symlink { .. } => FileType::Symlink,
    }
}

/// Splits `/nix/store/<base>/a/b` into the store path and `[a, b]`.
pub(crate) fn split_store_path(path: &[u8]) -> Option<(StorePath<String>, Vec<&[u8]>)> {
    let rest = path
        .strip_prefix(STORE_DIR.as_bytes())?
        .strip_prefix(b"/")?;
    let mut parts = rest.split(|&c| c == b'/').filter(|p| !p.is_empty());
    let base = parts.next()?;
    let sp = StorePath::<&str>::from_bytes(base).ok()?.to_owned();
    Some((sp, parts.collect()))
}

impl StoreIO {
    pub(crate) fn new(glue: Rc<Glue>) -> Self {
        StoreIO { glue, local: StdIO }
    }

    /// Where a path is, symlinks among its ancestors followed (the final
    /// component is not).
    fn locate(&self, path: &[u8]) -> io::Result<Located> {
        let mut current = path.to_vec();
        for _ in 0..MAX_SYMLINKS {
            match self.locate_direct(&current)? {
                Step::Done(l) => return Ok(l),
                Step::Via(next) => current = next,
            }
        }
        Err(too_many_symlinks(path))
    }

    /// One step of [`Self::locate`]: the node, or the path to look at
    /// instead when an ancestor inside the store path is a symlink.
    fn locate_direct(&self, path: &[u8]) -> io::Result<Step> {
        let Some((sp, sub)) = split_store_path(path) else {
            return Ok(Step::Done(Located::Local));
        };
        let store = self.glue.store();
        if let Some(node) = store.node_at(&sp, &sub).map_err(other)? {
            return Ok(Step::Done(Located::Store(Some(node))));
        }
        if store.path_info(&sp).map_err(other)?.is_some() {
            // Absent, unless the walk stopped at a symlink to go through.
            for i in 0..sub.len().saturating_sub(1) {
                match store.node_at(&sp, &sub[..=i]).map_err(other)? {
                    Some(Node::Directory { .. }) => {}
                    Some(Node::Symlink { target }) => {
                        let mut link = sp.to_absolute_path().into_bytes();
                        for c in &sub[..=i] {
                            link.push(b'/');
                            link.extend_from_slice(c);
                        }
                        let mut next = symlink_target(&link, target.as_bytes());
                        for c in &sub[i + 1..] {
                            next.push(b'/');
                            next.extend_from_slice(c);
                        }
                        return Ok(Step::Via(next));
                    }
                    _ => break,
                }
            }
            return Ok(Step::Done(Located::Store(None)));
        }
        Ok(Step::Done(self.locate_output(&sp, &sub)?))
    }

    /// A store path no store has: an output of a derivation of this
    /// evaluation is built, anything else is local.
    fn locate_output(&self, sp: &StorePath<String>, sub: &[&[u8]]) -> io::Result<Located> {
        let store = self.glue.store();
        // An output of a derivation of this evaluation: build it.
        let deriver = self
            .glue
            .known()
            .deriver_of(sp)
            .map(|(d, o)| (d.clone(), o.to_owned()));
        if let Some((drv_path, output)) = deriver {
            self.build(&drv_path, &output)?;
            return Ok(Located::Store(store.node_at(sp, sub).map_err(other)?));
        }
        Ok(Located::Local)
    }

    fn build(&self, drv_path: &StorePath<String>, output: &str) -> io::Result<()> {
        let what = format!("{}^{output}", drv_path.to_absolute_path());
        let Some(builder) = &self.glue.builder else {
            return Err(other(BuildError::NoBuilder(what)));
        };
        self.glue.write_drv_closure([drv_path]).map_err(other)?;
        let drv = self
            .glue
            .known()
            .get(drv_path)
            .map(|k| k.drv.clone())
            .ok_or_else(|| not_found(drv_path.to_absolute_path().as_bytes()))?;
        builder.build(drv_path, &drv, output).map_err(other)
    }

    /// The node at `path` after following symlinks (for reads).
    fn resolve(&self, path: &[u8]) -> io::Result<Option<(Vec<u8>, Node)>> {
        let mut current = path.to_vec();
        for _ in 0..MAX_SYMLINKS {
            match self.locate(&current)? {
                Located::Local => return Ok(None),
                Located::Store(None) => return Err(not_found(&current)),
                Located::Store(Some(Node::Symlink { target })) => {
                    current = symlink_target(&current, target.as_bytes());
                }
                Located::Store(Some(n)) => return Ok(Some((current, n))),
            }
        }
        Err(too_many_symlinks(path))
    }
}

/// What [`StoreIO::locate_direct`] found.
enum Step {
    Done(Located),
    Via(Vec<u8>),
}

fn too_many_symlinks(path: &[u8]) -> io::Error {
    io::Error::other(format!(
        "too many levels of symbolic links at '{}'",
        String::from_utf8_lossy(path)
    ))
}

/// Where the symlink at `link` (absolute) with this target points.
fn symlink_target(link: &[u8], target: &[u8]) -> Vec<u8> {
    if target.starts_with(b"/") {
        return tvix_eval_canonicalise(target);
    }
    let parent = link
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(&link[..0], |i| &link[..i]);
    let mut joined = parent.to_vec();
    joined.push(b'/');
    joined.extend_from_slice(target);
    tvix_eval_canonicalise(&joined)
}

/// Removes `.`, `..` and repeated slashes from an absolute path.
fn tvix_eval_canonicalise(p: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in p.split(|&c| c == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::new();
    for c in parts {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

impl EvalIO for StoreIO {
    fn path_exists(&self, path: &[u8]) -> io::Result<bool> {
        match self.locate(path)? {
            Located::Local => self.local.path_exists(path),
            Located::Store(n) => Ok(n.is_some()),
        }
    }

    fn read_file(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        match self.resolve(path)? {
            None => self.local.read_file(path),
            Some((_, Node::File { digest, .. })) => self.glue.store().blob(&digest).map_err(other),
            Some((p, _)) => Err(io::Error::other(format!(
                "'{}' is not a regular file",
                String::from_utf8_lossy(&p)
            ))),
        }
    }

    fn file_type(&self, path: &[u8]) -> io::Result<FileType> {
        match self.locate(path)? {
            Located::Local => self.local.file_type(path),
            Located::Store(Some(n)) => Ok(type_of(&n)),
            Located::Store(None) => Err(not_found(path)),
        }
    }

    fn is_directory(&self, path: &[u8]) -> io::Result<bool> {
        match self.resolve(path) {
            Ok(None) => self.local.is_directory(path),
            Ok(Some((_, n))) => Ok(matches!(n, Node::Directory { .. })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn read_dir(&self, path: &[u8]) -> io::Result<Vec<(Vec<u8>, FileType)>> {
        match self.resolve(path)? {
            None => self.local.read_dir(path),
            Some((_, Node::Directory { digest, .. })) => {
                let dir = self.glue.store().directory(&digest).map_err(other)?;
                Ok(dir
                    .entries()
                    .map(|(name, n)| (name.as_bytes().to_vec(), type_of(n)))
                    .collect())
            }
            Some((p, _)) => Err(io::Error::other(format!(
                "'{}' is not a directory",
                String::from_utf8_lossy(&p)
            ))),
        }
    }

    fn get_env(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.local.get_env(name)
    }

    fn import_path(&self, path: &[u8]) -> Result<NixString, Error> {
        let sp = self.glue.copy_path(path)?;
        let abs = sp.to_absolute_path();
        Ok(NixString::with_context(
            abs.as_bytes(),
            Context::from_elems(vec![CtxElem::new(abs.as_bytes())]),
        ))
    }

    fn store_dir(&self) -> Option<Vec<u8>> {
        Some(STORE_DIR.as_bytes().to_vec())
    }
}

impl Glue {
    /// The castore node of a path inside a store path our store has.
    pub(crate) fn store_node(&self, path: &[u8]) -> Result<Option<Node>, StoreError> {
        match split_store_path(path) {
            Some((sp, sub)) => self.store.node_at(&sp, &sub),
            None => Ok(None),
        }
    }

    /// Copies a local path into the store as coercing it to a string does
    /// (C++ Nix's `copyPathToStore`), once per path.
    pub(crate) fn copy_path(&self, path: &[u8]) -> Result<StorePath<String>, Error> {
        if path.ends_with(b".drv") {
            return Err(Error::eval("file names are not allowed to end in '.drv'"));
        }
        if let Some(p) = self.copied.borrow().get(path) {
            return Ok(p.clone());
        }
        let os = std::path::Path::new(std::ffi::OsStr::from_bytes(path));
        let name = os
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Symlinks in the ancestors are resolved, the last component kept.
        let real = match (os.parent(), os.file_name()) {
            (Some(parent), Some(file)) => std::fs::canonicalize(parent)
                .map(|p| p.join(file))
                .unwrap_or_else(|_| os.to_path_buf()),
            _ => os.to_path_buf(),
        };
        let nar = match self.store_node(path).map_err(|e| store_error(&e))? {
            Some(node) => crate::import::dump_store(&self.store, &node, None)?,
            None => crate::import::dump(&real, None)?,
        };
        let sp = self
            .store
            .add_nar(&name, crate::store::nar_ca(&nar), &nar, &[])
            .map_err(|e| store_error(&e))?;
        self.copied.borrow_mut().insert(path.to_vec(), sp.clone());
        Ok(sp)
    }
}

/// An evaluation error from a store error, with its causes.
pub(crate) fn store_error(e: &StoreError) -> Error {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    Error::eval(msg)
}
