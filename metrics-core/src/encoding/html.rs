//! A page for people: what a browser sees at `/metrics`. Every family with its HELP, type
//! and unit, a table of its series, histogram and summary quantiles, and a bar chart of
//! each histogram's buckets as inline SVG. A few lines of inline script add a filter box;
//! without them the page reads the same, with nothing loaded from elsewhere.
//!
//! It is one more [`Encoder`] on the registry walk a scrape takes, writing into the
//! response buffer as it goes. Names, HELP text and label values are user data, so every
//! one of them passes through [`html_escape`].

use crate::descriptor::MetricKind;
use crate::encoding::{
    write_f64, write_value, Encoder, Exemplar, ExemplarSlot, FamilyHeader, HistogramView,
    LabelPairs, NativeView, SampleSink, SeriesMeta, SummarySnapshot, Value,
};

/// The Content-Type of the page.
pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// The quantiles estimated from each classic histogram's buckets, with their column names.
const HISTOGRAM_QUANTILES: [(f64, &str); 3] = [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")];

/// The height of a bucket chart, and the width of each bar and the gap after it, in pixels.
const CHART_HEIGHT: u64 = 40;
const BAR_WIDTH: u64 = 12;
const BAR_STEP: u64 = 14;

const PAGE_START: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\
<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>Metrics</title>\n\
<style>\n\
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a1a1a;background:#fff}\n\
[hidden]{display:none!important}\n\
h2{font-family:ui-monospace,monospace;font-size:1.1rem;margin:1.5rem 0 .2rem}\n\
.meta{color:#555;margin:.2rem 0}.help{margin:.2rem 0 .5rem}\n\
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}\n\
td.labels code{margin-right:.5rem}.none{color:#777}\n\
svg.buckets rect{fill:#4a7bd0}\n\
</style>\n</head>\n<body>\n<header>\n<h1>Metrics</h1>\n\
<p class=\"raw\">Raw exposition: <a href=\"?format=text\">Prometheus text</a> \
| <a href=\"?format=openmetrics\">OpenMetrics</a></p>\n\
<p><input id=\"filter\" type=\"search\" placeholder=\"Filter by name or help\" \
aria-label=\"Filter families by name or help\" hidden></p>\n\
</header>\n<main>\n";

/// Shows the filter box, and hides each family whose name and HELP lack the typed text.
const PAGE_SCRIPT: &str = "<script>\n\
const box = document.getElementById('filter');\n\
box.hidden = false;\n\
box.addEventListener('input', () => {\n\
  const wanted = box.value.toLowerCase();\n\
  for (const family of document.querySelectorAll('section.family')) {\n\
    const text = (family.dataset.name + ' ' + family.dataset.help).toLowerCase();\n\
    family.hidden = !text.includes(wanted);\n\
  }\n\
});\n\
</script>\n";

/// Appends `text` escaped for HTML text and for a quoted attribute value alike: `&`, `<`,
/// `>`, `"` and `'` become character references, everything else is copied as it is.
///
/// ```
/// use tallymark_core::encoding::html::html_escape;
///
/// let mut out = Vec::new();
/// html_escape(&mut out, "<b class=\"x\">Tom & Jerry's</b>");
/// assert_eq!(out, b"&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;");
/// ```
pub fn html_escape(out: &mut Vec<u8>, text: &str) {
    let mut plain_from = 0;
    for (i, byte) in text.bytes().enumerate() {
        let reference: &[u8] = match byte {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        // The escaped bytes are ASCII, so `i` is on a character boundary.
        out.extend_from_slice(&text.as_bytes()[plain_from..i]);
        out.extend_from_slice(reference);
        plain_from = i + 1;
    }
    out.extend_from_slice(&text.as_bytes()[plain_from..]);
}

/// The `q` quantile of a classic histogram, estimated as Prometheus' `histogram_quantile`
/// does: found in the bucket where its rank falls, by linear interpolation between that
/// bucket's bounds, the first bucket starting at 0. A rank in the `+Inf` bucket gives the
/// highest finite bound. NaN without observations or without a finite bucket, and for a
/// NaN `q`; `q` below 0 gives -Inf and above 1 +Inf.
///
/// ```
/// use tallymark_core::encoding::html::histogram_quantile;
/// use tallymark_core::encoding::HistogramView;
///
/// // One observation up to 1, three between 1 and 2.
/// let view = HistogramView { bounds: &[1.0, 2.0], counts: &[1, 3, 0], sum: 5.0 };
/// assert_eq!(histogram_quantile(0.5, &view), 1.0 + 1.0 / 3.0);
/// assert_eq!(histogram_quantile(0.25, &view), 1.0);
/// ```
pub fn histogram_quantile(q: f64, view: &HistogramView<'_>) -> f64 {
    if let Some(answer) = outside_zero_to_one(q) {
        return answer;
    }
    let total: u64 = view.counts.iter().fold(0, |t, c| t.wrapping_add(*c));
    let Some(&highest) = view.bounds.last() else {
        return f64::NAN;
    };
    if total == 0 {
        return f64::NAN;
    }
    let rank = q * total as f64;
    let mut below = 0u64;
    for (i, &count) in view.counts.iter().enumerate() {
        let Some(&upper) = view.bounds.get(i) else {
            // The rank is in the `+Inf` bucket.
            return highest;
        };
        let cumulative = below.wrapping_add(count);
        if cumulative as f64 >= rank && count > 0 {
            let lower = match i {
                0 if upper <= 0.0 => return upper,
                0 => 0.0,
                _ => view.bounds[i - 1],
            };
            let into = (rank - below as f64) / count as f64;
            return lower + (upper - lower) * into;
        }
        below = cumulative;
    }
    highest
}

/// The absolute upper bound of native bucket `index`: `base^index`, `base` being
/// `2^(2^-schema)`.
fn native_bound(schema: i32, index: i32) -> f64 {
    (f64::from(index) * (-f64::from(schema)).exp2()).exp2()
}

/// What `histogram_quantile` answers for a `q` outside `[0, 1]`: NaN for NaN, and the
/// infinity on its side otherwise; `None` inside.
fn outside_zero_to_one(q: f64) -> Option<f64> {
    if q.is_nan() {
        Some(f64::NAN)
    } else if q < 0.0 {
        Some(f64::NEG_INFINITY)
    } else if q > 1.0 {
        Some(f64::INFINITY)
    } else {
        None
    }
}

/// The `q` quantile of a native histogram, estimated as [`histogram_quantile`] does for
/// classic buckets: by linear interpolation inside the bucket where its rank falls, the
/// buckets taken in the order of their values (negative ones from the most negative, the
/// zero bucket, then positive ones). The zero bucket starts at 0 when there are no
/// negative observations. NaN without observations.
pub(crate) fn native_quantile(q: f64, view: &NativeView<'_>) -> f64 {
    if let Some(answer) = outside_zero_to_one(q) {
        return answer;
    }
    let schema = view.schema();
    let (mut negative, mut positive) = (0u64, 0u64);
    view.for_each_bucket(false, &mut |_, n| negative = negative.wrapping_add(n));
    view.for_each_bucket(true, &mut |_, n| positive = positive.wrapping_add(n));
    let zero = view.zero_count();
    let total = negative.wrapping_add(zero).wrapping_add(positive);
    if total == 0 {
        return f64::NAN;
    }
    let rank = q * total as f64;
    if negative > 0 && rank <= negative as f64 {
        // Ascending by index is outward from zero; the rank's bucket is the farthest out
        // whose count, with those of every bucket farther out, still reaches the rank.
        let mut nearer = 0u64;
        let mut found = None;
        view.for_each_bucket(false, &mut |index, n| {
            let through = negative.wrapping_sub(nearer);
            if n > 0 && through as f64 >= rank {
                found = Some((index, n, through - n));
            }
            nearer = nearer.wrapping_add(n);
        });
        let Some((index, n, farther)) = found else {
            return f64::NAN;
        };
        let lower = -native_bound(schema, index);
        let upper = -native_bound(schema, index - 1);
        return lower + (upper - lower) * ((rank - farther as f64) / n as f64);
    }
    let rank = rank - negative as f64;
    if zero > 0 && rank <= zero as f64 {
        let threshold = view.zero_threshold();
        let lower = if negative > 0 { -threshold } else { 0.0 };
        return lower + (threshold - lower) * (rank / zero as f64);
    }
    let rank = rank - zero as f64;
    let mut below = 0u64;
    let mut answer = None;
    let mut highest = f64::NAN;
    view.for_each_bucket(true, &mut |index, n| {
        let (lower, upper) = (native_bound(schema, index - 1), native_bound(schema, index));
        if answer.is_none() && n > 0 && below.wrapping_add(n) as f64 >= rank {
            answer = Some(lower + (upper - lower) * ((rank - below as f64) / n as f64));
        }
        below = below.wrapping_add(n);
        highest = upper;
    });
    // Rounding can leave the rank a hair above the last bucket's count.
    answer.unwrap_or(highest)
}

/// The whole page: the head and filter box at construction, a section per family, then
/// the script.
pub(crate) struct HtmlEncoder<'a> {
    out: &'a mut Vec<u8>,
    families: u64,
}

impl<'a> HtmlEncoder<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        out.extend_from_slice(PAGE_START.as_bytes());
        HtmlEncoder { out, families: 0 }
    }
}

/// The type word a family shows: OpenMetrics', which has words for info and stateset.
fn kind_word(kind: MetricKind) -> &'static str {
    kind.openmetrics_str()
}

/// The table's column headings for a family of `kind`.
fn columns(kind: MetricKind) -> &'static [&'static str] {
    match kind {
        MetricKind::Histogram => &["labels", "count", "sum", "p50", "p90", "p99", "buckets"],
        MetricKind::Summary => &["labels", "count", "sum", "quantiles"],
        MetricKind::Counter | MetricKind::Gauge | MetricKind::Info | MetricKind::StateSet => {
            &["labels", "value"]
        }
    }
}

impl Encoder for HtmlEncoder<'_> {
    fn family(&mut self, header: &FamilyHeader<'_>, series: &mut dyn FnMut(&mut dyn SampleSink)) {
        let out = &mut *self.out;
        self.families += 1;
        out.extend_from_slice(b"<section class=\"family\" data-name=\"");
        html_escape(out, header.name);
        out.extend_from_slice(b"\" data-help=\"");
        html_escape(out, header.help);
        out.extend_from_slice(b"\">\n<h2>");
        html_escape(out, header.name);
        out.extend_from_slice(b"</h2>\n<p class=\"meta\">type: ");
        out.extend_from_slice(kind_word(header.kind).as_bytes());
        if !header.unit.is_empty() {
            out.extend_from_slice(b", unit: ");
            html_escape(out, header.unit);
        }
        out.extend_from_slice(b"</p>\n<p class=\"help\">");
        html_escape(out, header.help);
        out.extend_from_slice(b"</p>\n<table>\n<thead><tr>");
        let columns = columns(header.kind);
        for column in columns {
            out.extend_from_slice(b"<th>");
            out.extend_from_slice(column.as_bytes());
            out.extend_from_slice(b"</th>");
        }
        out.extend_from_slice(b"</tr></thead>\n<tbody>\n");
        let mut rows = HtmlRows { out, rows: 0 };
        series(&mut rows);
        let empty = rows.rows == 0;
        if empty {
            out.extend_from_slice(b"<tr><td class=\"none\" colspan=\"");
            write_value(out, Value::Unsigned(columns.len() as u64));
            out.extend_from_slice(b"\">no series yet</td></tr>\n");
        }
        out.extend_from_slice(b"</tbody>\n</table>\n</section>\n");
    }

    fn finish(&mut self) {
        let out = &mut *self.out;
        out.extend_from_slice(b"</main>\n<footer><p>");
        write_value(out, Value::Unsigned(self.families));
        out.extend_from_slice(if self.families == 1 {
            b" family</p></footer>\n"
        } else {
            b" families</p></footer>\n"
        });
        out.extend_from_slice(PAGE_SCRIPT.as_bytes());
        out.extend_from_slice(b"</body>\n</html>\n");
    }
}

/// Writes the table rows of one family, a row per series.
struct HtmlRows<'a> {
    out: &'a mut Vec<u8>,
    rows: u64,
}

impl HtmlRows<'_> {
    /// Opens a row and writes its labels cell.
    fn start_row(&mut self, labels: LabelPairs<'_>) {
        self.rows += 1;
        let out = &mut *self.out;
        if labels.is_empty() {
            out.extend_from_slice(b"<tr><td class=\"labels none\">(no labels)</td>");
            return;
        }
        out.extend_from_slice(b"<tr><td class=\"labels\">");
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(b"<code>");
            html_escape(out, name);
            out.extend_from_slice(b"=&quot;");
            html_escape(out, value);
            out.extend_from_slice(b"&quot;</code>");
        }
        out.extend_from_slice(b"</td>");
    }

    fn cell(&mut self, value: Value) {
        self.out.extend_from_slice(b"<td>");
        write_value(self.out, value);
        self.out.extend_from_slice(b"</td>");
    }

    fn end_row(&mut self) {
        self.out.extend_from_slice(b"</tr>\n");
    }

    /// The bar chart of a classic histogram's buckets, one bar per bucket's own count
    /// (not the cumulative one); each bar's tooltip names its bound.
    fn bucket_chart(&mut self, view: &HistogramView<'_>) {
        bar_chart(self.out, view.counts, &mut |out, i| {
            out.extend_from_slice(b"le ");
            match view.bounds.get(i) {
                Some(&bound) => write_f64(out, bound),
                None => out.extend_from_slice(b"+Inf"),
            }
        });
    }

    /// The bar chart of a native histogram's buckets in the order of their values: the
    /// negative ones from the most negative, the zero bucket when it holds anything, then
    /// the positive ones; each bar's tooltip gives its range. Only the buckets its spans
    /// hold get a bar, so a gap between spans draws no empty bars.
    fn native_chart(&mut self, view: &NativeView<'_>) {
        let schema = view.schema();
        let mut negative = Vec::new();
        view.for_each_bucket(false, &mut |index, n| {
            negative.push((
                -native_bound(schema, index),
                -native_bound(schema, index - 1),
                n,
            ));
        });
        // Ascending by index runs outward from zero; value order is the reverse.
        let mut buckets: Vec<(f64, f64, u64)> = negative.into_iter().rev().collect();
        if view.zero_count() > 0 {
            let threshold = view.zero_threshold();
            buckets.push((-threshold, threshold, view.zero_count()));
        }
        view.for_each_bucket(true, &mut |index, n| {
            buckets.push((
                native_bound(schema, index - 1),
                native_bound(schema, index),
                n,
            ));
        });
        let counts: Vec<u64> = buckets.iter().map(|&(_, _, n)| n).collect();
        bar_chart(self.out, &counts, &mut |out, i| {
            let (lower, upper, _) = buckets[i];
            write_f64(out, lower);
            out.extend_from_slice(b" to ");
            write_f64(out, upper);
        });
    }
}

/// An SVG bar chart in a table cell: one bar per count, scaled to the fullest, each with a
/// tooltip of `title` (writing what bar `i` stands for) and its count.
fn bar_chart(out: &mut Vec<u8>, counts: &[u64], title: &mut dyn FnMut(&mut Vec<u8>, usize)) {
    let fullest = counts.iter().copied().max().unwrap_or(0);
    let width = BAR_STEP * counts.len() as u64;
    out.extend_from_slice(b"<td><svg class=\"buckets\" width=\"");
    write_value(out, Value::Unsigned(width));
    out.extend_from_slice(b"\" height=\"");
    write_value(out, Value::Unsigned(CHART_HEIGHT));
    out.extend_from_slice(b"\" viewBox=\"0 0 ");
    write_value(out, Value::Unsigned(width));
    out.push(b' ');
    write_value(out, Value::Unsigned(CHART_HEIGHT));
    out.extend_from_slice(b"\" role=\"img\" aria-label=\"bucket counts\">");
    for (i, &count) in counts.iter().enumerate() {
        let height = bar_height(count, fullest);
        out.extend_from_slice(b"<rect x=\"");
        write_value(out, Value::Unsigned(BAR_STEP * i as u64));
        out.extend_from_slice(b"\" y=\"");
        write_value(out, Value::Unsigned(CHART_HEIGHT - height));
        out.extend_from_slice(b"\" width=\"");
        write_value(out, Value::Unsigned(BAR_WIDTH));
        out.extend_from_slice(b"\" height=\"");
        write_value(out, Value::Unsigned(height));
        out.extend_from_slice(b"\"><title>");
        title(out, i);
        out.extend_from_slice(b": ");
        write_value(out, Value::Unsigned(count));
        out.extend_from_slice(b"</title></rect>");
    }
    out.extend_from_slice(b"</svg></td>");
}

/// A bar's height in pixels: `count` of `fullest` scaled to the chart, rounded, and at
/// least one pixel for a bucket that holds anything, so no observation goes unseen.
fn bar_height(count: u64, fullest: u64) -> u64 {
    if count == 0 || fullest == 0 {
        return 0;
    }
    let scaled = (u128::from(count) * u128::from(CHART_HEIGHT) + u128::from(fullest) / 2)
        / u128::from(fullest);
    u64::try_from(scaled).unwrap_or(CHART_HEIGHT).max(1)
}

impl SampleSink for HtmlRows<'_> {
    fn wants_exemplars(&self) -> bool {
        false
    }

    fn scalar(&mut self, series: SeriesMeta<'_>, value: Value, _: Option<&Exemplar>) {
        self.start_row(series.labels);
        self.cell(value);
        self.end_row();
    }

    fn classic_histogram(
        &mut self,
        series: SeriesMeta<'_>,
        view: HistogramView<'_>,
        _: &[ExemplarSlot],
    ) {
        self.start_row(series.labels);
        let count = view.for_each_bucket(|_, _| {});
        self.cell(Value::Unsigned(count));
        self.cell(Value::Float(view.sum));
        for (q, _) in HISTOGRAM_QUANTILES {
            self.cell(Value::Float(histogram_quantile(q, &view)));
        }
        self.bucket_chart(&view);
        self.end_row();
    }

    fn summary(&mut self, series: SeriesMeta<'_>, snapshot: &SummarySnapshot) {
        self.start_row(series.labels);
        self.cell(Value::Unsigned(snapshot.count));
        self.cell(Value::Float(snapshot.sum));
        let out = &mut *self.out;
        out.extend_from_slice(b"<td class=\"quantiles\">");
        for (i, &(q, value)) in snapshot.quantiles.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"<br>");
            }
            write_f64(out, q);
            out.extend_from_slice(b": ");
            write_f64(out, value);
        }
        out.extend_from_slice(b"</td>");
        self.end_row();
    }

    fn native_histogram(&mut self, series: SeriesMeta<'_>, view: NativeView<'_>) {
        self.start_row(series.labels);
        self.cell(Value::Unsigned(view.count()));
        self.cell(Value::Float(view.sum()));
        for (q, _) in HISTOGRAM_QUANTILES {
            self.cell(Value::Float(native_quantile(q, &view)));
        }
        self.native_chart(&view);
        self.end_row();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        html_escape(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn html_escape_replaces_the_five_special_characters_and_keeps_the_rest() {
        assert_eq!(escaped(""), "");
        assert_eq!(escaped("plain_name"), "plain_name");
        assert_eq!(
            escaped("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escaped("a&b"), "a&amp;b");
        assert_eq!(escaped("\"'"), "&quot;&#39;");
        assert_eq!(escaped("&amp;"), "&amp;amp;");
        assert_eq!(escaped("ünïcødé <é>"), "ünïcødé &lt;é&gt;");
        assert_eq!(escaped("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
    }

    fn view<'a>(bounds: &'a [f64], counts: &'a [u64]) -> HistogramView<'a> {
        HistogramView {
            bounds,
            counts,
            sum: 0.0,
        }
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket_of_their_rank() {
        // 10 observations: 2 up to 0.1, 6 in (0.1, 0.5], 2 in (0.5, 1].
        let v = view(&[0.1, 0.5, 1.0], &[2, 6, 2, 0]);
        assert_eq!(histogram_quantile(0.1, &v), 0.05);
        assert_eq!(histogram_quantile(0.5, &v), 0.1 + 0.4 * 0.5);
        assert_eq!(histogram_quantile(0.9, &v), 0.75);
        assert_eq!(histogram_quantile(1.0, &v), 1.0);
    }

    #[test]
    fn quantile_edges_follow_histogram_quantile() {
        // A rank in `+Inf` gives the highest finite bound.
        assert_eq!(
            histogram_quantile(0.99, &view(&[1.0, 2.0], &[1, 0, 9])),
            2.0
        );
        // A first bucket at or below zero answers with its bound.
        assert_eq!(
            histogram_quantile(0.5, &view(&[-1.0, 2.0], &[4, 0, 0])),
            -1.0
        );
        assert!(histogram_quantile(0.5, &view(&[1.0], &[0, 0])).is_nan());
        assert!(histogram_quantile(0.5, &view(&[], &[3])).is_nan());
        assert!(histogram_quantile(f64::NAN, &view(&[1.0], &[1, 0])).is_nan());
        assert_eq!(
            histogram_quantile(-0.1, &view(&[1.0], &[1, 0])),
            f64::NEG_INFINITY
        );
        assert_eq!(
            histogram_quantile(1.1, &view(&[1.0], &[1, 0])),
            f64::INFINITY
        );
        // An empty bucket before the rank's is skipped, not interpolated in.
        assert_eq!(
            histogram_quantile(0.5, &view(&[1.0, 2.0, 4.0], &[0, 0, 2, 0])),
            3.0
        );
    }

    #[test]
    fn bars_scale_to_the_fullest_bucket_and_show_any_observation() {
        assert_eq!(bar_height(0, 0), 0);
        assert_eq!(bar_height(0, 5), 0);
        assert_eq!(bar_height(5, 5), CHART_HEIGHT);
        assert_eq!(bar_height(1, 3), 13);
        assert_eq!(bar_height(1, 1_000_000), 1);
        assert_eq!(bar_height(u64::MAX, u64::MAX), CHART_HEIGHT);
    }
}
