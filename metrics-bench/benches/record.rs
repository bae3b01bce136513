//! The recording groups of BENCH.md: every library, then the baselines, one Criterion group
//! per operation, one function per library.

#[path = "../shared/mod.rs"]
mod shared;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use shared::fastmetrics::Fastmetrics;
use shared::labels::{request_ring, str_ring};
use shared::measured::Measured;
use shared::metrics::Metrics;
use shared::prometheus::Prometheus;
use shared::prometheus_client::PrometheusClient;
use shared::tallymark::{timed_work_default, Tallymark};
use shared::timed_macro as macros;
use shared::{timed_work, Recording, Request};
use tallymark_bench::ring::{gauge_values, observations, RING_LEN};

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Runs `$bench::<Library>(group)` for every library, tallymark first.
macro_rules! each_library {
    ($bench:ident, $group:expr) => {
        $bench::<Tallymark>($group);
        $bench::<Prometheus>($group);
        $bench::<PrometheusClient>($group);
        $bench::<Metrics>($group);
        $bench::<Measured>($group);
        $bench::<Fastmetrics>($group);
    };
}

/// The most operations timed between two upkeeps: the `metrics` exporter holds every
/// observation until then, 8 bytes each.
const CHUNK: u64 = 1 << 20;

/// Times `iters` calls of `op` in chunks, running the library's upkeep between them,
/// outside the timing.
fn chunked<L: Recording>(library: &L, iters: u64, mut op: impl FnMut()) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let start = Instant::now();
        for _ in 0..n {
            op();
        }
        elapsed += start.elapsed();
        library.upkeep();
        left -= n;
    }
    elapsed
}

fn counter_inc<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    group.bench_function(L::NAME, |b| b.iter(|| library.counter_inc()));
}

fn counter_inc_enum<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    let mut ring = request_ring();
    group.bench_function(L::NAME, |b| {
        b.iter(|| library.counter_inc_enum(ring.pull()));
    });
}

fn counter_inc_str<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    let mut ring = str_ring();
    group.bench_function(L::NAME, |b| {
        library.scope(|| b.iter(|| library.counter_inc_str(ring.pull())));
    });
}

fn gauge_set<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    let mut ring = gauge_values();
    group.bench_function(L::NAME, |b| b.iter(|| library.gauge_set(ring.pull())));
}

fn histogram_observe<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    let mut ring = observations();
    group.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| chunked(&library, iters, || library.histogram_observe(ring.pull())));
    });
}

fn timed_call<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    group.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| chunked(&library, iters, || library.timed_call()));
    });
}

/// Two threads released together by a barrier, each running `op` `iters / 2` times (in
/// chunks, with the library's upkeep between them); the slower thread's time is the
/// result. Each thread makes its operation with `make`, given the thread's number.
fn contended<L: Recording, F: FnMut()>(
    library: &L,
    iters: u64,
    make: impl Fn(usize) -> F + Sync,
) -> Duration {
    const THREADS: usize = 2;
    let per_thread = (iters / THREADS as u64).max(1);
    let barrier = Barrier::new(THREADS);
    thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (barrier, make) = (&barrier, &make);
                s.spawn(move || {
                    let mut step = make(t);
                    let mut elapsed = Duration::ZERO;
                    let mut left = per_thread;
                    while left > 0 {
                        let n = left.min(CHUNK);
                        barrier.wait();
                        let start = Instant::now();
                        for _ in 0..n {
                            step();
                        }
                        elapsed += start.elapsed();
                        if barrier.wait().is_leader() {
                            library.upkeep();
                        }
                        left -= n;
                    }
                    elapsed
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a benchmark thread panicked"))
            .max()
            .unwrap_or_default()
    })
}

fn contended_counter_inc<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    group.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| contended(&library, iters, |_| || library.counter_inc()));
    });
}

fn contended_histogram_observe<L: Recording>(group: &mut Group<'_>) {
    let library = L::new();
    group.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| {
            contended(&library, iters, |t| {
                let mut requests = request_ring().starting_at(t * RING_LEN / 2);
                let mut values = observations().starting_at(t * RING_LEN / 2);
                let library = &library;
                move || library.histogram_observe_enum(requests.pull(), values.pull())
            })
        });
    });
}

fn recording(c: &mut Criterion) {
    let mut group = c.benchmark_group("counter_inc");
    each_library!(counter_inc, &mut group);
    let cell = AtomicU64::new(0);
    group.bench_function("baseline_atomic", |b| b.iter(|| cell.fetch_add(1, Relaxed)));
    group.finish();

    let mut group = c.benchmark_group("counter_inc_enum_labels");
    each_library!(counter_inc_enum, &mut group);
    let cells: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];
    let mut ring = request_ring();
    group.bench_function("baseline_atomic", |b| {
        b.iter(|| cells[Request::index(ring.pull())].fetch_add(1, Relaxed));
    });
    group.finish();

    let mut group = c.benchmark_group("counter_inc_str_labels");
    each_library!(counter_inc_str, &mut group);
    group.finish();

    let mut group = c.benchmark_group("gauge_set");
    each_library!(gauge_set, &mut group);
    let mut ring = gauge_values();
    group.bench_function("baseline_store", |b| {
        b.iter(|| cell.store(ring.pull().to_bits(), Relaxed));
    });
    group.finish();

    let mut group = c.benchmark_group("histogram_observe");
    each_library!(histogram_observe, &mut group);
    group.finish();

    let mut group = c.benchmark_group(clocked("timed_call"));
    each_library!(timed_call, &mut group);
    group.bench_function("tallymark_default", |b| b.iter(timed_work_default));
    group.bench_function("baseline_instant", |b| {
        b.iter(|| {
            let start = Instant::now();
            timed_work();
            black_box(start.elapsed())
        });
    });
    group.finish();
}

/// `timed_macro`: the same empty function under each attribute macro, then timed by hand
/// and called bare. Every function is named in its own closure, so each call is as direct
/// as the baselines'.
fn timed_macro(c: &mut Criterion) {
    let mut group = c.benchmark_group(clocked("timed_macro"));
    group.bench_function("tallymark", |b| b.iter(macros::tallymark_default_work));
    group.bench_function("tallymark_declared", |b| {
        b.iter(macros::tallymark_declared_work);
    });
    group.bench_function("tallymark_declared_literal_labels", |b| {
        b.iter(macros::tallymark_literal_labels_work);
    });
    group.bench_function("tallymark_counted_timed", |b| {
        b.iter(macros::tallymark_counted_timed_work);
    });
    macros::autometrics_settings();
    group.bench_function("autometrics", |b| b.iter(macros::autometrics_work));
    let metered = macros::MeteredWork::default();
    group.bench_function("metered", |b| b.iter(|| metered.work()));
    group.bench_function("baseline_instant", |b| {
        b.iter(|| {
            let start = Instant::now();
            timed_work();
            black_box(start.elapsed())
        });
    });
    group.bench_function("baseline_call", |b| b.iter(timed_work));
    group.finish();
}

/// The name of a group that tallymark's clock changes: as named, with the `tsc` feature
/// (tallymark's default), or with `_instant` after it, built with
/// `--no-default-features`, so that the two builds' results sit side by side.
fn clocked(group: &str) -> String {
    if cfg!(feature = "tsc") {
        group.to_owned()
    } else {
        format!("{group}_instant")
    }
}

fn contention(c: &mut Criterion) {
    let mut group = c.benchmark_group("contended_counter_inc");
    each_library!(contended_counter_inc, &mut group);
    let cell = AtomicU64::new(0);
    group.bench_function("baseline_atomic", |b| {
        b.iter_custom(|iters| {
            // tallymark's upkeep does nothing, so it stands in for "no library".
            contended(&Tallymark, iters, |_| {
                || {
                    cell.fetch_add(1, Relaxed);
                }
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("contended_histogram_observe");
    each_library!(contended_histogram_observe, &mut group);
    group.finish();
}

criterion_group!(benches, recording, timed_macro, contention);
criterion_main!(benches);
