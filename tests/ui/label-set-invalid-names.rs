use tallymark::LabelSet;

#[derive(LabelSet)]
struct Request {
    __shard: u8,
    #[label("status-code")]
    status: u16,
    #[label("")]
    retried: bool,
}

fn main() {}
