use tallymark::{metric, Family, Gauge, LabelSet, LabelValue};

#[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
enum Room {
    Kitchen,
    Hall,
}

#[derive(LabelSet)]
struct Place {
    room: Room,
}

/// Temperature.
#[metric(labels(room))]
static TEMPERATURE: Family<Place, Gauge> = Family::new();

fn main() {}
