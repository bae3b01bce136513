//! `serve` refuses a global catalog with two families of one name. This is its own test
//! binary because a submitted conflict stays in the catalog for the whole process.

use tallymark_core::__private::{inventory, Registration};
use tallymark_core::{Counter, Descriptor};
use tallymark_http::ServeError;

static API_REQUESTS: Counter = Counter::new().described(
    const { &Descriptor::new("requests_total", "Requests served.").with_module("app::api") },
);
static DB_REQUESTS: Counter = Counter::new()
    .described(const { &Descriptor::new("requests_total", "Queries run.").with_module("app::db") });

inventory::submit!(Registration::new(&API_REQUESTS));
inventory::submit!(Registration::new(&DB_REQUESTS));

#[test]
fn serve_refuses_a_catalog_with_a_name_declared_twice() {
    let err = tallymark_http::serve("127.0.0.1:0").unwrap_err();
    assert!(matches!(err, ServeError::Catalog(ref conflicts) if conflicts.len() == 1));
    assert_eq!(
        err.to_string(),
        "the metrics catalog has conflicting declarations:\n  \
         metric `requests_total` is declared twice: in `app::api` and in `app::db`"
    );
}
