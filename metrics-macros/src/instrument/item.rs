//! The items the attributes apply to: a fn or method with a body, and an `impl` block,
//! whose methods are each instrumented as `Type::method`. Everything else is rejected on
//! its name, and on any error the item is emitted as it was, beside the errors.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{
    AttrStyle, Attribute, Block, ImplItem, ImplItemFn, Item, ItemFn, ItemImpl, LitStr, Path,
    Signature, Visibility,
};

use crate::ctxt::Ctxt;
use crate::fallback;
use crate::instrument::attr::{InstrumentArgs, ResultMode};
use crate::instrument::target::{
    counted_and_timed_site, method_name, objective_registration, recording, FunctionName,
};
use crate::instrument::{expand as guard, shape, AttributeKind};
use crate::names::unraw;

/// Expands one attribute on `input`.
pub fn expand(kind: AttributeKind, args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = InstrumentArgs::parse(kind, args, &cx);
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        // Code that does not parse goes through as it is, so that rustc reports the real
        // mistake rather than this macro.
        Err(_) => return merge(input, cx),
    };
    if let Some(skip) = args.skip.get() {
        let name = kind.name();
        cx.error_at(
            skip.key,
            format!(
                "`#[{name}(skip)]` opts a method out of an `impl` block annotated with \
                 `#[{name}]`; elsewhere, remove the attribute"
            ),
        );
    }
    let expanded = match &item {
        Item::Fn(f) => instrument_fn(kind, &cx, &args, f),
        Item::Impl(imp) => instrument_impl(kind, &cx, &args, imp),
        other => {
            reject(kind, &cx, other);
            None
        }
    };
    match (expanded, cx.check()) {
        (Some(tokens), Ok(())) => tokens,
        (_, Err(errors)) => {
            let item = match item {
                Item::Impl(imp) => {
                    strip_method_attrs(kind, args.krate.value(), imp).into_token_stream()
                }
                _ => input,
            };
            fallback::item_with_errors(item, &errors)
        }
        (None, Ok(())) => input,
    }
}

fn merge(input: TokenStream, cx: Ctxt) -> TokenStream {
    match cx.check() {
        Ok(()) => input,
        Err(errors) => fallback::item_with_errors(input, &errors),
    }
}

/// The path the generated code names: `::tallymark::__private`, or `crate = path`.
fn private_path(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::tallymark::__private),
    }
}

/// A fn to instrument, from any of the places one can be written.
struct Function<'a> {
    attrs: &'a [Attribute],
    vis: &'a Visibility,
    sig: &'a Signature,
    block: &'a Block,
    /// The name when `function = ".."` does not give it: the bare name, or `Type::method`
    /// in an annotated `impl` block.
    name: FunctionName,
    /// The path the generated code names.
    private: TokenStream,
    /// Whether it is a method of an annotated `impl` block, where `skip` applies.
    in_impl: bool,
}

fn instrument_fn(
    kind: AttributeKind,
    cx: &Ctxt,
    args: &InstrumentArgs,
    f: &ItemFn,
) -> Option<TokenStream> {
    let function = Function {
        attrs: &f.attrs,
        vis: &f.vis,
        sig: &f.sig,
        block: &f.block,
        name: FunctionName::plain(unraw(&f.sig.ident)),
        private: private_path(args.krate.value()),
        in_impl: false,
    };
    guarded(kind, cx, args, &function)
}

/// The function with its body guarded, or `None` after reporting why it cannot be.
fn guarded(
    kind: AttributeKind,
    cx: &Ctxt,
    args: &InstrumentArgs,
    f: &Function,
) -> Option<TokenStream> {
    if let Some(constness) = &f.sig.constness {
        let attr = kind.name();
        let hint = if f.in_impl {
            format!("; leave it out with `#[{attr}(skip)]`")
        } else {
            String::new()
        };
        cx.error_spanned_by(
            constness,
            format!(
                "`#[{attr}]` cannot instrument a `const fn`: it records each call at run \
                 time, and a `const fn` can also run at compile time{hint}"
            ),
        );
        return None;
    }
    if !cx.is_clean() {
        return None;
    }
    let shape = shape::shape(f.sig, f.block);
    let fallible = match args.result.value() {
        Some(ResultMode::Result) => true,
        Some(ResultMode::Ok) => false,
        Some(ResultMode::Auto) | None => {
            shape::value_type(f.sig, &shape).is_some_and(shape::is_result)
        }
    };
    let given = args
        .function
        .value()
        .map(|lit| FunctionName::plain(lit.value()));
    let name = given.as_ref().unwrap_or(&f.name);
    let stacked = stacked_sibling(kind, args, f.attrs);
    let sibling = stacked.as_ref().map(|(attr, _)| *attr);
    let mut recording = match sibling {
        Some(_) => counted_and_timed_site(&f.private, name, &f.sig.ident, fallible),
        None => recording(kind, &f.private, name, &f.sig.ident, args, fallible),
    };
    // The sibling that this guard takes over keeps its objective.
    let objective_args = std::iter::once(args).chain(stacked.as_ref().map(|(_, theirs)| theirs));
    for args in objective_args {
        let registration = objective_registration(&f.private, name, &f.sig.ident, args, fallible);
        recording.setup.extend(registration);
    }
    // syn reads a body's `#![..]` into the fn's attributes; they go back inside the body.
    let (inner, outer): (Vec<&Attribute>, Vec<&Attribute>) = f
        .attrs
        .iter()
        .filter(|attr| sibling.is_none_or(|sibling| !std::ptr::eq(*attr, sibling)))
        .partition(|attr| matches!(attr.style, AttrStyle::Inner(_)));
    let body = guard::body(&f.private, f.sig, f.block, &inner, &recording);
    let (vis, sig) = (f.vis, f.sig);
    Some(quote! {
        #(#outer)*
        #vis #sig #body
    })
}

/// The other of `#[counted]` and `#[timed]` among the fn's remaining attributes, when both
/// record into the default families with the same arguments, so that one guard does both:
/// with one clock pair, and the counts read from the durations. Anything else (a target,
/// different arguments, an attribute given twice, or arguments with errors, which that
/// attribute reports itself) keeps two guards, one inside the other. The sibling comes
/// with its arguments, whose objective is registered with this guard's.
fn stacked_sibling<'a>(
    kind: AttributeKind,
    args: &InstrumentArgs,
    attrs: &'a [Attribute],
) -> Option<(&'a Attribute, InstrumentArgs)> {
    let sibling_kind = match kind {
        AttributeKind::Counted => AttributeKind::Timed,
        AttributeKind::Timed => AttributeKind::Counted,
        AttributeKind::InFlight => return None,
    };
    if args.target.get().is_some() {
        return None;
    }
    let krate = args.krate.value();
    let mut siblings = attrs
        .iter()
        .filter(|attr| matches!(attr.style, AttrStyle::Outer))
        .filter(|attr| is_own(sibling_kind, krate, attr));
    let sibling = siblings.next()?;
    if siblings.next().is_some() {
        return None;
    }
    let tokens = match &sibling.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) => list.tokens.clone(),
        syn::Meta::NameValue(_) => return None,
    };
    let scratch = Ctxt::new();
    let theirs = InstrumentArgs::parse(sibling_kind, tokens, &scratch);
    let clean = scratch.check().is_ok();
    let text = |path: Option<&Path>| path.map(|p| p.to_token_stream().to_string());
    let same = theirs.target.get().is_none()
        && theirs.skip.get().is_none()
        && theirs.result.value() == args.result.value()
        && theirs.function.value().map(LitStr::value) == args.function.value().map(LitStr::value)
        && text(theirs.krate.value()) == text(krate);
    (clean && same).then_some((sibling, theirs))
}

/// Every method of the block, named `Type::method`. A method's own attributes of the same
/// kind are taken off: `skip` leaves the method as it is, and other arguments replace the
/// block's for that method (several record into several targets).
fn instrument_impl(
    kind: AttributeKind,
    cx: &Ctxt,
    args: &InstrumentArgs,
    imp: &ItemImpl,
) -> Option<TokenStream> {
    if let Some(function) = args.function.get() {
        let name = kind.name();
        cx.error_at(
            function.key,
            format!(
                "`function` names one function, and an `impl` block has several; put \
                 `#[{name}(function = \"..\")]` on the method it names"
            ),
        );
        return None;
    }
    let mut out = imp.clone();
    for item in &mut out.items {
        let ImplItem::Fn(method) = item else {
            continue;
        };
        let own = take_own_attrs(kind, cx, args.krate.value(), method);
        if own.iter().any(|own| own.skip.get().is_some()) {
            continue;
        }
        let all: Vec<&InstrumentArgs> = if own.is_empty() {
            vec![args]
        } else {
            own.iter().collect()
        };
        // The last attribute is the innermost guard, as if each were written on the fn.
        for own in all.into_iter().rev() {
            let krate = own.krate.value().or(args.krate.value());
            let function = Function {
                attrs: &method.attrs,
                vis: &method.vis,
                sig: &method.sig,
                block: &method.block,
                name: method_name(imp, &method.sig.ident),
                private: private_path(krate),
                in_impl: true,
            };
            let Some(tokens) = guarded(kind, cx, own, &function) else {
                break;
            };
            match syn::parse2::<ImplItemFn>(tokens) {
                Ok(guarded) => *method = guarded,
                Err(error) => cx.push(error),
            }
        }
    }
    cx.is_clean().then(|| out.into_token_stream())
}

/// Removes the method's attributes of this kind and reads their arguments.
fn take_own_attrs(
    kind: AttributeKind,
    cx: &Ctxt,
    krate: Option<&Path>,
    method: &mut ImplItemFn,
) -> Vec<InstrumentArgs> {
    let (own, kept): (Vec<Attribute>, Vec<Attribute>) = method
        .attrs
        .drain(..)
        .partition(|attr| is_own(kind, krate, attr));
    method.attrs = kept;
    own.iter()
        .map(|attr| {
            let tokens = match &attr.meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            InstrumentArgs::parse(kind, tokens, cx)
        })
        .collect()
}

/// Whether a method's attribute is this one, by its path: `#[timed]` (an import, taken to
/// be ours inside a block that `#[timed]` annotates), `#[tallymark::timed]`, or
/// `#[path::timed]` for the block's `crate = path`. Another crate's `#[metered::timed]`
/// is not ours and stays on the method.
fn is_own(kind: AttributeKind, krate: Option<&Path>, attr: &Attribute) -> bool {
    let path = attr.path();
    let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
    let Some((last, parent)) = segments.split_last() else {
        return false;
    };
    if last.ident != kind.name() || !last.arguments.is_none() {
        return false;
    }
    let parent: Vec<String> = parent.iter().map(|s| s.ident.to_string()).collect();
    let ours = |root: &Path| {
        root.segments.len() == parent.len()
            && root
                .segments
                .iter()
                .zip(&parent)
                .all(|(s, p)| s.ident == p.as_str())
    };
    if parent.is_empty() {
        return path.leading_colon.is_none();
    }
    parent == ["tallymark"] || krate.is_some_and(ours)
}

/// The block as written, less this kind's method attributes, which would only repeat the
/// block's error as "`skip` outside an `impl`".
fn strip_method_attrs(kind: AttributeKind, krate: Option<&Path>, mut imp: ItemImpl) -> ItemImpl {
    for item in &mut imp.items {
        if let ImplItem::Fn(method) = item {
            method.attrs.retain(|attr| !is_own(kind, krate, attr));
        }
    }
    imp
}

fn reject(kind: AttributeKind, cx: &Ctxt, item: &Item) {
    let name = kind.name();
    if let Item::Verbatim(tokens) = item {
        if let Ok(decl) = syn::parse2::<syn::TraitItemFn>(tokens.clone()) {
            cx.error_spanned_by(
                &decl.sig.ident,
                format!(
                    "`#[{name}]` needs a function body to instrument; put it on the \
                     implementations of `{}`",
                    decl.sig.ident
                ),
            );
            return;
        }
    }
    let message = match item {
        Item::Trait(_) => format!(
            "`#[{name}]` does not apply to a trait; put it on each `impl` of the trait, or \
             on a default method"
        ),
        _ => format!("`#[{name}]` applies to a fn, a method or an `impl` block"),
    };
    cx.error_on_item(item, message);
}
