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
const OPENMETRICS: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
/// Prometheus 3's default scrape, as FORMATS.md gives it.
const PROMETHEUS_3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
    application/openmetrics-text;version=0.0.1;q=0.5,\
    text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
    text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// Prometheus 3 with `scrape_native_histograms: true`: protobuf first.
const PROMETHEUS_3_NATIVE: &str = "application/vnd.google.protobuf;\
    proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,\
    application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
    application/openmetrics-text;version=0.0.1;q=0.5,\
    text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
    text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
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
    // A browser's `text/html` gets the page for people (tests/html_page.rs); a type
    // nothing serves gets 0.0.4.
    for accept in [
        None,
        Some("*/*"),
        Some("garbage;;q=x"),
        Some("application/json"),
    ] {
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

/// A server with OpenTelemetry-style names: a dotted gauge name with a dotted label.
fn start_utf8() -> ServerHandle {
    const CONNECTIONS: Descriptor =
        Descriptor::new("db.client.connections", "Open \"pool\" connections.")
            .with_labels(&["db.system", "pool"]);
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let connections = Arc::new(tallymark_core::GaugeFamily::<2>::new().described(&CONNECTIONS));
    connections.labels(["postgresql", "main"]).set(4.0);
    registry.register(connections).unwrap();
    serve_registry("127.0.0.1:0", registry).unwrap()
}

/// Every Accept header FORMATS.md names, and the escaping parameters: the Content-Type
/// and the body each gets.
#[test]
fn each_accept_header_gets_its_content_type_and_names() {
    let server = start_utf8();
    let om_utf8 = "# TYPE \"db.client.connections\" gauge\n\
        # HELP \"db.client.connections\" Open \\\"pool\\\" connections.\n\
        {\"db.client.connections\",\"db.system\"=\"postgresql\",pool=\"main\"} 4\n# EOF\n";
    let om_underscores = "# TYPE db_client_connections gauge\n\
        # HELP db_client_connections Open \\\"pool\\\" connections.\n\
        db_client_connections{db_system=\"postgresql\",pool=\"main\"} 4\n# EOF\n";
    let text_utf8 = "# HELP \"db.client.connections\" Open \"pool\" connections.\n\
        # TYPE \"db.client.connections\" gauge\n\
        {\"db.client.connections\",\"db.system\"=\"postgresql\",pool=\"main\"} 4\n";
    let text_underscores = "# HELP db_client_connections Open \"pool\" connections.\n\
        # TYPE db_client_connections gauge\n\
        db_client_connections{db_system=\"postgresql\",pool=\"main\"} 4\n";
    let text_dots = "# HELP db_dot_client_dot_connections Open \"pool\" connections.\n\
        # TYPE db_dot_client_dot_connections gauge\n\
        db_dot_client_dot_connections{db_dot_system=\"postgresql\",pool=\"main\"} 4\n";
    let text_values = "# HELP U__db_2e_client_2e_connections Open \"pool\" connections.\n\
        # TYPE U__db_2e_client_2e_connections gauge\n\
        U__db_2e_client_2e_connections{U__db_2e_system=\"postgresql\",pool=\"main\"} 4\n";
    let cases: [(Option<&str>, &str, Option<&str>); 12] = [
        (
            Some(PROMETHEUS_3),
            "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
            Some(om_utf8),
        ),
        (Some(PROMETHEUS_3_NATIVE), PROTOBUF, None),
        (Some(PROMETHEUS_2_42), OPENMETRICS, Some(om_underscores)),
        (Some(PROMETHEUS_2_42_NATIVE), PROTOBUF, None),
        (None, TEXT, Some(text_underscores)),
        (
            Some("text/plain;version=1.0.0;escaping=allow-utf-8"),
            "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
            Some(text_utf8),
        ),
        (
            Some("text/plain;version=1.0.0"),
            "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
            Some(text_underscores),
        ),
        (
            Some("text/plain;version=1.0.0;escaping=dots"),
            "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
            Some(text_dots),
        ),
        (
            Some("text/plain;version=1.0.0;escaping=values"),
            "text/plain; version=1.0.0; charset=utf-8; escaping=values",
            Some(text_values),
        ),
        // 0.0.4 never carries UTF-8 names, whatever it is asked.
        (
            Some("text/plain;version=0.0.4;escaping=allow-utf-8"),
            TEXT,
            Some(text_underscores),
        ),
        // An unknown scheme is as none.
        (
            Some("application/openmetrics-text;version=1.0.0;escaping=utf8"),
            OPENMETRICS,
            Some(om_underscores),
        ),
        (
            Some("application/openmetrics-text;version=2.0.0"),
            TEXT,
            Some(text_underscores),
        ),
    ];
    for (accept, content_type, body) in cases {
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
        let reply = get(server.local_addr(), "/metrics", &headers);
        assert_eq!(
            reply.header("content-type"),
            Some(content_type),
            "for {accept:?}"
        );
        match body {
            Some(body) => assert_eq!(reply.text(), body, "for {accept:?}"),
            None => {
                // Protobuf carries the names as they are.
                let family = MetricFamily::decode_length_delimited(&reply.body[..]).unwrap();
                assert_eq!(family.name.as_deref(), Some("db.client.connections"));
                let labels: Vec<(&str, &str)> = family.metric[0]
                    .label
                    .iter()
                    .map(|l| (l.name(), l.value()))
                    .collect();
                assert_eq!(labels, [("db.system", "postgresql"), ("pool", "main")]);
            }
        }
    }
    server.stop();
}
