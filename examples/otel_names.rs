//! Families named by OpenTelemetry's semantic conventions, with dots in metric and label
//! names, as Prometheus 3 reads them. A Prometheus 3 scrape asks for
//! `escaping=allow-utf-8` and gets the names as they are, quoted inside the braces:
//!
//! ```text
//! {"http.server.request.duration_bucket","http.request.method"="GET",le="0.1"} 3
//! ```
//!
//! A scraper of legacy names (Prometheus 2, or no `Accept` header) gets them escaped with
//! underscores: `http_server_request_duration_bucket{http_request_method="GET",le="0.1"}`.
//!
//! ```text
//! cargo run --example otel_names                          # serves 127.0.0.1:8000/metrics
//! cargo run --example otel_names -- --addr 127.0.0.1:9100
//! curl -s -H 'Accept: text/plain;version=1.0.0;escaping=allow-utf-8' 127.0.0.1:8000/metrics
//! ```
//!
//! The service's name and version go in `target_info`, as OpenTelemetry resource
//! attributes reach Prometheus.
//!
//! `#[metric(name = "...")]` takes any UTF-8 name. Label names declared by the attribute
//! are Rust identifiers, so families with dotted label names are built from a
//! `Descriptor`, which takes any, and registered at start.

mod support;

use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tallymark::{metric, Descriptor, GaugeFamily, HistogramFamily, IntGauge};

/// `http.server.request.duration`: time to serve a request, in seconds, by method, route
/// and status code.
static REQUEST_DURATION: HistogramFamily<3> = HistogramFamily::new().described(
    const {
        &Descriptor::new(
            "http.server.request.duration",
            "Duration of HTTP server requests, in seconds.",
        )
        .with_labels(&[
            "http.request.method",
            "http.route",
            "http.response.status_code",
        ])
        .with_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
    },
);

/// `db.client.connections.usage`: connections in the pool, by pool and state.
static CONNECTION_COUNT: GaugeFamily<2> = GaugeFamily::new().described(
    const {
        &Descriptor::new(
            "db.client.connections.usage",
            "The number of connections that are currently in the state described by the state attribute.",
        )
        .with_labels(&["db.client.connections.pool.name", "state"])
    },
);

/// Number of active HTTP server requests.
#[metric(name = "http.server.active_requests")]
static ACTIVE_REQUESTS: IntGauge = IntGauge::new();

/// Pretends to serve one request: 5–250 ms of work, and one in twenty fails.
fn handle_request(method: &str, route: &str) {
    let start = Instant::now();
    ACTIVE_REQUESTS.inc();
    sleep(Duration::from_millis(fastrand::u64(5..=250)));
    let status = if fastrand::u8(0..20) == 0 {
        "500"
    } else {
        "200"
    };
    REQUEST_DURATION
        .labels([method, route, status])
        .observe(start.elapsed().as_secs_f64());
    ACTIVE_REQUESTS.dec();
}

fn main() -> ExitCode {
    // What OpenTelemetry calls resource attributes: one `target_info` for the process.
    let target = [
        ("service.name", "otel_names"),
        ("service.version", env!("CARGO_PKG_VERSION")),
    ];
    if let Err(e) = tallymark::registry().set_target_info(&target) {
        eprintln!("otel_names: {e}");
        return ExitCode::FAILURE;
    }
    for family in [
        &REQUEST_DURATION as &'static dyn tallymark::Metric,
        &CONNECTION_COUNT,
    ] {
        if let Err(e) = tallymark::registry().register_static(family) {
            eprintln!("otel_names: {e}");
            return ExitCode::FAILURE;
        }
    }
    let Some(_server) = support::serve_from_args("otel_names") else {
        return ExitCode::FAILURE;
    };
    loop {
        handle_request("GET", "/api/users/{id}");
        handle_request("POST", "/api/orders");
        let idle = fastrand::i32(0..=10);
        CONNECTION_COUNT
            .labels(["orders", "idle"])
            .set(f64::from(idle));
        CONNECTION_COUNT
            .labels(["orders", "used"])
            .set(f64::from(10 - idle));
        sleep(Duration::from_millis(100));
    }
}
