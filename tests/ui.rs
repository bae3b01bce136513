//! Compile-time rejections of the macros: each case in `tests/ui/` is named for the mistake
//! it shows, and its `.stderr` is the exact error the user sees. Each case in `tests/pass/`
//! is a shape of function the attributes accept: it compiles, runs, and checks what it
//! recorded.

/// The `.stderr` files hold rustc 1.95's words, around the macros' own: on another
/// toolchain a rewording of rustc's notes would fail the comparison though the macros
/// are unchanged, so it runs on 1.95 only (`cargo test -- --ignored` forces it).
#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the `.stderr` files are written for rustc 1.95"
)]
#[test]
fn macros_reject_mistakes_at_the_offending_token() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

/// Compiles and runs on every toolchain: nothing here depends on rustc's wording.
#[test]
fn attributes_accept_every_shape_of_function() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
}
