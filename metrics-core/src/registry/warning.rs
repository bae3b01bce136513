//! What the catalog kept but wants a person to look at: series that several declarations
//! write together.

use std::fmt;

/// Where a function is written: `file!()` and `line!()` of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceLocation {
    /// The file, relative to the crate's workspace as `file!()` gives it.
    pub file: &'static str,
    /// The line, from 1.
    pub line: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Something the global catalog accepted, but that may not be what was meant.
///
/// ```
/// use tallymark_core::Registry;
///
/// // A program whose annotated functions all have names of their own has none.
/// for warning in Registry::catalog_warnings() {
///     println!("{warning}");
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogWarning {
    /// Several annotated functions resolve to one `function` and `module`, so they write one
    /// series of a default family: their calls add up, and no output holds the series twice.
    MergedCallSites {
        /// The attribute: `counted`, `timed` or `in_flight`.
        attribute: &'static str,
        /// The default family, such as `function_calls_total`.
        family: &'static str,
        /// The `function` label they share.
        function: &'static str,
        /// The `module` label they share.
        module: &'static str,
        /// Where each of them is written, sorted.
        locations: Vec<SourceLocation>,
    },
}

impl fmt::Display for CatalogWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogWarning::MergedCallSites {
                attribute,
                family,
                function,
                module,
                locations,
            } => {
                write!(f, "`#[{attribute}]` functions at ")?;
                for (i, location) in locations.iter().enumerate() {
                    let sep = match i {
                        0 => "",
                        _ if i + 1 == locations.len() => " and ",
                        _ => ", ",
                    };
                    write!(f, "{sep}{location}")?;
                }
                write!(
                    f,
                    " all record as `{family}{{function=\"{function}\",module=\"{module}\"}}`, \
                     so their calls add up in one series; to tell them apart, put the \
                     attribute on their `impl` blocks, or name each one with \
                     `#[{attribute}(function = \"...\")]`"
                )
            }
        }
    }
}
