//! What every benchmark and test of this package shares that knows no metrics library:
//! pre-generated inputs ([`ring`]), a reader of the text exposition formats
//! ([`exposition`]) and an allocation counter ([`counting`]).
//!
//! The code that drives each library lives in `shared/`, compiled into each target, because
//! the libraries are dev-dependencies only and each one's label traits must be implemented
//! on types local to the crate that uses them.

pub mod counting;
pub mod exposition;
pub mod ring;
