//! Pieces shared by the `tvix` and `tvix-store` binaries: argument types and
//! small output helpers. Domain logic lives in the libraries; a command here
//! parses arguments, calls one library function and reports errors.

pub mod glue_eval;
pub mod hash_args;
pub mod repl;
pub mod report;
pub mod store_arg;
