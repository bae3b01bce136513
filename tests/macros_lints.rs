//! The generated code compiles clean under strict lints that users commonly turn on, so
//! a `#[metric]` or a derive never adds warnings to their build.
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

use tallymark::{metric, Counter, CounterFamily, Family, Histogram, LabelSet, LabelValue};

/// A colour, as a label value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Colour {
    /// Red.
    Red,
    /// Blue.
    #[label("BLUE")]
    Blue,
}

/// An enum with no variants has no label values, and no label sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Never {}

/// A label set of one enum and one integer.
#[derive(Debug, LabelSet)]
pub struct Paint {
    /// The colour.
    pub colour: Colour,
    /// The litres.
    pub litres: u32,
}

/// A label set with no labels at all.
#[derive(Debug, LabelSet)]
pub struct Nothing {}

/// Paint used.
#[metric]
pub static LINT_PAINT_TOTAL: Family<Paint, Counter> = Family::new();

/// Requests, by method.
#[metric(labels(method), budget = 10)]
pub static LINT_REQUESTS_TOTAL: CounterFamily<1> = CounterFamily::new();

/// Latency.
#[metric(unit = "seconds", buckets = [0.1, 1, f64::INFINITY])]
pub static LINT_LATENCY_SECONDS: Histogram = Histogram::new();

/// Nothing at all.
#[metric]
pub static LINT_NOTHING_TOTAL: Family<Nothing, Counter> = Family::new();

#[test]
fn generated_code_passes_strict_lints() {
    LINT_PAINT_TOTAL
        .labels(Paint {
            colour: Colour::Blue,
            litres: 2,
        })
        .inc();
    LINT_REQUESTS_TOTAL.labels(["GET"]).inc();
    LINT_LATENCY_SECONDS.observe(0.5);
    LINT_NOTHING_TOTAL.labels(Nothing {}).inc();
    assert_eq!(Never::VALUES, Some(&[][..]));
    assert_eq!(Nothing::DENSE, Some(1));
    assert_eq!(Colour::Red.index(), 0);
    let text = tallymark::render();
    assert!(text.contains("\nlint_nothing_total 1\n"), "{text}");
}
