//! Derivations, against the reference: random derivation specs (odd names and
//! attribute strings, non-UTF-8 bytes, multiple outputs in any order, fixed
//! outputs with every algorithm, mode and hash encoding, structured attrs,
//! `toFile` sources, chains of derivations depending on each other's outputs)
//! are written as one Nix expression for `nix-instantiate`, and built in Rust
//! the way `derivationStrict` builds them. Our `.drv` path, `.drv` bytes
//! (hence output paths) and `nix derivation show` JSON must equal the
//! reference's, and our parser must read the reference's `.drv` back.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    ffi::OsString,
    os::unix::ffi::OsStringExt,
};

use nix_compat::{
    derivation::{BString, Derivation, Output, json},
    nixhash::{CAHash, HashAlgo, HashFormat, NixHash},
    store_path::{StorePath, build_text_path},
};
use proptest::prelude::*;
use tvix_tests::reference;

/// A piece of an attribute value.
#[derive(Debug, Clone)]
enum Piece {
    /// Literal bytes (no NUL: Nix strings cannot hold it).
    Lit(Vec<u8>),
    /// `${dN.<output>}` of an earlier derivation (indices taken modulo).
    Out(usize, usize),
    /// `${builtins.toFile name content}`.
    ToFile(String, String),
}

#[derive(Debug, Clone)]
struct Fod {
    algo: HashAlgo,
    /// `outputHashMode`, if set.
    mode: Option<&'static str>,
    digest: Vec<u8>,
    /// How `outputHash` is written.
    format: HashFormat,
    /// `algo:digest` instead of a bare digest (not for SRI).
    prefixed: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Spec {
    name: String,
    builder: Vec<u8>,
    system: String,
    args: Vec<Vec<u8>>,
    /// Output names in the user's order (ignored for a fixed output).
    outputs: Vec<String>,
    attrs: BTreeMap<String, Vec<Piece>>,
    fod: Option<Fod>,
    structured: bool,
}

/// Attribute names `derivationStrict` treats specially.
const SPECIAL: &[&str] = &[
    "args",
    "builder",
    "name",
    "outputHash",
    "outputHashAlgo",
    "outputHashMode",
    "outputs",
    "system",
];

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[a-z0-9 ./-]{0,12}".prop_map(String::into_bytes),
        "[ -~\n\r\t]{0,12}".prop_map(String::into_bytes),
        any::<String>().prop_map(String::into_bytes),
        proptest::collection::vec(1u8..=255, 0..8),
        Just(b"\"quoted\" \\back\\ ${not-interpolated} $".to_vec()),
    ]
    .prop_map(|mut b| {
        b.retain(|&c| c != 0);
        b
    })
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => bytes().prop_map(Piece::Lit),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(d, o)| Piece::Out(d, o)),
        1 => ("[a-z][a-z0-9.-]{0,8}", "[ -~\n]{0,20}").prop_map(|(n, c)| Piece::ToFile(n, c)),
    ]
}

fn output_name() -> impl Strategy<Value = String> {
    // Names the `derivation` wrapper does not use itself (`all`, `type`, ...).
    prop_oneof![
        Just("out".to_owned()),
        Just("lib".to_owned()),
        Just("dev".to_owned()),
        "[a-z][a-z0-9_+.=?-]{0,4}x",
    ]
}

fn fod() -> impl Strategy<Value = Fod> {
    (
        prop::sample::select(HashAlgo::ALL.to_vec()),
        prop::sample::select(vec![None, Some("flat"), Some("recursive"), Some("nar")]),
        any::<[u8; 64]>(),
        prop::sample::select(vec![
            HashFormat::Base16,
            HashFormat::Nix32,
            HashFormat::Base64,
            HashFormat::Sri,
        ]),
        any::<bool>(),
    )
        .prop_map(|(algo, mode, digest, format, prefixed)| Fod {
            algo,
            mode,
            digest: digest[..algo.digest_len()].to_vec(),
            format,
            prefixed,
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        "[a-zA-Z0-9+_?=-][a-zA-Z0-9+._?=-]{0,30}",
        prop_oneof![Just(b"/bin/sh".to_vec()), bytes()],
        prop_oneof![Just("x86_64-linux".to_owned()), "[^\"\\\\\0]{1,12}"],
        proptest::collection::vec(bytes(), 0..3),
        proptest::collection::vec(output_name(), 1..4),
        proptest::collection::btree_map(
            "[a-zA-Z0-9 \"\\\\$.{}\n\t\u{e9}\u{1f32e}-]{1,10}",
            proptest::collection::vec(piece(), 0..4),
            0..5,
        ),
        prop::option::weighted(0.3, fod()),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(name, builder, system, args, outputs, attrs, fod, structured)| {
                let mut seen = BTreeSet::new();
                let outputs = outputs
                    .into_iter()
                    .filter(|o| seen.insert(o.clone()))
                    .collect();
                let attrs = attrs
                    .into_iter()
                    .filter(|(k, _)| !SPECIAL.contains(&k.as_str()) && !k.starts_with("__"))
                    .collect();
                let mut spec = Spec {
                    name,
                    builder,
                    system,
                    args,
                    outputs,
                    attrs,
                    fod,
                    structured,
                };
                if spec.structured {
                    // JSON needs UTF-8 strings.
                    let lossy =
                        |b: &mut Vec<u8>| *b = String::from_utf8_lossy(b).into_owned().into_bytes();
                    lossy(&mut spec.builder);
                    for pieces in spec.attrs.values_mut() {
                        for p in pieces {
                            if let Piece::Lit(b) = p {
                                lossy(b);
                            }
                        }
                    }
                }
                if spec.builder.is_empty() {
                    spec.builder = b"/bin/sh".to_vec();
                }
                if spec.name.ends_with(".drv") {
                    spec.name.push('x');
                }
                if spec.fod.is_some() {
                    spec.outputs = vec!["out".to_owned()];
                }
                spec
            },
        )
}

/// Several specs; references point to earlier ones only.
pub(crate) fn specs() -> impl Strategy<Value = Vec<Spec>> {
    proptest::collection::vec(spec(), 1..7).prop_map(|mut specs| {
        let outputs: Vec<usize> = specs.iter().map(|s| s.outputs.len()).collect();
        for (i, spec) in specs.iter_mut().enumerate() {
            for pieces in spec.attrs.values_mut() {
                pieces.retain(|p| i > 0 || !matches!(p, Piece::Out(..)));
                for p in pieces {
                    if let Piece::Out(d, o) = p {
                        *d %= i;
                        *o %= outputs[*d];
                    }
                }
            }
        }
        specs
    })
}

/// A Nix string literal holding `bytes` (any byte but NUL; non-UTF-8 is fine).
fn nix_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &c in bytes {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'$' => out.extend_from_slice(b"\\$"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn fod_hash_string(fod: &Fod) -> String {
    let hash = NixHash::from_algo_and_digest(fod.algo, &fod.digest).expect("length");
    match fod.format {
        HashFormat::Sri => hash.format(HashFormat::Sri, true),
        format => hash.format(format, fod.prefixed),
    }
}

/// `outputHashAlgo`, unless the hash string names the algorithm (then
/// sometimes omitted).
fn fod_algo_attr(fod: &Fod) -> Option<&'static str> {
    let named = fod.format == HashFormat::Sri || fod.prefixed;
    (!named || fod.digest[0] % 2 == 0).then_some(fod.algo.as_str())
}

/// The Nix expression: `let d0 = derivation {...}; ... in [ d0 d1 ... ]`.
pub(crate) fn expression(specs: &[Spec]) -> Vec<u8> {
    let mut e = b"let\n".to_vec();
    for (i, spec) in specs.iter().enumerate() {
        e.extend_from_slice(format!("d{i} = derivation {{\n").as_bytes());
        let attr = |e: &mut Vec<u8>, key: &str, value: &[u8]| {
            nix_string(e, key.as_bytes());
            e.extend_from_slice(b" = ");
            nix_string(e, value);
            e.extend_from_slice(b";\n");
        };
        attr(&mut e, "name", spec.name.as_bytes());
        attr(&mut e, "builder", &spec.builder);
        attr(&mut e, "system", spec.system.as_bytes());
        if let Some(fod) = &spec.fod {
            attr(&mut e, "outputHash", fod_hash_string(fod).as_bytes());
            if let Some(algo) = fod_algo_attr(fod) {
                attr(&mut e, "outputHashAlgo", algo.as_bytes());
            }
            if let Some(mode) = fod.mode {
                attr(&mut e, "outputHashMode", mode.as_bytes());
            }
        } else {
            e.extend_from_slice(b"outputs = [");
            for o in &spec.outputs {
                nix_string(&mut e, o.as_bytes());
                e.push(b' ');
            }
            e.extend_from_slice(b"];\n");
        }
        if spec.structured {
            e.extend_from_slice(b"__structuredAttrs = true;\n");
        }
        e.extend_from_slice(b"args = [");
        for a in &spec.args {
            nix_string(&mut e, a);
            e.push(b' ');
        }
        e.extend_from_slice(b"];\n");
        for (key, pieces) in &spec.attrs {
            nix_string(&mut e, key.as_bytes());
            e.extend_from_slice(b" = \"\" + ");
            for p in pieces {
                match p {
                    Piece::Lit(b) => nix_string(&mut e, b),
                    Piece::Out(d, o) => {
                        let name = &specs[*d].outputs[*o];
                        e.extend_from_slice(format!("d{d}.").as_bytes());
                        nix_string(&mut e, name.as_bytes());
                    }
                    Piece::ToFile(name, content) => {
                        e.extend_from_slice(b"(builtins.toFile ");
                        nix_string(&mut e, name.as_bytes());
                        e.push(b' ');
                        nix_string(&mut e, content.as_bytes());
                        e.push(b')');
                    }
                }
                e.extend_from_slice(b" + ");
            }
            e.extend_from_slice(b"\"\";\n");
        }
        e.extend_from_slice(b"};\n");
    }
    e.extend_from_slice(b"in [");
    for i in 0..specs.len() {
        e.extend_from_slice(format!(" d{i}").as_bytes());
    }
    e.extend_from_slice(b" ]\n");
    e
}

/// A JSON string as nlohmann::json dumps it: `"` `\` and control characters
/// escaped (`\b \f \n \r \t`, others `\u00xx`), everything else raw.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What we know of the derivations built so far.
struct Built {
    name: String,
    drv_path: StorePath<String>,
    drv: Derivation,
}

/// Builds `spec` as `derivationStrict` does; `specs` and `built` are the
/// earlier derivations it may refer to.
fn build(
    spec: &Spec,
    specs: &[Spec],
    built: &[Built],
    hashes: &HashMap<StorePath<String>, [u8; 32]>,
) -> Built {
    let mut drv = Derivation::default();
    let mut env: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (key, pieces) in &spec.attrs {
        let mut value = Vec::new();
        for p in pieces {
            match p {
                Piece::Lit(b) => value.extend_from_slice(b),
                Piece::Out(d, o) => {
                    let dep = &built[*d];
                    let name = &specs[*d].outputs[*o];
                    let path = dep.drv.outputs[name].path.as_ref().expect("filled");
                    value.extend_from_slice(path.to_absolute_path().as_bytes());
                    drv.input_derivations
                        .entry(dep.drv_path.clone())
                        .or_default()
                        .insert(name.clone());
                }
                Piece::ToFile(name, content) => {
                    let path = build_text_path(name, content, []).expect("toFile path");
                    value.extend_from_slice(path.to_absolute_path().as_bytes());
                    drv.input_sources.insert(path);
                }
            }
        }
        env.insert(key.clone(), value);
    }
    env.insert("name".into(), spec.name.clone().into_bytes());
    env.insert("builder".into(), spec.builder.clone());
    env.insert("system".into(), spec.system.clone().into_bytes());
    if let Some(fod) = &spec.fod {
        env.insert("outputHash".into(), fod_hash_string(fod).into_bytes());
        if let Some(algo) = fod_algo_attr(fod) {
            env.insert("outputHashAlgo".into(), algo.as_bytes().to_vec());
        }
        if let Some(mode) = fod.mode {
            env.insert("outputHashMode".into(), mode.as_bytes().to_vec());
        }
        let hash = NixHash::from_algo_and_digest(fod.algo, &fod.digest).expect("length");
        let ca = match fod.mode {
            Some("recursive" | "nar") => CAHash::Nar(hash),
            _ => CAHash::Flat(hash),
        };
        drv.outputs.insert("out".into(), Output::fixed(ca));
    } else {
        env.insert("outputs".into(), spec.outputs.join(" ").into_bytes());
        for o in &spec.outputs {
            drv.outputs.insert(o.clone(), Output::input_addressed());
        }
    }
    drv.builder = spec.builder.clone().into();
    drv.system = spec.system.clone().into();
    drv.arguments = spec.args.iter().map(|a| BString::from(a.clone())).collect();

    if spec.structured {
        // Every attribute but `args` and `__structuredAttrs` goes into
        // `__json`; `outputs` as a list in the user's order.
        let mut json = String::from("{");
        let mut entries: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in &env {
            let mut s = String::new();
            if k == "outputs" {
                s.push('[');
                for (i, o) in spec.outputs.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    json_string(&mut s, o);
                }
                s.push(']');
            } else {
                json_string(
                    &mut s,
                    std::str::from_utf8(v).expect("UTF-8 when structured"),
                );
            }
            entries.insert(k.clone(), s);
        }
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json_string(&mut json, k);
            json.push(':');
            json.push_str(v);
        }
        json.push('}');
        drv.environment.insert("__json".into(), json.into());
    } else {
        for (k, v) in env {
            drv.environment.insert(k.into(), v.into());
        }
    }
    for o in drv.outputs.keys() {
        drv.environment
            .insert(o.as_str().into(), BString::default());
    }
    drv.fill_output_paths(&spec.name, |p| hashes.get(p).copied())
        .expect("output paths");
    drv.validate().expect("valid");
    let drv_path = drv.drv_path(&spec.name).expect("drv path");
    Built {
        name: spec.name.clone(),
        drv_path,
        drv,
    }
}

fn check(specs: &[Spec]) -> Result<(), TestCaseError> {
    // Build ours.
    let mut built: Vec<Built> = Vec::new();
    let mut hashes = HashMap::new();
    for spec in specs {
        let b = build(spec, specs, &built, &hashes);
        let h = b
            .drv
            .hash_derivation_modulo(|p| hashes.get(p).copied())
            .expect("hash modulo");
        hashes.insert(b.drv_path.clone(), h);
        built.push(b);
    }

    // The reference.
    let expr = expression(specs);
    let out = reference::command("nix-instantiate")
        .arg("--expr")
        .arg(OsString::from_vec(expr.clone()))
        .output()
        .expect("run nix-instantiate");
    prop_assert!(
        out.status.success(),
        "nix-instantiate failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&expr)
    );
    let paths: Vec<String> = String::from_utf8(out.stdout)
        .expect("paths are ASCII")
        .lines()
        // A derivation whose first output is not `out` prints as `drv!output`.
        .map(|l| l.split_once('!').map_or(l, |(p, _)| p).to_owned())
        .collect();
    prop_assert_eq!(paths.len(), specs.len());

    let mut utf8_paths = Vec::new();
    for (b, path) in built.iter().zip(&paths) {
        let theirs = std::fs::read(path).expect("read reference .drv");
        let ours = b.drv.to_aterm_bytes();
        prop_assert!(
            ours == theirs,
            "ATerm differs for {}:\nours:   {}\ntheirs: {}",
            path,
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
        prop_assert_eq!(&b.drv_path.to_absolute_path(), path);
        let parsed = Derivation::from_aterm_bytes(&theirs).expect("we parse the reference's .drv");
        prop_assert_eq!(&parsed, &b.drv);
        match json::to_json(&b.name, &b.drv) {
            Ok(_) => utf8_paths.push(path.clone()),
            Err(json::JsonError::NotUtf8(_)) => {
                let (ok, _, _) = reference::try_run("nix", &["derivation", "show", path]);
                prop_assert!(!ok, "nix derivation show printed non-UTF-8 {}", path);
            }
            Err(e) => return Err(TestCaseError::fail(format!("JSON: {e}"))),
        }
    }

    if !utf8_paths.is_empty() {
        let mut args = vec!["derivation", "show"];
        args.extend(utf8_paths.iter().map(String::as_str));
        let theirs = String::from_utf8(reference::run("nix", &args)).expect("JSON is UTF-8");
        let ours = json::show(
            built
                .iter()
                .filter(|b| utf8_paths.contains(&b.drv_path.to_absolute_path()))
                .map(|b| (&b.drv_path, b.name.as_str(), &b.drv)),
        )
        .expect("UTF-8");
        prop_assert_eq!(&ours, &theirs);
        let parsed = json::parse_show(&theirs).expect("we parse the reference's JSON");
        for b in built
            .iter()
            .filter(|b| utf8_paths.contains(&b.drv_path.to_absolute_path()))
        {
            prop_assert_eq!(
                parsed.get(&b.drv_path),
                Some(&(b.name.clone(), b.drv.clone()))
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        max_shrink_iters: 100,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_derivations_match_the_reference(specs in specs()) {
        check(&specs)?;
    }
}
