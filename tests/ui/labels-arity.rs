use tallymark::{metric, CounterFamily};

/// Requests.
#[metric(labels(method, status))]
static REQUESTS_TOTAL: CounterFamily<3> = CounterFamily::new();

fn main() {}
