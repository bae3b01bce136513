use tallymark::counted;

#[counted]
struct Parser;

fn main() {
    let _ = Parser;
}
