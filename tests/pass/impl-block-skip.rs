//! An attribute on an `impl` block instruments every method as `Type::method`; a method's
//! own `#[timed(skip)]` opts it out, and its own attributes replace the block's.

/// Time spent flushing, in seconds.
#[tallymark::metric]
static FLUSH_DURATION_SECONDS: tallymark::Histogram = tallymark::Histogram::new();

struct Cache;

#[tallymark::timed]
impl Cache {
    fn get(&self) -> Option<u8> {
        Some(1)
    }

    #[tallymark::timed(skip)]
    fn len(&self) -> usize {
        1
    }

    #[tallymark::timed(FLUSH_DURATION_SECONDS)]
    #[tallymark::timed]
    fn flush(&self) {}

    #[tallymark::timed(skip)]
    const fn capacity() -> usize {
        4
    }
}

fn main() {
    assert_eq!(Cache.get(), Some(1));
    assert_eq!(Cache.len(), 1);
    Cache.flush();
    let text = tallymark::render();
    assert!(text.contains(&m("function_calls_duration_seconds_count{function=\"Cache::get\",module=\"MODULE\",result=\"ok\"} 1\n")));
    assert!(!text.contains("Cache::len"));
    assert!(text.contains(&m("function_calls_duration_seconds_count{function=\"Cache::flush\",module=\"MODULE\",result=\"ok\"} 1\n")));
    assert!(text.contains("flush_duration_seconds_count 1\n"));
    assert_eq!(Cache::capacity(), 4);
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
