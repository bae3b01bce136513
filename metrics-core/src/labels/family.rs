//! Labelled families: one series per label set, looked up densely or in a sharded map,
//! within a cardinality budget.

use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, RwLock};

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::descriptor::{Descriptor, UNNAMED};
use crate::encoding::{write_label_pairs, SampleSink, SeriesMeta};
use crate::labels::{LabelSet, Member, StrLabels};
use crate::metric::buckets::{self, DEFAULT_BUCKETS};
use crate::metric::clock::unix_seconds;
use crate::metric::summary::check_quantiles;
use crate::metric::{Counter, Gauge, Histogram, IntGauge, NativeHistogram, Summary};

/// Lock shards per family: enough that two cores rarely meet on one lock.
const SHARDS: usize = 16;

/// The value every label takes in the series that label sets past the budget fold into.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// A counter family keyed by `N` string label values.
pub type CounterFamily<const N: usize> = Family<StrLabels<N>, Counter>;
/// A gauge family keyed by `N` string label values.
pub type GaugeFamily<const N: usize> = Family<StrLabels<N>, Gauge>;
/// An integer gauge family keyed by `N` string label values.
pub type IntGaugeFamily<const N: usize> = Family<StrLabels<N>, IntGauge>;
/// A histogram family keyed by `N` string label values.
pub type HistogramFamily<const N: usize> = Family<StrLabels<N>, Histogram>;
/// A summary family keyed by `N` string label values.
pub type SummaryFamily<const N: usize> = Family<StrLabels<N>, Summary>;
/// A native histogram family keyed by `N` string label values.
pub type NativeHistogramFamily<const N: usize> = Family<StrLabels<N>, NativeHistogram>;

/// One series and its label text, rendered and escaped once when the series is created.
#[derive(Debug)]
pub struct Labelled<S> {
    labels: Box<str>,
    /// When the series was created or last reset, as f64 Unix seconds: OpenMetrics'
    /// `_created`. Set off the recording path, so recording never reads the clock.
    created: AtomicU64,
    series: S,
}

impl<S> Labelled<S> {
    /// The series' label pairs as exposed, `name="value",...`.
    pub fn label_text(&self) -> &str {
        &self.labels
    }

    /// When the series was created, or last reset, in Unix seconds.
    pub fn created(&self) -> f64 {
        f64::from_bits(self.created.load(Relaxed))
    }

    fn meta(&self) -> SeriesMeta<'_> {
        SeriesMeta {
            labels: &self.labels,
            created: Some(self.created()),
        }
    }

    fn restart<M: Member<Series = S>>(&self) {
        M::reset(&self.series);
        self.created.store(unix_seconds().to_bits(), Relaxed);
    }
}

/// A series of a family, as returned by [`Family::labels`]. It can be kept: one from a
/// `static` family lives for the whole program, and one that [`Family::remove`] dropped
/// still records, unseen.
#[derive(Debug)]
pub struct SeriesRef<'a, S>(Handle<'a, S>);

#[derive(Debug)]
enum Handle<'a, S> {
    Dense(&'a Labelled<S>),
    Shared(Arc<Labelled<S>>),
}

impl<S> Clone for SeriesRef<'_, S> {
    fn clone(&self) -> Self {
        SeriesRef(match &self.0 {
            Handle::Dense(s) => Handle::Dense(s),
            Handle::Shared(s) => Handle::Shared(Arc::clone(s)),
        })
    }
}

impl<S> Deref for SeriesRef<'_, S> {
    type Target = S;

    #[inline]
    fn deref(&self) -> &S {
        match &self.0 {
            Handle::Dense(s) => &s.series,
            Handle::Shared(s) => &s.series,
        }
    }
}

/// One lock's worth of a family's map.
type Shard<K, S> = RwLock<HashTable<Entry<K, S>>>;

struct Entry<K, S> {
    hash: u64,
    key: K,
    series: Arc<Labelled<S>>,
}

/// A metric family with labels: `L` is the label set, `M` the metric kind.
///
/// ```
/// use tallymark_core::{CounterFamily, Descriptor};
///
/// const REQUESTS: Descriptor =
///     Descriptor::new("requests_total", "Requests.").with_labels(&["method", "status"]);
/// static REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new().described(&REQUESTS);
///
/// REQUESTS_TOTAL.labels(["GET", "200"]).inc();
/// let errors = REQUESTS_TOTAL.labels(["GET", "500"]); // a handle to keep
/// errors.inc_by(2);
/// assert_eq!(REQUESTS_TOTAL.labels(["GET", "500"]).get(), 2.0);
/// ```
pub struct Family<L: LabelSet, M: Member> {
    desc: &'static Descriptor,
    bounds: &'static [f64],
    dense: OnceLock<Box<[Labelled<M::Series>]>>,
    shards: [Shard<L::Key, M::Series>; SHARDS],
    len: AtomicUsize,
    overflow: OnceLock<Arc<Labelled<M::Series>>>,
    overflowed: AtomicU64,
    warned: AtomicBool,
    hasher: FixedState,
    _kind: PhantomData<fn() -> (L, M)>,
}

impl<L: LabelSet, M: Member> Family<L, M> {
    /// An empty family, usable in a `static`.
    pub const fn new() -> Self {
        Family {
            desc: &UNNAMED,
            bounds: &DEFAULT_BUCKETS,
            dense: OnceLock::new(),
            shards: [const { RwLock::new(HashTable::new()) }; SHARDS],
            len: AtomicUsize::new(0),
            overflow: OnceLock::new(),
            overflowed: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            hasher: FixedState::with_seed(0x7a11_7a11_7a11_7a11),
            _kind: PhantomData,
        }
    }

    /// Attaches the family's descriptor: label names, budget and buckets.
    /// `#[tallymark::metric]` calls this.
    ///
    /// # Panics
    /// When string label names don't number `N`, or buckets are invalid; in a `static`
    /// that is a compile error.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        if L::NAMES.is_none() && desc.label_names().len() != L::ARITY {
            panic!("the descriptor's label names don't match the family's label count");
        }
        if !desc.buckets().is_empty() {
            self.bounds = buckets::checked(desc.buckets());
        }
        check_quantiles(desc.quantiles());
        self.desc = desc;
        self
    }

    /// The family's descriptor.
    pub fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    /// The label names, in order.
    pub fn label_names(&self) -> &'static [&'static str] {
        L::NAMES.unwrap_or(self.desc.label_names())
    }

    /// The series for a label set, created at zero on first use. Past the budget, new label
    /// sets share one overflow series whose labels all read `__overflow__`.
    #[inline]
    pub fn labels(&self, lookup: L::Lookup<'_>) -> SeriesRef<'_, M::Series> {
        if let Some(count) = L::DENSE {
            let slots = self.dense.get_or_init(|| self.dense_series(count));
            if let Some(slot) = slots.get(L::dense_index(&lookup)) {
                return SeriesRef(Handle::Dense(slot));
            }
            return SeriesRef(Handle::Shared(self.overflow_series()));
        }
        let hash = self.hasher.hash_one(Hashed::<L>(&lookup));
        let shard = &self.shards[shard_of(hash)];
        {
            let table = shard.read().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = table.find(hash, |e| L::matches(&lookup, &e.key)) {
                return SeriesRef(Handle::Shared(Arc::clone(&entry.series)));
            }
        }
        SeriesRef(Handle::Shared(self.insert(hash, &lookup)))
    }

    /// Stops exporting a label set and returns whether it existed. Handles already taken
    /// keep working but are no longer scraped. A densely stored set is reset to zero
    /// instead, since every dense set is always exported.
    pub fn remove(&self, lookup: L::Lookup<'_>) -> bool {
        if L::DENSE.is_some() {
            let found = self
                .dense
                .get()
                .and_then(|slots| slots.get(L::dense_index(&lookup)));
            if let Some(slot) = found {
                slot.restart::<M>();
            }
            return found.is_some();
        }
        let hash = self.hasher.hash_one(Hashed::<L>(&lookup));
        let mut table = self.shards[shard_of(hash)]
            .write()
            .unwrap_or_else(|e| e.into_inner());
        match table.find_entry(hash, |e| L::matches(&lookup, &e.key)) {
            Ok(entry) => {
                entry.remove();
                self.len.fetch_sub(1, Relaxed);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes every label set (dense ones are reset to zero), and the overflow count.
    pub fn clear(&self) {
        if let Some(slots) = self.dense.get() {
            slots.iter().for_each(Labelled::restart::<M>);
        }
        for shard in &self.shards {
            let mut table = shard.write().unwrap_or_else(|e| e.into_inner());
            self.len.fetch_sub(table.len(), Relaxed);
            table.clear();
        }
        if let Some(overflow) = self.overflow.get() {
            overflow.restart::<M>();
        }
        self.overflowed.store(0, Relaxed);
    }

    /// How many lookups were folded into the overflow series.
    pub fn overflowed(&self) -> u64 {
        self.overflowed.load(Relaxed)
    }

    /// Hands every series to an encoder: dense ones in declaration order, others sorted by
    /// label text so that a scrape reads the same way every time, overflow last.
    pub(crate) fn encode_series(&self, sink: &mut dyn SampleSink) {
        if let Some(count) = L::DENSE {
            for slot in self.dense.get_or_init(|| self.dense_series(count)).iter() {
                M::encode(&slot.series, slot.meta(), sink);
            }
        }
        let mut series: Vec<Arc<Labelled<M::Series>>> = Vec::new();
        for shard in &self.shards {
            let table = shard.read().unwrap_or_else(|e| e.into_inner());
            series.extend(table.iter().map(|e| Arc::clone(&e.series)));
        }
        series.sort_unstable_by(|a, b| a.labels.cmp(&b.labels));
        for s in series.iter().chain(self.overflow.get()) {
            M::encode(&s.series, s.meta(), sink);
        }
    }

    fn insert(&self, hash: u64, lookup: &L::Lookup<'_>) -> Arc<Labelled<M::Series>> {
        let mut table = self.shards[shard_of(hash)]
            .write()
            .unwrap_or_else(|e| e.into_inner());
        // Another thread may have inserted it between our read and write locks.
        if let Some(entry) = table.find(hash, |e| L::matches(lookup, &e.key)) {
            return Arc::clone(&entry.series);
        }
        if self.len.fetch_add(1, Relaxed) >= self.desc.budget() {
            self.len.fetch_sub(1, Relaxed);
            drop(table);
            self.overflowed.fetch_add(1, Relaxed);
            return self.overflow_series();
        }
        let mut text = Vec::new();
        let mut names = self.label_names().iter();
        let mut pairs = Vec::with_capacity(L::ARITY);
        L::values(lookup, &mut |value| {
            if let Some(name) = names.next() {
                pairs.push((*name, value.to_owned()));
            }
        });
        write_label_pairs(&mut text, pairs.iter().map(|(n, v)| (*n, v.as_str())));
        let series = Arc::new(self.labelled(text));
        table.insert_unique(
            hash,
            Entry {
                hash,
                key: L::to_key(lookup),
                series: Arc::clone(&series),
            },
            |e| e.hash,
        );
        series
    }

    fn overflow_series(&self) -> Arc<Labelled<M::Series>> {
        if !self.warned.swap(true, Relaxed) {
            eprintln!(
                "tallymark: label value sets exceed the budget of {} series for `{}`; \
                 folded into overflow",
                self.desc.budget(),
                self.desc.name()
            );
        }
        let overflow = self.overflow.get_or_init(|| {
            let mut text = Vec::new();
            let pairs = self
                .label_names()
                .iter()
                .map(|n| (*n, OVERFLOW_LABEL_VALUE));
            write_label_pairs(&mut text, pairs);
            Arc::new(self.labelled(text))
        });
        Arc::clone(overflow)
    }

    fn dense_series(&self, count: usize) -> Box<[Labelled<M::Series>]> {
        (0..count)
            .map(|index| {
                let mut values = Vec::with_capacity(L::ARITY);
                L::dense_values(index, &mut |v| values.push(v.to_owned()));
                let mut text = Vec::new();
                let names = self.label_names().iter().copied();
                write_label_pairs(&mut text, names.zip(values.iter().map(String::as_str)));
                self.labelled(text)
            })
            .collect()
    }

    fn labelled(&self, text: Vec<u8>) -> Labelled<M::Series> {
        // Escaping keeps UTF-8 intact, so the lossy branch never runs.
        let labels = String::from_utf8(text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Labelled {
            labels: labels.into_boxed_str(),
            created: AtomicU64::new(unix_seconds().to_bits()),
            series: M::new_series(self.desc, self.bounds),
        }
    }
}

impl<L: LabelSet, M: Member> Default for Family<L, M> {
    fn default() -> Self {
        Family::new()
    }
}

impl<L: LabelSet, M: Member> std::fmt::Debug for Family<L, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.desc.name())
            .field("series", &self.len.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Bits 48..52 pick the shard: hashbrown places entries by the low bits and tags them with
/// the top seven, so the shard choice correlates with neither.
#[inline]
fn shard_of(hash: u64) -> usize {
    (hash >> 48) as usize % SHARDS
}

struct Hashed<'l, 'a, L: LabelSet>(&'l L::Lookup<'a>);

impl<L: LabelSet> std::hash::Hash for Hashed<'_, '_, L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        L::hash_lookup(self.0, state);
    }
}
