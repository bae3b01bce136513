//! The quickstart example scraped by a live Prometheus 2.42, asked through its HTTP API
//! what it ingested: once with the default scrape (OpenMetrics) and exemplar storage, once
//! with native histograms (protobuf). And histograms with classic and native buckets
//! together, served from this test, with native histograms and classic buckets both kept.
//!
//! Each run uses free loopback ports, a 1 s scrape interval and a temporary storage
//! directory, deleted afterwards; every wait is bounded. The tests skip with a note when
//! `prometheus` is missing, and fail instead under `TALLYMARK_E2E=1`.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use tallymark::{metric, timed, Histogram};

use support::{wait_up_to, Example, Prometheus, PATIENCE};

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `/api/v1/targets/metadata` shows each family of the example with its type, HELP and
/// unit, as the OpenMetrics scrape declared them.
fn assert_metadata(prometheus: &mut Prometheus) {
    let metadata = prometheus.api(
        "/api/v1/targets/metadata",
        &[("match_target", "{job=\"app\"}")],
    );
    let metadata: BTreeMap<String, (String, String, String)> = metadata
        .as_array()
        .expect("a metadata list")
        .iter()
        .map(|m| {
            let field = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
            (
                field("metric"),
                (field("type"), field("help"), field("unit")),
            )
        })
        .collect();
    let expected = [
        // OpenMetrics names a counter's family without `_total`.
        ("http_requests", "counter", "Total HTTP requests.", ""),
        (
            "http_request_duration_seconds",
            "histogram",
            "HTTP request latency in seconds.",
            "seconds",
        ),
        (
            "active_connections",
            "gauge",
            "Number of active connections.",
            "",
        ),
        (
            "queue_depth",
            "gauge",
            "Number of items in the processing queue.",
            "",
        ),
        (
            "request_size_bytes",
            "summary",
            "HTTP request body size in bytes.",
            "bytes",
        ),
        (
            "http_response_size_bytes",
            "histogram",
            "HTTP response body size in bytes, in native histogram buckets.",
            "bytes",
        ),
        (
            "tallymark_example_build",
            "info",
            "Facts about this build of the example.",
            "",
        ),
        (
            "tallymark_example_state",
            "stateset",
            "Whether the example is still starting or already serving.",
            "",
        ),
    ];
    for (metric, kind, help, unit) in expected {
        let want = (kind.to_owned(), help.to_owned(), unit.to_owned());
        assert_eq!(
            metadata.get(metric),
            Some(&want),
            "metadata of {metric}: {metadata:?}"
        );
    }
}

/// `/api/v1/query_exemplars` returns the example's made-up trace ids.
fn assert_exemplars(prometheus: &mut Prometheus) {
    let end = unix_now() + 1;
    let (start, end) = ((end - 120).to_string(), end.to_string());
    let mut trace_ids = Vec::new();
    wait_up_to(PATIENCE, "an exemplar of http_requests_total", || {
        let data = prometheus.api(
            "/api/v1/query_exemplars",
            &[
                ("query", "http_requests_total"),
                ("start", &start),
                ("end", &end),
            ],
        );
        trace_ids = data
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["labels"]["trace_id"].as_str().map(str::to_owned))
            .collect();
        !trace_ids.is_empty()
    });
    assert!(
        trace_ids
            .iter()
            .all(|id| id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit())),
        "{trace_ids:?}"
    );
}

#[test]
fn prometheus_ingests_the_openmetrics_scrape_with_metadata_and_exemplars() {
    let quickstart = Example::start("quickstart");
    let Some(mut prometheus) = Prometheus::scraping(quickstart.addr, "exemplar-storage") else {
        return;
    };
    let target = prometheus.scraped_target();
    assert_eq!(target["health"], "up", "{target}");
    assert_eq!(target["lastError"], "", "{target}");
    assert_eq!(prometheus.await_numbers("up{job=\"app\"}"), [1.0]);

    // Rates need two scrapes of a series, so this also waits for the second scrape.
    let rates = prometheus.await_numbers("rate(http_requests_total[5s])");
    assert!(rates.iter().all(|r| *r >= 0.0), "{rates:?}");

    // The fake requests take 10–300 ms, well inside the buckets' 0.01–5 range.
    let quantiles = prometheus.await_numbers(
        "histogram_quantile(0.9, sum by (le, endpoint) (rate(http_request_duration_seconds_bucket[10s])))",
    );
    assert!(
        quantiles.iter().all(|q| (0.01..=5.0).contains(q)),
        "{quantiles:?}"
    );

    assert_metadata(&mut prometheus);
    assert_exemplars(&mut prometheus);
    drop(quickstart);
}

#[test]
fn prometheus_with_native_histograms_scrapes_protobuf() {
    let quickstart = Example::start("quickstart");
    let Some(mut prometheus) = Prometheus::scraping(quickstart.addr, "native-histograms") else {
        return;
    };
    let target = prometheus.scraped_target();
    assert_eq!(target["health"], "up", "{target}");
    assert_eq!(target["lastError"], "", "{target}");

    // Only a protobuf scrape carries native buckets; the example's sizes are 200–20000.
    let medians =
        prometheus.await_numbers("histogram_quantile(0.5, rate(http_response_size_bytes[10s]))");
    assert!(
        medians.iter().all(|m| (150.0..=25_000.0).contains(m)),
        "{medians:?}"
    );
    let native = prometheus.query("http_response_size_bytes");
    assert!(
        native.iter().all(|s| s.get("histogram").is_some()),
        "not stored as a native histogram: {native:?}"
    );
    // The classic families still arrive through protobuf.
    assert!(!prometheus
        .await_numbers("rate(http_requests_total[5s])")
        .is_empty());
    drop(quickstart);
}

/// Waits observed with known values, in classic and native buckets.
#[metric]
static E2E_WAIT_SECONDS: Histogram = Histogram::with_buckets(&[0.1, 1.0]).with_native(3);

/// Its durations go to the default family, which under `protobuf` keeps both kinds.
#[timed]
fn timed_twice_over() {}

#[test]
fn prometheus_reads_classic_and_native_buckets_of_one_histogram() {
    for v in [0.0625, 0.25, 0.375, 1.0, 1.0, 3.0, -2.0, 0.0] {
        E2E_WAIT_SECONDS.observe(v);
    }
    for _ in 0..5 {
        timed_twice_over();
    }
    let server = tallymark::serve("127.0.0.1:0").expect("serve the test's metrics");
    let Some((mut prometheus, keeps_classic)) =
        Prometheus::scraping_classic_and_native(server.local_addr())
    else {
        return;
    };
    let target = prometheus.scraped_target();
    assert_eq!(target["health"], "up", "{target}");
    assert_eq!(target["lastError"], "", "{target}");

    // The native histograms: their count and sum, taken from the protobuf scrape.
    assert_eq!(
        prometheus.await_numbers("histogram_count(e2e_wait_seconds)"),
        [8.0]
    );
    assert_eq!(
        prometheus.await_numbers("histogram_sum(e2e_wait_seconds)"),
        [3.6875]
    );
    let timed = "function_calls_duration_seconds{function=\"timed_twice_over\"}";
    assert_eq!(
        prometheus.await_numbers(&format!("histogram_count({timed})")),
        [5.0]
    );

    // The classic buckets: -2, 0 and 2^-4 are at most 0.1, both 1s, 2^-2 and 0.375 at
    // most 1; 3 only in `+Inf`. An empty function takes less than 10 s. Prometheus 2.x
    // spells a protobuf bound `1.0`, text scrapes and 3.x may spell it `1`.
    if !keeps_classic {
        // This version keeps only the native histogram of a protobuf scrape; the classic
        // buckets are asked of a second Prometheus, which scrapes OpenMetrics text.
        let _ = writeln!(
            std::io::stderr(),
            "note: this prometheus cannot keep classic buckets beside native ones \
             (scrape_classic_histograms is 2.45+); checking them through a text scrape"
        );
        let Some(text) = Prometheus::scraping(server.local_addr(), "exemplar-storage") else {
            return;
        };
        prometheus = text;
    }
    let bucket = |le: &str| format!("e2e_wait_seconds_bucket{{le=~\"{le}\"}}");
    assert_eq!(prometheus.await_numbers(&bucket("0.1")), [3.0]);
    assert_eq!(prometheus.await_numbers(&bucket("1|1.0")), [7.0]);
    assert_eq!(prometheus.await_numbers(&bucket("[+]Inf")), [8.0]);
    let timed_bucket = "function_calls_duration_seconds_bucket\
        {function=\"timed_twice_over\", le=~\"10|10.0\"}";
    assert_eq!(prometheus.await_numbers(timed_bucket), [5.0]);
    server.stop();
}
