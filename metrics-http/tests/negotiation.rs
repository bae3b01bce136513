//! The server answers each scraper in the format it prefers, with exactly that format's
//! Content-Type, compressed when asked, and only the families asked for.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use prost::Message;
use tallymark_core::encoding::protobuf::model::MetricFamily;
use tallymark_core::{Counter, Descriptor, Gauge, Registry};
use tallymark_http::{serve_registry, ServerHandle};

const PROMETHEUS_2_42: &str = "application/openmetrics-text;version=1.0.0,\
    application/openmetrics-text;version=0.0.1;q=0.75,\
    text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const PROMETHEUS_2_42_NATIVE: &str = "application/vnd.google.protobuf;\
    proto=io.prometheus.client.MetricFamily;encoding=delimited,\
    application/openmetrics-text;version=1.0.0;q=0.8,\
    application/openmetrics-text;version=0.0.1;q=0.75,\
    text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

const JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs run.");
const DEPTH: Descriptor = Descriptor::new("queue_depth", "Queued jobs.");

const JOBS_TEXT: &str = "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 3\n";
const DEPTH_TEXT: &str =
    "# HELP queue_depth Queued jobs.\n# TYPE queue_depth gauge\nqueue_depth 7\n";

fn start() -> ServerHandle {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let jobs = Arc::new(Counter::new().described(&JOBS));
    jobs.inc_by(3);
    let depth = Arc::new(Gauge::new().described(&DEPTH));
    depth.set(7.0);
    registry.register(jobs).unwrap();
    registry.register(depth).unwrap();
    serve_registry("127.0.0.1:0", registry).unwrap()
}

struct Reply {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// GET `target` with extra request headers; the body is kept as bytes.
fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut conn = TcpStream::connect(addr).unwrap();
    let mut head = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let headers = head
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Reply {
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

#[test]
fn prometheus_2_42_gets_openmetrics() {
    let server = start();
    let reply = get(
        server.local_addr(),
        "/metrics",
        &[("Accept", PROMETHEUS_2_42)],
    );
    assert_eq!(reply.header("content-type"), Some(OPENMETRICS));
    let text = reply.text();
    assert!(
        text.starts_with("# TYPE jobs counter\n# HELP jobs Jobs run.\njobs_total 3\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "# TYPE queue_depth gauge\n# HELP queue_depth Queued jobs.\nqueue_depth 7\n# EOF\n"
        ),
        "{text}"
    );
    server.stop();
}

#[test]
fn prometheus_2_42_with_native_histograms_gets_protobuf() {
    let server = start();
    let reply = get(
        server.local_addr(),
        "/metrics",
        &[("Accept", PROMETHEUS_2_42_NATIVE)],
    );
    assert_eq!(reply.header("content-type"), Some(PROTOBUF));
    let mut body = &reply.body[..];
    let mut names = Vec::new();
    while !body.is_empty() {
        let family = MetricFamily::decode_length_delimited(&mut body).unwrap();
        names.push(family.name.unwrap());
    }
    assert_eq!(names, ["jobs_total", "queue_depth"]);
    server.stop();
}

#[test]
fn curl_without_accept_wildcards_and_garbage_get_text_0_0_4() {
    let server = start();
    for accept in [None, Some("*/*"), Some("garbage;;q=x"), Some("text/html")] {
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
        let reply = get(server.local_addr(), "/metrics", &headers);
        assert_eq!(reply.header("content-type"), Some(TEXT), "for {accept:?}");
        assert_eq!(reply.text(), format!("{JOBS_TEXT}{DEPTH_TEXT}"));
    }
    server.stop();
}

#[test]
fn the_highest_q_wins() {
    let server = start();
    let accept = "text/plain;version=0.0.4;q=0.2,application/openmetrics-text;version=1.0.0;q=0.9";
    let reply = get(server.local_addr(), "/metrics", &[("Accept", accept)]);
    assert_eq!(reply.header("content-type"), Some(OPENMETRICS));
    server.stop();
}

#[test]
fn gzip_is_used_when_accepted() {
    let server = start();
    let reply = get(
        server.local_addr(),
        "/metrics",
        &[("Accept-Encoding", "deflate, gzip;q=0.8")],
    );
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(reply.header("content-type"), Some(TEXT));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&reply.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, format!("{JOBS_TEXT}{DEPTH_TEXT}"));

    let plain = get(
        server.local_addr(),
        "/metrics",
        &[("Accept-Encoding", "gzip;q=0")],
    );
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.text(), format!("{JOBS_TEXT}{DEPTH_TEXT}"));
    server.stop();
}

#[test]
fn name_parameters_filter_families_in_every_format() {
    let server = start();
    let reply = get(server.local_addr(), "/metrics?name[]=queue_depth", &[]);
    assert_eq!(reply.text(), DEPTH_TEXT);
    let reply = get(
        server.local_addr(),
        "/metrics?name[]=queue_depth&name[]=jobs_total",
        &[("Accept", PROMETHEUS_2_42)],
    );
    assert!(reply.text().contains("jobs_total 3\n") && reply.text().contains("queue_depth 7\n"));
    let reply = get(
        server.local_addr(),
        "/metrics?name[]=nothing",
        &[("Accept", PROMETHEUS_2_42)],
    );
    assert_eq!(reply.text(), "# EOF\n");
    server.stop();
}
