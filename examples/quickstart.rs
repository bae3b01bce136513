//! The first program of the Python `prometheus_client` tutorial, in Rust: four families,
//! a `/metrics` server, and a loop of fake requests.
//!
//! ```text
//! cargo run --example quickstart                          # serves 127.0.0.1:8000/metrics
//! cargo run --example quickstart -- --addr 127.0.0.1:9100
//! ```

mod support;

use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tallymark::{metric, CounterFamily, HistogramFamily, IntGauge, IntGaugeFamily};

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

/// Pretends to serve one request: 10–300 ms of work, and one in twenty fails.
fn handle_request(method: &str, endpoint: &str) {
    let start = Instant::now();
    sleep(Duration::from_millis(fastrand::u64(10..=300)));
    let status = if fastrand::u8(0..20) == 0 { "500" } else { "200" };
    HTTP_REQUESTS_TOTAL.labels([method, endpoint, status]).inc();
    HTTP_REQUEST_DURATION_SECONDS
        .labels([endpoint])
        .observe(start.elapsed().as_secs_f64());
}

fn main() -> ExitCode {
    let Some(_server) = support::serve_from_args("quickstart") else {
        return ExitCode::FAILURE;
    };
    loop {
        handle_request("GET", "/api/users");
        handle_request("POST", "/api/orders");
        ACTIVE_CONNECTIONS.set(fastrand::i64(1..=50));
        QUEUE_DEPTH.labels(["email"]).set(fastrand::i64(0..=100));
        sleep(Duration::from_millis(100));
    }
}
