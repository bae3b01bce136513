//! What the standalone server answers: `/metrics` through the shared endpoint, and a plain
//! 404 elsewhere.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response};

use crate::endpoint::{Answer, MetricsEndpoint, ScrapeRequest};

/// The one path served. Prometheus scrapes it by default.
pub(crate) const METRICS_PATH: &str = "/metrics";

/// Answers one request.
pub(crate) fn respond<B>(
    endpoint: &MetricsEndpoint,
    request: &Request<B>,
) -> Response<Full<Bytes>> {
    if request.uri().path() != METRICS_PATH {
        return Answer::plain(404, "not found; metrics are served at /metrics\n").into_http();
    }
    endpoint
        .answer(&ScrapeRequest::from_http(request))
        .into_http()
}
