// What `instrument::snapshots::counted_with_literal_labels_remembers_its_series` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

fn list_users() -> Vec<User> {
    static __TALLYMARK_SERIES: ::tallymark::__private::SiteSeries = ::tallymark::__private::SiteSeries::new();
    let __tallymark_series = ::tallymark::__private::site_series(
        ::tallymark::__private::counted_target(&REQUESTS_TOTAL),
        &__TALLYMARK_SERIES,
        REQUESTS_TOTAL {
            method: "GET",
            endpoint: "/api/users",
        },
    );
    let __tallymark_guard = ::tallymark::__private::CallGuard::enter(
        &__tallymark_series,
    );
    let __tallymark_ret = ::tallymark::__private::call_once(move || -> Vec<User> {
        Vec::new()
    });
    __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
    __tallymark_ret
}
