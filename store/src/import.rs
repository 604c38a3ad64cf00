//! Adding local paths to the store as `nix-store --add` does: the tree is
//! imported into castore, its NAR hash computed from what was stored, and the
//! store path is the source path (`fixed:r:sha256`, no references) named after
//! the path's last component.

use std::path::Path;

use nix_compat::{
    nixhash::{CAHash, NixHash},
    store_path::{self, BuildStorePathError},
};
use tracing::Instrument;
use tvix_castore::import::{ImportError as CastoreImportError, ImportOptions, import_path};

use crate::{
    PathInfo, PathInfoError,
    composition::Services,
    nar::{RenderError, RenderOptions, calculate_nar},
};

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
    /// Computing the NAR hash failed.
    #[error("cannot compute the NAR hash")]
    Nar(#[source] RenderError),
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
        let node = import_path(&services.store, path, ImportOptions::default()).await?;
        let nar = calculate_nar(&node, &services.store, RenderOptions::default())
            .await
            .map_err(AddError::Nar)?;
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
