use tallymark::LabelSet;

#[derive(LabelSet)]
struct Request {
    method: String,
    status: u16,
}

fn main() {}
