use tallymark::{metric, GaugeFamily};

/// Workers by trade.
#[metric(labels(métier))]
static WORKERS: GaugeFamily<1> = GaugeFamily::new();

fn main() {}
