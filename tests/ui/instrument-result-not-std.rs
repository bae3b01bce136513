/// A type named `Result` that is not `std`'s.
enum Result {
    Done,
}

#[tallymark::counted]
fn finish() -> Result {
    Result::Done
}

fn main() {
    let _ = finish();
}
