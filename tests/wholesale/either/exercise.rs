//! Copied into the instrumented either as an integration test: a few calls through
//! inherent methods, trait impls and a `From` impl, then everything tallymark renders is
//! written out for the wholesale test to judge.

use either::{Either, Left, Right};

include!("tallymark_wholesale/support.rs");

#[test]
fn convert_inspect_then_render() {
    let values: [Either<u8, &str>; 3] = [Left(1), Right("two"), Left(3)];
    assert_eq!(values.iter().filter(|v| v.is_left()).count(), 2);
    let converted: Either<u8, String> = Either::from(Ok::<String, u8>("x".to_owned()));
    assert_eq!(converted.right(), Some("x".to_owned()));
    write_expositions();
}
