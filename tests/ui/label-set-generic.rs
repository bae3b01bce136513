use tallymark::LabelSet;

#[derive(LabelSet)]
struct Request<T> {
    method: T,
}

fn main() {}
