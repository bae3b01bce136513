use tallymark::{metric, Gauge};

/// Temperature.
#[metric(budget = 100)]
static TEMPERATURE: Gauge = Gauge::new();

fn main() {}
