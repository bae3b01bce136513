//! For the tests of the page for people: a registry holding one family of each kind the
//! page draws, one label value a script tag, and the Accept header browsers send.

use std::sync::Arc;

use tallymark::{CounterFamily, Descriptor, Gauge, HistogramFamily, Registry, StateSet, Summary};

/// What Firefox and Chromium send when they load a page.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A label value that would retitle the page if it ran as a script.
pub const HOSTILE_LABEL: &str = "<script>document.title='pwned'</script>";

/// Every family of [`page_registry`], as `(name, HELP)`.
pub const FAMILIES: [(&str, &str); 6] = [
    ("http_requests_total", "Requests served."),
    ("hostile_total", "Help with <b>markup</b> & \"quotes\"."),
    ("queue_wait_seconds", "Time spent queued."),
    ("payload_bytes", "Payload sizes."),
    ("queue_depth", "Queued jobs."),
    ("phase", "Lifecycle phase."),
];

const REQUESTS: Descriptor =
    Descriptor::new(FAMILIES[0].0, FAMILIES[0].1).with_labels(&["method", "code"]);
const HOSTILE: Descriptor = Descriptor::new(FAMILIES[1].0, FAMILIES[1].1).with_labels(&["path"]);
const WAIT: Descriptor = Descriptor::new(FAMILIES[2].0, FAMILIES[2].1)
    .with_unit("seconds")
    .with_labels(&["queue"])
    .with_buckets(&[0.1, 0.5, 1.0]);
const SIZE: Descriptor = Descriptor::new(FAMILIES[3].0, FAMILIES[3].1);
const DEPTH: Descriptor = Descriptor::new(FAMILIES[4].0, FAMILIES[4].1);
const PHASE: Descriptor = Descriptor::new(FAMILIES[5].0, FAMILIES[5].1);

/// A fresh registry, leaked for a server, with the families of [`FAMILIES`].
pub fn page_registry() -> &'static Registry {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let requests = Arc::new(CounterFamily::<2>::new().described(&REQUESTS));
    requests.labels(["GET", "200"]).inc_by(3);
    requests.labels(["POST", "500"]).inc();
    let hostile = Arc::new(CounterFamily::<1>::new().described(&HOSTILE));
    hostile.labels([HOSTILE_LABEL]).inc();
    let wait = Arc::new(HistogramFamily::<1>::new().described(&WAIT));
    for v in [0.05, 0.05, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.7, 0.9] {
        wait.labels(["fast"]).observe(v);
    }
    let size = Arc::new(Summary::new().described(&SIZE));
    for v in [10.0, 20.0, 30.0] {
        size.observe(v);
    }
    let depth = Arc::new(Gauge::new().described(&DEPTH));
    depth.set(7.5);
    let phase = Arc::new(StateSet::new(&["starting", "running"]).described(&PHASE));
    registry.register(requests).expect("register requests");
    registry.register(hostile).expect("register hostile");
    registry.register(wait).expect("register wait");
    registry.register(size).expect("register size");
    registry.register(depth).expect("register depth");
    registry.register(phase).expect("register phase");
    registry
}
