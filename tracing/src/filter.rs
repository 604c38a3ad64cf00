//! Which events and spans are logged (and exported): `RUST_LOG`, and the
//! default used when it is unset.
//!
//! There is deliberately no log-level flag in the binaries: `RUST_LOG` is the
//! one knob, with the usual [`EnvFilter`] syntax (`debug`,
//! `tvix_castore=trace,h2=warn`, `[span{field=value}]=debug`, ...). Targets are
//! prefixes of module paths, so the `tvix` directive in [`DEFAULT_FILTER`]
//! covers `tvix_store`, `tvix_castore`, `tvix_tracing`, ...

use tracing_subscriber::EnvFilter;

use crate::Error;

/// The filter used when `RUST_LOG` is unset or empty: `info` for our crates
/// (every target starting with `tvix` or `nix_compat`), `warn` for everything
/// else.
pub const DEFAULT_FILTER: &str = "warn,tvix=info,nix_compat=info";

/// The environment variable holding the filter directives.
pub(crate) const RUST_LOG: &str = "RUST_LOG";

/// Builds the filter from the value of `RUST_LOG` (`None` if unset). Unset,
/// empty or blank means [`DEFAULT_FILTER`]; any directive that does not parse
/// is an error naming the value.
pub(crate) fn env_filter(rust_log: Option<&str>) -> Result<EnvFilter, Error> {
    let directives = match rust_log {
        Some(value) if !value.trim().is_empty() => value,
        _ => DEFAULT_FILTER,
    };
    EnvFilter::builder()
        .parse(directives)
        .map_err(|source| Error::InvalidFilter {
            value: directives.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests;
