// What `instrument::snapshots::counted_and_timed_with_other_arguments_stay_apart` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

#[counted]
fn handle(request: &str) -> Result<usize, Error> {
    static __TALLYMARK_SITE: ::tallymark::__private::TimedSite = ::tallymark::__private::TimedSite::new(::tallymark::__private::Callee {
        function: "handle",
        qualified: "handle",
        module: ::tallymark::__private::module_path!(),
        fallible: false,
        file: ::tallymark::__private::file!(),
        line: ::tallymark::__private::line!(),
    });
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::SiteRegistration::Timed(& __TALLYMARK_SITE)
    }
    let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
    let __tallymark_ret = ::tallymark::__private::call_once(move || -> Result<
        usize,
        Error,
    > { parse(request) });
    __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
    __tallymark_ret
}
