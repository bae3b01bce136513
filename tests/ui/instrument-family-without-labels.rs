use tallymark::{counted, metric, CounterFamily};

/// Requests by path.
#[metric(labels(path))]
static REQUESTS_TOTAL: CounterFamily<1> = CounterFamily::new();

#[counted(REQUESTS_TOTAL)]
fn serve() {}

fn main() {
    serve();
}
