//! End-to-end tests across the workspace's crates, and the tidiness checks that
//! keep the repository's structure honest (dependency edges, module docs).

mod tidy;
