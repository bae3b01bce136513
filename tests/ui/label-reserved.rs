use tallymark::{metric, GaugeFamily};

/// Workers by name.
#[metric(labels(__name__))]
static WORKERS: GaugeFamily<1> = GaugeFamily::new();

fn main() {}
