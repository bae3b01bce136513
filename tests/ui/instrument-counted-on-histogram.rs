use tallymark::{counted, metric, HistogramFamily};

/// Request latency in seconds.
#[metric(labels(endpoint))]
static HTTP_REQUEST_DURATION_SECONDS: HistogramFamily<1> = HistogramFamily::new();

#[counted(HTTP_REQUEST_DURATION_SECONDS, labels(endpoint = "/"))]
fn index() {}

fn main() {
    index();
}
