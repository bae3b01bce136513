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

fn check(name: &str, colon_allowed: bool) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let first = chars.next().ok_or("a name cannot be empty")?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || (colon_allowed && c == ':');
    if first.is_ascii_digit() || !allowed(first) {
        return Err("a name starts with a letter or `_`");
    }
    if !chars.all(allowed) {
        return Err(if colon_allowed {
            "a metric name holds only ASCII letters, digits, `_` and `:`"
        } else {
            "a label name holds only ASCII letters, digits and `_`"
        });
    }
    Ok(())
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
    let reason = match check(name, false) {
        Err(reason) => reason,
        Ok(()) if name.starts_with("__") => "label names starting with `__` are reserved",
        Ok(()) => return Ok(()),
    };
    Err(NameError {
        name: name.to_owned(),
        reason,
    })
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
