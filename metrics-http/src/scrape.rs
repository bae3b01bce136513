//! What a scrape asked for: the format from `?format=...` or else `Accept`, compression
//! from `Accept-Encoding`, and the families from `?name[]=...`.

use tallymark_core::encoding::{Exposition, Format};
use tallymark_core::negotiate;

/// One scrape request, read from its headers and query string.
#[derive(Debug, PartialEq)]
pub(crate) struct Scrape {
    pub(crate) format: Exposition,
    pub(crate) gzip: bool,
    pub(crate) names: Vec<String>,
}

impl Scrape {
    pub(crate) fn read(
        accept: Option<&str>,
        accept_encoding: Option<&str>,
        query: Option<&str>,
    ) -> Scrape {
        let query = query.unwrap_or_default();
        Scrape {
            format: asked_format(query).unwrap_or_else(|| negotiate(accept)),
            gzip: cfg!(feature = "gzip") && accepts_gzip(accept_encoding.unwrap_or_default()),
            names: selected_names(query),
        }
    }
}

/// Whether `Accept-Encoding` asks for gzip (RFC 9110 §12.5.3): `gzip` or `x-gzip`, or
/// else `*`, with a weight above zero and not below one the client gave `identity`.
///
/// An element whose weight is not a valid qvalue (`gzip;q=abc`, `gzip;q=2`) is left out,
/// as if the client had not sent it: the uncompressed answer is always understood, a
/// compressed one only when the client surely asked for it.
fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut gzip = None;
    let mut any = None;
    let mut identity = None;
    for element in accept_encoding.split(',') {
        let mut parts = element.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let Some(weight) = weight(parts) else {
            continue;
        };
        let slot = if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if coding == "*" {
            &mut any
        } else if coding.eq_ignore_ascii_case("identity") {
            &mut identity
        } else {
            continue;
        };
        // A coding listed twice gets the better of its weights.
        *slot = Some(slot.map_or(weight, |seen: u16| seen.max(weight)));
    }
    let Some(gzip) = gzip.or(any) else {
        return false;
    };
    gzip > 0 && identity.is_none_or(|identity| gzip >= identity)
}

/// The weight of one element, in thousandths, from its parameters: 1000 without a `q`,
/// `None` when a `q` is not a qvalue. Other parameters, which codings do not have, are
/// ignored.
fn weight<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut weight = 1000;
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            weight = qvalue(value.trim())?;
        }
    }
    Some(weight)
}

/// A qvalue, `0` to `1` with at most three decimals, in thousandths.
fn qvalue(text: &str) -> Option<u16> {
    let (int, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction.bytes().chain(std::iter::repeat(b'0')).take(3);
    let fraction = thousandths.fold(0, |n, digit| n * 10 + u16::from(digit - b'0'));
    match int {
        "0" => Some(fraction),
        "1" if fraction == 0 => Some(1000),
        _ => None,
    }
}

/// The format a `format` parameter names, overriding `Accept`: the page's links to the raw
/// views use it, since a browser's `Accept` always asks for the page. `text` is 0.0.4,
/// `openmetrics` OpenMetrics 1.0.0 and `html` the page; other values are ignored, leaving
/// the choice to `Accept`. The last one given counts.
fn asked_format(query: &str) -> Option<Exposition> {
    let mut asked = None;
    for (key, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        if percent_decode(key) != "format" {
            continue;
        }
        let format = match percent_decode(value).to_ascii_lowercase().as_str() {
            "text" => Format::Text,
            "openmetrics" => Format::OpenMetrics,
            "html" => Format::Html,
            _ => continue,
        };
        asked = Some(Exposition::from(format));
    }
    asked
}

/// The values of every `name[]` parameter, percent-decoded, as Prometheus federation and
/// Python's client send them: `?name[]=a&name[]=b`.
fn selected_names(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| percent_decode(key) == "name[]")
        .map(|(_, value)| percent_decode(value))
        .filter(|value| !value.is_empty())
        .collect()
}

/// Undoes URL query encoding: `%XX` escapes and `+` for a space. A malformed escape is
/// kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Compresses a body for `Content-Encoding: gzip`.
#[cfg(feature = "gzip")]
pub(crate) fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing into a `Vec` cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_only_with_a_valid_weight_above_zero() {
        for (header, gzip) in [
            ("gzip", true),
            ("GZIP", true),
            ("X-GZIP", true),
            ("*", true),
            ("deflate, gzip;q=0.5", true),
            ("gzip; q=1.0", true),
            ("gzip;Q=0.001", true),
            ("gzip;q=1.", true),
            ("gzip ; q = 0.5", true),
            ("br;q=abc, gzip", true),
            ("gzip;q=abc", false),
            ("gzip;q=", false),
            ("gzip;q=0", false),
            ("gzip;q=0.000", false),
            ("gzip;q=1.5", false),
            ("gzip;q=1.001", false),
            ("gzip;q=0.5000", false),
            ("gzip;q=-1", false),
            ("gzip;q=+1", false),
            ("gzip;q=.5", false),
            ("gzip;q=NaN", false),
            ("gzip;q=inf", false),
            ("*;q=0", false),
            ("*;q=abc", false),
            ("deflate, br", false),
            ("", false),
            (",,", false),
        ] {
            assert_eq!(accepts_gzip(header), gzip, "Accept-Encoding: {header}");
        }
    }

    #[test]
    fn a_named_gzip_outranks_the_wildcard_and_yields_to_a_preferred_identity() {
        for (header, gzip) in [
            ("gzip;q=0, *", false),
            ("*, gzip;q=0", false),
            ("gzip;q=abc, *", true),
            ("*;q=0, gzip", true),
            ("gzip;q=0, x-gzip", true),
            ("gzip, gzip;q=0", true),
            ("identity;q=1, gzip;q=0.5", false),
            ("identity;q=0.5, gzip", true),
            ("identity, gzip", true),
            ("identity;q=0, *;q=0.1", true),
        ] {
            assert_eq!(accepts_gzip(header), gzip, "Accept-Encoding: {header}");
        }
    }

    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    #[test]
    fn the_format_parameter_overrides_accept() {
        let format = |query| {
            Scrape::read(Some(BROWSER), None, Some(query))
                .format
                .format()
        };
        assert_eq!(format("format=text"), Format::Text);
        assert_eq!(format("name[]=a&format=openmetrics"), Format::OpenMetrics);
        assert_eq!(format("format=OpenMetrics"), Format::OpenMetrics);
        assert_eq!(format("format=text&format=html"), Format::Html);
        assert_eq!(format("format=xml"), Format::Html);
        assert_eq!(format("formats=text"), Format::Html);
        assert_eq!(format(""), Format::Html);
        let text = Scrape::read(Some(BROWSER), None, Some("format=text"));
        assert_eq!(
            text.format.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let openmetrics = Scrape::read(None, None, Some("format=openmetrics"));
        assert_eq!(
            openmetrics.format.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
        );
    }

    #[test]
    fn name_parameters_are_collected_and_decoded() {
        assert_eq!(
            selected_names("name[]=a_total&x=1&name%5B%5D=b%5Fc&name[]=&name=z"),
            ["a_total", "b_c"]
        );
        assert!(selected_names("").is_empty());
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }
}
