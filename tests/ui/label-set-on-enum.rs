use tallymark::LabelSet;

#[derive(LabelSet)]
enum Request {
    Get,
    Post,
}

fn main() {}
