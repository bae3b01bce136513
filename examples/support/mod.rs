//! Command-line handling shared by the examples that serve.

/// The value of `--addr HOST:PORT`, or the tutorial's `127.0.0.1:8000`.
pub fn listen_addr(program: &str) -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let mut addr = String::from("127.0.0.1:8000");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs HOST:PORT")?,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: {program} [--addr HOST:PORT]"
                ))
            }
        }
    }
    Ok(addr)
}

/// Starts the standalone server on `--addr`, or explains on stderr why it could not.
pub fn serve_from_args(program: &str) -> Option<tallymark::ServerHandle> {
    let started =
        listen_addr(program).and_then(|addr| tallymark::serve(addr).map_err(|e| e.to_string()));
    match started {
        Ok(server) => {
            println!("Metrics server on http://{}/metrics", server.local_addr());
            Some(server)
        }
        Err(e) => {
            eprintln!("{program}: {e}");
            None
        }
    }
}
