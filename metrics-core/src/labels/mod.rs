//! Label sets and the families keyed by them.

mod arena;
pub mod dense;
mod family;
mod keyed;
mod member;
mod series;
mod set;

pub use crate::label_value::LabelValue;
pub use family::{
    CounterFamily, Family, GaugeFamily, HistogramFamily, IntGaugeFamily, NativeHistogramFamily,
    SeriesRef, SiteSeries, SummaryFamily, OVERFLOW_LABEL_VALUE,
};
pub use member::Member;
pub use set::{LabelSet, StrLabels};
