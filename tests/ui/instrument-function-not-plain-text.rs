use tallymark::{counted, in_flight, timed};

#[counted(function = "")]
fn empty() {}

#[timed(function = "get\nuser")]
fn newline() {}

#[in_flight(function = " padded ")]
fn padded() {}

#[counted(function = Users::get)]
fn not_a_string() {}

fn main() {
    empty();
    newline();
    padded();
    not_a_string();
}
