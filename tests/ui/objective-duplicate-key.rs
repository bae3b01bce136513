use tallymark::{counted, timed};

#[counted(objective(success = 99, success = 99.9))]
fn fetch() {}

#[timed(objective(latency = "1s", percentile = 99, latency = "2s"))]
fn lookup() {}

fn main() {
    fetch();
    lookup();
}
