//! The functions of `timed_macro`: the same empty `#[inline(never)]` function, instrumented
//! by each library's own attribute macro, one function per way of instrumenting it. The
//! baselines (`Instant` by hand, the bare call) time [`super::timed_work`].
//!
//! Each function is called by its benchmark and by its agreement test only, so a count read
//! back from a rendering is the count of that function's calls.

use std::sync::OnceLock;

use ::autometrics::autometrics;
use ::autometrics::settings::AutometricsSettings;
use ::metered::{metered, HitCount, ResponseTime};
use ::tallymark::{counted, metric, timed, Histogram, HistogramFamily};

use super::BUCKETS;

/// `tallymark_declared` records into this.
#[metric]
static TIMED_MACRO_SECONDS: Histogram = Histogram::new();

/// `tallymark_declared_literal_labels` records into this, by endpoint.
#[metric(labels(endpoint))]
static TIMED_MACRO_BY_ENDPOINT_SECONDS: HistogramFamily<1> = HistogramFamily::new();

/// `tallymark`: the default family, `function_calls_duration_seconds{function, module, result}`.
#[timed]
#[inline(never)]
pub fn tallymark_default_work() {
    std::hint::black_box(());
}

/// `tallymark_declared`: a declared, unlabelled histogram.
#[timed(TIMED_MACRO_SECONDS)]
#[inline(never)]
pub fn tallymark_declared_work() {
    std::hint::black_box(());
}

/// `tallymark_declared_literal_labels`: a declared family, the label value a literal.
#[timed(TIMED_MACRO_BY_ENDPOINT_SECONDS, labels(endpoint = "/api/users"))]
#[inline(never)]
pub fn tallymark_literal_labels_work() {
    std::hint::black_box(());
}

/// `tallymark_counted_timed`: both default families, `function_calls_total` and
/// `function_calls_duration_seconds`.
#[counted]
#[timed]
#[inline(never)]
pub fn tallymark_counted_timed_work() {
    std::hint::black_box(());
}

/// autometrics' settings, made once and before its first call: only the settings made by
/// its builder hand out the registry, and they cannot be made after a call has made the
/// defaults. The buckets are those every library is given.
pub fn autometrics_settings() -> &'static AutometricsSettings {
    static SETTINGS: OnceLock<&'static AutometricsSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        AutometricsSettings::builder()
            .histogram_buckets(BUCKETS.to_vec())
            .init()
    })
}

/// `autometrics`: its counter, histogram and (unused here) gauge families, labelled by
/// function, module and caller. Call [`autometrics_settings`] first.
#[autometrics]
#[inline(never)]
pub fn autometrics_work() {
    std::hint::black_box(());
}

/// autometrics' registry in the text format, through its own prometheus-client.
pub fn autometrics_render() -> String {
    let mut out = String::new();
    ::prometheus_client_0_22::encoding::text::encode(
        &mut out,
        autometrics_settings().prometheus_client_registry(),
    )
    .expect("writing to a String does not fail");
    out
}

/// metered's way: a registry per `impl` block, held by the value whose methods it measures.
#[derive(Default, Debug)]
pub struct MeteredWork {
    metrics: MeteredWorkMetrics,
}

#[metered(registry = MeteredWorkMetrics)]
impl MeteredWork {
    /// `metered`: a hit counter and an HdrHistogram of response times.
    #[measure([HitCount, ResponseTime])]
    #[inline(never)]
    pub fn work(&self) {
        std::hint::black_box(());
    }
}

impl MeteredWork {
    /// What its registry holds for `work`: the hit count and how many response times were
    /// recorded. metered has no exposition of its own (its registries are `Serialize`, for
    /// a serializer of the user's choice), so these are read through its accessors.
    pub fn recorded(&self) -> (u64, u64) {
        let work = &self.metrics.work;
        (work.hit_count.get(), work.response_time.histogram().len())
    }
}
