//! The quickstart example scraped by a live Prometheus 2.42, asked through its HTTP API
//! what it ingested: once with the default scrape (OpenMetrics) and exemplar storage, once
//! with native histograms (protobuf).
//!
//! Each run uses free loopback ports, a 1 s scrape interval and a temporary storage
//! directory, deleted afterwards; every wait is bounded. The tests skip with a note when
//! `prometheus` is missing, and fail instead under `TALLYMARK_E2E=1`.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::{
    free_port, http, require_binary, url_encode, wait_up_to, ChildGuard, Example, TempDir,
};

/// The longest any one thing may take to show up in Prometheus.
const PATIENCE: Duration = Duration::from_secs(30);

/// A Prometheus scraping one target every second, killed and its storage deleted when
/// dropped (fields drop in order: the process first, then its directory).
struct Prometheus {
    process: ChildGuard,
    addr: SocketAddr,
    _storage: TempDir,
}

impl Prometheus {
    /// Starts Prometheus with `features` enabled, scraping `target` as job `app`, and waits
    /// until it is ready; `None` (after a skip note) when it is not installed.
    fn start(target: SocketAddr, features: &str) -> Option<Prometheus> {
        let binary = require_binary(&["prometheus"], "install the Debian package prometheus")?;
        let storage = TempDir::new("prometheus");
        let config = storage.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
                 scrape_configs:\n  \
                 - job_name: app\n    \
                 static_configs: [{{targets: ['{target}']}}]\n"
            ),
        )
        .expect("write prometheus.yml");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut command = Command::new(binary);
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                storage.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg(format!("--enable-feature={features}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut prometheus = Prometheus {
            process: ChildGuard::spawn("prometheus", &mut command),
            addr,
            _storage: storage,
        };
        wait_up_to(PATIENCE, "prometheus to become ready", || {
            prometheus.process.assert_running();
            http(addr, "GET", "/-/ready", None, b"").is_ok_and(|r| r.status == 200)
        });
        Some(prometheus)
    }

    /// GETs an API path with query parameters and returns its `data`.
    fn api(&mut self, path: &str, params: &[(&str, &str)]) -> Value {
        self.process.assert_running();
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        let target = format!("{path}?{}", query.join("&"));
        let reply = http(self.addr, "GET", &target, None, b"").expect("ask prometheus");
        assert_eq!(reply.status, 200, "GET {target}: {}", reply.body);
        let answer: Value = serde_json::from_str(&reply.body).expect("a JSON answer");
        assert_eq!(answer["status"], "success", "GET {target}: {answer}");
        answer["data"].clone()
    }

    /// The instant vector `promql` evaluates to.
    fn query(&mut self, promql: &str) -> Vec<Value> {
        let data = self.api("/api/v1/query", &[("query", promql)]);
        data["result"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until `promql` gives a non-empty vector whose sample values are all numbers
    /// (not NaN), and returns those values.
    fn await_numbers(&mut self, promql: &str) -> Vec<f64> {
        let mut numbers = Vec::new();
        wait_up_to(PATIENCE, &format!("`{promql}` to return numbers"), || {
            numbers = self
                .query(promql)
                .iter()
                .filter_map(|sample| sample["value"][1].as_str()?.parse::<f64>().ok())
                .collect();
            !numbers.is_empty() && numbers.iter().all(|n| !n.is_nan())
        });
        numbers
    }

    /// The app target, once it was scraped at least once.
    fn scraped_target(&mut self) -> Value {
        let mut target = Value::Null;
        wait_up_to(PATIENCE, "the app target to be scraped", || {
            let data = self.api("/api/v1/targets", &[]);
            target = data["activeTargets"][0].clone();
            target["health"] != "unknown" && !target.is_null()
        });
        target
    }
}

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
    let Some(mut prometheus) = Prometheus::start(quickstart.addr, "exemplar-storage") else {
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
    let Some(mut prometheus) = Prometheus::start(quickstart.addr, "native-histograms") else {
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
