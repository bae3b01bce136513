//! An `async fn` and an async method, run to completion on a runtime.

struct Client;

impl Client {
    #[tallymark::counted]
    async fn get(&mut self, id: u32) -> Result<u32, ()> {
        tokio::task::yield_now().await;
        if id == 0 {
            return Err(());
        }
        Ok(id)
    }
}

#[tallymark::timed]
async fn fetch(id: u32) -> u32 {
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    id
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut client = Client;
    assert_eq!(runtime.block_on(client.get(1)), Ok(1));
    assert_eq!(runtime.block_on(client.get(0)), Err(()));
    assert_eq!(runtime.block_on(fetch(2)), 2);
    let text = tallymark::render();
    assert!(text.contains(&m(
        "function_calls_total{function=\"get\",module=\"MODULE\",result=\"error\"} 1\n"
    )));
    assert!(text.contains(&m("function_calls_duration_seconds_count{function=\"fetch\",module=\"MODULE\",result=\"ok\"} 1\n")));
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
