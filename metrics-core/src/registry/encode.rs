//! One walk over a registry that drives any exposition format: the registered families,
//! then the collectors' families, then the self-metrics.

use std::io::Write as _;

use crate::descriptor::MetricKind;
use crate::encoding::openmetrics::OpenMetricsEncoder;
#[cfg(feature = "protobuf")]
use crate::encoding::protobuf::ProtobufEncoder;
use crate::encoding::text::TextEncoder;
use crate::encoding::{write_label_pairs, Encoder, FamilyHeader, Format, SampleSink, Value};
use crate::metric::exemplars_dropped;
use crate::names::{check_label_name, check_metric_name, NameError};
use crate::registry::identity::unique_families;
use crate::registry::{clashes, sample_names, CollectedFamily, Collection, Held, Registry};

/// Which families a scrape asked for.
struct Selection<'a>(&'a [&'a str]);

impl Selection<'_> {
    /// A family is selected when no names were given, or one of them is its name or one
    /// of its sample names (`x_bucket` selects the histogram `x`).
    fn includes(&self, name: &str, kind: MetricKind) -> bool {
        self.0.is_empty()
            || sample_names(name, kind)
                .iter()
                .any(|n| self.0.contains(&n.as_str()))
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
    pub fn encode_as(&self, format: Format, out: &mut Vec<u8>) {
        self.encode_selected(format, &[], out);
    }

    /// Appends the families named in `names` in `format`; all of them when `names` is
    /// empty. A name selects a family by its declared name or any of its sample names, as
    /// `/metrics?name[]=...` does.
    pub fn encode_selected(&self, format: Format, names: &[&str], out: &mut Vec<u8>) {
        let selection = Selection(names);
        match format {
            Format::Text => self.walk(&mut TextEncoder::new(out), &selection),
            Format::OpenMetrics => self.walk(&mut OpenMetricsEncoder::new(out), &selection),
            #[cfg(feature = "protobuf")]
            Format::Protobuf => self.walk(&mut ProtobufEncoder::new(out), &selection),
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

    fn walk(&self, encoder: &mut dyn Encoder, selection: &Selection<'_>) {
        let families = self.families.read().unwrap_or_else(|e| e.into_inner());
        for held in families.iter() {
            let metric = held.get();
            let desc = metric.descriptor();
            if !selection.includes(desc.name(), metric.kind()) {
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
        self.encode_collected(encoder, selection, &families);
        encode_overflow_counts(encoder, selection, &families);
        self.encode_duplicate_drops(encoder, selection);
        if self.process_metrics {
            encode_exemplar_drops(encoder, selection);
        }
        encoder.finish();
    }

    fn encode_collected(
        &self,
        encoder: &mut dyn Encoder,
        selection: &Selection<'_>,
        registered: &[Held],
    ) {
        let collectors = self.collectors.read().unwrap_or_else(|e| e.into_inner());
        // A registry without collectors scrapes without allocating.
        if collectors.is_empty() {
            return;
        }
        let mut collection = Collection::default();
        for collector in collectors.iter() {
            collector.collect(&mut collection);
        }
        let families = unique_families(collection.families, &self.duplicates);
        let mut taken: Vec<(&str, MetricKind)> = registered
            .iter()
            .map(|h| (h.get().descriptor().name(), h.get().kind()))
            .collect();
        let mut labels = Vec::new();
        for family in &families {
            if let Err(e) = check_collected(family) {
                eprintln!("tallymark: collector family skipped: {e}");
                continue;
            }
            // A name another family's samples already use: each of its series would repeat
            // an identity of that family.
            if taken
                .iter()
                .any(|t| clashes(*t, (&family.name, family.kind)))
            {
                self.duplicates.add(&family.name, family.samples.len());
                continue;
            }
            taken.push((&family.name, family.kind));
            if !selection.includes(&family.name, family.kind) {
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
                    labels.clear();
                    write_label_pairs(
                        &mut labels,
                        sample.labels.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                    );
                    sink.sample(&String::from_utf8_lossy(&labels), sample.value);
                }
            });
        }
    }
}

impl Registry {
    /// How many collected series each family lost for repeating an identity, once any did.
    fn encode_duplicate_drops(&self, encoder: &mut dyn Encoder, selection: &Selection<'_>) {
        let name = "tallymark_duplicate_series_dropped_total";
        if !selection.includes(name, MetricKind::Counter) {
            return;
        }
        let counts = self.duplicates.counts();
        if counts.is_empty() {
            return;
        }
        let header = FamilyHeader {
            name,
            help: "Series a collector yielded that were dropped because an earlier series had the same name and labels.",
            unit: "",
            kind: MetricKind::Counter,
            created: None,
        };
        let mut labels = Vec::new();
        encoder.family(&header, &mut |sink| {
            for (family, count) in &counts {
                labels.clear();
                write_label_pairs(&mut labels, [("family", family.as_str())]);
                sink.sample(&String::from_utf8_lossy(&labels), Value::Unsigned(*count));
            }
        });
    }
}

/// The self-metric behind cardinality budgets: how many lookups each budgeted family
/// folded into its overflow series.
fn encode_overflow_counts(encoder: &mut dyn Encoder, selection: &Selection<'_>, families: &[Held]) {
    let budgeted = || {
        families
            .iter()
            .filter_map(|h| Some((h.get().descriptor().name(), h.get().overflowed()?)))
    };
    let name = "tallymark_label_overflow_total";
    if budgeted().next().is_none() || !selection.includes(name, MetricKind::Counter) {
        return;
    }
    let header = FamilyHeader {
        name,
        help: "Label sets folded into a family's overflow series because its cardinality budget was spent.",
        unit: "",
        kind: MetricKind::Counter,
        created: None,
    };
    encoder.family(&header, &mut |sink| {
        // A registered name needs no escaping, so its label text is built in place; a
        // scrape of a steady registry allocates nothing.
        let mut text = [0u8; 256];
        for (family, count) in budgeted() {
            let mut rest = &mut text[..];
            let fits = rest
                .write_all(b"family=\"")
                .and_then(|()| rest.write_all(family.as_bytes()))
                .and_then(|()| rest.write_all(b"\""))
                .is_ok();
            let written = 256 - rest.len();
            match text.get(..written).map(std::str::from_utf8) {
                Some(Ok(labels)) if fits => sink.sample(labels, Value::Unsigned(count)),
                _ => {
                    let mut labels = Vec::new();
                    write_label_pairs(&mut labels, [("family", family)]);
                    sink.sample(&String::from_utf8_lossy(&labels), Value::Unsigned(count));
                }
            }
        }
    });
}

/// How many exemplars the process refused, once it has refused any: a family that appears
/// only when something went wrong keeps every other exposition exactly as declared.
fn encode_exemplar_drops(encoder: &mut dyn Encoder, selection: &Selection<'_>) {
    let dropped = exemplars_dropped();
    let name = "tallymark_exemplars_dropped_total";
    if dropped == 0 || !selection.includes(name, MetricKind::Counter) {
        return;
    }
    let header = FamilyHeader {
        name,
        help: "Exemplars refused, and so never exposed, because their labels were over 128 code points or had an invalid name.",
        unit: "",
        kind: MetricKind::Counter,
        created: None,
    };
    encoder.family(&header, &mut |sink: &mut dyn SampleSink| {
        sink.sample("", Value::Unsigned(dropped));
    });
}

fn check_collected(family: &CollectedFamily) -> Result<(), NameError> {
    check_metric_name(&family.name)?;
    for sample in &family.samples {
        for (name, _) in &sample.labels {
            check_label_name(name)?;
        }
    }
    Ok(())
}
