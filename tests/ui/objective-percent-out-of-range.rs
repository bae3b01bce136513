use tallymark::{counted, timed};

#[timed(objective(latency = "250ms", percentile = 100))]
fn lookup() {}

#[timed(objective(latency = "250ms", percentile = 0))]
fn search() {}

#[counted(objective(success = -5))]
fn fetch() {}

#[counted(objective(success = 100.5))]
fn store() {}

#[counted(objective(success = "high"))]
fn sync() {}

fn main() {
    lookup();
    search();
    fetch();
    store();
    sync();
}
