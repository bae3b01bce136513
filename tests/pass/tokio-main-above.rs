//! `#[timed]` above `#[tokio::main]`: it sees the `async fn main` and guards its body.

#[tallymark::timed]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    tokio::task::yield_now().await;
    let text = tallymark::render();
    // Still running: nothing recorded yet, but the series exists from the start.
    assert!(text.contains(&m("function_calls_duration_seconds_count{function=\"main\",module=\"MODULE\",result=\"ok\"} 0\n")));
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
