//! Content negotiation: which format answers a scrape, and how it writes names, from its
//! `Accept` header.

use crate::names::Escaping;

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
    /// A page for people, asked for by browsers with `text/html`; see
    /// [`html`](crate::encoding::html). No scraper asks for it.
    Html,
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
            Format::Html => crate::encoding::html::CONTENT_TYPE,
        }
    }
}

/// What one scrape is answered with: a format, and how it writes names outside the legacy
/// grammar. Text answers as version 0.0.4 unless version 1.0.0 was asked for, and
/// protobuf always carries names as they are.
///
/// ```
/// use tallymark_core::encoding::{Exposition, Format};
/// use tallymark_core::names::Escaping;
///
/// assert_eq!(
///     Exposition::from(Format::Text).content_type(),
///     "text/plain; version=0.0.4; charset=utf-8"
/// );
/// assert_eq!(
///     Exposition::from(Format::OpenMetrics).with_escaping(Escaping::AllowUtf8).content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Exposition {
    format: Format,
    escaping: Escaping,
    /// Text version 1.0.0, whose Content-Type names its escaping, rather than 0.0.4.
    text_1_0: bool,
}

impl From<Format> for Exposition {
    /// The format as a scraper that names no escaping gets it: names escaped with
    /// underscores in the text formats, as they are in protobuf and on the page.
    fn from(format: Format) -> Self {
        let escaping = match format {
            Format::Text | Format::OpenMetrics => Escaping::Underscores,
            #[cfg(feature = "protobuf")]
            Format::Protobuf => Escaping::AllowUtf8,
            Format::Html => Escaping::AllowUtf8,
        };
        Exposition {
            format,
            escaping,
            text_1_0: false,
        }
    }
}

impl Exposition {
    /// The same format, writing names as `escaping` asks. Text becomes version 1.0.0,
    /// which names its escaping; protobuf and the page are left as they are.
    pub const fn with_escaping(mut self, escaping: Escaping) -> Self {
        match self.format {
            Format::Text | Format::OpenMetrics => {
                self.escaping = escaping;
                self.text_1_0 = matches!(self.format, Format::Text);
            }
            #[cfg(feature = "protobuf")]
            Format::Protobuf => {}
            Format::Html => {}
        }
        self
    }

    /// The format.
    pub const fn format(&self) -> Format {
        self.format
    }

    /// How names are written.
    pub const fn escaping(&self) -> Escaping {
        self.escaping
    }

    /// The Content-Type the answer carries: the format's, with the version and escaping
    /// written.
    pub const fn content_type(&self) -> &'static str {
        match (self.format, self.text_1_0, self.escaping) {
            (Format::Text, false, _) => Format::Text.content_type(),
            (Format::Text, true, Escaping::AllowUtf8) => {
                "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
            }
            (Format::Text, true, Escaping::Underscores) => {
                "text/plain; version=1.0.0; charset=utf-8; escaping=underscores"
            }
            (Format::Text, true, Escaping::Dots) => {
                "text/plain; version=1.0.0; charset=utf-8; escaping=dots"
            }
            (Format::Text, true, Escaping::Values) => {
                "text/plain; version=1.0.0; charset=utf-8; escaping=values"
            }
            (Format::OpenMetrics, _, Escaping::AllowUtf8) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
            }
            (Format::OpenMetrics, _, Escaping::Underscores) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
            }
            (Format::OpenMetrics, _, Escaping::Dots) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=dots"
            }
            (Format::OpenMetrics, _, Escaping::Values) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=values"
            }
            #[cfg(feature = "protobuf")]
            (Format::Protobuf, _, _) => Format::Protobuf.content_type(),
            (Format::Html, _, _) => Format::Html.content_type(),
        }
    }
}

/// What to answer a request with `Accept: accept`: the supported media range with the
/// highest q, the earliest on a tie; 0.0.4 when the header is absent, unparsable or names
/// nothing supported. `*/*` and `text/*` mean 0.0.4. OpenMetrics versions 1.0.0 and 0.0.1
/// are both answered with 1.0.0, which Prometheus parses alike. The `escaping=` parameter
/// of OpenMetrics and of text 1.0.0 is honoured (`underscores` when absent or unknown);
/// text 0.0.4 always escapes with underscores. `text/html`, which browsers send and no
/// scraper does, gets the page for people when it outranks every exposition format; a
/// browser's `*/*` comes with a lower q, and alone still means 0.0.4.
///
/// ```
/// use tallymark_core::encoding::{negotiate, Format};
/// use tallymark_core::names::Escaping;
///
/// // Prometheus 2.42's default scrape.
/// let accept = "application/openmetrics-text;version=1.0.0,\
///               application/openmetrics-text;version=0.0.1;q=0.75,\
///               text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(Some(accept)).format(), Format::OpenMetrics);
/// assert_eq!(negotiate(Some(accept)).escaping(), Escaping::Underscores);
/// // Prometheus 3's.
/// let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
///               application/openmetrics-text;version=0.0.1;q=0.5,\
///               text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
///               text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// assert_eq!(
///     negotiate(Some(accept)).content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
/// );
/// // A browser's.
/// let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
/// assert_eq!(negotiate(Some(accept)).format(), Format::Html);
/// assert_eq!(negotiate(Some("*/*")).format(), Format::Text);
/// assert_eq!(negotiate(None).content_type(), "text/plain; version=0.0.4; charset=utf-8");
/// ```
pub fn negotiate(accept: Option<&str>) -> Exposition {
    let mut best: Option<(f64, Exposition)> = None;
    for range in accept.unwrap_or_default().split(',') {
        let Some((exposition, q)) = media_range(range) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, exposition));
        }
    }
    best.map_or(Exposition::from(Format::Text), |(_, exposition)| exposition)
}

/// What one media range asks for, with its q; `None` when unsupported or malformed.
fn media_range(range: &str) -> Option<(Exposition, f64)> {
    let mut parts = range.split(';');
    let media = parts.next()?.trim().to_ascii_lowercase();
    let mut q = 1.0;
    let mut version = None;
    let mut proto = None;
    let mut encoding = None;
    let mut escaping = None;
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
            // An unknown scheme is ignored, as if not given.
            "escaping" => escaping = Escaping::parse(value).or(escaping),
            _ => {}
        }
    }
    let escaping = escaping.unwrap_or(Escaping::Underscores);
    let exposition = match media.as_str() {
        "*/*" | "text/*" => Exposition::from(Format::Text),
        "text/html" => Exposition::from(Format::Html),
        "text/plain" if matches!(version, None | Some("0.0.4")) => Exposition::from(Format::Text),
        "text/plain" if version == Some("1.0.0") => {
            Exposition::from(Format::Text).with_escaping(escaping)
        }
        "application/openmetrics-text" if matches!(version, None | Some("1.0.0" | "0.0.1")) => {
            Exposition::from(Format::OpenMetrics).with_escaping(escaping)
        }
        #[cfg(feature = "protobuf")]
        "application/vnd.google.protobuf"
            if proto == Some("io.prometheus.client.MetricFamily")
                && encoding == Some("delimited") =>
        {
            Exposition::from(Format::Protobuf)
        }
        _ => return None,
    };
    // Without the protobuf feature these are read and ignored.
    let _ = (proto, encoding);
    Some((exposition, q))
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
        assert_eq!(
            negotiate(Some(PROMETHEUS_2_42)).format(),
            Format::OpenMetrics
        );
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn prometheus_native_histogram_scrape_gets_protobuf() {
        assert_eq!(
            negotiate(Some(PROMETHEUS_2_42_NATIVE)).format(),
            Format::Protobuf
        );
    }

    #[test]
    fn the_highest_q_wins_wherever_it_is_listed() {
        let accept = "text/plain;version=0.0.4;q=0.3, application/openmetrics-text; q=0.9";
        assert_eq!(negotiate(Some(accept)).format(), Format::OpenMetrics);
        let accept = "application/openmetrics-text;q=0.2,text/plain";
        assert_eq!(negotiate(Some(accept)).format(), Format::Text);
    }

    #[test]
    fn equal_q_goes_to_the_first_listed() {
        let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4";
        assert_eq!(negotiate(Some(accept)).format(), Format::OpenMetrics);
        let accept = "text/plain;version=0.0.4,application/openmetrics-text;version=1.0.0";
        assert_eq!(negotiate(Some(accept)).format(), Format::Text);
    }

    #[test]
    fn q_zero_refuses_a_format() {
        let accept = "application/openmetrics-text;q=0,*/*;q=0.1";
        assert_eq!(negotiate(Some(accept)).format(), Format::Text);
    }

    #[test]
    fn wildcards_get_the_text_format() {
        assert_eq!(negotiate(Some("*/*")).format(), Format::Text);
        assert_eq!(negotiate(Some("text/*;q=0.5")).format(), Format::Text);
    }

    #[test]
    fn garbage_and_unsupported_versions_fall_back_to_text() {
        for accept in [
            "",
            ";;;,,,",
            "garbage",
            "application/json,application/xhtml+xml",
            "application/openmetrics-text;version=2.0.0",
            "application/openmetrics-text;q=abc",
            "application/openmetrics-text;q=1.5",
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
            "text/plain;version=0.0.3",
        ] {
            assert_eq!(
                negotiate(Some(accept)).format(),
                Format::Text,
                "for {accept:?}"
            );
        }
    }

    /// What each client's Accept header gets: browsers the page, every scraper and curl
    /// what they got before the page existed.
    #[test]
    fn browsers_get_the_page_and_scrapers_what_they_always_got() {
        const PROMETHEUS_3: &str = "application/openmetrics-text;version=1.0.0;\
            escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,\
            text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
            text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        const OPENMETRICS_UTF8: &str =
            "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8";
        const OPENMETRICS: &str =
            "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
        const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
        const HTML: &str = "text/html; charset=utf-8";
        let table: &[(Option<&str>, &str)] = &[
            // Firefox, Chrome and Safari.
            (
                Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                HTML,
            ),
            (
                Some(
                    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,\
                      image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
                ),
                HTML,
            ),
            (Some("text/html"), HTML),
            (Some(PROMETHEUS_2_42), OPENMETRICS),
            (Some(PROMETHEUS_3), OPENMETRICS_UTF8),
            // curl, wget and clients that send nothing.
            (Some("*/*"), TEXT),
            (None, TEXT),
            (Some(""), TEXT),
            (Some("text/*"), TEXT),
            (Some("text/plain"), TEXT),
            // The page only when it outranks the formats.
            (Some("text/plain;version=0.0.4,text/html"), TEXT),
            (Some("*/*,text/html;q=0.5"), TEXT),
            (Some("text/html;q=0"), TEXT),
        ];
        for (accept, content_type) in table {
            assert_eq!(
                negotiate(*accept).content_type(),
                *content_type,
                "Accept: {accept:?}"
            );
        }
        #[cfg(feature = "protobuf")]
        assert_eq!(
            negotiate(Some(PROMETHEUS_2_42_NATIVE)).content_type(),
            Format::Protobuf.content_type()
        );
    }

    #[test]
    fn media_types_and_parameter_names_ignore_case_and_spaces() {
        let accept = " Application/OpenMetrics-Text ; Version=\"1.0.0\" ; Q=1 ";
        assert_eq!(negotiate(Some(accept)).format(), Format::OpenMetrics);
    }
}
