//! What `/metrics` answers, whoever carries the request: the standalone server, axum or
//! actix-web. Each adapts its own request type into a [`ScrapeRequest`] and the
//! [`Answer`] back into its response type, so negotiation, gzip, `name[]` and auth are
//! written once.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, HOST};
use hyper::{Request, Response, StatusCode, Version};
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

    /// Answers one request: 400 for a missing, repeated or malformed `Host`, 401 without
    /// the credential, 405 for methods other than GET and HEAD, otherwise the exposition.
    pub(crate) fn answer(&self, request: &ScrapeRequest<'_>) -> Answer {
        if let Some(refusal) = request.bad_host() {
            return refusal;
        }
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

    /// The exposition in the format `?format=` names or else the negotiated one (for a
    /// browser, the page for people), of the selected families, compressed when the
    /// client accepts gzip.
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
    /// HTTP/1.1, where a request without `Host` is malformed; HTTP/1.0 predates it, and
    /// HTTP/2 carries the authority in a pseudo-header instead.
    pub(crate) http_1_1: bool,
    pub(crate) host: Host<'a>,
    pub(crate) accept: Option<&'a str>,
    pub(crate) accept_encoding: Option<&'a str>,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a [u8]>,
}

impl<'a> ScrapeRequest<'a> {
    /// Reads a request of the `http` crate, which hyper and axum share.
    pub(crate) fn from_http<B>(request: &'a Request<B>) -> ScrapeRequest<'a> {
        let header = |name: HeaderName| request.headers().get(name).and_then(|v| v.to_str().ok());
        let hosts = request.headers().get_all(HOST).iter();
        ScrapeRequest {
            method: request.method().as_str(),
            http_1_1: request.version() == Version::HTTP_11,
            host: Host::of(hosts.map(HeaderValue::as_bytes)),
            accept: header(ACCEPT),
            accept_encoding: header(ACCEPT_ENCODING),
            query: request.uri().query(),
            authorization: request.headers().get(AUTHORIZATION).map(|v| v.as_bytes()),
        }
    }

    /// The 400 that RFC 9112 §3.2 requires for an HTTP/1.1 request without `Host`, and
    /// for any request with more than one or with one that is not a `host[:port]`.
    pub(crate) fn bad_host(&self) -> Option<Answer> {
        let problem = match self.host {
            Host::Missing if self.http_1_1 => {
                "bad request: an HTTP/1.1 request needs a Host header\n"
            }
            Host::Repeated => "bad request: more than one Host header\n",
            Host::One(value) if !is_host_and_port(value) => {
                "bad request: the Host header is not a valid host[:port]\n"
            }
            Host::Missing | Host::One(_) => return None,
        };
        Some(Answer::plain(400, problem))
    }
}

/// A request's `Host` header lines.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Host<'a> {
    #[default]
    Missing,
    One(&'a [u8]),
    Repeated,
}

impl<'a> Host<'a> {
    /// From the values of every `Host` line of a request.
    pub(crate) fn of(mut values: impl Iterator<Item = &'a [u8]>) -> Host<'a> {
        match (values.next(), values.next()) {
            (None, _) => Host::Missing,
            (Some(value), None) => Host::One(value),
            (Some(_), Some(_)) => Host::Repeated,
        }
    }
}

/// Whether a `Host` value is `uri-host [":" port]` (RFC 3986 §3.2.2): a bracketed IPv6
/// literal, or a name or IPv4 address, then a port of at most 65535. Empty is allowed: a
/// client sends that when the target has no authority.
fn is_host_and_port(value: &[u8]) -> bool {
    let (host_ok, rest) = if let Some(rest) = value.strip_prefix(b"[") {
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &rest[..end];
        let ipv6 = |b: &u8| b.is_ascii_hexdigit() || matches!(b, b':' | b'.');
        (
            !literal.is_empty() && literal.iter().all(ipv6),
            &rest[end + 1..],
        )
    } else {
        let end = value.iter().position(|&b| b == b':').unwrap_or(value.len());
        let reg_name = |b: &u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%".contains(b);
        (value[..end].iter().all(reg_name), &value[end..])
    };
    let port_ok = match rest {
        [] | [b':'] => true,
        [b':', port @ ..] => {
            port.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(port).is_ok_and(|p| p.parse::<u16>().is_ok())
        }
        _ => false,
    };
    host_ok && port_ok
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values_must_be_a_host_and_an_optional_port() {
        for value in [
            "",
            "example.com",
            "example.com:9100",
            "my_exporter:9100",
            "10.0.0.1",
            "[::1]:9100",
            "[::ffff:10.0.0.1]",
            "host:",
        ] {
            assert!(is_host_and_port(value.as_bytes()), "{value:?}");
        }
        for value in [
            "a b",
            "host:port",
            "user@host",
            "host:99999",
            "host:+1",
            "host:80:80",
            "[::1]x",
            "[]",
            "host/path",
            "[::1",
            "http://host",
        ] {
            assert!(!is_host_and_port(value.as_bytes()), "{value:?}");
        }
    }
}
