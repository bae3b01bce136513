//! tallymark, as its README shows it: families declared as `static`s with `#[metric]`,
//! enum label sets derived, and `#[timed]` on the function.

use std::sync::Arc;

use ::tallymark::{
    metric, timed, Counter, CounterFamily, Descriptor, Family, Gauge, Histogram, HistogramFamily,
    Registry,
};

use super::{counter_value, histogram_values, mixed_name, Churn, Exposition, Insertion, Recording};
use super::{Request, StrRequest, BUCKETS};

/// An unlabelled counter.
#[metric]
static COUNTER_TOTAL: Counter = Counter::new();

/// A counter by two enum labels.
#[metric]
static ENUM_TOTAL: Family<Request, Counter> = Family::new();

/// A counter by two string labels.
#[metric(labels(method, route))]
static STR_TOTAL: CounterFamily<2> = CounterFamily::new();

/// A gauge.
#[metric]
static GAUGE: Gauge = Gauge::new();

/// An unlabelled histogram, with the default buckets as every histogram here.
#[metric]
static OBSERVE_SECONDS: Histogram = Histogram::new();

/// A histogram by two enum labels.
#[metric]
static ENUM_SECONDS: Family<Request, Histogram> = Family::new();

/// What `timed_call` records into.
#[metric]
static TIMED_SECONDS: Histogram = Histogram::new();

/// The function `timed_call` calls, recording into a declared histogram as every peer does.
#[timed(TIMED_SECONDS)]
#[inline(never)]
pub fn timed_work() {
    std::hint::black_box(());
}

/// The same, recording into the default family `function_calls_duration_seconds`, with
/// its `function`, `module` and `result` labels.
#[timed]
#[inline(never)]
pub fn timed_work_default() {
    std::hint::black_box(());
}

/// The statics above.
pub struct Tallymark;

impl Recording for Tallymark {
    const NAME: &'static str = "tallymark";

    fn new() -> Self {
        // Static families exist from the start; only the string series need creating.
        for labels in super::labels::all_str() {
            STR_TOTAL.labels([labels.0, labels.1]);
        }
        Tallymark
    }

    #[inline]
    fn counter_inc(&self) {
        COUNTER_TOTAL.inc();
    }

    #[inline]
    fn counter_inc_enum(&self, labels: Request) {
        ENUM_TOTAL.labels(labels).inc();
    }

    #[inline]
    fn counter_inc_str(&self, labels: StrRequest) {
        STR_TOTAL.labels([labels.0, labels.1]).inc();
    }

    #[inline]
    fn gauge_set(&self, v: f64) {
        GAUGE.set(v);
    }

    #[inline]
    fn histogram_observe(&self, v: f64) {
        OBSERVE_SECONDS.observe(v);
    }

    #[inline]
    fn histogram_observe_enum(&self, labels: Request, v: f64) {
        ENUM_SECONDS.labels(labels).observe(v);
    }

    #[inline]
    fn timed_call(&self) {
        timed_work();
    }

    fn render(&self) -> String {
        ::tallymark::render()
    }
}

/// A registry of families built at run time, as a test or a library would hold them.
pub struct TallymarkExposition {
    registry: Registry,
    buffer: Vec<u8>,
}

const COUNTERS: Descriptor = Descriptor::new("encode_total", "Counters to encode.")
    .with_labels(&["series"])
    .with_budget(1 << 20);

impl Exposition for TallymarkExposition {
    const NAME: &'static str = "tallymark";

    fn counters(n: usize) -> Self {
        let registry = Registry::new();
        let family = Arc::new(CounterFamily::<1>::new().described(&COUNTERS));
        for (i, value) in super::label_values(n).iter().enumerate() {
            family.labels([value]).inc_by(counter_value(i));
        }
        registry.register(family).expect("one family");
        TallymarkExposition {
            registry,
            buffer: Vec::new(),
        }
    }

    fn mixed(families: usize, series: usize) -> Self {
        let registry = Registry::new();
        let values = super::label_values(series);
        for f in 0..families {
            // Descriptors are `'static`; a benchmark's handful may leak.
            let name: &'static str = Box::leak(mixed_name(f).into_boxed_str());
            let desc: &'static Descriptor = Box::leak(Box::new(
                Descriptor::new(name, "A family of the mixed exposition.")
                    .with_labels(&["series"])
                    .with_buckets(&BUCKETS),
            ));
            if f.is_multiple_of(2) {
                let family = Arc::new(CounterFamily::<1>::new().described(desc));
                for (i, value) in values.iter().enumerate() {
                    family.labels([value]).inc_by(counter_value(i));
                }
                registry.register(family).expect("distinct names");
            } else {
                let family = Arc::new(HistogramFamily::<1>::new().described(desc));
                for (i, value) in values.iter().enumerate() {
                    let series = family.labels([value]);
                    histogram_values(i).for_each(|v| series.observe(v));
                }
                registry.register(family).expect("distinct names");
            }
        }
        TallymarkExposition {
            registry,
            buffer: Vec::new(),
        }
    }

    fn encode(&mut self) {
        self.buffer.clear();
        self.registry.encode(&mut self.buffer);
    }

    fn output(&self) -> &[u8] {
        &self.buffer
    }
}

/// A family that starts empty.
pub struct TallymarkInsertion(CounterFamily<1>);

impl Insertion for TallymarkInsertion {
    const NAME: &'static str = "tallymark";

    fn empty() -> Self {
        TallymarkInsertion(CounterFamily::new().described(&COUNTERS))
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.0.labels([value]).inc();
    }
}

/// A family in a registry of its own, so that it can be rendered alone.
pub struct TallymarkChurn {
    registry: Registry,
    family: Arc<CounterFamily<1>>,
}

impl Churn for TallymarkChurn {
    const NAME: &'static str = "tallymark";
    const FORGETS_BY: &'static str = "`Family::clear`";

    fn empty(live: usize) -> Self {
        // The budget is the family's limit of label sets; a benchmark's few may leak.
        let desc: &'static Descriptor = Box::leak(Box::new(
            Descriptor::new("churn_total", "Label sets that come and go.")
                .with_labels(&["series"])
                .with_budget(live),
        ));
        let registry = Registry::new();
        let family = Arc::new(CounterFamily::<1>::new().described(desc));
        registry
            .register(Arc::clone(&family) as Arc<dyn ::tallymark::Metric>)
            .expect("one family");
        TallymarkChurn { registry, family }
    }

    #[inline]
    fn insert(&self, value: &'static str) {
        self.family.labels([value]).inc();
    }

    fn overflowed(&self) -> Option<u64> {
        Some(self.family.overflowed())
    }

    fn forget(&self, _inserted: &[&'static str]) {
        self.family.clear();
    }

    fn render(&self) -> String {
        let mut out = Vec::new();
        self.registry.encode(&mut out);
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}
