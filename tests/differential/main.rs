//! Differential tests: our output compared byte for byte with the reference
//! C++ Nix 2.26 on generated inputs. Built only with feature `reference`
//! (`.ci/run` installs the reference and turns it on).

mod cli;
mod derivation;
mod eval_cli;
mod flake_lock;
mod flake_refs;
mod glue;
mod nar;
mod narinfo;
mod parse;
mod store;
mod store_http;

use tvix_tests::reference;

/// The differential suite is only meaningful against the version it was written for.
#[test]
fn reference_is_nix_2_26() {
    let out = reference::run("nix", &["--version"]);
    let version = String::from_utf8_lossy(&out);
    assert!(version.contains("2.26."), "unexpected reference: {version}");
}
