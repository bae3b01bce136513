use tallymark::timed;

#[timed(skip)]
fn parse() {}

fn main() {
    parse();
}
