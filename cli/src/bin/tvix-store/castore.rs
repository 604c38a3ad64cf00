//! `tvix-store castore ...` and `tvix-store daemon`: import trees into a
//! castore, read blobs and directories back, and serve a store (castore and
//! PathInfo) over gRPC.
//!
//! Digests are printed and read in castore's one text form,
//! `blake3-<base64>` (see `tvix_castore::B3Digest`).

use std::{io::Write, path::PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use tokio::io::AsyncWriteExt;
use tvix_castore::{
    B3Digest, Directory, Node, Store,
    backend::grpc::server::{self, ListenAddr},
    import::{ImportOptions, import_path, tar::import_tar},
};
use tvix_store::composition::{StoreComposition, StoreCompositionError, url::UrlError};
use tvix_tracing::TracingHandle;

#[derive(Debug, Subcommand)]
pub(crate) enum CastoreCommand {
    /// Import a file, directory or symlink; print the root node's digest (a
    /// directory digest, or for a file its blob digest).
    Import {
        /// The path to import (symlinks are not followed).
        path: PathBuf,
    },
    /// Import a tar archive (plain, gzip, bzip2, xz or zstd) as the directory it
    /// would extract to; print that directory's digest.
    ImportTar {
        /// The archive, or `-` for stdin.
        archive: PathBuf,
    },
    /// Write a blob's contents to stdout.
    Cat {
        /// The blob digest (`blake3-…`).
        digest: B3Digest,
    },
    /// List a directory: one line per entry, `d DIGEST NAME`, `- DIGEST SIZE
    /// NAME` (file), `x DIGEST SIZE NAME` (executable) or `l NAME -> TARGET`.
    Ls {
        /// List subdirectories recursively (names become paths).
        #[arg(short = 'R', long)]
        recursive: bool,
        /// The directory digest (`blake3-…`).
        digest: B3Digest,
    },
}

pub(crate) async fn run(
    cmd: CastoreCommand,
    store: Store,
    tracing: &TracingHandle,
) -> anyhow::Result<()> {
    match cmd {
        CastoreCommand::Import { path } => {
            let node = import_path(&store, &path, ImportOptions::default())
                .await
                .with_context(|| format!("importing {}", path.display()))?;
            let digest = match node {
                Node::Directory { digest, .. } | Node::File { digest, .. } => digest.to_string(),
                Node::Symlink { target } => {
                    bail!(
                        "{} is a symlink (to {target}): it has no digest",
                        path.display()
                    )
                }
            };
            writeln!(tracing.stdout(), "{digest}")?;
        }
        CastoreCommand::ImportTar { archive } => {
            let opts = ImportOptions::default();
            let node = if archive.as_os_str() == "-" {
                import_tar(&store, tokio::io::stdin(), &opts).await
            } else {
                let f = tokio::fs::File::open(&archive)
                    .await
                    .with_context(|| format!("opening {}", archive.display()))?;
                import_tar(&store, f, &opts).await
            }
            .with_context(|| format!("importing {}", archive.display()))?;
            if let Node::Directory { digest, .. } = node {
                writeln!(tracing.stdout(), "{digest}")?;
            }
        }
        CastoreCommand::Cat { digest } => {
            let mut r = store
                .open_read(&digest)
                .await?
                .with_context(|| format!("blob {digest} not found"))?;
            let mut out = tokio::io::stdout();
            tokio::io::copy(&mut r, &mut out)
                .await
                .with_context(|| format!("reading blob {digest}"))?;
            out.flush().await?;
        }
        CastoreCommand::Ls { recursive, digest } => {
            let dirs = if recursive {
                store.directories().get_closure(&digest).await?
            } else {
                vec![
                    store
                        .directories()
                        .get(&digest)
                        .await?
                        .with_context(|| format!("directory {digest} not found"))?,
                ]
            };
            let by_digest: std::collections::HashMap<B3Digest, &Directory> =
                dirs.iter().map(|d| (d.digest(), d)).collect();
            let mut out = Vec::new();
            list(&by_digest, &digest, "", recursive, &mut out)?;
            tracing.stdout().write_all(&out)?;
        }
    }
    Ok(())
}

/// Appends the listing of directory `digest` (names prefixed by `prefix`).
fn list(
    dirs: &std::collections::HashMap<B3Digest, &Directory>,
    digest: &B3Digest,
    prefix: &str,
    recursive: bool,
    out: &mut Vec<u8>,
) -> anyhow::Result<()> {
    let dir = dirs
        .get(digest)
        .with_context(|| format!("directory {digest} not found"))?;
    for (name, node) in dir.entries() {
        let path = format!("{prefix}{name}");
        match node {
            Node::Directory { digest, .. } => {
                writeln!(out, "d {digest} {path}")?;
                if recursive {
                    list(dirs, digest, &format!("{path}/"), true, out)?;
                }
            }
            Node::File {
                digest,
                size,
                executable,
            } => {
                let kind = if *executable { 'x' } else { '-' };
                writeln!(out, "{kind} {digest} {size} {path}")?;
            }
            Node::Symlink { target } => writeln!(out, "l {path} -> {target}")?,
        }
    }
    Ok(())
}

/// `tvix-store daemon`: serves the store (castore's services and the
/// PathInfo service) until SIGINT or SIGTERM. A store URL that keeps no
/// PathInfo (an object store other than a file one) is served without it.
pub(crate) fn daemon(store: Option<String>, listen: &str) -> anyhow::Result<()> {
    let addr: ListenAddr = listen.parse()?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let arg = crate::store_arg(store)?;
        let services = match StoreComposition::from_arg(&arg) {
            Ok(mut c) => c.build_root().map(Some),
            Err(StoreCompositionError::Url(e @ UrlError::NoPathInfo { .. })) => {
                tracing::warn!("{e}: serving castore only");
                Ok(None)
            }
            Err(e) => Err(e),
        }
        .with_context(|| format!("store {arg:?}"))?;
        let res = match services {
            Some(services) => {
                tvix_store::pathinfoservice::grpc::serve(services, &addr, shutdown_signal()).await
            }
            None => {
                let store = tvix_castore::composition::Composition::from_arg(&arg)
                    .and_then(|mut c| c.build_root())
                    .with_context(|| format!("store {arg:?}"))?;
                server::serve(store, &addr, shutdown_signal()).await
            }
        };
        res.with_context(|| format!("serving on {addr}"))
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot watch SIGTERM");
            std::future::pending::<()>().await;
            unreachable!()
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
    }
}
