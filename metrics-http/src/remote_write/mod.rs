//! The Prometheus remote-write client: a background thread that sends a registry, as
//! snappy-compressed protobuf, to a receiver at a set interval: remote-write 1.0's
//! `prometheus.WriteRequest` by default, or 2.0's `io.prometheus.write.v2.Request` with
//! [`RemoteWriterBuilder::protocol`].
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
//! Each send is a fresh snapshot of the registry. When the receiver is down, or answers
//! 5xx or 429, the writer retries with exponential backoff (doubling from `min_backoff`
//! up to `max_backoff`), and each retry again sends the latest snapshot instead of
//! queueing old ones. Memory stays bounded by one request, and nothing cumulative is
//! lost: a counter's latest value carries its whole total. Only the intermediate values
//! of gauges during the outage are. Any other 4xx says the request itself is wrong, so it
//! is not retried: that snapshot is dropped and the next goes at the regular interval.
//!
//! A 2.0 writer whose receiver answers 415 Unsupported Media Type, or a 2xx without the
//! `X-Prometheus-Remote-Write-*-Written` headers every 2.0 receiver sends (a 1.0 receiver
//! that ignored the Content-Type), sends the same snapshot again as 1.0 at once and keeps
//! to 1.0 from then on.
//!
//! The writer counts its own work in `tallymark_remote_write_requests_total`,
//! `tallymark_remote_write_requests_failed_total` and
//! `tallymark_remote_write_samples_total`, added to the registry it sends (shared by all
//! writers of the process). A 2.0 request answered as above counts as failed, and its 1.0
//! repeat on its own; for 2.0 the samples counted are those the receiver says it wrote.
//! With tallymark-core's feature `tracing-events`, the first failure of an outage is also
//! a `WARN` event and the first success after it an `INFO`.

mod convert;
mod convert_v2;
mod wire;

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::Method;
use prost::Message;
use tallymark_core::encoding::Flatten;
use tallymark_core::names::{check_label_name, is_legacy_label_name};
use tallymark_core::{diagnostics, Counter, Descriptor, Registry};

use crate::background::{sender_builder_methods, Background, SendSettings, Sender};
pub use crate::client::PushError;
use crate::client::{self, Outgoing, Target};
use convert::{Snapshot, SnapshotBuilder};

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

const USER_AGENT: (&str, &str) = (
    "user-agent",
    concat!("tallymark/", env!("CARGO_PKG_VERSION")),
);

/// The headers remote-write 1.0 requires besides Content-Type.
const V1_HEADERS: [(&str, &str); 3] = [
    ("content-encoding", "snappy"),
    ("x-prometheus-remote-write-version", "0.1.0"),
    USER_AGENT,
];

/// The headers remote-write 2.0 requires besides Content-Type.
const V2_HEADERS: [(&str, &str); 3] = [
    ("content-encoding", "snappy"),
    ("x-prometheus-remote-write-version", "2.0.0"),
    USER_AGENT,
];

/// What a 2.0 receiver answers with every 2xx: how much of the request it wrote. A 2xx
/// without any of them comes from a receiver that did not read the request as 2.0.
const WRITTEN_SAMPLES: &str = "x-prometheus-remote-write-samples-written";
const WRITTEN_HEADERS: [&str; 3] = [
    WRITTEN_SAMPLES,
    "x-prometheus-remote-write-histograms-written",
    "x-prometheus-remote-write-exemplars-written",
];

/// The remote-write protocol a [`RemoteWriter`] sends, chosen with
/// [`RemoteWriterBuilder::protocol`].
///
/// ```no_run
/// use tallymark_http::remote_write::{RemoteWriteVersion, RemoteWriter};
///
/// let writer = RemoteWriter::builder("http://127.0.0.1:9090/api/v1/write")
///     .protocol(RemoteWriteVersion::V2)
///     .start()?;
/// # Ok::<(), tallymark_http::PushError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoteWriteVersion {
    /// Remote-write 1.0: `prometheus.WriteRequest`, `Content-Type: application/x-protobuf`,
    /// `X-Prometheus-Remote-Write-Version: 0.1.0`. Every receiver accepts it; the default.
    #[default]
    V1,
    /// Remote-write 2.0: `io.prometheus.write.v2.Request`, with
    /// `Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request` and
    /// `X-Prometheus-Remote-Write-Version: 2.0.0`. Strings go once per request, and each
    /// series carries its type, help, unit and, for counters, histograms and summaries,
    /// its creation time. Against a receiver that only reads 1.0, the writer falls back
    /// to 1.0 and stays there.
    V2,
}

impl RemoteWriteVersion {
    fn content_type(self) -> &'static str {
        match self {
            RemoteWriteVersion::V1 => "application/x-protobuf",
            RemoteWriteVersion::V2 => "application/x-protobuf;proto=io.prometheus.write.v2.Request",
        }
    }

    fn headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            RemoteWriteVersion::V1 => &V1_HEADERS,
            RemoteWriteVersion::V2 => &V2_HEADERS,
        }
    }
}

/// Settings for a [`RemoteWriter`]; [`start`](RemoteWriterBuilder::start) launches it.
#[derive(Clone, Debug)]
#[must_use = "nothing is sent until `start` is called"]
pub struct RemoteWriterBuilder {
    url: String,
    registry: &'static Registry,
    labels: Vec<(String, String)>,
    send: SendSettings,
    protocol: RemoteWriteVersion,
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

    sender_builder_methods!();

    /// The protocol to send (default [`RemoteWriteVersion::V1`], which every receiver
    /// reads). With [`RemoteWriteVersion::V2`], a receiver that answers 415, or a 2xx
    /// without the `X-Prometheus-Remote-Write-*-Written` headers, gets the same snapshot
    /// again as 1.0, and 1.0 from then on.
    pub fn protocol(mut self, version: RemoteWriteVersion) -> Self {
        self.protocol = version;
        self
    }

    /// Checks the settings and starts the background thread, which sends the first
    /// snapshot at once.
    pub fn start(self) -> Result<RemoteWriter, PushError> {
        let target = Target::parse(&self.url)?;
        self.send.credentials.check()?;
        for (name, _) in &self.labels {
            check_label_name(name).map_err(|e| PushError::InvalidLabel(e.to_string()))?;
            // Sent to every series, in 1.0 with names escaped for a legacy receiver: a
            // UTF-8 name here could become one a series already has.
            if !is_legacy_label_name(name) {
                return Err(PushError::InvalidLabel(format!(
                    "external label `{name}`: remote-write labels take only names in \
                     `[a-zA-Z_][a-zA-Z0-9_]*`"
                )));
            }
        }
        // A registry that holds them already, from another writer, counts for both.
        for counter in [&REQUESTS, &FAILED, &SAMPLES] {
            let _ = self.registry.register_static(counter);
        }
        let schedule = self.send.schedule;
        let url = self.url.clone();
        let sender = SendLoop {
            target,
            protocol: self.protocol,
            settings: self,
        };
        let background = Background::start("tallymark-remote-write", &url, schedule, sender)?;
        Ok(RemoteWriter { background })
    }
}

/// A running remote-write client. Dropping it stops the background thread after its
/// current request; [`stop`](RemoteWriter::stop) also waits for that.
#[derive(Debug)]
pub struct RemoteWriter {
    background: Background,
}

impl RemoteWriter {
    /// Settings for a writer to `url`, the receiver's write endpoint (for Prometheus,
    /// `http://host:9090/api/v1/write`), sending the global registry.
    pub fn builder(url: &str) -> RemoteWriterBuilder {
        RemoteWriterBuilder {
            url: url.to_owned(),
            registry: Registry::global(),
            labels: Vec::new(),
            send: SendSettings::new(),
            protocol: RemoteWriteVersion::V1,
        }
    }

    /// Sends a snapshot now and waits for the receiver's answer, for use at shutdown.
    /// The regular schedule restarts from here.
    pub fn flush(&self) -> Result<(), PushError> {
        self.background.flush()
    }

    /// Stops the background thread and waits for it, without a final send: call
    /// [`flush`](RemoteWriter::flush) first for that.
    pub fn stop(self) {
        self.background.stop();
    }
}

/// The background loop's state.
struct SendLoop {
    target: Target,
    settings: RemoteWriterBuilder,
    /// The protocol sent now: the one asked for, until a 2.0 receiver turns out to read
    /// only 1.0.
    protocol: RemoteWriteVersion,
}

/// How a 2.0 request went.
enum V2Outcome {
    /// Anything but a sign that the receiver reads only 1.0: it wrote the request,
    /// refused it, or could not be reached.
    Sent(Result<(), PushError>),
    /// The receiver reads only 1.0.
    NotUnderstood,
}

impl Sender for SendLoop {
    fn failing(&self, error: &PushError) {
        diagnostics::remote_write_failing(&self.settings.url, error);
    }

    fn recovered(&self) {
        diagnostics::remote_write_recovered(&self.settings.url);
    }

    /// Takes a snapshot of the registry and sends it, as 1.0 once a 2.0 receiver turned
    /// out not to read 2.0.
    async fn send_snapshot(&mut self) -> Result<(), PushError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut builder = Flatten(SnapshotBuilder::new(&self.settings.labels));
        self.settings.registry.encode_into(&mut builder, &[]);
        let snapshot = builder.0.finish();
        if self.protocol == RemoteWriteVersion::V2 {
            match self.send_v2(&snapshot, now_ms).await {
                V2Outcome::Sent(result) => return result,
                V2Outcome::NotUnderstood => {
                    FAILED.inc();
                    self.protocol = RemoteWriteVersion::V1;
                }
            }
        }
        self.send_v1(snapshot, now_ms).await
    }
}

impl SendLoop {
    async fn send_v1(&self, snapshot: Snapshot, now_ms: i64) -> Result<(), PushError> {
        let request = snapshot.into_v1(now_ms);
        let samples = request.timeseries.len() as u64;
        let result = self
            .post(RemoteWriteVersion::V1, &request.encode_to_vec())
            .await;
        match result {
            Ok(_) => {
                REQUESTS.inc();
                SAMPLES.inc_by(samples);
                Ok(())
            }
            Err(error) => {
                FAILED.inc();
                Err(error)
            }
        }
    }

    async fn send_v2(&self, snapshot: &Snapshot, now_ms: i64) -> V2Outcome {
        let request = snapshot.to_v2(now_ms);
        let result = self
            .post(RemoteWriteVersion::V2, &request.encode_to_vec())
            .await;
        let written = match result {
            Ok(headers) => samples_written(&headers, &self.settings.url),
            Err(PushError::Status { status: 415, .. }) => return V2Outcome::NotUnderstood,
            Err(error) => Err(error),
        };
        match written {
            Ok(Some(samples)) => {
                REQUESTS.inc();
                SAMPLES.inc_by(samples);
                V2Outcome::Sent(Ok(()))
            }
            Ok(None) => V2Outcome::NotUnderstood,
            Err(error) => {
                FAILED.inc();
                V2Outcome::Sent(Err(error))
            }
        }
    }

    /// Compresses `body` and sends it as `protocol`, returning the 2xx answer's headers.
    async fn post(
        &self,
        protocol: RemoteWriteVersion,
        body: &[u8],
    ) -> Result<HeaderMap, PushError> {
        let body =
            snap::raw::Encoder::new()
                .compress_vec(body)
                .map_err(|e| PushError::Connection {
                    url: self.settings.url.clone(),
                    reason: format!("cannot compress the request: {e}"),
                })?;
        let outgoing = Outgoing {
            method: Method::POST,
            path: String::new(),
            content_type: Some(protocol.content_type()),
            extra_headers: protocol.headers(),
            body: Bytes::from(body),
        };
        client::send_for_headers(
            &self.target,
            &self.settings.send.credentials,
            outgoing,
            self.settings.send.timeout,
        )
        .await
    }
}

/// How many samples a 2.0 receiver says it wrote; `None` when its answer has none of
/// the `*-Written` headers.
fn samples_written(headers: &HeaderMap, url: &str) -> Result<Option<u64>, PushError> {
    if !WRITTEN_HEADERS
        .iter()
        .any(|name| headers.contains_key(*name))
    {
        return Ok(None);
    }
    let Some(value) = headers.get(WRITTEN_SAMPLES) else {
        return Ok(Some(0));
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| PushError::UnexpectedAnswer {
            url: url.to_owned(),
            reason: format!(
                "its X-Prometheus-Remote-Write-Samples-Written is `{}`, not a count",
                String::from_utf8_lossy(value.as_bytes())
            ),
        })
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn any_written_header_marks_a_2_0_answer_and_the_samples_one_is_counted() {
        let answer = |headers: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, HeaderValue::from_static(value));
            }
            samples_written(&map, "http://r/").map_err(|e| e.to_string())
        };
        assert_eq!(answer(&[]), Ok(None));
        assert_eq!(
            answer(&[("x-prometheus-remote-write-histograms-written", "0")]),
            Ok(Some(0))
        );
        assert_eq!(answer(&[(WRITTEN_SAMPLES, " 12 ")]), Ok(Some(12)));
        assert_eq!(
            answer(&[(WRITTEN_SAMPLES, "12 samples")]),
            Err("unexpected answer from http://r/: its \
                 X-Prometheus-Remote-Write-Samples-Written is `12 samples`, not a count"
                .to_owned())
        );
    }
}
