use tallymark::timed;

#[timed(objective(latency = "0ms", percentile = 99))]
fn lookup() {}

#[timed(objective(latency = "-5ms", percentile = 99))]
fn search() {}

fn main() {
    lookup();
    search();
}
