//! A fn returning `impl Future`, timed from the first poll of the future it returns.

use std::future::Future;
use std::time::Duration;

#[tallymark::timed]
#[tallymark::counted]
fn later(millis: u64) -> impl Future<Output = Result<u64, ()>> + Send {
    async move {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(millis)
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let future = later(10);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(runtime.block_on(future), Ok(10));
    let text = tallymark::render();
    assert!(text.contains(&m(
        "function_calls_total{function=\"later\",module=\"MODULE\",result=\"ok\"} 1\n"
    )));
    let prefix = m(
        "function_calls_duration_seconds_sum{function=\"later\",module=\"MODULE\",result=\"ok\"} ",
    );
    let sum: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.01..0.05).contains(&sum), "{sum}");
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
