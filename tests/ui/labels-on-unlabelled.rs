use tallymark::{metric, Gauge};

/// Temperature.
#[metric(labels(room))]
static TEMPERATURE: Gauge = Gauge::new();

fn main() {}
