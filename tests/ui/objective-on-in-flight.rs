use tallymark::in_flight;

#[in_flight(objective(latency = "250ms", percentile = 99))]
fn lookup() {}

fn main() {
    lookup();
}
