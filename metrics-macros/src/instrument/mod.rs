//! `#[timed]`, `#[counted]` and `#[in_flight]`: a guard around a function's body that
//! records each call once, however it ends.
//!
//! The arguments are read in `attr`, the function's kind in `shape`, what the guard records
//! into in `target`, the guarded body is written in `expand`, and `item` handles fns,
//! methods and `impl` blocks, and rejects the rest.

mod attr;
mod expand;
mod item;
mod objective;
mod shape;
mod target;

use proc_macro2::{Ident, Span, TokenStream};

pub use target::respan;

/// Which of the three function attributes is expanding: `#[counted]`, `#[timed]` or
/// `#[in_flight]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    /// `#[counted]`.
    Counted,
    /// `#[timed]`.
    Timed,
    /// `#[in_flight]`.
    InFlight,
}

impl AttributeKind {
    /// The attribute's name.
    pub fn name(self) -> &'static str {
        match self {
            AttributeKind::Counted => "counted",
            AttributeKind::Timed => "timed",
            AttributeKind::InFlight => "in_flight",
        }
    }

    /// The kind of metric it records into, with its article.
    pub fn target_article(self) -> &'static str {
        match self {
            AttributeKind::Counted => "a counter",
            AttributeKind::Timed => "a histogram",
            AttributeKind::InFlight => "a gauge",
        }
    }

    /// The call-site type of its default family, and the registration variant.
    fn site(self) -> (Ident, Ident) {
        let (site, registration) = match self {
            AttributeKind::Counted => ("CountedSite", "Counted"),
            AttributeKind::Timed => ("TimedSite", "Timed"),
            AttributeKind::InFlight => ("InFlightSite", "InFlight"),
        };
        (
            Ident::new(site, Span::call_site()),
            Ident::new(registration, Span::call_site()),
        )
    }

    /// The function that checks a target's kind.
    fn target_check(self, span: Span) -> Ident {
        Ident::new(&format!("{}_target", self.name()), span)
    }
}

/// Expands the attribute `kind` names, with its arguments, on `input`.
pub fn expand(kind: AttributeKind, args: TokenStream, input: TokenStream) -> TokenStream {
    item::expand(kind, args, input)
}

#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod tests;
