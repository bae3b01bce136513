//! One walk over a registry that drives any exposition format: the registered families,
//! then the collectors' families, then the self-metrics (`self_metrics`).

use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use crate::descriptor::MetricKind;
use crate::encoding::html::HtmlEncoder;
use crate::encoding::openmetrics::OpenMetricsEncoder;
#[cfg(feature = "protobuf")]
use crate::encoding::protobuf::ProtobufEncoder;
use crate::encoding::text::TextEncoder;
use crate::encoding::{
    Encoder, Exposition, FamilyHeader, FlatSample, FlatSink, Flatten, Format, LabelPairs, Value,
};
use crate::names::label_names_escape_alike;
use crate::registry::collector::CollectedSample;
use crate::registry::identity::unique_families;
use crate::registry::rules::{check_labels, check_name, check_not_reserved};
use crate::registry::sample_names::{sample_names, TakenNames};
use crate::registry::target_info::encode_target_info;
use crate::registry::{CollectedFamily, Collection, Collector, Registry};

/// Which families a scrape asked for.
pub(crate) struct Selection<'a>(&'a [&'a str]);

impl Selection<'_> {
    /// A family is selected when no names were given, or one of them is its name or one
    /// of its sample names (`x_bucket` selects the histogram `x`); `names` are the
    /// family's, from `sample_names`.
    pub(crate) fn includes(&self, names: &[String]) -> bool {
        self.0.is_empty() || names.iter().any(|n| self.0.contains(&n.as_str()))
    }
}

impl Registry {
    /// Appends every family in Prometheus text format 0.0.4.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_as(Format::Text, out);
    }

    /// Appends every family in `format`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tallymark_core::{Counter, Descriptor, Format, Registry};
    ///
    /// const JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs run.");
    /// let registry = Registry::new();
    /// registry.register(Arc::new(Counter::new().described(&JOBS))).unwrap();
    /// let mut out = Vec::new();
    /// registry.encode_as(Format::OpenMetrics, &mut out);
    /// let text = String::from_utf8(out).unwrap();
    /// assert!(text.starts_with("# TYPE jobs counter\n# HELP jobs Jobs run.\njobs_total 0\njobs_created "));
    /// assert!(text.ends_with("# EOF\n"));
    /// ```
    pub fn encode_as(&self, format: impl Into<Exposition>, out: &mut Vec<u8>) {
        self.encode_selected(format, &[], out);
    }

    /// Appends the families named in `names` in `format` (a [`Format`], or an
    /// [`Exposition`] that also says how to write names); all of them when `names` is
    /// empty. A name selects a family by its declared name or any of its sample names, as
    /// `/metrics?name[]=...` does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tallymark_core::encoding::Exposition;
    /// use tallymark_core::names::Escaping;
    /// use tallymark_core::{Descriptor, Format, Gauge, Registry};
    ///
    /// const LOAD: Descriptor = Descriptor::new("system.cpu.load", "Load.");
    /// let registry = Registry::new();
    /// registry.register(Arc::new(Gauge::new().described(&LOAD))).unwrap();
    /// let text = |exposition: Exposition| {
    ///     let mut out = Vec::new();
    ///     registry.encode_selected(exposition, &[], &mut out);
    ///     String::from_utf8(out).unwrap()
    /// };
    /// assert_eq!(
    ///     text(Format::Text.into()),
    ///     "# HELP system_cpu_load Load.\n# TYPE system_cpu_load gauge\nsystem_cpu_load 0\n"
    /// );
    /// assert_eq!(
    ///     text(Exposition::from(Format::Text).with_escaping(Escaping::AllowUtf8)),
    ///     "# HELP \"system.cpu.load\" Load.\n# TYPE \"system.cpu.load\" gauge\n{\"system.cpu.load\"} 0\n"
    /// );
    /// ```
    pub fn encode_selected(
        &self,
        format: impl Into<Exposition>,
        names: &[&str],
        out: &mut Vec<u8>,
    ) {
        let selection = Selection(names);
        let exposition = format.into();
        let scheme = exposition.escaping();
        match exposition.format() {
            Format::Text => self.walk(&mut TextEncoder::new(out, scheme), &selection),
            Format::OpenMetrics => self.walk(&mut OpenMetricsEncoder::new(out, scheme), &selection),
            #[cfg(feature = "protobuf")]
            Format::Protobuf => self.walk(&mut ProtobufEncoder::new(out), &selection),
            Format::Html => self.walk(&mut HtmlEncoder::new(out), &selection),
        }
    }

    /// Walks the families named in `names` (all of them when empty) into `encoder`, in the
    /// order and with the selection rules of [`encode_selected`](Registry::encode_selected).
    ///
    /// ```
    /// use tallymark_core::encoding::{Encoder, FamilyHeader, SampleSink};
    /// use tallymark_core::Registry;
    ///
    /// struct Names(Vec<String>);
    ///
    /// impl Encoder for Names {
    ///     fn family(&mut self, header: &FamilyHeader<'_>, _: &mut dyn FnMut(&mut dyn SampleSink)) {
    ///         self.0.push(header.name.to_owned());
    ///     }
    /// }
    ///
    /// let mut names = Names(Vec::new());
    /// Registry::new().encode_into(&mut names, &[]);
    /// assert!(names.0.is_empty());
    /// ```
    pub fn encode_into(&self, encoder: &mut dyn Encoder, names: &[&str]) {
        self.walk(encoder, &Selection(names));
    }

    /// The value of one sample, as a 0.0.4 scrape would show it: `name` is the sample's
    /// name (`requests_total`, `latency_seconds_bucket`, `latency_seconds_count`) and
    /// `labels` its label pairs in any order, with a bucket's `le` or a summary's
    /// `quantile` among them. A bound matches by its number, so `"1"`, `"1.0"` and `"+Inf"`
    /// all work. An empty label value is no label, as to Prometheus. `None` when no sample
    /// matches. Python's `get_sample_value`, for tests.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tallymark_core::{CounterFamily, Descriptor, Histogram, Registry};
    ///
    /// const REQUESTS: Descriptor =
    ///     Descriptor::new("requests_total", "Requests.").with_labels(&["method"]);
    /// const WAIT: Descriptor = Descriptor::new("wait_seconds", "Waits.").with_buckets(&[1.0]);
    /// let registry = Registry::new();
    /// let requests = Arc::new(CounterFamily::<1>::new().described(&REQUESTS));
    /// let wait = Arc::new(Histogram::new().described(&WAIT));
    /// registry.register(requests.clone()).unwrap();
    /// registry.register(wait.clone()).unwrap();
    /// requests.labels(["GET"]).inc_by(2);
    /// wait.observe(0.5);
    ///
    /// assert_eq!(registry.sample_value("requests_total", &[("method", "GET")]), Some(2.0));
    /// assert_eq!(registry.sample_value("requests_total", &[("method", "PUT")]), None);
    /// assert_eq!(registry.sample_value("requests_total", &[]), None);
    /// assert_eq!(registry.sample_value("wait_seconds_bucket", &[("le", "1.0")]), Some(1.0));
    /// assert_eq!(registry.sample_value("wait_seconds_bucket", &[("le", "+Inf")]), Some(1.0));
    /// assert_eq!(registry.sample_value("wait_seconds_sum", &[]), Some(0.5));
    /// ```
    pub fn sample_value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut find = Flatten(FindSample {
            name,
            labels,
            found: None,
        });
        // The selection also takes sample names, so `x_bucket` walks only the family `x`.
        self.walk(&mut find, &Selection(&[name]));
        find.0.found
    }

    fn walk(&self, encoder: &mut dyn Encoder, selection: &Selection<'_>) {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        encode_target_info(&families, encoder, selection);
        for held in &families.held {
            let metric = held.get();
            let desc = metric.descriptor();
            if !selection.includes(&held.sample_names) {
                continue;
            }
            let header = FamilyHeader {
                name: desc.name(),
                help: desc.help(),
                unit: desc.unit(),
                kind: metric.kind(),
                created: Some(held.registered),
            };
            encoder.family(&header, &mut |sink| metric.encode_series(sink));
        }
        // Collectors run with no lock of ours held, so one may register a family or a
        // collector; what it adds shows from the next scrape. The collectors and the names
        // they must not take are read under the lock together, so a collector registered
        // meanwhile waits for the next scrape too.
        let collectors = self.collectors();
        let registered = Arc::clone(&families.taken);
        drop(families);
        if let Some(collection) = self.collect(&collectors) {
            self.encode_collected(encoder, selection, &registered, collection);
        }
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        self.encode_self_metrics(encoder, selection, &families.held);
        encoder.finish();
    }

    /// The collectors now; empty, without allocating, when there are none.
    fn collectors(&self) -> Vec<Arc<dyn Collector>> {
        self.collectors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Every collector's families for this scrape, or `None` when there are no collectors
    /// or this walk was started by one of this registry's collectors: running them again
    /// would recurse without end, so a nested walk skips them and counts that it did. A
    /// collector may scrape another registry, whose collectors run as usual.
    fn collect(&self, collectors: &[Arc<dyn Collector>]) -> Option<Collection> {
        if collectors.is_empty() {
            return None;
        }
        let Some(_collecting) = Collecting::enter(self) else {
            self.nested_collections.fetch_add(1, Relaxed);
            return None;
        };
        let mut collection = Collection::default();
        for collector in collectors {
            collector.collect(&mut collection);
        }
        Some(collection)
    }

    fn encode_collected(
        &self,
        encoder: &mut dyn Encoder,
        selection: &Selection<'_>,
        registered: &TakenNames,
        collection: Collection,
    ) {
        let families = unique_families(collection.families, &self.duplicates);
        // The names taken by collected families earlier in this scrape.
        let mut collected = TakenNames::default();
        for family in &families {
            let names = sample_names(&family.name, family.kind);
            if !is_valid(family, &names) {
                self.invalid_families.fetch_add(1, Relaxed);
                continue;
            }
            // A name another family's samples already use: each of its series would repeat
            // an identity of that family.
            if registered.takes_any(&names) || collected.takes_any(&names) {
                self.duplicates.add(&family.name, family.samples.len());
                continue;
            }
            let selected = selection.includes(&names);
            collected.take(names);
            if !selected {
                continue;
            }
            let header = FamilyHeader {
                name: &family.name,
                help: &family.help,
                unit: "",
                kind: family.kind,
                created: None,
            };
            encoder.family(&header, &mut |sink| {
                for sample in &family.samples {
                    sink.sample(LabelPairs::owned(&sample.labels), sample.value);
                }
            });
        }
    }
}

/// Whether every series of a collected family, whose sample names are `names`, can be
/// written: a valid name for its type and no self-metric's, valid label names, none twice
/// and none the type's own, and for a counter values that are neither negative nor NaN,
/// which OpenMetrics refuses in a counter.
fn is_valid(family: &CollectedFamily, names: &[String]) -> bool {
    fn labels(sample: &CollectedSample) -> impl Iterator<Item = &str> {
        sample.labels.iter().map(|(n, _)| n.as_str())
    }
    let countable = |sample: &CollectedSample| match sample.value {
        Value::Float(v) => v >= 0.0,
        Value::Signed(v) => v >= 0,
        Value::Unsigned(_) => true,
    };
    if family.kind == MetricKind::Counter && !family.samples.iter().all(countable) {
        return false;
    }
    // Label names that differ as written but not once escaped would make two series of
    // one identity in the scrape of a legacy scraper, whichever samples they are on.
    let mut label_names: Vec<&str> = family.samples.iter().flat_map(labels).collect();
    label_names.sort_unstable();
    label_names.dedup();
    let escape_apart = label_names.iter().enumerate().all(|(i, a)| {
        label_names[..i]
            .iter()
            .all(|b| !label_names_escape_alike(a, b))
    });
    escape_apart
        && check_name(&family.name, family.kind).is_ok()
        && check_not_reserved(&family.name, names).is_ok()
        && family
            .samples
            .iter()
            .all(|sample| check_labels(&family.name, family.kind, labels(sample)).is_ok())
}

thread_local! {
    /// The registries whose collectors this thread is running, by address.
    static COLLECTING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks this thread as running one registry's collectors until dropped, even by a
/// collector's panic.
struct Collecting(usize);

impl Collecting {
    fn enter(registry: &Registry) -> Option<Collecting> {
        let address = std::ptr::from_ref(registry) as usize;
        COLLECTING.with(|running| {
            let mut running = running.borrow_mut();
            if running.contains(&address) {
                return None;
            }
            running.push(address);
            Some(Collecting(address))
        })
    }
}

impl Drop for Collecting {
    fn drop(&mut self) {
        COLLECTING.with(|running| running.borrow_mut().retain(|a| *a != self.0));
    }
}

/// The [`FlatSink`] behind [`Registry::sample_value`]: the first sample with the name and
/// label pairs asked for.
struct FindSample<'q> {
    name: &'q str,
    labels: &'q [(&'q str, &'q str)],
    found: Option<f64>,
}

impl FindSample<'_> {
    fn matches(&self, sample: &FlatSample<'_>) -> bool {
        let named = self
            .name
            .strip_prefix(sample.family)
            .is_some_and(|rest| rest == sample.suffix);
        if !named {
            return false;
        }
        let asked = self.labels.iter().filter(|(_, v)| !v.is_empty());
        let has = |name: &str, value: &str| match sample.bound {
            Some((bound_name, bound)) if bound_name == name => {
                value.parse::<f64>().is_ok_and(|v| v == bound)
            }
            _ => sample.labels.iter().any(|pair| pair == (name, value)),
        };
        let present = sample.labels.iter().filter(|(_, v)| !v.is_empty()).count()
            + sample.bound.iter().count();
        // Each asked name once: `[("a", "1"), ("a", "1")]` is no series' label set.
        let distinct = self
            .labels
            .iter()
            .enumerate()
            .all(|(i, (name, _))| self.labels[..i].iter().all(|(n, _)| n != name));
        distinct && asked.clone().count() == present && asked.into_iter().all(|&(n, v)| has(n, v))
    }
}

impl FlatSink for FindSample<'_> {
    fn sample(&mut self, sample: FlatSample<'_>) {
        if self.found.is_none() && self.matches(&sample) {
            self.found = Some(sample.value);
        }
    }
}
