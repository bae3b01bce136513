use tallymark::LabelValue;

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
    #[label("get")]
    Head,
    NotFound,
    #[allow(non_camel_case_types)]
    Not_Found,
}

fn main() {}
