//! The one-request HTTP/1.1 client behind the push clients, on hyper's connection API.
//!
//! hyper and tokio are already compiled for the server, so this costs the build hyper's
//! `client` feature and nothing else; a second HTTP stack (ureq, reqwest) would add
//! dozens of crates for a handful of requests a minute.

use std::fmt;
use std::io;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
#[cfg(feature = "push")]
use tokio::sync::oneshot;

/// Why a push to a Pushgateway, a remote-write receiver or an OTLP receiver did not
/// succeed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The URL cannot be used: not `http://host[:port][/path]`.
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A job name, grouping label, external label or resource attribute is not usable.
    InvalidLabel(String),
    /// A bearer token or basic-auth user cannot be sent as given; nothing was sent.
    InvalidCredentials(String),
    /// The connection failed, broke, or the answer was not HTTP.
    Connection {
        /// Where the request went.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// No answer came within the timeout.
    Timeout {
        /// Where the request went.
        url: String,
        /// The timeout.
        after: Duration,
    },
    /// The server answered with a status other than 2xx.
    Status {
        /// Where the request went.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the answer's body, which usually says why.
        body: String,
    },
    /// The server answered 2xx, but not as the protocol says it must.
    UnexpectedAnswer {
        /// Where the request went.
        url: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// The background writer or exporter has stopped, so nothing was sent.
    Stopped,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::InvalidUrl { url, reason } => write!(f, "invalid URL `{url}`: {reason}"),
            PushError::InvalidLabel(reason) => f.write_str(reason),
            PushError::InvalidCredentials(reason) => write!(f, "invalid credentials: {reason}"),
            PushError::Connection { url, reason } => write!(f, "cannot reach {url}: {reason}"),
            PushError::Timeout { url, after } => write!(f, "{url} did not answer within {after:?}"),
            PushError::Status { url, status, body } => {
                write!(f, "{url} answered {status}: {}", body.trim_end())
            }
            PushError::UnexpectedAnswer { url, reason } => {
                write!(f, "unexpected answer from {url}: {reason}")
            }
            PushError::Stopped => f.write_str("the background sender has stopped"),
        }
    }
}

impl std::error::Error for PushError {}

/// Where requests go: an `http://` URL, checked once.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    host: String,
    port: u16,
    authority: String,
    /// The path, without a trailing `/`, that request paths are appended to.
    base_path: String,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, PushError> {
        let invalid = |reason: &str| PushError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| invalid(&e.to_string()))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "only http:// is supported; reach an https endpoint through a local TLS proxy",
                ))
            }
            _ => return Err(invalid("the URL must start with http://")),
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("put credentials in `basic_auth`, not in the URL"));
        }
        if uri.query().is_some() {
            return Err(invalid("a query string is not supported"));
        }
        Ok(Target {
            host: authority.host().trim_matches(['[', ']']).to_owned(),
            port: authority.port_u16().unwrap_or(80),
            authority: authority.as_str().to_owned(),
            base_path: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The full URL of `path` (which starts with `/`), for messages.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}{path}", self.authority, self.base_path)
    }
}

/// Credentials sent with every request.
#[derive(Clone)]
pub(crate) enum Credentials {
    None,
    /// The whole `Authorization` value, built once.
    Header(HeaderValue),
    /// Credentials that cannot be sent as given, and why. Sending nothing instead would
    /// look like a server refusing good credentials, so every request fails with this.
    Invalid(String),
}

impl Credentials {
    pub(crate) fn basic(user: &str, password: &str) -> Credentials {
        // RFC 7617: the first `:` ends the user name, so the server would read another
        // user and password than the ones given.
        if user.contains(':') {
            return Credentials::Invalid(
                "the basic-auth user name contains `:`, which separates it from the password"
                    .into(),
            );
        }
        let encoded = STANDARD.encode(format!("{user}:{password}"));
        Credentials::header(&format!("Basic {encoded}"))
    }

    pub(crate) fn bearer(token: &str) -> Credentials {
        if token.is_empty() {
            return Credentials::Invalid("the bearer token is empty".into());
        }
        if let Some(at) = token
            .bytes()
            .position(|b| b.is_ascii_control() && b != b'\t')
        {
            return Credentials::Invalid(format!(
                "the bearer token has a control character at byte {at}, \
                 which an HTTP header cannot carry"
            ));
        }
        // Receivers strip whitespace around a header value, so the token would arrive
        // shortened and be refused.
        if token.trim_matches([' ', '\t']).len() != token.len() {
            return Credentials::Invalid(
                "the bearer token starts or ends with whitespace, which an HTTP header loses"
                    .into(),
            );
        }
        Credentials::header(&format!("Bearer {token}"))
    }

    fn header(value: &str) -> Credentials {
        match HeaderValue::from_str(value) {
            Ok(mut value) => {
                value.set_sensitive(true);
                Credentials::Header(value)
            }
            // The callers have refused every byte `HeaderValue` refuses; this is a guard
            // against the two rules drifting apart.
            Err(_) => Credentials::Invalid("the credentials cannot be sent in a header".into()),
        }
    }

    /// Fails with the reason the credentials cannot be sent, before anything is.
    pub(crate) fn check(&self) -> Result<(), PushError> {
        match self {
            Credentials::Invalid(reason) => Err(PushError::InvalidCredentials(reason.clone())),
            Credentials::None | Credentials::Header(_) => Ok(()),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credentials::None => "None",
            Credentials::Header(_) => "Header(..)",
            Credentials::Invalid(_) => "Invalid(..)",
        })
    }
}

/// One request to send. Owned, so that it can move to a thread of its own.
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    /// Appended to the target's base path; empty or starting with `/`.
    pub(crate) path: String,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) extra_headers: &'static [(&'static str, &'static str)],
    pub(crate) body: Bytes,
}

/// A request with everything needed to send it, for the clients that run each request
/// on a runtime made for it rather than on the caller's: the Pushgateway's.
#[cfg(feature = "push")]
pub(crate) struct Job {
    pub(crate) target: Target,
    pub(crate) credentials: Credentials,
    pub(crate) outgoing: Outgoing,
    pub(crate) timeout: Duration,
}

#[cfg(feature = "push")]
impl Job {
    fn url(&self) -> String {
        self.target.url(&self.outgoing.path)
    }

    /// Sends the request on a runtime of its own, on the calling thread.
    fn run(self) -> Result<(), PushError> {
        let runtime = client_runtime(&self.url())?;
        runtime.block_on(send(
            &self.target,
            &self.credentials,
            self.outgoing,
            self.timeout,
        ))
    }

    /// Sends the request and waits for the answer, from synchronous code.
    ///
    /// Inside a tokio runtime, `block_on` would panic ("Cannot start a runtime from within
    /// a runtime"), so there the request goes to a thread of its own and this thread waits
    /// for it. That still blocks the caller's thread, which is what a blocking call does.
    pub(crate) fn send_blocking(self) -> Result<(), PushError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.run();
        }
        let url = self.url();
        let thread = spawn_client_thread(&url, move || self.run())?;
        thread.join().unwrap_or_else(|_| Err(lost_thread(url)))
    }

    /// Sends the request from async code without blocking the executor.
    ///
    /// The request runs on a thread and runtime of its own, so this works under any
    /// executor and whatever drivers the caller's tokio runtime has enabled; dropping the
    /// future abandons the request.
    pub(crate) async fn send_detached(self) -> Result<(), PushError> {
        let url = self.url();
        let (reply, answer) = oneshot::channel();
        spawn_client_thread(&url, move || {
            let mut reply = reply;
            let result = match client_runtime(&self.url()) {
                Ok(runtime) => runtime.block_on(async {
                    let sending =
                        send(&self.target, &self.credentials, self.outgoing, self.timeout);
                    tokio::select! {
                        result = sending => Some(result),
                        () = reply.closed() => None,
                    }
                }),
                Err(error) => Some(Err(error)),
            };
            if let Some(result) = result {
                // The caller may have stopped waiting meanwhile; then nobody wants it.
                let _ = reply.send(result);
            }
        })?;
        answer.await.unwrap_or_else(|_| Err(lost_thread(url)))
    }
}

/// The single-threaded runtime one request runs on.
#[cfg(feature = "push")]
fn client_runtime(url: &str) -> Result<tokio::runtime::Runtime, PushError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| PushError::Connection {
            url: url.to_owned(),
            reason: format!("cannot start the client runtime: {e}"),
        })
}

#[cfg(feature = "push")]
fn spawn_client_thread<T: Send + 'static>(
    url: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, PushError> {
    std::thread::Builder::new()
        .name("tallymark-push".into())
        .spawn(work)
        .map_err(|e| PushError::Connection {
            url: url.to_owned(),
            reason: format!("cannot start the client thread: {e}"),
        })
}

/// The client thread ended without an answer, which only a panic in hyper or tokio does.
#[cfg(feature = "push")]
fn lost_thread(url: String) -> PushError {
    PushError::Connection {
        url,
        reason: "the client thread stopped without an answer".into(),
    }
}

/// Sends one request on a fresh connection and waits, at most `timeout`, for a 2xx.
#[cfg(feature = "push")]
pub(crate) async fn send(
    target: &Target,
    credentials: &Credentials,
    outgoing: Outgoing,
    timeout: Duration,
) -> Result<(), PushError> {
    send_for_headers(target, credentials, outgoing, timeout)
        .await
        .map(drop)
}

/// Sends one request on a fresh connection and waits, at most `timeout`, for a 2xx, whose
/// headers it returns: remote-write 2.0 reads them.
pub(crate) async fn send_for_headers(
    target: &Target,
    credentials: &Credentials,
    outgoing: Outgoing,
    timeout: Duration,
) -> Result<HeaderMap, PushError> {
    credentials.check()?;
    let url = target.url(&outgoing.path);
    match tokio::time::timeout(timeout, exchange(target, credentials, outgoing)).await {
        Err(_) => Err(PushError::Timeout {
            url,
            after: timeout,
        }),
        Ok(Err(reason)) => Err(PushError::Connection { url, reason }),
        Ok(Ok((status, headers, _))) if (200..300).contains(&status) => Ok(headers),
        Ok(Ok((status, _, body))) => Err(PushError::Status {
            url,
            status,
            body: String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
        }),
    }
}

/// Connects, sends, and reads the whole answer; errors are described for the user.
async fn exchange(
    target: &Target,
    credentials: &Credentials,
    outgoing: Outgoing,
) -> Result<(u16, HeaderMap, Bytes), String> {
    let describe = |e: &dyn fmt::Display| e.to_string();
    let stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e: io::Error| describe(&e))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| describe(&e))?;
    let mut request = Request::builder()
        .method(outgoing.method)
        .uri(match format!("{}{}", target.base_path, outgoing.path) {
            path if path.is_empty() => "/".to_owned(),
            path => path,
        })
        .header(HOST, &target.authority);
    if let Some(content_type) = outgoing.content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    for (name, value) in outgoing.extra_headers {
        request = request.header(*name, *value);
    }
    if let Credentials::Header(value) = credentials {
        request = request.header(AUTHORIZATION, value.clone());
    }
    let request = request
        .body(Full::new(outgoing.body))
        .map_err(|e| describe(&e))?;
    // The connection future does the reading and writing. It runs as its own task, which
    // ends when `sender` is dropped or the peer closes, and closes the socket then.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let (head, body) = response.into_parts();
    let body = body.collect().await.map_err(|e| describe(&e))?.to_bytes();
    Ok((status, head.headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_once() {
        let target = Target::parse("http://127.0.0.1:9091/prefix/").unwrap();
        assert_eq!(
            target.url("/metrics/job/x"),
            "http://127.0.0.1:9091/prefix/metrics/job/x"
        );
        let target = Target::parse("http://[::1]/").unwrap();
        assert_eq!((target.host.as_str(), target.port), ("::1", 80));
        for bad in [
            "127.0.0.1:9091",
            "ftp://x/",
            "http://u:p@x/",
            "http://x/?a=b",
            "https://x/",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
