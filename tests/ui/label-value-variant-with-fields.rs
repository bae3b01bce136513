use tallymark::LabelValue;

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
enum Status {
    Ok,
    Error(u16),
    Redirect { to: String },
}

fn main() {}
