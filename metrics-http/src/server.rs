//! The background thread: a single-threaded tokio runtime accepting HTTP/1 connections.

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::{oneshot, Semaphore};

use crate::endpoint::MetricsEndpoint;
use crate::error::ServeError;
use crate::routes::respond;

/// Everything a running server needs, decided before it starts.
pub(crate) struct ServerConfig {
    pub(crate) endpoint: MetricsEndpoint,
    /// Connections served at once; further clients wait in the kernel's accept queue.
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

/// How long to wait before accepting again after `accept` failed, typically because the
/// process ran out of file descriptors; retrying at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

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
    let listener = bind(&addr)?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(ServeError::Runtime)?;
    let listener = {
        // Registering the socket with the runtime's reactor needs the runtime entered.
        let _entered = runtime.enter();
        TcpListener::from_std(listener).map_err(ServeError::Runtime)?
    };
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

fn bind(addr: &(impl ToSocketAddrs + fmt::Display)) -> Result<std::net::TcpListener, ServeError> {
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
    let bind_error = |source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = std::net::TcpListener::bind(&candidates[..]).map_err(bind_error)?;
    // tokio requires a non-blocking socket; it would otherwise block the whole runtime.
    listener.set_nonblocking(true).map_err(bind_error)?;
    Ok(listener)
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
        let slots = Arc::new(Semaphore::new(config.max_connections));
        loop {
            // Taking a slot before accepting leaves surplus clients in the kernel's queue,
            // where they cost this process nothing, instead of accepting and dropping them.
            let slot = tokio::select! {
                () = &mut stop_requested => break,
                slot = Arc::clone(&slots).acquire_owned() => slot,
            };
            let Ok(slot) = slot else { break };
            let accepted = tokio::select! {
                () = &mut stop_requested => break,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _peer)) => {
                    let config = Arc::clone(&config);
                    tokio::spawn(async move {
                        serve_connection(stream, config).await;
                        drop(slot);
                    });
                }
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            }
        }
    });
    // Dropping the runtime here cancels the connection tasks still open, and with them
    // their sockets, before `stop` returns.
}

async fn serve_connection(stream: TcpStream, config: Arc<ServerConfig>) {
    // Scrape answers are written whole; waiting to coalesce them only adds latency.
    let _ = stream.set_nodelay(true);
    #[cfg(feature = "tls")]
    if let Some(acceptor) = &config.tls {
        // The handshake gets the same deadline as a request's headers, so a client that
        // opens a connection and says nothing cannot keep its slot.
        let handshake = tokio::time::timeout(config.idle_timeout, acceptor.accept(stream)).await;
        if let Ok(Ok(tls)) = handshake {
            serve_http(tls, Arc::clone(&config)).await;
        }
        return;
    }
    serve_http(stream, config).await;
}

async fn serve_http<I>(io: I, config: Arc<ServerConfig>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let endpoint = config.endpoint.clone();
    let service = service_fn(move |request| {
        let answer = respond(&endpoint, &request);
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
