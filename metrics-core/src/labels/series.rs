//! What a family holds per label set: the series, its label values and when it started.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::clock::unix_seconds;
use crate::encoding::{LabelPairs, SeriesMeta};
use crate::labels::Member;
use crate::pairs::PackedStrs;

/// One series and its label values, kept as they were given: each format escapes them
/// when it writes them.
#[derive(Debug)]
pub(crate) struct Labelled<S> {
    values: PackedStrs,
    /// When the series was created or last reset, as f64 Unix seconds: OpenMetrics'
    /// `_created`. Set off the recording path, so recording never reads the clock.
    created: AtomicU64,
    pub(crate) series: S,
}

impl<S> Labelled<S> {
    pub(crate) fn new(values: PackedStrs, series: S) -> Self {
        Labelled {
            values,
            created: AtomicU64::new(unix_seconds().to_bits()),
            series,
        }
    }

    /// The stored label values, in name order.
    pub(crate) fn values(&self) -> &PackedStrs {
        &self.values
    }

    /// The label pairs, with `names` from the family.
    #[inline]
    pub(crate) fn pairs<'a>(&'a self, names: &'a [&'a str]) -> LabelPairs<'a> {
        LabelPairs::stored(names, &self.values)
    }

    /// When the series was created, or last reset, in Unix seconds.
    pub(crate) fn created(&self) -> f64 {
        f64::from_bits(self.created.load(Relaxed))
    }

    /// What an encoder is told about the series.
    pub(crate) fn meta<'a>(&'a self, names: &'a [&'a str]) -> SeriesMeta<'a> {
        SeriesMeta {
            labels: self.pairs(names),
            created: Some(self.created()),
        }
    }

    /// Sets the series back to zero, as new.
    pub(crate) fn restart<M: Member<Series = S>>(&self) {
        M::reset(&self.series);
        self.created.store(unix_seconds().to_bits(), Relaxed);
    }
}
