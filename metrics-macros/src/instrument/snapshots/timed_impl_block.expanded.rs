// What `instrument::snapshots::timed_impl_block` expects.
// Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.

impl<T: Clone> Cache<T> {
    pub fn get(&self, key: &str) -> Option<T> {
        static __TALLYMARK_SITE: ::tallymark::__private::TimedSite = ::tallymark::__private::TimedSite::new(::tallymark::__private::Callee {
            function: "Cache::get",
            qualified: "Cache<T>::get",
            module: ::tallymark::__private::module_path!(),
            fallible: false,
            file: ::tallymark::__private::file!(),
            line: ::tallymark::__private::line!(),
        });
        ::tallymark::__private::inventory::submit! {
            ::tallymark::__private::SiteRegistration::Timed(& __TALLYMARK_SITE)
        }
        let __tallymark_guard = ::tallymark::__private::CallGuard::enter(
            &__TALLYMARK_SITE,
        );
        let __tallymark_ret = ::tallymark::__private::call_once(move || -> Option<T> {
            self.map.get(key).cloned()
        });
        __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
        __tallymark_ret
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    async fn load(&self, key: &str) -> Result<T, Error> {
        let __tallymark_guard = ::tallymark::__private::CallGuard::enter(
            ::tallymark::__private::single_series_recorder(
                ::tallymark::__private::timed_target(&LOAD_SECONDS),
            ),
        );
        let __tallymark_ret = async move {
            #[allow(
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::let_with_type_underscore,
                clippy::needless_return,
                clippy::unreachable
            )]
            if false {
                let __tallymark_fake_return: Result<T, Error> = loop {};
                return __tallymark_fake_return;
            }
            { self.backend.fetch(key).await }
        }
            .await;
        __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
        __tallymark_ret
    }
}
