//! go-plugin's AutoMTLS: Terraform hands over its client certificate in
//! `PLUGIN_CLIENT_CERT`; the provider answers with a fresh self-signed server
//! certificate in the handshake line and accepts exactly Terraform's certificate.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    NoClientCertificate,
    #[error("generating the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The provider's own certificate for one run.
pub struct ServerIdentity {
    pub cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// A self-signed ECDSA certificate for "localhost", the name go-plugin's client checks.
    pub fn generate() -> Result<Self, TlsError> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
        };
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params.distinguished_name.push(DnType::OrganizationName, "nextstack");
        params.distinguished_name.push(DnType::CommonName, "localhost");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = params.self_signed(&key)?;
        Ok(ServerIdentity {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The handshake's last field: the DER certificate, base64 without padding.
    pub fn handshake_field(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.cert.as_ref())
    }

    /// A server configuration that requires the client to present `client_cert_pem`.
    pub fn server_config(&self, client_cert_pem: &str) -> Result<ServerConfig, TlsError> {
        let client_cert =
            CertificateDer::from_pem_slice(client_cert_pem.as_bytes()).map_err(|_| TlsError::NoClientCertificate)?;
        let provider = Arc::new(crypto_provider());
        let verifier = PinnedClientCert {
            expected: client_cert,
            algorithms: provider.signature_verification_algorithms,
        };
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![self.cert.clone()], PrivateKeyDer::Pkcs8(self.key.clone_key()))?;
        // grpc-go insists on ALPN h2.
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }
}

/// ring for key exchange, randomness and the server's signatures; aws-lc-rs
/// for verifying signatures, since only it verifies ECDSA P-521/SHA-512, the
/// curve of Terraform's client certificate. Verification needs no randomness,
/// so aws-lc's entropy start-up (about 40 ms of CPU jitter sampling) is never
/// paid on the provider's start-up path, which Terraform takes several times per run.
pub fn crypto_provider() -> CryptoProvider {
    CryptoProvider {
        signature_verification_algorithms: rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms,
        ..rustls::crypto::ring::default_provider()
    }
}

/// Accepts exactly one certificate: the one Terraform announced in its environment.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A client certificate shaped like Terraform's: self-signed ECDSA P-521 with SHA-512, a CA.
    fn terraform_like_client() -> (String, CertificateDer<'static>, PrivatePkcs8KeyDer<'static>) {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let cert = params.self_signed(&key).unwrap();
        (
            cert.pem(),
            cert.der().clone(),
            PrivatePkcs8KeyDer::from(key.serialize_der()),
        )
    }

    async fn handshake(
        client_pem: &str,
        presented: (CertificateDer<'static>, PrivatePkcs8KeyDer<'static>),
    ) -> Result<Vec<u8>, String> {
        let server = ServerIdentity::generate().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server.server_config(client_pem).unwrap()));
        let verifier = PinnedServerCert {
            expected: server.cert.clone(),
            algorithms: crypto_provider().signature_verification_algorithms,
        };
        // The client plays Terraform, whose P-521 key only aws-lc-rs can sign with.
        let mut client_config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_client_auth_cert(vec![presented.0], PrivateKeyDer::Pkcs8(presented.1))
                .unwrap();
        client_config.alpn_protocols = vec![b"h2".to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
        let (a, b) = tokio::io::duplex(64 * 1024);
        let server_task = tokio::spawn(async move {
            let mut tls = acceptor.accept(a).await.map_err(|e| e.to_string())?;
            let mut buf = [0u8; 5];
            tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(buf.to_vec())
        });
        let client = async {
            let mut tls = connector
                .connect(ServerName::try_from("localhost").unwrap(), b)
                .await
                .map_err(|e| e.to_string())?;
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            tls.write_all(b"hello").await.map_err(|e| e.to_string())?;
            tls.flush().await.map_err(|e| e.to_string())?;
            // Kept open until the server has read: it still writes session tickets.
            Ok::<_, String>(tls)
        };
        let client_result = client.await;
        let server_result = server_task.await.unwrap();
        // The server's verdict explains a failure better than the client's broken pipe.
        let data = server_result?;
        drop(client_result?);
        Ok(data)
    }

    /// Like Go's client: trusts exactly the certificate from the handshake line
    /// (webpki would refuse it as a CA used as an end entity, Go does not).
    #[derive(Debug)]
    struct PinnedServerCert {
        expected: CertificateDer<'static>,
        algorithms: WebPkiSupportedAlgorithms,
    }

    impl rustls::client::danger::ServerCertVerifier for PinnedServerCert {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            assert_eq!(end_entity.as_ref(), self.expected.as_ref());
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(message, cert, dss, &self.algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(message, cert, dss, &self.algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    }

    #[tokio::test]
    async fn accepts_terraforms_p521_client_certificate() {
        let (pem, der, key) = terraform_like_client();
        assert_eq!(handshake(&pem, (der, key)).await.unwrap(), b"hello");
    }

    #[tokio::test]
    async fn rejects_any_other_client_certificate() {
        let (pem, _, _) = terraform_like_client();
        let (_, other_der, other_key) = terraform_like_client();
        assert!(handshake(&pem, (other_der, other_key)).await.is_err());
    }

    #[test]
    fn handshake_field_is_unpadded_base64_der() {
        let id = ServerIdentity::generate().unwrap();
        let field = id.handshake_field();
        assert!(!field.ends_with('='));
        use base64::Engine;
        assert_eq!(
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(field).unwrap(),
            id.cert.as_ref()
        );
    }
}
