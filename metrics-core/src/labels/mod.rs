//! Label sets and the families keyed by them.

pub mod dense;
mod family;
mod handle;
mod keyed;
mod member;
mod series;
mod set;

pub use crate::label_value::LabelValue;
pub use family::{
    CounterFamily, Family, GaugeFamily, HistogramFamily, IntGaugeFamily, NativeHistogramFamily,
    SiteSeries, SummaryFamily, OVERFLOW_LABEL_VALUE,
};
pub use handle::{SeriesHandle, SeriesRef};
pub use member::Member;
pub use set::{LabelSet, StrLabels};
