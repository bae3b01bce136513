//! The background thread: a single-threaded tokio runtime accepting HTTP/1 connections.

use std::convert::Infallible;
use std::fmt;
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use crate::connections::{Connection, Connections, Registration, Tracked};
use crate::endpoint::MetricsEndpoint;
use crate::error::ServeError;
use crate::routes::respond;

/// Everything a running server needs, decided before it starts.
pub(crate) struct ServerConfig {
    pub(crate) endpoint: MetricsEndpoint,
    /// Connections held open at once; see `ServeOptions::max_connections` for what
    /// happens to one more.
    pub(crate) max_connections: usize,
    /// How long a connection may take to send a request's headers, counted from when it
    /// opens or finished its previous request: hyper closes it after that, so idle and
    /// slow clients cannot hold a connection slot.
    pub(crate) idle_timeout: Duration,
    /// The read buffer, and so the largest request head (431 beyond it).
    pub(crate) max_header_bytes: usize,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<tokio_rustls::TlsAcceptor>,
}

/// The kernel's queue of connections not yet accepted; Linux caps it at
/// `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 1024;

/// How long to wait before accepting again after `accept` failed, typically because the
/// process ran out of file descriptors; retrying at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What a connection the server has no room for gets: every connection is in the middle
/// of an answer, so one of them will soon be free.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
    content-type: text/plain; charset=utf-8\r\n\
    retry-after: 1\r\n\
    connection: close\r\n\
    content-length: 48\r\n\
    \r\n\
    busy: every connection is answering; retry soon\n";

/// A running `/metrics` server.
///
/// Dropping the handle leaves the server running until the process exits, as Python's
/// `start_http_server` does; call [`stop`](ServerHandle::stop) to shut it down.
///
/// ```
/// let server = tallymark_http::serve("127.0.0.1:0").unwrap();
/// assert_ne!(server.local_addr().port(), 0);
/// server.stop();
/// ```
#[must_use = "dropping the handle keeps the server running; keep it to call `stop`"]
pub struct ServerHandle {
    local_addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The address the server listens on, with the port the system chose when the
    /// caller asked for port 0.
    ///
    /// ```
    /// let server = tallymark_http::serve("127.0.0.1:0").unwrap();
    /// let url = format!("http://{}/metrics", server.local_addr());
    /// assert!(url.starts_with("http://127.0.0.1:"));
    /// server.stop();
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes the listening socket and open connections, and waits for
    /// the server thread to finish. The port is free again when this returns.
    ///
    /// ```
    /// let server = tallymark_http::serve("127.0.0.1:0").unwrap();
    /// let addr = server.local_addr();
    /// server.stop();
    /// assert!(std::net::TcpStream::connect(addr).is_err());
    /// ```
    pub fn stop(self) {
        // A send error means the thread is already gone; there is nothing left to stop.
        let _ = self.shutdown.send(());
        // The thread only panics if hyper or tokio does; the server is stopped either way.
        let _ = self.thread.join();
    }
}

/// Binds `addr` and starts serving `registry` on a new thread. Everything that can fail
/// happens before the thread starts, so the caller gets the error.
pub(crate) fn start<A>(addr: A, config: ServerConfig) -> Result<ServerHandle, ServeError>
where
    A: ToSocketAddrs + fmt::Display,
{
    let candidates = resolve(&addr)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(ServeError::Runtime)?;
    let bind_error = |source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = {
        // Registering the socket with the runtime's reactor needs the runtime entered.
        let _entered = runtime.enter();
        bind(&candidates).map_err(bind_error)?
    };
    let local_addr = listener.local_addr().map_err(bind_error)?;
    let (shutdown, stopped) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("tallymark-http".into())
        .spawn(move || run(runtime, listener, Arc::new(config), stopped))
        .map_err(ServeError::Runtime)?;
    Ok(ServerHandle {
        local_addr,
        shutdown,
        thread,
    })
}

fn resolve(addr: &(impl ToSocketAddrs + fmt::Display)) -> Result<Vec<SocketAddr>, ServeError> {
    let candidates: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|source| ServeError::Resolve {
            addr: addr.to_string(),
            source,
        })?
        .collect();
    if candidates.is_empty() {
        return Err(ServeError::Resolve {
            addr: addr.to_string(),
            source: io::Error::new(io::ErrorKind::NotFound, "no addresses found"),
        });
    }
    Ok(candidates)
}

/// Listens on the first candidate that can be bound, as `std::net::TcpListener::bind`
/// does, but with a queue of `LISTEN_BACKLOG`: std's 128 overflows when a burst of
/// clients connects faster than a busy machine schedules the server thread, and then
/// every client in the burst, a scraper too, waits a second or more for a SYN resent.
fn bind(candidates: &[SocketAddr]) -> io::Result<TcpListener> {
    let mut last_error = None;
    for &candidate in candidates {
        match listen_on(candidate) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no addresses found")))
}

fn listen_on(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std does on Unix, so a restarted server can reuse a port whose old connections
    // are still in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

fn run(
    runtime: Runtime,
    listener: TcpListener,
    config: Arc<ServerConfig>,
    stopped: oneshot::Receiver<()>,
) {
    runtime.block_on(async move {
        // A dropped handle closes the channel without a message: that means "run until the
        // process exits", not "stop".
        let stop_requested = async {
            if stopped.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::pin!(stop_requested);
        let connections = Arc::new(Connections::new(config.max_connections));
        loop {
            // Accepting at once, whatever the count, keeps the kernel's queue short, so a
            // scraper's connection is seen right away and can take an idle one's place.
            let accepted = tokio::select! {
                () = &mut stop_requested => break,
                accepted = listener.accept() => accepted,
            };
            let Ok((stream, _peer)) = accepted else {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            };
            match connections.admit() {
                Some(registration) => {
                    tokio::spawn(serve_admitted(stream, Arc::clone(&config), registration));
                }
                None => refuse(stream, &config),
            }
        }
    });
    // Dropping the runtime here cancels the connection tasks still open, and with them
    // their sockets, before `stop` returns.
}

/// Serves a connection until it ends, or until the server closes it to make room.
async fn serve_admitted(stream: TcpStream, config: Arc<ServerConfig>, registration: Registration) {
    let connection = Arc::clone(registration.connection());
    tokio::select! {
        () = serve_connection(stream, config, Arc::clone(&connection)) => {}
        () = connection.evicted() => {}
    }
    drop(registration);
}

/// Turns away a connection the server has no room for, without waiting on it: a 503 in
/// one write, which a new socket's empty send buffer takes at once, then closes it.
fn refuse(stream: TcpStream, config: &ServerConfig) {
    // Over TLS, plain bytes would be garbage to the client; closing says as much.
    #[cfg(feature = "tls")]
    if config.tls.is_some() {
        return;
    }
    #[cfg(not(feature = "tls"))]
    let _ = config;
    // The std socket stays non-blocking, so the write cannot stall the accept loop; it
    // is tried directly, where tokio's would wait for a readiness event first.
    if let Ok(stream) = stream.into_std() {
        let _ = (&stream).write(BUSY);
    }
}

async fn serve_connection(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    connection: Arc<Connection>,
) {
    // Scrape answers are written whole; waiting to coalesce them only adds latency.
    let _ = stream.set_nodelay(true);
    let stream = Tracked::new(stream, Arc::clone(&connection));
    #[cfg(feature = "tls")]
    if let Some(acceptor) = &config.tls {
        // The handshake gets the same deadline as a request's headers, so a client that
        // opens a connection and says nothing cannot keep its slot.
        let handshake = tokio::time::timeout(config.idle_timeout, acceptor.accept(stream)).await;
        if let Ok(Ok(tls)) = handshake {
            serve_http(tls, Arc::clone(&config), connection).await;
        }
        return;
    }
    serve_http(stream, config, connection).await;
}

async fn serve_http<I>(io: I, config: Arc<ServerConfig>, connection: Arc<Connection>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let endpoint = config.endpoint.clone();
    let service = service_fn(move |request| {
        let answer = respond(&endpoint, &request).map(|body| connection.answer(body));
        async move { Ok::<_, Infallible>(answer) }
    });
    // An error here means the client went away, timed out or sent garbage; hyper has
    // already answered what could be answered, and nobody else needs to know.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(config.idle_timeout)
        .max_buf_size(config.max_header_bytes)
        .serve_connection(TokioIo::new(io), service)
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_refused_connection_gets_503_with_retry_after_and_is_closed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (accepted, _) = listener.accept().unwrap();
        accepted.set_nonblocking(true).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let config = ServerConfig {
            endpoint: MetricsEndpoint::global(),
            max_connections: 1,
            idle_timeout: Duration::from_secs(1),
            max_header_bytes: 8192,
            #[cfg(feature = "tls")]
            tls: None,
        };
        runtime.block_on(async {
            refuse(TcpStream::from_std(accepted).unwrap(), &config);
        });
        let mut said = String::new();
        client.read_to_string(&mut said).unwrap();
        assert_eq!(
            said,
            "HTTP/1.1 503 Service Unavailable\r\n\
             content-type: text/plain; charset=utf-8\r\n\
             retry-after: 1\r\n\
             connection: close\r\n\
             content-length: 48\r\n\
             \r\n\
             busy: every connection is answering; retry soon\n"
        );
        let body = said.split_once("\r\n\r\n").unwrap().1;
        assert_eq!(body.len(), 48);
    }
}
