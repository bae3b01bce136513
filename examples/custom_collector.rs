//! The tutorial's `DatabaseCollector`: families computed at scrape time from a source the
//! program owns, here a stand-in for a database's statistics endpoint.
//!
//! ```text
//! cargo run --example custom_collector -- --addr 127.0.0.1:8001
//! ```

mod support;

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::sleep;
use std::time::Duration;

use tallymark::{Collection, Collector};

/// What the database reports about itself; the application updates it as it works.
#[derive(Default)]
struct DatabaseStats {
    active_queries: AtomicU64,
    idle: AtomicU64,
    active: AtomicU64,
    waiting: AtomicU64,
}

/// Reads the statistics when Prometheus scrapes, so the numbers are never stale.
struct DatabaseCollector {
    stats: Arc<DatabaseStats>,
}

impl Collector for DatabaseCollector {
    fn collect(&self, out: &mut Collection) {
        let stats = &self.stats;
        out.gauge("db_active_queries", "Number of active database queries")
            .sample(&[], stats.active_queries.load(Relaxed) as f64);
        out.gauge("db_connection_pool_size", "Database connection pool size")
            .sample(&[("state", "idle")], stats.idle.load(Relaxed) as f64)
            .sample(&[("state", "active")], stats.active.load(Relaxed) as f64)
            .sample(&[("state", "waiting")], stats.waiting.load(Relaxed) as f64);
    }
}

fn main() -> ExitCode {
    let stats = Arc::new(DatabaseStats::default());
    tallymark::register_collector(DatabaseCollector {
        stats: Arc::clone(&stats),
    });
    let Some(_server) = support::serve_from_args("custom_collector") else {
        return ExitCode::FAILURE;
    };
    // A pretend workload that moves connections between states.
    loop {
        let active = fastrand::u64(0..=10);
        stats
            .active_queries
            .store(fastrand::u64(0..=active), Relaxed);
        stats.active.store(active, Relaxed);
        stats.idle.store(10 - active, Relaxed);
        stats.waiting.store(fastrand::u64(0..=3), Relaxed);
        sleep(Duration::from_millis(500));
    }
}
