//! Label sets and the families keyed by them.

mod arena;
pub mod dense;
mod family;
mod keyed;
mod member;
mod series;
mod set;
mod value;

pub use family::{
    CounterFamily, Family, GaugeFamily, HistogramFamily, IntGaugeFamily, NativeHistogramFamily,
    SeriesRef, SummaryFamily, OVERFLOW_LABEL_VALUE,
};
pub use member::Member;
pub use set::{LabelSet, StrLabels};
pub use value::LabelValue;
