//! `GlueStore`: the evaluator's synchronous handle on a `tvix-store`.
//!
//! The evaluator is single-threaded and synchronous, the store services are
//! async: every operation here runs one future to completion on a tokio
//! runtime through its [`Handle`], so evaluation must run outside that
//! runtime (on a thread that is not one of its workers). The store is opened
//! on first use, so an evaluation that never touches a store never opens one
//! (a local store takes a lock).
//!
//! It owns the ways something enters the store during evaluation: a
//! NAR-serialised tree (paths, `builtins.path`), a tar archive's tree
//! (fetched tarballs, `git archive`, `hg archive`), a text file with
//! references (`toFile`, `.drv` files), and lookups of what is there
//! (reading store paths, `storePath`).

use std::cell::OnceCell;

use nix_compat::{
    nixhash::{CAHash, NixHash},
    store_path::{self, BuildStorePathError, StorePath},
};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tvix_castore::{
    B3Digest, BlobError, Directory, DirectoryError, Name, Node,
    import::{
        ImportOptions,
        tar::{TarImportError, import_tar},
    },
};
use tvix_store::{
    PathInfo, PathInfoError, StorePathHash,
    composition::{Services, StoreComposition, StoreCompositionError},
    nar::{
        ExpectedNar, IngestError, IngestOptions, RenderError, RenderOptions, calculate_nar,
        ingest_nar,
    },
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be opened.
    #[error("cannot open the store {arg:?}")]
    Open {
        /// The store argument (URL or composition file).
        arg: String,
        /// Why.
        #[source]
        source: StoreCompositionError,
    },
    /// A store path could not be computed (invalid name, references not
    /// allowed).
    #[error("cannot compute the store path")]
    Path(#[source] BuildStorePathError),
    /// The name makes an invalid store path (C++ Nix's message, with the
    /// path it computed).
    #[error("{0}")]
    InvalidPath(String),
    /// Serialising a tree as a NAR failed.
    #[error("cannot serialise '{path}' as a NAR")]
    Nar {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Ingesting a NAR into castore failed.
    #[error("cannot add '{0}' to the store")]
    Ingest(String, #[source] IngestError),
    /// The PathInfo service failed.
    #[error("cannot query or update the PathInfo of '{0}'")]
    PathInfo(String, #[source] PathInfoError),
    /// Computing a tree's NAR hash failed.
    #[error("cannot compute the NAR hash of '{0}'")]
    Render(String, #[source] Box<RenderError>),
    /// A blob could not be read.
    #[error("cannot read blob {0}")]
    Blob(B3Digest, #[source] BlobError),
    /// A directory could not be read.
    #[error("cannot read directory {0}")]
    Directory(B3Digest, #[source] DirectoryError),
    /// A file could not be read.
    #[error("cannot read '{path}'")]
    Read {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A `.drv` file does not parse.
    #[error("'{path}' is not a valid derivation: {reason}")]
    InvalidDerivation {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Something the castore references is missing.
    #[error("the store is missing {0}")]
    Missing(String),
}

/// A text file to add (a `.drv`).
#[derive(Debug, Clone)]
pub struct TextFile {
    /// Its store path name.
    pub name: String,
    /// Its contents.
    pub contents: Vec<u8>,
    /// The store paths it refers to.
    pub references: Vec<StorePath<String>>,
}

enum Source {
    Arg(String),
    Ready,
}

/// A store, opened on first use, driven synchronously.
pub struct GlueStore {
    handle: Handle,
    source: Source,
    services: OnceCell<Services>,
}

impl GlueStore {
    /// A store described by a `--store` argument (URL or composition file),
    /// opened when first needed.
    #[must_use]
    pub fn from_arg(arg: String, handle: Handle) -> Self {
        GlueStore {
            handle,
            source: Source::Arg(arg),
            services: OnceCell::new(),
        }
    }

    /// A store over services already built.
    #[must_use]
    pub fn from_services(services: Services, handle: Handle) -> Self {
        GlueStore {
            handle,
            source: Source::Ready,
            services: OnceCell::from(services),
        }
    }

    /// The runtime handle operations run on.
    #[must_use]
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The services, opening the store if needed.
    pub fn services(&self) -> Result<&Services, StoreError> {
        if let Some(s) = self.services.get() {
            return Ok(s);
        }
        let Source::Arg(arg) = &self.source else {
            return Err(StoreError::Missing("its services".to_owned()));
        };
        let built = self
            .handle
            .block_on(async { StoreComposition::from_arg(arg)?.build_root() })
            .map_err(|source| StoreError::Open {
                arg: arg.clone(),
                source,
            })?;
        Ok(self.services.get_or_init(|| built))
    }

    /// The PathInfo of `path`, if the store has it.
    pub fn path_info(&self, path: &StorePath<String>) -> Result<Option<PathInfo>, StoreError> {
        let s = self.services()?;
        self.handle
            .block_on(s.pathinfo.get(&StorePathHash::of(path)))
            .map_err(|e| StoreError::PathInfo(path.to_absolute_path(), e))
    }

    /// Adds a tree given as NAR bytes under `name` with content address `ca`
    /// (checked against the NAR) and returns its store path. Nothing is
    /// written when the path is already present.
    pub fn add_nar(
        &self,
        name: &str,
        ca: CAHash,
        nar: &[u8],
        references: &[StorePath<String>],
    ) -> Result<StorePath<String>, StoreError> {
        let s = self.services()?;
        self.handle
            .block_on(add_nar_async(s, name, ca, nar, references))
    }

    /// Adds text files (`.drv` files: name, contents, references), up to
    /// `concurrency` at a time, in one runtime call (each present path is
    /// skipped). The caller orders them so that a file's references are
    /// written by earlier calls.
    pub fn add_texts(
        &self,
        files: &[TextFile],
        concurrency: usize,
    ) -> Result<Vec<StorePath<String>>, StoreError> {
        use futures::{StreamExt, TryStreamExt};
        let s = self.services()?;
        self.handle.block_on(
            futures::stream::iter(files.iter().map(|f| async move {
                let nar = file_nar(&f.contents, false).map_err(|source| StoreError::Nar {
                    path: f.name.clone(),
                    source,
                })?;
                let ca = CAHash::Text(Sha256::digest(&f.contents).into());
                add_nar_async(s, &f.name, ca, &nar, &f.references).await
            }))
            .buffered(concurrency.max(1))
            .try_collect(),
        )
    }

    /// Imports the tree a tar archive holds (plain or compressed, as
    /// castore's tar importer reads it) into castore and returns its root;
    /// the caller registers it ([`GlueStore::add_tree`]). The outer error is
    /// the store's, the inner one the archive's, which each caller reports
    /// in its own words.
    pub(crate) fn import_tar(
        &self,
        tar: &[u8],
    ) -> Result<Result<Node, TarImportError>, StoreError> {
        let s = self.services()?;
        Ok(self
            .handle
            .block_on(import_tar(&s.store, tar, &ImportOptions::default())))
    }

    /// Registers a tree already in castore (its root `node`) as the
    /// NAR-hashed source path `name`; returns the path and the NAR SHA-256.
    pub fn add_tree(
        &self,
        name: &str,
        node: Node,
    ) -> Result<(StorePath<String>, [u8; 32]), StoreError> {
        let s = self.services()?;
        let nar = self
            .handle
            .block_on(calculate_nar(&node, &s.store, RenderOptions::default()))
            .map_err(|e| StoreError::Render(name.to_owned(), Box::new(e)))?;
        let ca = CAHash::Nar(NixHash::Sha256(nar.nar_sha256));
        let store_path = store_path::build_ca_path(name, &ca, std::iter::empty(), false).map_err(
            |e| match e {
                BuildStorePathError::InvalidName(n) => {
                    StoreError::InvalidPath(invalid_path_message(name, &ca, &[], &n))
                }
                e => StoreError::Path(e),
            },
        )?;
        if self.path_info(&store_path)?.is_none() {
            let info = PathInfo {
                store_path: store_path.clone(),
                node,
                references: Vec::new(),
                nar_size: nar.nar_size,
                nar_sha256: nar.nar_sha256,
                deriver: None,
                signatures: Vec::new(),
                ca: Some(ca),
            };
            self.handle
                .block_on(s.pathinfo.put(info))
                .map_err(|e| StoreError::PathInfo(store_path.to_absolute_path(), e))?;
        }
        Ok((store_path, nar.nar_sha256))
    }

    /// Adds a text file (`toFile`, a `.drv`) with its references; returns
    /// its path.
    pub fn add_text(
        &self,
        name: &str,
        contents: &[u8],
        references: &[StorePath<String>],
    ) -> Result<StorePath<String>, StoreError> {
        let nar = file_nar(contents, false).map_err(|source| StoreError::Nar {
            path: name.to_owned(),
            source,
        })?;
        let ca = CAHash::Text(Sha256::digest(contents).into());
        self.add_nar(name, ca, &nar, references)
    }

    /// The castore node at `path` (a store path plus sub-path components),
    /// or `None` when the store path is absent or the sub-path does not
    /// exist. Symlinks inside are not followed.
    pub fn node_at(
        &self,
        path: &StorePath<String>,
        sub: &[&[u8]],
    ) -> Result<Option<Node>, StoreError> {
        let Some(info) = self.path_info(path)? else {
            return Ok(None);
        };
        let mut node = info.node;
        for component in sub {
            let Node::Directory { digest, .. } = &node else {
                return Ok(None);
            };
            let dir = self.directory(digest)?;
            let Ok(name) = Name::new(component.to_vec()) else {
                return Ok(None);
            };
            match dir.get(&name) {
                Some(n) => node = n.clone(),
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    /// A directory by digest.
    pub fn directory(&self, digest: &B3Digest) -> Result<Directory, StoreError> {
        let s = self.services()?;
        self.handle
            .block_on(s.store.directories().get(digest))
            .map_err(|e| StoreError::Directory(*digest, e))?
            .ok_or_else(|| StoreError::Missing(format!("directory {digest}")))
    }

    /// A blob's contents.
    pub fn blob(&self, digest: &B3Digest) -> Result<Vec<u8>, StoreError> {
        let s = self.services()?;
        self.handle
            .block_on(s.store.read_blob(digest))
            .map_err(|e| StoreError::Blob(*digest, e))?
            .ok_or_else(|| StoreError::Missing(format!("blob {digest}")))
    }
}

/// Adds a tree given as NAR bytes (see [`GlueStore::add_nar`]).
async fn add_nar_async(
    s: &Services,
    name: &str,
    ca: CAHash,
    nar: &[u8],
    references: &[StorePath<String>],
) -> Result<StorePath<String>, StoreError> {
    let store_path =
        store_path::build_ca_path(name, &ca, references.iter().map(|r| r.as_ref()), false)
            .map_err(|e| match e {
                BuildStorePathError::InvalidName(n) => {
                    StoreError::InvalidPath(invalid_path_message(name, &ca, references, &n))
                }
                e => StoreError::Path(e),
            })?;
    let shown = store_path.to_absolute_path();
    if s.pathinfo
        .get(&StorePathHash::of(&store_path))
        .await
        .map_err(|e| StoreError::PathInfo(shown.clone(), e))?
        .is_some()
    {
        return Ok(store_path);
    }
    let expected = ExpectedNar {
        nar_size: Some(nar.len() as u64),
        nar_sha256: None,
        ca: Some(ca.clone()),
    };
    let ingested = ingest_nar(&s.store, nar, &expected, IngestOptions::default())
        .await
        .map_err(|e| StoreError::Ingest(shown.clone(), e))?;
    let info = PathInfo {
        store_path: store_path.clone(),
        node: ingested.node,
        references: references.to_vec(),
        nar_size: ingested.nar_size,
        nar_sha256: ingested.nar_sha256,
        deriver: None,
        signatures: Vec::new(),
        ca: Some(ca),
    };
    s.pathinfo
        .put(info)
        .await
        .map_err(|e| StoreError::PathInfo(shown, e))?;
    Ok(store_path)
}

/// C++ Nix's message for a content-addressed path whose name is invalid: it
/// computes the path first and fails parsing it.
fn invalid_path_message(
    name: &str,
    ca: &CAHash,
    references: &[StorePath<String>],
    error: &dyn std::fmt::Display,
) -> String {
    let refs: String = references
        .iter()
        .map(|r| format!(":{}", r.to_absolute_path()))
        .collect();
    let (ty, inner): (String, [u8; 32]) = match ca {
        CAHash::Text(d) => (format!("text{refs}"), *d),
        CAHash::Nar(NixHash::Sha256(d)) => (format!("source{refs}"), *d),
        CAHash::Flat(h) | CAHash::Nar(h) => (
            "output:out".to_owned(),
            Sha256::digest(
                format!(
                    "fixed:out:{}{}:{}:",
                    ca.method().prefix(),
                    h.algo(),
                    h.to_base16()
                )
                .as_bytes(),
            )
            .into(),
        ),
    };
    let fingerprint = format!(
        "{ty}:sha256:{}:{}:{name}",
        NixHash::Sha256(inner).to_base16(),
        crate::STORE_DIR
    );
    let digest: [u8; 20] = store_path::compress_hash(&Sha256::digest(fingerprint.as_bytes()));
    format!(
        "path '{}-{name}' is not a valid store path: {error}",
        nix_compat::nixbase32::encode(&digest)
    )
}

/// The NAR of a single regular file.
pub(crate) fn file_nar(contents: &[u8], executable: bool) -> std::io::Result<Vec<u8>> {
    let mut nar = Vec::with_capacity(contents.len() + 128);
    let node = nix_compat::nar::writer::open(&mut nar).map_err(std::io::Error::other)?;
    node.file(executable, contents.len() as u64, &mut &contents[..])
        .map_err(std::io::Error::other)?;
    Ok(nar)
}

/// The SHA-256 NAR content address of NAR bytes.
#[must_use]
pub(crate) fn nar_ca(nar: &[u8]) -> CAHash {
    CAHash::Nar(NixHash::Sha256(Sha256::digest(nar).into()))
}

#[cfg(test)]
mod tests {
    use super::GlueStore;

    #[test]
    fn text_is_added_once_and_readable() {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let store = GlueStore::from_arg("memory://".into(), rt.handle().clone());
        let p = store.add_text("a", b"hello", &[]).expect("adds");
        // The path `builtins.toFile "a" "hello"` has in C++ Nix.
        assert_eq!(
            p.to_absolute_path(),
            "/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a"
        );
        let again = store.add_text("a", b"hello", &[]).expect("adds again");
        assert_eq!(again, p);
        let node = store.node_at(&p, &[]).expect("lookup").expect("present");
        let tvix_castore::Node::File { digest, .. } = node else {
            panic!("not a file: {node:?}");
        };
        assert_eq!(store.blob(&digest).expect("blob"), b"hello");
    }
}
