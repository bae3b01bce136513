//! The naming rules of the exposition formats, checked at run time for metrics that are
//! not declared through the macros. The rules themselves live in `rules`, which the macros
//! crate compiles too, to check declared names with the same words at compile time.

use std::fmt;

pub(crate) mod rules;

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

/// Checks a metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`. The `:` of recording rules is allowed
/// here, since a collector may relay such names; `#[metric]` refuses it.
///
/// ```
/// use tallymark_core::names::check_metric_name;
/// assert_eq!(check_metric_name("job:rate5m"), Ok(()));
/// assert_eq!(
///     check_metric_name("2xx").unwrap_err().to_string(),
///     "invalid name `2xx`: a metric name starts with an ASCII letter or `_`"
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

/// Checks a label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the reserved `__`.
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
        assert!(check_metric_name("http_requests_total").is_ok());
        assert!(check_metric_name("job:rate5m").is_ok());
        assert_eq!(
            check_metric_name("2xx").unwrap_err().reason,
            "a metric name starts with an ASCII letter or `_`"
        );
        assert_eq!(
            check_metric_name("a-b").unwrap_err().reason,
            "a metric name holds only ASCII letters, digits and `_`"
        );
        assert_eq!(
            check_metric_name("").unwrap_err().reason,
            "a metric name cannot be empty"
        );
    }

    #[test]
    fn label_names_reject_colons_and_reserved_prefix() {
        assert!(check_label_name("method").is_ok());
        assert_eq!(
            check_label_name("a:b").unwrap_err().reason,
            "a label name holds only ASCII letters, digits and `_`"
        );
        assert_eq!(
            check_label_name("__name__").unwrap_err().to_string(),
            "invalid name `__name__`: a label name starting with `__` is reserved for Prometheus"
        );
    }
}
