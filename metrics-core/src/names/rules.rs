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

/// Why `name` cannot be a metric name in any format, or `None` when it can. Since
/// Prometheus 3 a name is any UTF-8 text: one outside the legacy grammar
/// (`[a-zA-Z_:][a-zA-Z0-9_:]*`) is quoted for a scraper that reads UTF-8 names and escaped
/// for one that does not. What no format can carry is an empty name, and control
/// characters, which would break the lines of a text format.
pub const fn metric_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("a metric name cannot be empty");
    }
    if has_control(name) {
        return Some("a metric name cannot hold a control character");
    }
    None
}

/// Why `name` cannot be declared as a metric (by `#[metric]`, at compile time), or `None`
/// when it can: [`metric_name_problem`], and no `:`.
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

/// Why `name` is not a label name, or `None` when it is: any UTF-8 text but the empty one,
/// without control characters, and not starting with `__`, which Prometheus keeps for its
/// own labels (`__name__`), whether as written or once escaped with underscores for a
/// scraper of legacy names (`._x` would become `__x`).
pub const fn label_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("a label name cannot be empty");
    }
    if has_control(name) {
        return Some("a label name cannot hold a control character");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0] == b'_' && b[1] == b'_' {
        return Some("a label name starting with `__` is reserved for Prometheus");
    }
    if escapes_to_reserved(b) {
        return Some(
            "a label name whose first two characters each escape to `_` would start with \
             `__` for a scraper of legacy names, which is reserved for Prometheus",
        );
    }
    None
}

/// Whether the text holds an ASCII control character (`\0`..`\x1f`, `\x7f`).
const fn has_control(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x20 || bytes[i] == 0x7f {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether the first two characters of a label name each become `_` when escaped with
/// underscores: `_` itself, or any character outside `[a-zA-Z0-9_]` (a digit only first).
const fn escapes_to_reserved(bytes: &[u8]) -> bool {
    // The length of the character starting at `i`, from its leading byte.
    const fn char_len(lead: u8) -> usize {
        if lead < 0x80 {
            1
        } else if lead >= 0xf0 {
            4
        } else if lead >= 0xe0 {
            3
        } else {
            2
        }
    }
    const fn underscored(bytes: &[u8], i: usize) -> bool {
        let b = bytes[i];
        !(b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit())) || b == b'_'
    }
    if bytes.is_empty() || !underscored(bytes, 0) {
        return false;
    }
    let second = char_len(bytes[0]);
    second < bytes.len() && underscored(bytes, second)
}

/// The message for a refused `name`, which both crates show: the compile error of the
/// macros and the `Display` of the core's `NameError`.
pub fn name_message(name: &str, reason: &str) -> String {
    if name.is_empty() {
        // The reason says that the name is empty; "invalid name ``" would only repeat it.
        reason.to_owned()
    } else if has_control(name) {
        // Written out, a newline or tab in the name would break or hide in the message.
        format!("invalid name `{}`: {reason}", name.escape_debug())
    } else {
        format!("invalid name `{name}`: {reason}")
    }
}
