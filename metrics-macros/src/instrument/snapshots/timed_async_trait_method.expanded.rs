// What `instrument::snapshots::timed_async_trait_method` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

#[allow(
    clippy::async_yields_async,
    clippy::diverging_sub_expression,
    clippy::let_unit_value,
    clippy::needless_arbitrary_self_type,
    clippy::no_effect_underscore_binding,
    clippy::shadow_same,
    clippy::type_complexity,
    clippy::type_repetition_in_bounds,
    clippy::used_underscore_binding
)]
fn load<'life0, 'async_trait>(
    &'life0 self,
    id: u32,
) -> ::core::pin::Pin<
    Box<
        dyn ::core::future::Future<
            Output = Result<Row, Error>,
        > + ::core::marker::Send + 'async_trait,
    >,
>
where
    'life0: 'async_trait,
    Self: 'async_trait,
{
    static __TALLYMARK_SITE: ::tallymark::__private::TimedSite = ::tallymark::__private::TimedSite::new(::tallymark::__private::Callee {
        function: "load",
        qualified: "load",
        module: ::tallymark::__private::module_path!(),
        fallible: true,
        file: ::tallymark::__private::file!(),
        line: ::tallymark::__private::line!(),
    });
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::SiteRegistration::Timed(& __TALLYMARK_SITE)
    }
    Box::pin(async move {
        let __tallymark_guard = ::tallymark::__private::CallGuard::enter(
            &__TALLYMARK_SITE,
        );
        let __tallymark_ret = async move {
            if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<
                Result<Row, Error>,
            > {
                #[allow(unreachable_code)] return __ret;
            }
            let __self = self;
            let id = id;
            let __ret: Result<Row, Error> = { __self.db.row(id).await };
            #[allow(unreachable_code)] __ret
        }
            .await;
        __tallymark_guard
            .finish(::tallymark::__private::Outcome::of_return(&__tallymark_ret));
        __tallymark_ret
    })
}
