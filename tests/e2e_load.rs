//! A load test of the standalone server: `wrk` (Debian package `wrk`) drives the
//! quickstart example's `/metrics` on loopback for 10 s with 50 connections. No request
//! may fail, the server must answer afterwards, and its memory must stay steady.
//!
//! It runs only with `TALLYMARK_E2E=1`, as CI sets: ten seconds of two busy cores is too
//! much for every `cargo test`.

mod support;

use std::process::Command;

use support::{e2e_only, request, require_binary, Example};

/// How much the server's resident memory may grow over the 10 s run, after a 2 s warm-up
/// run has brought every connection's buffers and the allocator's pools to their working
/// size. A debug build answers about 40 000 requests in the run, so a leak of about 100 bytes
/// per request would exceed this; the growth measured here without a leak is under 100 KiB,
/// so allocator noise (freed pages not given back at once) stays far below it.
const RSS_GROWTH_BOUND: u64 = 4 * 1024 * 1024;

/// The resident memory of process `pid`, in bytes, as the kernel counts it.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("a VmRSS line");
    kib * 1024
}

/// Runs wrk for `seconds` with 50 connections on 2 threads and returns its report.
fn wrk(binary: &std::path::Path, url: &str, seconds: u32) -> String {
    let output = Command::new(binary)
        .args([
            "-t2",
            "-c50",
            &format!("-d{seconds}s"),
            "--timeout",
            "5s",
            url,
        ])
        .output()
        .expect("run wrk");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "wrk failed: {report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

/// How many requests a wrk report counts, after checking it saw no error.
fn requests_without_errors(report: &str) -> u64 {
    // wrk prints these lines only when there was at least one.
    assert!(!report.contains("Socket errors"), "{report}");
    assert!(!report.contains("Non-2xx or 3xx responses"), "{report}");
    report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in {report}"))
}

#[test]
fn the_standalone_server_takes_wrk_load_without_errors_or_growth() {
    if !e2e_only("the wrk load test") {
        return;
    }
    let Some(binary) = require_binary(&["wrk"], "install the Debian package wrk") else {
        return;
    };
    let mut quickstart = Example::start("quickstart");
    let pid = quickstart.process.id();
    let url = format!("http://{}/metrics", quickstart.addr);

    requests_without_errors(&wrk(&binary, &url, 2));
    let before = resident_bytes(pid);
    let report = wrk(&binary, &url, 10);
    let requests = requests_without_errors(&report);
    let after = resident_bytes(pid);
    quickstart.process.assert_running();
    eprintln!("wrk: {requests} requests; server RSS {before} -> {after} bytes");

    assert!(requests > 1000, "{report}");
    let scrape = request(quickstart.addr, "GET", "/metrics", &[], b"").expect("scrape after");
    assert_eq!(scrape.status, 200);
    // `serve` adds the process collector, whose figure agrees with the kernel's.
    let reported: f64 = scrape
        .text()
        .lines()
        .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
        .and_then(|v| v.parse().ok())
        .expect("process_resident_memory_bytes in the scrape");
    assert!(
        (reported - after as f64).abs() < 4.0 * 1024.0 * 1024.0,
        "{reported} vs {after}"
    );
    assert!(
        after <= before + RSS_GROWTH_BOUND,
        "RSS grew from {before} to {after} bytes over {requests} requests"
    );
}
