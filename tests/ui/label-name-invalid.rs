use tallymark::{metric, GaugeFamily};

/// Workers by trade.
#[metric(labels(_été))]
static WORKERS: GaugeFamily<1> = GaugeFamily::new();

fn main() {}
