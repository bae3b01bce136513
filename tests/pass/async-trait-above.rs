//! `#[counted]` above `#[async_trait]`: it sees the `async fn`s first.

#[async_trait::async_trait]
trait Load {
    async fn load(&self, key: u32) -> Result<u32, ()>;
}

struct Disk;

#[tallymark::counted]
#[async_trait::async_trait]
impl Load for Disk {
    async fn load(&self, key: u32) -> Result<u32, ()> {
        tokio::task::yield_now().await;
        if key == 0 {
            return Err(());
        }
        Ok(key)
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(Disk.load(1)), Ok(1));
    assert_eq!(runtime.block_on(Disk.load(0)), Err(()));
    let text = tallymark::render();
    assert!(text.contains(&m(
        "function_calls_total{function=\"Disk::load\",module=\"MODULE\",result=\"ok\"} 1\n"
    )));
    assert!(text.contains(&m(
        "function_calls_total{function=\"Disk::load\",module=\"MODULE\",result=\"error\"} 1\n"
    )));
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
