//! Why the server did not start.

use std::path::PathBuf;
use std::{fmt, io};

use tallymark_core::RegistryError;

/// Why [`serve`](crate::serve), [`serve_registry`](crate::serve_registry) or
/// [`ServeOptions::serve`](crate::ServeOptions::serve) returned
/// without a server.
///
/// Each variant names what it was trying to do, so `eprintln!("{e}")` alone tells the
/// user what to fix:
///
/// ```
/// let first = tallymark_http::serve("127.0.0.1:0").unwrap();
/// let taken = first.local_addr();
/// let err = tallymark_http::serve(taken).unwrap_err();
/// assert!(err.to_string().starts_with(&format!("cannot listen on {taken}: ")));
/// first.stop();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address did not resolve to any socket address.
    Resolve {
        /// The address as the caller wrote it.
        addr: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// The address resolved but could not be bound: in use, not local, or not permitted.
    Bind {
        /// The address as the caller wrote it.
        addr: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The global catalog holds conflicting declarations. Serving it would hide the
    /// refused families, so the server does not start until they are fixed.
    Catalog(Vec<RegistryError>),
    /// The server thread or its runtime could not be created.
    Runtime(io::Error),
    /// A TLS certificate or key could not be read, or they do not belong together.
    Tls {
        /// The PEM file concerned.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Resolve { addr, source } => {
                write!(f, "cannot resolve listen address {addr}: {source}")
            }
            ServeError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            ServeError::Catalog(errors) => {
                f.write_str("the metrics catalog has conflicting declarations:")?;
                for error in errors {
                    write!(f, "\n  {error}")?;
                }
                Ok(())
            }
            ServeError::Runtime(source) => {
                write!(f, "cannot start the metrics server thread: {source}")
            }
            ServeError::Tls { path, reason } => {
                write!(f, "cannot use TLS file {}: {reason}", path.display())
            }
        }
    }
}

// The cause is already part of the message above; returning it from `source()` as well
// would make error reporters print it twice. Callers who need the `io::Error` itself match
// on the variant.
impl std::error::Error for ServeError {}
