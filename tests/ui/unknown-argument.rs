use tallymark::{metric, Gauge};

/// Temperature.
#[metric(nmae = "temperature", unit = "celsius")]
static TEMPERATURE_CELSIUS: Gauge = Gauge::new();

fn main() {}
