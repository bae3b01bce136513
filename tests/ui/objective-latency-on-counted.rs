use tallymark::counted;

#[counted(objective(latency = "250ms", percentile = 99))]
fn fetch() {}

fn main() {
    fetch();
}
