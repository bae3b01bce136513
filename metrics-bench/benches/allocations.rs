//! The allocation report: for every library, the bytes that one series keeps allocated
//! (100,000 label sets inserted into an empty family, as `new_series` does) and the
//! allocations one scrape makes once the registry and the buffer are warm (the expositions
//! of `encode_counters_100k` and `encode_mixed`).
//!
//! A `harness = false` target of its own, so that only it pays for the counting allocator.
//! It prints a Markdown table and writes it to `target/allocations.md`, which `report.sh`
//! copies into REPORT.md.

#[path = "../shared/mod.rs"]
mod shared;

use std::fmt::Write as _;
use std::hint::black_box;

use shared::fastmetrics::{FastmetricsExposition, FastmetricsInsertion};
use shared::measured::{MeasuredExposition, MeasuredInsertion};
use shared::metrics::{MetricsExposition, MetricsInsertion};
use shared::prometheus::{PrometheusExposition, PrometheusInsertion};
use shared::prometheus_client::{PrometheusClientExposition, PrometheusClientInsertion};
use shared::tallymark::{TallymarkExposition, TallymarkInsertion};
use shared::{label_values, Exposition, Insertion};
use tallymark_bench::counting::CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

/// Label sets inserted to measure memory per series, as in `new_series`.
const SERIES: usize = 100_000;
/// Scrapes counted after the warm-up one.
const SCRAPES: u64 = 5;

/// One library's row.
struct Row {
    name: &'static str,
    bytes_per_series: f64,
    counters_scrape: Scrape,
    mixed_scrape: Scrape,
}

/// What one steady-state scrape allocated.
struct Scrape {
    allocations: f64,
    bytes: f64,
}

/// Bytes still allocated per label set after inserting `values` into an empty family.
fn bytes_per_series<I: Insertion>(values: &'static [&'static str]) -> f64 {
    let before = ALLOCATOR.snapshot();
    let family = I::empty();
    family.scope(|| values.iter().for_each(|v| family.insert(v)));
    let after = ALLOCATOR.snapshot();
    drop(black_box(family));
    after.live_since(&before) as f64 / values.len() as f64
}

/// Allocations and bytes per scrape of `exposition`, after one scrape has sized things.
fn scrape<E: Exposition>(mut exposition: E) -> Scrape {
    exposition.encode();
    let before = ALLOCATOR.snapshot();
    for _ in 0..SCRAPES {
        exposition.encode();
        black_box(exposition.output());
    }
    let after = ALLOCATOR.snapshot();
    Scrape {
        allocations: after.allocations_since(&before) as f64 / SCRAPES as f64,
        bytes: (after.allocated - before.allocated) as f64 / SCRAPES as f64,
    }
}

fn row<E: Exposition, I: Insertion>(values: &'static [&'static str]) -> Row {
    Row {
        name: E::NAME,
        bytes_per_series: bytes_per_series::<I>(values),
        counters_scrape: scrape(E::counters(SERIES)),
        mixed_scrape: scrape(E::mixed(100, 20)),
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(
        "| library | bytes per series | allocations per scrape, 100k counters \
         | bytes per scrape, 100k counters | allocations per scrape, mixed \
         | bytes per scrape, mixed |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| `{}` | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            r.name,
            r.bytes_per_series,
            r.counters_scrape.allocations,
            r.counters_scrape.bytes,
            r.mixed_scrape.allocations,
            r.mixed_scrape.bytes,
        );
    }
    out
}

fn main() {
    // `cargo test --benches` runs every bench target with `--test`: nothing to check here.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let values = label_values(SERIES);
    let rows = [
        row::<TallymarkExposition, TallymarkInsertion>(values),
        row::<PrometheusExposition, PrometheusInsertion>(values),
        row::<PrometheusClientExposition, PrometheusClientInsertion>(values),
        row::<MetricsExposition, MetricsInsertion>(values),
        row::<MeasuredExposition, MeasuredInsertion>(values),
        row::<FastmetricsExposition, FastmetricsInsertion>(values),
    ];
    let table = table(&rows);
    print!("{table}");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let path = std::path::Path::new(&target).join("allocations.md");
    match std::fs::write(&path, &table) {
        Ok(()) => println!("\nwritten to {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
