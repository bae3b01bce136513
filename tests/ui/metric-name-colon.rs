use tallymark::{metric, Gauge};

/// Request rate over five minutes.
#[metric(name = "job:requests:rate5m")]
static REQUEST_RATE: Gauge = Gauge::new();

fn main() {}
