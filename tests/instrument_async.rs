//! The attributes on async functions: `async fn`, methods, fns returning `impl Future`,
//! and `#[async_trait]` methods with our attribute above or below it. Each call is
//! recorded once, as `ok`, `error`, `panic` or `cancelled`, and its time spans its awaits.

mod instrument_support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use instrument_support::{calls, concurrent, duration_sums, durations};
use tallymark::{counted, in_flight, timed};
use tokio::time::{sleep, timeout};

const MODULE: &str = "instrument_async";

#[derive(Debug, PartialEq)]
struct Refused;

/// Sleeps 20 ms, then fails on request.
#[counted]
#[timed]
#[in_flight]
async fn fetch(fail: bool) -> Result<u32, Refused> {
    sleep(Duration::from_millis(20)).await;
    if fail {
        return Err(Refused);
    }
    Ok(7)
}

#[tokio::test]
async fn async_fn_counts_results_and_times_its_awaits() {
    assert_eq!(fetch(false).await, Ok(7));
    assert_eq!(fetch(false).await, Ok(7));
    assert_eq!(fetch(true).await, Err(Refused));

    assert_eq!(
        calls("fetch", MODULE),
        "function_calls_total{function=\"fetch\",module=\"instrument_async\",result=\"ok\"} 2\n\
         function_calls_total{function=\"fetch\",module=\"instrument_async\",result=\"error\"} 1\n"
    );
    assert_eq!(
        durations("fetch", MODULE),
        "function_calls_duration_seconds_count{function=\"fetch\",module=\"instrument_async\",result=\"ok\"} 2\n\
         function_calls_duration_seconds_count{function=\"fetch\",module=\"instrument_async\",result=\"error\"} 1\n"
    );
    let sums = duration_sums("fetch", MODULE);
    assert_eq!(sums.len(), 2, "{sums:?}");
    assert_eq!(sums[0].0, "ok");
    assert!(sums[0].1 >= 2.0 * 0.02, "{sums:?}");
    assert_eq!(sums[1].0, "error");
    assert!(sums[1].1 >= 0.02, "{sums:?}");
}

/// Runs until told to stop, so its in-flight count can be read from outside.
#[in_flight]
#[counted]
async fn held_open(release: tokio::sync::oneshot::Receiver<()>) {
    let _ = release.await;
}

#[tokio::test]
async fn in_flight_is_one_while_running_and_zero_after() {
    let (release, wait) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(held_open(wait));
    sleep(Duration::from_millis(5)).await;
    assert_eq!(
        concurrent("held_open", MODULE),
        "function_calls_concurrent{function=\"held_open\",module=\"instrument_async\"} 1\n"
    );
    release.send(()).unwrap();
    task.await.unwrap();
    assert_eq!(
        concurrent("held_open", MODULE),
        "function_calls_concurrent{function=\"held_open\",module=\"instrument_async\"} 0\n"
    );
}

#[counted]
#[timed]
#[in_flight]
async fn slow_to_cancel() -> u8 {
    sleep(Duration::from_secs(60)).await;
    1
}

#[tokio::test]
async fn future_dropped_by_timeout_records_cancelled() {
    assert!(timeout(Duration::from_millis(10), slow_to_cancel())
        .await
        .is_err());
    assert!(timeout(Duration::from_millis(10), slow_to_cancel())
        .await
        .is_err());

    assert_eq!(
        calls("slow_to_cancel", MODULE),
        "function_calls_total{function=\"slow_to_cancel\",module=\"instrument_async\",result=\"ok\"} 0\n\
         function_calls_total{function=\"slow_to_cancel\",module=\"instrument_async\",result=\"cancelled\"} 2\n"
    );
    assert_eq!(
        durations("slow_to_cancel", MODULE),
        "function_calls_duration_seconds_count{function=\"slow_to_cancel\",module=\"instrument_async\",result=\"ok\"} 0\n\
         function_calls_duration_seconds_count{function=\"slow_to_cancel\",module=\"instrument_async\",result=\"cancelled\"} 2\n"
    );
    let sums = duration_sums("slow_to_cancel", MODULE);
    assert!(sums[1].1 >= 2.0 * 0.01, "{sums:?}");
    assert_eq!(
        concurrent("slow_to_cancel", MODULE),
        "function_calls_concurrent{function=\"slow_to_cancel\",module=\"instrument_async\"} 0\n"
    );
}

/// A future that is never polled never started: nothing is recorded.
#[tokio::test]
async fn future_dropped_before_its_first_poll_records_nothing() {
    drop(never_polled());
    assert_eq!(
        calls("never_polled", MODULE),
        "function_calls_total{function=\"never_polled\",module=\"instrument_async\",result=\"ok\"} 0\n"
    );
}

#[counted]
async fn never_polled() {}

#[counted]
#[timed]
#[in_flight]
async fn explodes_after_await() -> u8 {
    tokio::task::yield_now().await;
    panic!("explodes_after_await");
}

/// The panic unwinds through the future's poll, which drops the guard while the thread is
/// panicking: `panic`, not `cancelled`, whether the runtime catches it in a spawned task
/// or the caller catches it around `block_on`.
#[test]
fn panic_inside_an_async_fn_records_panic_not_cancelled() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let spawned = runtime.block_on(async { tokio::spawn(explodes_after_await()).await });
    assert!(spawned.unwrap_err().is_panic());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(explodes_after_await())
    }));
    assert!(caught.is_err());

    assert_eq!(
        calls("explodes_after_await", MODULE),
        "function_calls_total{function=\"explodes_after_await\",module=\"instrument_async\",result=\"ok\"} 0\n\
         function_calls_total{function=\"explodes_after_await\",module=\"instrument_async\",result=\"panic\"} 2\n"
    );
    assert_eq!(
        concurrent("explodes_after_await", MODULE),
        "function_calls_concurrent{function=\"explodes_after_await\",module=\"instrument_async\"} 0\n"
    );
}

/// A connection pool with async methods taking `self` every way.
#[derive(Default)]
struct Pool {
    open: Vec<u32>,
}

#[timed]
#[counted]
impl Pool {
    async fn open(&mut self, id: u32) -> &mut Vec<u32> {
        tokio::task::yield_now().await;
        self.open.push(id);
        &mut self.open
    }

    async fn count(&self) -> usize {
        self.open.len()
    }

    async fn close(self) -> Result<usize, Refused> {
        if self.open.is_empty() {
            return Err(Refused);
        }
        Ok(self.open.len())
    }
}

#[tokio::test]
async fn async_methods_on_an_impl_block_are_counted_as_type_method() {
    let mut pool = Pool::default();
    pool.open(1).await.push(2);
    assert_eq!(pool.count().await, 2);
    assert_eq!(pool.close().await, Ok(2));
    assert_eq!(Pool::default().close().await, Err(Refused));

    let ok = |function: &str| {
        format!("function_calls_total{{function=\"{function}\",module=\"instrument_async\",result=\"ok\"}} 1\n")
    };
    assert_eq!(calls("Pool::open", MODULE), ok("Pool::open"));
    assert_eq!(calls("Pool::count", MODULE), ok("Pool::count"));
    assert_eq!(
        calls("Pool::close", MODULE),
        "function_calls_total{function=\"Pool::close\",module=\"instrument_async\",result=\"ok\"} 1\n\
         function_calls_total{function=\"Pool::close\",module=\"instrument_async\",result=\"error\"} 1\n"
    );
}

/// Not an `async fn`: the future it returns is timed from its first poll, not from the
/// call that built it.
#[timed]
#[counted]
fn deferred(millis: u64) -> impl std::future::Future<Output = Result<u64, Refused>> + Send {
    async move {
        sleep(Duration::from_millis(millis)).await;
        if millis == 0 {
            Err(Refused)
        } else {
            Ok(millis)
        }
    }
}

#[tokio::test]
async fn fn_returning_impl_future_is_timed_from_first_poll_to_completion() {
    let future = deferred(20);
    sleep(Duration::from_millis(30)).await;
    assert_eq!(
        durations("deferred", MODULE),
        "function_calls_duration_seconds_count{function=\"deferred\",module=\"instrument_async\",result=\"ok\"} 0\n\
         function_calls_duration_seconds_count{function=\"deferred\",module=\"instrument_async\",result=\"error\"} 0\n"
    );
    assert_eq!(future.await, Ok(20));
    assert_eq!(deferred(0).await, Err(Refused));
    assert!(timeout(Duration::from_millis(5), deferred(1000))
        .await
        .is_err());

    assert_eq!(
        calls("deferred", MODULE),
        "function_calls_total{function=\"deferred\",module=\"instrument_async\",result=\"ok\"} 1\n\
         function_calls_total{function=\"deferred\",module=\"instrument_async\",result=\"error\"} 1\n\
         function_calls_total{function=\"deferred\",module=\"instrument_async\",result=\"cancelled\"} 1\n"
    );
    let sums = duration_sums("deferred", MODULE);
    assert_eq!(sums[0].0, "ok");
    assert!(sums[0].1 >= 0.02 && sums[0].1 < 0.045, "{sums:?}");
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<String, Refused>;
    async fn touch(&mut self);
}

struct Above;
struct Below;

/// Our attribute runs first and sees `async fn`s.
#[counted]
#[async_trait::async_trait]
impl Store for Above {
    async fn load(&self, key: u32) -> Result<String, Refused> {
        sleep(Duration::from_millis(1)).await;
        if key == 0 {
            return Err(Refused);
        }
        if key == 2 {
            // Never finishes, so the test's timeout cancels it however loaded the machine.
            std::future::pending::<()>().await;
        }
        Ok(key.to_string())
    }

    async fn touch(&mut self) {}
}

/// `#[async_trait]` runs first: we see `Box::pin(async move { .. })` and guard the inner
/// future.
#[async_trait::async_trait]
#[counted]
impl Store for Below {
    async fn load(&self, key: u32) -> Result<String, Refused> {
        sleep(Duration::from_millis(1)).await;
        if key == 0 {
            return Err(Refused);
        }
        if key == 2 {
            // Never finishes, so the test's timeout cancels it however loaded the machine.
            std::future::pending::<()>().await;
        }
        Ok(key.to_string())
    }

    async fn touch(&mut self) {}
}

#[tokio::test]
async fn async_trait_methods_count_alike_whichever_attribute_comes_first() {
    for store in [&Above as &(dyn Store + Sync), &Below] {
        assert_eq!(store.load(1).await, Ok("1".to_owned()));
        assert_eq!(store.load(0).await, Err(Refused));
        assert!(timeout(Duration::from_millis(5), store.load(2))
            .await
            .is_err());
    }
    Above.touch().await;
    Below.touch().await;
    for ty in ["Above", "Below"] {
        assert_eq!(
            calls(&format!("{ty}::load"), MODULE),
            format!(
                "function_calls_total{{function=\"{ty}::load\",module=\"instrument_async\",result=\"ok\"}} 1\n\
                 function_calls_total{{function=\"{ty}::load\",module=\"instrument_async\",result=\"error\"}} 1\n\
                 function_calls_total{{function=\"{ty}::load\",module=\"instrument_async\",result=\"cancelled\"}} 1\n"
            )
        );
        assert_eq!(
            calls(&format!("{ty}::touch"), MODULE),
            format!("function_calls_total{{function=\"{ty}::touch\",module=\"instrument_async\",result=\"ok\"}} 1\n")
        );
    }
}

/// A lone `#[async_trait]` method annotated below it, in a trait's default method.
#[async_trait::async_trait]
trait Warm {
    #[timed]
    async fn warm(&self) -> u8 {
        sleep(Duration::from_millis(20)).await;
        1
    }
}

impl Warm for Above {}

#[tokio::test]
async fn async_trait_default_method_is_timed_across_its_awaits() {
    assert_eq!(Above.warm().await, 1);
    let sums = duration_sums("warm", MODULE);
    assert_eq!(sums.len(), 1, "{sums:?}");
    assert!(sums[0].1 >= 0.02, "{sums:?}");
}
