//! The first program of the Python `prometheus_client` tutorial, instrumented the Rust
//! way: the attributes on `handle_request` record every call, so its body is only the
//! work. There is no `inc()`, no `observe()` and no start time to carry around.
//!
//! ```text
//! cargo run --example instrumented                          # serves 127.0.0.1:8000/metrics
//! cargo run --example instrumented -- --addr 127.0.0.1:9100
//! ```
//!
//! The tutorial's `status` label becomes the function's result: `handle_request` returns
//! `Err` for a 500, which `#[counted]` records as `result="error"` in
//! `function_calls_total`, beside `ok`, `panic` and `cancelled`.
//!
//! What `#[counted]` alone makes of a function, after `cargo expand` (the paths are those
//! of `tallymark::__private`):
//!
//! ```text
//! fn handle_request(method: Method, endpoint: Endpoint) -> Result<(), ServerError> {
//!     static __TALLYMARK_SITE: CountedSite = CountedSite::new(Callee {
//!         function: "handle_request",
//!         qualified: "handle_request",
//!         module: module_path!(),
//!         fallible: true,
//!         file: file!(),
//!         line: line!(),
//!     });
//!     inventory::submit! { SiteRegistration::Counted(&__TALLYMARK_SITE) }
//!     let __tallymark_guard = CallGuard::enter(&__TALLYMARK_SITE);
//!     let __tallymark_ret = call_once(move || -> Result<(), ServerError> {
//!         /* the body as written */
//!     });
//!     __tallymark_guard.finish(Outcome::of_return(&__tallymark_ret));
//!     __tallymark_ret
//! }
//! ```
//!
//! With a target and labels, the guard records into the series they name instead:
//! `#[counted(HTTP_REQUESTS_TOTAL, labels(method = method, endpoint = endpoint))]` adds
//! `let __tallymark_series = series(counted_target(&HTTP_REQUESTS_TOTAL),
//! HTTP_REQUESTS_TOTAL { method: known_label_value(&(method)), endpoint: .. });` before the
//! guard, which enters `&__tallymark_series`.

mod support;

use std::process::ExitCode;
use std::thread::sleep;
use std::time::Duration;

use tallymark::{
    counted, in_flight, metric, timed, CounterFamily, HistogramFamily, IntGauge, IntGaugeFamily,
    LabelValue,
};

/// Total HTTP requests.
#[metric(labels(method, endpoint))]
static HTTP_REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();

/// HTTP request latency in seconds.
#[metric(labels(endpoint), buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])]
static HTTP_REQUEST_DURATION_SECONDS: HistogramFamily<1> = HistogramFamily::new();

/// Requests being handled now.
#[metric]
static ACTIVE_REQUESTS: IntGauge = IntGauge::new();

/// Number of items in the processing queue.
#[metric(labels(queue_name))]
static QUEUE_DEPTH: IntGaugeFamily<1> = IntGaugeFamily::new();

/// The methods served: a known set, so a label of bounded cardinality.
#[derive(Clone, Copy, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    #[label("GET")]
    Get,
    #[label("POST")]
    Post,
}

/// The endpoints served.
#[derive(Clone, Copy, PartialEq, Eq, Hash, LabelValue)]
enum Endpoint {
    #[label("/api/users")]
    Users,
    #[label("/api/orders")]
    Orders,
}

/// A request that failed: the tutorial's status 500.
#[derive(Debug)]
struct ServerError;

/// Pretends to serve one request: 10–300 ms of work, and one in twenty fails.
#[counted]
#[counted(HTTP_REQUESTS_TOTAL, labels(method = method, endpoint = endpoint))]
#[timed(HTTP_REQUEST_DURATION_SECONDS, labels(endpoint = endpoint))]
#[in_flight(ACTIVE_REQUESTS)]
fn handle_request(method: Method, endpoint: Endpoint) -> Result<(), ServerError> {
    sleep(Duration::from_millis(fastrand::u64(10..=300)));
    if fastrand::u8(0..20) == 0 {
        return Err(ServerError);
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(_server) = support::serve_from_args("instrumented") else {
        return ExitCode::FAILURE;
    };
    loop {
        // A failed request is already counted as `result="error"`; nothing else to do.
        let _ = handle_request(Method::Get, Endpoint::Users);
        let _ = handle_request(Method::Post, Endpoint::Orders);
        QUEUE_DEPTH.labels(["email"]).set(fastrand::i64(0..=100));
        sleep(Duration::from_millis(100));
    }
}
