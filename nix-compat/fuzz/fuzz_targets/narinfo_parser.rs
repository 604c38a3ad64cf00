//! Fuzz target for the narinfo module and its neighbours: `NarInfo::parse`
//! must never panic, and whatever it accepts must print to text that parses
//! back to the same value and prints identically (also after
//! `canonicalize`). The same input also goes to the `nix-cache-info`, key and
//! signature parsers.
//!
//! Run from `nix-compat/`: `cargo +nightly fuzz run narinfo_parser -- -dict=fuzz/narinfo.dict`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nix_compat::{
    narinfo::{CacheInfo, NarInfo},
    signature::{PublicKey, SecretKey, SignatureRef},
};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(info) = NarInfo::parse(input) {
        let printed = info.to_string();
        let again = NarInfo::parse(&printed).expect("a printed narinfo parses");
        assert_eq!(again, info);
        assert_eq!(again.to_string(), printed);

        let mut canonical = info.clone();
        canonical.canonicalize();
        let text = canonical.to_string();
        let mut reparsed = NarInfo::parse(&text).expect("a canonical narinfo parses");
        reparsed.canonicalize();
        assert_eq!(reparsed.to_string(), text);

        let _ = info.fingerprint();
        let _ = info.is_content_addressed();
        let _ = info.parsed_signatures().count();
    }
    if let Ok(cache_info) = CacheInfo::parse(input) {
        let printed = cache_info.to_string();
        assert_eq!(CacheInfo::parse(&printed), Ok(cache_info));
    }
    let _ = SignatureRef::parse(input);
    if let Ok(key) = PublicKey::parse(input) {
        assert_eq!(PublicKey::parse(&key.to_string()), Ok(key));
    }
    let _ = SecretKey::parse(input);
});
