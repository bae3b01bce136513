//! What a scrape asked for: the format from `Accept`, compression from
//! `Accept-Encoding`, and the families from `?name[]=...`.

use tallymark_core::{negotiate, Format};

/// One scrape request, read from its headers and query string.
#[derive(Debug, PartialEq)]
pub(crate) struct Scrape {
    pub(crate) format: Format,
    pub(crate) gzip: bool,
    pub(crate) names: Vec<String>,
}

impl Scrape {
    pub(crate) fn read(
        accept: Option<&str>,
        accept_encoding: Option<&str>,
        query: Option<&str>,
    ) -> Scrape {
        Scrape {
            format: negotiate(accept),
            gzip: cfg!(feature = "gzip") && accepts_gzip(accept_encoding.unwrap_or_default()),
            names: selected_names(query.unwrap_or_default()),
        }
    }
}

/// Whether `Accept-Encoding` allows gzip: `gzip`, `x-gzip` or `*` with a q above zero.
fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|param| {
            param.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("q")
                    && v.trim().parse::<f64>().is_ok_and(|q| q <= 0.0)
            })
        });
        !refused
            && (name.eq_ignore_ascii_case("gzip")
                || name.eq_ignore_ascii_case("x-gzip")
                || name == "*")
    })
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
    fn gzip_is_accepted_unless_refused_with_q_zero() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("deflate, gzip;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(accepts_gzip("X-GZIP"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("deflate, br"));
        assert!(!accepts_gzip(""));
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
