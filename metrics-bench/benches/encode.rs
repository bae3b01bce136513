//! The scraping groups of BENCH.md, `new_series` and `label_churn`: whole renders into a
//! reused buffer, 100,000 label sets inserted into an empty family, and rounds of label sets
//! inserted then forgotten.

#[path = "../shared/mod.rs"]
mod shared;

use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};

use shared::fastmetrics::{FastmetricsExposition, FastmetricsInsertion};
use shared::measured::{MeasuredChurn, MeasuredExposition, MeasuredInsertion};
use shared::metrics::{MetricsChurn, MetricsExposition, MetricsInsertion};
use shared::prometheus::{PrometheusChurn, PrometheusExposition, PrometheusInsertion};
use shared::prometheus_client::{
    PrometheusClientChurn, PrometheusClientExposition, PrometheusClientInsertion,
};
use shared::tallymark::{TallymarkChurn, TallymarkExposition, TallymarkInsertion};
use shared::{label_values, Churn, Exposition, Insertion};

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

/// Label sets inserted per round of `label_churn`, and the most a family may hold at once:
/// tallymark's default budget.
const CHURN_ROUND: usize = 10_000;
/// Distinct label values the rounds take in turn: a value comes back only after
/// `CHURN_POOL / CHURN_ROUND` rounds, by when every library that forgets has forgotten it.
const CHURN_POOL: usize = 1 << 20;

/// One iteration is one round: `CHURN_ROUND` label sets not in the family are inserted
/// (timed), then forgotten through the library's own API (not timed).
fn label_churn<C: Churn>(group: &mut Group<'_>, values: &'static [&'static str]) {
    let family = C::empty(CHURN_ROUND);
    let mut rounds = values.chunks_exact(CHURN_ROUND).cycle();
    group.bench_function(C::NAME, |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                let round = rounds.next().expect("a cycle of a non-empty pool");
                let start = Instant::now();
                family.scope(|| round.iter().for_each(|v| family.insert(v)));
                elapsed += start.elapsed();
                family.forget(round);
            }
            elapsed
        });
    });
}

fn churn(c: &mut Criterion) {
    let values = label_values(CHURN_POOL);
    let mut group = c.benchmark_group("label_churn");
    group.throughput(Throughput::Elements(CHURN_ROUND as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    label_churn::<TallymarkChurn>(&mut group, values);
    label_churn::<PrometheusChurn>(&mut group, values);
    label_churn::<PrometheusClientChurn>(&mut group, values);
    label_churn::<MetricsChurn>(&mut group, values);
    label_churn::<MeasuredChurn>(&mut group, values);
    // fastmetrics is left out: with no way to forget, its family would only grow, and once
    // the pool came round its "inserts" would be lookups of series it still holds.
    group.finish();
}

criterion_group!(benches, encoding, insertion, churn);
criterion_main!(benches);
