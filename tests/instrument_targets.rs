//! Explicit targets: `#[counted(FAMILY, labels(..))]`, `#[timed(HISTOGRAM)]` and
//! `#[in_flight(GAUGE)]` record into declared metrics, with label values that are fixed,
//! read from an argument, or knowingly unbounded.

use std::panic::catch_unwind;
use std::time::Duration;

use tallymark::{
    counted, in_flight, metric, timed, Counter, CounterFamily, Family, Histogram, HistogramFamily,
    IntGauge, IntGaugeFamily, LabelSet, LabelValue,
};

/// The lines of family `name` in the global registry, samples only.
fn samples(name: &str) -> String {
    tallymark::render()
        .lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Total HTTP requests.
#[metric(labels(method, endpoint))]
static TARGET_REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();

#[counted(TARGET_REQUESTS_TOTAL, labels(method = "GET", endpoint = "/api/users"))]
fn list_users() -> Result<Vec<String>, String> {
    Ok(Vec::new())
}

#[counted(
    TARGET_REQUESTS_TOTAL,
    labels(endpoint = "/api/orders", method = "POST")
)]
fn create_order(fail: bool) -> Result<u32, String> {
    if fail {
        return Err("no stock".to_owned());
    }
    Ok(1)
}

#[test]
fn fixed_labels_count_every_call_into_one_series_whatever_the_result() {
    list_users().unwrap();
    list_users().unwrap();
    create_order(false).unwrap();
    create_order(true).unwrap_err();
    assert_eq!(
        samples("target_requests_total"),
        "target_requests_total{method=\"GET\",endpoint=\"/api/users\"} 2\n\
         target_requests_total{method=\"POST\",endpoint=\"/api/orders\"} 2\n"
    );
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    #[label("GET")]
    Get,
    #[label("DELETE")]
    Delete,
}

struct Request {
    method: Method,
    path: String,
}

/// Requests, by method and path.
#[metric(labels(method, path), budget = 2)]
static TARGET_ROUTED_TOTAL: CounterFamily<2> = CounterFamily::new();

/// The method is a `LabelValue`; the path is any text, accepted with `unbounded`.
#[counted(TARGET_ROUTED_TOTAL, labels(method = req.method, path = unbounded(&req.path)))]
fn route(req: Request) -> String {
    // The body still owns the whole request.
    req.path
}

#[test]
fn labels_from_arguments_and_unbounded_text_within_the_budget() {
    let request = |method, path: &str| Request {
        method,
        path: path.to_owned(),
    };
    assert_eq!(route(request(Method::Get, "/a")), "/a");
    route(request(Method::Delete, "/a"));
    route(request(Method::Get, "/a"));
    route(request(Method::Get, "/b"));
    assert_eq!(
        samples("target_routed_total"),
        "target_routed_total{method=\"DELETE\",path=\"/a\"} 1\n\
         target_routed_total{method=\"GET\",path=\"/a\"} 2\n\
         target_routed_total{method=\"__overflow__\",path=\"__overflow__\"} 1\n"
    );
}

#[derive(LabelSet)]
struct Job {
    kind: Method,
    priority: u8,
}

/// Jobs run, by kind and priority.
#[metric]
static TARGET_JOBS_TOTAL: Family<Job, Counter> = Family::new();

#[counted(TARGET_JOBS_TOTAL, labels(kind = Method::Delete, priority = level))]
fn purge(level: u8) -> u8 {
    level
}

#[test]
fn typed_label_set_family_takes_its_fields_as_labels() {
    purge(1);
    purge(1);
    purge(3);
    assert_eq!(
        samples("target_jobs_total"),
        "target_jobs_total{kind=\"DELETE\",priority=\"1\"} 2\n\
         target_jobs_total{kind=\"DELETE\",priority=\"3\"} 1\n"
    );
}

/// Time spent exporting, in seconds.
#[metric(buckets = [0.01, 1.0])]
static TARGET_EXPORT_DURATION_SECONDS: Histogram = Histogram::new();

/// Time spent per endpoint, in seconds.
#[metric(labels(endpoint), buckets = [0.01, 1.0])]
static TARGET_ENDPOINT_DURATION_SECONDS: HistogramFamily<1> = HistogramFamily::new();

#[timed(TARGET_EXPORT_DURATION_SECONDS)]
#[timed(TARGET_ENDPOINT_DURATION_SECONDS, labels(endpoint = "/export"))]
fn export() {
    std::thread::sleep(Duration::from_millis(20));
}

#[test]
fn timed_targets_observe_the_call_duration() {
    export();
    assert_eq!(TARGET_EXPORT_DURATION_SECONDS.count(), 1);
    assert!(TARGET_EXPORT_DURATION_SECONDS.sum() >= 0.02);
    let lines = samples("target_endpoint_duration_seconds_bucket");
    assert_eq!(
        lines,
        "target_endpoint_duration_seconds_bucket{endpoint=\"/export\",le=\"0.01\"} 0\n\
         target_endpoint_duration_seconds_bucket{endpoint=\"/export\",le=\"1\"} 1\n\
         target_endpoint_duration_seconds_bucket{endpoint=\"/export\",le=\"+Inf\"} 1\n"
    );
}

/// Calls running now.
#[metric]
static TARGET_ACTIVE_CALLS: IntGauge = IntGauge::new();

/// Calls running now, by queue.
#[metric(labels(queue))]
static TARGET_ACTIVE_JOBS: IntGaugeFamily<1> = IntGaugeFamily::new();

#[in_flight(TARGET_ACTIVE_CALLS)]
#[in_flight(TARGET_ACTIVE_JOBS, labels(queue = "email"))]
fn observe_running(fail: bool) -> (i64, i64) {
    let running = (
        TARGET_ACTIVE_CALLS.get(),
        TARGET_ACTIVE_JOBS.labels(["email"]).get(),
    );
    assert!(!fail, "observe_running failed");
    running
}

#[test]
fn in_flight_targets_go_up_during_the_call_and_down_after_even_on_panic() {
    assert_eq!(observe_running(false), (1, 1));
    assert!(catch_unwind(|| observe_running(true)).is_err());
    assert_eq!(TARGET_ACTIVE_CALLS.get(), 0);
    assert_eq!(
        samples("target_active_jobs"),
        "target_active_jobs{queue=\"email\"} 0\n"
    );
}

mod elsewhere {
    /// A label named by a keyword, in a family declared in another module.
    #[tallymark::metric(labels(r#type))]
    pub static TARGET_KINDS_TOTAL: tallymark::CounterFamily<1> = tallymark::CounterFamily::new();
}

#[counted(elsewhere::TARGET_KINDS_TOTAL, labels(r#type = "user"))]
fn by_path() {}

#[test]
fn a_family_in_another_module_and_a_keyword_label_are_reached_by_path() {
    by_path();
    assert_eq!(
        samples("target_kinds_total"),
        "target_kinds_total{type=\"user\"} 1\n"
    );
}

/// Calls of one endpoint, for the test of a call site that remembers its series.
#[metric(labels(endpoint))]
static TARGET_REMEMBERED_TOTAL: CounterFamily<1> = CounterFamily::new();

#[counted(TARGET_REMEMBERED_TOTAL, labels(endpoint = "/kept"))]
fn kept_endpoint() {}

/// A call site with only literal labels keeps its series between calls; a `remove` or a
/// `clear` is seen at its next call, which brings the series back at zero.
#[test]
fn a_site_with_literal_labels_keeps_its_series_across_remove_and_clear() {
    let family = &TARGET_REMEMBERED_TOTAL;
    let kept = "target_remembered_total{endpoint=\"/kept\"}";
    let other = "target_remembered_total{endpoint=\"/other\"}";

    family.labels(["/other"]).inc();
    kept_endpoint();
    kept_endpoint();
    assert_eq!(
        samples("target_remembered_total"),
        format!("{kept} 2\n{other} 1\n")
    );

    assert!(family.remove(["/kept"]));
    assert_eq!(samples("target_remembered_total"), format!("{other} 1\n"));
    kept_endpoint();
    assert_eq!(
        samples("target_remembered_total"),
        format!("{kept} 1\n{other} 1\n")
    );

    family.clear();
    assert_eq!(samples("target_remembered_total"), "");
    kept_endpoint();
    kept_endpoint();
    kept_endpoint();
    assert_eq!(samples("target_remembered_total"), format!("{kept} 3\n"));
    assert_eq!(family.labels(["/kept"]).get(), 3.0);
}

/// Calls into a family whose budget another label set spent first.
#[metric(labels(endpoint), budget = 1)]
static TARGET_SPENT_TOTAL: CounterFamily<1> = CounterFamily::new();

#[counted(TARGET_SPENT_TOTAL, labels(endpoint = "/late"))]
fn late_endpoint() {}

/// A site that first met a spent budget records into the overflow series, and keeps
/// doing so on later calls, as a lookup of its labels would.
#[test]
fn a_site_with_literal_labels_past_the_budget_records_into_overflow() {
    TARGET_SPENT_TOTAL.labels(["/first"]).inc();
    late_endpoint();
    late_endpoint();
    assert_eq!(
        samples("target_spent_total"),
        "target_spent_total{endpoint=\"/first\"} 1\n\
         target_spent_total{endpoint=\"__overflow__\"} 2\n"
    );
    assert_eq!(TARGET_SPENT_TOTAL.overflowed(), 2);
}
