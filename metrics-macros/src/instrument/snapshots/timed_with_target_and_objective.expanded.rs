// What `instrument::snapshots::timed_with_target_and_objective` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

fn serve(request: &str) -> Result<Response, Error> {
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::ObjectiveRegistration::new(::tallymark::__private::Callee
        { function : "serve", qualified : "serve", module :
        ::tallymark::__private::module_path!(), fallible : true, file :
        ::tallymark::__private::file!(), line : ::tallymark::__private::line!(), },
        ::tallymark::__private::Objective::Latency { threshold_seconds : 0.25f64,
        percentile : 99f64, }, ::tallymark::__private::Some(||
        ::tallymark::__private::Metric::descriptor(& REQUEST_DURATION_SECONDS)))
    }
    let __tallymark_guard = ::tallymark::__private::CallGuard::enter(
        ::tallymark::__private::single_series_recorder(
            ::tallymark::__private::timed_target(&REQUEST_DURATION_SECONDS),
        ),
    );
    let __tallymark_ret = ::tallymark::__private::call_once(move || -> Result<
        Response,
        Error,
    > { route(request) });
    __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
    __tallymark_ret
}
