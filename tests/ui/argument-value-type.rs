use tallymark::{metric, GaugeFamily};

/// Temperature.
#[metric(name = temperature, labels(room), budget = "many", help = "Heat.")]
static TEMPERATURE: GaugeFamily<1> = GaugeFamily::new();

fn main() {}
