//! The allocation report: for every library, the bytes that one series keeps allocated
//! (100,000 label sets inserted into an empty family, as `new_series` does) and the
//! allocations one scrape makes once the registry and the buffer are warm (the expositions
//! of `encode_counters_100k` and `encode_mixed`); then `label_churn`: 10 rounds of 100,000
//! label sets never seen, each round forgotten through the library's own API, and the bytes
//! the family still holds after each.
//!
//! A `harness = false` target of its own, so that only it pays for the counting allocator.
//! It prints Markdown tables and writes them to `target/allocations.md` and
//! `target/label_churn.md`, which `report.sh` copies into REPORT.md.

#[path = "../shared/mod.rs"]
mod shared;

use std::fmt::Write as _;
use std::hint::black_box;

use shared::fastmetrics::{FastmetricsChurn, FastmetricsExposition, FastmetricsInsertion};
use shared::measured::{MeasuredChurn, MeasuredExposition, MeasuredInsertion};
use shared::metrics::{MetricsChurn, MetricsExposition, MetricsInsertion};
use shared::prometheus::{PrometheusChurn, PrometheusExposition, PrometheusInsertion};
use shared::prometheus_client::{
    PrometheusClientChurn, PrometheusClientExposition, PrometheusClientInsertion,
};
use shared::tallymark::{TallymarkChurn, TallymarkExposition, TallymarkInsertion};
use shared::{label_values, Churn, Exposition, Insertion};
use tallymark_bench::counting::CountingAllocator;
use tallymark_bench::exposition::parse;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

/// Label sets inserted to measure memory per series, as in `new_series`.
const SERIES: usize = 100_000;
/// Scrapes counted after the warm-up one.
const SCRAPES: u64 = 5;
/// Rounds of `label_churn`, each of `SERIES` label sets never seen, which is also the most
/// label sets a family may hold at once (tallymark's budget).
const CHURN_ROUNDS: usize = 10;

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

/// One library's `label_churn`.
struct ChurnRow {
    name: &'static str,
    forgets_by: &'static str,
    /// Bytes held once the first round is in, before it is forgotten.
    first_round: i64,
    /// Bytes held after each round's `forget`.
    after_forget: Vec<i64>,
    /// Series the family renders after the last `forget`.
    rendered: usize,
    /// Lookups folded into overflow over all rounds, where the library folds.
    overflowed: Option<u64>,
}

fn churn<C: Churn>(values: &'static [&'static str]) -> ChurnRow {
    let before = ALLOCATOR.snapshot();
    let family = C::empty(SERIES);
    let mut first_round = None;
    let mut overflowed = None;
    let mut after_forget = Vec::new();
    for round in values.chunks(SERIES) {
        family.scope(|| round.iter().for_each(|v| family.insert(v)));
        first_round.get_or_insert(ALLOCATOR.snapshot().live_since(&before));
        if let Some(n) = family.overflowed() {
            *overflowed.get_or_insert(0) += n;
        }
        family.forget(round);
        after_forget.push(ALLOCATOR.snapshot().live_since(&before));
    }
    let text = family.render();
    let rendered = parse(&text)
        .map(|samples| samples.keys().filter(|k| k.name == "churn_total").count())
        .unwrap_or_else(|e| panic!("{}: {e}", C::NAME));
    drop(black_box(family));
    ChurnRow {
        name: C::NAME,
        forgets_by: C::FORGETS_BY,
        first_round: first_round.unwrap_or(0),
        after_forget,
        rendered,
        overflowed,
    }
}

fn kilobytes(bytes: i64) -> String {
    format!("{:.0}", bytes as f64 / 1000.0)
}

fn churn_table(rows: &[ChurnRow]) -> String {
    let mut out = String::new();
    out.push_str("| library | forgets by | kB held, round 1 in |");
    for round in 1..=CHURN_ROUNDS {
        let _ = write!(out, " kB after forget {round} |");
    }
    out.push_str(" given back, round 1 | series rendered at the end | folded into overflow |\n");
    out.push('|');
    out.push_str(&" --- |".repeat(CHURN_ROUNDS + 6));
    out.push('\n');
    for r in rows {
        let _ = write!(
            out,
            "| `{}` | {} | {} |",
            r.name,
            r.forgets_by,
            kilobytes(r.first_round)
        );
        for &held in &r.after_forget {
            let _ = write!(out, " {} |", kilobytes(held));
        }
        let given_back = r.after_forget.first().map_or(0.0, |&held| {
            100.0 * (r.first_round - held) as f64 / r.first_round as f64
        });
        let overflowed = r.overflowed.map_or("–".to_owned(), |n| n.to_string());
        let _ = writeln!(out, " {given_back:.0} % | {} | {overflowed} |", r.rendered);
    }
    out.push_str(
        "\n`autometrics` and `metered` have no label sets of their own (autometrics labels by \
         function, module and caller; metered has no labels): no row.\n",
    );
    out
}

/// Writes `text` to `name` in the target folder, saying where or why not.
fn write_out(name: &str, text: &str) {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let path = std::path::Path::new(&target).join(name);
    match std::fs::write(&path, text) {
        Ok(()) => println!("\nwritten to {}\n", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
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
    write_out("allocations.md", &table);

    let values = label_values(SERIES * CHURN_ROUNDS);
    let rows = [
        churn::<TallymarkChurn>(values),
        churn::<PrometheusChurn>(values),
        churn::<PrometheusClientChurn>(values),
        churn::<MetricsChurn>(values),
        churn::<MeasuredChurn>(values),
        churn::<FastmetricsChurn>(values),
    ];
    let table = churn_table(&rows);
    print!("{table}");
    write_out("label_churn.md", &table);
}
