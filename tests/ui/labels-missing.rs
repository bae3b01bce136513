use tallymark::{metric, CounterFamily};

/// Requests.
#[metric]
static REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();

fn main() {}
