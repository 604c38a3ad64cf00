//! gRPC client ([`GrpcBackend`]) and server ([`server`]) of the Blob, Chunk and
//! Directory services (package `tvix.castore.v1`, see `protos/`), over TCP or
//! Unix sockets.
//!
//! Errors cross the wire as status codes: NotFound ↔ `NOT_FOUND`, Corrupt ↔
//! `DATA_LOSS`, InvalidRequest ↔ `INVALID_ARGUMENT`, Unavailable ↔
//! `UNAVAILABLE`, Timeout ↔ `DEADLINE_EXCEEDED`, everything else `INTERNAL`; the
//! message carries the server-side error chain.

mod client;
pub mod server;

pub use client::{ConnectError, GrpcBackend};

#[cfg(test)]
mod tests;

use crate::ErrorKind;

/// The status code an error kind travels as (also used by tvix-store's
/// PathInfo service, so every service maps errors the same way).
pub fn kind_to_code(k: ErrorKind) -> tonic::Code {
    match k {
        ErrorKind::NotFound => tonic::Code::NotFound,
        ErrorKind::Corrupt => tonic::Code::DataLoss,
        ErrorKind::InvalidRequest => tonic::Code::InvalidArgument,
        ErrorKind::Unavailable => tonic::Code::Unavailable,
        ErrorKind::Timeout => tonic::Code::DeadlineExceeded,
        _ => tonic::Code::Internal,
    }
}

/// The error kind a status code stands for.
pub fn code_to_kind(c: tonic::Code) -> ErrorKind {
    match c {
        tonic::Code::NotFound => ErrorKind::NotFound,
        tonic::Code::DataLoss => ErrorKind::Corrupt,
        tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition => ErrorKind::InvalidRequest,
        tonic::Code::Unavailable => ErrorKind::Unavailable,
        tonic::Code::DeadlineExceeded => ErrorKind::Timeout,
        _ => ErrorKind::Storage,
    }
}

/// Metadata key naming the object a NOT_FOUND or DATA_LOSS status is about.
const DIGEST_KEY: &str = "x-castore-digest";

/// The digest a status names, if any.
pub(crate) fn status_digest(s: &tonic::Status) -> Option<crate::B3Digest> {
    s.metadata().get(DIGEST_KEY)?.to_str().ok()?.parse().ok()
}

/// An error as a status, with its whole source chain in the message and the
/// object concerned in metadata.
pub fn to_status<E: std::error::Error + ?Sized>(
    kind: ErrorKind,
    digest: Option<crate::B3Digest>,
    e: &E,
) -> tonic::Status {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    let mut status = tonic::Status::new(kind_to_code(kind), msg);
    if let Some(d) = digest {
        if let Ok(v) = d.to_string().parse() {
            status.metadata_mut().insert(DIGEST_KEY, v);
        }
    }
    status
}
