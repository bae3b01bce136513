//! What the server answers: the exposition at `/metrics`, and plain errors elsewhere.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use tallymark_core::encoding::text;
use tallymark_core::Registry;

/// The one path served. Prometheus scrapes it by default.
pub(crate) const METRICS_PATH: &str = "/metrics";

const PLAIN_TEXT: &str = "text/plain; charset=utf-8";

/// Answers one request. The query string is ignored, so `/metrics?name[]=x` still
/// scrapes everything.
pub(crate) fn respond<B>(registry: &Registry, request: &Request<B>) -> Response<Full<Bytes>> {
    if request.uri().path() != METRICS_PATH {
        return plain(
            StatusCode::NOT_FOUND,
            "not found; metrics are served at /metrics\n",
        );
    }
    match *request.method() {
        // HEAD gets the same headers as GET, Content-Length included, so the body is
        // encoded either way; hyper leaves it off the wire.
        Method::GET | Method::HEAD => {
            let mut body = Vec::new();
            registry.encode(&mut body);
            with_content_type(
                Response::new(Full::new(Bytes::from(body))),
                text::CONTENT_TYPE,
            )
        }
        _ => {
            let mut response = plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed; use GET or HEAD\n",
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            response
        }
    }
}

fn plain(status: StatusCode, message: &'static str) -> Response<Full<Bytes>> {
    let mut response = with_content_type(
        Response::new(Full::new(Bytes::from_static(message.as_bytes()))),
        PLAIN_TEXT,
    );
    *response.status_mut() = status;
    response
}

fn with_content_type(
    mut response: Response<Full<Bytes>>,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
