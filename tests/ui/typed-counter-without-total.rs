use tallymark::{metric, Counter, Family, LabelSet, LabelValue};

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
}

/// Requests.
#[metric]
static REQUESTS: Family<Request, Counter> = Family::new();

fn main() {}
