//! What `/metrics` answers, whoever carries the request: the standalone server, axum or
//! actix-web. Each adapts its own request type into a [`ScrapeRequest`] and the
//! [`Answer`] back into its response type, so negotiation, gzip, `name[]` and auth are
//! written once.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, AUTHORIZATION};
use hyper::{Request, Response, StatusCode};
use tallymark_core::Registry;

use crate::auth::Auth;
use crate::scrape::Scrape;

const PLAIN_TEXT: &str = "text/plain; charset=utf-8";

/// What a `/metrics` endpoint serves: a registry, and the credential it requires, if any.
/// The standalone server, `axum` and `actix` all answer
/// through one of these.
///
/// ```
/// use tallymark_http::{Auth, MetricsEndpoint};
///
/// let endpoint = MetricsEndpoint::global().with_auth(Auth::bearer("abc123"));
/// assert!(endpoint.auth().is_some());
/// ```
#[derive(Clone, Debug)]
pub struct MetricsEndpoint {
    registry: &'static Registry,
    auth: Option<Auth>,
}

impl MetricsEndpoint {
    /// Serves the global registry: every `#[tallymark::metric]` family of the program.
    pub fn global() -> MetricsEndpoint {
        MetricsEndpoint::new(Registry::global())
    }

    /// Serves an explicit registry.
    pub fn new(registry: &'static Registry) -> MetricsEndpoint {
        MetricsEndpoint {
            registry,
            auth: None,
        }
    }

    /// Requires `auth` on every request.
    pub fn with_auth(mut self, auth: Auth) -> MetricsEndpoint {
        self.auth = Some(auth);
        self
    }

    /// The registry served.
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    /// The credential required, if any.
    pub fn auth(&self) -> Option<&Auth> {
        self.auth.as_ref()
    }

    /// Answers one request: 401 without the credential, 405 for methods other than GET
    /// and HEAD, otherwise the exposition.
    pub(crate) fn answer(&self, request: &ScrapeRequest<'_>) -> Answer {
        if let Some(auth) = &self.auth {
            if !auth.allows(request.authorization) {
                let mut answer = Answer::plain(401, "unauthorized\n");
                answer.www_authenticate = Some(auth.challenge());
                return answer;
            }
        }
        if !matches!(request.method, "GET" | "HEAD") {
            let mut answer = Answer::plain(405, "method not allowed; use GET or HEAD\n");
            answer.allow = Some("GET, HEAD");
            return answer;
        }
        // HEAD gets the same headers as GET, Content-Length included, so the body is
        // encoded either way; the HTTP layer leaves it off the wire.
        self.scrape(request)
    }

    /// The exposition in the negotiated format, of the selected families, compressed
    /// when the client accepts gzip.
    fn scrape(&self, request: &ScrapeRequest<'_>) -> Answer {
        let scrape = Scrape::read(request.accept, request.accept_encoding, request.query);
        let names: Vec<&str> = scrape.names.iter().map(String::as_str).collect();
        let mut body = Vec::new();
        self.registry
            .encode_selected(scrape.format, &names, &mut body);
        let mut answer = Answer {
            status: 200,
            content_type: scrape.format.content_type(),
            content_encoding: None,
            // Caches must key the answer on what the request asked for.
            vary: Some("Accept, Accept-Encoding"),
            allow: None,
            www_authenticate: None,
            body: Bytes::new(),
        };
        #[cfg(feature = "gzip")]
        if scrape.gzip {
            body = crate::scrape::gzip(&body);
            answer.content_encoding = Some("gzip");
        }
        answer.body = Bytes::from(body);
        answer
    }
}

/// The parts of a request that `/metrics` looks at, borrowed from any framework's type.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScrapeRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) accept: Option<&'a str>,
    pub(crate) accept_encoding: Option<&'a str>,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a [u8]>,
}

impl<'a> ScrapeRequest<'a> {
    /// Reads a request of the `http` crate, which hyper and axum share.
    pub(crate) fn from_http<B>(request: &'a Request<B>) -> ScrapeRequest<'a> {
        let header = |name: HeaderName| request.headers().get(name).and_then(|v| v.to_str().ok());
        ScrapeRequest {
            method: request.method().as_str(),
            accept: header(ACCEPT),
            accept_encoding: header(ACCEPT_ENCODING),
            query: request.uri().query(),
            authorization: request.headers().get(AUTHORIZATION).map(|v| v.as_bytes()),
        }
    }
}

/// A `/metrics` response, before it becomes some framework's response type.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) content_encoding: Option<&'static str>,
    pub(crate) vary: Option<&'static str>,
    pub(crate) allow: Option<&'static str>,
    pub(crate) www_authenticate: Option<&'static str>,
    pub(crate) body: Bytes,
}

impl Answer {
    /// A plain-text answer with no metric data in it.
    pub(crate) fn plain(status: u16, message: &'static str) -> Answer {
        Answer {
            status,
            content_type: PLAIN_TEXT,
            content_encoding: None,
            vary: None,
            allow: None,
            www_authenticate: None,
            body: Bytes::from_static(message.as_bytes()),
        }
    }

    /// The headers besides Content-Length, which the HTTP layer adds from the body.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [
            Some(("content-type", self.content_type)),
            self.content_encoding.map(|v| ("content-encoding", v)),
            self.vary.map(|v| ("vary", v)),
            self.allow.map(|v| ("allow", v)),
            self.www_authenticate.map(|v| ("www-authenticate", v)),
        ]
        .into_iter()
        .flatten()
    }

    /// The answer as a response of the `http` crate, for hyper and axum.
    pub(crate) fn into_http(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body.clone()));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in self.headers() {
            response.headers_mut().insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        response
    }
}
