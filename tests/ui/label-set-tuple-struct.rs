use tallymark::LabelSet;

#[derive(LabelSet)]
struct Request(bool, u16);

fn main() {}
