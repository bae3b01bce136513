//! How each library is driven: one module per library, each implementing the same three
//! traits, so that every benchmark, the agreement test and the allocation report run the
//! very same code against every library.
//!
//! This folder is compiled into each target with `#[path]`: the libraries are
//! dev-dependencies, and their label traits can only be implemented on types local to the
//! crate that uses them. A target uses only part of it, hence `dead_code` is allowed.
#![allow(dead_code)]

pub mod fastmetrics;
pub mod labels;
pub mod measured;
pub mod metrics;
pub mod prometheus;
pub mod prometheus_client;
pub mod tallymark;
pub mod timed_macro;

pub use labels::{Class, Method, Request, StrRequest};

/// The Prometheus default buckets, which every library is given.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The hot path: recording into series that already exist.
pub trait Recording: Sync + Sized {
    /// The library's name, which is the benchmark function's name.
    const NAME: &'static str;

    /// Every metric the operations record into, registered and at zero.
    fn new() -> Self;

    /// Runs `f` with what the library needs in scope around recording: `metrics` looks its
    /// recorder up per call when labels are given by value.
    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }

    /// An unlabelled counter +1.
    fn counter_inc(&self);
    /// A counter +1 in the series of two enum labels.
    fn counter_inc_enum(&self, labels: Request);
    /// A counter +1 in the series of two `&str` labels, looked up by value.
    fn counter_inc_str(&self, labels: StrRequest);
    /// A gauge set to `v`.
    fn gauge_set(&self, v: f64);
    /// An unlabelled histogram observes `v`.
    fn histogram_observe(&self, v: f64);
    /// A histogram with two enum labels observes `v`.
    fn histogram_observe_enum(&self, labels: Request, v: f64);
    /// A call of an empty function, timed by the library's own timing facility.
    fn timed_call(&self);

    /// Work a library defers from recording to scraping (the `metrics` exporter keeps raw
    /// observations until then); run outside any timing, so memory stays bounded.
    fn upkeep(&self) {}

    /// Everything above, in text form.
    fn render(&self) -> String;
}

/// Scraping: a registry rendered again and again into one reused buffer.
pub trait Exposition: Sized {
    /// The library's name.
    const NAME: &'static str;

    /// One counter family with `n` series of one label, each with its own value.
    fn counters(n: usize) -> Self;
    /// `families` families, alternately counters and histograms of the default buckets, with
    /// `series` series each.
    fn mixed(families: usize, series: usize) -> Self;
    /// One scrape into the buffer, replacing the last one.
    fn encode(&mut self);
    /// What the last scrape wrote.
    fn output(&self) -> &[u8];
}

/// Creating series: a family that starts empty and is handed label values never seen.
pub trait Insertion: Sized {
    /// The library's name.
    const NAME: &'static str;

    /// An empty counter family with one label.
    fn empty() -> Self;
    /// As [`Recording::scope`].
    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    /// Adds one to the series of `value`, creating it.
    fn insert(&self, value: &'static str);
}

/// Forgetting series: a family handed label sets never seen, then emptied through the
/// library's own API, round after round, as label values that come and go (pods, users,
/// jobs) do to a family.
pub trait Churn: Sized {
    /// The library's name.
    const NAME: &'static str;
    /// The call that forgets label sets, or, where the library has none, that it has none.
    const FORGETS_BY: &'static str;

    /// An empty counter family with one label, allowed `live` label sets at once where the
    /// library has such a limit.
    fn empty(live: usize) -> Self;
    /// As [`Recording::scope`].
    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    /// Adds one to the series of `value`, creating it.
    fn insert(&self, value: &'static str);
    /// Lookups folded into an overflow series instead of a series of their own, where the
    /// library folds; read before [`Churn::forget`], which may reset it.
    fn overflowed(&self) -> Option<u64> {
        None
    }
    /// Forgets the label sets of the last round, `inserted`, through the library's own API
    /// (nothing, where it has none).
    fn forget(&self, inserted: &[&'static str]);
    /// The family in text form.
    fn render(&self) -> String;
}

/// The function every library times: empty, and kept as a real call. `black_box` gives
/// it an effect the optimiser cannot see through, or a call to an empty function whose
/// result is unused could be deleted.
#[inline(never)]
pub fn timed_work() {
    std::hint::black_box(());
}

/// `n` distinct label values, `series-0` …, leaked so that every library can borrow them
/// for as long as it likes; made before any counting or timing starts.
pub fn label_values(n: usize) -> &'static [&'static str] {
    let values: Vec<&'static str> = (0..n)
        .map(|i| &*Box::leak(format!("series-{i}").into_boxed_str()))
        .collect();
    Vec::leak(values)
}

/// The value the `i`th series of an exposition holds: distinct per series, so that number
/// formatting is exercised, and the same in every library.
pub fn counter_value(i: usize) -> u64 {
    (i as u64).wrapping_mul(7919) % 1_000_003
}

/// The observations made into the `i`th histogram series of an exposition.
pub fn histogram_values(i: usize) -> impl Iterator<Item = f64> {
    (0..4).map(move |k| ((i * 13 + k * 101) % 20_000) as f64 / 1000.0)
}

/// Names of the `mixed` families: the `f`th is a counter when `f` is even.
pub fn mixed_name(f: usize) -> String {
    if f.is_multiple_of(2) {
        format!("mixed_{f}_total")
    } else {
        format!("mixed_{f}_seconds")
    }
}
