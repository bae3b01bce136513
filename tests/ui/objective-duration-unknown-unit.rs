use tallymark::timed;

#[timed(objective(latency = "5h", percentile = 99))]
fn lookup() {}

#[timed(objective(latency = "250", percentile = 99))]
fn search() {}

fn main() {
    lookup();
    search();
}
