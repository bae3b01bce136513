//! The transport half of [tallymark](https://docs.rs/tallymark): a standalone `/metrics`
//! server, middleware for axum and actix-web, and clients that push to a Pushgateway, a
//! remote-write receiver or an OTLP receiver.
//!
//! The standalone server starts with one call, on a background thread, the way Python's
//! `start_http_server` does, so programs without a web framework (workers, batch jobs,
//! CLIs) can be scraped:
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let server = tallymark_http::serve("127.0.0.1:0")?;
//! let mut conn = std::net::TcpStream::connect(server.local_addr())?;
//! conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
//! let mut reply = String::new();
//! conn.read_to_string(&mut reply)?;
//! assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"));
//! server.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The server answers `GET` and `HEAD` on `/metrics`, `405 Method Not Allowed` to other
//! methods there, and `404 Not Found` everywhere else. A scrape gets
//! - the format its `Accept` header prefers, by [`negotiate`](tallymark_core::negotiate):
//!   OpenMetrics 1.0, protobuf (with the `protobuf` feature, on by default), or the text
//!   format 0.0.4 when it names neither, always with that format's one Content-Type;
//! - a gzip-compressed body when `Accept-Encoding` allows it (the `gzip` feature, on by
//!   default);
//! - only the families named by `?name[]=a&name[]=b`, when any are.
//!
//! [`ServeOptions`] adds basic or bearer auth, TLS (feature `tls`) and other limits. The
//! server runs a single-threaded tokio runtime of its own, so it works whether or not the
//! program uses tokio, and never competes with the program's own runtime for workers.
//!
//! | feature | adds |
//! | --- | --- |
//! | `protobuf`, `gzip` (default) | the protobuf format, gzip-compressed scrapes |
//! | `process` (default) | `process`: CPU, memory, fds and threads of the process |
//! | `axum` | `axum`: a tower `Layer` recording every request, and a `/metrics` router |
//! | `actix` | `actix`: the same for actix-web |
//! | `tls` | `ServeOptions::tls_pem`, `ServeOptions::tls_client_ca` |
//! | `push` | `push`: the Pushgateway client |
//! | `remote-write` | `remote_write`: the Prometheus remote-write client |
//! | `otlp` | `otlp`: the OTLP/HTTP metrics exporter, for OpenTelemetry receivers |

// A library never writes to the terminal of the program that embeds it; tallymark's own
// events go through `tallymark_core::diagnostics`.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

mod auth;
mod connections;
mod endpoint;
mod error;
mod http_metrics;
mod options;
mod routes;
mod scrape;
mod server;

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(any(feature = "remote-write", feature = "otlp"))]
mod background;
#[cfg(any(feature = "push", feature = "remote-write", feature = "otlp"))]
mod client;
#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "process")]
pub mod process;
#[cfg(feature = "push")]
pub mod push;
#[cfg(feature = "remote-write")]
pub mod remote_write;
#[cfg(feature = "tls")]
mod tls;

#[cfg(any(feature = "push", feature = "remote-write", feature = "otlp"))]
pub use client::PushError;

/// The optional modules this build has, for the `tallymark` facade to re-export with one
/// glob, whichever features turned them on.
#[doc(hidden)]
pub mod modules {
    #[cfg(feature = "actix")]
    pub use crate::actix;
    #[cfg(feature = "axum")]
    pub use crate::axum;
    #[cfg(feature = "otlp")]
    pub use crate::otlp;
    #[cfg(feature = "process")]
    pub use crate::process;
    #[cfg(feature = "push")]
    pub use crate::push;
    #[cfg(feature = "remote-write")]
    pub use crate::remote_write;
    #[cfg(feature = "tls")]
    pub use crate::ClientCerts;
    #[cfg(any(feature = "push", feature = "remote-write", feature = "otlp"))]
    pub use crate::PushError;
}
use std::fmt::Display;
use std::net::ToSocketAddrs;

use tallymark_core::Registry;

pub use auth::Auth;
pub use endpoint::MetricsEndpoint;
pub use error::ServeError;
pub use http_metrics::{HttpMetrics, HttpMetricsBuilder, RequestTimer, UNMATCHED_ROUTE};
#[cfg(feature = "tls")]
pub use options::ClientCerts;
pub use options::{
    ServeOptions, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEADER_BYTES,
};
pub use server::ServerHandle;

/// Serves the global registry, every `#[tallymark::metric]` family of the program, at
/// `http://{addr}/metrics` from a background thread, with the process collector (feature
/// `process`, on by default). [`ServeOptions`] changes any of that.
///
/// Returns once the socket is listening, so a scrape sent right after succeeds. Fails
/// without starting anything when the address cannot be resolved or bound, or when the
/// catalog holds conflicting declarations (see [`Registry::catalog_errors`]).
///
/// ```
/// let server = tallymark_http::serve("127.0.0.1:0")?;
/// println!("Metrics server on http://{}/metrics", server.local_addr());
/// server.stop();
/// # Ok::<(), tallymark_http::ServeError>(())
/// ```
pub fn serve(addr: impl ToSocketAddrs + Display) -> Result<ServerHandle, ServeError> {
    ServeOptions::new().serve(addr)
}

/// Serves an explicit registry, for tests and for programs that keep their families out
/// of the global catalog. Fails like [`serve`] when the address is unusable.
///
/// ```
/// use tallymark_core::{Counter, Descriptor, Registry};
///
/// static JOBS: Counter =
///     Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") });
///
/// let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
/// registry.register_static(&JOBS).unwrap();
/// let server = tallymark_http::serve_registry("127.0.0.1:0", registry)?;
/// server.stop();
/// # Ok::<(), tallymark_http::ServeError>(())
/// ```
pub fn serve_registry(
    addr: impl ToSocketAddrs + Display,
    registry: &'static Registry,
) -> Result<ServerHandle, ServeError> {
    ServeOptions::new().registry(registry).serve(addr)
}
