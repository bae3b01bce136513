// Included by each exercise from `tests/tallymark_wholesale/support.rs` of the instrumented
// crate, where cargo does not take it for a test of its own.

/// Writes what tallymark renders for the whole program into `TALLYMARK_WHOLESALE_OUT`: text
/// 0.0.4, OpenMetrics and protobuf, and the catalog's warnings one per line.
fn write_expositions() {
    use tallymark::{Format, Registry};
    let out = std::path::PathBuf::from(
        std::env::var_os("TALLYMARK_WHOLESALE_OUT").expect("TALLYMARK_WHOLESALE_OUT is set"),
    );
    std::fs::create_dir_all(&out).unwrap();
    let formats = [
        (Format::Text, "metrics.txt"),
        (Format::OpenMetrics, "metrics.om"),
        (Format::Protobuf, "metrics.pb"),
    ];
    for (format, file) in formats {
        let mut body = Vec::new();
        Registry::global().encode_as(format, &mut body);
        std::fs::write(out.join(file), body).unwrap();
    }
    let warnings: String = Registry::catalog_warnings()
        .iter()
        .map(|w| format!("{w}\n"))
        .collect();
    std::fs::write(out.join("warnings.txt"), warnings).unwrap();
    assert_eq!(Registry::catalog_errors(), &[]);
}
