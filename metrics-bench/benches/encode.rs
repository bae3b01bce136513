//! The scraping groups of BENCH.md and `new_series`: whole renders into a reused buffer,
//! and 100,000 label sets inserted into an empty family.

#[path = "../shared/mod.rs"]
mod shared;

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};

use shared::fastmetrics::{FastmetricsExposition, FastmetricsInsertion};
use shared::measured::{MeasuredExposition, MeasuredInsertion};
use shared::metrics::{MetricsExposition, MetricsInsertion};
use shared::prometheus::{PrometheusExposition, PrometheusInsertion};
use shared::prometheus_client::{PrometheusClientExposition, PrometheusClientInsertion};
use shared::tallymark::{TallymarkExposition, TallymarkInsertion};
use shared::{label_values, Exposition, Insertion};

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Series in `encode_counters_100k` and label sets in `new_series`.
const SERIES: usize = 100_000;
/// The shape of `encode_mixed`.
const MIXED_FAMILIES: usize = 100;
const MIXED_SERIES: usize = 20;

/// Runs `$bench::<Exposition>(group, ..)` for every library, tallymark first.
macro_rules! each_exposition {
    ($bench:ident, $group:expr, $($arg:expr),*) => {
        $bench::<TallymarkExposition>($group, $($arg),*);
        $bench::<PrometheusExposition>($group, $($arg),*);
        $bench::<PrometheusClientExposition>($group, $($arg),*);
        $bench::<MetricsExposition>($group, $($arg),*);
        $bench::<MeasuredExposition>($group, $($arg),*);
        $bench::<FastmetricsExposition>($group, $($arg),*);
    };
}

/// Runs `$bench::<Insertion>(group, ..)` for every library, tallymark first.
macro_rules! each_insertion {
    ($bench:ident, $group:expr, $($arg:expr),*) => {
        $bench::<TallymarkInsertion>($group, $($arg),*);
        $bench::<PrometheusInsertion>($group, $($arg),*);
        $bench::<PrometheusClientInsertion>($group, $($arg),*);
        $bench::<MetricsInsertion>($group, $($arg),*);
        $bench::<MeasuredInsertion>($group, $($arg),*);
        $bench::<FastmetricsInsertion>($group, $($arg),*);
    };
}

/// What a scrape renders.
#[derive(Clone, Copy)]
enum Shape {
    /// `SERIES` counters in one family.
    Counters,
    /// `MIXED_FAMILIES` × `MIXED_SERIES`, counters and histograms.
    Mixed,
}

fn encode<E: Exposition>(group: &mut Group<'_>, shape: Shape) {
    let mut exposition = match shape {
        Shape::Counters => E::counters(SERIES),
        Shape::Mixed => E::mixed(MIXED_FAMILIES, MIXED_SERIES),
    };
    // The first scrape sizes the buffer; the benchmark measures the steady state.
    exposition.encode();
    group.bench_function(E::NAME, |b| b.iter(|| exposition.encode()));
}

fn new_series<I: Insertion>(group: &mut Group<'_>, values: &'static [&'static str]) {
    group.bench_function(I::NAME, |b| {
        b.iter_batched(
            I::empty,
            |family| {
                family.scope(|| values.iter().for_each(|v| family.insert(v)));
                // Returned, so that dropping 100,000 series is not timed.
                family
            },
            BatchSize::PerIteration,
        );
    });
}

fn encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_counters_100k");
    group.throughput(Throughput::Elements(SERIES as u64));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    each_exposition!(encode, &mut group, Shape::Counters);
    group.finish();

    let mut group = c.benchmark_group("encode_mixed");
    group.throughput(Throughput::Elements((MIXED_FAMILIES * MIXED_SERIES) as u64));
    each_exposition!(encode, &mut group, Shape::Mixed);
    group.finish();
}

fn insertion(c: &mut Criterion) {
    let values = label_values(SERIES);
    let mut group = c.benchmark_group("new_series");
    group.throughput(Throughput::Elements(SERIES as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    each_insertion!(new_series, &mut group, values);
    group.finish();
}

criterion_group!(benches, encoding, insertion);
criterion_main!(benches);
