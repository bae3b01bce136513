//! How the standalone server is set up: which registry, auth, TLS, limits, and whether the
//! process collector comes along.

use std::fmt::Display;
use std::net::ToSocketAddrs;
#[cfg(feature = "tls")]
use std::path::PathBuf;
use std::time::Duration;

use tallymark_core::Registry;

use crate::auth::Auth;
use crate::endpoint::MetricsEndpoint;
use crate::error::ServeError;
use crate::server::{self, ServerConfig, ServerHandle};

/// Connections held open at once by default: far more than the few scrapers a target
/// has, few enough that a flood of clients cannot exhaust file descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// How long a connection may stay silent by default before its headers arrive: longer
/// than Prometheus's default 15 s scrape interval, so its kept-alive connection is reused,
/// short enough that stalled clients give their slot back soon.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest request head by default. A scrape's head is a few hundred bytes; 16 KiB
/// leaves room for long `name[]` selections and tokens. hyper's minimum is 8 KiB.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;

/// The standalone server's settings, for when [`serve`](crate::serve)'s defaults don't
/// fit: another registry, a required credential, TLS, other limits.
///
/// ```
/// use std::time::Duration;
/// use tallymark_http::ServeOptions;
///
/// let server = ServeOptions::new()
///     .basic_auth("prometheus", "s3cret")
///     .max_connections(16)
///     .idle_timeout(Duration::from_secs(30))
///     .serve("127.0.0.1:0")?;
/// println!("Metrics server on http://{}/metrics", server.local_addr());
/// server.stop();
/// # Ok::<(), tallymark_http::ServeError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "options do nothing until `serve` is called"]
pub struct ServeOptions {
    endpoint: MetricsEndpoint,
    max_connections: usize,
    idle_timeout: Duration,
    max_header_bytes: usize,
    #[cfg_attr(not(feature = "process"), allow(dead_code))]
    process_metrics: Option<bool>,
    #[cfg(feature = "tls")]
    tls: Option<(PathBuf, PathBuf)>,
    #[cfg(feature = "tls")]
    client_ca: Option<(PathBuf, ClientCerts)>,
}

/// Whether an HTTPS client must show a certificate that the
/// [`tls_client_ca`](ServeOptions::tls_client_ca) CAs issued.
#[cfg(feature = "tls")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientCerts {
    /// A client without one is refused in the handshake: mutual TLS.
    Required,
    /// A client may show one, which must then be valid; one without is served too, as
    /// for a move to mutual TLS while some scrapers have no certificate yet.
    Optional,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions::new()
    }
}

impl ServeOptions {
    /// The defaults of [`serve`](crate::serve): the global registry, no auth, plain HTTP,
    /// [`DEFAULT_MAX_CONNECTIONS`], [`DEFAULT_IDLE_TIMEOUT`], [`DEFAULT_MAX_HEADER_BYTES`].
    pub fn new() -> ServeOptions {
        ServeOptions {
            endpoint: MetricsEndpoint::global(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            process_metrics: None,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "tls")]
            client_ca: None,
        }
    }

    /// Serves `registry` instead of the global one. An explicit registry gets no process
    /// metrics unless [`process_metrics`](ServeOptions::process_metrics) asks for them, so
    /// it shows exactly what was put in it.
    pub fn registry(mut self, registry: &'static Registry) -> ServeOptions {
        let auth = self.endpoint.auth().cloned();
        self.endpoint = MetricsEndpoint::new(registry);
        if let Some(auth) = auth {
            self.endpoint = self.endpoint.with_auth(auth);
        }
        self
    }

    /// Requires `auth` on `/metrics`; see [`Auth`].
    pub fn auth(mut self, auth: Auth) -> ServeOptions {
        self.endpoint = self.endpoint.with_auth(auth);
        self
    }

    /// Requires HTTP basic auth with this user and password.
    pub fn basic_auth(self, user: &str, password: &str) -> ServeOptions {
        self.auth(Auth::basic(user, password))
    }

    /// Requires `Authorization: Bearer <token>`.
    pub fn bearer_token(self, token: &str) -> ServeOptions {
        self.auth(Auth::bearer(token))
    }

    /// Holds at most `n` connections open at once (at least 1).
    ///
    /// Every connection is accepted at once. One arriving at the limit takes the place
    /// of the connection that has moved no byte for longest, among those not in the
    /// middle of an answer (its request read, or its answer still being written to a
    /// slow reader), which is closed. Idle or stalled clients, however many, so
    /// cannot keep a scraper out: its new connection is the freshest, and it keeps its
    /// place by sending its request at once. A kept-alive scraper connection closed this
    /// way is reopened by the scraper's HTTP client on its next request, as after any
    /// idle close.
    ///
    /// When all `n` are in the middle of an answer, the newcomer gets
    /// `503 Service Unavailable` with `Retry-After: 1` and is closed (over TLS it is
    /// closed without a word).
    pub fn max_connections(mut self, n: usize) -> ServeOptions {
        self.max_connections = n.max(1);
        self
    }

    /// Closes a connection that has not sent a complete request head within `timeout`
    /// of opening, or of its previous answer.
    pub fn idle_timeout(mut self, timeout: Duration) -> ServeOptions {
        self.idle_timeout = timeout;
        self
    }

    /// Answers `431 Request Header Fields Too Large` to request heads over `bytes`
    /// (at least 8 KiB, hyper's smallest buffer).
    pub fn max_header_bytes(mut self, bytes: usize) -> ServeOptions {
        self.max_header_bytes = bytes.max(8 * 1024);
        self
    }

    /// Whether the process collector (`process_cpu_seconds_total`,
    /// `process_resident_memory_bytes`, ...) is added to the registry served. By default
    /// it is for the global registry and not for an explicit one.
    #[cfg(feature = "process")]
    pub fn process_metrics(mut self, enabled: bool) -> ServeOptions {
        self.process_metrics = Some(enabled);
        self
    }

    /// Serves HTTPS with the PEM certificate chain (leaf first) and private key in these
    /// files. They are read when [`serve`](ServeOptions::serve) is called.
    #[cfg(feature = "tls")]
    pub fn tls_pem(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> ServeOptions {
        self.tls = Some((cert.into(), key.into()));
        self
    }

    /// Asks HTTPS clients for a certificate issued by one of the CAs in the PEM file `ca`,
    /// as Prometheus presents with `tls_config: {cert_file, key_file}`: required, or
    /// checked when shown. Needs [`tls_pem`](ServeOptions::tls_pem) too.
    ///
    /// ```no_run
    /// use tallymark_http::{ClientCerts, ServeOptions};
    ///
    /// let server = ServeOptions::new()
    ///     .tls_pem("server.pem", "server-key.pem")
    ///     .tls_client_ca("scrapers-ca.pem", ClientCerts::Required)
    ///     .serve("0.0.0.0:9100")?;
    /// # Ok::<(), tallymark_http::ServeError>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_client_ca(mut self, ca: impl Into<PathBuf>, certs: ClientCerts) -> ServeOptions {
        self.client_ca = Some((ca.into(), certs));
        self
    }

    /// Starts the server on a background thread, as [`serve`](crate::serve) does.
    ///
    /// Fails without starting anything when the address cannot be resolved or bound, the
    /// TLS files cannot be used, or, for the global registry, the catalog holds
    /// conflicting declarations (see [`Registry::catalog_errors`]).
    pub fn serve(self, addr: impl ToSocketAddrs + Display) -> Result<ServerHandle, ServeError> {
        let registry = self.endpoint.registry();
        let global = std::ptr::eq(registry, Registry::global());
        if global {
            let conflicts = Registry::catalog_errors();
            if !conflicts.is_empty() {
                return Err(ServeError::Catalog(conflicts.to_vec()));
            }
        }
        #[cfg(feature = "process")]
        if self.process_metrics.unwrap_or(global) {
            crate::process::register(registry);
        }
        let config = ServerConfig {
            #[cfg(feature = "tls")]
            tls: match (&self.tls, &self.client_ca) {
                (Some((cert, key)), client_ca) => Some(crate::tls::acceptor(
                    cert,
                    key,
                    client_ca.as_ref().map(|(ca, certs)| (ca.as_path(), *certs)),
                )?),
                (None, Some((ca, _))) => {
                    return Err(ServeError::Tls {
                        path: ca.clone(),
                        reason: "a client CA needs the server's own certificate; call \
                                 `tls_pem` too"
                            .into(),
                    })
                }
                (None, None) => None,
            },
            endpoint: self.endpoint,
            max_connections: self.max_connections,
            idle_timeout: self.idle_timeout,
            max_header_bytes: self.max_header_bytes,
        };
        server::start(addr, config)
    }
}
