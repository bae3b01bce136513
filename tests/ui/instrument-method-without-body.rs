trait Store {
    #[tallymark::timed]
    fn load(&self) -> u32;
}

fn main() {}
