// What `instrument::snapshots::timed_mut_self_method_returning_a_borrow` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

pub fn entry(&mut self, key: &str) -> &mut Vec<u8> {
    static __TALLYMARK_SITE: ::tallymark::__private::TimedSite = ::tallymark::__private::TimedSite::new(::tallymark::__private::Callee {
        function: "entry",
        qualified: "entry",
        module: ::tallymark::__private::module_path!(),
        fallible: false,
        file: ::tallymark::__private::file!(),
        line: ::tallymark::__private::line!(),
    });
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::SiteRegistration::Timed(& __TALLYMARK_SITE)
    }
    let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
    let __tallymark_ret = ::tallymark::__private::call_once(move || -> &mut Vec<u8> {
        self.map.entry(key.to_owned()).or_default()
    });
    __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
    __tallymark_ret
}
