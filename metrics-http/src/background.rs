//! The background thread shared by the clients that send a registry on a schedule
//! (remote write, OTLP): an interval while the receiver accepts, exponential backoff
//! while it fails, `flush` to send now, `stop` to end. What a send is, and what it
//! reports, belongs to each client.

use std::future::Future;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::client::{Credentials, PushError};

/// When a client sends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    /// Between sends while the receiver accepts them, and after a refusal.
    pub(crate) interval: Duration,
    /// The first wait after a failure worth retrying; it doubles up to `max_backoff`.
    pub(crate) min_backoff: Duration,
    pub(crate) max_backoff: Duration,
}

/// What every background sender's builder takes besides its own settings: credentials
/// and timing, with their builder methods written once by `sender_builder_methods!`.
#[derive(Clone, Debug)]
pub(crate) struct SendSettings {
    pub(crate) credentials: Credentials,
    pub(crate) schedule: Schedule,
    /// How long one request may take.
    pub(crate) timeout: Duration,
}

impl SendSettings {
    /// No credentials, a send every 15 s, 10 s per request, backoff from 500 ms to 30 s.
    pub(crate) fn new() -> SendSettings {
        SendSettings {
            credentials: Credentials::None,
            schedule: Schedule {
                interval: Duration::from_secs(15),
                min_backoff: Duration::from_millis(500),
                max_backoff: Duration::from_secs(30),
            },
            timeout: Duration::from_secs(10),
        }
    }
}

/// The builder methods of [`SendSettings`], for a builder with a field `send` holding
/// them and a method `start` that checks the credentials.
macro_rules! sender_builder_methods {
    () => {
        /// Sends HTTP basic auth. A user name containing `:` makes
        /// [`start`](Self::start) fail with [`PushError::InvalidCredentials`].
        pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
            self.send.credentials = $crate::client::Credentials::basic(user, password);
            self
        }

        /// Sends `Authorization: Bearer <token>`. A token that a header cannot carry as
        /// given (empty, with a control character such as `\n`, or with whitespace at
        /// either end) makes [`start`](Self::start) fail with
        /// [`PushError::InvalidCredentials`].
        pub fn bearer_token(mut self, token: &str) -> Self {
            self.send.credentials = $crate::client::Credentials::bearer(token);
            self
        }

        /// How often a snapshot is sent while the receiver accepts them (default 15 s).
        pub fn interval(mut self, interval: ::std::time::Duration) -> Self {
            self.send.schedule.interval = interval;
            self
        }

        /// How long one request may take (default 10 s).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.send.timeout = timeout;
            self
        }

        /// The first and the longest wait between retries (defaults 500 ms and 30 s).
        pub fn backoff(mut self, min: ::std::time::Duration, max: ::std::time::Duration) -> Self {
            self.send.schedule.min_backoff = min;
            self.send.schedule.max_backoff = max.max(min);
            self
        }
    };
}
pub(crate) use sender_builder_methods;

/// One client's sends: each takes a fresh snapshot, so nothing is ever queued.
pub(crate) trait Sender: Send + 'static {
    /// Takes a snapshot and sends it.
    fn send_snapshot(&mut self) -> impl Future<Output = Result<(), PushError>>;

    /// The first failure of an outage; the default says nothing.
    fn failing(&self, _error: &PushError) {}

    /// The first success after an outage.
    fn recovered(&self) {}
}

/// Whether sending the same kind of request again later may succeed: after a network
/// failure, a timeout, a 5xx or a 429, yes. Any other 4xx refuses the request itself,
/// which a fresh snapshot would not change.
pub(crate) fn worth_retrying(error: &PushError) -> bool {
    match error {
        PushError::Status { status: 429, .. } => true,
        PushError::Status {
            status: 400..=499, ..
        } => false,
        _ => true,
    }
}

/// A request to send now, and where to report how it went.
#[derive(Debug)]
struct Flush(std_mpsc::Sender<Result<(), PushError>>);

/// A running background sender. Dropping it stops the thread after its current request;
/// [`stop`](Background::stop) also waits for that.
#[derive(Debug)]
pub(crate) struct Background {
    commands: mpsc::UnboundedSender<Flush>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Starts a thread called `name` that sends at once, then on `schedule`. `url` names
    /// the receiver in the errors of starting.
    pub(crate) fn start(
        name: &str,
        url: &str,
        schedule: Schedule,
        sender: impl Sender,
    ) -> Result<Background, PushError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| PushError::Connection {
                url: url.to_owned(),
                reason: format!("cannot start the sender's runtime: {e}"),
            })?;
        let (commands, received) = mpsc::unbounded_channel();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || runtime.block_on(run(sender, schedule, received)))
            .map_err(|e| PushError::Connection {
                url: url.to_owned(),
                reason: format!("cannot start the sender's thread: {e}"),
            })?;
        Ok(Background {
            commands,
            thread: Some(thread),
        })
    }

    /// Sends a snapshot now and waits for the receiver's answer. The regular schedule
    /// restarts from here.
    pub(crate) fn flush(&self) -> Result<(), PushError> {
        let (reply, result) = std_mpsc::channel();
        self.commands
            .send(Flush(reply))
            .map_err(|_| PushError::Stopped)?;
        result.recv().unwrap_or(Err(PushError::Stopped))
    }

    /// Stops the thread and waits for it, without a final send.
    pub(crate) fn stop(mut self) {
        self.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Closing the channel is the signal to stop; the loop ends at its next turn.
    fn close(&mut self) {
        let (closed, _) = mpsc::unbounded_channel();
        drop(std::mem::replace(&mut self.commands, closed));
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Without joining: dropping must not block on a request in progress.
        self.close();
    }
}

async fn run(
    mut sender: impl Sender,
    schedule: Schedule,
    mut commands: mpsc::UnboundedReceiver<Flush>,
) {
    let mut backoff = schedule.min_backoff;
    let mut failing = false;
    let mut next = Instant::now();
    loop {
        let (result, reply) = tokio::select! {
            () = tokio::time::sleep_until(next) => (sender.send_snapshot().await, None),
            command = commands.recv() => match command {
                Some(Flush(reply)) => (sender.send_snapshot().await, Some(reply)),
                None => break,
            },
        };
        let wait = match &result {
            Ok(()) => {
                if failing {
                    sender.recovered();
                }
                failing = false;
                backoff = schedule.min_backoff;
                schedule.interval
            }
            Err(error) => {
                // Once per outage, not once per retry; each client counts the failures
                // themselves in its own self-metric.
                if !failing {
                    sender.failing(error);
                }
                failing = true;
                if worth_retrying(error) {
                    let wait = backoff;
                    backoff = (backoff * 2).min(schedule.max_backoff);
                    wait
                } else {
                    // The receiver is up and refused this request: the next snapshot goes
                    // at the regular time, not sooner.
                    backoff = schedule.min_backoff;
                    schedule.interval
                }
            }
        };
        next = Instant::now() + wait;
        if let Some(reply) = reply {
            // The caller may have given up waiting; the result is counted either way.
            let _ = reply.send(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_failures_5xx_and_429_are_retried() {
        let answered = |status| PushError::Status {
            url: String::new(),
            status,
            body: String::new(),
        };
        let retried: Vec<u16> = [302, 400, 401, 404, 413, 415, 429, 500, 502, 503]
            .into_iter()
            .filter(|&status| worth_retrying(&answered(status)))
            .collect();
        assert_eq!(retried, [302, 429, 500, 502, 503]);
        assert!(worth_retrying(&PushError::Timeout {
            url: String::new(),
            after: Duration::from_secs(1),
        }));
    }
}
