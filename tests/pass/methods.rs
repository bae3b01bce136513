//! Methods taking `self` every way, associated fns, trait impl methods and default trait
//! methods.

use tallymark::counted;

#[derive(Default)]
struct Counter {
    value: u32,
}

impl Counter {
    #[counted]
    fn new() -> Self {
        Counter::default()
    }

    #[counted]
    fn get(&self) -> &u32 {
        &self.value
    }

    #[counted]
    fn bump(&mut self) -> &mut u32 {
        self.value += 1;
        &mut self.value
    }

    #[counted]
    fn into_value(self) -> u32 {
        self.value
    }
}

trait Describe {
    fn name(&self) -> &'static str;

    #[counted]
    fn describe(&self) -> String {
        format!("a {}", self.name())
    }
}

impl Describe for Counter {
    #[counted]
    fn name(&self) -> &'static str {
        "counter"
    }
}

fn main() {
    let mut counter = Counter::new();
    *counter.bump() += 1;
    assert_eq!(*counter.get(), 2);
    assert_eq!(counter.describe(), "a counter");
    assert_eq!(counter.into_value(), 2);
    let text = tallymark::render();
    for function in ["new", "get", "bump", "into_value", "describe", "name"] {
        let line = m(&format!(
            "function_calls_total{{function=\"{function}\",module=\"MODULE\",result=\"ok\"}} 1\n"
        ));
        assert!(text.contains(&line), "{line}");
    }
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
