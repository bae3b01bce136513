//! The standalone server's open connections, kept so that a flood of idle ones cannot
//! keep a scraper out: at the limit, the one that has been silent longest is closed to
//! make room for the newcomer, which is always the freshest.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use http_body_util::Full;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// Every connection the server holds, up to its limit.
pub(crate) struct Connections {
    limit: usize,
    epoch: Instant,
    open: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    by_id: HashMap<u64, Arc<Connection>>,
}

/// What the server knows of one connection's activity.
pub(crate) struct Connection {
    id: u64,
    epoch: Instant,
    /// Milliseconds from `epoch` to the last byte read or written, or to the end of the
    /// last answer.
    last_active: AtomicU64,
    /// Answers in progress: from a complete request head until hyper has the body.
    answering: AtomicUsize,
    /// Whether the socket refused the last write for now: bytes of an answer are still
    /// waiting for a slow reader, who is in the middle of a scrape, not idle.
    write_blocked: AtomicBool,
    evicted: Notify,
}

impl Connections {
    pub(crate) fn new(limit: usize) -> Connections {
        Connections {
            limit: limit.max(1),
            epoch: Instant::now(),
            open: Mutex::new(Table::default()),
        }
    }

    /// Makes room for a new connection, closing the one silent longest among those not
    /// being answered when the table is full. `None` when every connection is being
    /// answered: then the newcomer must be turned away.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Registration> {
        // The table stays consistent at every step, so a panic elsewhere while it was
        // held leaves nothing to repair.
        let mut table = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if table.by_id.len() >= self.limit {
            let victim = table
                .by_id
                .values()
                .filter(|c| {
                    c.answering.load(Ordering::Relaxed) == 0
                        && !c.write_blocked.load(Ordering::Relaxed)
                })
                .min_by_key(|c| (c.last_active.load(Ordering::Relaxed), c.id))
                .map(|c| c.id)?;
            if let Some(victim) = table.by_id.remove(&victim) {
                victim.evicted.notify_one();
            }
        }
        let id = table.next_id;
        table.next_id += 1;
        let connection = Arc::new(Connection {
            id,
            epoch: self.epoch,
            last_active: AtomicU64::new(0),
            answering: AtomicUsize::new(0),
            write_blocked: AtomicBool::new(false),
            evicted: Notify::new(),
        });
        connection.touch();
        table.by_id.insert(id, Arc::clone(&connection));
        Some(Registration {
            connections: Arc::clone(self),
            connection,
        })
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let table = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        table.by_id.len()
    }
}

/// A connection's place in the table, given back when dropped.
pub(crate) struct Registration {
    connections: Arc<Connections>,
    connection: Arc<Connection>,
}

impl Registration {
    pub(crate) fn connection(&self) -> &Arc<Connection> {
        &self.connection
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut table = self
            .connections
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        table.by_id.remove(&self.connection.id);
    }
}

impl Connection {
    /// Notes how a write went: refused for now, or taken.
    fn wrote<T>(&self, polled: &Poll<io::Result<T>>) {
        match polled {
            Poll::Pending => self.write_blocked.store(true, Ordering::Relaxed),
            Poll::Ready(_) => self.write_blocked.store(false, Ordering::Relaxed),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active.store(now, Ordering::Relaxed);
    }

    /// Completes when the server closes this connection to make room for another.
    pub(crate) async fn evicted(&self) {
        self.evicted.notified().await;
    }

    /// Marks an answer in progress until the returned body is dropped.
    pub(crate) fn answer(self: &Arc<Self>, body: Full<Bytes>) -> TrackedBody {
        self.answering.fetch_add(1, Ordering::Relaxed);
        TrackedBody {
            body,
            connection: Arc::clone(self),
        }
    }
}

/// A connection's socket, noting each byte that moves in either direction.
pub(crate) struct Tracked<I> {
    io: I,
    connection: Arc<Connection>,
}

impl<I> Tracked<I> {
    pub(crate) fn new(io: I, connection: Arc<Connection>) -> Tracked<I> {
        Tracked { io, connection }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.connection.touch();
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.connection.wrote(&polled);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.connection.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.connection.wrote(&polled);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.connection.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        this.connection.wrote(&polled);
        polled
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// An answer's body, keeping its connection marked as answering until hyper drops it.
pub(crate) struct TrackedBody {
    body: Full<Bytes>,
    connection: Arc<Connection>,
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.connection.answering.fetch_sub(1, Ordering::Relaxed);
        self.connection.touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_active(registration: &Registration, millis: u64) {
        registration
            .connection
            .last_active
            .store(millis, Ordering::Relaxed);
    }

    #[test]
    fn at_the_limit_the_longest_silent_connection_makes_room() {
        let connections = Arc::new(Connections::new(3));
        let all: Vec<Registration> = (0..3).map(|_| connections.admit().unwrap()).collect();
        for (registration, millis) in all.iter().zip([50, 10, 30]) {
            set_active(registration, millis);
        }
        let newcomer = connections.admit().expect("room is made");
        assert_eq!(connections.len(), 3);
        let open: Vec<bool> = all
            .iter()
            .map(|r| {
                let table = connections.open.lock().unwrap();
                table.by_id.contains_key(&r.connection.id)
            })
            .collect();
        assert_eq!(open, [true, false, true]);
        // The evicted connection's task learns it at once, even if it was not waiting yet.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(5),
                all[1].connection.evicted(),
            )
            .await
            .expect("the evicted connection is told");
        });
        drop(all);
        assert_eq!(connections.len(), 1, "only the newcomer is left");
        drop(newcomer);
        assert_eq!(connections.len(), 0);
    }

    #[test]
    fn connections_being_answered_are_never_closed_for_room() {
        let connections = Arc::new(Connections::new(2));
        let first = connections.admit().unwrap();
        let second = connections.admit().unwrap();
        set_active(&first, 0);
        set_active(&second, 5);
        let first_body = first.connection.answer(Full::new(Bytes::new()));
        let third = connections.admit().expect("the second makes room");
        let third_body = third.connection.answer(Full::new(Bytes::new()));
        assert!(connections.admit().is_none(), "both are being answered");
        drop(first_body);
        assert!(connections.admit().is_some(), "the first is idle again");
        drop((second, third_body));
    }
}
