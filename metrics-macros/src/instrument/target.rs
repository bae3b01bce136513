//! What the guard records into: the function's call site in the default family, or a
//! declared metric, with the series that `labels(..)` picks.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, Path};

use crate::instrument::attr::{InstrumentArgs, LabelAssignment, Labels};
use crate::instrument::AttributeKind;
use crate::names::unraw;

/// The pieces of the expansion that depend on the target.
pub struct Recording {
    /// Items at the start of the body: the call site's `static` and its registration.
    pub setup: TokenStream,
    /// `let __tallymark_series = ..;` for a labelled target, evaluated at the call, before
    /// the body takes the arguments.
    pub series: TokenStream,
    /// The expression the guard records into.
    pub recorder: TokenStream,
    /// Whether the outcome is read from a returned `Result`.
    pub reads_result: bool,
}

/// What a call of `function` records into, given the attribute's arguments.
pub fn recording(
    kind: AttributeKind,
    private: &TokenStream,
    function: &FunctionName,
    ident: &Ident,
    args: &InstrumentArgs,
    fallible: bool,
) -> Recording {
    match args.target.value() {
        None => default_site(kind, private, function, ident, fallible),
        Some(path) => {
            let span = path.span();
            let at_path = respan(private, span);
            let check = kind.target_check(span);
            let target = quote_spanned!(span=> #at_path::#check(&#path));
            match args.labels.value() {
                None => Recording {
                    setup: TokenStream::new(),
                    series: TokenStream::new(),
                    recorder: quote_spanned!(span=> #at_path::single_series_recorder(#target)),
                    reads_result: false,
                },
                Some(labels) if all_literal(labels) => {
                    let values = label_struct(private, path, labels);
                    Recording {
                        setup: quote! {
                            static __TALLYMARK_SERIES: #private::SiteSeries =
                                #private::SiteSeries::new();
                        },
                        series: quote! {
                            let __tallymark_series =
                                #private::site_series(#target, &__TALLYMARK_SERIES, #values);
                        },
                        recorder: quote!(&__tallymark_series),
                        reads_result: false,
                    }
                }
                Some(labels) => {
                    let values = label_struct(private, path, labels);
                    Recording {
                        setup: TokenStream::new(),
                        series: quote! {
                            let __tallymark_series = #private::series(#target, #values);
                        },
                        recorder: quote!(&__tallymark_series),
                        reads_result: false,
                    }
                }
            }
        }
    }
}

/// ```text
/// static __TALLYMARK_SITE: CountedSite = CountedSite::new(Callee { .. });
/// inventory::submit! { SiteRegistration::Counted(&__TALLYMARK_SITE) }
/// ```
/// The registration puts the function's series in the catalog at zero before `main`. The
/// location is the function's name, so that a report of two functions sharing a series
/// points at each.
fn default_site(
    kind: AttributeKind,
    private: &TokenStream,
    function: &FunctionName,
    ident: &Ident,
    fallible: bool,
) -> Recording {
    let (site, registration) = kind.site();
    let callee = callee(private, function, ident, fallible);
    Recording {
        setup: quote! {
            static __TALLYMARK_SITE: #private::#site = #private::#site::new(#callee);
            #private::inventory::submit! {
                #private::SiteRegistration::#registration(&__TALLYMARK_SITE)
            }
        },
        series: TokenStream::new(),
        recorder: quote!(&__TALLYMARK_SITE),
        reads_result: fallible && kind != AttributeKind::InFlight,
    }
}

/// `#[counted]` and `#[timed]` on one function, both into the default families: one site
/// that times each call and reads the counts from the durations, registered as both.
///
/// ```text
/// static __TALLYMARK_SITE: CountedTimedSite =
///     CountedTimedSite::new(Callee { .. }, &__TALLYMARK_SITE.timed);
/// ```
pub fn counted_and_timed_site(
    private: &TokenStream,
    function: &FunctionName,
    ident: &Ident,
    fallible: bool,
) -> Recording {
    let callee = callee(private, function, ident, fallible);
    Recording {
        setup: quote! {
            static __TALLYMARK_SITE: #private::CountedTimedSite =
                #private::CountedTimedSite::new(#callee, &__TALLYMARK_SITE.timed);
            #private::inventory::submit! {
                #private::SiteRegistration::Counted(&__TALLYMARK_SITE.counted)
            }
            #private::inventory::submit! {
                #private::SiteRegistration::Timed(&__TALLYMARK_SITE.timed)
            }
        },
        series: TokenStream::new(),
        recorder: quote!(&__TALLYMARK_SITE),
        reads_result: fallible,
    }
}

/// `inventory::submit! { ObjectiveRegistration::new(Callee { .. }, objective, target) }`
/// for the attribute's `objective(..)`, or nothing without one. The callee is built as the
/// call site's is, so the objective names exactly the series the function records; the
/// target is a fn pointer to the declared family's descriptor, read when the catalog is.
pub fn objective_registration(
    private: &TokenStream,
    function: &FunctionName,
    ident: &Ident,
    args: &InstrumentArgs,
    fallible: bool,
) -> TokenStream {
    let Some(Some(spec)) = args.objective.value() else {
        return TokenStream::new();
    };
    let callee = callee(private, function, ident, fallible);
    let objective = spec.to_tokens(private);
    let target = match args.target.value() {
        None => quote!(#private::None),
        Some(path) => {
            let span = path.span();
            let at_path = respan(private, span);
            quote_spanned! {span=>
                #at_path::Some(|| #at_path::Metric::descriptor(&#path))
            }
        }
    };
    quote! {
        #private::inventory::submit! {
            #private::ObjectiveRegistration::new(#callee, #objective, #target)
        }
    }
}

/// `Callee { .. }`: the function's names and where it is written.
fn callee(
    private: &TokenStream,
    function: &FunctionName,
    ident: &Ident,
    fallible: bool,
) -> TokenStream {
    let FunctionName { label, qualified } = function;
    let at_name = respan(private, ident.span());
    let line = quote_spanned!(ident.span()=> #at_name::line!());
    quote! {
        #private::Callee {
            function: #label,
            qualified: #qualified,
            module: #private::module_path!(),
            fallible: #fallible,
            file: #private::file!(),
            line: #line,
        }
    }
}

/// `FAMILY { method: .., endpoint: .. }`: the label struct that `#[metric]` declares beside
/// the static, so that the compiler reports an unknown label on its name and a missing one
/// on the family.
fn label_struct(private: &TokenStream, path: &Path, labels: &Labels) -> TokenStream {
    let fields = labels.assignments.iter().map(|label| {
        let name = crate::companion::field_name(&label.name);
        let value = value(private, label);
        quote!(#name: #value)
    });
    quote!(#path { #(#fields),* })
}

/// Whether every value is a string literal, so that each call names the same series.
fn all_literal(labels: &Labels) -> bool {
    labels.assignments.iter().all(|label| {
        matches!(
            &label.value,
            Expr::Lit(ExprLit {
                lit: Lit::Str(_),
                ..
            })
        )
    })
}

/// A string literal is a fixed value; `unbounded(x)` passes a `&str` knowingly; any other
/// expression must have a `LabelValue` type, and is read by reference, so the function
/// body still gets its arguments whole.
fn value(private: &TokenStream, label: &LabelAssignment) -> TokenStream {
    let expr = &label.value;
    let span = expr.span();
    let private = respan(private, span);
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = expr
    {
        return lit.to_token_stream();
    }
    if let Some(arg) = unbounded_arg(expr) {
        return quote_spanned!(span=> #private::unbounded(#arg));
    }
    quote_spanned!(span=> #private::known_label_value(&(#expr)))
}

/// `x` in `unbounded(x)`.
fn unbounded_arg(expr: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = expr else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let named = func
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "unbounded");
    match (named, call.args.len()) {
        (true, 1) => call.args.first(),
        _ => None,
    }
}

/// What a call site calls its function.
pub struct FunctionName {
    /// The `function` label.
    pub label: String,
    /// The name with the type's generic arguments and the trait's path, which the catalog
    /// uses instead of `label` where two methods of annotated blocks share a label in one
    /// module: `<Frame as fmt::Debug>::fmt` beside `<Frame as fmt::Display>::fmt`.
    pub qualified: String,
}

impl FunctionName {
    /// A name given whole, by the fn's name or `function = ".."`: nothing to qualify.
    pub fn plain(label: String) -> Self {
        FunctionName {
            qualified: label.clone(),
            label,
        }
    }
}

/// The name of a method in an annotated `impl` block: `Type::method`, with the last
/// segment of the type; in the impl of a trait that takes generic arguments,
/// `<Type as Trait<Args>>::method`, so that `From<io::Error>` and `From<fmt::Error>` for
/// one type stay two functions. The arguments are written as in the source.
pub fn method_name(imp: &syn::ItemImpl, method: &Ident) -> FunctionName {
    let ty = type_name(&imp.self_ty);
    let method = unraw(method);
    let generic_trait = imp.trait_.as_ref().and_then(|(_, path, _)| {
        let last = path.segments.last()?;
        match &last.arguments {
            syn::PathArguments::None => None,
            arguments => Some(format!("{}{}", unraw(&last.ident), compact(arguments))),
        }
    });
    let label = match generic_trait {
        Some(trait_) => format!("<{ty} as {trait_}>::{method}"),
        None => format!("{ty}::{method}"),
    };
    let full_ty = match &*imp.self_ty {
        syn::Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .map(|last| format!("{}{}", unraw(&last.ident), compact(&last.arguments))),
        _ => None,
    }
    .unwrap_or(ty);
    let qualified = match &imp.trait_ {
        Some((_, path, _)) => format!("<{full_ty} as {}>::{method}", compact(path)),
        None => format!("{full_ty}::{method}"),
    };
    FunctionName { label, qualified }
}

/// Tokens as text with only the spaces that separate two words: `From<&'a str>`, not
/// `From < & 'a str >`.
fn compact(tokens: impl ToTokens) -> String {
    let mut out = String::new();
    write_compact(tokens.to_token_stream(), &mut out);
    out
}

fn write_compact(tokens: TokenStream, out: &mut String) {
    // Whether the last token written was a word (an identifier or a literal), which a
    // following word must stay apart from.
    let mut after_word = false;
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_compact(group.stream(), out);
                out.push_str(close);
                after_word = false;
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                after_word = false;
            }
            word => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&word.to_string());
                after_word = true;
            }
        }
    }
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
            Some(segment) => unraw(&segment.ident),
            None => String::new(),
        },
        syn::Type::Reference(reference) => type_name(&reference.elem),
        syn::Type::Group(group) => type_name(&group.elem),
        syn::Type::Paren(paren) => type_name(&paren.elem),
        other => compact(other),
    }
}

/// The tokens with every span set to `span`, so that an error about the expression they
/// belong to points at the user's tokens rather than at the whole attribute.
pub fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner = Group::new(group.delimiter(), respan(&group.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
