use tallymark::{counted, metric, Counter, Family, LabelSet, LabelValue};

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
}

/// Requests by method.
#[metric]
static REQUESTS_TOTAL: Family<Request, Counter> = Family::new();

#[counted(REQUESTS_TOTAL, labels(method = "GET", status = 200))]
fn index() {}

fn main() {
    index();
}
