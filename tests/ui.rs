//! Compile-time rejections of the macros: each case in `tests/ui/` is named for the mistake
//! it shows, and its `.stderr` is the exact error the user sees. Each case in `tests/pass/`
//! is a shape of function the attributes accept: it compiles, runs, and checks what it
//! recorded.

#[test]
fn macros_reject_mistakes_at_the_offending_token() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

#[test]
fn attributes_accept_every_shape_of_function() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
}
