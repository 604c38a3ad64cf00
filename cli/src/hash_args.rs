//! Command-line options for choosing a hash algorithm and a hash format, shared
//! by every command that prints hashes, with the flag names `nix hash` uses.

use clap::Args;
use nix_compat::nixhash::{HashAlgo, HashFormat};

/// `--type`/`--algo` and the output format flags of `nix hash path|file`.
/// As in C++ Nix, the last format flag given wins.
#[derive(Debug, Args)]
pub struct HashOutputArgs {
    /// Hash algorithm: md5, sha1, sha256 or sha512.
    #[arg(long = "type", visible_alias = "algo", value_name = "ALGO", default_value = "sha256", value_parser = parse_algo)]
    pub algo: HashAlgo,

    /// Print the hash in SRI format (the default).
    #[arg(long, overrides_with_all = ["base64", "base32", "base16", "format"])]
    pub sri: bool,

    /// Print the hash in base-64 format.
    #[arg(long, overrides_with_all = ["sri", "base32", "base16", "format"])]
    pub base64: bool,

    /// Print the hash in base-32 (Nix-specific) format.
    #[arg(long, overrides_with_all = ["sri", "base64", "base16", "format"])]
    pub base32: bool,

    /// Print the hash in base-16 format.
    #[arg(long, overrides_with_all = ["sri", "base64", "base32", "format"])]
    pub base16: bool,

    /// Hash format: base16, nix32 (or base32), base64 or sri.
    #[arg(long, overrides_with_all = ["sri", "base64", "base32", "base16"], value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<HashFormat>,
}

impl HashOutputArgs {
    /// The chosen output format; SRI if none was given.
    pub fn hash_format(&self) -> HashFormat {
        if let Some(f) = self.format {
            f
        } else if self.base16 {
            HashFormat::Base16
        } else if self.base32 {
            HashFormat::Nix32
        } else if self.base64 {
            HashFormat::Base64
        } else {
            HashFormat::Sri
        }
    }
}

fn parse_algo(s: &str) -> Result<HashAlgo, String> {
    s.parse().map_err(|e| format!("{e}"))
}

fn parse_format(s: &str) -> Result<HashFormat, String> {
    s.parse().map_err(|e| format!("{e}"))
}
