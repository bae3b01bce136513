use tallymark::metric;

/// A name.
#[metric]
static NAME: &str = "tallymark";

fn main() {}
