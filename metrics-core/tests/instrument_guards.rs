//! Call guards record each call once, with how it ended, into the default families.

use std::panic::{catch_unwind, AssertUnwindSafe};

use tallymark_core::__private::{
    CallGuard, Callee, CountedSite, InFlightSite, Outcome, SiteRegistration, TimedSite,
};
use tallymark_core::Registry;

static PARSE_COUNTED: CountedSite = CountedSite::new(Callee {
    function: "parse",
    qualified: "parse",
    module: "guards",
    fallible: true,
    file: file!(),
    line: line!(),
});
static PARSE_TIMED: TimedSite = TimedSite::new(Callee {
    function: "parse",
    qualified: "parse",
    module: "guards",
    fallible: true,
    file: file!(),
    line: line!(),
});
static PARSE_RUNNING: InFlightSite = InFlightSite::new(Callee {
    function: "parse",
    qualified: "parse",
    module: "guards",
    fallible: true,
    file: file!(),
    line: line!(),
});
static IDLE_COUNTED: CountedSite = CountedSite::new(Callee {
    function: "never_called",
    qualified: "never_called",
    module: "guards",
    fallible: false,
    file: file!(),
    line: line!(),
});

tallymark_core::__private::inventory::submit! { SiteRegistration::Counted(&PARSE_COUNTED) }
tallymark_core::__private::inventory::submit! { SiteRegistration::Timed(&PARSE_TIMED) }
tallymark_core::__private::inventory::submit! { SiteRegistration::InFlight(&PARSE_RUNNING) }
tallymark_core::__private::inventory::submit! { SiteRegistration::Counted(&IDLE_COUNTED) }

/// What a `#[counted] #[timed] #[in_flight] fn parse(..) -> Result<..>` expands to, by hand.
fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    let counted = CallGuard::enter(&PARSE_COUNTED);
    let timed = CallGuard::enter(&PARSE_TIMED);
    let running = CallGuard::enter(&PARSE_RUNNING);
    assert_eq!(PARSE_RUNNING.running(), 1);
    if input == "boom" {
        panic!("parse exploded");
    }
    let result = input.parse();
    let outcome = Outcome::of_result(&result);
    running.finish(outcome);
    timed.finish(outcome);
    counted.finish(outcome);
    result
}

fn family_lines(text: &str, prefix: &str) -> String {
    text.lines()
        .filter(|l| l.starts_with(prefix) && !l.contains("_bucket"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn each_way_a_call_ends_is_counted_timed_and_leaves_nothing_in_flight() {
    assert_eq!(parse("7"), Ok(7));
    assert!(parse("x").is_err());
    let panicked = catch_unwind(AssertUnwindSafe(|| parse("boom")));
    assert!(panicked.is_err());
    {
        // A call abandoned part-way, as a dropped future is.
        let _abandoned = CallGuard::enter(&PARSE_COUNTED);
    }

    let text = Registry::global().render();
    assert_eq!(
        family_lines(&text, "function_calls_total"),
        "function_calls_total{function=\"never_called\",module=\"guards\",result=\"ok\"} 0\n\
         function_calls_total{function=\"parse\",module=\"guards\",result=\"ok\"} 1\n\
         function_calls_total{function=\"parse\",module=\"guards\",result=\"error\"} 1\n\
         function_calls_total{function=\"parse\",module=\"guards\",result=\"panic\"} 1\n\
         function_calls_total{function=\"parse\",module=\"guards\",result=\"cancelled\"} 1\n"
    );
    assert_eq!(
        family_lines(&text, "function_calls_duration_seconds_count"),
        "function_calls_duration_seconds_count{function=\"parse\",module=\"guards\",result=\"ok\"} 1\n\
         function_calls_duration_seconds_count{function=\"parse\",module=\"guards\",result=\"error\"} 1\n\
         function_calls_duration_seconds_count{function=\"parse\",module=\"guards\",result=\"panic\"} 1\n"
    );
    assert_eq!(
        family_lines(&text, "function_calls_concurrent"),
        "function_calls_concurrent{function=\"parse\",module=\"guards\"} 0\n"
    );
    assert!(text.contains(
        "# HELP function_calls_duration_seconds Duration of calls of functions annotated with #[timed], by how they ended.\n\
         # TYPE function_calls_duration_seconds histogram\n"
    ));
}
