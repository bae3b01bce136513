use tallymark::{metric, HistogramFamily};

/// Latency by level.
#[metric(labels(le))]
static LATENCY_SECONDS: HistogramFamily<1> = HistogramFamily::new();

fn main() {}
