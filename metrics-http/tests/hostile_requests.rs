//! Requests a well-behaved scraper never sends, over raw TCP: a missing, repeated or
//! malformed `Host`, and `Accept-Encoding` weights that are not numbers. Each gets an
//! exact answer, and gzip only when it was surely asked for.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tallymark_core::{Counter, Descriptor, Registry};
use tallymark_http::{serve_registry, ServeOptions, ServerHandle};

static JOBS: Counter =
    Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") });

const JOBS_EXPOSITION: &str =
    "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 0\n";

fn registry() -> &'static Registry {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    registry.register_static(&JOBS).unwrap();
    registry
}

fn start() -> ServerHandle {
    serve_registry("127.0.0.1:0", registry()).unwrap()
}

struct Reply {
    status_line: String,
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

/// Sends `head` exactly as written (it must close with `Connection: close` or be
/// HTTP/1.0) and reads until the server closes the connection.
fn send_raw(addr: SocketAddr, head: &str) -> Reply {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Reply {
        status_line,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

/// A 400 to an HTTP/1.1 request, which hyper answers in the request's version.
fn assert_bad_request(reply: &Reply, message: &str) {
    assert_bad_request_in(reply, "1.1", message);
}

fn assert_bad_request_in(reply: &Reply, version: &str, message: &str) {
    assert_eq!(reply.status_line, format!("HTTP/{version} 400 Bad Request"));
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(reply.text(), message);
}

const NO_HOST: &str = "bad request: an HTTP/1.1 request needs a Host header\n";

#[test]
fn an_http_1_1_request_without_host_gets_400_on_every_path() {
    let server = start();
    for path in ["/metrics", "/elsewhere"] {
        let reply = send_raw(
            server.local_addr(),
            &format!("GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n"),
        );
        assert_bad_request(&reply, NO_HOST);
    }
    server.stop();
}

#[test]
fn a_missing_host_gets_400_before_auth_is_asked_for() {
    let server = ServeOptions::new()
        .registry(registry())
        .bearer_token("t0ken")
        .serve("127.0.0.1:0")
        .unwrap();
    let reply = send_raw(
        server.local_addr(),
        "GET /metrics HTTP/1.1\r\nAuthorization: Bearer t0ken\r\nConnection: close\r\n\r\n",
    );
    assert_bad_request(&reply, NO_HOST);
    server.stop();
}

#[test]
fn an_http_1_0_request_without_host_is_answered() {
    let server = start();
    let reply = send_raw(server.local_addr(), "GET /metrics HTTP/1.0\r\n\r\n");
    assert_eq!(reply.status_line, "HTTP/1.0 200 OK");
    assert_eq!(reply.text(), JOBS_EXPOSITION);
    server.stop();
}

#[test]
fn repeated_or_malformed_hosts_get_400() {
    let server = start();
    let addr = server.local_addr();
    for version in ["1.0", "1.1"] {
        let reply = send_raw(
            addr,
            &format!(
                "GET /metrics HTTP/{version}\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"
            ),
        );
        assert_bad_request_in(&reply, version, "bad request: more than one Host header\n");
    }
    for host in ["a b", "user@host", "host:port", "host:70000", "[::1"] {
        let reply = send_raw(
            addr,
            &format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_bad_request(
            &reply,
            "bad request: the Host header is not a valid host[:port]\n",
        );
    }
    server.stop();
}

#[test]
fn usual_hosts_and_an_empty_host_are_answered() {
    let server = start();
    for host in [
        "",
        "exporter_1:9100",
        "10.0.0.1",
        "[::1]:9100",
        "Example.COM",
    ] {
        let reply = send_raw(
            server.local_addr(),
            &format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "Host: {host}");
        assert_eq!(reply.text(), JOBS_EXPOSITION, "Host: {host}");
    }
    server.stop();
}

#[cfg(feature = "gzip")]
#[test]
fn gzip_is_sent_only_for_a_valid_weight_above_zero() {
    let server = start();
    for (accept_encoding, gzip) in [
        ("gzip", true),
        ("GZIP", true),
        ("gzip; q=1.0", true),
        ("gzip;q=0.5", true),
        ("*", true),
        ("gzip;q=abc", false),
        ("gzip;q=0", false),
        ("gzip;q=1.5", false),
        ("*;q=0", false),
        ("gzip;q=0, *", false),
        ("identity, gzip;q=0.5", false),
    ] {
        let reply = send_raw(
            server.local_addr(),
            &format!(
                "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {accept_encoding}\r\n\
                 Connection: close\r\n\r\n"
            ),
        );
        assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "{accept_encoding}");
        let text = if gzip {
            assert_eq!(
                reply.header("content-encoding"),
                Some("gzip"),
                "{accept_encoding}"
            );
            let mut text = String::new();
            flate2::read::GzDecoder::new(&reply.body[..])
                .read_to_string(&mut text)
                .unwrap();
            text
        } else {
            assert_eq!(reply.header("content-encoding"), None, "{accept_encoding}");
            reply.text().to_owned()
        };
        assert_eq!(text, JOBS_EXPOSITION, "{accept_encoding}");
    }
    server.stop();
}
