//! The Pushgateway client, for batch jobs that end before Prometheus could scrape them:
//! Python's `push_to_gateway`, `pushadd_to_gateway` and `delete_from_gateway`.
//!
//! ```no_run
//! use tallymark_core::Registry;
//! use tallymark_http::push::Pushgateway;
//!
//! let gateway = Pushgateway::new("http://127.0.0.1:9091", "nightly_backup")?
//!     .grouping("instance", "db-1")
//!     .basic_auth("pusher", "s3cret");
//! gateway.push(Registry::global())?;
//! # Ok::<(), tallymark_http::PushError>(())
//! ```
//!
//! Async programs use [`push_async`](Pushgateway::push_async) and its siblings, which
//! never block the executor. The blocking calls work inside a tokio runtime too (as in
//! a `#[tokio::main]` batch job), but hold up the calling thread while they wait.
//!
//! The job and grouping label values go into the URL path as the Pushgateway expects:
//! percent-encoded, or base64url-encoded after `@base64` when they contain `/` or are
//! empty, which a path segment could not carry.

use std::future::Future;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use hyper::body::Bytes;
use hyper::Method;
use tallymark_core::names::{check_label_name, is_legacy_label_name};
use tallymark_core::{Format, Registry};

pub use crate::client::PushError;
use crate::client::{Credentials, Job, Outgoing, Target};

/// How long a push waits for the gateway by default, as Python's client does.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One group on a Pushgateway: a job name and grouping labels. Each call is one HTTP
/// request, blocking or async; nothing runs in the background between calls.
#[derive(Clone, Debug)]
pub struct Pushgateway {
    target: Target,
    job: String,
    grouping: Vec<(String, String)>,
    credentials: Credentials,
    timeout: Duration,
    gzip: bool,
}

impl Pushgateway {
    /// The group of `job` on the gateway at `url` (`http://host:9091`, with any path
    /// prefix the gateway is served under).
    pub fn new(url: &str, job: &str) -> Result<Pushgateway, PushError> {
        if job.is_empty() {
            return Err(PushError::InvalidLabel(
                "the job name cannot be empty".into(),
            ));
        }
        Ok(Pushgateway {
            target: Target::parse(url)?,
            job: job.to_owned(),
            grouping: Vec::new(),
            credentials: Credentials::None,
            timeout: DEFAULT_TIMEOUT,
            gzip: false,
        })
    }

    /// Adds a grouping label, such as `instance`. Label names that are not valid, or
    /// `job`, are refused when pushing.
    pub fn grouping(mut self, name: &str, value: &str) -> Pushgateway {
        self.grouping.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends HTTP basic auth with every request. A user name containing `:`, which the
    /// gateway would read as the end of the user name, makes every call fail with
    /// [`PushError::InvalidCredentials`] before anything is sent.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Pushgateway {
        self.credentials = Credentials::basic(user, password);
        self
    }

    /// Sends `Authorization: Bearer <token>` with every request, for a gateway behind an
    /// authenticating proxy. A token that a header cannot carry as given (empty, with a
    /// control character such as `\n`, or with whitespace at either end) makes every call
    /// fail with [`PushError::InvalidCredentials`] before anything is sent.
    ///
    /// ```
    /// use tallymark_core::Registry;
    /// use tallymark_http::push::Pushgateway;
    ///
    /// let gateway = Pushgateway::new("http://127.0.0.1:9091", "backup")?.bearer_token("t0k\n");
    /// assert_eq!(
    ///     gateway.push(&Registry::new()).unwrap_err().to_string(),
    ///     "invalid credentials: the bearer token has a control character at byte 3, \
    ///      which an HTTP header cannot carry"
    /// );
    /// # Ok::<(), tallymark_http::PushError>(())
    /// ```
    pub fn bearer_token(mut self, token: &str) -> Pushgateway {
        self.credentials = Credentials::bearer(token);
        self
    }

    /// Waits at most `timeout` for each answer.
    pub fn timeout(mut self, timeout: Duration) -> Pushgateway {
        self.timeout = timeout;
        self
    }

    /// Compresses each pushed body with gzip (`Content-Encoding: gzip`), which the
    /// Pushgateway reads since version 1.5; worth it for large registries on slow links.
    /// Needs the `gzip` feature.
    #[cfg(feature = "gzip")]
    pub fn gzip(mut self) -> Pushgateway {
        self.gzip = true;
        self
    }

    /// Replaces every metric of the group with `registry`'s (HTTP `PUT`).
    pub fn push(&self, registry: &Registry) -> Result<(), PushError> {
        self.job(Method::PUT, Some(registry))?.send_blocking()
    }

    /// Replaces only the group's metrics that `registry` also has, by name (HTTP `POST`).
    pub fn push_add(&self, registry: &Registry) -> Result<(), PushError> {
        self.job(Method::POST, Some(registry))?.send_blocking()
    }

    /// Deletes the group and all its metrics (HTTP `DELETE`).
    pub fn delete(&self) -> Result<(), PushError> {
        self.job(Method::DELETE, None)?.send_blocking()
    }

    /// [`push`](Pushgateway::push) for async code: the request runs on a thread of its
    /// own, so it never blocks the executor, and works under any executor. `registry` is
    /// read when this is called, so the future borrows nothing and can be spawned;
    /// dropping it abandons the request.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tallymark_http::PushError> {
    /// use tallymark_core::Registry;
    /// use tallymark_http::push::Pushgateway;
    ///
    /// let gateway = Pushgateway::new("http://127.0.0.1:9091", "nightly_backup")?;
    /// gateway.push_async(Registry::global()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn push_async(
        &self,
        registry: &Registry,
    ) -> impl Future<Output = Result<(), PushError>> + Send + 'static {
        let job = self.job(Method::PUT, Some(registry));
        async move { job?.send_detached().await }
    }

    /// [`push_add`](Pushgateway::push_add) for async code, as
    /// [`push_async`](Pushgateway::push_async) is for `push`.
    pub fn push_add_async(
        &self,
        registry: &Registry,
    ) -> impl Future<Output = Result<(), PushError>> + Send + 'static {
        let job = self.job(Method::POST, Some(registry));
        async move { job?.send_detached().await }
    }

    /// [`delete`](Pushgateway::delete) for async code, as
    /// [`push_async`](Pushgateway::push_async) is for `push`.
    pub fn delete_async(&self) -> impl Future<Output = Result<(), PushError>> + Send + 'static {
        let job = self.job(Method::DELETE, None);
        async move { job?.send_detached().await }
    }

    /// The group's path: `/metrics/job/<job>/<label>/<value>...`.
    ///
    /// ```
    /// use tallymark_http::push::Pushgateway;
    ///
    /// let gateway = Pushgateway::new("http://127.0.0.1:9091", "backup")?
    ///     .grouping("path", "/var/lib")
    ///     .grouping("shard", "")
    ///     .grouping("zone", "eu west");
    /// assert_eq!(
    ///     gateway.group_path()?,
    ///     "/metrics/job/backup/path@base64/L3Zhci9saWI=/shard@base64/=/zone/eu%20west"
    /// );
    /// # Ok::<(), tallymark_http::PushError>(())
    /// ```
    pub fn group_path(&self) -> Result<String, PushError> {
        let mut path = String::from("/metrics");
        push_segment(&mut path, "job", &self.job);
        for (name, value) in &self.grouping {
            if name == "job" {
                return Err(PushError::InvalidLabel(
                    "`job` is set by the job name, not as a grouping label".into(),
                ));
            }
            check_label_name(name).map_err(|e| PushError::InvalidLabel(e.to_string()))?;
            // The gateway reads the path with the legacy grammar, whatever the scrape
            // formats allow.
            if !is_legacy_label_name(name) {
                return Err(PushError::InvalidLabel(format!(
                    "grouping label `{name}`: the Pushgateway takes only names in \
                     `[a-zA-Z_][a-zA-Z0-9_]*`"
                )));
            }
            push_segment(&mut path, name, value);
        }
        Ok(path)
    }

    /// The request for one call, checked and encoded, or why it cannot be sent.
    fn job(&self, method: Method, registry: Option<&Registry>) -> Result<Job, PushError> {
        self.credentials.check()?;
        let path = self.group_path()?;
        let compress = self.gzip && registry.is_some();
        let body = registry.map_or_else(Bytes::new, |registry| {
            let mut body = Vec::new();
            registry.encode_as(Format::Text, &mut body);
            #[cfg(feature = "gzip")]
            if compress {
                body = crate::scrape::gzip(&body);
            }
            Bytes::from(body)
        });
        Ok(Job {
            target: self.target.clone(),
            credentials: self.credentials.clone(),
            outgoing: Outgoing {
                method,
                path,
                content_type: registry.map(|_| Format::Text.content_type()),
                extra_headers: if compress {
                    &[("Content-Encoding", "gzip")]
                } else {
                    &[]
                },
                body,
            },
            timeout: self.timeout,
        })
    }
}

/// Appends `/<name>/<value>`, or `/<name>@base64/<value in base64url>` when the value
/// contains `/` or is empty (encoded as `=`, which the Pushgateway reads as empty).
fn push_segment(path: &mut String, name: &str, value: &str) {
    path.push('/');
    path.push_str(name);
    if value.is_empty() {
        path.push_str("@base64/=");
    } else if value.contains('/') {
        path.push_str("@base64/");
        path.push_str(&URL_SAFE.encode(value));
    } else {
        path.push('/');
        percent_encode(path, value);
    }
}

/// Escapes everything outside RFC 3986's unreserved set, which is always safe in a path
/// segment.
fn percent_encode(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(job: &str, grouping: &[(&str, &str)]) -> Result<String, PushError> {
        let mut gateway = Pushgateway::new("http://127.0.0.1:9091", job)?;
        for (name, value) in grouping {
            gateway = gateway.grouping(name, value);
        }
        gateway.group_path()
    }

    #[test]
    fn values_with_a_slash_or_empty_go_in_base64url() {
        assert_eq!(path_of("a/b", &[]).unwrap(), "/metrics/job@base64/YS9i");
        // `?` and `>` encode to `_` and `-` in the URL-safe alphabet, not `/` and `+`.
        assert_eq!(
            path_of("j", &[("v", "/??>")]).unwrap(),
            "/metrics/job/j/v@base64/Lz8_Pg=="
        );
        assert_eq!(
            path_of("j", &[("e", "")]).unwrap(),
            "/metrics/job/j/e@base64/="
        );
        assert_eq!(
            path_of("j", &[("u", "ü %@")]).unwrap(),
            "/metrics/job/j/u/%C3%BC%20%25%40"
        );
    }

    #[cfg(feature = "gzip")]
    #[test]
    fn gzip_compresses_pushed_bodies_only() {
        use std::io::Read as _;

        let gateway = Pushgateway::new("http://127.0.0.1:9091", "j")
            .unwrap()
            .gzip();
        let registry = Registry::new();
        registry
            .register(std::sync::Arc::new(
                tallymark_core::Counter::new()
                    .described(const { &tallymark_core::Descriptor::new("runs_total", "Runs.") }),
            ))
            .unwrap();
        let job = gateway.job(Method::PUT, Some(&registry)).unwrap();
        assert_eq!(job.outgoing.extra_headers, [("Content-Encoding", "gzip")]);
        let mut text = String::new();
        flate2::read::GzDecoder::new(&job.outgoing.body[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(
            text,
            "# HELP runs_total Runs.\n# TYPE runs_total counter\nruns_total 0\n"
        );
        let delete = gateway.job(Method::DELETE, None).unwrap();
        assert!(delete.outgoing.extra_headers.is_empty());
        assert!(delete.outgoing.body.is_empty());
    }

    #[test]
    fn bad_grouping_labels_are_refused() {
        assert!(path_of("j", &[("job", "x")]).is_err());
        assert!(path_of("j", &[("bad-name", "x")]).is_err());
        assert!(Pushgateway::new("http://127.0.0.1:9091", "").is_err());
    }
}
