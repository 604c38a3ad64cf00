//! The narinfo files the reference C++ Nix 2.26.3 wrote with `nix copy` to
//! `file://` caches (`testdata/narinfo`, see its README and `generate.sh`):
//! byte-identical round trips, fingerprints checked through the reference's
//! signatures, our signatures equal to the reference's, cache layout.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::super::*;
use crate::{
    nixhash::HashAlgo,
    signature::{PublicKey, SecretKey},
    store_path::StorePath,
};

pub(super) fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/narinfo")
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const COMPRESSIONS: [&str; 5] = ["none", "xz", "zstd", "bzip2", "br"];

/// Every golden narinfo: (compression folder, file name, contents).
fn narinfos() -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for c in COMPRESSIONS {
        let dir = testdata().join(c);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .into_string()
                    .expect("utf-8")
            })
            .filter(|n| n.ends_with(".narinfo"))
            .collect();
        names.sort();
        for n in names {
            let text = read(&dir.join(&n));
            out.push((c, n, text));
        }
    }
    out
}

fn key(name: &str) -> SecretKey {
    SecretKey::parse(&read(
        &testdata().join("keys").join(format!("{name}.secret")),
    ))
    .expect("reference key parses")
}

fn trusted() -> TrustedKeys {
    ["cache.example.org-1", "other.example.org-2"]
        .into_iter()
        .map(|n| {
            PublicKey::parse(&read(&testdata().join("keys").join(format!("{n}.public"))))
                .expect("reference key parses")
        })
        .collect()
}

#[test]
fn golden_set_is_complete() {
    let paths = read(&testdata().join("paths.txt"));
    assert_eq!(paths.lines().count(), 7);
    assert_eq!(narinfos().len(), 7 * COMPRESSIONS.len());
}

#[test]
fn parse_render_is_byte_identical() {
    for (_, name, text) in narinfos() {
        let info = NarInfo::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.to_string(), text, "{name}");
        assert_eq!(info.quirks, Quirks::default(), "{name}");
        assert!(info.extra_fields.is_empty(), "{name}");
        // Already what C++ Nix writes.
        let mut canonical = info.clone();
        canonical.canonicalize();
        assert_eq!(canonical, info, "{name}");
    }
}

#[test]
fn file_names_and_urls() {
    let paths = read(&testdata().join("paths.txt"));
    for (compression, name, text) in narinfos() {
        let info = NarInfo::parse(&text).expect("parses");
        assert_eq!(narinfo_file_name(&info.store_path), name);
        assert_eq!(
            parse_narinfo_file_name(&name),
            Some(*info.store_path.digest())
        );
        assert!(paths.contains(&info.store_path.to_absolute_path()));
        assert_eq!(info.compression, Some(compression));
        let file_hash = info.file_hash.as_ref().expect("FileHash");
        assert_eq!(info.url, nar_url(file_hash, compression), "{name}");
        let (digest, ext) =
            parse_nar_file_name(info.url.strip_prefix("nar/").expect("nar/")).expect("NAR name");
        assert_eq!(&digest[..], file_hash.digest());
        assert_eq!(ext, nar_file_extension(compression));
    }
}

#[test]
fn uncompressed_nars_match_their_hashes() {
    for (compression, name, text) in narinfos() {
        if compression != "none" {
            continue;
        }
        let info = NarInfo::parse(&text).expect("parses");
        let nar = std::fs::read(testdata().join("none").join(info.url.as_ref())).expect("NAR");
        let digest: [u8; 32] = Sha256::digest(&nar).into();
        assert_eq!(info.nar_hash, NixHash::Sha256(digest), "{name}");
        assert_eq!(info.file_hash, Some(NixHash::Sha256(digest)), "{name}");
        assert_eq!(info.nar_size, nar.len() as u64, "{name}");
        assert_eq!(info.file_size, Some(nar.len() as u64), "{name}");
    }
}

#[test]
fn reference_signatures_verify() {
    let keys = trusted();
    for (_, name, text) in narinfos() {
        let info = NarInfo::parse(&text).expect("parses");
        assert_eq!(info.signatures.len(), 2, "{name}");
        assert_eq!(info.valid_signatures(&keys), Ok(2), "{name}");
        // Each key alone verifies exactly its own signature.
        for k in keys.iter() {
            let one: TrustedKeys = [k.clone()].into_iter().collect();
            assert_eq!(info.valid_signatures(&one), Ok(1), "{name}");
        }
        assert_eq!(info.valid_signatures(&TrustedKeys::new()), Ok(0));
        // Any change to the signed fields breaks them.
        let mut changed = info.clone();
        changed.nar_size += 1;
        assert_eq!(changed.valid_signatures(&keys), Ok(0), "{name}");
    }
}

#[test]
fn our_signatures_equal_the_reference() {
    let keys = [key("cache.example.org-1"), key("other.example.org-2")];
    for (_, name, text) in narinfos() {
        let info = NarInfo::parse(&text).expect("parses");
        let fingerprint = info.fingerprint().expect("non-zero size");
        let ours: Vec<String> = keys
            .iter()
            .map(|k| k.sign(fingerprint.as_bytes()).to_string())
            .collect();
        assert_eq!(info.signatures, ours, "{name}");

        // add_signature rebuilds the same, sorted list.
        let mut resigned = info.clone();
        resigned.signatures.clear();
        for k in keys.iter().rev() {
            resigned.add_signature(k).expect("signs");
        }
        resigned.add_signature(&keys[0]).expect("signs again");
        assert_eq!(resigned.to_string(), text, "{name}");
    }
}

#[test]
fn fingerprint_shape() {
    let text = read(&testdata().join("none/5xd714cbfnkz02h2vbsj4fm03x3f15nf.narinfo"));
    let info = NarInfo::parse(&text).expect("parses");
    assert_eq!(
        info.fingerprint().expect("non-zero size"),
        "1;/nix/store/5xd714cbfnkz02h2vbsj4fm03x3f15nf-baz;\
         sha256:0m29vxh7maf5ml5dyq7vy0ah53zah45pvy8yk5y8la4nnla95gfi;160;\
         /nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"
    );
    // Several references: absolute, sorted, comma-separated, self included.
    let text = read(&testdata().join("none/iwk010pp1rhw0fsjlzx6bmda1s0x0nsv.narinfo"));
    let info = NarInfo::parse(&text).expect("parses");
    let fp = info.fingerprint().expect("non-zero size");
    assert!(
        fp.ends_with(
            ";216;/nix/store/iwk010pp1rhw0fsjlzx6bmda1s0x0nsv-selfref,\
             /nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"
        ),
        "{fp}"
    );
    // Reference order and duplicates do not matter.
    let mut shuffled = info.clone();
    shuffled.references.reverse();
    shuffled.references.push(shuffled.references[0]);
    assert_eq!(shuffled.fingerprint(), Ok(fp));
}

#[test]
fn content_addressed_paths_need_no_signature() {
    for (_, name, text) in narinfos() {
        let info = NarInfo::parse(&text).expect("parses");
        // All but the two outputs of the built derivation are content-addressed.
        let built =
            info.store_path.name_str().starts_with("selfref") && !info.store_path.is_derivation();
        assert_eq!(info.ca.is_none(), built, "{name}");
        assert_eq!(info.is_content_addressed(), !built, "{name}");
        let expected = if built { 0 } else { usize::MAX };
        assert_eq!(info.check_signatures(&TrustedKeys::new()), Ok(expected));
        // A CA field that does not match the path is not trusted.
        if let Some(ca) = &info.ca {
            let mut wrong = info.clone();
            wrong.ca = Some(CAHash::Nar(NixHash::digest_of(HashAlgo::Sha256, "other")));
            assert!(!wrong.is_content_addressed(), "{name} {ca}");
        }
    }
}

#[test]
fn cache_info_round_trips() {
    for c in COMPRESSIONS {
        let text = read(&testdata().join(c).join(CACHE_INFO_FILE));
        let info = CacheInfo::parse(&text).expect("parses");
        assert_eq!(info, CacheInfo::new("/nix/store"));
        assert_eq!(info.to_string(), text);
        assert_eq!(info.check_store_dir("/nix/store"), Ok(()));
    }
}

#[test]
fn narinfo_owned_store_path_helpers() {
    let p: StorePath<String> = "i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt"
        .parse()
        .expect("valid");
    assert_eq!(
        narinfo_file_name(&p),
        "i9pmrzmpshapij2kin22pff6fc2adavx.narinfo"
    );
    assert_eq!(listing_file_name(&p), "i9pmrzmpshapij2kin22pff6fc2adavx.ls");
}
