use tallymark::{metric, Histogram};

/// Latency.
#[metric(buckets = [])]
static LATENCY_SECONDS: Histogram = Histogram::new();

fn main() {}
