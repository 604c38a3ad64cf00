//! The `--store` argument every command of `tvix` and `tvix-store` takes: a
//! store URL or the path of a composition TOML file, from the flag, else the
//! `TVIX_STORE` environment variable (clap reads it), else the local store in
//! the user's data directory, so both programs see one store by default.

use std::path::PathBuf;

/// Help text shared by the `--store` flags.
pub const STORE_HELP: &str = "The store: a URL (`memory://`, `local:///DIR`, `grpc+unix:///SOCKET`, \
`grpc+http://HOST:PORT`, `objectstore+file:///DIR`, any with `?cache=URL`) or the path of a \
composition TOML file. Default: a local store in $XDG_DATA_HOME/tvix/store \
(~/.local/share/tvix/store).";

/// The store argument, or the default local store in the user's data directory.
pub fn store_arg(arg: Option<String>) -> anyhow::Result<String> {
    if let Some(a) = arg {
        return Ok(a);
    }
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => {
            let home = std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    anyhow::anyhow!("neither XDG_DATA_HOME nor HOME is set: pass --store")
                })?;
            PathBuf::from(home).join(".local/share")
        }
    };
    Ok(format!("local://{}", data.join("tvix/store").display()))
}
