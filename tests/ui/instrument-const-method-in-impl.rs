struct Cache;

#[tallymark::counted]
impl Cache {
    const fn capacity() -> usize {
        16
    }

    fn get(&self) -> Option<u32> {
        None
    }
}

fn main() {
    let _ = Cache::capacity();
    let _ = Cache.get();
}
