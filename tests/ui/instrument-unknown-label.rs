use tallymark::{counted, metric, CounterFamily};

/// Total HTTP requests.
#[metric(labels(method, endpoint))]
static HTTP_REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();

#[counted(HTTP_REQUESTS_TOTAL, labels(methd = "GET", endpoint = "/api/users"))]
fn list_users() {}

fn main() {
    list_users();
}
