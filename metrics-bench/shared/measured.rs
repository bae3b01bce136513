//! `measured`, Neon's crate: enum label sets as `FixedCardinalityLabel`s, stored densely;
//! string label sets interned by a `ParaCord`, its answer for values known only at run time
//! (the one its own encoding and high-cardinality benchmarks use); metrics encoded by its
//! `BufferedTextEncoder`, reused between scrapes as its docs advise.

use std::convert::Infallible;

use ::measured::label::{LabelValue, LabelVisitor};
use ::measured::metric::group::Encoding;
use ::measured::metric::histogram::Thresholds;
use ::measured::metric::name::MetricName;
use ::measured::metric::MetricFamilyEncoding;
use ::measured::text::BufferedTextEncoder;
use ::measured::{
    Counter, CounterVec, FixedCardinalityLabel, FloatGauge, Histogram, HistogramVec, LabelGroup,
    MetricGroup,
};
use paracord::ParaCord;

use super::{counter_value, histogram_values, mixed_name, Churn, Exposition, Insertion, Recording};
use super::{Class, Method, Request, StrRequest, BUCKETS};

impl LabelValue for Method {
    fn visit<V: LabelVisitor>(&self, v: V) -> V::Output {
        v.write_str(self.as_str())
    }
}

impl FixedCardinalityLabel for Method {
    fn cardinality() -> usize {
        Method::ALL.len()
    }
    fn encode(&self) -> usize {
        *self as usize
    }
    fn decode(value: usize) -> Self {
        Method::ALL[value]
    }
}

impl LabelValue for Class {
    fn visit<V: LabelVisitor>(&self, v: V) -> V::Output {
        v.write_str(self.as_str())
    }
}

impl FixedCardinalityLabel for Class {
    fn cardinality() -> usize {
        Class::ALL.len()
    }
    fn encode(&self) -> usize {
        *self as usize
    }
    fn decode(value: usize) -> Self {
        Class::ALL[value]
    }
}

/// The enum label set, as measured wants it: a group of fixed-cardinality labels.
#[derive(Clone, Copy, LabelGroup)]
#[label(set = RequestSet)]
struct RequestGroup {
    method: Method,
    class: Class,
}

impl From<Request> for RequestGroup {
    fn from(r: Request) -> Self {
        RequestGroup {
            method: r.method,
            class: r.class,
        }
    }
}

/// The string label set: both values interned at run time.
#[derive(Clone, Copy, LabelGroup)]
#[label(set = StrSet)]
struct StrGroup<'a> {
    #[label(dynamic_with = ParaCord, default)]
    method: &'a str,
    #[label(dynamic_with = ParaCord, default)]
    route: &'a str,
}

/// One label, for exposition and insertion.
#[derive(Clone, Copy, LabelGroup)]
#[label(set = SeriesSet)]
struct SeriesGroup<'a> {
    #[label(dynamic_with = ParaCord, default)]
    series: &'a str,
}

fn thresholds() -> Thresholds<11> {
    Thresholds::with_buckets(BUCKETS)
}

#[derive(MetricGroup)]
pub struct Measured {
    /// A counter.
    counter_total: Counter,
    /// By enum.
    enum_total: CounterVec<RequestSet>,
    /// By str.
    str_total: CounterVec<StrSet>,
    /// A gauge.
    gauge: FloatGauge,
    /// A histogram.
    observe_seconds: Histogram<11>,
    /// By enum.
    enum_seconds: HistogramVec<RequestSet, 11>,
    /// Timed.
    timed_seconds: Histogram<11>,
}

impl Recording for Measured {
    const NAME: &'static str = "measured";

    fn new() -> Self {
        let this = Measured {
            counter_total: Counter::new(),
            enum_total: CounterVec::dense(),
            str_total: CounterVec::new(),
            gauge: FloatGauge::new(),
            observe_seconds: Histogram::with_metadata(thresholds()),
            enum_seconds: HistogramVec::dense_with_metadata(thresholds()),
            timed_seconds: Histogram::with_metadata(thresholds()),
        };
        for r in Request::all() {
            this.enum_total.inc_by(r.into(), 0);
            this.enum_seconds.with_labels(r.into());
        }
        for (method, route) in super::labels::all_str() {
            this.str_total.inc_by(StrGroup { method, route }, 0);
        }
        this
    }

    #[inline]
    fn counter_inc(&self) {
        self.counter_total.inc();
    }

    #[inline]
    fn counter_inc_enum(&self, labels: Request) {
        self.enum_total.inc(labels.into());
    }

    #[inline]
    fn counter_inc_str(&self, (method, route): StrRequest) {
        self.str_total.inc(StrGroup { method, route });
    }

    #[inline]
    fn gauge_set(&self, v: f64) {
        self.gauge.set(v);
    }

    #[inline]
    fn histogram_observe(&self, v: f64) {
        self.observe_seconds.observe(v);
    }

    #[inline]
    fn histogram_observe_enum(&self, labels: Request, v: f64) {
        self.enum_seconds.observe(labels.into(), v);
    }

    /// Its own timer, which observes when told to or when dropped.
    #[inline]
    fn timed_call(&self) {
        let timer = self.timed_seconds.start_timer();
        super::timed_work();
        timer.observe();
    }

    fn render(&self) -> String {
        let mut encoder = BufferedTextEncoder::new();
        self.collect_group_into(&mut encoder).unwrap();
        String::from_utf8(encoder.finish().to_vec()).unwrap()
    }
}

enum MixedFamily {
    Counters(CounterVec<SeriesSet>),
    Histograms(HistogramVec<SeriesSet, 11>),
}

/// Families whose number is known only at run time, so a hand-written `MetricGroup`.
struct Families(Vec<(&'static MetricName, MixedFamily)>);

impl MetricGroup<BufferedTextEncoder> for Families {
    fn collect_group_into(&self, enc: &mut BufferedTextEncoder) -> Result<(), Infallible> {
        for (name, family) in &self.0 {
            enc.write_help(*name, "Mixed.")?;
            match family {
                MixedFamily::Counters(f) => f.collect_family_into(*name, enc)?,
                MixedFamily::Histograms(f) => f.collect_family_into(*name, enc)?,
            }
        }
        Ok(())
    }
}

pub struct MeasuredExposition {
    families: Families,
    encoder: BufferedTextEncoder,
    output: bytes::Bytes,
}

fn leaked_name(name: String) -> &'static MetricName {
    MetricName::try_from_str(Box::leak(name.into_boxed_str())).expect("a valid name")
}

impl Exposition for MeasuredExposition {
    const NAME: &'static str = "measured";

    fn counters(n: usize) -> Self {
        let family = CounterVec::<SeriesSet>::new();
        for (i, series) in super::label_values(n).iter().enumerate() {
            family.inc_by(SeriesGroup { series }, counter_value(i));
        }
        let name = leaked_name("encode_total".to_owned());
        MeasuredExposition {
            families: Families(vec![(name, MixedFamily::Counters(family))]),
            encoder: BufferedTextEncoder::new(),
            output: bytes::Bytes::new(),
        }
    }

    fn mixed(families: usize, series: usize) -> Self {
        let values = super::label_values(series);
        let families = (0..families)
            .map(|f| {
                let family = if f.is_multiple_of(2) {
                    let family = CounterVec::<SeriesSet>::new();
                    for (i, series) in values.iter().enumerate() {
                        family.inc_by(SeriesGroup { series }, counter_value(i));
                    }
                    MixedFamily::Counters(family)
                } else {
                    let family = HistogramVec::<SeriesSet, 11>::with_metadata(thresholds());
                    for (i, series) in values.iter().enumerate() {
                        histogram_values(i).for_each(|v| family.observe(SeriesGroup { series }, v));
                    }
                    MixedFamily::Histograms(family)
                };
                (leaked_name(mixed_name(f)), family)
            })
            .collect();
        MeasuredExposition {
            families: Families(families),
            encoder: BufferedTextEncoder::new(),
            output: bytes::Bytes::new(),
        }
    }

    fn encode(&mut self) {
        // Dropping the last scrape's bytes first lets the encoder reclaim their buffer.
        self.output = bytes::Bytes::new();
        self.families.collect_group_into(&mut self.encoder).unwrap();
        self.output = self.encoder.finish();
    }

    fn output(&self) -> &[u8] {
        &self.output
    }
}

pub struct MeasuredInsertion(CounterVec<SeriesSet>);

impl Insertion for MeasuredInsertion {
    const NAME: &'static str = "measured";

    fn empty() -> Self {
        MeasuredInsertion(CounterVec::new())
    }

    #[inline]
    fn insert(&self, series: &'static str) {
        self.0.inc(SeriesGroup { series });
    }
}

pub struct MeasuredChurn(CounterVec<SeriesSet>);

impl Churn for MeasuredChurn {
    const NAME: &'static str = "measured";
    const FORGETS_BY: &'static str =
        "`MetricVec::remove_metric` per label set (no clear; interned values stay)";

    /// It has no limit of label sets.
    fn empty(_live: usize) -> Self {
        MeasuredChurn(CounterVec::new())
    }

    #[inline]
    fn insert(&self, series: &'static str) {
        self.0.inc(SeriesGroup { series });
    }

    fn forget(&self, inserted: &[&'static str]) {
        for &series in inserted {
            self.0
                .remove_metric(self.0.with_labels(SeriesGroup { series }));
        }
    }

    fn render(&self) -> String {
        let name = MetricName::from_str("churn_total");
        let mut encoder = BufferedTextEncoder::new();
        self.0.collect_family_into(name, &mut encoder).unwrap();
        String::from_utf8(encoder.finish().to_vec()).unwrap()
    }
}
