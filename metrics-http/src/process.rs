//! The process collector: CPU time, memory, file descriptors, threads and start time of
//! this process, under the names client_golang and Python's client use, so the standard
//! dashboards and alerts work unchanged.
//!
//! ```
//! use tallymark_core::Registry;
//!
//! let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
//! tallymark_http::process::register(registry);
//! let text = registry.render();
//! # #[cfg(target_os = "linux")]
//! assert!(text.contains("# TYPE process_resident_memory_bytes gauge\n"));
//! ```
//!
//! On Linux the values come from `/proc/self`, read at each scrape; that is a handful of
//! small files, so this needs no dependency (the `procfs` crate would add a dozen for the
//! same seven numbers). Elsewhere the collector reports nothing rather than guesses.

use std::sync::Mutex;

use tallymark_core::{Collection, Collector, Registry};

/// The process's figures at one moment; a field is `None` when the system does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ProcessStats {
    /// User and system CPU time spent, in seconds.
    pub cpu_seconds: Option<f64>,
    /// Resident memory, in bytes.
    pub resident_memory_bytes: Option<f64>,
    /// Virtual memory, in bytes.
    pub virtual_memory_bytes: Option<f64>,
    /// Open file descriptors.
    pub open_fds: Option<f64>,
    /// The soft limit on open file descriptors.
    pub max_fds: Option<f64>,
    /// When the process started, in Unix seconds.
    pub start_time_seconds: Option<f64>,
    /// OS threads.
    pub threads: Option<f64>,
}

impl ProcessStats {
    /// Reads the figures of the calling process.
    ///
    /// ```
    /// let stats = tallymark_http::process::ProcessStats::read();
    /// # #[cfg(target_os = "linux")]
    /// assert!(stats.resident_memory_bytes.unwrap() > 0.0);
    /// ```
    pub fn read() -> ProcessStats {
        #[cfg(target_os = "linux")]
        {
            linux::read()
        }
        #[cfg(not(target_os = "linux"))]
        {
            ProcessStats::default()
        }
    }
}

/// Exposes [`ProcessStats`] at every scrape; [`register`] adds it to a registry.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessCollector;

impl Collector for ProcessCollector {
    fn collect(&self, out: &mut Collection) {
        let stats = ProcessStats::read();
        if let Some(v) = stats.cpu_seconds {
            out.counter(
                "process_cpu_seconds_total",
                "Total user and system CPU time spent in seconds.",
            )
            .sample(&[], v);
        }
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                stats.resident_memory_bytes,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                stats.virtual_memory_bytes,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors.",
                stats.open_fds,
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors.",
                stats.max_fds,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                stats.start_time_seconds,
            ),
            ("process_threads", "Number of OS threads.", stats.threads),
        ];
        for (name, help, value) in gauges {
            if let Some(v) = value {
                out.gauge(name, help).sample(&[], v);
            }
        }
    }
}

/// Adds the process collector to `registry`, once: later calls for the same registry do
/// nothing and return `false`. The standalone server calls this for the global registry
/// unless told not to.
pub fn register(registry: &'static Registry) -> bool {
    // Registries are compared by address; a `'static` one is never freed, so an address
    // cannot be reused by another.
    static REGISTERED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let address = std::ptr::from_ref(registry) as usize;
    let mut registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    if registered.contains(&address) {
        return false;
    }
    registered.push(address);
    registry.register_collector(ProcessCollector);
    true
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;

    use super::ProcessStats;

    /// The unit of the CPU and start times in `/proc`: USER_HZ, which the kernel fixes at
    /// 100 for user space on every architecture Rust targets, whatever its internal HZ.
    const TICKS_PER_SECOND: f64 = 100.0;

    pub(super) fn read() -> ProcessStats {
        let mut stats = ProcessStats::default();
        if let Ok(stat) = fs::read_to_string("/proc/self/stat") {
            read_stat(&stat, &mut stats);
        }
        if let Ok(status) = fs::read_to_string("/proc/self/status") {
            stats.resident_memory_bytes = status_kib(&status, "VmRSS:").map(|kib| kib * 1024.0);
        }
        stats.open_fds = fs::read_dir("/proc/self/fd")
            .ok()
            .map(|entries| entries.count() as f64);
        stats.max_fds = fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|limits| soft_limit(&limits, "Max open files"));
        stats
    }

    /// Fields of `/proc/self/stat`, counted after the parenthesised command name, which
    /// may itself hold spaces and parentheses.
    fn read_stat(stat: &str, stats: &mut ProcessStats) {
        let Some((_, after_name)) = stat.rsplit_once(')') else {
            return;
        };
        // Field 3 of proc(5) (the state) is index 0 here.
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
        if let (Some(user), Some(system)) = (field(14), field(15)) {
            stats.cpu_seconds = Some((user + system) / TICKS_PER_SECOND);
        }
        stats.threads = field(20);
        stats.virtual_memory_bytes = field(23);
        let boot_time = fs::read_to_string("/proc/stat").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<f64>().ok())
        });
        if let (Some(boot), Some(ticks)) = (boot_time, field(22)) {
            stats.start_time_seconds = Some(boot + ticks / TICKS_PER_SECOND);
        }
    }

    /// A `Name:   1234 kB` line of `/proc/self/status`, in KiB.
    fn status_kib(status: &str, key: &str) -> Option<f64> {
        let line = status.lines().find_map(|l| l.strip_prefix(key))?;
        line.split_whitespace().next()?.parse().ok()
    }

    /// The soft limit of one `/proc/self/limits` row; `None` when unlimited.
    fn soft_limit(limits: &str, row: &str) -> Option<f64> {
        let rest = limits.lines().find_map(|l| l.strip_prefix(row))?;
        rest.split_whitespace().next()?.parse().ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn stat_fields_are_counted_after_the_command_name() {
            // A command name with a space and a parenthesis, as a process can choose.
            let stat = "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 \
                        1000 123456 300 18446744073709551615";
            let mut stats = ProcessStats::default();
            read_stat(stat, &mut stats);
            assert_eq!(stats.cpu_seconds, Some(3.0));
            assert_eq!(stats.threads, Some(7.0));
            assert_eq!(stats.virtual_memory_bytes, Some(123_456.0));
        }

        #[test]
        fn limits_and_status_rows_are_read() {
            let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                          Max open files            1024                 524288               files     \n";
            assert_eq!(soft_limit(limits, "Max open files"), Some(1024.0));
            assert_eq!(
                soft_limit("Max open files unlimited unlimited files", "Max open files"),
                None
            );
            assert_eq!(
                status_kib("Name:\tx\nVmRSS:\t  2048 kB\n", "VmRSS:"),
                Some(2048.0)
            );
        }
    }
}
