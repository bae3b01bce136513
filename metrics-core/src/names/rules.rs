//! The naming and bucket rules of the exposition formats, written once and compiled into
//! two crates: the core checks them at run time, `tallymark-macros` at compile time. Every
//! reason below is the text both report, so a build error and a registry's `Err` for the
//! same name cannot disagree.
//!
//! The file belongs to the core, whose public API these rules are part of. The macros
//! crate reaches it through a symlink in its own `src` (`src/names/rules.rs`), as
//! serde_derive_internals reaches serde_derive's `internals`: a proc-macro crate cannot
//! depend on the runtime its output calls into, and a `#[path]` pointing out of the package
//! would break `cargo package` of the macros crate, whereas cargo packages a symlink as the
//! file it points at. The cost is a checkout that keeps symlinks (on Windows, git's
//! `core.symlinks`). The other direction, the file in the macros crate and the symlink in
//! the core, would cost the same and hide the core's rules in a crate that users never read.
//!
//! So this file names no crate, not even its own: plain functions, `const fn`s (the core
//! checks an `Info`'s label names in `const` context) and constants. Its doc comments hold
//! no code: rustdoc would run it in both crates, where different paths resolve.

// Each crate uses part of the file: the core has no declared names, the macros no registry.
#![allow(dead_code)]

/// The most finite bounds one histogram may have. Storage for an unlabelled histogram is
/// inline in its `static`, so it needs a fixed size; classic histograms rarely use more
/// than twenty buckets, and finer resolution is what native histograms are for.
pub const MAX_BUCKETS: usize = 64;

/// The label a histogram writes its bucket bounds in, which its families cannot have too,
/// and why.
pub const HISTOGRAM_BUCKET_LABEL: (&str, &str) = ("le", "a histogram labels its buckets with `le`");

/// The label a summary writes its quantiles in, which its families cannot have too, and why.
pub const SUMMARY_QUANTILE_LABEL: (&str, &str) =
    ("quantile", "a summary labels its quantiles with `quantile`");

/// What an info metric's name ends in: OpenMetrics names the family without it.
pub const INFO_SUFFIX: &str = "_info";

/// Why an info metric's name without [`INFO_SUFFIX`] is refused.
pub const INFO_SUFFIX_MISSING: &str = "an info metric's name ends in `_info`";

/// Why a metric name that tallymark declares may not hold `:`. The exposition grammar
/// allows it, so the core still reads it from collectors, but Prometheus's naming guide
/// keeps it for recording rules, which instrumentation must not imitate.
const COLON_RESERVED: &str = "`:` in a metric name is reserved for recording rules";

/// Why `name` is not a metric name in the exposition grammar, `[a-zA-Z_:][a-zA-Z0-9_:]*`,
/// or `None` when it is. For a name without `:`, the same answer as
/// [`declared_metric_name_problem`].
pub const fn metric_name_problem(name: &str) -> Option<&'static str> {
    grammar_problem(name, NameKind::Metric)
}

/// Why `name` cannot be declared as a metric (by `#[metric]`, at compile time), or `None`
/// when it can: the exposition grammar, without the `:` that recording rules keep.
pub const fn declared_metric_name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            return Some(COLON_RESERVED);
        }
        i += 1;
    }
    metric_name_problem(name)
}

/// Why `name` is not a label name, or `None` when it is: `[a-zA-Z_][a-zA-Z0-9_]*`, and not
/// starting with `__`, which Prometheus keeps for its own labels (`__name__`).
pub const fn label_name_problem(name: &str) -> Option<&'static str> {
    if let Some(reason) = grammar_problem(name, NameKind::Label) {
        return Some(reason);
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0] == b'_' && b[1] == b'_' {
        return Some("a label name starting with `__` is reserved for Prometheus");
    }
    None
}

/// The message for a refused `name`, which both crates show: the compile error of the
/// macros and the `Display` of the core's `NameError`.
pub fn name_message(name: &str, reason: &str) -> String {
    if name.is_empty() {
        // The reason says that the name is empty; "invalid name ``" would only repeat it.
        reason.to_owned()
    } else {
        format!("invalid name `{name}`: {reason}")
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Metric,
    Label,
}

/// The grammar both kinds share. Names are ASCII, so bytes are characters here, and a
/// byte of a multi-byte character is refused as the character would be. The reasons do
/// not offer `:` to metric names: it is valid, but not for instrumentation to use.
const fn grammar_problem(name: &str, kind: NameKind) -> Option<&'static str> {
    let metric = matches!(kind, NameKind::Metric);
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Some(if metric {
            "a metric name cannot be empty"
        } else {
            "a label name cannot be empty"
        });
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let allowed = b.is_ascii_alphanumeric() || b == b'_' || (metric && b == b':');
        if i == 0 && (b.is_ascii_digit() || !allowed) {
            return Some(if metric {
                "a metric name starts with an ASCII letter or `_`"
            } else {
                "a label name starts with an ASCII letter or `_`"
            });
        }
        if !allowed {
            return Some(if metric {
                "a metric name holds only ASCII letters, digits and `_`"
            } else {
                "a label name holds only ASCII letters, digits and `_`"
            });
        }
        i += 1;
    }
    None
}
