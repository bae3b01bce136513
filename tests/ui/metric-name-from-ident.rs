use tallymark::{metric, Gauge};

/// Room temperature.
#[metric]
static TEMPÉRATURE: Gauge = Gauge::new();

fn main() {}
