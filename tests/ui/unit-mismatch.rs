use tallymark::{metric, Counter, Histogram};

/// Request latency.
#[metric(unit = "seconds")]
static REQUEST_DURATION_MS: Histogram = Histogram::new();

/// Bytes sent.
#[metric(unit = "bytes")]
static SENT_TOTAL: Counter = Counter::new();

fn main() {}
