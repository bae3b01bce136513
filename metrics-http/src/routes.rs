//! What the server answers: the exposition at `/metrics`, and plain errors elsewhere.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, ALLOW, CONTENT_TYPE, VARY};
use hyper::{Method, Request, Response, StatusCode};
use tallymark_core::Registry;

use crate::scrape::Scrape;

/// The one path served. Prometheus scrapes it by default.
pub(crate) const METRICS_PATH: &str = "/metrics";

const PLAIN_TEXT: &str = "text/plain; charset=utf-8";

/// Answers one request.
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
        Method::GET | Method::HEAD => scrape(registry, request),
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

/// The exposition in the negotiated format, of the selected families, compressed when
/// the client accepts gzip.
fn scrape<B>(registry: &Registry, request: &Request<B>) -> Response<Full<Bytes>> {
    let header = |name: HeaderName| request.headers().get(name).and_then(|v| v.to_str().ok());
    let scrape = Scrape::read(
        header(ACCEPT),
        header(ACCEPT_ENCODING),
        request.uri().query(),
    );
    let names: Vec<&str> = scrape.names.iter().map(String::as_str).collect();
    let mut body = Vec::new();
    registry.encode_selected(scrape.format, &names, &mut body);
    let mut response = with_content_type(
        Response::new(Full::new(Bytes::new())),
        scrape.format.content_type(),
    );
    // Caches must key the answer on what the request asked for.
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
    #[cfg(feature = "gzip")]
    if scrape.gzip {
        body = crate::scrape::gzip(&body);
        response.headers_mut().insert(
            hyper::header::CONTENT_ENCODING,
            HeaderValue::from_static("gzip"),
        );
    }
    *response.body_mut() = Full::new(Bytes::from(body));
    response
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
