//! `#[timed]`, `#[counted]` and `#[in_flight]`: a guard around a function's body that
//! records each call once, however it ends.
//!
//! The arguments are read in `attr`, the function's kind in `shape`, what the guard records
//! into in `target`, the guarded body is written in `expand`, and `item` handles fns,
//! methods and `impl` blocks, and rejects the rest.

mod attr;
mod expand;
mod item;
mod shape;
mod target;

use proc_macro2::{Ident, Span, TokenStream};

pub use target::respan;

/// Which of the three attributes is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `#[counted]`.
    Counted,
    /// `#[timed]`.
    Timed,
    /// `#[in_flight]`.
    InFlight,
}

impl Which {
    /// The attribute's name.
    pub fn name(self) -> &'static str {
        match self {
            Which::Counted => "counted",
            Which::Timed => "timed",
            Which::InFlight => "in_flight",
        }
    }

    /// The kind of metric it records into, with its article.
    pub fn target_article(self) -> &'static str {
        match self {
            Which::Counted => "a counter",
            Which::Timed => "a histogram",
            Which::InFlight => "a gauge",
        }
    }

    /// The call-site type of its default family, and the registration variant.
    fn site(self) -> (Ident, Ident) {
        let (site, registration) = match self {
            Which::Counted => ("CountedSite", "Counted"),
            Which::Timed => ("TimedSite", "Timed"),
            Which::InFlight => ("InFlightSite", "InFlight"),
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

/// Expands `#[which(args)] input`.
pub fn expand(which: Which, args: TokenStream, input: TokenStream) -> TokenStream {
    item::expand(which, args, input)
}

#[cfg(test)]
mod tests;
