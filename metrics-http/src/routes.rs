//! What the standalone server answers: `/metrics` through the shared endpoint, and a plain
//! 404 elsewhere.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response};

use crate::endpoint::{Answer, MetricsEndpoint, ScrapeRequest};

/// The one path served. Prometheus scrapes it by default.
pub(crate) const METRICS_PATH: &str = "/metrics";

/// Answers one request. A malformed `Host` gets its 400 on every path, since the whole
/// server is ours.
pub(crate) fn respond<B>(
    endpoint: &MetricsEndpoint,
    request: &Request<B>,
) -> Response<Full<Bytes>> {
    let scrape = ScrapeRequest::from_http(request);
    let answer = if let Some(refusal) = scrape.bad_host() {
        refusal
    } else if request.uri().path() != METRICS_PATH {
        Answer::plain(404, "not found; metrics are served at /metrics\n")
    } else {
        endpoint.answer(&scrape)
    };
    answer.into_http()
}
