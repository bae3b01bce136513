use tallymark::{metric, Histogram};

const LIMIT: f64 = 2.0;

/// Latency.
#[metric(buckets = [0.1, LIMIT, 1.0 + 2.0, 4.0f32, "5"])]
static LATENCY_SECONDS: Histogram = Histogram::new();

fn main() {}
