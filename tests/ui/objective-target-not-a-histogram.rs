use tallymark::{metric, timed, Counter};

/// Searches run.
#[metric]
static SEARCHES_TOTAL: Counter = Counter::new();

#[timed(SEARCHES_TOTAL, objective(latency = "1s", percentile = 99))]
fn search() {}

fn main() {
    search();
}
