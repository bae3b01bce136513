//! Labelled families: one series per label set, found by a computed index for enum label
//! sets and by a lock-free hash lookup otherwise, within a cardinality budget.

use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use foldhash::fast::FixedState;

use crate::descriptor::{Descriptor, UNNAMED};
use crate::encoding::SampleSink;
use crate::labels::keyed::{Entry, Keyed, Writer};
use crate::labels::series::Labelled;
use crate::labels::{LabelSet, Member, StrLabels};
use crate::metric::buckets::{self, DEFAULT_BUCKETS};
use crate::metric::summary::check_quantiles;
use crate::metric::{Counter, Gauge, Histogram, IntGauge, NativeHistogram, Summary};
use crate::pairs::PackedStrs;

/// The value every label takes in the series that label sets past the budget fold into.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// Label names for a family of strings that was never given a descriptor, so that its label
/// sets still have text to be told apart by.
const PLACEHOLDER_NAMES: [&str; 8] = [
    "label_0", "label_1", "label_2", "label_3", "label_4", "label_5", "label_6", "label_7",
];

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

/// A series of a family, as returned by [`Family::labels`]: a plain reference, so taking
/// one costs no atomic operation. It can be kept: the family keeps every series it created
/// for as long as it lives, so one from a `static` family lives for the whole program. One
/// that [`Family::remove`] dropped still records, unseen, until its label set is looked up
/// again, which brings the series back at zero.
#[derive(Debug)]
pub struct SeriesRef<'a, S>(&'a Labelled<S>);

impl<S> Clone for SeriesRef<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for SeriesRef<'_, S> {}

impl<S> Deref for SeriesRef<'_, S> {
    type Target = S;

    #[inline]
    fn deref(&self) -> &S {
        &self.0.series
    }
}

/// Which entry of a family one call site's fixed label values name, so that the site's
/// later calls skip the lookup; a `static` per site, which the attributes declare for
/// `labels(..)` made only of string literals.
#[derive(Debug, Default)]
pub struct SiteSeries {
    /// The entry's number plus one; 0 until the first call.
    entry: AtomicU32,
}

impl SiteSeries {
    /// A site that has not called yet.
    pub const fn new() -> Self {
        SiteSeries {
            entry: AtomicU32::new(0),
        }
    }
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
    keyed: Keyed<L::Key, M::Series>,
    overflow: OnceLock<Labelled<M::Series>>,
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
            keyed: Keyed::new(),
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

    /// The names the label values are paired with: the declared ones, or placeholders for
    /// a family that has no descriptor.
    #[inline]
    fn text_names(&self) -> &'static [&'static str] {
        let names = self.label_names();
        if names.len() == L::ARITY {
            names
        } else {
            &PLACEHOLDER_NAMES[..L::ARITY.min(PLACEHOLDER_NAMES.len())]
        }
    }

    /// The series for a label set, created at zero on first use. Past the budget, new label
    /// sets share one overflow series whose labels all read `__overflow__`.
    #[inline]
    pub fn labels(&self, lookup: L::Lookup<'_>) -> SeriesRef<'_, M::Series> {
        if let Some(count) = L::DENSE {
            let slots = self.dense.get_or_init(|| self.dense_series(count));
            return match slots.get(L::dense_index(&lookup)) {
                Some(slot) => SeriesRef(slot),
                None => SeriesRef(self.overflow_series()),
            };
        }
        let hash = self.hasher.hash_one(Hashed::<L>(&lookup));
        match self.find(hash, &lookup) {
            Some(entry) if entry.is_live() => SeriesRef(&entry.labelled),
            _ => SeriesRef(self.insert(hash, &lookup)),
        }
    }

    /// [`Family::labels`] for a call site whose label values never change (string
    /// literals): the site remembers which entry they name, so later calls neither hash
    /// nor compare text. A removed entry is looked up again, which brings it back.
    #[inline]
    pub(crate) fn labels_at(
        &self,
        site: &SiteSeries,
        lookup: L::Lookup<'_>,
    ) -> SeriesRef<'_, M::Series> {
        if L::DENSE.is_some() {
            return self.labels(lookup);
        }
        let remembered = site.entry.load(Relaxed).checked_sub(1);
        match remembered.and_then(|number| self.keyed.entry(number as usize)) {
            Some(entry) if entry.is_live() => SeriesRef(&entry.labelled),
            _ => self.resolve_site(site, &lookup),
        }
    }

    /// A site's first call, or its first since the entry was removed: the lookup of
    /// [`Family::labels`], and the entry's number kept for the next call. The overflow
    /// series is not kept, so that the site finds its own series once there is room.
    #[cold]
    fn resolve_site(&self, site: &SiteSeries, lookup: &L::Lookup<'_>) -> SeriesRef<'_, M::Series> {
        let hash = self.hasher.hash_one(Hashed::<L>(lookup));
        let labelled = match self.find(hash, lookup) {
            Some(entry) if entry.is_live() => &entry.labelled,
            _ => self.insert(hash, lookup),
        };
        let names = self.text_names();
        let found = self.keyed.find_numbered(hash, |entry| {
            L::matches(lookup, &entry.key, entry.labelled.pairs(names))
        });
        if let Some((number, entry)) = found {
            if std::ptr::eq(&entry.labelled, labelled) {
                let kept = u32::try_from(number + 1).unwrap_or(0);
                site.entry.store(kept, Relaxed);
            }
        }
        SeriesRef(labelled)
    }

    #[inline]
    fn find(&self, hash: u64, lookup: &L::Lookup<'_>) -> Option<&Entry<L::Key, M::Series>> {
        let names = self.text_names();
        self.keyed.find(hash, |entry| {
            L::matches(lookup, &entry.key, entry.labelled.pairs(names))
        })
    }

    /// Stops exporting a label set and returns whether it was exported. Handles already
    /// taken keep working but are no longer scraped. A densely stored set is reset to zero
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
        let writer = self.keyed.write();
        self.find(hash, &lookup)
            .is_some_and(|entry| self.keyed.remove(&writer, entry))
    }

    /// Removes every label set (dense ones are reset to zero), and the overflow count.
    pub fn clear(&self) {
        if let Some(slots) = self.dense.get() {
            slots.iter().for_each(Labelled::restart::<M>);
        }
        self.keyed.remove_all(&self.keyed.write());
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
    /// label values so that a scrape reads the same way every time, overflow last.
    pub(crate) fn encode_series(&self, sink: &mut dyn SampleSink) {
        let names = self.text_names();
        if let Some(count) = L::DENSE {
            for slot in self.dense.get_or_init(|| self.dense_series(count)).iter() {
                M::encode(&slot.series, slot.meta(names), sink);
            }
        }
        self.keyed
            .for_each_sorted(|s| M::encode(&s.series, s.meta(names), sink));
        if let Some(s) = self.overflow.get() {
            M::encode(&s.series, s.meta(names), sink);
        }
    }

    /// The slow path of [`Family::labels`]: a label set not seen yet, or removed.
    #[cold]
    fn insert(&self, hash: u64, lookup: &L::Lookup<'_>) -> &Labelled<M::Series> {
        let writer = self.keyed.write();
        // Another thread may have stored it since our lookup.
        if let Some(entry) = self.find(hash, lookup) {
            self.revive(&writer, entry);
            return &entry.labelled;
        }
        // A label set that reads `__overflow__` throughout is the overflow series' identity:
        // it is that series, or a scrape would hold the identity twice.
        if L::ARITY > 0 && self.all_overflow(lookup) {
            drop(writer);
            return self.overflow_labelled();
        }
        // Removed label sets keep their memory (handles may point at them), so the budget
        // counts every label set stored.
        if self.keyed.stored() >= self.desc.budget() {
            drop(writer);
            return self.fold_into_overflow();
        }
        let labelled = self.labelled(PackedStrs::from_each(|f| L::values(lookup, f)));
        match self
            .keyed
            .insert(&writer, hash, L::to_key(lookup), labelled)
        {
            Some(entry) => &entry.labelled,
            None => {
                drop(writer);
                self.fold_into_overflow()
            }
        }
    }

    /// A removed entry found again comes back at zero.
    fn revive(&self, writer: &Writer<'_>, entry: &Entry<L::Key, M::Series>) {
        if !entry.is_live() {
            entry.labelled.restart::<M>();
            self.keyed.revive(writer, entry);
        }
    }

    fn fold_into_overflow(&self) -> &Labelled<M::Series> {
        self.overflowed.fetch_add(1, Relaxed);
        self.overflow_series()
    }

    fn overflow_series(&self) -> &Labelled<M::Series> {
        if !self.warned.swap(true, Relaxed) {
            crate::diagnostics::overflow(self.desc.name(), self.desc.budget());
        }
        self.overflow_labelled()
    }

    fn all_overflow(&self, lookup: &L::Lookup<'_>) -> bool {
        let mut all = true;
        L::values(lookup, &mut |value| all &= value == OVERFLOW_LABEL_VALUE);
        all
    }

    /// The overflow series, made on first use.
    fn overflow_labelled(&self) -> &Labelled<M::Series> {
        self.overflow.get_or_init(|| {
            let values = std::iter::repeat_n(OVERFLOW_LABEL_VALUE, L::ARITY);
            self.labelled(PackedStrs::new(values))
        })
    }

    fn dense_series(&self, count: usize) -> Box<[Labelled<M::Series>]> {
        (0..count)
            .map(|index| self.labelled(PackedStrs::from_each(|f| L::dense_values(index, f))))
            .collect()
    }

    fn labelled(&self, values: PackedStrs) -> Labelled<M::Series> {
        Labelled::new(values, M::new_series(self.desc, self.bounds))
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
            .field("series", &self.keyed.live())
            .finish_non_exhaustive()
    }
}

struct Hashed<'l, 'a, L: LabelSet>(&'l L::Lookup<'a>);

impl<L: LabelSet> std::hash::Hash for Hashed<'_, '_, L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        L::hash_lookup(self.0, state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_remembers_the_entry_its_labels_name_and_not_the_overflow() {
        const DESC: Descriptor = Descriptor::new("site_total", "Calls.")
            .with_labels(&["endpoint"])
            .with_budget(2);
        let family: CounterFamily<1> = CounterFamily::new().described(&DESC);
        family.labels(["/a"]).inc();

        let site = SiteSeries::new();
        let b = family.labels_at(&site, ["/b"]);
        b.inc();
        assert_eq!(site.entry.load(Relaxed), 2, "the second entry, plus one");
        // Once remembered, the lookup is not read: the site's values never change.
        assert!(std::ptr::eq(&*family.labels_at(&site, ["/z"]), &*b));

        // Removed, the site looks up again and takes the same entry back, at zero.
        assert!(family.remove(["/b"]));
        let back = family.labels_at(&site, ["/b"]);
        assert!(std::ptr::eq(&*back, &*b));
        assert_eq!(back.get(), 0.0);

        // Past the budget the site records into the overflow series without keeping it.
        let spent = SiteSeries::new();
        let folded = family.labels_at(&spent, ["/c"]);
        assert!(std::ptr::eq(&*folded, &*family.labels(["/d"])));
        assert_eq!(spent.entry.load(Relaxed), 0);
        assert_eq!(family.overflowed(), 2);
    }
}
