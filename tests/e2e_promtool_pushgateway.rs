//! The examples, run as real processes and judged by tools nobody here wrote:
//! `promtool check metrics`, a live Pushgateway (text and protobuf), and
//! `prometheus_client`'s text and OpenMetrics parsers.
//!
//! Each test skips with a note when its tool is missing, and fails instead under
//! `TALLYMARK_E2E=1`; see `support::require_binary`.

mod support;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use support::{
    example_binary, http, pipe_through, require_binary, require_python_module, ChildGuard, Example,
    HttpReply, Pushgateway, RawReply,
};

const TEXT_0_0_4: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The answer to [`OPENMETRICS`], which names no escaping: names escaped with underscores.
const OPENMETRICS_UNDERSCORES: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

fn quickstart_binary() -> std::path::PathBuf {
    example_binary("quickstart")
}

/// A quickstart process serving on a free loopback port, killed when dropped.
struct Quickstart(Example);

impl Quickstart {
    fn start() -> Quickstart {
        Quickstart(Example::start("quickstart"))
    }

    /// A 0.0.4 scrape that includes `http_requests_total` samples. The example records
    /// its fake requests in a loop, so the first scrape may come before the first request.
    fn scrape_with_requests(&mut self) -> String {
        let reply = self
            .0
            .scrape_once_it_has(TEXT_0_0_4, b"http_requests_total{");
        reply.text().to_owned()
    }

    /// A protobuf scrape, taken once a text scrape showed requests.
    fn scrape_protobuf(&mut self) -> RawReply {
        self.scrape_with_requests();
        self.0.scrape_once_it_has(PROTOBUF, b"http_requests_total")
    }
}

#[test]
fn promtool_accepts_the_quickstart_exposition() {
    let Some(promtool) = require_binary(&["promtool"], "install the Debian package prometheus")
    else {
        return;
    };
    let body = Quickstart::start().scrape_with_requests();
    let (status, said) = pipe_through(Command::new(promtool).args(["check", "metrics"]), &body);
    assert!(
        status.success(),
        "promtool check metrics exited with {status}:\n{said}\n--- exposition ---\n{body}"
    );
}

/// Pushing an exposition by hand, as the client library would.
impl Pushgateway {
    /// PUTs `body` as `content_type` under `job`, expecting 200, and returns how many
    /// `http_requests_total` series the gateway then holds for that job.
    fn push(&self, job: &str, content_type: &str, body: &[u8]) -> usize {
        let push = self.put(job, content_type, body);
        assert_eq!(
            push.status,
            200,
            "the pushgateway refused the {content_type} body: {}",
            String::from_utf8_lossy(&push.body)
        );
        let HttpReply { status, body: held } =
            http(self.addr, "GET", "/metrics", None, b"").expect("read back the pushgateway");
        assert_eq!(status, 200);
        let job_label = format!("job=\"{job}\"");
        held.lines()
            .filter(|l| l.starts_with("http_requests_total{") && l.contains(&job_label))
            .count()
    }
}

#[test]
fn pushgateway_ingests_the_quickstart_exposition() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let body = Quickstart::start().scrape_with_requests();
    let pushed = body
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .count();
    let stored = gateway.push("tallymark_e2e", TEXT_0_0_4, body.as_bytes());
    assert_eq!(
        stored, pushed,
        "series pushed vs held\n--- exposition ---\n{body}"
    );
}

#[test]
fn pushgateway_ingests_the_quickstart_protobuf() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let mut quickstart = Quickstart::start();
    let series = |text: String| {
        text.lines()
            .filter(|l| l.starts_with("http_requests_total{"))
            .count()
    };
    // The example only ever adds series, so text scrapes before and after bound how many
    // the protobuf body carries.
    let before = series(quickstart.scrape_with_requests());
    let reply = quickstart.scrape_protobuf();
    let after = series(quickstart.scrape_with_requests());
    assert_eq!(reply.header("content-type"), Some(PROTOBUF));
    let stored = gateway.push("tallymark_e2e_protobuf", PROTOBUF, &reply.body);
    assert!(
        (before.max(1)..=after).contains(&stored),
        "{stored} series held from protobuf; text scrapes around it had {before} and {after}"
    );
}

/// Runs `prometheus_client`'s strict OpenMetrics parser over `body` and returns how many
/// families it read, failing with the parser's complaint.
fn openmetrics_families(python: &std::path::Path, body: &str) -> usize {
    let script = "import sys\n\
                  from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse\n\
                  print(len(list(parse(sys.stdin.read()))))";
    let (status, said) = pipe_through(Command::new(python).args(["-c", script]), body);
    assert!(
        status.success(),
        "prometheus_client's OpenMetrics parser rejected the exposition:\n{said}\n--- exposition ---\n{body}"
    );
    said.trim().parse().expect("a family count")
}

#[test]
fn openmetrics_parser_accepts_every_example() {
    let Some(python) = require_python_module("prometheus_client", "pip install prometheus_client")
    else {
        return;
    };
    // Each example and a sample it writes once it has recorded something.
    let mut examples = vec![
        ("quickstart", "http_requests_total{"),
        ("custom_collector", "db_active_queries"),
    ];
    if std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/instrumented.rs")
        .is_file()
    {
        examples.push(("instrumented", "# EOF"));
    }
    for (name, sample) in examples {
        let mut example = Example::start(name);
        let reply = example.scrape_once_it_has(OPENMETRICS, sample.as_bytes());
        assert_eq!(
            reply.header("content-type"),
            Some(OPENMETRICS_UNDERSCORES),
            "{name}"
        );
        let body = reply.text();
        let families = openmetrics_families(&python, body);
        let type_lines = body.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(families, type_lines, "families parsed from {name}");
    }
}

#[test]
fn python_parser_finds_one_family_per_type_line() {
    let Some(python) = require_python_module("prometheus_client", "pip install prometheus_client")
    else {
        return;
    };
    let body = Quickstart::start().scrape_with_requests();
    let script = "import sys\n\
                  from prometheus_client.parser import text_string_to_metric_families as parse\n\
                  print(len(list(parse(sys.stdin.read()))))";
    let (status, said) = pipe_through(Command::new(python).args(["-c", script]), &body);
    assert!(
        status.success(),
        "prometheus_client rejected the exposition:\n{said}\n--- exposition ---\n{body}"
    );
    let type_lines = body.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!(said.trim(), type_lines.to_string(), "families parsed");
}

#[test]
fn quickstart_exits_with_an_error_naming_an_address_in_use() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let taken = holder.local_addr().expect("local address");
    let mut quickstart = ChildGuard::spawn(
        "quickstart",
        Command::new(quickstart_binary())
            .arg("--addr")
            .arg(taken.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut status = None;
    for _ in 0..100 {
        status = quickstart.try_wait();
        if status.is_some() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    let status = status.expect("quickstart kept running on an address already in use");
    let said = quickstart.read_output();
    assert!(!status.success(), "quickstart exited with {status}: {said}");
    assert!(
        said.contains(&format!("cannot listen on {taken}")),
        "the error does not name {taken}: {said}"
    );
    // Held until here so the port stays taken for as long as the quickstart could retry.
    drop(holder);
}
