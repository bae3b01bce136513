//! The OTLP/HTTP metrics exporter: a background thread that sends a registry, as an
//! OpenTelemetry `ExportMetricsServiceRequest` in protobuf, to an OpenTelemetry Collector,
//! or to any other OTLP receiver (Prometheus 3 started with
//! `--web.enable-otlp-receiver`, Grafana Mimir, most vendors), at a set interval.
//!
//! ```no_run
//! use std::time::Duration;
//! use tallymark_http::otlp::OtlpExporter;
//!
//! let exporter = OtlpExporter::builder("http://collector:4318")
//!     .service_name("billing")
//!     .resource_attribute("deployment.environment.name", "production")
//!     .interval(Duration::from_secs(30))
//!     .start()?;
//! // ... the program runs ...
//! exporter.flush()?; // at shutdown: send the final values now
//! exporter.stop();
//! # Ok::<(), tallymark_http::PushError>(())
//! ```
//!
//! The request goes by `POST` to `{endpoint}/v1/metrics`, or to the endpoint itself when
//! it already ends in `/v1/metrics`; for Prometheus 3 that is
//! `http://prometheus:9090/api/v1/otlp`. Every point is cumulative and carries the time
//! its series started counting: counters become monotonic sums, gauges, info and
//! stateset families gauges, classic histograms explicit-bucket histograms, native
//! histograms exponential histograms, summaries summaries.
//!
//! Sending, retrying and memory work as for remote write: each send is a fresh snapshot;
//! an unreachable receiver, a 5xx or a 429 is retried with exponential backoff, each
//! retry again with the latest snapshot, and any other 4xx drops that snapshot. The
//! exporter counts its own work in `tallymark_otlp_requests_total`,
//! `tallymark_otlp_requests_failed_total` and `tallymark_otlp_data_points_total`, added to
//! the registry it sends. With tallymark-core's feature `tracing-events`, the first
//! failure of an outage is also a `WARN` event and the first success after it an `INFO`.

mod convert;
mod wire;

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::Bytes;
use hyper::Method;
use prost::Message;
use tallymark_core::{diagnostics, Counter, Descriptor, Registry};

use crate::background::{sender_builder_methods, Background, SendSettings, Sender};
pub use crate::client::PushError;
use crate::client::{self, Outgoing, Target};
use convert::{attribute, MetricsBuilder};
use wire::collector::metrics::v1::ExportMetricsServiceRequest;
use wire::common::v1::InstrumentationScope;
use wire::metrics::v1::{ResourceMetrics, ScopeMetrics};
use wire::resource::v1::Resource;

static REQUESTS: Counter = Counter::new().described(
    const {
        &Descriptor::new(
            "tallymark_otlp_requests_total",
            "OTLP export requests the receiver accepted.",
        )
    },
);
static FAILED: Counter = Counter::new().described(const {
    &Descriptor::new(
        "tallymark_otlp_requests_failed_total",
        "OTLP export requests that failed: receiver unreachable, no answer in time, or an answer other than 2xx.",
    )
});
static POINTS: Counter = Counter::new().described(
    const {
        &Descriptor::new(
            "tallymark_otlp_data_points_total",
            "Data points in OTLP export requests the receiver accepted.",
        )
    },
);

const HEADERS: [(&str, &str); 1] = [(
    "user-agent",
    concat!("tallymark/", env!("CARGO_PKG_VERSION")),
)];

#[cfg(feature = "gzip")]
const GZIP_HEADERS: [(&str, &str); 2] = [HEADERS[0], ("content-encoding", "gzip")];

/// The path OTLP/HTTP receivers take metrics at, below their base URL.
const METRICS_PATH: &str = "/v1/metrics";

/// Settings for an [`OtlpExporter`]; [`start`](OtlpExporterBuilder::start) launches it.
#[derive(Clone, Debug)]
#[must_use = "nothing is sent until `start` is called"]
pub struct OtlpExporterBuilder {
    endpoint: String,
    registry: &'static Registry,
    service_name: Option<String>,
    resource: Vec<(String, String)>,
    send: SendSettings,
    #[cfg(feature = "gzip")]
    gzip: bool,
}

impl OtlpExporterBuilder {
    /// Sends `registry` instead of the global one.
    pub fn registry(mut self, registry: &'static Registry) -> Self {
        self.registry = registry;
        self
    }

    /// The resource's `service.name` (default: the executable's file name, or
    /// `unknown_service` when it has none, as OpenTelemetry's SDKs do).
    pub fn service_name(mut self, name: &str) -> Self {
        self.service_name = Some(name.to_owned());
        self
    }

    /// Adds a string attribute to the resource, such as `service.version` or
    /// `deployment.environment.name`. A later one with the same key replaces it;
    /// `service.name` set here wins over [`service_name`](Self::service_name).
    pub fn resource_attribute(mut self, key: &str, value: &str) -> Self {
        self.resource.retain(|(k, _)| k != key);
        self.resource.push((key.to_owned(), value.to_owned()));
        self
    }

    sender_builder_methods!();

    /// Compresses each request with gzip (`Content-Encoding: gzip`), which every OTLP/HTTP
    /// receiver must accept.
    #[cfg(feature = "gzip")]
    pub fn gzip(mut self) -> Self {
        self.gzip = true;
        self
    }

    /// The resource a request names: `service.name` (the executable's, unless set), the
    /// registry's `target_info` labels, then the attributes added; each later one with a
    /// key already there replacing it.
    fn resource(&self, target: &[(String, String)]) -> Resource {
        let mut attributes = vec![("service.name".to_owned(), default_service_name())];
        let mut set = |key: &str, value: &str| {
            attributes.retain(|(k, _)| k != key);
            attributes.push((key.to_owned(), value.to_owned()));
        };
        for (key, value) in target {
            set(key, value);
        }
        if let Some(name) = &self.service_name {
            set("service.name", name);
        }
        for (key, value) in &self.resource {
            set(key, value);
        }
        Resource {
            attributes: attributes
                .iter()
                .map(|(key, value)| attribute(key, value))
                .collect(),
        }
    }

    /// Checks the settings and starts the background thread, which sends the first
    /// snapshot at once. Fails, naming it, on an endpoint that is not an `http://` URL,
    /// on credentials that cannot be sent, and on a resource attribute with an empty key.
    pub fn start(self) -> Result<OtlpExporter, PushError> {
        let target = Target::parse(&self.endpoint)?;
        self.send.credentials.check()?;
        // OpenTelemetry requires every attribute to have a key; receivers drop or refuse
        // one without.
        if let Some((_, value)) = self.resource.iter().find(|(key, _)| key.is_empty()) {
            return Err(PushError::InvalidLabel(format!(
                "the resource attribute valued `{value}` has an empty key"
            )));
        }
        // A registry that holds them already, from another exporter, counts for both.
        for counter in [&REQUESTS, &FAILED, &POINTS] {
            let _ = self.registry.register_static(counter);
        }
        let schedule = self.send.schedule;
        let path = metrics_path(&target);
        let url = target.url(&path);
        let sender = Export {
            url: url.clone(),
            target,
            path,
            started: unix_nanos_now(),
            settings: self,
        };
        let background = Background::start("tallymark-otlp", &url, schedule, sender)?;
        Ok(OtlpExporter { background })
    }
}

/// What is appended to the endpoint's path: `/v1/metrics`, or nothing when it already
/// ends so.
fn metrics_path(target: &Target) -> String {
    if target.url("").ends_with(METRICS_PATH) {
        String::new()
    } else {
        METRICS_PATH.to_owned()
    }
}

/// The executable's file name, which is what a service is usually called; without one,
/// `unknown_service`, OpenTelemetry's own default.
fn default_service_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| path.file_name()?.to_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown_service".to_owned())
}

fn unix_nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// A running OTLP exporter. Dropping it stops the background thread after its current
/// request; [`stop`](OtlpExporter::stop) also waits for that.
#[derive(Debug)]
pub struct OtlpExporter {
    background: Background,
}

impl OtlpExporter {
    /// Settings for an exporter to `endpoint`, the receiver's OTLP/HTTP base URL (for an
    /// OpenTelemetry Collector, `http://collector:4318`), sending the global registry.
    pub fn builder(endpoint: &str) -> OtlpExporterBuilder {
        OtlpExporterBuilder {
            endpoint: endpoint.to_owned(),
            registry: Registry::global(),
            service_name: None,
            resource: Vec::new(),
            send: SendSettings::new(),
            #[cfg(feature = "gzip")]
            gzip: false,
        }
    }

    /// Sends a snapshot now and waits for the receiver's answer, for use at shutdown.
    /// The regular schedule restarts from here.
    pub fn flush(&self) -> Result<(), PushError> {
        self.background.flush()
    }

    /// Stops the background thread and waits for it, without a final send: call
    /// [`flush`](OtlpExporter::flush) first for that.
    pub fn stop(self) {
        self.background.stop();
    }
}

/// What the background thread sends with.
struct Export {
    /// The full URL requests go to, for events.
    url: String,
    target: Target,
    /// Appended to the target's path: `/v1/metrics`, or nothing when it ends so.
    path: String,
    /// When the exporter started: the start time of collected series, which know none.
    started: u64,
    settings: OtlpExporterBuilder,
}

impl Export {
    /// The request for one snapshot of the registry, and how many data points it holds.
    fn request(&self) -> (ExportMetricsServiceRequest, u64) {
        let mut builder = MetricsBuilder::new(unix_nanos_now(), self.started);
        self.settings.registry.encode_into(&mut builder, &[]);
        let request = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(self.settings.resource(&builder.target)),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: "tallymark".to_owned(),
                        version: env!("CARGO_PKG_VERSION").to_owned(),
                    }),
                    metrics: builder.metrics,
                }],
            }],
        };
        (request, builder.points)
    }

    fn outgoing(&self, body: Vec<u8>) -> Outgoing {
        #[cfg(feature = "gzip")]
        if self.settings.gzip {
            return Outgoing {
                method: Method::POST,
                path: self.path.clone(),
                content_type: Some("application/x-protobuf"),
                extra_headers: &GZIP_HEADERS,
                body: Bytes::from(crate::scrape::gzip(&body)),
            };
        }
        Outgoing {
            method: Method::POST,
            path: self.path.clone(),
            content_type: Some("application/x-protobuf"),
            extra_headers: &HEADERS,
            body: Bytes::from(body),
        }
    }
}

impl Sender for Export {
    fn failing(&self, error: &PushError) {
        diagnostics::otlp_export_failing(&self.url, error);
    }

    fn recovered(&self) {
        diagnostics::otlp_export_recovered(&self.url);
    }

    async fn send_snapshot(&mut self) -> Result<(), PushError> {
        let (request, points) = self.request();
        let outgoing = self.outgoing(request.encode_to_vec());
        let result = client::send_for_headers(
            &self.target,
            &self.settings.send.credentials,
            outgoing,
            self.settings.send.timeout,
        )
        .await;
        // A 2xx is success even with a partial_success in its body: the points refused
        // there are refused for good, so retrying would only send them again.
        match result {
            Ok(_) => {
                REQUESTS.inc();
                POINTS.inc_by(points);
                Ok(())
            }
            Err(error) => {
                FAILED.inc();
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::common::v1::any_value;

    fn resource(builder: OtlpExporterBuilder) -> Vec<(String, String)> {
        resource_with(builder, &[])
    }

    fn resource_with(
        builder: OtlpExporterBuilder,
        target: &[(String, String)],
    ) -> Vec<(String, String)> {
        let text = |value: Option<&any_value::Value>| match value {
            Some(any_value::Value::StringValue(text)) => text.clone(),
            None => String::new(),
        };
        builder
            .resource(target)
            .attributes
            .into_iter()
            .map(|kv| {
                (
                    kv.key,
                    text(kv.value.as_ref().and_then(|v| v.value.as_ref())),
                )
            })
            .collect()
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn target_info_labels_join_the_resource_below_what_the_builder_sets() {
        let target = pairs(&[("service.name", "from-target"), ("env", "prod")]);
        let builder = OtlpExporter::builder("http://c:4318");
        assert_eq!(
            resource_with(builder.clone(), &target),
            pairs(&[("service.name", "from-target"), ("env", "prod")])
        );
        let builder = builder
            .service_name("billing")
            .resource_attribute("env", "dev");
        assert_eq!(
            resource_with(builder, &target),
            pairs(&[("service.name", "billing"), ("env", "dev")])
        );
    }

    #[test]
    fn the_service_is_named_after_the_executable_unless_told() {
        let exe = std::env::current_exe().unwrap();
        let exe = exe.file_name().unwrap().to_str().unwrap();
        let builder = OtlpExporter::builder("http://c:4318");
        assert_eq!(resource(builder.clone()), pairs(&[("service.name", exe)]));
        let builder = builder
            .service_name("billing")
            .resource_attribute("host.name", "a")
            .resource_attribute("service.version", "1.0")
            .resource_attribute("host.name", "b");
        assert_eq!(
            resource(builder.clone()),
            pairs(&[
                ("service.name", "billing"),
                ("service.version", "1.0"),
                ("host.name", "b"),
            ])
        );
        assert_eq!(
            resource(builder.resource_attribute("service.name", "ledger")),
            pairs(&[
                ("service.version", "1.0"),
                ("host.name", "b"),
                ("service.name", "ledger"),
            ])
        );
    }

    #[test]
    fn the_metrics_path_is_added_unless_the_endpoint_ends_with_it() {
        let path = |endpoint: &str| {
            let target = Target::parse(endpoint).unwrap();
            target.url(&metrics_path(&target))
        };
        assert_eq!(path("http://c:4318"), "http://c:4318/v1/metrics");
        assert_eq!(path("http://c:4318/"), "http://c:4318/v1/metrics");
        assert_eq!(path("http://c:4318/v1/metrics"), "http://c:4318/v1/metrics");
        assert_eq!(
            path("http://p:9090/api/v1/otlp"),
            "http://p:9090/api/v1/otlp/v1/metrics"
        );
    }

    #[test]
    fn a_resource_attribute_without_a_key_is_refused_before_anything_starts() {
        let error = OtlpExporter::builder("http://127.0.0.1:9")
            .resource_attribute("", "eu-1")
            .start()
            .expect_err("an empty key");
        assert_eq!(
            error.to_string(),
            "the resource attribute valued `eu-1` has an empty key"
        );
    }
}
