//! The OTLP exporter sending to a loopback receiver (`support::receiver`) that records
//! each request and answers as the test says. Every recorded body is decoded by the
//! `opentelemetry-proto` package's Python classes, never by tallymark, and compared whole
//! with what the registry holds. Also the `batch_job` example's `--otlp`.
//!
//! Skips with a note without that Python package, and fails instead under
//! `TALLYMARK_E2E=1`.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support::otlp::{check_and_strip_times, OtlpJudge};
use support::receiver::{Answer, Captured, LoopbackReceiver};
use tallymark::otlp::{OtlpExporter, OtlpExporterBuilder, PushError};
use tallymark::{
    CounterFamily, Descriptor, Format, Gauge, GaugeFamily, Histogram, Info, NativeHistogram,
    Registry, StateSet, Summary,
};

const EXPORTER_COUNTERS: [&str; 3] = [
    "tallymark_otlp_data_points_total",
    "tallymark_otlp_requests_failed_total",
    "tallymark_otlp_requests_total",
];

fn unix_nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

const NATIVE_OBSERVATIONS: [f64; 5] = [3.0, 5.0, 20.0, 0.0, -3.0];

/// One family of every kind, and a UTF-8 dotted name.
fn job_registry() -> (&'static Registry, Arc<Summary>) {
    const REQUESTS: Descriptor =
        Descriptor::new("otlp_requests_total", "Requests served.").with_labels(&["path"]);
    const DEPTH: Descriptor =
        Descriptor::new("otlp_queue_depth_bytes", "Bytes waiting.").with_unit("bytes");
    const LATENCY: Descriptor =
        Descriptor::new("otlp_latency_seconds", "Time to answer.").with_buckets(&[0.5, 1.0]);
    const SIZES: Descriptor = Descriptor::new("otlp_sizes", "Sizes, natively.");
    const WAITS: Descriptor =
        Descriptor::new("otlp_wait_seconds", "Waits.").with_quantiles(&[0.5, 0.9]);
    const BUILD: Descriptor = Descriptor::new("otlp_build_info", "Build facts.");
    const PHASE: Descriptor = Descriptor::new("otlp_phase", "Lifecycle phase.");
    const POOL: Descriptor =
        Descriptor::new("db.client.connections.usage", "Connections.").with_labels(&["pool.name"]);
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let requests = Arc::new(CounterFamily::<1>::new().described(&REQUESTS));
    let depth = Arc::new(Gauge::new().described(&DEPTH));
    let latency = Arc::new(Histogram::new().described(&LATENCY));
    let sizes = Arc::new(NativeHistogram::new().with_schema(0).described(&SIZES));
    let waits = Arc::new(Summary::new().with_quantiles(&[0.5, 0.9]).described(&WAITS));
    let build = Arc::new(Info::new(&[("version", "1.2.3")]).described(&BUILD));
    let phase = Arc::new(StateSet::new(&["idle", "busy"]).described(&PHASE));
    let pool = Arc::new(GaugeFamily::<1>::new().described(&POOL));
    registry.register(requests.clone()).expect("register");
    registry.register(depth.clone()).expect("register");
    registry.register(latency.clone()).expect("register");
    registry.register(sizes.clone()).expect("register");
    registry.register(waits.clone()).expect("register");
    registry.register(build).expect("register");
    registry.register(phase.clone()).expect("register");
    registry.register(pool.clone()).expect("register");
    requests.labels(["/a"]).inc_by(3);
    requests.labels(["/b"]).inc();
    depth.set(4.5);
    for v in [0.25, 0.75, 2.0] {
        latency.observe(v);
    }
    for v in NATIVE_OBSERVATIONS {
        sizes.observe(v);
    }
    for v in [1.0, 2.0, 3.0, 4.0] {
        waits.observe(v);
    }
    phase.set("busy");
    pool.labels(["main"]).set(2.0);
    (registry, waits)
}

/// An exporter of `registry` to `endpoint` that waits an hour between regular sends, so
/// that every request after the first is a retry or a flush.
fn exporter(registry: &'static Registry, endpoint: &str) -> OtlpExporterBuilder {
    OtlpExporter::builder(endpoint)
        .registry(registry)
        .service_name("billing")
        .resource_attribute("deployment.environment.name", "test")
        .interval(Duration::from_secs(3600))
        .timeout(Duration::from_secs(5))
        .backoff(Duration::from_millis(20), Duration::from_millis(40))
}

/// The value of an unlabelled counter, 0 before it is registered.
fn count_now(registry: &Registry, name: &str) -> i64 {
    registry.sample_value(name, &[]).unwrap_or(0.0) as i64
}

/// When the OpenMetrics exposition says the series of `family` whose line holds `holding`
/// was created, in Unix nanoseconds, computed as the exporter must from the same seconds.
fn created_ns(openmetrics: &str, family: &str, holding: &str) -> u64 {
    (support::created_seconds(openmetrics, family, holding) * 1e9).round() as u64
}

/// The OTLP bucket index of a positive value at schema 0, from first principles: base 2,
/// OTLP bucket k holds (2^k, 2^(k+1)], so k = ceil(log2 v) - 1.
fn otlp_index(v: f64) -> i64 {
    v.log2().ceil() as i64 - 1
}

/// The dense OTLP buckets of `values` at schema 0: `{offset, bucket_counts}`.
fn dense(values: impl Iterator<Item = f64>) -> Value {
    let indices: Vec<i64> = values.map(otlp_index).collect();
    let Some(&offset) = indices.iter().min() else {
        return json!({"offset": 0, "bucket_counts": []});
    };
    let top = *indices.iter().max().expect("a maximum");
    let counts: Vec<u64> = (offset..=top)
        .map(|k| indices.iter().filter(|&&i| i == k).count() as u64)
        .collect();
    json!({"offset": offset, "bucket_counts": counts})
}

/// What the judge must read in a request of [`job_registry`], without times, the
/// exporter's counters holding `counts` (data points, failed, requests).
fn expected(waits: &Summary, counts: [i64; 3]) -> Value {
    let point = |attributes: Value, rest: Value| {
        let mut point = json!({ "attributes": attributes });
        for (key, value) in rest.as_object().expect("an object") {
            point[key] = value.clone();
        }
        point
    };
    let number = |name: &str, help: &str, unit: &str, kind: &str, points: Vec<Value>| {
        let mut metric = json!({
            "name": name, "description": help, "unit": unit, "type": kind, "points": points,
        });
        if kind == "sum" {
            metric["temporality"] = json!("AGGREGATION_TEMPORALITY_CUMULATIVE");
            metric["is_monotonic"] = json!(true);
        }
        metric
    };
    let native = |positive: bool| {
        dense(
            NATIVE_OBSERVATIONS
                .into_iter()
                .filter(move |v| if positive { *v > 0.0 } else { *v < 0.0 })
                .map(f64::abs),
        )
    };
    let snapshot = waits.snapshot();
    let quantiles: Vec<Value> = snapshot
        .quantiles
        .iter()
        .map(|&(q, v)| json!([q, v]))
        .collect();
    let exporter_counter = |name: &str, help: &str, value: i64| {
        number(
            name,
            help,
            "",
            "sum",
            vec![point(json!([]), json!({"as_int": value}))],
        )
    };
    json!({
        "resource": [
            ["service.name", "billing"],
            ["deployment.environment.name", "test"],
        ],
        "scopes": [{
            "name": "tallymark",
            "version": env!("CARGO_PKG_VERSION"),
            "metrics": [
                number("db.client.connections.usage", "Connections.", "", "gauge", vec![
                    point(json!([["pool.name", "main"]]), json!({"as_double": 2.0})),
                ]),
                number("otlp_build_info", "Build facts.", "", "gauge", vec![
                    point(json!([["version", "1.2.3"]]), json!({"as_int": 1})),
                ]),
                {
                    "name": "otlp_latency_seconds", "description": "Time to answer.",
                    "unit": "", "type": "histogram",
                    "temporality": "AGGREGATION_TEMPORALITY_CUMULATIVE",
                    "points": [point(json!([]), json!({
                        "count": 3, "sum": 3.0,
                        "bucket_counts": [1, 1, 1], "explicit_bounds": [0.5, 1.0],
                    }))],
                },
                number("otlp_phase", "Lifecycle phase.", "", "gauge", vec![
                    point(json!([["otlp_phase", "idle"]]), json!({"as_int": 0})),
                    point(json!([["otlp_phase", "busy"]]), json!({"as_int": 1})),
                ]),
                number("otlp_queue_depth_bytes", "Bytes waiting.", "bytes", "gauge", vec![
                    point(json!([]), json!({"as_double": 4.5})),
                ]),
                number("otlp_requests_total", "Requests served.", "", "sum", vec![
                    point(json!([["path", "/a"]]), json!({"as_int": 3})),
                    point(json!([["path", "/b"]]), json!({"as_int": 1})),
                ]),
                {
                    "name": "otlp_sizes", "description": "Sizes, natively.",
                    "unit": "", "type": "exponential_histogram",
                    "temporality": "AGGREGATION_TEMPORALITY_CUMULATIVE",
                    "points": [point(json!([]), json!({
                        "count": NATIVE_OBSERVATIONS.len(),
                        "sum": NATIVE_OBSERVATIONS.iter().sum::<f64>(),
                        "scale": 0,
                        "zero_count": 1,
                        "zero_threshold": NativeHistogram::new().view().zero_threshold(),
                        "positive": native(true),
                        "negative": native(false),
                    }))],
                },
                {
                    "name": "otlp_wait_seconds", "description": "Waits.",
                    "unit": "", "type": "summary",
                    "points": [point(json!([]), json!({
                        "count": 4, "sum": 10.0, "quantiles": quantiles,
                    }))],
                },
                exporter_counter(
                    "tallymark_otlp_data_points_total",
                    "Data points in OTLP export requests the receiver accepted.",
                    counts[0],
                ),
                exporter_counter(
                    "tallymark_otlp_requests_failed_total",
                    "OTLP export requests that failed: receiver unreachable, no answer in \
                     time, or an answer other than 2xx.",
                    counts[1],
                ),
                exporter_counter(
                    "tallymark_otlp_requests_total",
                    "OTLP export requests the receiver accepted.",
                    counts[2],
                ),
            ],
        }],
    })
}

fn counts_now(registry: &Registry) -> [i64; 3] {
    EXPORTER_COUNTERS.map(|name| count_now(registry, name))
}

fn assert_sent(request: &Captured, path: &str, encoding: &[&str]) {
    assert_eq!(request.request_line, format!("POST {path} HTTP/1.1"));
    assert_eq!(request.header("content-type"), ["application/x-protobuf"]);
    assert_eq!(request.header("content-encoding"), encoding);
}

#[test]
fn every_kind_of_family_reaches_the_receiver_as_declared() {
    let Some(judge) = OtlpJudge::new() else {
        return;
    };
    let _one = support::one_sender_at_a_time();
    let before = unix_nanos_now();
    let (registry, waits) = job_registry();
    let receiver = LoopbackReceiver::start(vec![Answer::status(200)]);
    let exporter = exporter(registry, &receiver.base_url())
        .start()
        .expect("start");
    let first = receiver.await_requests(1).remove(0);
    let after = unix_nanos_now();
    exporter.stop();
    assert_sent(&first, "/v1/metrics", &[]);

    let mut exposition = Vec::new();
    registry.encode_as(Format::OpenMetrics, &mut exposition);
    let om = String::from_utf8(exposition).expect("UTF-8");
    let starts = [
        (
            "otlp_requests_total",
            "/a",
            created_ns(&om, "otlp_requests", "path=\"/a\""),
        ),
        (
            "otlp_requests_total",
            "/b",
            created_ns(&om, "otlp_requests", "path=\"/b\""),
        ),
        (
            "otlp_latency_seconds",
            "",
            created_ns(&om, "otlp_latency_seconds", ""),
        ),
        (
            "otlp_wait_seconds",
            "",
            created_ns(&om, "otlp_wait_seconds", ""),
        ),
    ];
    let decoded = check_and_strip_times(judge.decode(&first), before, after, &starts);
    // Earlier tests' exporters counted into the same process-wide counters.
    let sent = counts_sent(&decoded);
    assert_eq!(decoded, expected(&waits, sent));
    // Once accepted, the request counts, and so do its points: one per series, the
    // exporter's own three included.
    assert_eq!(counts_now(registry), plus(sent, 13, 0, 1));
}

/// The exporter's counters as a decoded request carries them.
fn counts_sent(decoded: &Value) -> [i64; 3] {
    let metrics = decoded["scopes"][0]["metrics"].as_array().expect("metrics");
    EXPORTER_COUNTERS.map(|name| {
        metrics
            .iter()
            .find(|m| m["name"] == name)
            .and_then(|m| m["points"][0]["as_int"].as_i64())
            .unwrap_or_else(|| panic!("no {name} in the request"))
    })
}

fn plus(counts: [i64; 3], points: i64, failed: i64, requests: i64) -> [i64; 3] {
    [counts[0] + points, counts[1] + failed, counts[2] + requests]
}

/// A registry with one counter, for the tests about sending rather than content.
fn small_registry() -> &'static Registry {
    const JOBS: Descriptor = Descriptor::new("otlp_jobs_total", "Jobs run.");
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let jobs = Arc::new(tallymark::Counter::new().described(&JOBS));
    registry.register(jobs.clone()).expect("register");
    jobs.inc_by(7);
    registry
}

/// The `otlp_jobs_total` value a decoded request carries.
fn jobs_sent(decoded: &Value) -> Value {
    let metrics = decoded["scopes"][0]["metrics"].as_array().expect("metrics");
    let jobs = metrics
        .iter()
        .find(|m| m["name"] == "otlp_jobs_total")
        .expect("otlp_jobs_total in the request");
    jobs["points"][0]["as_int"].clone()
}

#[cfg(feature = "gzip")]
#[test]
fn a_gzip_body_says_so_and_decodes() {
    let Some(judge) = OtlpJudge::new() else {
        return;
    };
    let _one = support::one_sender_at_a_time();
    let registry = small_registry();
    let receiver = LoopbackReceiver::start(vec![Answer::status(200)]);
    let exporter = exporter(registry, &receiver.base_url())
        .gzip()
        .start()
        .expect("start");
    // The first send, at once, then a flush: two requests.
    receiver.await_requests(1);
    exporter.flush().expect("flush");
    exporter.stop();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2, "the first send and the flush");
    for request in &requests {
        assert_sent(request, "/v1/metrics", &["gzip"]);
        // Not the protobuf itself: gzip's magic bytes.
        assert_eq!(request.body[..2], [0x1f, 0x8b]);
        assert_eq!(jobs_sent(&judge.decode(request)), json!(7));
    }
}

#[test]
fn the_endpoint_may_end_in_the_metrics_path_or_be_prometheus_s_receiver() {
    let _one = support::one_sender_at_a_time();
    let registry = small_registry();
    let receiver = LoopbackReceiver::start(vec![Answer::status(200)]);
    for (at, (path, sent_to)) in [
        ("", "/v1/metrics"),
        ("/", "/v1/metrics"),
        ("/v1/metrics", "/v1/metrics"),
        ("/api/v1/otlp", "/api/v1/otlp/v1/metrics"),
    ]
    .into_iter()
    .enumerate()
    {
        let endpoint = format!("{}{path}", receiver.base_url());
        let exporter = exporter(registry, &endpoint).start().expect("start");
        receiver.await_requests(2 * at + 1);
        exporter.flush().expect("flush");
        exporter.stop();
        let requests = receiver.requests();
        assert_eq!(requests.len(), 2 * at + 2, "a first send and a flush each");
        for request in &requests[2 * at..] {
            assert_sent(request, sent_to, &[]);
        }
    }
}

#[test]
fn unavailable_and_too_many_requests_are_retried_with_a_fresh_snapshot() {
    let Some(judge) = OtlpJudge::new() else {
        return;
    };
    let _one = support::one_sender_at_a_time();
    let registry = small_registry();
    let receiver = LoopbackReceiver::start(vec![
        Answer::status(503),
        Answer::status(429),
        Answer::status(200),
    ]);
    let exporter = exporter(registry, &receiver.base_url())
        .start()
        .expect("start");
    let requests = receiver.await_requests(3);
    // The backoff is at most 40 ms; with the receiver answering 200 now, the next send is
    // an hour away.
    std::thread::sleep(Duration::from_millis(300));
    exporter.stop();
    assert_eq!(receiver.requests().len(), 3, "no send after the success");
    let counts: Vec<[i64; 3]> = requests
        .iter()
        .map(|request| counts_sent(&judge.decode(request)))
        .collect();
    // Each retry is a new snapshot: it carries the failures before it.
    let first = counts[0];
    assert_eq!(counts, [first, plus(first, 0, 1, 0), plus(first, 0, 2, 0)]);
    assert_eq!(counts_now(registry), plus(first, 4, 2, 1));
}

#[test]
fn a_bad_request_is_not_retried_and_flush_reports_it() {
    let _one = support::one_sender_at_a_time();
    let registry = small_registry();
    let receiver = LoopbackReceiver::start(vec![Answer {
        status: 400,
        headers: Vec::new(),
        body: "bad metric".to_owned(),
    }]);
    let endpoint = receiver.base_url();
    let exporter = exporter(registry, &endpoint).start().expect("start");
    receiver.await_requests(1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.requests().len(), 1, "a 400 is not retried");
    let error = exporter.flush().expect_err("the receiver refuses");
    exporter.stop();
    match &error {
        PushError::Status { url, status, body } => {
            assert_eq!(
                (url.as_str(), *status, body.as_str()),
                (format!("{endpoint}/v1/metrics").as_str(), 400, "bad metric")
            );
        }
        other => panic!("not a status error: {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!("{endpoint}/v1/metrics answered 400: bad metric")
    );
    assert_eq!(receiver.requests().len(), 2, "the first send and the flush");
}

#[test]
fn an_unusable_endpoint_is_an_error_naming_it() {
    for (endpoint, reason) in [
        ("collector:4318", "the URL must start with http://"),
        (
            "https://collector:4318",
            "only http:// is supported; reach an https endpoint through a local TLS proxy",
        ),
    ] {
        let error = OtlpExporter::builder(endpoint)
            .registry(small_registry())
            .start()
            .expect_err("an unusable endpoint");
        assert_eq!(
            error.to_string(),
            format!("invalid URL `{endpoint}`: {reason}")
        );
    }
}

/// Runs the `batch_job` example with `args`; its exit code, stdout and stderr.
fn batch_job(args: &[&str]) -> (Option<i32>, String, String) {
    support::run_example("batch_job", args)
}

#[test]
fn batch_job_example_exports_its_series_by_otlp() {
    let Some(judge) = OtlpJudge::new() else {
        return;
    };
    let receiver = LoopbackReceiver::start(vec![Answer::status(200)]);
    let endpoint = receiver.base_url();
    let (code, stdout, stderr) = batch_job(&["--otlp", &endpoint, "--instance", "otlp-box"]);
    assert_eq!(code, Some(0), "stdout: {stdout}\nstderr: {stderr}");
    let records: i64 = stdout
        .strip_prefix("Processed ")
        .and_then(|rest| rest.split_once(' '))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no record count in {stdout:?}"));
    assert_eq!(
        stdout,
        format!("Processed {records} records; exported by OTLP to {endpoint}\n")
    );
    // The exporter's first send and its flush, or only one of them when the flush came
    // before the first send started: the last is the flush's.
    let requests = receiver.requests();
    assert!(
        (1..=2).contains(&requests.len()),
        "{} requests",
        requests.len()
    );
    let decoded = judge.decode(&requests[requests.len() - 1]);
    assert_eq!(
        decoded["resource"],
        json!([
            ["service.name", "batch_job"],
            ["service.instance.id", "otlp-box"]
        ])
    );
    let metrics = decoded["scopes"][0]["metrics"].as_array().expect("metrics");
    let processed = metrics
        .iter()
        .find(|m| m["name"] == "batch_job_records_processed")
        .expect("batch_job_records_processed in the request");
    assert_eq!(processed["type"], "gauge");
    assert_eq!(processed["points"][0]["as_int"], json!(records));
    assert_eq!(
        processed["description"],
        "Records the last run of the batch job processed."
    );
}

#[test]
fn batch_job_example_fails_clearly_when_the_export_does() {
    let port = support::free_port();
    let closed = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = batch_job(&["--otlp", &closed]);
    assert_eq!(code, Some(1), "stdout: {stdout}\nstderr: {stderr}");
    let prefix = format!("batch_job: OTLP export failed: cannot reach {closed}/v1/metrics: ");
    assert!(stderr.starts_with(&prefix), "{stderr}");
    assert_eq!(stdout, "");

    let (code, stdout, stderr) = batch_job(&["--otlp", "collector:4318"]);
    assert_eq!(code, Some(1), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(
        stderr,
        "batch_job: OTLP export failed: invalid URL `collector:4318`: \
         the URL must start with http://\n"
    );
}
