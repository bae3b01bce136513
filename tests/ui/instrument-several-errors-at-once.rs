use tallymark::timed;

#[timed(result = "maybe", labels(a = "b"), colour = "red", crate = ::tallymark, crate = ::tallymark)]
fn parse() {}

fn main() {
    parse();
}
