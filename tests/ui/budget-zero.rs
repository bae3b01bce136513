use tallymark::{metric, GaugeFamily};

/// Temperature by room.
#[metric(labels(room), budget = 0)]
static TEMPERATURE: GaugeFamily<1> = GaugeFamily::new();

fn main() {}
