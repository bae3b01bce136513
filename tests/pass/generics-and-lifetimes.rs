//! Generic fns, fns with lifetimes, `impl Trait` returns, `!` and recursion.

use tallymark::timed;

#[timed]
fn largest<T: PartialOrd + Copy>(items: &[T]) -> T {
    items
        .iter()
        .copied()
        .fold(items[0], |a, b| if b > a { b } else { a })
}

#[timed]
fn first_word<'a>(text: &'a str, _other: &str) -> &'a str {
    text.split(' ').next().unwrap_or(text)
}

#[timed]
fn digits(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(char::is_ascii_digit)
}

#[timed]
fn fib(n: u32) -> u64 {
    if n < 2 {
        return u64::from(n);
    }
    fib(n - 1) + fib(n - 2)
}

#[timed]
fn never_returns() -> ! {
    panic!("never returns")
}

fn main() {
    assert_eq!(largest(&[1, 3, 2]), 3);
    assert_eq!(largest(&['a', 'c']), 'c');
    assert_eq!(first_word("hello world", ""), "hello");
    assert_eq!(digits("a1b2").collect::<String>(), "12");
    assert_eq!(fib(10), 55);
    assert!(std::panic::catch_unwind(|| never_returns()).is_err());
    let text = tallymark::render();
    let count = |function: &str, result: &str, n: u32| {
        let line = m(&format!("function_calls_duration_seconds_count{{function=\"{function}\",module=\"MODULE\",result=\"{result}\"}} {n}\n"));
        assert!(text.contains(&line), "{line}");
    };
    count("largest", "ok", 2);
    count("first_word", "ok", 1);
    count("digits", "ok", 1);
    count("fib", "ok", 177);
    count("never_returns", "panic", 1);
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
