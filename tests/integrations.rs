//! The axum and actix-web integrations: their examples, run as processes, record exactly
//! the request series the tutorial's middleware would, with route templates; and their
//! `/metrics` answers only with the right credential.

mod support;

use std::net::SocketAddr;

use support::{http, request, Example, RawReply};
use tallymark::{Auth, Counter, Descriptor, MetricsEndpoint, Registry};

const AUTH_CHALLENGE: &str = "Basic realm=\"metrics\", charset=\"UTF-8\"";

/// The example's app routes, each requested once, then the request series it exposes,
/// leaving out its scrapes of `/metrics` (how many there were depends on timing).
fn request_series_after_one_of_each(example: &Example) -> Vec<String> {
    for (path, status) in [
        ("/health", 200),
        ("/api/users", 200),
        ("/users/42", 200),
        ("/no/such/page", 404),
    ] {
        let reply = http(example.addr, "GET", path, None, b"").expect("request the app");
        assert_eq!(reply.status, status, "GET {path}: {}", reply.body);
    }
    let scrape = http(example.addr, "GET", "/metrics", None, b"").expect("scrape");
    assert_eq!(scrape.status, 200);
    scrape
        .body
        .lines()
        .filter(|l| l.starts_with("http_request") && !l.contains("route=\"/metrics\""))
        .map(str::to_owned)
        .collect()
}

/// The one sample whose series starts with `prefix`, as a number.
fn value_of(series: &[String], prefix: &str) -> f64 {
    let found: Vec<&String> = series.iter().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "one series {prefix}: {series:#?}");
    let value = found[0].rsplit(' ').next().unwrap_or_default();
    value
        .parse()
        .unwrap_or_else(|_| panic!("a number in {}", found[0]))
}

fn assert_request_series(example_name: &str) {
    let example = Example::start(example_name);
    let series = request_series_after_one_of_each(&example);
    let counters: Vec<&str> = series
        .iter()
        .filter(|l| l.starts_with("http_requests_total{"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        counters,
        [
            r#"http_requests_total{method="GET",route="/api/users",status="200"} 1"#,
            r#"http_requests_total{method="GET",route="/health",status="200"} 1"#,
            r#"http_requests_total{method="GET",route="/users/{id}",status="200"} 1"#,
            r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        ],
        "{example_name}"
    );
    for route in ["/api/users", "/health", "/users/{id}", "unmatched"] {
        let labels = format!("{{method=\"GET\",route=\"{route}\"}}");
        let count = value_of(
            &series,
            &format!("http_request_duration_seconds_count{labels}"),
        );
        let sum = value_of(
            &series,
            &format!("http_request_duration_seconds_sum{labels}"),
        );
        let in_flight = value_of(&series, &format!("http_requests_in_flight{labels}"));
        assert_eq!((count, in_flight), (1.0, 0.0), "{example_name} {route}");
        assert!(
            sum > 0.0 && sum < 5.0,
            "{example_name} {route}: latency {sum}"
        );
    }
}

#[test]
fn axum_app_counts_requests_by_route_template_and_unmatched() {
    assert_request_series("axum_app");
}

#[test]
fn actix_app_counts_requests_by_route_template_and_unmatched() {
    assert_request_series("actix_app");
}

/// `/metrics` at `addr` refuses a missing or wrong credential with 401, the challenge and
/// no metric data, and answers the right one with the exposition.
fn assert_metrics_need(addr: SocketAddr, right: &str, wrong: &str, challenge: &str) {
    for credential in [None, Some(wrong)] {
        let headers: Vec<(&str, &str)> = credential
            .map(|c| ("Authorization", c))
            .into_iter()
            .collect();
        let refused = request(addr, "GET", "/metrics", &headers, b"").expect("scrape");
        assert_eq!(refused.status, 401, "{credential:?}");
        assert_eq!(refused.header("WWW-Authenticate"), Some(challenge));
        assert_eq!(refused.text(), "unauthorized\n", "{credential:?}");
    }
    let RawReply { status, body, .. } =
        request(addr, "GET", "/metrics", &[("Authorization", right)], b"").expect("scrape");
    assert_eq!(status, 200);
    let body = String::from_utf8(body).expect("a text exposition");
    assert!(body.contains("# TYPE "), "{body}");
}

#[test]
fn framework_examples_require_their_basic_auth_flag() {
    // "prometheus:s3cret" and "prometheus:wrong" in base64.
    let right = "Basic cHJvbWV0aGV1czpzM2NyZXQ=";
    let wrong = "Basic cHJvbWV0aGV1czp3cm9uZw==";
    for name in ["axum_app", "actix_app", "quickstart"] {
        let example = Example::start_with(name, &["--basic-auth", "prometheus:s3cret"], 401);
        assert_metrics_need(example.addr, right, wrong, AUTH_CHALLENGE);
    }
}

/// A registry holding one counter, for an in-process app.
fn registry_with_a_counter() -> &'static Registry {
    static JOBS: Counter =
        Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") });
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    registry
        .register_static(&JOBS)
        .expect("register jobs_total");
    registry
}

#[test]
fn axum_metrics_router_requires_a_bearer_token() {
    let endpoint = MetricsEndpoint::new(registry_with_a_counter()).with_auth(Auth::bearer("t0ken"));
    let (_runtime, addr) = support::frameworks::serve_axum(endpoint);
    assert_metrics_need(
        addr,
        "Bearer t0ken",
        "Bearer t0ken2",
        "Bearer realm=\"metrics\"",
    );
}

#[test]
fn actix_metrics_resource_requires_a_bearer_token() {
    let endpoint = MetricsEndpoint::new(registry_with_a_counter()).with_auth(Auth::bearer("t0ken"));
    let addr = support::frameworks::serve_actix(endpoint);
    support::wait_until("actix to answer", || {
        http(addr, "GET", "/metrics", None, b"").is_ok()
    });
    assert_metrics_need(
        addr,
        "Bearer t0ken",
        "bearer wrong",
        "Bearer realm=\"metrics\"",
    );
}

/// Sends `head` as written and reads until the server closes: the status line and body.
fn send_raw(addr: SocketAddr, head: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("a read timeout");
    conn.write_all(head.as_bytes()).expect("send");
    let mut raw = String::new();
    conn.read_to_string(&mut raw).expect("a text answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a whole response head");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

/// `/metrics` at `addr` answers 400 to HTTP/1.1 without `Host`, with two, or with one
/// that is not a `host[:port]`, and the exposition to HTTP/1.0 without one.
/// `framework_checks_presence`: the framework itself refuses a missing or repeated
/// `Host` (actix-http does, with an empty 400) before our handler sees the request.
fn assert_host_is_required_from_http_1_1(addr: SocketAddr, framework_checks_presence: bool) {
    let ours = |message: &'static str| {
        if framework_checks_presence {
            ""
        } else {
            message
        }
    };
    let (status, body) = send_raw(addr, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert_eq!(
        body,
        ours("bad request: an HTTP/1.1 request needs a Host header\n")
    );
    let (status, body) = send_raw(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert_eq!(body, ours("bad request: more than one Host header\n"));
    let (status, body) = send_raw(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert_eq!(
        body,
        "bad request: the Host header is not a valid host[:port]\n"
    );
    let (status, body) = send_raw(addr, "GET /metrics HTTP/1.0\r\n\r\n");
    assert!(status.ends_with(" 200 OK"), "{status}");
    assert!(body.contains("jobs_total 0\n"), "{body}");
}

#[test]
fn axum_metrics_router_answers_400_to_http_1_1_without_host() {
    let endpoint = MetricsEndpoint::new(registry_with_a_counter());
    let (_runtime, addr) = support::frameworks::serve_axum(endpoint);
    assert_host_is_required_from_http_1_1(addr, false);
}

#[test]
fn actix_metrics_resource_answers_400_to_http_1_1_without_host() {
    let endpoint = MetricsEndpoint::new(registry_with_a_counter());
    let (bound, addr) = std::sync::mpsc::channel();
    // As above: built on the thread that runs it, which lives until the process exits.
    std::thread::spawn(move || {
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new().service(tallymark_http::actix::metrics_resource(endpoint.clone()))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind");
        bound.send(server.addrs()[0]).expect("report the address");
        actix_web::rt::System::new().block_on(async { server.run().await })
    });
    let addr = addr.recv().expect("the server's address");
    support::wait_until("actix to answer", || {
        http(addr, "GET", "/metrics", None, b"").is_ok()
    });
    assert_host_is_required_from_http_1_1(addr, true);
}
