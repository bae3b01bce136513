//! Copied into the instrumented mini-redis as an integration test: a server and a client
//! on loopback, one `SET` and two `GET`s, then everything tallymark renders is written out
//! for the wholesale test to judge.

use mini_redis::{client, server};
use tokio::net::TcpListener;

include!("tallymark_wholesale/support.rs");

#[tokio::test]
async fn serve_set_get_then_render() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::run(listener, async move {
        let _ = stopped.await;
    }));

    let mut client = client::connect(addr).await.unwrap();
    client.set("hello", "world".into()).await.unwrap();
    let hit = client.get("hello").await.unwrap();
    assert_eq!(hit.as_deref(), Some(&b"world"[..]));
    assert_eq!(client.get("missing").await.unwrap(), None);
    drop(client);

    // `run` returns once every connection's handler has finished.
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    write_expositions();
}
