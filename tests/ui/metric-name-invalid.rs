use tallymark::{metric, Gauge};

/// Room temperature.
#[metric(name = "room\ttemperature")]
static ROOM_TEMPERATURE: Gauge = Gauge::new();

fn main() {}
