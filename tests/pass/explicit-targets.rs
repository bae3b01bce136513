//! Declared families as targets, with fixed labels, labels from an argument, unbounded
//! text and a typed label set.

use tallymark::{
    counted, in_flight, metric, timed, Counter, CounterFamily, Family, Histogram, IntGauge,
    LabelSet, LabelValue,
};

#[derive(Clone, Copy, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
}

#[derive(LabelSet)]
struct Route {
    method: Method,
}

/// Requests.
#[metric(labels(method, path))]
static REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();

/// Requests by route.
#[metric]
static ROUTES_TOTAL: Family<Route, Counter> = Family::new();

/// Time spent.
#[metric]
static HANDLE_DURATION_SECONDS: Histogram = Histogram::new();

/// Running.
#[metric]
static HANDLING: IntGauge = IntGauge::new();

#[counted(REQUESTS_TOTAL, labels(method = method, path = unbounded(path)))]
#[counted(ROUTES_TOTAL, labels(method = method))]
#[timed(HANDLE_DURATION_SECONDS)]
#[in_flight(HANDLING)]
fn handle(method: Method, path: &str) -> usize {
    path.len()
}

fn main() {
    assert_eq!(handle(Method::Get, "/a"), 2);
    let text = tallymark::render();
    assert!(text.contains("requests_total{method=\"get\",path=\"/a\"} 1\n"));
    assert!(text.contains("routes_total{method=\"get\"} 1\n"));
    assert!(text.contains("handle_duration_seconds_count 1\n"));
    assert!(text.contains("handling 0\n"));
}
