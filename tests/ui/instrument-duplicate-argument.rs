use tallymark::counted;

#[counted(result = "ok", result = "auto")]
fn parse() -> Result<(), ()> {
    Ok(())
}

fn main() {
    let _ = parse();
}
