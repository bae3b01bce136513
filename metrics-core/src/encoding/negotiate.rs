//! Content negotiation: which format answers a scrape, from its `Accept` header.

/// An exposition format, with the one Content-Type it is served as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text format 0.0.4: what every scraper reads, and the default.
    Text,
    /// OpenMetrics 1.0 text: adds `_created`, units, exemplars, info and stateset.
    OpenMetrics,
    /// Length-delimited protobuf `io.prometheus.client.MetricFamily`: the only format that
    /// carries native histograms.
    #[cfg(feature = "protobuf")]
    Protobuf,
}

impl Format {
    /// The Content-Type a response in this format carries.
    ///
    /// ```
    /// use tallymark_core::encoding::Format;
    /// assert_eq!(
    ///     Format::OpenMetrics.content_type(),
    ///     "application/openmetrics-text; version=1.0.0; charset=utf-8"
    /// );
    /// ```
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            #[cfg(feature = "protobuf")]
            Format::Protobuf => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
            }
        }
    }
}

/// The format to answer a request with `Accept: accept`: the supported media range with
/// the highest q, the earliest on a tie; 0.0.4 when the header is absent, unparsable or
/// names nothing supported. `*/*` and `text/*` mean 0.0.4. OpenMetrics versions 1.0.0
/// and 0.0.1 are both answered with 1.0.0, which Prometheus parses alike.
///
/// ```
/// use tallymark_core::encoding::{negotiate, Format};
///
/// // Prometheus 2.42's default scrape.
/// let accept = "application/openmetrics-text;version=1.0.0,\
///               application/openmetrics-text;version=0.0.1;q=0.75,\
///               text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(Some(accept)), Format::OpenMetrics);
/// assert_eq!(negotiate(Some("text/html")), Format::Text);
/// assert_eq!(negotiate(None), Format::Text);
/// ```
pub fn negotiate(accept: Option<&str>) -> Format {
    let mut best: Option<(f64, Format)> = None;
    for range in accept.unwrap_or_default().split(',') {
        let Some((format, q)) = media_range(range) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, format));
        }
    }
    best.map_or(Format::Text, |(_, format)| format)
}

/// The format one media range asks for, with its q; `None` when unsupported or malformed.
fn media_range(range: &str) -> Option<(Format, f64)> {
    let mut parts = range.split(';');
    let media = parts.next()?.trim().to_ascii_lowercase();
    let mut q = 1.0;
    let mut version = None;
    let mut proto = None;
    let mut encoding = None;
    for param in parts {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"');
        match name.trim().to_ascii_lowercase().as_str() {
            "q" => {
                q = value
                    .parse::<f64>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))?
            }
            "version" => version = Some(value),
            "proto" => proto = Some(value),
            "encoding" => encoding = Some(value),
            _ => {}
        }
    }
    let format = match media.as_str() {
        "*/*" | "text/*" => Format::Text,
        "text/plain" if matches!(version, None | Some("0.0.4")) => Format::Text,
        "application/openmetrics-text" if matches!(version, None | Some("1.0.0" | "0.0.1")) => {
            Format::OpenMetrics
        }
        #[cfg(feature = "protobuf")]
        "application/vnd.google.protobuf"
            if proto == Some("io.prometheus.client.MetricFamily")
                && encoding == Some("delimited") =>
        {
            Format::Protobuf
        }
        _ => return None,
    };
    // Without the protobuf feature these are read and ignored.
    let _ = (proto, encoding);
    Some((format, q))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMETHEUS_2_42: &str = "application/openmetrics-text;version=1.0.0,\
        application/openmetrics-text;version=0.0.1;q=0.75,\
        text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    #[cfg(feature = "protobuf")]
    const PROMETHEUS_2_42_NATIVE: &str = "application/vnd.google.protobuf;\
        proto=io.prometheus.client.MetricFamily;encoding=delimited,\
        application/openmetrics-text;version=1.0.0;q=0.8,\
        application/openmetrics-text;version=0.0.1;q=0.75,\
        text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    #[test]
    fn prometheus_default_scrape_gets_openmetrics() {
        assert_eq!(negotiate(Some(PROMETHEUS_2_42)), Format::OpenMetrics);
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn prometheus_native_histogram_scrape_gets_protobuf() {
        assert_eq!(negotiate(Some(PROMETHEUS_2_42_NATIVE)), Format::Protobuf);
    }

    #[test]
    fn the_highest_q_wins_wherever_it_is_listed() {
        let accept = "text/plain;version=0.0.4;q=0.3, application/openmetrics-text; q=0.9";
        assert_eq!(negotiate(Some(accept)), Format::OpenMetrics);
        let accept = "application/openmetrics-text;q=0.2,text/plain";
        assert_eq!(negotiate(Some(accept)), Format::Text);
    }

    #[test]
    fn equal_q_goes_to_the_first_listed() {
        let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4";
        assert_eq!(negotiate(Some(accept)), Format::OpenMetrics);
        let accept = "text/plain;version=0.0.4,application/openmetrics-text;version=1.0.0";
        assert_eq!(negotiate(Some(accept)), Format::Text);
    }

    #[test]
    fn q_zero_refuses_a_format() {
        let accept = "application/openmetrics-text;q=0,*/*;q=0.1";
        assert_eq!(negotiate(Some(accept)), Format::Text);
    }

    #[test]
    fn wildcards_get_the_text_format() {
        assert_eq!(negotiate(Some("*/*")), Format::Text);
        assert_eq!(negotiate(Some("text/*;q=0.5")), Format::Text);
    }

    #[test]
    fn garbage_and_unsupported_versions_fall_back_to_text() {
        for accept in [
            "",
            ";;;,,,",
            "garbage",
            "text/html,application/json",
            "application/openmetrics-text;version=2.0.0",
            "application/openmetrics-text;q=abc",
            "application/openmetrics-text;q=1.5",
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
            "text/plain;version=0.0.3",
        ] {
            assert_eq!(negotiate(Some(accept)), Format::Text, "for {accept:?}");
        }
    }

    #[test]
    fn media_types_and_parameter_names_ignore_case_and_spaces() {
        let accept = " Application/OpenMetrics-Text ; Version=\"1.0.0\" ; Q=1 ";
        assert_eq!(negotiate(Some(accept)), Format::OpenMetrics);
    }
}
