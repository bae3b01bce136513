//! The request families that the framework middleware records into: requests by method,
//! route and status, their latency, and those in flight. Shared by `axum`
//! and `actix`, and usable by hand for any other server.

use std::sync::Arc;
use std::time::Instant;

use hyper::StatusCode;
use tallymark_core::metric::buckets::DEFAULT_BUCKETS;
use tallymark_core::{
    CounterFamily, Descriptor, HistogramFamily, IntGaugeFamily, Registry, RegistryError,
};

/// The `route` of a request that matched no route, so that a scanner probing random paths
/// adds one series, not one per path.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Request metrics, registered once and shared by every route of an app:
/// - `http_requests_total{method,route,status}`, a counter;
/// - `http_request_duration_seconds{method,route}`, a histogram of the time to the
///   response head;
/// - `http_requests_in_flight{method,route}`, a gauge.
///
/// `route` is the route template (`/users/{id}`), never the raw path, and `method` is one
/// of the nine standard methods or `other`, so a client cannot grow the label sets.
/// Cloning is cheap; the clones record into the same families.
///
/// ```
/// use tallymark_core::Registry;
/// use tallymark_http::HttpMetrics;
///
/// let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
/// let metrics = HttpMetrics::builder().registry(registry).build()?;
/// let request = metrics.start("GET", "/users/{id}");
/// request.finish(200);
/// let text = registry.render();
/// assert!(text.contains("http_requests_total{method=\"GET\",route=\"/users/{id}\",status=\"200\"} 1\n"));
/// # Ok::<(), tallymark_core::RegistryError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HttpMetrics(Arc<Families>);

#[derive(Debug)]
struct Families {
    requests: Arc<CounterFamily<3>>,
    duration: Arc<HistogramFamily<2>>,
    in_flight: Arc<IntGaugeFamily<2>>,
}

/// Names, buckets and registry for [`HttpMetrics`].
#[derive(Clone, Debug)]
#[must_use = "the builder registers nothing until `build` is called"]
pub struct HttpMetricsBuilder {
    registry: &'static Registry,
    requests_name: String,
    duration_name: String,
    in_flight_name: String,
    buckets: Vec<f64>,
}

impl HttpMetrics {
    /// The default families in the global registry; see [`HttpMetrics::builder`].
    pub fn new() -> Result<HttpMetrics, RegistryError> {
        HttpMetrics::builder().build()
    }

    /// Starts from the default names, Prometheus's default buckets (5 ms to 10 s) and
    /// the global registry.
    pub fn builder() -> HttpMetricsBuilder {
        HttpMetricsBuilder {
            registry: Registry::global(),
            requests_name: "http_requests_total".into(),
            duration_name: "http_request_duration_seconds".into(),
            in_flight_name: "http_requests_in_flight".into(),
            buckets: DEFAULT_BUCKETS.to_vec(),
        }
    }

    /// Counts a request as in flight until the returned timer is finished or dropped.
    /// `route` is the route template, or [`UNMATCHED_ROUTE`].
    pub fn start(&self, method: &str, route: &str) -> RequestTimer {
        let method = method_label(method);
        self.0.in_flight.labels([method, route]).inc();
        RequestTimer {
            metrics: Arc::clone(&self.0),
            method,
            route: route.into(),
            started: Instant::now(),
        }
    }
}

impl HttpMetricsBuilder {
    /// Registers into `registry` instead of the global one.
    pub fn registry(mut self, registry: &'static Registry) -> Self {
        self.registry = registry;
        self
    }

    /// Names the request counter (default `http_requests_total`).
    pub fn requests_total_name(mut self, name: impl Into<String>) -> Self {
        self.requests_name = name.into();
        self
    }

    /// Names the latency histogram (default `http_request_duration_seconds`).
    pub fn duration_name(mut self, name: impl Into<String>) -> Self {
        self.duration_name = name.into();
        self
    }

    /// Names the in-flight gauge (default `http_requests_in_flight`).
    pub fn in_flight_name(mut self, name: impl Into<String>) -> Self {
        self.in_flight_name = name.into();
        self
    }

    /// Sets the latency buckets' upper bounds, in seconds.
    ///
    /// # Panics
    /// When they are empty, not strictly ascending, or not finite, as a declared
    /// histogram's buckets would fail to compile.
    pub fn buckets(mut self, bounds: &[f64]) -> Self {
        let ascending = bounds.windows(2).all(|w| w[0] < w[1]);
        assert!(
            !bounds.is_empty() && ascending && bounds.iter().all(|b| b.is_finite()),
            "latency buckets must be finite and strictly ascending: {bounds:?}"
        );
        self.buckets = bounds.to_vec();
        self
    }

    /// Registers the three families. Fails when one of the names is invalid or already
    /// taken in the registry, for instance by a second `build` with the same names or a
    /// declared `http_requests_total`.
    ///
    /// Each call keeps its names and buckets for the rest of the program (a few hundred
    /// bytes), as declared families do: build once and clone the result.
    pub fn build(self) -> Result<HttpMetrics, RegistryError> {
        let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
        let buckets: &'static [f64] = Box::leak(self.buckets.into_boxed_slice());
        let describe = |desc: Descriptor| -> &'static Descriptor { Box::leak(Box::new(desc)) };
        let requests = describe(
            Descriptor::new(leak(self.requests_name), "Total HTTP requests.")
                .with_labels(&["method", "route", "status"]),
        );
        let duration = describe(
            Descriptor::new(leak(self.duration_name), "HTTP request latency in seconds.")
                .with_labels(&["method", "route"])
                .with_buckets(buckets),
        );
        let in_flight = describe(
            Descriptor::new(leak(self.in_flight_name), "HTTP requests being served.")
                .with_labels(&["method", "route"]),
        );
        let families = Families {
            requests: Arc::new(CounterFamily::new().described(requests)),
            duration: Arc::new(HistogramFamily::new().described(duration)),
            in_flight: Arc::new(IntGaugeFamily::new().described(in_flight)),
        };
        // Checking the names against each other first means a typo fails before anything
        // is registered. A clash with the target registry fails at its family; the ones
        // before it stay registered, as the registry cannot take families back.
        let scratch = Registry::new();
        scratch.register(families.requests.clone())?;
        scratch.register(families.duration.clone())?;
        scratch.register(families.in_flight.clone())?;
        self.registry.register(families.requests.clone())?;
        self.registry.register(families.duration.clone())?;
        self.registry.register(families.in_flight.clone())?;
        Ok(HttpMetrics(Arc::new(families)))
    }
}

/// One request being served: in flight until finished or dropped. A request whose future
/// is dropped before it has a response (the client went away) leaves the in-flight gauge
/// and is not counted, as it has no status.
#[derive(Debug)]
#[must_use = "a request is only counted when `finish` is called"]
pub struct RequestTimer {
    metrics: Arc<Families>,
    method: &'static str,
    route: Box<str>,
    started: Instant,
}

impl RequestTimer {
    /// Counts the request with its response status and records its latency.
    pub fn finish(self, status: u16) {
        let seconds = self.started.elapsed().as_secs_f64();
        // `as_str` spells any valid code from a static table, without allocating.
        let code = StatusCode::from_u16(status).ok();
        let status = code.as_ref().map_or("other", StatusCode::as_str);
        let families = &self.metrics;
        families
            .requests
            .labels([self.method, &self.route, status])
            .inc();
        families
            .duration
            .labels([self.method, &self.route])
            .observe(seconds);
    }
}

impl Drop for RequestTimer {
    fn drop(&mut self) {
        self.metrics
            .in_flight
            .labels([self.method, &self.route])
            .dec();
    }
}

/// The method as a label value: a standard method's name, or `other`, since extension
/// methods are unbounded.
fn method_label(method: &str) -> &'static str {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    STANDARD
        .into_iter()
        .find(|m| *m == method)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("get"), "other");
        assert_eq!(method_label("PROPFIND"), "other");
    }

    #[test]
    fn a_second_build_with_the_same_names_is_refused() {
        let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
        HttpMetrics::builder().registry(registry).build().unwrap();
        let again = HttpMetrics::builder().registry(registry).build();
        assert!(matches!(again, Err(RegistryError::Duplicate { .. })));
    }

    #[test]
    fn names_that_clash_with_each_other_register_nothing() {
        let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
        let clash = HttpMetrics::builder()
            .registry(registry)
            .in_flight_name("http_requests_total")
            .build();
        assert!(matches!(clash, Err(RegistryError::Duplicate { .. })));
        assert_eq!(registry.render(), "");
    }
}
