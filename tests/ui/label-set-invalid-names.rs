use tallymark::LabelSet;

#[derive(LabelSet)]
struct Request {
    __shard: u8,
    #[label("status\ncode")]
    status: u16,
    #[label("")]
    retried: bool,
}

fn main() {}
