use tallymark::counted;

#[counted(name = "parse")]
fn parse() {}

fn main() {
    parse();
}
