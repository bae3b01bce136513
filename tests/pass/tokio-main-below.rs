//! `#[timed]` below `#[tokio::main]`: it sees the sync `fn main` that runs the runtime.

#[tokio::main(flavor = "current_thread")]
#[tallymark::counted]
async fn main() -> Result<(), String> {
    tokio::task::yield_now().await;
    let text = tallymark::render();
    assert!(text.contains(&m(
        "function_calls_total{function=\"main\",module=\"MODULE\",result=\"ok\"} 0\n"
    )));
    assert!(text.contains(&m(
        "function_calls_total{function=\"main\",module=\"MODULE\",result=\"error\"} 0\n"
    )));
    Ok(())
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
