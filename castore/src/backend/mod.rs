//! Storage backends. Each file is one backend implementing all three service
//! traits ([`ChunkService`](crate::ChunkService), [`BlobService`](crate::BlobService),
//! [`DirectoryService`](crate::DirectoryService)) over one kind of storage:
//!
//! | backend | chunks | blob metadata | directories |
//! |---|---|---|---|
//! | [`memory`] | `HashMap` | `HashMap` | `HashMap` |
//! | [`local`] | zstd files, atomic rename | redb table | redb table |
//! | [`object_store`] (feature `objectstore`) | zstd objects | protobuf objects | protobuf objects |
//! | [`grpc`] (feature `grpc`) | ChunkService RPCs | BlobService RPCs | DirectoryService RPCs |

#[cfg(feature = "grpc")]
pub mod grpc;
pub mod local;
pub mod memory;
#[cfg(feature = "objectstore")]
pub mod object_store;
