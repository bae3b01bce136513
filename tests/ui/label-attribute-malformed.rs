use tallymark::{LabelSet, LabelValue};

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
#[label("method")]
enum Method {
    #[label = "GET"]
    Get,
    #[label(POST)]
    Post,
    #[label("PUT")]
    #[label("put")]
    Put,
}

#[derive(LabelSet)]
struct Request {
    #[label]
    method: Method,
}

fn main() {}
