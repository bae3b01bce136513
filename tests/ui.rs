//! Compile-time rejections of the macros: each case in `tests/ui/` is named for the mistake
//! it shows, and its `.stderr` is the exact error the user sees.

#[test]
fn macros_reject_mistakes_at_the_offending_token() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
