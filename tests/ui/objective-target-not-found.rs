use tallymark::timed;

#[timed(SEARCH_DURATION_SECONDS, objective(latency = "1s", percentile = 99))]
fn search() {}

fn main() {
    search();
}
