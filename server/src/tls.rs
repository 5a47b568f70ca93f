//! TLS: rustls with the ring provider, TLS 1.3 only.

use crate::config::{ClientCerts, TlsSource};
use anyhow::{bail, Context};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use shared::api::devices::ClientCertMode;
use std::path::Path;
use std::sync::Arc;

/// Names a self-signed certificate is valid for.
pub const SELF_SIGNED_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A rustls server configuration offering TLS 1.3 only, HTTP/2 and HTTP/1.1.
/// With client certificates `optional`, a connection may present none, but one it presents
/// must chain to the configured CA (else the handshake fails); `required` refuses connections
/// without one.
pub fn server_config(
    source: &TlsSource,
    client: &ClientCerts,
) -> anyhow::Result<Arc<ServerConfig>> {
    let (cert_pem, key_pem) = match source {
        TlsSource::Files { cert, key } => (
            std::fs::read(cert)
                .with_context(|| format!("reading certificate {}", cert.display()))?,
            std::fs::read(key).with_context(|| format!("reading private key {}", key.display()))?,
        ),
        TlsSource::SelfSigned { dir } => {
            let (cert, key) = ensure_self_signed(dir)?;
            (std::fs::read(cert)?, std::fs::read(key)?)
        }
        TlsSource::Pem { cert, key } => (cert.clone(), key.clone()),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .context("parsing certificate PEM")?;
    if certs.is_empty() {
        bail!("no certificate found in the certificate PEM");
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).context("parsing private key PEM")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .context("TLS 1.3 protocol configuration")?;
    let builder = match client.mode {
        ClientCertMode::Off => builder.with_no_client_auth(),
        mode => {
            let ca_pem = client
                .ca_pem
                .as_deref()
                .context("client certificates need the CA to trust (--client-ca)")?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca_pem) {
                roots
                    .add(cert.context("parsing the client CA PEM")?)
                    .context("adding the client CA")?;
            }
            if roots.is_empty() {
                bail!("no certificate found in the client CA PEM");
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            );
            let verifier = if mode == ClientCertMode::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder
                .with_client_cert_verifier(verifier.build().context("client certificate verifier")?)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .context("certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A fresh self-signed certificate and key, as PEM.
pub fn self_signed_pem() -> anyhow::Result<(String, String)> {
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|s| s.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names)
        .context("generating a self-signed certificate")?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}

/// Returns `dir/cert.pem` and `dir/key.pem`, generating them first if either is missing.
/// The key file is created readable by its owner only.
pub fn ensure_self_signed(dir: &Path) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (cert_pem, key_pem) = self_signed_pem()?;
    crate::secrets::write_private(&key, key_pem.as_bytes())?;
    std::fs::write(&cert, cert_pem).with_context(|| format!("writing {}", cert.display()))?;
    tracing::info!(dir = %dir.display(), "generated a self-signed TLS certificate");
    Ok((cert, key))
}

/// Lower-case hex SHA-256 of a certificate's DER: how devices are registered.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fingerprint of the first certificate in `pem`, if it holds one that parses as an X.509
/// certificate (a PEM block of anything else is not a device's certificate).
pub fn pem_fingerprint(pem: &str) -> Option<String> {
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
    webpki::EndEntityCert::try_from(&der).ok()?;
    Some(fingerprint(der.as_ref()))
}

/// The fingerprint of the client certificate this request's connection presented (verified
/// against the configured CA during the handshake), if any.
pub fn connection_fingerprint(extensions: &axum::http::Extensions) -> Option<String> {
    extensions
        .get::<std::sync::Arc<axum_server::tls::TlsInfo>>()
        .and_then(|info| info.peer_certificates.first())
        .map(|der| fingerprint(der))
}
