//! How a name outside the legacy grammar is written to a scraper that asked for one of
//! Prometheus 3's escaping schemes (the `escaping=` parameter of the `Accept` header).
//!
//! Names in the legacy grammar (`[a-zA-Z_:][a-zA-Z0-9_:]*` for metrics, the same without
//! `:` for labels) are written as they are by every scheme but `dots`, which doubles their
//! underscores, so that `.` can be told apart from `_` when reading them back.

use std::borrow::Cow;
use std::fmt::Write as _;

/// An escaping scheme for metric and label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Escaping {
    /// Names as they are; one outside the legacy grammar is quoted.
    AllowUtf8,
    /// Every character the legacy grammar does not allow becomes `_`. The default, and
    /// what text format 0.0.4 always uses.
    Underscores,
    /// `_` becomes `__`, `.` becomes `_dot_`, and any other character the legacy grammar
    /// does not allow becomes `__`.
    Dots,
    /// A name outside the legacy grammar becomes `U__` and the name, each disallowed
    /// character written as `_<hex code point>_` and each `_` as `__`: reversible.
    Values,
}

impl Escaping {
    /// Every scheme, in the order the `escaping=` values are usually listed.
    pub const ALL: [Escaping; 4] = [
        Escaping::AllowUtf8,
        Escaping::Underscores,
        Escaping::Dots,
        Escaping::Values,
    ];

    /// The schemes that rewrite names, whose results must stay distinct.
    pub(crate) const REWRITING: [Escaping; 3] =
        [Escaping::Underscores, Escaping::Dots, Escaping::Values];

    /// The value of the `escaping=` parameter that names this scheme.
    ///
    /// ```
    /// use tallymark_core::names::Escaping;
    /// assert_eq!(Escaping::AllowUtf8.as_str(), "allow-utf-8");
    /// assert_eq!(Escaping::parse("underscores"), Some(Escaping::Underscores));
    /// assert_eq!(Escaping::parse("utf8"), None);
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Escaping::AllowUtf8 => "allow-utf-8",
            Escaping::Underscores => "underscores",
            Escaping::Dots => "dots",
            Escaping::Values => "values",
        }
    }

    /// The scheme an `escaping=` value names; `None` for any other value.
    pub fn parse(value: &str) -> Option<Escaping> {
        Escaping::ALL.into_iter().find(|e| e.as_str() == value)
    }
}

/// Whether `name` is in the legacy metric-name grammar, `[a-zA-Z_:][a-zA-Z0-9_:]*`, which
/// every format can write without quotes.
pub fn is_legacy_metric_name(name: &str) -> bool {
    is_legacy(name, true)
}

/// Whether `name` is in the legacy label-name grammar, `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_legacy_label_name(name: &str) -> bool {
    is_legacy(name, false)
}

fn is_legacy(name: &str, colon: bool) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| legacy_byte(b, i, colon))
}

/// Whether the legacy grammar allows byte `b` at position `i`. Every byte of a multi-byte
/// character is refused, as the character is.
const fn legacy_byte(b: u8, i: usize, colon: bool) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || (colon && b == b':') || (i > 0 && b.is_ascii_digit())
}

/// `name`, a metric name, as `scheme` writes it.
///
/// ```
/// use tallymark_core::names::{escape_metric_name, Escaping};
///
/// let name = "http.server.request.duration";
/// assert_eq!(escape_metric_name(name, Escaping::AllowUtf8), name);
/// assert_eq!(escape_metric_name(name, Escaping::Underscores), "http_server_request_duration");
/// assert_eq!(escape_metric_name(name, Escaping::Dots), "http_dot_server_dot_request_dot_duration");
/// assert_eq!(escape_metric_name(name, Escaping::Values), "U__http_2e_server_2e_request_2e_duration");
/// assert_eq!(escape_metric_name("job:rate5m", Escaping::Values), "job:rate5m");
/// ```
pub fn escape_metric_name(name: &str, scheme: Escaping) -> Cow<'_, str> {
    escape(name, scheme, true)
}

/// `name`, a label name, as `scheme` writes it: as a metric name is, except that `:` is
/// not allowed either.
///
/// ```
/// use tallymark_core::names::{escape_label_name, Escaping};
///
/// assert_eq!(escape_label_name("db.system", Escaping::Underscores), "db_system");
/// assert_eq!(escape_label_name("a:b", Escaping::Underscores), "a_b");
/// assert_eq!(escape_label_name("method", Escaping::Dots), "method");
/// assert_eq!(escape_label_name("status_code", Escaping::Dots), "status__code");
/// ```
pub fn escape_label_name(name: &str, scheme: Escaping) -> Cow<'_, str> {
    escape(name, scheme, false)
}

fn escape(name: &str, scheme: Escaping, colon: bool) -> Cow<'_, str> {
    // `allow-utf-8` rewrites nothing, so it need not read the name at all.
    if scheme == Escaping::AllowUtf8 {
        return Cow::Borrowed(name);
    }
    let legacy = is_legacy(name, colon);
    match scheme {
        Escaping::AllowUtf8 => Cow::Borrowed(name),
        Escaping::Underscores | Escaping::Values if legacy => Cow::Borrowed(name),
        Escaping::Dots if !name.contains('_') && legacy => Cow::Borrowed(name),
        Escaping::Underscores => Cow::Owned(
            name.char_indices()
                .map(|(i, c)| if legacy_char(c, i, colon) { c } else { '_' })
                .collect(),
        ),
        Escaping::Dots => {
            let mut out = String::with_capacity(name.len() + 8);
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    '.' => out.push_str("_dot_"),
                    c if legacy_char(c, i, colon) => out.push(c),
                    _ => out.push_str("__"),
                }
            }
            Cow::Owned(out)
        }
        Escaping::Values => {
            let mut out = String::with_capacity(name.len() + 16);
            out.push_str("U__");
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    c if legacy_char(c, i, colon) => out.push(c),
                    // Writing into a `String` cannot fail.
                    c => _ = write!(out, "_{:x}_", u32::from(c)),
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Whether some escaping scheme writes two distinct label names alike (`a.b` and `a_b`
/// under underscores), which would give a series two labels of one name. Every scheme
/// writes distinct legacy names apart, so only a name outside the legacy grammar collides.
pub(crate) fn label_names_escape_alike(a: &str, b: &str) -> bool {
    if is_legacy_label_name(a) && is_legacy_label_name(b) {
        return false;
    }
    Escaping::REWRITING
        .into_iter()
        .any(|scheme| escape_label_name(a, scheme) == escape_label_name(b, scheme))
}

fn legacy_char(c: char, i: usize, colon: bool) -> bool {
    c.is_ascii() && legacy_byte(c as u8, i, colon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_grammars() {
        for (name, metric, label) in [
            ("http_requests_total", true, true),
            ("_x", true, true),
            ("job:rate5m", true, false),
            ("2xx", false, false),
            ("x2", true, true),
            ("a.b", false, false),
            ("", false, false),
            ("é", false, false),
        ] {
            assert_eq!(is_legacy_metric_name(name), metric, "{name}");
            assert_eq!(is_legacy_label_name(name), label, "{name}");
        }
    }

    #[test]
    fn each_scheme_rewrites_as_prometheus_does() {
        let cases = [
            // name, underscores, dots, values
            (
                "no:escaping_required",
                "no:escaping_required",
                "no:escaping__required",
                "no:escaping_required",
            ),
            (
                "mysystem.prod.west.cpu.load",
                "mysystem_prod_west_cpu_load",
                "mysystem_dot_prod_dot_west_dot_cpu_dot_load",
                "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load",
            ),
            (
                "mysystem.prod.west.cpu.load_total",
                "mysystem_prod_west_cpu_load_total",
                "mysystem_dot_prod_dot_west_dot_cpu_dot_load__total",
                "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total",
            ),
            (
                "http.status:sum",
                "http_status:sum",
                "http_dot_status:sum",
                "U__http_2e_status:sum",
            ),
            (
                "label with 😱",
                "label_with__",
                "label__with____",
                "U__label_20_with_20__1f631_",
            ),
            ("2xx", "_xx", "__xx", "U___32_xx"),
        ];
        for (name, underscores, dots, values) in cases {
            assert_eq!(escape_metric_name(name, Escaping::Underscores), underscores);
            assert_eq!(escape_metric_name(name, Escaping::Dots), dots);
            assert_eq!(escape_metric_name(name, Escaping::Values), values);
            assert_eq!(escape_metric_name(name, Escaping::AllowUtf8), name);
        }
    }

    #[test]
    fn label_names_escape_colons_too() {
        assert_eq!(escape_label_name("a:b", Escaping::Values), "U__a_3a_b");
        assert_eq!(escape_label_name("a:b", Escaping::Dots), "a__b");
        assert_eq!(escape_label_name("le", Escaping::Values), "le");
    }
}
