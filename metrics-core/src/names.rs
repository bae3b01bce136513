//! The naming rules of the exposition formats, checked at run time for metrics that are
//! not declared through the macros (which check the same rules at compile time).

use std::fmt;

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
        write!(f, "invalid name `{}`: {}", self.name, self.reason)
    }
}

impl std::error::Error for NameError {}

/// The grammar both name kinds share, as a `const fn` so that `static` initialisers (an
/// [`Info`](crate::Info)'s label names) are checked at compile time. Names are ASCII, so
/// bytes are characters here.
const fn check(name: &str, colon_allowed: bool) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err("a name cannot be empty");
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let allowed = b.is_ascii_alphanumeric() || b == b'_' || (colon_allowed && b == b':');
        if i == 0 && (b.is_ascii_digit() || !allowed) {
            return Err("a name starts with a letter or `_`");
        }
        if !allowed {
            return Err(if colon_allowed {
                "a metric name holds only ASCII letters, digits, `_` and `:`"
            } else {
                "a label name holds only ASCII letters, digits and `_`"
            });
        }
        i += 1;
    }
    Ok(())
}

/// Why `name` is not a valid label name, or `None` when it is; usable in `const` context.
///
/// ```
/// use tallymark_core::names::label_name_problem;
/// assert_eq!(label_name_problem("version"), None);
/// assert_eq!(label_name_problem("__x"), Some("label names starting with `__` are reserved"));
/// ```
pub const fn label_name_problem(name: &str) -> Option<&'static str> {
    match check(name, false) {
        Err(reason) => Some(reason),
        Ok(()) => {
            let b = name.as_bytes();
            if b.len() >= 2 && b[0] == b'_' && b[1] == b'_' {
                Some("label names starting with `__` are reserved")
            } else {
                None
            }
        }
    }
}

/// Checks a metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn check_metric_name(name: &str) -> Result<(), NameError> {
    check(name, true).map_err(|reason| NameError {
        name: name.to_owned(),
        reason,
    })
}

/// Checks a label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the reserved `__`.
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
            "a name starts with a letter or `_`"
        );
        assert!(check_metric_name("a-b").is_err());
        assert!(check_metric_name("").is_err());
    }

    #[test]
    fn label_names_reject_colons_and_reserved_prefix() {
        assert!(check_label_name("method").is_ok());
        assert!(check_label_name("a:b").is_err());
        assert_eq!(
            check_label_name("__name__").unwrap_err().reason,
            "label names starting with `__` are reserved"
        );
    }
}
