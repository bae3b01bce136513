//! A sync fn, counted, timed and tracked in flight, read back from the default families.

#[tallymark::counted]
#[tallymark::timed]
#[tallymark::in_flight]
fn parse(text: &str) -> Result<u8, std::num::ParseIntError> {
    let value = text.parse()?;
    Ok(value)
}

fn main() {
    assert_eq!(parse("1"), Ok(1));
    assert!(parse("x").is_err());
    let text = tallymark::render();
    for line in [
        m("function_calls_total{function=\"parse\",module=\"MODULE\",result=\"ok\"} 1\n"),
        m("function_calls_total{function=\"parse\",module=\"MODULE\",result=\"error\"} 1\n"),
        m("function_calls_duration_seconds_count{function=\"parse\",module=\"MODULE\",result=\"ok\"} 1\n"),
        m("function_calls_concurrent{function=\"parse\",module=\"MODULE\"} 0\n"),
    ] {
        assert!(text.contains(&line), "{line}");
    }
}

/// `line` with `MODULE` replaced by this crate's module path.
fn m(line: &str) -> String {
    line.replace("MODULE", module_path!())
}
