//! What kind of function an attribute sits on, read from its signature and body: when its
//! work runs (at the call, or when a future is polled) and what value a call ends with.

use syn::{
    Block, Expr, GenericArgument, PathArguments, ReturnType, Signature, Stmt, Type, TypeParamBound,
};

/// When a function's work runs, and so where the guard goes.
pub enum Shape<'a> {
    /// The body runs at the call.
    Sync,
    /// `async fn`: the body runs as the future is polled.
    Async,
    /// A non-async fn whose last expression is `Box::pin(async move { .. })`, as
    /// `#[async_trait]` writes them (any path ending in `pin`): the guard goes inside.
    BoxedAsync {
        /// The statements before the last expression.
        before: &'a [Stmt],
        /// The function called, as written (`Box::pin`).
        pin: &'a Expr,
        /// The async block.
        future: &'a syn::ExprAsync,
    },
    /// A fn returning `impl Future`: the future it builds is awaited inside a guarded one.
    ImplFuture,
    /// A fn returning `Pin<Box<dyn Future ..>>` built some other way: the same, boxed.
    BoxedFuture,
}

/// Reads the shape of a function from its signature and body.
pub fn shape<'a>(sig: &Signature, block: &'a Block) -> Shape<'a> {
    if sig.asyncness.is_some() {
        return Shape::Async;
    }
    if let Some(shape) = boxed_async(block) {
        return shape;
    }
    match &sig.output {
        ReturnType::Type(_, ty) if impl_future_output(ty).is_some() => Shape::ImplFuture,
        ReturnType::Type(_, ty) if boxed_future_output(ty).is_some() => Shape::BoxedFuture,
        _ => Shape::Sync,
    }
}

fn boxed_async(block: &Block) -> Option<Shape<'_>> {
    let (last, before) = block.stmts.split_last()?;
    let Stmt::Expr(Expr::Call(call), None) = last else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let named_pin = func.path.segments.last().is_some_and(|s| s.ident == "pin");
    match (named_pin, call.args.len(), call.args.first()) {
        (true, 1, Some(Expr::Async(future))) => Some(Shape::BoxedAsync {
            before,
            pin: &call.func,
            future,
        }),
        _ => None,
    }
}

/// The type a finished call yields: the declared return type of a sync or async fn, the
/// `Output` of a returned future. `None` for `()`, or when it cannot be read.
pub fn value_type<'a>(sig: &'a Signature, shape: &Shape) -> Option<&'a Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    match shape {
        Shape::Sync | Shape::Async => Some(ty),
        Shape::ImplFuture | Shape::BoxedAsync { .. } | Shape::BoxedFuture => {
            impl_future_output(ty).or_else(|| boxed_future_output(ty))
        }
    }
}

/// Whether the type is spelled `Result<..>`: its last path segment is `Result`.
pub fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_result(&group.elem),
        Type::Paren(paren) => is_result(&paren.elem),
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Result"),
        _ => false,
    }
}

/// Whether the type is `!`.
pub fn is_never(ty: &Type) -> bool {
    match ty {
        Type::Never(_) => true,
        Type::Group(group) => is_never(&group.elem),
        Type::Paren(paren) => is_never(&paren.elem),
        _ => false,
    }
}

/// `T` in `impl Future<Output = T> + ..`.
fn impl_future_output(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(imp) => future_output(imp.bounds.iter()),
        Type::Group(group) => impl_future_output(&group.elem),
        Type::Paren(paren) => impl_future_output(&paren.elem),
        _ => None,
    }
}

/// `T` in `Pin<Box<dyn Future<Output = T> + ..>>`.
fn boxed_future_output(ty: &Type) -> Option<&Type> {
    let boxed = only_type_arg(ty, "Pin")?;
    match only_type_arg(boxed, "Box")? {
        Type::TraitObject(object) => future_output(object.bounds.iter()),
        Type::Paren(paren) => match &*paren.elem {
            Type::TraitObject(object) => future_output(object.bounds.iter()),
            _ => None,
        },
        _ => None,
    }
}

/// The one type argument of `Name<T>`.
fn only_type_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn future_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<&'a Type> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last()?;
        if segment.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// The type with every `impl Trait` in it replaced by `_`, so that it can annotate a
/// closure's return type or a `let`, where `impl Trait` is not allowed.
pub fn inferable(ty: &Type) -> Type {
    let mut ty = ty.clone();
    replace_impl(&mut ty);
    ty
}

fn replace_impl(ty: &mut Type) {
    match ty {
        Type::ImplTrait(imp) => {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](imp.impl_token.span),
            });
        }
        Type::Array(array) => replace_impl(&mut array.elem),
        Type::Group(group) => replace_impl(&mut group.elem),
        Type::Paren(paren) => replace_impl(&mut paren.elem),
        Type::Ptr(ptr) => replace_impl(&mut ptr.elem),
        Type::Reference(reference) => replace_impl(&mut reference.elem),
        Type::Slice(slice) => replace_impl(&mut slice.elem),
        Type::Tuple(tuple) => tuple.elems.iter_mut().for_each(replace_impl),
        Type::Path(path) => {
            for segment in &mut path.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        if let GenericArgument::Type(ty) = arg {
                            replace_impl(ty);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}
