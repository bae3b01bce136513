//! The Prometheus remote-write client: a background thread that sends a registry, as
//! snappy-compressed protobuf `prometheus.WriteRequest`, to a receiver at a set interval.
//! That is how a fleet that has outgrown one Prometheus feeds Mimir, Thanos or Cortex, or
//! how a program behind a firewall reaches a Prometheus started with
//! `--web.enable-remote-write-receiver`.
//!
//! ```no_run
//! use std::time::Duration;
//! use tallymark_http::remote_write::RemoteWriter;
//!
//! let writer = RemoteWriter::builder("http://127.0.0.1:9090/api/v1/write")
//!     .label("job", "billing")
//!     .label("instance", "billing-1")
//!     .interval(Duration::from_secs(15))
//!     .start()?;
//! // ... the program runs ...
//! writer.flush()?; // at shutdown: send the final values now
//! writer.stop();
//! # Ok::<(), tallymark_http::PushError>(())
//! ```
//!
//! Each send is a fresh snapshot of the registry. When the receiver is down the writer
//! retries with exponential backoff (doubling from `min_backoff` up to `max_backoff`),
//! and each retry again sends the latest snapshot instead of queueing old ones. Memory
//! stays bounded by one request, and nothing cumulative is lost: a counter's latest value
//! carries its whole total. Only the intermediate values of gauges during the outage are.
//!
//! The writer counts its own work in `tallymark_remote_write_requests_total`,
//! `tallymark_remote_write_requests_failed_total` and
//! `tallymark_remote_write_samples_total`, added to the registry it sends (shared by all
//! writers of the process). With tallymark-core's feature `tracing-events`, the first
//! failure of an outage is also a `WARN` event and the first success after it an `INFO`.

mod convert;
mod wire;

use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::body::Bytes;
use hyper::Method;
use prost::Message;
use tallymark_core::encoding::Flatten;
use tallymark_core::names::check_label_name;
use tallymark_core::{diagnostics, Counter, Descriptor, Registry};
use tokio::sync::mpsc;
use tokio::time::Instant;

pub use crate::client::PushError;
use crate::client::{self, Credentials, Outgoing, Target};
use convert::WriteRequestBuilder;

static REQUESTS: Counter = Counter::new().described(
    const {
        &Descriptor::new(
            "tallymark_remote_write_requests_total",
            "Remote-write requests the receiver accepted.",
        )
    },
);
static FAILED: Counter = Counter::new().described(const {
    &Descriptor::new(
        "tallymark_remote_write_requests_failed_total",
        "Remote-write requests that failed: receiver unreachable, no answer in time, or an answer other than 2xx.",
    )
});
static SAMPLES: Counter = Counter::new().described(
    const {
        &Descriptor::new(
            "tallymark_remote_write_samples_total",
            "Samples in remote-write requests the receiver accepted.",
        )
    },
);

/// The headers remote-write 1.0 requires besides Content-Type.
const PROTOCOL_HEADERS: [(&str, &str); 3] = [
    ("content-encoding", "snappy"),
    ("x-prometheus-remote-write-version", "0.1.0"),
    (
        "user-agent",
        concat!("tallymark/", env!("CARGO_PKG_VERSION")),
    ),
];

/// Settings for a [`RemoteWriter`]; [`start`](RemoteWriterBuilder::start) launches it.
#[derive(Clone, Debug)]
#[must_use = "nothing is sent until `start` is called"]
pub struct RemoteWriterBuilder {
    url: String,
    registry: &'static Registry,
    labels: Vec<(String, String)>,
    credentials: Credentials,
    interval: Duration,
    timeout: Duration,
    min_backoff: Duration,
    max_backoff: Duration,
}

impl RemoteWriterBuilder {
    /// Sends `registry` instead of the global one.
    pub fn registry(mut self, registry: &'static Registry) -> Self {
        self.registry = registry;
        self
    }

    /// Adds a label to every series that lacks it. A remote-written series gets no `job`
    /// or `instance` from a scrape config, so set them here.
    pub fn label(mut self, name: &str, value: &str) -> Self {
        self.labels.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends HTTP basic auth. A user name containing `:` makes
    /// [`start`](RemoteWriterBuilder::start) fail with [`PushError::InvalidCredentials`].
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.credentials = Credentials::basic(user, password);
        self
    }

    /// Sends `Authorization: Bearer <token>`. A token that a header cannot carry as given
    /// (empty, with a control character such as `\n`, or with whitespace at either end)
    /// makes [`start`](RemoteWriterBuilder::start) fail with
    /// [`PushError::InvalidCredentials`].
    pub fn bearer_token(mut self, token: &str) -> Self {
        self.credentials = Credentials::bearer(token);
        self
    }

    /// How often a snapshot is sent while the receiver accepts them (default 15 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long one request may take (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The first and the longest wait between retries (defaults 500 ms and 30 s).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// Checks the settings and starts the background thread, which sends the first
    /// snapshot at once.
    pub fn start(self) -> Result<RemoteWriter, PushError> {
        let target = Target::parse(&self.url)?;
        self.credentials.check()?;
        for (name, _) in &self.labels {
            check_label_name(name).map_err(|e| PushError::InvalidLabel(e.to_string()))?;
        }
        // A registry that holds them already, from another writer, counts for both.
        for counter in [&REQUESTS, &FAILED, &SAMPLES] {
            let _ = self.registry.register_static(counter);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| PushError::Connection {
                url: self.url.clone(),
                reason: format!("cannot start the writer's runtime: {e}"),
            })?;
        let (commands, received) = mpsc::unbounded_channel();
        let loop_state = SendLoop {
            target,
            settings: self,
        };
        let thread = std::thread::Builder::new()
            .name("tallymark-remote-write".into())
            .spawn(move || runtime.block_on(loop_state.run(received)))
            .map_err(|e| PushError::Connection {
                url: String::new(),
                reason: format!("cannot start the writer's thread: {e}"),
            })?;
        Ok(RemoteWriter {
            commands,
            thread: Some(thread),
        })
    }
}

/// A running remote-write client. Dropping it stops the background thread after its
/// current request; [`stop`](RemoteWriter::stop) also waits for that.
#[derive(Debug)]
pub struct RemoteWriter {
    commands: mpsc::UnboundedSender<Flush>,
    thread: Option<JoinHandle<()>>,
}

/// A request to send now, and where to report how it went.
#[derive(Debug)]
struct Flush(std_mpsc::Sender<Result<(), PushError>>);

impl RemoteWriter {
    /// Settings for a writer to `url`, the receiver's write endpoint (for Prometheus,
    /// `http://host:9090/api/v1/write`), sending the global registry.
    pub fn builder(url: &str) -> RemoteWriterBuilder {
        RemoteWriterBuilder {
            url: url.to_owned(),
            registry: Registry::global(),
            labels: Vec::new(),
            credentials: Credentials::None,
            interval: Duration::from_secs(15),
            timeout: Duration::from_secs(10),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// Sends a snapshot now and waits for the receiver's answer, for use at shutdown.
    /// The regular schedule restarts from here.
    pub fn flush(&self) -> Result<(), PushError> {
        let (reply, result) = std_mpsc::channel();
        self.commands
            .send(Flush(reply))
            .map_err(|_| PushError::Stopped)?;
        result.recv().unwrap_or(Err(PushError::Stopped))
    }

    /// Stops the background thread and waits for it, without a final send: call
    /// [`flush`](RemoteWriter::flush) first for that.
    pub fn stop(mut self) {
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

/// The background loop's state.
struct SendLoop {
    target: Target,
    settings: RemoteWriterBuilder,
}

impl SendLoop {
    async fn run(self, mut commands: mpsc::UnboundedReceiver<Flush>) {
        let mut backoff = self.settings.min_backoff;
        let mut failing = false;
        let mut next = Instant::now();
        loop {
            let (result, reply) = tokio::select! {
                () = tokio::time::sleep_until(next) => (self.send_snapshot().await, None),
                command = commands.recv() => match command {
                    Some(Flush(reply)) => (self.send_snapshot().await, Some(reply)),
                    None => break,
                },
            };
            let wait = match &result {
                Ok(()) => {
                    if failing {
                        diagnostics::remote_write_recovered(&self.settings.url);
                    }
                    failing = false;
                    backoff = self.settings.min_backoff;
                    self.settings.interval
                }
                Err(error) => {
                    // Once per outage, not once per retry; the failures themselves are
                    // counted in `tallymark_remote_write_requests_failed_total`.
                    if !failing {
                        diagnostics::remote_write_failing(&self.settings.url, error);
                    }
                    failing = true;
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.settings.max_backoff);
                    wait
                }
            };
            next = Instant::now() + wait;
            if let Some(reply) = reply {
                // The caller may have given up waiting; the result is counted either way.
                let _ = reply.send(result);
            }
        }
    }

    /// Takes a snapshot of the registry and sends it.
    async fn send_snapshot(&self) -> Result<(), PushError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut builder = Flatten(WriteRequestBuilder::new(&self.settings.labels, now_ms));
        self.settings.registry.encode_into(&mut builder, &[]);
        let request = builder.0.finish();
        let samples = request.timeseries.len() as u64;
        let body = snap::raw::Encoder::new()
            .compress_vec(&request.encode_to_vec())
            .map_err(|e| PushError::Connection {
                url: self.settings.url.clone(),
                reason: format!("cannot compress the request: {e}"),
            })?;
        let outgoing = Outgoing {
            method: Method::POST,
            path: String::new(),
            content_type: Some("application/x-protobuf"),
            extra_headers: &PROTOCOL_HEADERS,
            body: Bytes::from(body),
        };
        let result = client::send(
            &self.target,
            &self.settings.credentials,
            outgoing,
            self.settings.timeout,
        )
        .await;
        match result {
            Ok(()) => {
                REQUESTS.inc();
                SAMPLES.inc_by(samples);
            }
            Err(_) => FAILED.inc(),
        }
        result
    }
}

impl Drop for RemoteWriter {
    fn drop(&mut self) {
        // Without joining: dropping must not block on a request in progress.
        self.close();
    }
}
