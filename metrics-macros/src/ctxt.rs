//! Collects every error a macro finds, so the user sees all of their mistakes in one build
//! rather than one per build.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// The errors found so far. Checks take it by shared reference, so one checker can hand it
/// to the next without threading results through.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty collector.
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Records an error spanning the tokens of `at`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, at: T, message: M) {
        self.push(syn::Error::new_spanned(at.into_token_stream(), message));
    }

    /// Records an error on an item's name when it has one, or on the whole item: the
    /// attribute was put on the wrong kind of item, and its name is where to look.
    pub fn error_on_item<M: Display>(&self, item: &syn::Item, message: M) {
        let ident = match item {
            syn::Item::Const(i) => Some(&i.ident),
            syn::Item::Enum(i) => Some(&i.ident),
            syn::Item::Fn(i) => Some(&i.sig.ident),
            syn::Item::Mod(i) => Some(&i.ident),
            syn::Item::Static(i) => Some(&i.ident),
            syn::Item::Struct(i) => Some(&i.ident),
            syn::Item::Trait(i) => Some(&i.ident),
            syn::Item::Type(i) => Some(&i.ident),
            syn::Item::Union(i) => Some(&i.ident),
            _ => None,
        };
        match ident {
            Some(ident) => self.error_spanned_by(ident, message),
            None => self.error_spanned_by(item, message),
        }
    }

    /// Records an error at one span.
    pub fn error_at<M: Display>(&self, span: proc_macro2::Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error that parsing produced.
    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Whether nothing has gone wrong yet.
    pub fn is_clean(&self) -> bool {
        self.errors.borrow().is_empty()
    }

    /// All the errors as one, or `Ok` when there were none.
    pub fn check(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}
