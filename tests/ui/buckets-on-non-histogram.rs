use tallymark::{metric, Gauge};

/// Latency.
#[metric(buckets = [0.1, 1.0])]
static LATENCY_SECONDS: Gauge = Gauge::new();

fn main() {}
