// What `instrument::snapshots::counted_with_objective` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

fn charge(card: &Card) -> Result<Receipt, Declined> {
    static __TALLYMARK_SITE: ::tallymark::__private::CountedSite = ::tallymark::__private::CountedSite::new(::tallymark::__private::Callee {
        function: "charge",
        qualified: "charge",
        module: ::tallymark::__private::module_path!(),
        fallible: true,
        file: ::tallymark::__private::file!(),
        line: ::tallymark::__private::line!(),
    });
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::SiteRegistration::Counted(& __TALLYMARK_SITE)
    }
    ::tallymark::__private::inventory::submit! {
        ::tallymark::__private::ObjectiveRegistration::new(::tallymark::__private::Callee
        { function : "charge", qualified : "charge", module :
        ::tallymark::__private::module_path!(), fallible : true, file :
        ::tallymark::__private::file!(), line : ::tallymark::__private::line!(), },
        ::tallymark::__private::Objective::Success { percent : 99.9f64 },
        ::tallymark::__private::None)
    }
    let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
    let __tallymark_ret = ::tallymark::__private::call_once(move || -> Result<
        Receipt,
        Declined,
    > { card.charge() });
    __tallymark_guard
        .finish(::tallymark::__private::Outcome::of_return(&__tallymark_ret));
    __tallymark_ret
}
