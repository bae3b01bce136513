//! Parsing of the macros' attributes: the arguments of `#[metric(...)]`, and the
//! `#[label("...")]` that renames an enum variant or a struct field.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, LitInt, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(help);
    syn::custom_keyword!(labels);
    syn::custom_keyword!(buckets);
    syn::custom_keyword!(unit);
    syn::custom_keyword!(budget);
}

/// An argument as given: its value, and the span of the key that introduced it, so a
/// check about the argument as a whole ("`buckets` on a counter") can point at the key.
pub struct GivenArg<T> {
    /// The span of the key.
    pub key: Span,
    /// The parsed value.
    pub value: T,
}

/// The slot of one argument that may be given at most once (every argument of the
/// macros is): it keeps the first and reports each repetition.
pub struct OnceArg<T> {
    key: &'static str,
    duplicate: Option<&'static str>,
    value: Option<GivenArg<T>>,
}

impl<T> OnceArg<T> {
    /// An argument not given yet.
    pub fn none(key: &'static str) -> Self {
        OnceArg {
            key,
            duplicate: None,
            value: None,
        }
    }

    /// An argument without a key of its own, whose repetition `message` reports.
    pub fn unkeyed(message: &'static str) -> Self {
        OnceArg {
            key: "",
            duplicate: Some(message),
            value: None,
        }
    }

    /// Stores the value, or reports a duplicate on the second key. Every argument goes
    /// through here, so no key can forget its duplicate check.
    pub fn set(&mut self, cx: &Ctxt, key: Span, value: T) {
        if self.value.is_some() {
            match self.duplicate {
                Some(message) => cx.error_at(key, message),
                None => cx.error_at(key, format!("duplicate `{}` argument", self.key)),
            }
        } else {
            self.value = Some(GivenArg { key, value });
        }
    }

    /// The argument, when given.
    pub fn get(&self) -> Option<&GivenArg<T>> {
        self.value.as_ref()
    }

    /// The argument's value, when given.
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref().map(|given| &given.value)
    }
}

/// `labels(a, b, c)`.
pub struct LabelList {
    /// The span of the parenthesised list.
    pub span: Span,
    /// The names, in order.
    pub names: Vec<Ident>,
}

/// `buckets = [0.1, 0.5, 1.0]`: the bounds as written; [`crate::ast`] reads them.
pub struct BucketList {
    /// The span of the bracketed list.
    pub span: Span,
    /// The bounds as written.
    pub bounds: Vec<Expr>,
}

/// The arguments of `#[metric(...)]`.
pub struct MetricArgs {
    /// `name = "..."`.
    pub name: OnceArg<LitStr>,
    /// `help = "..."`.
    pub help: OnceArg<LitStr>,
    /// `labels(...)`.
    pub labels: OnceArg<LabelList>,
    /// `buckets = [...]`.
    pub buckets: OnceArg<BucketList>,
    /// `unit = "..."`.
    pub unit: OnceArg<LitStr>,
    /// `budget = N`.
    pub budget: OnceArg<LitInt>,
    /// `crate = path`.
    pub krate: OnceArg<Path>,
}

enum Arg {
    Name(Span, LitStr),
    Help(Span, LitStr),
    Labels(Span, LabelList),
    Buckets(Span, BucketList),
    Unit(Span, LitStr),
    Budget(Span, LitInt),
    Crate(Span, Path),
}

impl syn::parse::Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::name) {
            let key = input.parse::<kw::name>()?.span;
            Ok(Arg::Name(key, string_value(input, "name")?))
        } else if lookahead.peek(kw::help) {
            let key = input.parse::<kw::help>()?.span;
            Ok(Arg::Help(key, string_value(input, "help")?))
        } else if lookahead.peek(kw::unit) {
            let key = input.parse::<kw::unit>()?.span;
            Ok(Arg::Unit(key, string_value(input, "unit")?))
        } else if lookahead.peek(kw::labels) {
            let key = input.parse::<kw::labels>()?.span;
            Ok(Arg::Labels(key, label_list(input)?))
        } else if lookahead.peek(kw::buckets) {
            let key = input.parse::<kw::buckets>()?.span;
            Ok(Arg::Buckets(key, bucket_list(input)?))
        } else if lookahead.peek(kw::budget) {
            let key = input.parse::<kw::budget>()?.span;
            input.parse::<Token![=]>()?;
            let value = input.parse().map_err(|e| {
                syn::Error::new(e.span(), "`budget` takes an integer, as in `budget = 500`")
            })?;
            Ok(Arg::Budget(key, value))
        } else if lookahead.peek(Token![crate]) {
            let key = input.parse::<Token![crate]>()?.span;
            input.parse::<Token![=]>()?;
            Ok(Arg::Crate(key, input.call(Path::parse_mod_style)?))
        } else if input.peek(Ident::peek_any) {
            let unknown = input.call(Ident::parse_any)?;
            Err(syn::Error::new(
                unknown.span(),
                format!(
                    "unknown `#[metric]` argument `{unknown}`; expected `name`, `help`, \
                     `labels`, `buckets`, `unit`, `budget` or `crate`"
                ),
            ))
        } else {
            Err(lookahead.error())
        }
    }
}

fn string_value(input: ParseStream, key: &str) -> syn::Result<LitStr> {
    input.parse::<Token![=]>()?;
    input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string literal, as in `{key} = \"...\"`"),
        )
    })
}

fn label_list(input: ParseStream) -> syn::Result<LabelList> {
    let content;
    let paren = syn::parenthesized!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
    Ok(LabelList {
        span: paren.span.join(),
        names: names.into_iter().collect(),
    })
}

fn bucket_list(input: ParseStream) -> syn::Result<BucketList> {
    input.parse::<Token![=]>()?;
    let content;
    let bracket = syn::bracketed!(content in input);
    let bounds = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
    Ok(BucketList {
        span: bracket.span.join(),
        bounds: bounds.into_iter().collect(),
    })
}

/// Reads comma-separated arguments with `parse_one`, handing each to `accept`. A malformed
/// argument is reported to `cx` and skipped, so the arguments after it are still read and
/// every mistake shows in one build.
pub fn parse_each<A>(
    tokens: TokenStream,
    cx: &Ctxt,
    mut parse_one: impl FnMut(ParseStream) -> syn::Result<A>,
    mut accept: impl FnMut(A),
) {
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            match parse_one(input) {
                Ok(arg) => accept(arg),
                Err(error) => {
                    cx.push(error);
                    skip_past_comma(input);
                    continue;
                }
            }
            if !input.is_empty() {
                if let Err(error) = input.parse::<Token![,]>() {
                    cx.push(error);
                    skip_past_comma(input);
                }
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        cx.push(error);
    }
}

/// Skips the rest of a malformed argument, so the arguments after it are still read.
fn skip_past_comma(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<proc_macro2::TokenTree>().is_err() {
            return;
        }
    }
    let _ = input.parse::<Option<Token![,]>>();
}

impl MetricArgs {
    /// Reads the arguments, reporting each malformed, unknown or repeated one to `cx` and
    /// keeping the rest.
    pub fn parse(tokens: TokenStream, cx: &Ctxt) -> MetricArgs {
        let mut args = MetricArgs {
            name: OnceArg::none("name"),
            help: OnceArg::none("help"),
            labels: OnceArg::none("labels"),
            buckets: OnceArg::none("buckets"),
            unit: OnceArg::none("unit"),
            budget: OnceArg::none("budget"),
            krate: OnceArg::none("crate"),
        };
        parse_each(
            tokens,
            cx,
            |input| input.parse::<Arg>(),
            |arg| args.set(cx, arg),
        );
        args
    }

    fn set(&mut self, cx: &Ctxt, arg: Arg) {
        match arg {
            Arg::Name(key, value) => self.name.set(cx, key, value),
            Arg::Help(key, value) => self.help.set(cx, key, value),
            Arg::Labels(key, value) => self.labels.set(cx, key, value),
            Arg::Buckets(key, value) => self.buckets.set(cx, key, value),
            Arg::Unit(key, value) => self.unit.set(cx, key, value),
            Arg::Budget(key, value) => self.budget.set(cx, key, value),
            Arg::Crate(key, value) => self.krate.set(cx, key, value),
        }
    }
}

/// The `#[label("...")]` among `attrs`, the one form the derives accept.
pub fn label_rename(cx: &Ctxt, attrs: &[Attribute]) -> Option<LitStr> {
    let mut found: Option<LitStr> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        let parsed = match &attr.meta {
            Meta::List(list) => list.parse_args::<LitStr>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`#[label]` takes a string literal: `#[label(\"...\")]`",
                )
            }),
            Meta::Path(_) | Meta::NameValue(_) => Err(syn::Error::new_spanned(
                attr,
                "expected `#[label(\"...\")]`",
            )),
        };
        match parsed {
            Ok(_) if found.is_some() => cx.error_spanned_by(attr, "duplicate `#[label]` attribute"),
            Ok(lit) => found = Some(lit),
            Err(error) => cx.push(error),
        }
    }
    found
}

/// The path the derives' generated code names: `::tallymark::__private`, or
/// `path::__private` after `#[tallymark(crate = path)]` on the type, for a crate that
/// re-exports tallymark. Any other key in `#[tallymark(..)]` is reported.
pub fn derive_private_path(cx: &Ctxt, attrs: &[Attribute]) -> TokenStream {
    let mut krate: OnceArg<Path> = OnceArg::none("crate");
    for attr in attrs.iter().filter(|a| a.path().is_ident("tallymark")) {
        let tokens = match &attr.meta {
            Meta::List(list) => list.tokens.clone(),
            Meta::Path(_) | Meta::NameValue(_) => {
                cx.error_spanned_by(attr, "expected `#[tallymark(crate = path)]`");
                continue;
            }
        };
        parse_each(
            tokens,
            cx,
            |input| {
                let key = input.parse::<Token![crate]>().map_err(|e| {
                    syn::Error::new(e.span(), "`#[tallymark(..)]` takes `crate = path`")
                })?;
                input.parse::<Token![=]>()?;
                Ok((key.span, input.call(Path::parse_mod_style)?))
            },
            |(key, path)| krate.set(cx, key, path),
        );
    }
    match krate.value() {
        Some(path) => quote::quote!(#path::__private),
        None => quote::quote!(::tallymark::__private),
    }
}

/// Reports every `#[label]` in `attrs`, which sit where no label can be renamed.
pub fn reject_label_attrs(cx: &Ctxt, attrs: &[Attribute], place: &str) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        cx.error_spanned_by(attr, format!("`#[label]` belongs on {place}"));
    }
}
