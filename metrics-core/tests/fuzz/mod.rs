//! Support for `fuzz_exposition.rs`: plans of random registries (`spec`), building and
//! reading them back (`build`), what each format must then carry (`expect`), the
//! outside judges (`judges`, `judge.py`), and hand-written cases once found (`fixed`).

pub mod build;
pub mod collected;
pub mod expect;
pub mod expect_pb;
pub mod fixed;
pub mod judges;
pub mod model;
pub mod readback;
pub mod spec;
