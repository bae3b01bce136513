use tallymark::{metric, Histogram};

/// Latency.
#[metric(buckets = [0.1, f64::INFINITY, 1.0])]
static LATENCY_SECONDS: Histogram = Histogram::new();

fn main() {}
