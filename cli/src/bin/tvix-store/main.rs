//! `tvix-store`: store, NAR and hashing tools. Each subcommand is a thin wrapper
//! over a library function; see `tvix-store --help`.

mod hash;
mod nar;
mod progress;

use clap::{Parser, Subcommand};

/// Store, NAR and hashing tools of tvix.
#[derive(Debug, Parser)]
#[command(name = "tvix-store", version, about)]
struct Cli {
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
        Command::Nar(cmd) => nar::run(cmd, &handle),
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
