use tallymark::{counted, timed};

#[timed(objective(latency = "250ms"))]
fn lookup() {}

#[timed(objective(percentile = 99))]
fn search() {}

#[counted(objective())]
fn fetch() {}

fn main() {
    lookup();
    search();
    fetch();
}
