//! Golden files from the reference C++ Nix (see `golden/README.md`): every
//! `.drv` round-trips byte for byte, its path, output paths and JSON recompute
//! to the reference's.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap},
    path::PathBuf,
};

use crate::{derivation::Derivation, store_path::StorePath};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/derivation/tests/golden")
}

/// Every golden `.drv`, by path: (name, file bytes, parsed derivation).
pub(super) struct Golden {
    pub(super) drvs: BTreeMap<StorePath<String>, (String, Vec<u8>, Derivation)>,
    hashes: RefCell<HashMap<StorePath<String>, [u8; 32]>>,
}

impl Golden {
    pub(super) fn load() -> Self {
        let mut drvs = BTreeMap::new();
        for entry in std::fs::read_dir(golden_dir()).expect("golden dir") {
            let path = entry.expect("dir entry").path();
            let file_name = path.file_name().and_then(|n| n.to_str()).expect("name");
            if !file_name.ends_with(".drv") {
                continue;
            }
            let store_path: StorePath<String> = file_name.parse().expect("store path name");
            let name = file_name
                .strip_suffix(".drv")
                .and_then(|n| n.split_once('-'))
                .map(|(_, n)| n.to_owned())
                .expect("hash-name.drv");
            let bytes = std::fs::read(&path).expect("read drv");
            let drv =
                Derivation::from_aterm_bytes(&bytes).unwrap_or_else(|e| panic!("{file_name}: {e}"));
            drvs.insert(store_path, (name, bytes, drv));
        }
        assert!(drvs.len() >= 38, "golden files missing: {}", drvs.len());
        Self {
            drvs,
            hashes: RefCell::default(),
        }
    }

    /// Hash modulo of a golden derivation, memoised, computing inputs recursively.
    pub(super) fn hash_modulo(&self, path: &StorePath<String>) -> Option<[u8; 32]> {
        if let Some(h) = self.hashes.borrow().get(path) {
            return Some(*h);
        }
        let (_, _, drv) = self.drvs.get(path)?;
        let h = drv
            .hash_derivation_modulo(|p| self.hash_modulo(p))
            .expect("hash modulo");
        self.hashes.borrow_mut().insert(path.clone(), h);
        Some(h)
    }
}

#[test]
fn aterm_round_trips_byte_for_byte() {
    for (path, (_, bytes, drv)) in Golden::load().drvs {
        assert_eq!(
            drv.to_aterm_bytes(),
            bytes,
            "{path}: rendering differs from the reference"
        );
    }
}

#[test]
fn drv_paths_recompute() {
    for (path, (name, bytes, drv)) in Golden::load().drvs {
        assert_eq!(drv.drv_path(&name).expect("drv path"), path);
        let (path2, aterm) = drv.drv_path_and_aterm(&name).expect("drv path");
        assert_eq!(path2, path);
        assert_eq!(aterm, bytes);
    }
}

#[test]
fn output_paths_recompute() {
    let golden = Golden::load();
    for (path, (name, _, drv)) in &golden.drvs {
        drv.check_output_paths(name, |p| golden.hash_modulo(p))
            .unwrap_or_else(|e| panic!("{path}: {e}"));

        // Blank the outputs as derivationStrict does before computing them,
        // then fill them in again: the result is the reference's derivation.
        let mut blank = drv.clone();
        for (output_name, output) in &mut blank.outputs {
            output.path = None;
            blank
                .environment
                .insert(output_name.as_str().into(), "".into());
        }
        assert_ne!(&blank, drv);
        blank
            .fill_output_paths(name, |p| golden.hash_modulo(p))
            .expect("fill");
        assert_eq!(&blank, drv, "{path}");
    }
}

/// The input derivations of the golden set really use the lookup, and a
/// fixed-output derivation never does.
#[test]
fn lookup_is_used_only_for_input_addressed_derivations() {
    let golden = Golden::load();
    let mut fixed = 0;
    for (_, _, drv) in golden.drvs.values() {
        let mut calls = 0;
        drv.hash_derivation_modulo(|p| {
            calls += 1;
            golden.hash_modulo(p)
        })
        .expect("hash");
        if drv.is_fixed_output() {
            fixed += 1;
            assert_eq!(calls, 0);
        } else {
            assert_eq!(calls, drv.input_derivations.len());
        }
    }
    assert!(fixed >= 12, "{fixed} fixed-output derivations");
}

/// The two fixed-output inputs of `same-fod-twice` have equal hashes modulo:
/// they merge into one entry, as 2.26 does.
#[test]
fn equal_fixed_inputs_merge() {
    let golden = Golden::load();
    let (path, (_, _, drv)) = golden
        .drvs
        .iter()
        .find(|(_, (name, _, _))| name == "same-fod-twice")
        .expect("same-fod-twice");
    let inputs: Vec<_> = drv.input_derivations.keys().collect();
    assert_eq!(inputs.len(), 2);
    assert_eq!(golden.hash_modulo(inputs[0]), golden.hash_modulo(inputs[1]));
    // The recorded output path (checked above) only comes out with merging.
    drv.check_output_paths("same-fod-twice", |p| golden.hash_modulo(p))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// The attributes listed in `attributes.txt` are all present.
#[test]
fn every_attribute_has_its_drv() {
    let golden = Golden::load();
    let list = std::fs::read_to_string(golden_dir().join("attributes.txt")).expect("list");
    let mut count = 0;
    for line in list.lines() {
        let (_, path) = line.split_once(' ').expect("attr path");
        let path = StorePath::<&str>::from_absolute_path(path.as_bytes())
            .expect("path")
            .to_owned();
        assert!(golden.drvs.contains_key(&path), "{line}");
        count += 1;
    }
    assert!(count >= 30);
}

#[cfg(feature = "serde")]
#[test]
fn json_matches_nix_derivation_show() {
    use crate::derivation::json;

    let mut checked = 0;
    let mut failed = 0;
    for (path, (name, _, drv)) in Golden::load().drvs {
        let base = golden_dir().join(format!("{path}"));
        let json_file = base.with_extension("drv.json");
        let error_file = base.with_extension("drv.json-error");
        if json_file.exists() {
            let expected = std::fs::read_to_string(&json_file).expect("json");
            let ours = json::show([(&path, name.as_str(), &drv)]).expect("show");
            assert_eq!(ours, expected, "{path}");
            let parsed = json::parse_show(&expected).expect("parse");
            assert_eq!(parsed.len(), 1);
            assert_eq!(parsed.get(&path), Some(&(name, drv)), "{path}");
            checked += 1;
        } else {
            assert!(error_file.exists(), "{path}: neither JSON nor error");
            let err = json::to_json(&name, &drv).expect_err("non-UTF-8 must fail");
            assert!(matches!(err, json::JsonError::NotUtf8(_)), "{err}");
            failed += 1;
        }
    }
    assert!(checked >= 36 && failed == 2, "{checked} {failed}");
}
