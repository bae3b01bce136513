use tallymark::LabelSet;

#[derive(LabelSet)]
struct Request {
    code: u16,
    #[label("code")]
    status: u16,
}

fn main() {}
