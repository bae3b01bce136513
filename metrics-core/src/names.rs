//! The naming rules of the exposition formats, checked at run time for metrics that are
//! not declared through the macros, and the escaping schemes that write a UTF-8 name for a
//! scraper of legacy names. The rules themselves live in `rules`, which the macros crate
//! compiles too, to check declared names with the same words at compile time.

use std::fmt;

mod escaping;
pub(crate) mod rules;

pub(crate) use escaping::label_names_escape_alike;
pub use escaping::{
    escape_label_name, escape_metric_name, is_legacy_label_name, is_legacy_metric_name, Escaping,
};

/// Why a metric or label name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// The name as given.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&rules::name_message(&self.name, self.reason))
    }
}

impl std::error::Error for NameError {}

/// Why `name` is not a valid label name, or `None` when it is; usable in `const` context,
/// so that `static` initialisers (an [`Info`](crate::Info)'s label names) are checked at
/// compile time.
///
/// ```
/// use tallymark_core::names::label_name_problem;
/// assert_eq!(label_name_problem("version"), None);
/// assert_eq!(
///     label_name_problem("__x"),
///     Some("a label name starting with `__` is reserved for Prometheus")
/// );
/// ```
pub const fn label_name_problem(name: &str) -> Option<&'static str> {
    rules::label_name_problem(name)
}

/// Checks a metric name: any UTF-8 text but the empty one, without control characters.
/// The `:` of recording rules is allowed here, since a collector may relay such names;
/// `#[metric]` refuses it.
///
/// ```
/// use tallymark_core::names::check_metric_name;
/// assert_eq!(check_metric_name("job:rate5m"), Ok(()));
/// assert_eq!(check_metric_name("http.server.request.duration"), Ok(()));
/// assert_eq!(
///     check_metric_name("a\nb").unwrap_err().to_string(),
///     "invalid name `a\\nb`: a metric name cannot hold a control character"
/// );
/// ```
pub fn check_metric_name(name: &str) -> Result<(), NameError> {
    match rules::metric_name_problem(name) {
        None => Ok(()),
        Some(reason) => Err(NameError {
            name: name.to_owned(),
            reason,
        }),
    }
}

/// Checks a label name: any UTF-8 text but the empty one, without control characters, not
/// starting with the reserved `__`, as written or once escaped with underscores.
///
/// ```
/// use tallymark_core::names::check_label_name;
/// assert_eq!(check_label_name("method"), Ok(()));
/// assert_eq!(
///     check_label_name("").unwrap_err().to_string(),
///     "a label name cannot be empty"
/// );
/// ```
pub fn check_label_name(name: &str) -> Result<(), NameError> {
    match label_name_problem(name) {
        None => Ok(()),
        Some(reason) => Err(NameError {
            name: name.to_owned(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_follow_the_exposition_grammar() {
        for name in [
            "http_requests_total",
            "job:rate5m",
            "2xx",
            "a-b",
            "db.système",
            "😱",
        ] {
            assert_eq!(check_metric_name(name), Ok(()), "{name}");
        }
        assert_eq!(
            check_metric_name("a\x7fb").unwrap_err().reason,
            "a metric name cannot hold a control character"
        );
        assert_eq!(
            check_metric_name("").unwrap_err().reason,
            "a metric name cannot be empty"
        );
    }

    #[test]
    fn label_names_reject_the_reserved_prefix_as_written_or_escaped() {
        for name in ["method", "a:b", "db.system", ".x", "_x", "1x", "é"] {
            assert_eq!(check_label_name(name), Ok(()), "{name}");
        }
        for name in ["._x", "_.x", "..", "1_x", "éé", "_😱"] {
            assert!(
                check_label_name(name)
                    .unwrap_err()
                    .reason
                    .ends_with("would start with `__` for a scraper of legacy names, which is reserved for Prometheus"),
                "{name}"
            );
        }
        assert_eq!(
            check_label_name("a\tb").unwrap_err().reason,
            "a label name cannot hold a control character"
        );
        assert_eq!(
            check_label_name("__name__").unwrap_err().to_string(),
            "invalid name `__name__`: a label name starting with `__` is reserved for Prometheus"
        );
    }
}
