//! Command-line handling shared by the examples that serve.

// Each example compiles its own copy of this module and uses a subset of it.
#![allow(dead_code)]

use tallymark::Auth;

/// What every serving example accepts: `--addr HOST:PORT`, `--basic-auth USER:PASS`, and
/// `--emit rules|dashboard|reference`, which prints that artefact of the program's catalog
/// and exits before anything is served.
pub struct ServeArgs {
    /// Where to listen.
    pub addr: String,
    /// The credential `/metrics` requires, if any.
    pub auth: Option<Auth>,
}

impl ServeArgs {
    /// Reads the arguments, listening on `default_addr` unless `--addr` says otherwise.
    pub fn parse(program: &str, default_addr: &str) -> Result<ServeArgs, String> {
        let usage = format!(
            "usage: {program} [--addr HOST:PORT] [--basic-auth USER:PASS] \
             [--emit rules|dashboard|reference]"
        );
        let mut args = std::env::args().skip(1);
        let mut parsed = ServeArgs {
            addr: default_addr.to_owned(),
            auth: None,
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--addr" => parsed.addr = args.next().ok_or("--addr needs HOST:PORT")?,
                "--basic-auth" => {
                    let value = args.next().ok_or("--basic-auth needs USER:PASS")?;
                    let auth = Auth::parse_basic(&value).ok_or("--basic-auth needs USER:PASS")?;
                    parsed.auth = Some(auth);
                }
                "--emit" => match emit(args.next())? {},
                other => return Err(format!("unknown argument `{other}`; {usage}")),
            }
        }
        Ok(parsed)
    }
}

/// Handles `--emit WORD`: prints that artefact of the program's catalog and exits, or says
/// why `word` is not one. Shared by examples that parse their other arguments themselves.
pub fn emit(word: Option<String>) -> Result<std::convert::Infallible, String> {
    let word = word.ok_or("--emit needs rules, dashboard or reference")?;
    let artefact = tallymark::catalog::Artefact::parse(&word)?;
    print!("{}", artefact.render());
    std::process::exit(0)
}

/// Starts the standalone server as `--addr` and `--basic-auth` say (on the tutorial's
/// `127.0.0.1:8000` by default), or explains on stderr why it could not.
pub fn serve_from_args(program: &str) -> Option<tallymark::ServerHandle> {
    let started = ServeArgs::parse(program, "127.0.0.1:8000").and_then(|args| {
        let mut options = tallymark::ServeOptions::new();
        if let Some(auth) = args.auth {
            options = options.auth(auth);
        }
        options.serve(args.addr).map_err(|e| e.to_string())
    });
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
