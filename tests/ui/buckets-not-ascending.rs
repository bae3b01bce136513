use tallymark::{metric, Histogram};

/// Latency.
#[metric(buckets = [0.1, 0.5, 0.3, 1.0, 1])]
static LATENCY_SECONDS: Histogram = Histogram::new();

fn main() {}
