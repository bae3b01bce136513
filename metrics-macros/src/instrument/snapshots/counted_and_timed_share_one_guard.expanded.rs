// What `instrument::snapshots::counted_and_timed_share_one_guard` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

#[inline(never)]
fn handle(request: &str) -> Result<usize, Error> {
    static __TALLYMARK_SITE: ::tallymark::__private::CountedTimedSite = ::tallymark::__private::CountedTimedSite::new(
        ::tallymark::__private::Callee {
            function: "handle",
            qualified: "handle",
            module: ::tallymark::__private::module_path!(),
            fallible: true,
            file: ::tallymark::__private::file!(),
            line: ::tallymark::__private::line!(),
        },
        &__TALLYMARK_SITE.timed,
    );
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::SiteRegistration::Counted(& __TALLYMARK_SITE.counted)
    }
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::SiteRegistration::Timed(& __TALLYMARK_SITE.timed)
    }
    let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
    let __tallymark_ret = ::tallymark::__private::call_once(move || -> Result<
        usize,
        Error,
    > { parse(request) });
    __tallymark_guard
        .finish(::tallymark::__private::Outcome::of_return(&__tallymark_ret));
    __tallymark_ret
}
