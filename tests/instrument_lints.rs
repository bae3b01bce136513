//! The code `#[counted]`, `#[timed]` and `#[in_flight]` generate compiles clean under the
//! strict lints users commonly turn on, on every shape of function.
#![deny(
    warnings,
    missing_docs,
    unused_qualifications,
    unused_results,
    unreachable_pub,
    trivial_casts,
    trivial_numeric_casts,
    unused_import_braces,
    variant_size_differences,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]

use std::future::Future;

use tallymark::{counted, in_flight, metric, timed, CounterFamily, Histogram, IntGauge};

/// Requests, by method.
#[metric(labels(method))]
pub static LINT_CALLS_TOTAL: CounterFamily<1> = CounterFamily::new();

/// Time spent, in seconds.
#[metric]
pub static LINT_CALL_DURATION_SECONDS: Histogram = Histogram::new();

/// Calls running.
#[metric]
pub static LINT_RUNNING: IntGauge = IntGauge::new();

/// A parse error.
#[derive(Debug, PartialEq, Eq)]
pub struct LintError;

/// Parses a number.
///
/// # Errors
/// When the text is not a number.
#[counted]
#[timed]
#[in_flight]
#[counted(LINT_CALLS_TOTAL, labels(method = "GET"))]
#[timed(LINT_CALL_DURATION_SECONDS)]
#[in_flight(LINT_RUNNING)]
pub fn lint_parse(text: &str) -> Result<u32, LintError> {
    text.parse().map_err(|_| LintError)
}

/// Does nothing.
#[counted]
pub fn lint_unit() {}

/// Never returns.
#[counted]
pub fn lint_diverges() -> ! {
    panic!("never returns")
}

/// Waits, then answers.
///
/// # Errors
/// Never.
#[counted]
#[timed]
#[in_flight]
pub async fn lint_async(answer: u8) -> Result<u8, LintError> {
    tokio::task::yield_now().await;
    Ok(answer)
}

/// Answers later.
#[counted]
pub fn lint_future() -> impl Future<Output = u8> {
    async { 1 }
}

/// A thing with methods.
#[derive(Debug, Default)]
pub struct LintThing {
    items: Vec<u8>,
}

#[counted]
#[timed]
impl LintThing {
    /// Adds an item.
    pub fn push(&mut self, item: u8) -> &mut Vec<u8> {
        self.items.push(item);
        &mut self.items
    }

    /// Adds an item later.
    pub async fn push_later(&mut self, item: u8) -> usize {
        self.items.push(item);
        self.items.len()
    }

    /// Left alone.
    #[counted(skip)]
    #[timed(skip)]
    #[must_use]
    pub const fn nothing() -> u8 {
        0
    }
}

/// A trait with an async method.
#[async_trait::async_trait]
pub trait LintStore {
    /// Loads a thing.
    async fn load(&self) -> u8;
}

#[counted]
#[async_trait::async_trait]
impl LintStore for LintThing {
    async fn load(&self) -> u8 {
        self.items.first().copied().unwrap_or_default()
    }
}

#[test]
fn generated_code_passes_strict_lints() {
    assert_eq!(lint_parse("4"), Ok(4));
    lint_unit();
    let mut thing = LintThing::default();
    let _ = thing.push(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(lint_async(2)), Ok(2));
    assert_eq!(runtime.block_on(lint_future()), 1);
    assert_eq!(runtime.block_on(thing.push_later(3)), 2);
    assert_eq!(runtime.block_on(thing.load()), 1);
    assert_eq!(LintThing::nothing(), 0);
    assert!(std::panic::catch_unwind(|| lint_diverges()).is_err());
}
