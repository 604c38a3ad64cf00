//! Tests of the combinators beyond the conformance suite.
