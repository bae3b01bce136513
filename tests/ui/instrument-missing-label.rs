use tallymark::{counted, metric, CounterFamily};

/// Total HTTP requests.
#[metric(labels(method, endpoint, status))]
static HTTP_REQUESTS_TOTAL: CounterFamily<3> = CounterFamily::new();

#[counted(HTTP_REQUESTS_TOTAL, labels(method = "GET", endpoint = "/api/users"))]
fn list_users() {}

fn main() {
    list_users();
}
