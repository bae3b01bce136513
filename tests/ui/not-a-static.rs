use tallymark::{metric, Gauge};

/// Temperature.
#[metric]
const TEMPERATURE: Gauge = Gauge::new();

/// Requests.
#[metric]
fn requests() {}

fn main() {}
