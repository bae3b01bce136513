use tallymark::{metric, Gauge};

/// Temperature.
#[metric]
static mut TEMPERATURE: Gauge = Gauge::new();

fn main() {}
