//! The standalone `/metrics` server for [tallymark](https://docs.rs/tallymark): one call
//! starts it on a background thread, the way Python's `start_http_server` does, so
//! programs without a web framework (workers, batch jobs, CLIs) can be scraped.
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
//! It runs a single-threaded tokio runtime of its own, so it works whether or not the
//! program uses tokio, and never competes with the program's own runtime for workers.

mod error;
mod routes;
mod scrape;
mod server;

use std::fmt::Display;
use std::net::ToSocketAddrs;

use tallymark_core::Registry;

pub use error::ServeError;
pub use server::ServerHandle;

/// Serves the global registry, every `#[tallymark::metric]` family of the program, at
/// `http://{addr}/metrics` from a background thread.
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
    let conflicts = Registry::catalog_errors();
    if !conflicts.is_empty() {
        return Err(ServeError::Catalog(conflicts.to_vec()));
    }
    serve_registry(addr, Registry::global())
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
    server::start(addr, registry)
}
