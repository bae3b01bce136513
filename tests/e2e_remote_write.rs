//! The remote-write client against a real Prometheus started with
//! `--web.enable-remote-write-receiver`: what it sends comes back from `/api/v1/query`,
//! and when Prometheus goes away and comes back on the same storage, the client recovers
//! and later values arrive.
//!
//! Skips with a note without `prometheus`, and fails instead under `TALLYMARK_E2E=1`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{wait_up_to, Prometheus, PATIENCE};
use tallymark::remote_write::{PushError, RemoteWriter};
use tallymark::{Counter, Descriptor, Registry};

/// How many requests the registry's own exposition says failed.
fn failed_requests(registry: &Registry) -> f64 {
    registry
        .render()
        .lines()
        .find_map(|l| l.strip_prefix("tallymark_remote_write_requests_failed_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn remote_written_samples_arrive_and_survive_a_receiver_restart() {
    let Some(mut prometheus) = Prometheus::receiving_remote_writes() else {
        return;
    };
    const EVENTS: Descriptor = Descriptor::new("rw_test_events_total", "Events seen.");
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let events = Arc::new(Counter::new().described(&EVENTS));
    registry.register(events.clone()).expect("register");
    events.inc_by(5);

    let writer = RemoteWriter::builder(&format!("http://{}/api/v1/write", prometheus.addr))
        .registry(registry)
        .label("job", "rw_test")
        .label("instance", "test-1")
        .interval(Duration::from_millis(500))
        .timeout(Duration::from_secs(2))
        .backoff(Duration::from_millis(100), Duration::from_millis(800))
        .start()
        .expect("start the writer");
    let query = r#"rw_test_events_total{job="rw_test",instance="test-1"}"#;
    wait_up_to(PATIENCE, "the first value to arrive", || {
        prometheus.numbers(query) == [5.0]
    });

    prometheus.kill();
    events.inc_by(2);
    wait_up_to(PATIENCE, "the writer to count a failed request", || {
        failed_requests(registry) >= 2.0
    });
    let refused = writer.flush().expect_err("nothing listens");
    assert!(matches!(refused, PushError::Connection { .. }), "{refused}");

    prometheus.restart();
    events.inc_by(2);
    wait_up_to(PATIENCE, "a value sent after the restart to arrive", || {
        prometheus.numbers(query) == [9.0]
    });
    // The outage itself arrives too, through the writer's own counters.
    let failures =
        prometheus.await_numbers(r#"tallymark_remote_write_requests_failed_total{job="rw_test"}"#);
    assert!(failures[0] >= 2.0, "{failures:?}");
    writer.flush().expect("a flush once the receiver is back");
    writer.stop();
}
