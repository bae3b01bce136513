use tallymark::{metric, Gauge};

/// Room temperature.
#[metric(name = "room-temperature")]
static ROOM_TEMPERATURE: Gauge = Gauge::new();

fn main() {}
