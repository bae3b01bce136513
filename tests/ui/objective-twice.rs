use tallymark::{counted, timed};

#[timed(
    objective(latency = "250ms", percentile = 99),
    objective(latency = "1s", percentile = 99.9)
)]
fn lookup() {}

#[counted(objective(success = 99), objective(success = 99.9))]
fn fetch() {}

fn main() {
    lookup();
    fetch();
}
