//! The remote-write client against a real Prometheus started with
//! `--web.enable-remote-write-receiver`: what it sends comes back from `/api/v1/query`,
//! and when Prometheus goes away and comes back on the same storage, the client recovers
//! and later values arrive; a 2.0 writer, which this Prometheus (2.42) does not read,
//! falls back to 1.0 and gets through. Also the `batch_job` example's `--remote-write`: 1.0 into that
//! Prometheus, 2.0 into a loopback receiver (`support::remote_write`) whose requests
//! Python's protobuf runtime decodes.
//!
//! Skips with a note without `prometheus` or those Python modules, and fails instead
//! under `TALLYMARK_E2E=1`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::remote_write::{
    assert_sent_as, Answer, LoopbackReceiver, RemoteWriteJudge, V2_CONTENT_TYPE,
};
use support::{run_example, wait_up_to, Prometheus, PATIENCE};
use tallymark::remote_write::{PushError, RemoteWriteVersion, RemoteWriter};
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

#[test]
fn batch_job_example_remote_writes_its_series_to_prometheus() {
    let Some(mut prometheus) = Prometheus::receiving_remote_writes() else {
        return;
    };
    let url = format!("http://{}/api/v1/write", prometheus.addr);
    let (code, stdout, stderr) = batch_job(&["--remote-write", &url, "--instance", "rw-box"]);
    assert_eq!(code, Some(0), "{stderr}");
    let records = records_remote_written(&stdout, &url);
    let query = r#"batch_job_records_processed{job="batch_job",instance="rw-box"}"#;
    assert_eq!(prometheus.await_numbers(query), [records]);
}

#[test]
fn a_2_0_writer_reaches_a_prometheus_that_reads_only_1_0_by_falling_back() {
    let Some(mut prometheus) = Prometheus::receiving_remote_writes() else {
        return;
    };
    const EVENTS: Descriptor = Descriptor::new("rw_fallback_events_total", "Events seen.");
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let events = Arc::new(Counter::new().described(&EVENTS));
    registry.register(events.clone()).expect("register");
    events.inc_by(7);
    let writer = RemoteWriter::builder(&format!("http://{}/api/v1/write", prometheus.addr))
        .registry(registry)
        .label("job", "rw_fallback")
        .protocol(RemoteWriteVersion::V2)
        .interval(Duration::from_secs(3600))
        .start()
        .expect("start the writer");
    writer.flush().expect("the 1.0 request is accepted");
    writer.stop();
    let query = r#"rw_fallback_events_total{job="rw_fallback"}"#;
    assert_eq!(prometheus.await_numbers(query), [7.0]);
}

/// Runs the `batch_job` example with `args`; its exit code, stdout and stderr.
fn batch_job(args: &[&str]) -> (Option<i32>, String, String) {
    run_example("batch_job", args)
}

/// The record count the example's one line of output says it remote-wrote to `url`.
fn records_remote_written(stdout: &str, url: &str) -> f64 {
    stdout
        .strip_prefix("Processed ")
        .and_then(|rest| rest.strip_suffix(&format!(" records; remote-wrote to {url}\n")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {stdout}"))
}

#[test]
fn batch_job_example_remote_writes_2_0_with_version_2() {
    let Some(judge) = RemoteWriteJudge::new() else {
        return;
    };
    let receiver = LoopbackReceiver::start(vec![Answer::written(6)]);
    let url = receiver.url();
    let (code, stdout, stderr) = batch_job(&[
        "--remote-write",
        &url,
        "--remote-write-version",
        "2",
        "--instance",
        "box-2",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let records = records_remote_written(&stdout, &url);

    // The writer's first snapshot and the flush may be one request or two, depending on
    // which its thread sees first; the last is the flush's.
    let requests = receiver.requests();
    assert!((1..=2).contains(&requests.len()), "{}", requests.len());
    let last = requests.last().expect("a request");
    assert_sent_as(last, V2_CONTENT_TYPE, "2.0.0");
    let decoded = judge.decode("2", last);
    let got: Vec<String> = (decoded.series.iter())
        .map(|s| {
            let labels: Vec<String> = (s.labels.iter()).map(|(n, v)| format!("{n}={v}")).collect();
            format!("{} {}", labels.join(","), s.kind)
        })
        .collect();
    let gauge = "instance=box-2,job=batch_job METRIC_TYPE_GAUGE";
    let counter = "instance=box-2,job=batch_job METRIC_TYPE_COUNTER";
    assert_eq!(
        got,
        [
            format!("__name__=batch_job_duration_seconds,{gauge}"),
            format!("__name__=batch_job_last_success_timestamp_seconds,{gauge}"),
            format!("__name__=batch_job_records_processed,{gauge}"),
            format!("__name__=tallymark_remote_write_requests_failed_total,{counter}"),
            format!("__name__=tallymark_remote_write_requests_total,{counter}"),
            format!("__name__=tallymark_remote_write_samples_total,{counter}"),
        ]
    );
    assert_eq!(decoded.series[2].value, records);
}

#[test]
fn batch_job_example_names_a_bad_remote_write_version_and_a_failed_write() {
    let (code, stdout, stderr) =
        batch_job(&["--remote-write", "http://x/", "--remote-write-version", "3"]);
    assert_eq!((code, stdout.as_str()), (Some(1), ""));
    assert_eq!(
        stderr,
        "batch_job: `--remote-write-version 3`: the version is 1 or 2; usage: batch_job \
         [--pushgateway URL] [--textfile PATH] [--remote-write URL [--remote-write-version 1|2]] \
         [--otlp URL] [--instance NAME] [--emit rules|dashboard|reference]\n"
    );

    let receiver = LoopbackReceiver::start(vec![Answer::status(400)]);
    let url = receiver.url();
    let (code, stdout, stderr) = batch_job(&["--remote-write", &url]);
    assert_eq!((code, stdout.as_str()), (Some(1), ""));
    assert_eq!(
        stderr,
        format!("batch_job: remote write failed: {url} answered 400: \n")
    );
}
