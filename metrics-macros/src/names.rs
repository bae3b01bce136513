//! The naming rules of the exposition formats, checked at compile time. The rules and
//! their words are the core's, compiled in from `rules` (a symlink to the core's file), so
//! a declared name is refused here exactly as the core would refuse it at run time.

pub mod rules;

use rules::name_message;

/// Why `name` cannot be a declared metric's name, or `None` when it can. Colons are valid
/// in the exposition grammar but reserved for recording rules, so declared metrics may not
/// use them.
pub fn metric_name_problem(name: &str) -> Option<String> {
    rules::declared_metric_name_problem(name).map(|reason| name_message(name, reason))
}

/// Why `name` cannot be a label name, or `None` when it can.
pub fn label_name_problem(name: &str) -> Option<String> {
    rules::label_name_problem(name).map(|reason| name_message(name, reason))
}

/// Why `name` cannot be the `function` label of `function = ".."`, or `None` when it can.
/// Any text is a valid label value once escaped; these rules keep it one a person can read
/// and that Prometheus keeps as a label at all.
pub fn function_label_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(
            "`function` cannot be empty: Prometheus reads an empty value as no label".to_owned(),
        );
    }
    if name.trim() != name {
        return Some(format!(
            "`function` `{name}` starts or ends with white space; write `{}`",
            name.trim()
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!(
            "`function` holds the control character {c:?}; name the function in plain text"
        ));
    }
    None
}

/// Why `unit` cannot end a metric name, or `None` when it can.
pub fn unit_problem(unit: &str) -> Option<String> {
    let valid = !unit.is_empty() && unit.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (!valid).then(|| {
        format!("invalid `unit` `{unit}`: a unit holds only ASCII letters, digits and `_`")
    })
}

/// The text of an identifier, without the `r#` of a raw identifier.
pub fn unraw(ident: &proc_macro2::Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => text,
    }
}

/// `NotFound` → `not_found`, `GET` → `get`, `HTTPError` → `http_error`: a new word starts
/// at an upper-case letter after a lower-case letter or digit, and at the last capital of
/// an acronym that a lower-case letter follows.
pub fn snake_case(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let after_word = prev.is_lowercase() || prev.is_ascii_digit();
            if prev != '_' && (after_word || (prev.is_uppercase() && next_is_lower)) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("NotFound"), "not_found");
        assert_eq!(snake_case("GET"), "get");
        assert_eq!(snake_case("HTTPError"), "http_error");
        assert_eq!(snake_case("Http2Upgrade"), "http2_upgrade");
        assert_eq!(snake_case("Ok"), "ok");
        assert_eq!(snake_case("Already_Snake"), "already_snake");
    }

    #[test]
    fn function_labels_are_plain_text() {
        assert_eq!(
            function_label_problem("<Error as From<io::Error>>::from"),
            None
        );
        assert_eq!(function_label_problem("Users::get"), None);
        assert_eq!(
            function_label_problem("").as_deref(),
            Some("`function` cannot be empty: Prometheus reads an empty value as no label")
        );
        assert_eq!(
            function_label_problem(" get").as_deref(),
            Some("`function` ` get` starts or ends with white space; write `get`")
        );
        assert_eq!(
            function_label_problem("a\nb").as_deref(),
            Some("`function` holds the control character '\\n'; name the function in plain text")
        );
    }
}
