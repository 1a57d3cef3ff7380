//! Every compile error of `#[derive(Sensitive)]`, with its message and span (trybuild).

#![allow(missing_docs)]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
