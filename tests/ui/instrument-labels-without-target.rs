use tallymark::counted;

#[counted(labels(method = "GET"))]
fn parse() {}

fn main() {
    parse();
}
