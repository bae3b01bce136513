use tallymark::LabelValue;

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
enum Region {
    Europe,
    #[label("")]
    Unknown,
}

fn main() {}
