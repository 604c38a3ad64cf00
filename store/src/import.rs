//! Adding local paths to the store as `nix-store --add` does: the tree is
//! imported into castore and its NAR hash computed in the same single read
//! of the tree (the import shows each file's contents, as uploaded, to a
//! NAR-serialising SHA-256), and the store path is the source path
//! (`fixed:r:sha256`, no references) named after the path's last component.

use std::path::Path;

use nix_compat::nar::writer::events::EventWriter;
use nix_compat::{
    nixhash::{CAHash, NixHash},
    store_path::{self, BuildStorePathError},
};
use sha2::{Digest, Sha256};
use tracing::Instrument;
use tvix_castore::import::{
    ImportError as CastoreImportError, ImportObserver, ImportOptions, import_path_observed,
};

use crate::{PathInfo, PathInfoError, composition::Services};

/// Why a path could not be added.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AddError {
    /// The path has no usable last component (e.g. `/` or `..`), or it is not UTF-8.
    #[error("cannot derive a store path name from {0}")]
    NoName(String),
    /// The name is not a valid store path name.
    #[error("invalid store path name")]
    InvalidName(#[source] BuildStorePathError),
    /// Importing the tree failed.
    #[error(transparent)]
    Import(#[from] CastoreImportError),
    /// Storing the PathInfo failed.
    #[error("cannot store the PathInfo")]
    PathInfo(#[source] PathInfoError),
}

/// The store path name `nix-store --add` derives from `path`: its last
/// component.
pub fn name_of(path: &Path) -> Result<&str, AddError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .filter(|n| *n != "..")
        .ok_or_else(|| AddError::NoName(path.display().to_string()))
}

/// Adds the tree at `path` (symlinks not followed) as `nix-store --add` does,
/// and returns its PathInfo.
pub async fn add_path(services: &Services, path: &Path) -> Result<PathInfo, AddError> {
    let name = name_of(path)?;
    let span = tvix_tracing::progress_span!("add", path = %path.display());
    async {
        let (node, nar) = import_path_observed(
            &services.store,
            path,
            ImportOptions::default(),
            NarHasher(EventWriter::new(HashSink::default())),
        )
        .await?;
        // The import completed, so the events made a whole NAR.
        let sink = nar.0.finish().map_err(|e| CastoreImportError::Observer {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
        let nar_sha256: [u8; 32] = sink.hasher.finalize().into();
        let nar = crate::nar::NarSummary {
            nar_size: sink.len,
            nar_sha256,
        };
        let ca = CAHash::Nar(NixHash::Sha256(nar.nar_sha256));
        let store_path = store_path::build_ca_path(name, &ca, std::iter::empty(), false)
            .map_err(AddError::InvalidName)?;
        let info = PathInfo {
            store_path,
            node,
            references: Vec::new(),
            nar_size: nar.nar_size,
            nar_sha256: nar.nar_sha256,
            deriver: None,
            signatures: Vec::new(),
            ca: Some(ca),
        };
        services
            .pathinfo
            .put(info)
            .await
            .map_err(AddError::PathInfo)
    }
    .instrument(span)
    .await
}

/// A `Write` sink computing SHA-256 and length.
#[derive(Default)]
struct HashSink {
    hasher: Sha256,
    len: u64,
}

impl std::io::Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serialises the imported tree as a NAR into a [`HashSink`].
struct NarHasher(EventWriter<HashSink>);

impl ImportObserver for NarHasher {
    fn directory_start(&mut self, name: Option<&[u8]>) -> std::io::Result<()> {
        self.0.directory_start(name).map_err(std::io::Error::other)
    }
    fn directory_end(&mut self) -> std::io::Result<()> {
        self.0.directory_end().map_err(std::io::Error::other)
    }
    fn symlink(&mut self, name: Option<&[u8]>, target: &[u8]) -> std::io::Result<()> {
        self.0.symlink(name, target).map_err(std::io::Error::other)
    }
    fn file_start(
        &mut self,
        name: Option<&[u8]>,
        executable: bool,
        len: u64,
    ) -> std::io::Result<()> {
        self.0
            .file_start(name, executable, len)
            .map_err(std::io::Error::other)
    }
    fn file_data(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.0.file_data(data).map_err(std::io::Error::other)
    }
    fn file_end(&mut self) -> std::io::Result<()> {
        self.0.file_end().map_err(std::io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sha2::{Digest, Sha256};

    use super::{add_path, name_of};
    use crate::composition::StoreComposition;

    #[test]
    fn name_is_the_last_component() {
        assert_eq!(
            name_of(Path::new("/a/b/hello.txt")).expect("name"),
            "hello.txt"
        );
        assert_eq!(name_of(Path::new("rel/dir/")).expect("name"), "dir");
        assert!(name_of(Path::new("/")).is_err());
        assert!(name_of(Path::new("a/..")).is_err());
    }

    #[tokio::test]
    async fn added_path_has_the_nar_hash_of_a_dump() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("sub")).expect("mkdir");
        std::fs::write(tree.join("a.txt"), b"hello\n").expect("write");
        std::fs::write(tree.join("sub/b"), vec![7u8; 100_000]).expect("write");
        std::os::unix::fs::symlink("a.txt", tree.join("link")).expect("symlink");
        let mut nar = Vec::new();
        nix_compat::nar::fs::dump_path(&tree, &mut nar).expect("dump");
        let services = StoreComposition::from_url("memory://")
            .expect("url")
            .build_root()
            .expect("build");
        let info = add_path(&services, &tree).await.expect("adds");
        assert_eq!(info.nar_size, nar.len() as u64);
        assert_eq!(info.nar_sha256, <[u8; 32]>::from(Sha256::digest(&nar)));
        assert_eq!(info.store_path.name_str(), "tree");
        let stored = services.pathinfo.get(&info.hash()).await.expect("get");
        assert_eq!(stored, Some(info));
    }
}
