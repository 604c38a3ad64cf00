//! Hash modulo, output paths and `.drv` paths of derivations built the way
//! `derivationStrict` builds them, compared with the golden reference files.

use std::collections::{BTreeMap, BTreeSet};

use super::reference::Golden;
use crate::{
    derivation::{BString, Derivation, Output, PathError, ValidationError},
    nixhash::{CAHash, HashAlgo, NixHash},
    store_path::{BuildStorePathError, NameError, StorePath},
};

/// The drv path the reference gave an attribute of `golden/derivations.nix`.
fn reference_drv_path(attr: &str) -> StorePath<String> {
    let list = include_str!("golden/attributes.txt");
    let line = list
        .lines()
        .find(|l| l.split_once(' ').map(|(a, _)| a) == Some(attr))
        .expect("attribute listed");
    let (_, path) = line.split_once(' ').expect("attr path");
    path.strip_prefix("/nix/store/")
        .expect("absolute")
        .parse()
        .expect("store path")
}

/// What `derivationStrict` makes of plain string attributes (no structured
/// attrs): every attribute goes into the environment, outputs get blank
/// variables until their paths are known.
fn from_attrs(name: &str, attrs: &[(&str, &str)], outputs: &[&str]) -> Derivation {
    let mut drv = Derivation::default();
    drv.environment.insert("name".into(), name.into());
    for (k, v) in attrs {
        drv.environment.insert((*k).into(), (*v).into());
        match *k {
            "builder" => drv.builder = (*v).into(),
            "system" => drv.system = (*v).into(),
            _ => {}
        }
    }
    for o in outputs {
        drv.outputs
            .insert((*o).to_owned(), Output::input_addressed());
        drv.environment.insert((*o).into(), BString::from(""));
    }
    drv
}

const BASE: [(&str, &str); 2] = [("builder", "/bin/sh"), ("system", "x86_64-linux")];

#[test]
fn input_addressed_from_scratch() {
    // `args` is no environment variable: it becomes the arguments.
    let mut drv = from_attrs("basic", &BASE, &["out"]);
    drv.arguments = vec!["-c".into(), "echo hello > $out".into()];
    drv.fill_output_paths("basic", |_| unreachable!("no inputs"))
        .expect("paths");
    drv.validate().expect("valid");
    assert_eq!(
        drv.drv_path("basic").expect("drv path"),
        reference_drv_path("basic")
    );
}

#[test]
fn multiple_outputs_from_scratch() {
    let mut attrs = BASE.to_vec();
    attrs.push(("outputs", "out lib dev"));
    let mut drv = from_attrs("multi", &attrs, &["out", "lib", "dev"]);
    drv.fill_output_paths("multi", |_| None).expect("paths");
    assert_eq!(
        drv.drv_path("multi").expect("drv path"),
        reference_drv_path("multi")
    );
    let lib = drv.outputs["lib"].path.as_ref().expect("filled");
    assert!(lib.name_str().ends_with("multi-lib"));
    assert_eq!(
        drv.environment[&b"lib"[..]],
        lib.to_absolute_path().as_bytes()
    );
}

#[test]
fn fixed_output_from_scratch_never_calls_the_lookup() {
    let hash = "0hm2f1psjpcwg8fijsmr4wwxrx59s092sf2r8j6ryj68ap7ammn7";
    let mut attrs = BASE.to_vec();
    attrs.extend([
        ("outputHash", hash),
        ("outputHashAlgo", "sha256"),
        ("outputHashMode", "recursive"),
    ]);
    let mut drv = from_attrs("fod-sha256-nar-nix32", &attrs, &[]);
    let nix_hash = NixHash::parse(hash, Some(HashAlgo::Sha256)).expect("hash");
    drv.outputs
        .insert("out".into(), Output::fixed(CAHash::Nar(nix_hash)));
    drv.fill_output_paths("fod-sha256-nar-nix32", |_| {
        unreachable!("lookup called for a FOD")
    })
    .expect("paths");
    assert_eq!(
        drv.drv_path("fod-sha256-nar-nix32").expect("drv path"),
        reference_drv_path("fod-sha256-nar-nix32")
    );
    drv.hash_derivation_modulo(|_| unreachable!("lookup called for a FOD"))
        .expect("hash");
}

#[test]
fn dependent_from_scratch_with_memoised_lookup() {
    let golden = Golden::load();
    let multi = reference_drv_path("multi");
    let basic = reference_drv_path("basic");
    let out_of = |drv: &StorePath<String>, output: &str| {
        golden.drvs[drv].2.outputs[output]
            .path
            .as_ref()
            .expect("path")
            .to_absolute_path()
    };
    let lib = out_of(&multi, "lib");
    let dev = out_of(&multi, "dev");
    let basic_out = out_of(&basic, "out");
    let mut attrs = BASE.to_vec();
    attrs.extend([
        ("lib", lib.as_str()),
        ("dev", dev.as_str()),
        ("basic", basic_out.as_str()),
    ]);
    let mut drv = from_attrs("depends-on-outputs", &attrs, &["out"]);
    drv.input_derivations.insert(
        multi.clone(),
        BTreeSet::from(["dev".to_owned(), "lib".to_owned()]),
    );
    drv.input_derivations
        .insert(basic.clone(), BTreeSet::from(["out".to_owned()]));
    drv.fill_output_paths("depends-on-outputs", |p| golden.hash_modulo(p))
        .expect("paths");
    assert_eq!(
        drv.drv_path("depends-on-outputs").expect("drv path"),
        reference_drv_path("depends-on-outputs")
    );
}

#[test]
fn unknown_input_is_an_error() {
    let mut drv = from_attrs("x", &BASE, &["out"]);
    let input: StorePath<String> = "00000000000000000000000000000000-i.drv"
        .parse()
        .expect("path");
    drv.input_derivations
        .insert(input, BTreeSet::from(["out".to_owned()]));
    assert_eq!(
        drv.fill_output_paths("x", |_| None),
        Err(PathError::UnknownInputDerivation(
            "/nix/store/00000000000000000000000000000000-i.drv".into()
        ))
    );
}

#[test]
fn hash_modulo_needs_output_paths() {
    let drv = from_attrs("x", &BASE, &["out"]);
    assert_eq!(
        drv.hash_derivation_modulo(|_| None),
        Err(PathError::MissingOutputPath("out".into()))
    );
}

#[test]
fn mixed_outputs_are_refused() {
    let mut drv = from_attrs("x", &BASE, &["lib"]);
    drv.outputs.insert(
        "out".into(),
        Output::fixed(CAHash::Flat(NixHash::Md5([0; 16]))),
    );
    assert_eq!(
        drv.calculate_output_paths("x", |_| None),
        Err(PathError::Invalid(ValidationError::MixedOutputTypes))
    );
}

#[test]
fn too_long_output_names_are_errors() {
    // `<name>-lib` is 212 characters, one too many.
    let longer = "x".repeat(208);
    let mut drv = from_attrs(&longer, &BASE, &["out", "lib"]);
    let err = drv
        .fill_output_paths(&longer, |_| None)
        .expect_err("too long");
    assert!(
        matches!(
            &err,
            PathError::OutputPath { output, source: BuildStorePathError::InvalidName(NameError::TooLong(_)) }
                if output == "lib"
        ),
        "{err:?}"
    );
    // `out` alone fits, and so does the `.drv` name (211 characters).
    let name = "x".repeat(207);
    let mut drv = from_attrs(&name, &BASE, &["out"]);
    drv.fill_output_paths(&name, |_| None).expect("fits");
    assert_eq!(
        drv.drv_path(&name).expect("fits"),
        reference_drv_path("long-name")
    );
    assert!(matches!(drv.drv_path(&longer), Err(PathError::DrvPath(_))));
}

#[test]
fn check_output_paths_reports_wrong_env() {
    let mut drv = from_attrs("basic", &BASE, &["out"]);
    drv.fill_output_paths("basic", |_| None).expect("paths");
    drv.check_output_paths("basic", |_| None)
        .expect("consistent");
    drv.environment
        .insert("out".into(), "/nix/store/elsewhere".into());
    assert!(matches!(
        drv.check_output_paths("basic", |_| None),
        Err(PathError::WrongEnvironment { .. })
    ));
    let mut renamed: BTreeMap<String, Output> = drv.outputs.clone();
    renamed.get_mut("out").expect("out").path = None;
    drv.outputs = renamed;
    assert!(matches!(
        drv.check_output_paths("basic", |_| None),
        Err(PathError::WrongOutputPath { .. })
    ));
}
