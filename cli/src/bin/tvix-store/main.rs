//! `tvix-store`: store, NAR and hashing tools. Each subcommand is a thin wrapper
//! over a library function; see `tvix-store --help`.

mod castore;
mod hash;
mod nar;
mod progress;
mod store;

use clap::{Parser, Subcommand};
use tvix_cli::store_arg::store_arg;

/// Store, NAR and hashing tools of tvix.
#[derive(Debug, Parser)]
#[command(name = "tvix-store", version, about)]
struct Cli {
    /// The store: a URL (`memory://`, `local:///DIR`, `grpc+unix:///SOCKET`,
    /// `grpc+http://HOST:PORT`, `objectstore+file:///DIR`, any with
    /// `?cache=URL`) or the path of a composition TOML file. Default: a local
    /// store in $XDG_DATA_HOME/tvix/store (~/.local/share/tvix/store).
    #[arg(long, global = true, env = "TVIX_STORE")]
    store: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute hashes of files and paths, as `nix hash`.
    #[command(subcommand)]
    Hash(hash::HashCommand),
    /// Write, list, extract from and restore NAR files.
    #[command(subcommand)]
    Nar(nar::NarCommand),
    /// Import trees into the content-addressed store and read them back.
    #[command(subcommand)]
    Castore(castore::CastoreCommand),
    /// Add paths to the store as `nix-store --add` does; print their store
    /// paths.
    Import {
        /// The paths (each named after its last component).
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
    /// Show information about store paths, as `nix path-info`.
    PathInfo {
        /// Print JSON, as `nix path-info --json`.
        #[arg(long)]
        json: bool,
        /// Include the closure of the paths.
        #[arg(short = 'r', long)]
        recursive: bool,
        /// Absolute store paths.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Copy store paths with their closure between stores and Nix binary
    /// caches, as `nix copy`.
    Copy {
        /// The source: a store (a URL such as `local:///DIR` or
        /// `grpc+unix:///SOCKET`, or a composition file) or a Nix binary cache
        /// `file:///DIR`, `http://HOST/PATH` or `https://HOST/PATH`, with
        /// options `compression=`, `secret-key=`, `trusted-public-keys=`
        /// (default: `--store`).
        #[arg(long)]
        from: Option<String>,
        /// The destination, as `--from`.
        #[arg(long)]
        to: Option<String>,
        /// Absolute store paths.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Serve the store's Blob, Chunk, Directory and PathInfo services over
    /// gRPC until SIGINT or SIGTERM.
    Daemon {
        /// Where to listen: `unix:PATH` or `HOST:PORT`.
        #[arg(long, short = 'l')]
        listen: String,
    },
}

/// Runs a command that needs a store, in a tokio runtime.
fn with_store(
    store: Option<String>,
    f: impl AsyncFnOnce(tvix_castore::Store) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let arg = store_arg(store)?;
        let mut composition = tvix_castore::composition::Composition::from_arg(&arg)
            .with_context(|| format!("store {arg:?}"))?;
        let store = composition
            .build_root()
            .with_context(|| format!("store {arg:?}"))?;
        f(store).await
    })
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let handle = match tvix_tracing::TracingBuilder::default()
        .service_name("tvix-store")
        .enable_progressbar()
        .build()
    {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Hash(cmd) => hash::run(cmd, &mut handle.stdout()),
        Command::Nar(nar::NarCommand::Dump { path }) => {
            store::with_services(cli.store, async |s| store::nar_dump(&path, s).await)
        }
        Command::Nar(cmd) => nar::run(cmd, &handle),
        Command::Import { paths } => {
            store::with_services(cli.store, async |s| store::import(&paths, s, &handle).await)
        }
        Command::Copy { from, to, paths } => {
            store::copy(cli.store, from.as_deref(), to.as_deref(), &paths)
        }
        Command::PathInfo {
            json,
            recursive,
            paths,
        } => store::with_services(cli.store, async |s| {
            store::path_info(&paths, json, recursive, s, &handle).await
        }),
        Command::Castore(cmd) => {
            with_store(cli.store, async |s| castore::run(cmd, s, &handle).await)
        }
        Command::Daemon { listen } => castore::daemon(cli.store, &listen),
    };
    if let Err(e) = handle.shutdown() {
        eprintln!("warning: {e}");
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", tvix_cli::report::error_message(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
