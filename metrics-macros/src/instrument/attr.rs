//! The arguments of `#[timed(..)]`, `#[counted(..)]` and `#[in_flight(..)]`: an optional
//! target metric with its `labels(..)`, `objective(..)`, and `result`, `crate` and `skip`.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

use crate::attr::{parse_each, OnceArg};
use crate::ctxt::Ctxt;
use crate::instrument::objective::{self, ObjectiveSpec};
use crate::instrument::AttributeKind;
use crate::names::unraw;

mod kw {
    syn::custom_keyword!(labels);
    syn::custom_keyword!(result);
    syn::custom_keyword!(skip);
    syn::custom_keyword!(function);
    syn::custom_keyword!(objective);
}

/// `name = value` in `labels(..)`: which label, and the expression that gives its value.
pub struct LabelAssignment {
    /// The label name, as written (a keyword stays a plain ident here).
    pub name: Ident,
    /// The value expression.
    pub value: Expr,
}

/// `labels(name = value, ..)`.
pub struct Labels {
    /// The assignments, in the order written.
    pub assignments: Vec<LabelAssignment>,
}

/// What `result = ".."` says about the return type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ResultMode {
    /// `"auto"`, the default: `error` when the return type is spelled `Result<..>` (any
    /// path ending in `Result`) and the call returned `Err`.
    Auto,
    /// `"result"`: the return type is a `Result` under another name, such as an alias.
    Result,
    /// `"ok"`: every return is `ok`, for a type named `Result` that is not one.
    Ok,
}

/// The arguments of one attribute.
pub struct InstrumentArgs {
    /// The declared metric to record into, instead of the default family.
    pub target: OnceArg<Path>,
    /// `labels(..)` for the target.
    pub labels: OnceArg<Labels>,
    /// `result = ".."`.
    pub result: OnceArg<ResultMode>,
    /// `function = ".."`: the `function` label of the default family.
    pub function: OnceArg<LitStr>,
    /// `crate = path`.
    pub krate: OnceArg<Path>,
    /// `skip`, on a method of an instrumented `impl`.
    pub skip: OnceArg<()>,
    /// `objective(..)`: `None` inside when its keys had errors, already reported.
    pub objective: OnceArg<Option<ObjectiveSpec>>,
}

enum Arg {
    Function(Span, LitStr),
    Target(Span, Path),
    Labels(Span, Labels),
    Result(Span, ResultMode),
    Crate(Span, Path),
    Skip(Span),
    Objective(Span, Option<ObjectiveSpec>),
}

impl InstrumentArgs {
    /// No arguments to `kind`: the default family.
    pub fn empty(kind: AttributeKind) -> Self {
        // Each attribute has one kind of objective, so a second is always a repeat.
        let second_objective = match kind {
            AttributeKind::Timed => {
                "duplicate `objective(..)`: `#[timed]` takes one latency objective"
            }
            _ => "duplicate `objective(..)`: `#[counted]` takes one success objective",
        };
        InstrumentArgs {
            objective: OnceArg::unkeyed(second_objective),
            target: OnceArg::unkeyed("only one target metric can be given"),
            labels: OnceArg::none("labels"),
            result: OnceArg::none("result"),
            function: OnceArg::none("function"),
            krate: OnceArg::none("crate"),
            skip: OnceArg::none("skip"),
        }
    }

    /// Reads the arguments, reporting each malformed, unknown or repeated one to `cx` and
    /// keeping the rest, then checks how they combine.
    pub fn parse(kind: AttributeKind, tokens: TokenStream, cx: &Ctxt) -> InstrumentArgs {
        let mut args = InstrumentArgs::empty(kind);
        parse_each(
            tokens,
            cx,
            |input| parse_arg(kind, input, cx),
            |arg| args.set(cx, arg),
        );
        args.check(kind, cx);
        args
    }

    fn set(&mut self, cx: &Ctxt, arg: Arg) {
        match arg {
            Arg::Target(key, path) => self.target.set(cx, key, path),
            Arg::Labels(key, labels) => self.labels.set(cx, key, labels),
            Arg::Result(key, mode) => self.result.set(cx, key, mode),
            Arg::Function(key, name) => self.function.set(cx, key, name),
            Arg::Crate(key, path) => self.krate.set(cx, key, path),
            Arg::Skip(key) => self.skip.set(cx, key, ()),
            Arg::Objective(key, spec) => self.objective.set(cx, key, spec),
        }
    }

    fn check(&self, kind: AttributeKind, cx: &Ctxt) {
        let name = kind.name();
        if let (Some(labels), None) = (self.labels.get(), self.target.get()) {
            cx.error_at(
                labels.key,
                format!(
                    "`labels` gives the label values of a target metric, as in \
                     `#[{name}(FAMILY, labels(..))]`; the default family is labelled by function"
                ),
            );
        }
        if let Some(result) = self.result.get() {
            if kind == AttributeKind::InFlight {
                cx.error_at(
                    result.key,
                    "`result` has no effect on `#[in_flight]`: running calls have no result yet",
                );
            } else if self.target.get().is_some() {
                cx.error_at(
                    result.key,
                    "`result` labels the default family; a target metric records every call \
                     alike, so drop `result` or the target",
                );
            }
        }
        if let (Some(function), Some(_)) = (self.function.get(), self.target.get()) {
            cx.error_at(
                function.key,
                "`function` names the function in the default family; a target metric is \
                 labelled by `labels(..)`, so drop `function` or the target",
            );
        }
        if let (Some(objective), Some(_)) = (self.objective.get(), self.target.get()) {
            if let Some(ObjectiveSpec::Success { .. }) = objective.value {
                cx.error_at(
                    objective.key,
                    "a `success` objective reads the `result` label of the default family; a \
                     target metric counts every call alike, so drop the objective or the target",
                );
            }
        }
        if let Some(skip) = self.skip.get() {
            let others = [
                self.target.get().map(|k| k.key),
                self.labels.get().map(|k| k.key),
                self.result.get().map(|k| k.key),
                self.function.get().map(|k| k.key),
                self.krate.get().map(|k| k.key),
                self.objective.get().map(|k| k.key),
            ];
            if others.iter().any(Option::is_some) {
                cx.error_at(
                    skip.key,
                    format!("`skip` takes no other argument: `#[{name}(skip)]`"),
                );
            }
        }
    }
}

fn parse_arg(kind: AttributeKind, input: ParseStream, cx: &Ctxt) -> syn::Result<Arg> {
    if input.peek(kw::labels) && input.peek2(syn::token::Paren) {
        let key = input.parse::<kw::labels>()?.span;
        return Ok(Arg::Labels(key, labels(input, cx)?));
    }
    if input.peek(kw::result) && input.peek2(Token![=]) {
        let key = input.parse::<kw::result>()?.span;
        input.parse::<Token![=]>()?;
        return Ok(Arg::Result(key, result_mode(input)?));
    }
    if input.peek(kw::function) && input.peek2(Token![=]) {
        let key = input.parse::<kw::function>()?.span;
        input.parse::<Token![=]>()?;
        return Ok(Arg::Function(key, function_name(input)?));
    }
    if input.peek(Token![crate]) && input.peek2(Token![=]) {
        let key = input.parse::<Token![crate]>()?.span;
        input.parse::<Token![=]>()?;
        return Ok(Arg::Crate(key, input.call(Path::parse_mod_style)?));
    }
    if input.peek(kw::objective) && input.peek2(syn::token::Paren) {
        let key = input.parse::<kw::objective>()?.span;
        if kind == AttributeKind::InFlight {
            input.parse::<proc_macro2::Group>()?;
            return Err(syn::Error::new(
                key,
                "`#[in_flight]` takes no `objective`: it counts calls while they run, before \
                 they have a duration or a result; put the objective on `#[timed]` or \
                 `#[counted]`",
            ));
        }
        return Ok(Arg::Objective(key, objective::parse(kind, key, input, cx)?));
    }
    if input.peek(kw::skip) && (input.peek2(Token![,]) || peek_last(input)) {
        return Ok(Arg::Skip(input.parse::<kw::skip>()?.span));
    }
    let name = kind.name();
    let objective = match kind {
        AttributeKind::InFlight => "",
        _ => "`objective(..)`, ",
    };
    let expected = format!(
        "expected {} metric, `labels(..)`, {objective}`result = \"..\"`, `function = \"..\"`, \
         `crate = path` or `skip`",
        kind.target_article()
    );
    if input.peek(Ident::peek_any) && (input.peek2(Token![=]) || input.peek2(syn::token::Paren)) {
        let unknown = input.call(Ident::parse_any)?;
        return Err(syn::Error::new(
            unknown.span(),
            format!("unknown `#[{name}]` argument `{unknown}`; {expected}"),
        ));
    }
    let path = input.call(Path::parse_mod_style).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("malformed `#[{name}]` argument; {expected}"),
        )
    })?;
    let span = path_span(&path);
    Ok(Arg::Target(span, path))
}

/// Whether only the current token is left.
fn peek_last(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<proc_macro2::TokenTree>().is_ok() && fork.is_empty()
}

fn path_span(path: &Path) -> Span {
    let first = path.segments.first().map(|s| s.ident.span());
    let last = path.segments.last().map(|s| s.ident.span());
    match (first, last) {
        (Some(a), Some(b)) => a.join(b).unwrap_or(b),
        _ => Span::call_site(),
    }
}

fn result_mode(input: ParseStream) -> syn::Result<ResultMode> {
    let expected = "`result` takes \"auto\" (the default: `error` when a `Result` returns \
                    `Err`), \"result\" (the return type is a `Result` under another name) \
                    or \"ok\" (every return is `ok`)";
    let lit: LitStr = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), expected))?;
    match lit.value().as_str() {
        "auto" => Ok(ResultMode::Auto),
        "result" => Ok(ResultMode::Result),
        "ok" => Ok(ResultMode::Ok),
        _ => Err(syn::Error::new(lit.span(), expected)),
    }
}

/// The string of `function = ".."`: a label value, so it must not be empty, and it is
/// what a person reads on a dashboard, so it holds no control character.
fn function_name(input: ParseStream) -> syn::Result<LitStr> {
    let expected = "`function` takes the name to record, as in `function = \"Users::get\"`";
    let lit: LitStr = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), expected))?;
    let name = lit.value();
    if let Some(problem) = crate::names::function_label_problem(&name) {
        return Err(syn::Error::new(lit.span(), problem));
    }
    Ok(lit)
}

fn labels(input: ParseStream, cx: &Ctxt) -> syn::Result<Labels> {
    let content;
    syn::parenthesized!(content in input);
    let pairs = Punctuated::<(Ident, Expr), Token![,]>::parse_terminated_with(&content, |input| {
        let name = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("`labels` takes `name = value` pairs, as in `labels({name} = \"..\")`"),
            )
        })?;
        Ok((name, input.parse()?))
    })?;
    let mut seen = HashSet::new();
    let mut assignments = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        if seen.insert(unraw(&name)) {
            assignments.push(LabelAssignment { name, value });
        } else {
            cx.error_spanned_by(&name, format!("duplicate label `{}`", unraw(&name)));
        }
    }
    Ok(Labels { assignments })
}
