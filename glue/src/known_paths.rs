//! `KnownPaths`: the derivations instantiated during one evaluation.
//!
//! Every `derivationStrict` call records its derivation here under its `.drv`
//! path, with its hash modulo (C++ Nix's `drvHashes` cache), so that
//! dependents hash it once, `=drv` contexts can list a closure without reading
//! a store, a store path can be traced back to the derivation producing it
//! (import from derivation) and the `.drv` closure of the printed derivations
//! can be written into a store at the end of an instantiation.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use nix_compat::{derivation::Derivation, store_path::StorePath};

/// One instantiated derivation.
#[derive(Debug, Clone)]
pub struct KnownDrv {
    /// The derivation (with its output paths filled in).
    pub drv: Derivation,
    /// Its hash modulo fixed outputs, as dependents hash it.
    pub hash_modulo: [u8; 32],
}

/// The derivations of one evaluation, by `.drv` path.
#[derive(Debug, Default)]
pub struct KnownPaths {
    drvs: BTreeMap<StorePath<String>, KnownDrv>,
    /// Output path → (`.drv` path, output name).
    outputs: HashMap<StorePath<String>, (StorePath<String>, String)>,
}

impl KnownPaths {
    /// Records a derivation computed under `drv_path`.
    pub fn add(&mut self, drv_path: StorePath<String>, drv: Derivation, hash_modulo: [u8; 32]) {
        for (name, out) in &drv.outputs {
            if let Some(p) = &out.path {
                self.outputs
                    .insert(p.clone(), (drv_path.clone(), name.clone()));
            }
        }
        self.drvs.insert(drv_path, KnownDrv { drv, hash_modulo });
    }

    /// The derivation at `drv_path`, if it was instantiated.
    #[must_use]
    pub fn get(&self, drv_path: &StorePath<String>) -> Option<&KnownDrv> {
        self.drvs.get(drv_path)
    }

    /// The hash modulo of a known derivation.
    #[must_use]
    pub fn hash_modulo(&self, drv_path: &StorePath<String>) -> Option<[u8; 32]> {
        self.drvs.get(drv_path).map(|k| k.hash_modulo)
    }

    /// The derivation and output name producing `path`, if known.
    #[must_use]
    pub fn deriver_of(&self, path: &StorePath<String>) -> Option<(&StorePath<String>, &str)> {
        self.outputs.get(path).map(|(d, o)| (d, o.as_str()))
    }

    /// How many derivations are known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.drvs.len()
    }

    /// Whether no derivation is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.drvs.is_empty()
    }

    /// The known derivations in the `.drv` closure of `roots`, dependencies
    /// before dependents (the order they can be written into a store). Roots
    /// that are not known derivations are skipped, as are unknown inputs
    /// (they are already in a store).
    #[must_use]
    pub fn closure<'s, 'r>(
        &'s self,
        roots: impl IntoIterator<Item = &'r StorePath<String>>,
    ) -> Vec<(&'s StorePath<String>, &'s KnownDrv)> {
        let mut out = Vec::new();
        let mut done = BTreeSet::new();
        // Iterative post-order: (path, children pushed?).
        let mut stack: Vec<(&StorePath<String>, bool)> = roots
            .into_iter()
            .filter_map(|p| self.drvs.get_key_value(p))
            .map(|(p, _)| (p, false))
            .collect();
        stack.reverse();
        while let Some((p, expanded)) = stack.pop() {
            let Some((key, k)) = self.drvs.get_key_value(p) else {
                continue;
            };
            if expanded {
                if done.insert(key) {
                    out.push((key, k));
                }
                continue;
            }
            if done.contains(key) {
                continue;
            }
            stack.push((key, true));
            for input in k.drv.input_derivations.keys().rev() {
                if !done.contains(input) {
                    stack.push((input, false));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use nix_compat::derivation::{Derivation, Output};

    use super::KnownPaths;

    fn drv(name: &str, inputs: &[&nix_compat::store_path::StorePath<String>]) -> Derivation {
        let mut d = Derivation {
            builder: "/bin/sh".into(),
            system: "x86_64-linux".into(),
            ..Default::default()
        };
        d.environment.insert("name".into(), name.into());
        for i in inputs {
            d.input_derivations
                .insert((*i).clone(), ["out".to_owned()].into());
        }
        d.outputs.insert("out".into(), Output::input_addressed());
        d
    }

    #[test]
    fn closure_lists_dependencies_first_once() {
        let mut known = KnownPaths::default();
        let a = drv("a", &[]);
        let a_path = a.drv_path("a").expect("path");
        known.add(a_path.clone(), a, [1; 32]);
        let b = drv("b", &[&a_path]);
        let b_path = b.drv_path("b").expect("path");
        known.add(b_path.clone(), b, [2; 32]);
        let c = drv("c", &[&a_path, &b_path]);
        let c_path = c.drv_path("c").expect("path");
        known.add(c_path.clone(), c, [3; 32]);

        let order: Vec<_> = known
            .closure([&c_path, &b_path])
            .into_iter()
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(order, vec![a_path.clone(), b_path.clone(), c_path.clone()]);
        assert_eq!(known.hash_modulo(&b_path), Some([2; 32]));
        assert_eq!(known.len(), 3);
        assert!(known.closure([&a_path]).len() == 1);
    }
}
