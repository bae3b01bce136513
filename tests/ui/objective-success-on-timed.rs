use tallymark::timed;

#[timed(objective(success = 99.9))]
fn lookup() {}

fn main() {
    lookup();
}
