//! The first program of the Python `prometheus_client` tutorial, in Rust: the tutorial's
//! four families, a `/metrics` server, and a loop of fake requests. Beyond the tutorial it
//! shows the other types: a summary, a native histogram, an info and a state set, and
//! exemplars linking a counter and histogram buckets to (made-up) trace ids, and two
//! functions annotated with `#[timed]` and `#[counted]`, which record into the default
//! `function_calls_*` families.
//!
//! ```text
//! cargo run --example quickstart                          # serves 127.0.0.1:8000/metrics
//! cargo run --example quickstart -- --addr 127.0.0.1:9100
//! cargo run --example quickstart -- --basic-auth prometheus:s3cret   # /metrics needs it
//! cargo run --example quickstart -- --emit rules      # or dashboard, reference; then exits
//! ```

mod support;

use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tallymark::{
    counted, metric, timed, CounterFamily, HistogramFamily, Info, IntGauge, IntGaugeFamily,
    NativeHistogram, StateSet, SummaryFamily,
};

/// Total HTTP requests.
#[metric(labels(method, endpoint, status))]
static HTTP_REQUESTS_TOTAL: CounterFamily<3> = CounterFamily::new();

/// HTTP request latency in seconds.
#[metric(labels(endpoint), buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])]
static HTTP_REQUEST_DURATION_SECONDS: HistogramFamily<1> = HistogramFamily::new();

/// Number of active connections.
#[metric]
static ACTIVE_CONNECTIONS: IntGauge = IntGauge::new();

/// Number of items in the processing queue.
#[metric(labels(queue_name))]
static QUEUE_DEPTH: IntGaugeFamily<1> = IntGaugeFamily::new();

/// HTTP request body size in bytes.
#[metric(labels(endpoint))]
static REQUEST_SIZE_BYTES: SummaryFamily<1> = SummaryFamily::new();

/// HTTP response body size in bytes, in native histogram buckets.
#[metric]
static HTTP_RESPONSE_SIZE_BYTES: NativeHistogram = NativeHistogram::new();

/// Facts about this build of the example.
#[metric]
static TALLYMARK_EXAMPLE_BUILD_INFO: Info = Info::new(&[
    ("version", env!("CARGO_PKG_VERSION")),
    ("example", "quickstart"),
]);

/// Whether the example is still starting or already serving.
#[metric]
static TALLYMARK_EXAMPLE_STATE: StateSet = StateSet::new(&["starting", "serving"]);

/// Pretends to serve one request: 10–300 ms of work, and one in twenty fails. Each request
/// gets a made-up trace id, kept as an exemplar beside the counter and the latency bucket.
fn handle_request(method: &str, endpoint: &str) {
    let start = Instant::now();
    let trace_id = format!("{:016x}", fastrand::u64(..));
    let trace = [("trace_id", trace_id.as_str())];
    REQUEST_SIZE_BYTES
        .labels([endpoint])
        .observe(f64::from(fastrand::u32(100..=5000)));
    do_work();
    let status = match answer() {
        Ok(()) => "200",
        Err(_) => "500",
    };
    HTTP_REQUESTS_TOTAL
        .labels([method, endpoint, status])
        .inc_with_exemplar(&trace);
    HTTP_REQUEST_DURATION_SECONDS
        .labels([endpoint])
        .observe_with_exemplar(start.elapsed().as_secs_f64(), &trace);
    HTTP_RESPONSE_SIZE_BYTES.observe(f64::from(fastrand::u32(200..=20_000)));
}

/// The request's 10–300 ms of work, timed into `function_calls_duration_seconds`.
#[timed(objective(latency = "500ms", percentile = 99))]
fn do_work() {
    sleep(Duration::from_millis(fastrand::u64(10..=300)));
}

/// Whether the request succeeds: one in twenty fails, which `#[counted]` records as
/// `result="error"` in `function_calls_total`.
#[counted(objective(success = 90))]
#[timed]
fn answer() -> Result<(), &'static str> {
    if fastrand::u8(0..20) == 0 {
        Err("the made-up backend failed")
    } else {
        Ok(())
    }
}

fn main() -> ExitCode {
    let Some(_server) = support::serve_from_args("quickstart") else {
        return ExitCode::FAILURE;
    };
    TALLYMARK_EXAMPLE_STATE.set("serving");
    loop {
        handle_request("GET", "/api/users");
        handle_request("POST", "/api/orders");
        ACTIVE_CONNECTIONS.set(fastrand::i64(1..=50));
        QUEUE_DEPTH.labels(["email"]).set(fastrand::i64(0..=100));
        sleep(Duration::from_millis(100));
    }
}
