//! HTTPS for the standalone server: a rustls acceptor built from PEM files, with the `ring`
//! provider, which builds with a C compiler alone (aws-lc-rs would also need cmake).

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::error::ServeError;
use crate::options::ClientCerts;

fn tls_error(path: &Path, reason: String) -> ServeError {
    ServeError::Tls {
        path: path.to_path_buf(),
        reason,
    }
}

/// The certificates of a PEM file, at least one.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, ServeError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_error(path, e.to_string()))?;
    if certs.is_empty() {
        return Err(tls_error(path, "no CERTIFICATE block found".into()));
    }
    Ok(certs)
}

/// Reads the certificate chain (leaf first) and the private key (PKCS#8, PKCS#1 or SEC1),
/// and checks that they belong together; with `client_ca`, clients are asked for a
/// certificate one of its CAs issued.
pub(crate) fn acceptor(
    cert_path: &Path,
    key_path: &Path,
    client_ca: Option<(&Path, ClientCerts)>,
) -> Result<TlsAcceptor, ServeError> {
    let certs = certificates(cert_path)?;
    let key =
        PrivateKeyDer::from_pem_file(key_path).map_err(|e| tls_error(key_path, e.to_string()))?;
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(cert_path, e.to_string()))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some((ca_path, required)) => {
            let mut roots = RootCertStore::empty();
            for ca in certificates(ca_path)? {
                roots
                    .add(ca)
                    .map_err(|e| tls_error(ca_path, format!("not a CA certificate: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = match required {
                ClientCerts::Required => verifier,
                ClientCerts::Optional => verifier.allow_unauthenticated(),
            };
            let verifier = verifier
                .build()
                .map_err(|e| tls_error(ca_path, e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| tls_error(key_path, e.to_string()))?;
    // The server speaks HTTP/1.1 only; saying so lets clients skip an h2 attempt.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
