//! Combinators: stores made of other stores. Each implements all three
//! service traits and is turned into a [`Store`](crate::Store) like a backend.
//!
//! - [`cache::Cache`]: a near store in front of a far one, filled on read.
//! - [`list::PriorityList`]: several stores; reads from the first that has it.
//! - [`retry::Retry`]: retries transient failures, with a time limit per attempt.

pub mod cache;
pub mod list;
pub mod retry;

#[cfg(test)]
mod tests;
