//! `tvix-store nar ...`: write, list, extract from and restore NAR files, with
//! the output of C++ Nix's `nix nar dump-path|ls|cat` and `nix-store --restore`.

use std::{
    fs::File,
    io::{self, BufReader, Write},
    os::unix::ffi::OsStrExt,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use clap::Subcommand;
use nix_compat::nar::{
    self,
    listing::{CatError, Listing, LookupError, LsOptions, render_json, render_text},
};

use tvix_tracing::TracingHandle;

use crate::progress;

#[derive(Debug, Subcommand)]
pub(crate) enum NarCommand {
    /// Serialise a path to stdout in NAR format (as `nix nar dump-path`,
    /// `nix-store --dump`).
    #[command(visible_alias = "pack")]
    DumpPath {
        /// The path to serialise (a symlink is dumped as a symlink).
        path: PathBuf,
    },
    /// Write the NAR of a store path in the store (`--store`) to stdout (as
    /// `nix store dump-path`, `nix-store --dump` of a store path).
    Dump {
        /// The absolute store path.
        path: String,
    },
    /// Show information about a path inside a NAR file (as `nix nar ls`).
    Ls {
        /// List subdirectories recursively.
        #[arg(short = 'R', long)]
        recursive: bool,
        /// Show type, size and symlink target of each entry.
        #[arg(short = 'l', long)]
        long: bool,
        /// Show directories rather than their contents.
        #[arg(short = 'd', long)]
        directory: bool,
        /// Print JSON, as `nix nar ls --json`.
        #[arg(long)]
        json: bool,
        /// The NAR file.
        nar: PathBuf,
        /// The path inside the NAR (default: its root).
        #[arg(default_value = "/")]
        path: PathBuf,
    },
    /// Print the contents of a regular file inside a NAR file (as
    /// `nix nar cat`).
    Cat {
        /// The NAR file.
        nar: PathBuf,
        /// The path of the file inside the NAR.
        path: PathBuf,
    },
    /// Restore the NAR read from stdin into DIR, which must not exist (as
    /// `nix-store --restore`).
    Restore {
        /// Where to create the tree.
        dir: PathBuf,
    },
}

pub(crate) fn run(cmd: NarCommand, tracing: &TracingHandle) -> anyhow::Result<()> {
    match cmd {
        NarCommand::DumpPath { path } => dump_path(&path),
        NarCommand::Ls {
            recursive,
            long,
            directory,
            json,
            nar,
            path,
        } => ls(
            &mut tracing.stdout(),
            &nar,
            path.as_os_str().as_bytes(),
            LsOptions {
                recursive,
                long,
                directory,
            },
            json,
        ),
        NarCommand::Cat { nar, path } => cat(&nar, path.as_os_str().as_bytes()),
        NarCommand::Restore { dir } => restore(&dir),
        // main runs it with the store's services.
        NarCommand::Dump { .. } => bail!("internal: `nar dump` needs the store"),
    }
}

fn dump_path(path: &Path) -> anyhow::Result<()> {
    let stdout = io::stdout().lock();
    progress::dump_path(path, stdout)?;
    Ok(())
}

/// Opens a NAR file for reading.
fn open_nar(nar: &Path) -> anyhow::Result<File> {
    File::open(nar).with_context(|| format!("opening file '{}'", nar.display()))
}

/// C++ Nix names a missing path `«unknown»/a/b` (its NAR accessor has no root
/// name); we print the same.
fn lookup_error(e: LookupError) -> anyhow::Error {
    match e {
        LookupError::NotFound { path } => anyhow::anyhow!("path '«unknown»{path}' does not exist"),
        other => other.into(),
    }
}

fn ls(
    stdout: &mut impl Write,
    nar: &Path,
    path: &[u8],
    options: LsOptions,
    json: bool,
) -> anyhow::Result<()> {
    if json && options.directory {
        bail!("'--directory' is useless with '--json'");
    }
    let file = open_nar(nar)?;
    let listing = Listing::from_reader(BufReader::with_capacity(256 * 1024, file))
        .with_context(|| format!("reading NAR file '{}'", nar.display()))?;
    let mut out = if json {
        let entry = listing.root.lookup(path).map_err(lookup_error)?;
        let mut text = render_json(entry, options.recursive)?.into_bytes();
        text.push(b'\n');
        text
    } else {
        render_text(&listing.root, path, options).map_err(lookup_error)?
    };
    stdout.write_all(&out)?;
    out.clear();
    stdout.flush()?;
    Ok(())
}

fn cat(nar: &Path, path: &[u8]) -> anyhow::Result<()> {
    let file = open_nar(nar)?;
    let mut stdout = io::stdout().lock();
    match nar::listing::cat(file, path, &mut stdout) {
        Ok(_) => {}
        Err(CatError::Lookup(e)) => return Err(lookup_error(e)),
        Err(e @ CatError::NotARegularFile { .. }) => return Err(e.into()),
        Err(e) => {
            return Err(e).with_context(|| format!("reading NAR file '{}'", nar.display()));
        }
    }
    stdout.flush()?;
    Ok(())
}

fn restore(dir: &Path) -> anyhow::Result<()> {
    let stdin = io::stdin().lock();
    nar::fs::restore(BufReader::with_capacity(256 * 1024, stdin), dir)?;
    Ok(())
}
