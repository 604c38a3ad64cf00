//! [`ObjectStoreBackend`]: a store in any `object_store` location
//! (`file:///DIR`, `memory:///`, and with feature `cloud` `s3://`, `gs://`, `az://`).
//!
//! Layout under the URL's path (`<hex>` is the lower-case hex digest, `<h4>`
//! its first four hex digits, as tvix):
//! - `chunks/b3/<h4>/<hex>`: a chunk, zstd-compressed (level 3);
//! - `blobs/b3/<h4>/<hex>`: a blob's chunk list (protobuf `StatBlobResponse`);
//! - `dirs/b3/<h4>/<hex>`: one directory's canonical encoding.
//!
//! Every object is written whole (object stores have no partial objects). There
//! are no transactions: a closure is written leaves first, so whenever a
//! directory is visible, so are its descendants. (tvix stores one object per
//! closure instead; that layout only answers for roots, and ours is not
//! compatible with it.)

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use bytes::Bytes;
use object_store::{ObjectStore, PutPayload, path::Path};
use prost::Message;

use crate::{
    B3Digest, BlobError, BlobMeta, BlobService, BoxError, ChunkError, ChunkService, Closure,
    Directory, DirectoryError, DirectoryService, InstanceName,
    backend::local::{meta_from_proto, meta_to_proto},
    proto,
};

const ZSTD_LEVEL: i32 = 3;

/// A store on `object_store` (see the module docs).
#[derive(Debug, Clone)]
pub struct ObjectStoreBackend {
    name: InstanceName,
    store: Arc<dyn ObjectStore>,
    base: Path,
}

impl ObjectStoreBackend {
    /// Opens `url` (an `object_store` URL) with `options` (credentials, region, ...).
    pub fn open(
        name: InstanceName,
        url: &str,
        options: &BTreeMap<String, String>,
    ) -> Result<Self, BoxError> {
        let u = url::Url::parse(url)?;
        if u.scheme() == "file" {
            // object_store wants the base directory to exist.
            std::fs::create_dir_all(u.path())?;
        }
        let (store, base) = object_store::parse_url_opts(&u, options)?;
        Ok(Self {
            name,
            store: Arc::from(store),
            base,
        })
    }

    fn path(&self, kind: &str, d: &B3Digest) -> Path {
        let hex = d.to_hex();
        self.base
            .child(kind)
            .child("b3")
            .child(&hex[..4])
            .child(hex.as_str())
    }

    async fn get_object(&self, p: &Path) -> Result<Option<Bytes>, object_store::Error> {
        match self.store.get(p).await {
            Ok(r) => Ok(Some(r.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put_object(&self, p: &Path, data: Bytes) -> Result<(), object_store::Error> {
        self.store.put(p, PutPayload::from(data)).await.map(|_| ())
    }
}

#[async_trait]
impl ChunkService for ObjectStoreBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn has(&self, digest: &B3Digest) -> Result<bool, ChunkError> {
        match self.store.head(&self.path("chunks", digest)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(ChunkError::storage(&self.name, e)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Bytes>, ChunkError> {
        let Some(z) = self
            .get_object(&self.path("chunks", digest))
            .await
            .map_err(|e| ChunkError::storage(&self.name, e))?
        else {
            return Ok(None);
        };
        let data = zstd::stream::decode_all(z.as_ref()).map_err(|e| {
            ChunkError::corrupt(&self.name, *digest, format!("cannot decompress: {e}"))
        })?;
        Ok(Some(data.into()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, data: Bytes) -> Result<B3Digest, ChunkError> {
        let digest = B3Digest::of(&data);
        if self.has(&digest).await? {
            return Ok(digest);
        }
        let z = zstd::bulk::compress(&data, ZSTD_LEVEL)
            .map_err(|e| ChunkError::storage(&self.name, e))?;
        self.put_object(&self.path("chunks", &digest), z.into())
            .await
            .map_err(|e| ChunkError::storage(&self.name, e))?;
        Ok(digest)
    }
}

#[async_trait]
impl BlobService for ObjectStoreBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn stat(&self, digest: &B3Digest) -> Result<Option<BlobMeta>, BlobError> {
        let Some(b) = self
            .get_object(&self.path("blobs", digest))
            .await
            .map_err(|e| BlobError::storage(&self.name, e))?
        else {
            return Ok(None);
        };
        let p = proto::StatBlobResponse::decode(b)
            .map_err(|e| BlobError::corrupt(&self.name, *digest, e.to_string()))?;
        let meta = meta_from_proto(p.chunks)
            .map_err(|e| BlobError::corrupt(&self.name, *digest, e.to_string()))?;
        Ok(Some(meta))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_meta(&self, digest: &B3Digest, meta: BlobMeta) -> Result<(), BlobError> {
        let b = meta_to_proto(&meta).encode_to_vec();
        self.put_object(&self.path("blobs", digest), b.into())
            .await
            .map_err(|e| BlobError::storage(&self.name, e))
    }

    /// Every object is written when `put_object` returns.
    async fn sync(&self) -> Result<(), BlobError> {
        Ok(())
    }
}

#[async_trait]
impl DirectoryService for ObjectStoreBackend {
    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get(&self, digest: &B3Digest) -> Result<Option<Directory>, DirectoryError> {
        let Some(b) = self
            .get_object(&self.path("dirs", digest))
            .await
            .map_err(|e| DirectoryError::storage(&self.name, e))?
        else {
            return Ok(None);
        };
        if B3Digest::of(&b) != *digest {
            return Err(DirectoryError::corrupt(
                &self.name,
                *digest,
                "stored bytes do not match the digest",
            ));
        }
        let dir = Directory::decode(&b)
            .map_err(|e| DirectoryError::corrupt(&self.name, *digest, e.to_string()))?;
        Ok(Some(dir))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put(&self, dir: Directory) -> Result<B3Digest, DirectoryError> {
        let d = dir.digest();
        self.put_object(&self.path("dirs", &d), dir.encode())
            .await
            .map_err(|e| DirectoryError::storage(&self.name, e))?;
        Ok(d)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn get_closure(&self, root: &B3Digest) -> Result<Vec<Directory>, DirectoryError> {
        crate::directoryservice::get_closure_by_get(self, &self.name, root).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(instance = %self.name))]
    async fn put_closure(&self, closure: Closure) -> Result<B3Digest, DirectoryError> {
        for (d, dir) in closure.leaves_first() {
            self.put_object(&self.path("dirs", d), dir.encode())
                .await
                .map_err(|e| DirectoryError::storage(&self.name, e))?;
        }
        Ok(closure.root())
    }
}
