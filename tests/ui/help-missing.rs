use tallymark::{metric, Gauge};

// A plain comment is not documentation.
#[metric]
static TEMPERATURE: Gauge = Gauge::new();

fn main() {}
