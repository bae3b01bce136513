use tallymark::{metric, Gauge};

/// Temperature.
#[metric(help = "Temperature.", unit = "celsius", help = "Heat.")]
static TEMPERATURE_CELSIUS: Gauge = Gauge::new();

fn main() {}
