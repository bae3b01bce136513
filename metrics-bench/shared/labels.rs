//! The label sets the benchmarks record with: two enums spanning 18 series, and the same
//! shape as strings. Each library gets its own impls of these types.

use ::tallymark::{LabelSet, LabelValue};

use tallymark_bench::ring::Ring;

/// An HTTP method: six values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, LabelValue)]
pub enum Method {
    #[label("GET")]
    Get,
    #[label("POST")]
    Post,
    #[label("PUT")]
    Put,
    #[label("DELETE")]
    Delete,
    #[label("PATCH")]
    Patch,
    #[label("HEAD")]
    Head,
}

/// A status class: three values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, LabelValue)]
pub enum Class {
    #[label("2xx")]
    Success,
    #[label("4xx")]
    ClientError,
    #[label("5xx")]
    ServerError,
}

/// The enum label set: `method` and `class`, 18 series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, LabelSet)]
pub struct Request {
    pub method: Method,
    pub class: Class,
}

/// The string label set, `(method, route)`: 18 series, looked up by value.
pub type StrRequest = (&'static str, &'static str);

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
        }
    }
}

impl Class {
    pub const ALL: [Class; 3] = [Class::Success, Class::ClientError, Class::ServerError];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Success => "2xx",
            Class::ClientError => "4xx",
            Class::ServerError => "5xx",
        }
    }
}

impl Request {
    /// All 18, method-major.
    pub fn all() -> impl Iterator<Item = Request> {
        Method::ALL.into_iter().flat_map(|method| {
            Class::ALL
                .into_iter()
                .map(move |class| Request { method, class })
        })
    }

    /// Its position in [`Request::all`], for tables of handles.
    pub fn index(self) -> usize {
        self.method as usize * Class::ALL.len() + self.class as usize
    }
}

/// The methods and routes of the string label set.
pub const STR_METHODS: [&str; 3] = ["GET", "POST", "PUT"];
pub const STR_ROUTES: [&str; 6] = [
    "/api/v1/users",
    "/api/v1/users/:id",
    "/api/v1/products",
    "/api/v1/products/:id",
    "/api/v1/products/:id/owner",
    "/api/v1/products/:id/purchase",
];

/// All 18 string label sets.
pub fn all_str() -> impl Iterator<Item = StrRequest> {
    STR_METHODS
        .into_iter()
        .flat_map(|m| STR_ROUTES.into_iter().map(move |r| (m, r)))
}

/// Enum label sets in random order; the first 18 cover every one, so that a pass over the
/// ring touches every series.
pub fn request_ring() -> Ring<Request> {
    let all: Vec<Request> = Request::all().collect();
    let mut i = 0;
    Ring::new(|rng| {
        i += 1;
        all.get(i - 1).copied().unwrap_or(all[rng.below(all.len())])
    })
}

/// String label sets in random order, covering every one first.
pub fn str_ring() -> Ring<StrRequest> {
    let all: Vec<StrRequest> = all_str().collect();
    let mut i = 0;
    Ring::new(|rng| {
        i += 1;
        all.get(i - 1).copied().unwrap_or(all[rng.below(all.len())])
    })
}
