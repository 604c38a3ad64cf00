//! `tvix-store hash path|file`: print the hash of a file's contents (flat) or of
//! a path's NAR serialisation, in the formats `nix hash path|file` prints.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use nix_compat::nixhash::{HashFormat, Hasher, NixHash};
use tvix_cli::hash_args::HashOutputArgs;

use crate::progress;

#[derive(Debug, Subcommand)]
pub(crate) enum HashCommand {
    /// Print the hash of the NAR serialisation of each path (or of the
    /// contents, with `--mode flat`).
    Path {
        #[command(flatten)]
        output: HashOutputArgs,
        /// How to serialise the path before hashing.
        #[arg(long, value_enum, default_value_t = Mode::Nar)]
        mode: Mode,
        /// The paths to hash.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the hash of each regular file's contents.
    File {
        #[command(flatten)]
        output: HashOutputArgs,
        /// The files to hash.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// How a path is turned into bytes before hashing.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Mode {
    /// The file's contents.
    Flat,
    /// The NAR serialisation.
    Nar,
}

pub(crate) fn run(cmd: HashCommand) -> anyhow::Result<()> {
    let (output, mode, paths) = match cmd {
        HashCommand::Path {
            output,
            mode,
            paths,
        } => (output, mode, paths),
        HashCommand::File { output, paths } => (output, Mode::Flat, paths),
    };
    let format = output.hash_format();
    let mut stdout = std::io::stdout().lock();
    for path in &paths {
        let hash = match mode {
            Mode::Flat => hash_flat(&output, path)?,
            Mode::Nar => hash_nar(&output, path)?,
        };
        writeln!(stdout, "{}", hash.format(format, format == HashFormat::Sri))?;
    }
    Ok(())
}

fn hash_flat(output: &HashOutputArgs, path: &Path) -> anyhow::Result<NixHash> {
    let mut file =
        File::open(path).with_context(|| format!("opening file '{}'", path.display()))?;
    let mut hasher = Hasher::new(output.algo);
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("reading file '{}'", path.display()))?;
    Ok(hasher.finalize())
}

fn hash_nar(output: &HashOutputArgs, path: &Path) -> anyhow::Result<NixHash> {
    let mut hasher = Hasher::new(output.algo);
    progress::dump_path(path, &mut hasher)?;
    Ok(hasher.finalize())
}
