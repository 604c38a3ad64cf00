//! Pieces shared by the `tvix` and `tvix-store` binaries: argument types and
//! small output helpers. Domain logic lives in the libraries; a command here
//! parses arguments, calls one library function and reports errors.

pub mod hash_args;
pub mod repl;
pub mod report;
pub mod store_arg;

/// Adds the builtins the `tvix` command evaluates with (those of
/// `tvix-glue`, without a store: derivations are computed, not written)
/// to an evaluation; the REPL uses it (`tvix --eval` adds the whole glue).
pub fn eval_builtins(mut builder: tvix_eval::EvaluationBuilder) -> tvix_eval::EvaluationBuilder {
    for b in tvix_glue::derivation::builtins() {
        builder = builder.add_builtin(b);
    }
    builder
}
