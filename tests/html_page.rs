//! `/metrics` answers a browser with the page for people, from the standalone server,
//! axum and actix-web alike, behind the same credential; `?format=` gives the raw views,
//! and every scraper's Accept header still gets the format it got before.

mod support;

use std::net::SocketAddr;

use support::page::{page_registry, BROWSER_ACCEPT, FAMILIES};
use support::request;
use tallymark::{Auth, MetricsEndpoint, ServeOptions};

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
const OPENMETRICS_UTF8: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8";
const PROMETHEUS_2_42: &str = "application/openmetrics-text;version=1.0.0,\
    application/openmetrics-text;version=0.0.1;q=0.75,\
    text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const PROMETHEUS_3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
    application/openmetrics-text;version=0.0.1;q=0.5,\
    text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
    text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

const CREDENTIAL: &str = "Bearer t0ken";

/// GET `target` at `addr` with `accept` (none when `None`) and the credential.
fn get(addr: SocketAddr, target: &str, accept: Option<&str>) -> support::RawReply {
    let mut headers = vec![("Authorization", CREDENTIAL)];
    headers.extend(accept.map(|a| ("Accept", a)));
    request(addr, "GET", target, &headers, b"").expect("GET /metrics")
}

/// What every carrier of the endpoint must answer, guarded by [`CREDENTIAL`].
fn assert_serves_the_page(addr: SocketAddr) {
    // A browser without the credential gets the 401 a scraper gets.
    let refused =
        request(addr, "GET", "/metrics", &[("Accept", BROWSER_ACCEPT)], b"").expect("GET /metrics");
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("WWW-Authenticate"),
        Some("Bearer realm=\"metrics\"")
    );
    assert_eq!(refused.text(), "unauthorized\n");

    let page = get(addr, "/metrics", Some(BROWSER_ACCEPT));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("Content-Type"), Some(HTML));
    assert_eq!(page.header("Vary"), Some("Accept, Accept-Encoding"));
    let html = page.text();
    assert!(html.starts_with("<!DOCTYPE html>\n"), "{html}");
    for (name, _) in FAMILIES {
        assert!(
            html.contains(&format!("<h2>{name}</h2>")),
            "{name} in {html}"
        );
    }
    assert!(html.contains(
        "<tr><td class=\"labels\"><code>method=&quot;GET&quot;</code> \
         <code>code=&quot;200&quot;</code></td><td>3</td></tr>"
    ));
    assert!(html.contains(
        "<code>path=&quot;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&quot;</code>"
    ));
    assert!(!html.contains("<script>document"));

    // The raw views the page links to, whatever the browser's Accept says.
    let text = get(addr, "/metrics?format=text", Some(BROWSER_ACCEPT));
    assert_eq!(text.header("Content-Type"), Some(TEXT));
    assert!(
        text.text().contains(
            "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n\
             http_requests_total{method=\"GET\",code=\"200\"} 3\n"
        ),
        "{}",
        text.text()
    );
    let openmetrics = get(addr, "/metrics?format=openmetrics", Some(BROWSER_ACCEPT));
    assert_eq!(openmetrics.header("Content-Type"), Some(OPENMETRICS));
    assert!(openmetrics.text().ends_with("# EOF\n"));
    assert!(openmetrics
        .text()
        .contains("# TYPE http_requests counter\n# HELP http_requests Requests served.\n"));

    // Scrapers and curl get what they always got.
    for (accept, content_type) in [
        (Some(PROMETHEUS_2_42), OPENMETRICS),
        (Some(PROMETHEUS_3), OPENMETRICS_UTF8),
        (Some("*/*"), TEXT),
        (None, TEXT),
    ] {
        let scrape = get(addr, "/metrics", accept);
        assert_eq!(scrape.status, 200);
        assert_eq!(
            scrape.header("Content-Type"),
            Some(content_type),
            "{accept:?}"
        );
        assert!(scrape.text().contains("# TYPE "), "{accept:?}");
        assert!(!scrape.text().contains("<html"), "{accept:?}");
    }
    let curl = get(addr, "/metrics", Some("*/*"));
    assert_eq!(curl.text(), text.text());
}

#[test]
fn the_standalone_server_serves_the_page_to_browsers() {
    let server = ServeOptions::new()
        .registry(page_registry())
        .bearer_token("t0ken")
        .serve("127.0.0.1:0")
        .expect("serve");
    assert_serves_the_page(server.local_addr());
    server.stop();
}

#[test]
fn the_axum_router_serves_the_page_to_browsers() {
    let endpoint = MetricsEndpoint::new(page_registry()).with_auth(Auth::bearer("t0ken"));
    let (_runtime, addr) = support::frameworks::serve_axum(endpoint);
    assert_serves_the_page(addr);
}

#[test]
fn the_actix_resource_serves_the_page_to_browsers() {
    let endpoint = MetricsEndpoint::new(page_registry()).with_auth(Auth::bearer("t0ken"));
    let addr = support::frameworks::serve_actix(endpoint);
    support::wait_until("actix to answer", || {
        request(addr, "GET", "/metrics", &[], b"").is_ok()
    });
    assert_serves_the_page(addr);
}
