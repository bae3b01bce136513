use tallymark::timed;

#[timed(objective(latency = "fast", percentile = 99))]
fn lookup() {}

#[timed(objective(latency = "1.2.3s", percentile = 99))]
fn search() {}

#[timed(objective(latency = 250, percentile = 99))]
fn fetch() {}

fn main() {
    lookup();
    search();
    fetch();
}
