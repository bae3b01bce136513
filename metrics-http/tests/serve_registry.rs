//! The server's answers, checked byte for byte over a plain TCP socket.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use tallymark_core::{Counter, Descriptor, Registry};
use tallymark_http::{serve_registry, ServeError, ServerHandle};

static JOBS_TOTAL: Counter =
    Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") });

const JOBS_EXPOSITION: &str =
    "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 3\n";

/// A registry that lives as long as the server thread: `'static` by leaking, which is what
/// a test that starts its own server needs.
fn registry_with_jobs() -> &'static Registry {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    registry.register_static(&JOBS_TOTAL).unwrap();
    registry
}

fn start() -> ServerHandle {
    // Every test shares `JOBS_TOTAL`, so it is set once to a fixed value rather than
    // incremented per test.
    static SET_ONCE: std::sync::Once = std::sync::Once::new();
    SET_ONCE.call_once(|| JOBS_TOTAL.inc_by(3));
    serve_registry("127.0.0.1:0", registry_with_jobs()).unwrap()
}

struct Reply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads until the server closes the connection.
fn request(addr: SocketAddr, method: &str, target: &str) -> Reply {
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    conn.read_to_string(&mut raw).unwrap();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("a complete response head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Reply {
        status_line,
        headers,
        body: body.to_owned(),
    }
}

#[test]
fn get_metrics_returns_the_text_exposition() {
    let server = start();
    let reply = request(server.local_addr(), "GET", "/metrics");
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(reply.body, JOBS_EXPOSITION);
    server.stop();
}

#[test]
fn head_metrics_returns_the_get_headers_without_a_body() {
    let server = start();
    let reply = request(server.local_addr(), "HEAD", "/metrics");
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let length = JOBS_EXPOSITION.len().to_string();
    assert_eq!(reply.header("content-length"), Some(length.as_str()));
    assert_eq!(reply.body, "");
    server.stop();
}

#[test]
fn name_parameters_select_families_and_other_parameters_are_ignored() {
    let server = start();
    let reply = request(server.local_addr(), "GET", "/metrics?name[]=other_total");
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.body, "");
    let reply = request(
        server.local_addr(),
        "GET",
        "/metrics?x=1&name%5B%5D=jobs_total",
    );
    assert_eq!(reply.body, JOBS_EXPOSITION);
    server.stop();
}

#[test]
fn other_paths_are_not_found() {
    let server = start();
    for path in ["/", "/metrics/", "/metricsx", "/favicon.ico"] {
        let reply = request(server.local_addr(), "GET", path);
        assert_eq!(reply.status_line, "HTTP/1.1 404 Not Found", "path {path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(reply.body, "not found; metrics are served at /metrics\n");
    }
    server.stop();
}

#[test]
fn other_methods_on_metrics_are_not_allowed() {
    let server = start();
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let reply = request(server.local_addr(), method, "/metrics");
        assert_eq!(
            reply.status_line, "HTTP/1.1 405 Method Not Allowed",
            "method {method}"
        );
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
        assert_eq!(reply.body, "method not allowed; use GET or HEAD\n");
    }
    server.stop();
}

#[test]
fn a_port_in_use_is_an_error_naming_the_address() {
    let server = start();
    let taken = server.local_addr().to_string();
    let err = serve_registry(taken.as_str(), registry_with_jobs()).unwrap_err();
    assert!(matches!(err, ServeError::Bind { ref addr, .. } if *addr == taken));
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot listen on {taken}: ")),
        "{message}"
    );
    server.stop();
}

#[test]
fn an_address_without_a_port_is_a_resolve_error_naming_it() {
    let err = serve_registry("127.0.0.1", registry_with_jobs()).unwrap_err();
    assert!(matches!(err, ServeError::Resolve { .. }));
    assert_eq!(
        err.to_string(),
        "cannot resolve listen address 127.0.0.1: invalid socket address"
    );
}

#[test]
fn stop_closes_the_port_and_frees_it_for_reuse() {
    let server = start();
    let addr = server.local_addr();
    server.stop();
    assert!(
        TcpStream::connect(addr).is_err(),
        "still accepting on {addr}"
    );
    let again = serve_registry(addr, registry_with_jobs()).unwrap();
    assert_eq!(again.local_addr(), addr);
    assert_eq!(request(addr, "GET", "/metrics").body, JOBS_EXPOSITION);
    again.stop();
}

#[test]
fn a_dropped_handle_leaves_the_server_running() {
    let addr = start().local_addr();
    let reply = request(addr, "GET", "/metrics");
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
}
