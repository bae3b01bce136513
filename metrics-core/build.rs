//! Declares no native library; the `links` key alone guards against two copies of the core in one build.
fn main() {}
