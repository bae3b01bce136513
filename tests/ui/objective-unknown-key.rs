use tallymark::timed;

#[timed(objective(latency = "250ms", percentile = 99, window = "30d"))]
fn lookup() {}

fn main() {
    lookup();
}
