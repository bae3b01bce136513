use tallymark::{metric, Gauge};

/// Temperature.
#[metric(help = "")]
static TEMPERATURE: Gauge = Gauge::new();

fn main() {}
