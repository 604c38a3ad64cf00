//! tvix-glue: the builtins that touch the store, added to a `tvix-eval`
//! evaluation through `EvaluationBuilder::add_builtin`.
//!
//! For now this is [`derivation`]: `derivationStrict` and `derivation`,
//! computing `.drv` and output paths in memory with `nix-compat`, as
//! `nix-instantiate --eval` does (it writes no `.drv` file either). Writing
//! `.drv` files and sources into a `tvix-store`, fetchers and `import` from the
//! store come with the glue issue.

pub mod derivation;
