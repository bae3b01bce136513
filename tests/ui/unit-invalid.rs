use tallymark::{metric, Gauge};

/// Speed.
#[metric(unit = "m/s")]
static SPEED_M_S: Gauge = Gauge::new();

fn main() {}
