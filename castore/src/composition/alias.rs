//! Building instances that refer to each other by alias, generically: each
//! alias is built once (later requests get the same instance), its
//! references first, and an unknown alias or a reference cycle is reported
//! by name. castore's [`Composition`](super::Composition) builds stores this
//! way; crates above castore use it for their own services (tvix-store's
//! PathInfo services), so the walk lives in one place.

use std::collections::HashMap;

/// An alias that cannot be built because of the references between
/// instances. Each user maps it into its own error enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AliasError {
    /// An alias that is not defined.
    #[error("unknown alias {alias:?}")]
    UnknownAlias {
        /// The alias.
        alias: String,
        /// The instance referring to it, if any.
        referrer: Option<String>,
    },
    /// Instances refer to each other in a cycle (the first alias is repeated
    /// at the end).
    #[error("reference cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// A set of configured instances that [`build`] can build.
pub trait Instances {
    /// An instance's configuration.
    type Config: Clone;
    /// A built instance (cheap to clone: it is handed out to every referrer).
    type Instance: Clone;
    /// The error of looking up, building or referring.
    type Error: From<AliasError>;

    /// The instances built so far, by alias.
    fn built(&mut self) -> &mut HashMap<String, Self::Instance>;

    /// The configuration of `alias`, or `None` if it is not defined (an
    /// implementation may define it on demand, e.g. from a URL).
    fn config(&mut self, alias: &str) -> Result<Option<Self::Config>, Self::Error>;

    /// The aliases `config` refers to, in the order [`Self::instantiate`]
    /// receives them.
    fn references(config: &Self::Config) -> Vec<&str>;

    /// Builds `alias` from its configuration and its built references.
    fn instantiate(
        &mut self,
        alias: &str,
        config: &Self::Config,
        deps: Vec<Self::Instance>,
    ) -> Result<Self::Instance, Self::Error>;
}

/// Builds `alias` of `instances` (and what it refers to), once.
pub fn build<I: Instances>(instances: &mut I, alias: &str) -> Result<I::Instance, I::Error> {
    build_inner(instances, alias, None, &mut Vec::new())
}

fn build_inner<I: Instances>(
    instances: &mut I,
    alias: &str,
    referrer: Option<&str>,
    stack: &mut Vec<String>,
) -> Result<I::Instance, I::Error> {
    if let Some(s) = instances.built().get(alias) {
        return Ok(s.clone());
    }
    if let Some(pos) = stack.iter().position(|a| a == alias) {
        let mut cycle = stack[pos..].to_vec();
        cycle.push(alias.to_owned());
        return Err(AliasError::Cycle(cycle).into());
    }
    let cfg = instances
        .config(alias)?
        .ok_or_else(|| AliasError::UnknownAlias {
            alias: alias.to_owned(),
            referrer: referrer.map(str::to_owned),
        })?;
    stack.push(alias.to_owned());
    let mut deps = Vec::new();
    for r in I::references(&cfg) {
        deps.push(build_inner(instances, r, Some(alias), stack)?);
    }
    stack.pop();
    let instance = instances.instantiate(alias, &cfg, deps)?;
    instances.built().insert(alias.to_owned(), instance.clone());
    Ok(instance)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::{AliasError, Instances, build};

    /// Instances whose config is the list of aliases they refer to; an
    /// instance is its alias followed by its references' instances.
    #[derive(Default)]
    struct Graph {
        configs: BTreeMap<String, Vec<String>>,
        built: HashMap<String, String>,
        instantiated: Vec<String>,
    }

    impl Instances for Graph {
        type Config = Vec<String>;
        type Instance = String;
        type Error = AliasError;
        fn built(&mut self) -> &mut HashMap<String, String> {
            &mut self.built
        }
        fn config(&mut self, alias: &str) -> Result<Option<Vec<String>>, AliasError> {
            Ok(self.configs.get(alias).cloned())
        }
        fn references(config: &Vec<String>) -> Vec<&str> {
            config.iter().map(String::as_str).collect()
        }
        fn instantiate(
            &mut self,
            alias: &str,
            _: &Vec<String>,
            deps: Vec<String>,
        ) -> Result<String, AliasError> {
            self.instantiated.push(alias.to_owned());
            Ok(format!("{alias}({})", deps.join(",")))
        }
    }

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        Graph {
            configs: edges
                .iter()
                .map(|(a, r)| ((*a).to_owned(), r.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
            ..Graph::default()
        }
    }

    #[test]
    fn builds_references_first_and_each_alias_once() {
        let mut g = graph(&[
            ("top", &["a", "b"]),
            ("a", &["c"]),
            ("b", &["c"]),
            ("c", &[]),
        ]);
        assert_eq!(build(&mut g, "top").expect("builds"), "top(a(c()),b(c()))");
        assert_eq!(g.instantiated, ["c", "a", "b", "top"]);
        assert_eq!(build(&mut g, "a").expect("built"), "a(c())");
        assert_eq!(g.instantiated.len(), 4);
    }

    #[test]
    fn unknown_aliases_and_cycles_are_named() {
        let mut g = graph(&[("top", &["a"]), ("a", &["missing"])]);
        assert_eq!(
            build(&mut g, "top"),
            Err(AliasError::UnknownAlias {
                alias: "missing".into(),
                referrer: Some("a".into())
            })
        );
        let mut g = graph(&[("top", &["a"]), ("a", &["b"]), ("b", &["a"])]);
        assert_eq!(
            build(&mut g, "top"),
            Err(AliasError::Cycle(vec!["a".into(), "b".into(), "a".into()]))
        );
    }
}
