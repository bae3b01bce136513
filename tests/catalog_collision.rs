//! Two `#[metric]` declarations of one name in different modules are reported, naming both
//! modules, and never merged. Its own test binary: the conflict lives in the global catalog.

mod api {
    /// Requests served by the API.
    #[tallymark::metric]
    pub static REQUESTS_TOTAL: tallymark::Counter = tallymark::Counter::new();
}

mod db {
    /// Queries run against the database.
    #[tallymark::metric]
    pub static REQUESTS_TOTAL: tallymark::Counter = tallymark::Counter::new();
}

#[test]
fn a_name_declared_in_two_modules_is_an_error_naming_both() {
    let errors: Vec<String> = tallymark::Registry::catalog_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        ["metric `requests_total` is declared twice: in `catalog_collision::api` and in `catalog_collision::db`"]
    );
}

#[test]
fn only_the_first_declaration_is_exposed() {
    api::REQUESTS_TOTAL.inc();
    db::REQUESTS_TOTAL.inc_by(5);
    assert_eq!(
        tallymark::render(),
        "# HELP requests_total Requests served by the API.\n\
         # TYPE requests_total counter\n\
         requests_total 1\n"
    );
}

#[test]
fn the_server_refuses_to_start_on_a_conflicting_catalog() {
    let err = tallymark::serve("127.0.0.1:0").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the metrics catalog has conflicting declarations:\n  \
         metric `requests_total` is declared twice: in `catalog_collision::api` and in `catalog_collision::db`"
    );
}
