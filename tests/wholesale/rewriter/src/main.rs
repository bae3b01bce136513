//! Annotates a crate the way a new user would, wholesale: `rewriter MODE FILE...` puts
//! `#[counted]` and `#[timed]` on every function of each file, in place, and prints one line
//! per function it instrumented: `FILE<TAB>LINE<TAB>GATED`, where `GATED` is `1` for a
//! function that only some builds compile (under `#[cfg(..)]` or a test attribute).
//!
//! - `blocks`: every free fn and every `impl` block, with `skip` on the `const fn`s of a block
//!   (they cannot be instrumented).
//! - `methods`: every fn and every method alone, as `#[tracing::instrument]` users work.
//!
//! Default methods of traits are instrumented in both modes. The attributes go in as text
//! right before the item's first token after its own attributes, so other attribute macros
//! (`#[tracing::instrument]`, `#[async_trait]`, `#[tokio::main]`) expand first, and every
//! line of the file keeps its number.

use std::process::ExitCode;

use proc_macro2::{LineColumn, TokenStream};
use quote::{quote, ToTokens};
use syn::visit::{self, Visit};
use syn::{Attribute, ImplItemFn, Item, ItemFn, ItemImpl, TraitItemFn};

const INSTRUMENT: &str = "#[::tallymark::counted] #[::tallymark::timed] ";
const SKIP: &str = "#[::tallymark::counted(skip)] #[::tallymark::timed(skip)] ";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Blocks,
    Methods,
}

struct Annotator {
    mode: Mode,
    /// Text to insert, at positions of the original file.
    edits: Vec<(LineColumn, &'static str)>,
    /// The line of each instrumented function, and whether it is gated.
    functions: Vec<(usize, bool)>,
    /// How many enclosing items are gated.
    gated: usize,
}

/// Whether an item is compiled only by some builds.
fn is_gated(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        path.is_ident("cfg") || path.segments.last().is_some_and(|s| s.ident == "test")
    })
}

/// Where the first of `tokens` starts.
fn start(tokens: TokenStream) -> Option<LineColumn> {
    tokens.into_iter().next().map(|tree| tree.span().start())
}

impl Annotator {
    fn annotate(&mut self, at: Option<LineColumn>, text: &'static str) {
        if let Some(at) = at {
            self.edits.push((at, text));
        }
    }

    fn function(&mut self, at: Option<LineColumn>, attrs: &[Attribute]) {
        self.annotate(at, INSTRUMENT);
        if let Some(at) = at {
            self.functions
                .push((at.line, self.gated > 0 || is_gated(attrs)));
        }
    }

    fn gated<T>(&mut self, attrs: &[Attribute], visit: impl FnOnce(&mut Self) -> T) -> T {
        let gated = usize::from(is_gated(attrs));
        self.gated += gated;
        let out = visit(self);
        self.gated -= gated;
        out
    }
}

impl<'ast> Visit<'ast> for Annotator {
    fn visit_item(&mut self, item: &'ast Item) {
        let attrs: &[Attribute] = match item {
            Item::Mod(m) => &m.attrs,
            Item::Impl(i) => &i.attrs,
            Item::Trait(t) => &t.attrs,
            Item::Fn(f) => &f.attrs,
            _ => &[],
        };
        self.gated(attrs, |me| visit::visit_item(me, item));
    }

    fn visit_item_fn(&mut self, f: &'ast ItemFn) {
        if f.sig.constness.is_none() {
            let (vis, sig) = (&f.vis, &f.sig);
            self.function(start(quote!(#vis #sig)), &f.attrs);
        }
        visit::visit_item_fn(self, f);
    }

    fn visit_item_impl(&mut self, imp: &'ast ItemImpl) {
        if self.mode == Mode::Blocks {
            let (default, unsafety, token) = (&imp.defaultness, &imp.unsafety, &imp.impl_token);
            self.annotate(start(quote!(#default #unsafety #token)), INSTRUMENT);
        }
        visit::visit_item_impl(self, imp);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast ImplItemFn) {
        let (vis, default, sig) = (&f.vis, &f.defaultness, &f.sig);
        let at = start(quote!(#vis #default #sig));
        match (self.mode, f.sig.constness.is_some()) {
            (Mode::Blocks, true) => self.annotate(at, SKIP),
            (_, true) => {}
            (Mode::Blocks, false) => {
                // The block's attribute instruments it.
                let gated = self.gated > 0 || is_gated(&f.attrs);
                if let Some(at) = at {
                    self.functions.push((at.line, gated));
                }
            }
            (Mode::Methods, false) => self.function(at, &f.attrs),
        }
        self.gated(&f.attrs, |me| visit::visit_impl_item_fn(me, f));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast TraitItemFn) {
        if f.default.is_some() && f.sig.constness.is_none() {
            self.function(start(f.sig.to_token_stream()), &f.attrs);
        }
        self.gated(&f.attrs, |me| visit::visit_trait_item_fn(me, f));
    }
}

/// The byte offset of a line and column (in characters) of `text`.
fn offset(text: &str, at: LineColumn) -> Option<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(at.line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let line = text.get(line_start..)?;
    let column: usize = line.chars().take(at.column).map(char::len_utf8).sum();
    Some(line_start + column)
}

fn rewrite(mode: Mode, path: &str) -> Result<Vec<(usize, bool)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let file = syn::parse_file(&text).map_err(|e| format!("{path}: {e}"))?;
    let mut annotator = Annotator {
        mode,
        edits: Vec::new(),
        functions: Vec::new(),
        gated: usize::from(is_gated(&file.attrs)),
    };
    annotator.visit_file(&file);
    let mut edits = annotator.edits;
    // From the end, so each offset is still that of the original text.
    edits.sort_by_key(|(at, _)| std::cmp::Reverse((at.line, at.column)));
    let mut out = text.clone();
    for (at, insert) in edits {
        let at = offset(&text, at).ok_or_else(|| format!("{path}: no position {at:?}"))?;
        out.insert_str(at, insert);
    }
    std::fs::write(path, out).map_err(|e| format!("{path}: {e}"))?;
    Ok(annotator.functions)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("blocks") => Mode::Blocks,
        Some("methods") => Mode::Methods,
        _ => {
            eprintln!("usage: rewriter blocks|methods FILE...");
            return ExitCode::from(2);
        }
    };
    for path in args {
        match rewrite(mode, &path) {
            Ok(functions) => {
                for (line, gated) in functions {
                    println!("{path}\t{line}\t{}", u8::from(gated));
                }
            }
            Err(error) => {
                eprintln!("rewriter: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
