//! Repository tidiness: the dependency edges between our crates are the ones
//! ARCHITECTURE.md allows, only binaries use anyhow and clap, and every Rust
//! source file opens with a `//!` doc saying what it owns.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use tvix_tests::workspace_root;

/// Internal dependencies each package may have (normal, build and dev). Keep in
/// sync with the "Dependency direction" section of ARCHITECTURE.md.
const ALLOWED_EDGES: &[(&str, &[&str])] = &[
    ("nix-compat", &[]),
    ("tvix-tracing", &[]),
    ("tvix-eval-builtin-macros", &[]),
    ("tvix-eval", &["tvix-eval-builtin-macros", "nix-compat"]),
    ("tvix-castore", &["tvix-tracing"]),
    (
        "tvix-store",
        &["tvix-castore", "nix-compat", "tvix-tracing"],
    ),
    ("tvix-build", &["tvix-castore", "tvix-tracing"]),
    (
        "tvix-glue",
        &[
            "tvix-eval",
            "tvix-store",
            "tvix-build",
            "tvix-castore",
            "nix-compat",
            "tvix-tracing",
        ],
    ),
    (
        "tvix-cli",
        &[
            "tvix-glue",
            "tvix-eval",
            "tvix-store",
            "tvix-build",
            "tvix-castore",
            "nix-compat",
            "tvix-tracing",
        ],
    ),
];

/// Packages that may depend on anything in the workspace (nothing depends on them).
const UNRESTRICTED: &[&str] = &["tvix-tests"];

/// Crates allowed in the normal dependencies of binaries only.
const BINARY_ONLY_DEPS: &[&str] = &["anyhow", "clap"];
const BINARY_PACKAGES: &[&str] = &["tvix-cli", "tvix-tests"];

struct Package {
    name: String,
    dir: PathBuf,
    /// (dependency name, kind) for every dependency table.
    deps: Vec<(String, &'static str)>,
}

fn read_toml(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

fn packages() -> Vec<Package> {
    let root = workspace_root();
    let manifest = read_toml(&root.join("Cargo.toml"));
    let members = manifest["workspace"]["members"]
        .as_array()
        .expect("workspace.members is an array");
    let mut out = Vec::new();
    for member in members {
        let member = member.as_str().expect("member is a string");
        let dir = root.join(member);
        let toml = read_toml(&dir.join("Cargo.toml"));
        let name = toml["package"]["name"]
            .as_str()
            .expect("package.name")
            .to_owned();
        let mut deps = Vec::new();
        for (table, kind) in [
            ("dependencies", "normal"),
            ("build-dependencies", "build"),
            ("dev-dependencies", "dev"),
        ] {
            if let Some(t) = toml.get(table).and_then(|t| t.as_table()) {
                deps.extend(t.keys().map(|k| (k.clone(), kind)));
            }
            // Platform-specific tables: [target.'cfg(..)'.dependencies]
            if let Some(targets) = toml.get("target").and_then(|t| t.as_table()) {
                for target in targets.values() {
                    if let Some(t) = target.get(table).and_then(|t| t.as_table()) {
                        deps.extend(t.keys().map(|k| (k.clone(), kind)));
                    }
                }
            }
        }
        out.push(Package { name, dir, deps });
    }
    out
}

#[test]
fn dependency_edges_are_allowed() {
    let packages = packages();
    let internal: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED_EDGES.iter().copied().collect();
    let mut violations = Vec::new();
    for p in &packages {
        if UNRESTRICTED.contains(&p.name.as_str()) {
            continue;
        }
        let Some(allowed_here) = allowed.get(p.name.as_str()) else {
            violations.push(format!(
                "{} is not listed in ALLOWED_EDGES (tests/it/tidy.rs) and ARCHITECTURE.md",
                p.name
            ));
            continue;
        };
        for (dep, kind) in &p.deps {
            if internal.contains(dep.as_str()) && !allowed_here.contains(&dep.as_str()) {
                violations.push(format!(
                    "{} -> {dep} ({kind}) is not an allowed edge",
                    p.name
                ));
            }
            if *kind != "dev"
                && BINARY_ONLY_DEPS.contains(&dep.as_str())
                && !BINARY_PACKAGES.contains(&p.name.as_str())
            {
                violations.push(format!(
                    "{} depends on {dep}: only binaries may (libraries use thiserror)",
                    p.name
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden edges:\n{}",
        violations.join("\n")
    );
}

#[test]
fn architecture_md_names_every_package() {
    let arch = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md exists");
    let missing: Vec<_> = packages()
        .into_iter()
        .filter(|p| !arch.contains(&format!("`{}`", p.name)))
        .map(|p| p.name)
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not describe: {missing:?}"
    );
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "fuzz" {
            continue;
        }
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_opens_with_a_doc() {
    let mut files = Vec::new();
    for p in packages() {
        for sub in ["src", "it", "differential", "benches"] {
            rust_sources(&p.dir.join(sub), &mut files);
        }
    }
    assert!(!files.is_empty());
    let undocumented: Vec<_> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            // Generated code (prost) is exempt: it is included, not written.
            !first.starts_with("//!") && !f.to_string_lossy().contains("/generated/")
        })
        .map(|f| {
            f.strip_prefix(workspace_root())
                .unwrap_or(f)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files do not open with a //! doc: {undocumented:#?}"
    );
}
