//! narinfo files, signatures and keys against the reference C++ Nix: random
//! store paths are added, signed and copied to `file://` caches by the
//! reference; we must print its narinfos back byte for byte, verify and
//! reproduce its signatures, read mutated narinfos exactly as it does, and make
//! signatures and keys it accepts.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use nix_compat::{
    narinfo::{self, CacheInfo, NarInfo},
    nixhash::NixHash,
    signature::{PublicKey, SecretKey, TrustedKeys},
    store_path::StorePathRef,
};
use serde_json::Value;
use tvix_tests::reference;

/// A small deterministic generator (splitmix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn name(&mut self) -> String {
        const CHARS: &[u8] =
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?=";
        let len = 1 + self.below(20);
        let mut s: String = (0..len)
            .map(|_| char::from(CHARS[self.below(CHARS.len())]))
            .collect();
        // Names must not start with '.' (".", "..", ".-" are invalid).
        s.insert(0, 'n');
        s
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("reference output is UTF-8")
}

/// Store paths made by the reference from `seed`: files and trees added as
/// sources, text files referring to earlier paths, and built derivations
/// (input-addressed, no CA field) referring to them. Returns the closure.
fn make_paths(dir: &Path, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut paths: Vec<String> = Vec::new();
    for i in 0..6 {
        let src = dir.join(format!("src{i}"));
        if rng.below(2) == 0 {
            std::fs::write(&src, rng.bytes(3000)).expect("write");
        } else {
            std::fs::create_dir_all(src.join("d")).expect("mkdir");
            std::fs::write(src.join("f"), rng.bytes(500)).expect("write");
            std::fs::write(src.join("d").join(rng.name()), rng.bytes(500)).expect("write");
        }
        let named = dir.join(rng.name());
        std::fs::rename(&src, &named).expect("rename");
        let out = reference::run("nix-store", &["--add", named.to_str().expect("utf-8")]);
        paths.push(text(out).trim().to_owned());
    }
    for _ in 0..4 {
        let refs: Vec<String> = (0..1 + rng.below(3))
            .map(|_| {
                format!(
                    "${{builtins.storePath \"{}\"}}",
                    paths[rng.below(paths.len())]
                )
            })
            .collect();
        let expr = format!(
            "builtins.toFile \"{}\" \"{} {}\"",
            rng.name(),
            rng.next(),
            refs.join(" ")
        );
        let out = reference::run(
            "nix-instantiate",
            &["--read-write-mode", "--eval", "--expr", &expr],
        );
        paths.push(text(out).trim().trim_matches('"').to_owned());
    }
    for _ in 0..2 {
        let r = &paths[rng.below(paths.len())];
        let expr = format!(
            "derivation {{ name = \"{}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; \
             args = [ \"-c\" \"echo {} ${{builtins.storePath \"{r}\"}} > $out\" ]; }}",
            rng.name(),
            rng.next()
        );
        let out = reference::run("nix-build", &["--no-out-link", "--expr", &expr]);
        paths.push(text(out).trim().to_owned());
    }
    let mut args = vec!["--query", "--requisites"];
    args.extend(paths.iter().map(String::as_str));
    text(reference::run("nix-store", &args))
        .lines()
        .map(str::to_owned)
        .collect()
}

fn generate_key(dir: &Path, name: &str) -> (PathBuf, String, String) {
    let secret = text(reference::run(
        "nix",
        &["key", "generate-secret", "--key-name", name],
    ));
    let public = text(reference::run_with_stdin(
        "nix",
        &["key", "convert-secret-to-public"],
        secret.as_bytes(),
    ));
    let file = dir.join(format!("{name}.secret"));
    std::fs::write(&file, &secret).expect("write key");
    (file, secret, public)
}

fn copy_to_cache(paths: &[String], url: &str) {
    let mut args = vec!["copy", "--to", url];
    args.extend(paths.iter().map(String::as_str));
    reference::run("nix", &args);
}

/// `(file name, contents)` of every narinfo in a cache folder, sorted.
fn narinfos(cache: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n.ends_with(".narinfo"))
        .map(|n| {
            let s = std::fs::read_to_string(cache.join(&n)).expect("read narinfo");
            (n, s)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn reference_caches_round_trip_and_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    // The reference's store outlives the test, and `nix store sign` adds to
    // the signatures a path already has: fresh paths on every run keep
    // signatures made with an earlier run's keys out of the narinfos.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let paths = make_paths(dir, 0x6e61_7269_6e66_6f31 ^ nonce);
    let (sign_file, sign_secret, sign_public) = generate_key(dir, "diff-sign-1");
    let (cache_file, cache_secret, cache_public) = generate_key(dir, "diff-cache-2");

    // Keys: we read theirs and derive the same public keys.
    for (secret, public) in [(&sign_secret, &sign_public), (&cache_secret, &cache_public)] {
        let key = SecretKey::parse(secret).expect("reference secret key");
        assert_eq!(key.public_key().to_string(), *public);
        assert_eq!(key.to_key_file_string(), *secret);
    }
    let sign_key = SecretKey::parse(&sign_secret).expect("key");
    let cache_key = SecretKey::parse(&cache_secret).expect("key");
    let keys = TrustedKeys::parse_list(&format!("{sign_public} {cache_public}")).expect("keys");

    let mut args = vec![
        "store",
        "sign",
        "--key-file",
        sign_file.to_str().expect("utf-8"),
    ];
    args.extend(paths.iter().map(String::as_str));
    reference::run("nix", &args);

    for compression in ["none", "xz", "zstd"] {
        let cache = dir.join(format!("cache-{compression}"));
        copy_to_cache(
            &paths,
            &format!(
                "file://{}?compression={compression}&secret-key={}",
                cache.display(),
                cache_file.display()
            ),
        );
        let info_text = std::fs::read_to_string(cache.join("nix-cache-info")).expect("cache info");
        let cache_info = CacheInfo::parse(&info_text).expect("cache info parses");
        assert_eq!(cache_info.to_string(), info_text);
        assert_eq!(cache_info.check_store_dir("/nix/store"), Ok(()));

        let files = narinfos(&cache);
        assert_eq!(files.len(), paths.len());
        let mut ours = Vec::new();
        for (name, text) in &files {
            let info = NarInfo::parse(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert_eq!(info.to_string(), *text, "{name}");
            assert_eq!(narinfo::narinfo_file_name(&info.store_path), *name);
            let file_hash = info.file_hash.as_ref().expect("FileHash");
            assert_eq!(info.url, narinfo::nar_url(file_hash, compression), "{name}");
            let nar = std::fs::read(cache.join(info.url.as_ref())).expect("NAR file");
            assert_eq!(
                NixHash::digest_of(nix_compat::nixhash::HashAlgo::Sha256, &nar),
                *file_hash
            );
            assert_eq!(info.file_size, Some(nar.len() as u64));
            // Both signatures verify, and ours are the same bytes.
            assert_eq!(info.valid_signatures(&keys), Ok(2), "{name}");
            let fp = info.fingerprint().expect("fingerprint");
            let expected: BTreeSet<String> = [&sign_key, &cache_key]
                .iter()
                .map(|k| k.sign(fp.as_bytes()).to_string())
                .collect();
            let found: BTreeSet<String> = info.signatures.iter().map(|s| s.to_string()).collect();
            assert_eq!(found, expected, "{name}");
            assert_eq!(info.is_content_addressed(), info.ca.is_some(), "{name}");
            ours.push((info.store_path.to_absolute_path(), info.to_path_info_json()));
        }

        // The reference reads the same values from its own narinfos.
        let store = format!("file://{}", cache.display());
        let mut args = vec!["path-info", "--json", "--store", &store];
        args.extend(paths.iter().map(String::as_str));
        let theirs: Value =
            serde_json::from_slice(&reference::run("nix", &args)).expect("path-info JSON");
        for (path, json) in ours {
            assert_eq!(theirs[&path], json, "{path}");
        }
    }
}

/// Our narinfo signed with our key is accepted by `nix store verify` of the
/// reference with our public key, and refused with another key.
#[test]
fn reference_accepts_our_signatures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let paths = make_paths(dir, 0x6e61_7269_6e66_6f32);
    let cache = dir.join("cache");
    copy_to_cache(
        &paths,
        &format!("file://{}?compression=none", cache.display()),
    );

    let ours = SecretKey::generate("tvix-diff-1").expect("key");
    let other = SecretKey::generate("tvix-diff-1").expect("key");
    for (name, text) in narinfos(&cache) {
        let mut info = NarInfo::parse(&text).expect("parses");
        // Without CA the reference trusts the path only through a signature.
        info.ca = None;
        info.signatures.clear();
        info.add_signature(&ours).expect("signs");
        std::fs::write(cache.join(&name), info.to_string()).expect("write narinfo");
    }
    let store = format!("file://{}", cache.display());
    let verify = |key: &PublicKey| {
        let key = key.to_string();
        let mut args = vec![
            "store",
            "verify",
            "--store",
            &store,
            "--trusted-public-keys",
            &key,
        ];
        args.extend(paths.iter().map(String::as_str));
        reference::try_run("nix", &args)
    };
    let (ok, _, stderr) = verify(&ours.public_key());
    assert!(ok, "reference refused our signatures: {stderr}");
    let (ok, _, stderr) = verify(&other.public_key());
    assert!(!ok, "reference accepted a signature under the wrong key");
    assert!(stderr.contains("untrusted"), "{stderr}");
}

/// A key made by our code works in the reference: it derives the same public
/// key and signs local store paths with the same signatures as we do over the
/// fingerprint of the reference's path info.
#[test]
fn our_keys_work_in_the_reference() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let paths = make_paths(dir, 0x6e61_7269_6e66_6f33);
    let key = SecretKey::generate("tvix-made-1").expect("key");
    let file = dir.join("key.secret");
    std::fs::write(&file, key.to_key_file_string()).expect("write key");

    let public = text(reference::run_with_stdin(
        "nix",
        &["key", "convert-secret-to-public"],
        key.to_key_file_string().as_bytes(),
    ));
    assert_eq!(public, key.public_key().to_string());

    let mut args = vec!["store", "sign", "--key-file", file.to_str().expect("utf-8")];
    args.extend(paths.iter().map(String::as_str));
    reference::run("nix", &args);
    let mut args = vec!["path-info", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let infos: Value = serde_json::from_slice(&reference::run("nix", &args)).expect("JSON");
    for path in &paths {
        let info = &infos[path];
        let nar_hash =
            NixHash::parse_prefixed(info["narHash"].as_str().expect("narHash")).expect("hash");
        let refs: Vec<&str> = info["references"]
            .as_array()
            .expect("references")
            .iter()
            .map(|r| r.as_str().expect("string"))
            .collect();
        let refs: Vec<StorePathRef<'_>> = refs
            .iter()
            .map(|r| StorePathRef::from_absolute_path(r.as_bytes()).expect("store path"))
            .collect();
        let fp = narinfo::fingerprint(
            StorePathRef::from_absolute_path(path.as_bytes()).expect("store path"),
            &nar_hash,
            info["narSize"].as_u64().expect("narSize"),
            refs,
        )
        .expect("fingerprint");
        let ours = key.sign(fp.as_bytes()).to_string();
        let sigs: Vec<&str> = info["signatures"]
            .as_array()
            .expect("signatures")
            .iter()
            .map(|s| s.as_str().expect("string"))
            .collect();
        assert!(
            sigs.contains(&ours.as_str()),
            "{path}: {ours} not in {sigs:?}"
        );
    }
}

/// Mutates the reference's narinfos line by line (dropping, repeating,
/// swapping and reordering lines, changing separators, sizes and hash
/// encodings, adding junk) and checks that we accept exactly the mutants the
/// reference accepts, reading the same values.
#[test]
fn mutated_narinfos_read_like_the_reference() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let paths = make_paths(dir, 0x6e61_7269_6e66_6f34);
    let (key_file, _, _) = generate_key(dir, "diff-mut-1");
    let cache = dir.join("cache");
    copy_to_cache(
        &paths,
        &format!(
            "file://{}?compression=xz&secret-key={}",
            cache.display(),
            key_file.display()
        ),
    );
    let originals = narinfos(&cache);
    let mut rng = Rng(0x6d75_7461_6e74);
    let (mut accepted, mut refused) = (0, 0);
    for round in 0..240 {
        let (_, text) = &originals[rng.below(originals.len())];
        let mutant = mutate(text, &mut rng);
        let first = text.lines().next().expect("StorePath line");
        let path = first.strip_prefix("StorePath: ").expect("StorePath first");
        let hash = &path["/nix/store/".len().."/nix/store/".len() + 32];
        let probe = dir.join(format!("probe{round}"));
        std::fs::create_dir(&probe).expect("mkdir");
        std::fs::write(probe.join("nix-cache-info"), "StoreDir: /nix/store\n").expect("write");
        std::fs::write(probe.join(format!("{hash}.narinfo")), &mutant).expect("write");
        let store = format!("file://{}", probe.display());
        let (ok, stdout, stderr) =
            reference::try_run("nix", &["path-info", "--json", "--store", &store, path]);
        let ours = NarInfo::parse(&mutant);
        match (ok, ours) {
            (true, Ok(info)) => {
                accepted += 1;
                let theirs: Value = serde_json::from_slice(&stdout).expect("JSON");
                assert_eq!(theirs[path], info.to_path_info_json(), "{mutant}");
            }
            (false, Err(_)) => refused += 1,
            // A mutant naming another path parses, but is not this path's.
            (false, Ok(info)) if info.store_path.to_absolute_path() != path => refused += 1,
            (false, Ok(_)) => panic!("reference refuses, we accept:\n{mutant}\n{stderr}"),
            (true, Err(e)) => panic!("reference accepts, we refuse ({e}):\n{mutant}"),
        }
    }
    // Both outcomes must be well represented for the test to mean anything.
    assert!(
        accepted > 40 && refused > 40,
        "{accepted} accepted, {refused} refused"
    );
}

/// One random change to a narinfo's lines (the StorePath line stays first).
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n = lines.len();
    let i = 1 + rng.below(n - 1);
    match rng.below(14) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 => {
            let j = 1 + rng.below(n - 1);
            lines.swap(i, j);
        }
        3 => lines[i] = lines[i].replacen(": ", ":", 1),
        4 => lines[i] = lines[i].replacen(": ", ":x", 1),
        5 => lines[i].push(' '),
        6 => lines.insert(i, "System: x86_64-linux".to_owned()),
        7 => lines.insert(i, String::new()),
        8 => lines[i] = lines[i].replace("Size: ", "Size: +"),
        9 => lines[i] = lines[i].replace("Size: ", "Size: 0"),
        10 => {
            if let Some((key, value)) = lines[i].split_once(": ") {
                if let Ok(h) = NixHash::parse_prefixed(value) {
                    let form = [
                        nix_compat::nixhash::HashFormat::Base16,
                        nix_compat::nixhash::HashFormat::Base64,
                        nix_compat::nixhash::HashFormat::Sri,
                    ][rng.below(3)];
                    lines[i] = format!("{key}: {}", h.format(form, true));
                } else {
                    lines[i] = format!("{key}: {}", &value[..value.len() / 2]);
                }
            }
        }
        11 => lines[i] = lines[i].replace("Sig: ", "Sig: x"),
        // No newline after the last line.
        12 => return lines.join("\n"),
        _ => lines.insert(i, format!("{}: {}", rng.name(), rng.name())),
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}
