//! HTTPS for the standalone server: a rustls acceptor built from PEM files, with the `ring`
//! provider, which builds with a C compiler alone (aws-lc-rs would also need cmake).

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use crate::error::ServeError;

/// Reads the certificate chain (leaf first) and the private key (PKCS#8, PKCS#1 or SEC1),
/// and checks that they belong together.
pub(crate) fn acceptor(cert_path: &Path, key_path: &Path) -> Result<TlsAcceptor, ServeError> {
    let tls_error = |path: &Path, reason: String| ServeError::Tls {
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_error(cert_path, e.to_string()))?;
    if certs.is_empty() {
        return Err(tls_error(cert_path, "no CERTIFICATE block found".into()));
    }
    let key =
        PrivateKeyDer::from_pem_file(key_path).map_err(|e| tls_error(key_path, e.to_string()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(cert_path, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| tls_error(key_path, e.to_string()))?;
    // The server speaks HTTP/1.1 only; saying so lets clients skip an h2 attempt.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
