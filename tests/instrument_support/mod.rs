//! Reading one function's series of the default families out of the global registry.
#![allow(dead_code)]

/// The lines of family `family` (a sample name) whose labels start with this function and
/// module, in the order rendered.
fn lines(family: &str, function: &str, module: &str) -> String {
    let prefix = format!("{family}{{function=\"{function}\",module=\"{module}\"");
    tallymark::render()
        .lines()
        .filter(|line| line.starts_with(&prefix))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// `function_calls_total` of one function.
pub fn calls(function: &str, module: &str) -> String {
    lines("function_calls_total", function, module)
}

/// `function_calls_duration_seconds_count` of one function.
pub fn durations(function: &str, module: &str) -> String {
    lines("function_calls_duration_seconds_count", function, module)
}

/// `function_calls_duration_seconds_sum` of one function, per result.
pub fn duration_sums(function: &str, module: &str) -> Vec<(String, f64)> {
    lines("function_calls_duration_seconds_sum", function, module)
        .lines()
        .filter_map(|line| {
            let (labels, value) = line.rsplit_once(' ')?;
            let result = labels.rsplit_once("result=\"")?.1.trim_end_matches("\"}");
            Some((result.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// `function_calls_concurrent` of one function.
pub fn concurrent(function: &str, module: &str) -> String {
    lines("function_calls_concurrent", function, module)
}
