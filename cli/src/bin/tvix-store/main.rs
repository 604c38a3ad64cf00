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
    let result = match cli.command {
        Command::Hash(cmd) => hash::run(cmd),
        Command::Nar(cmd) => nar::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
