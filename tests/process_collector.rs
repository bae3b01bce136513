//! The process collector reports plausible figures for this very test process, and the
//! standalone server adds it to the global registry unless told not to.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use support::request;
use tallymark::process::{self, ProcessStats};
use tallymark::{Registry, ServeOptions};

#[cfg(target_os = "linux")]
#[test]
fn process_figures_are_plausible() {
    let stats = ProcessStats::read();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs_f64();
    let started = stats.start_time_seconds.expect("a start time");
    assert!(
        (now - 60.0..=now + 1.0).contains(&started),
        "started {started}, now {now}"
    );
    let rss = stats.resident_memory_bytes.expect("resident memory");
    let virtual_memory = stats.virtual_memory_bytes.expect("virtual memory");
    assert!(
        rss > 0.0 && virtual_memory >= rss,
        "rss {rss}, virtual {virtual_memory}"
    );
    // stdin, stdout and stderr at least.
    let open = stats.open_fds.expect("open fds");
    let max = stats.max_fds.expect("an fd limit");
    assert!(open >= 3.0 && max >= open, "open {open}, max {max}");
    assert!(stats.threads.expect("threads") >= 1.0);
    assert!(stats.cpu_seconds.expect("cpu time") >= 0.0);
}

#[cfg(target_os = "linux")]
#[test]
fn a_registry_exposes_every_process_family_once() {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    assert!(process::register(registry));
    assert!(
        !process::register(registry),
        "a second registration is a no-op"
    );
    let text = registry.render();
    let types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE ")).collect();
    assert_eq!(
        types,
        [
            "# TYPE process_cpu_seconds_total counter",
            "# TYPE process_resident_memory_bytes gauge",
            "# TYPE process_virtual_memory_bytes gauge",
            "# TYPE process_open_fds gauge",
            "# TYPE process_max_fds gauge",
            "# TYPE process_start_time_seconds gauge",
            "# TYPE process_threads gauge",
        ]
    );
}

#[test]
fn serve_adds_process_metrics_to_the_global_registry() {
    let server = tallymark::serve("127.0.0.1:0").expect("serve");
    let body = request(server.local_addr(), "GET", "/metrics", &[], b"").expect("scrape");
    let has_rss = body.text().contains("process_resident_memory_bytes ");
    assert_eq!(has_rss, cfg!(target_os = "linux"), "{}", body.text());
    server.stop();
}

#[test]
fn the_server_adds_process_metrics_only_where_asked() {
    let explicit: &'static Registry = Box::leak(Box::new(Registry::new()));
    let plain = ServeOptions::new()
        .registry(explicit)
        .serve("127.0.0.1:0")
        .expect("serve");
    let body = request(plain.local_addr(), "GET", "/metrics", &[], b"").expect("scrape");
    assert_eq!(
        body.text(),
        "",
        "an explicit registry shows only what was put in it"
    );
    plain.stop();

    let asked: &'static Registry = Box::leak(Box::new(Registry::new()));
    let server = ServeOptions::new()
        .registry(asked)
        .process_metrics(true)
        .serve("127.0.0.1:0")
        .expect("serve");
    let body = request(server.local_addr(), "GET", "/metrics", &[], b"").expect("scrape");
    let has_rss = body.text().contains("\nprocess_resident_memory_bytes ");
    assert_eq!(has_rss, cfg!(target_os = "linux"), "{}", body.text());
    server.stop();
}
