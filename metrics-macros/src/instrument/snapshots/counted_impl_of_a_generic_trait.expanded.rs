// What `instrument::snapshots::counted_impl_of_a_generic_trait` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

impl TryFrom<&str> for Port {
    type Error = ParseIntError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        static __TALLYMARK_SITE: ::tallymark::__private::CountedSite = ::tallymark::__private::CountedSite::new(::tallymark::__private::Callee {
            function: "<Port as TryFrom<&str>>::try_from",
            qualified: "<Port as TryFrom<&str>>::try_from",
            module: ::tallymark::__private::module_path!(),
            fallible: true,
            file: ::tallymark::__private::file!(),
            line: ::tallymark::__private::line!(),
        });
        ::tallymark::__private::inventory::submit! {
            ::tallymark::__private::SiteRegistration::Counted(& __TALLYMARK_SITE)
        }
        let __tallymark_guard = ::tallymark::__private::CallGuard::enter(
            &__TALLYMARK_SITE,
        );
        let __tallymark_ret = ::tallymark::__private::call_once(move || -> Result<
            Self,
            Self::Error,
        > { text.parse().map(Port) });
        __tallymark_guard
            .finish(::tallymark::__private::Outcome::of_return(&__tallymark_ret));
        __tallymark_ret
    }
}
