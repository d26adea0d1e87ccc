//! The viewer side's TLS (`serve --https-listen`): a certificate made at start for the distribution's names, the
//! listener's acceptor, and what a connection negotiated, as CloudFront reports it to origins and in its logs.
//!
//! AWS: CloudFront Developer Guide, "Add CloudFront request headers" (`CloudFront-Viewer-TLS`: "the SSL/TLS version,
//! the cipher, and information about the SSL/TLS handshake", e.g. `TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:fullHandshake`
//! or `...:sessionResumed`), "Standard logging" (fields 21 `ssl-protocol`, e.g. `TLSv1.3`, and 22 `ssl-cipher`, e.g.
//! `TLS_AES_128_GCM_SHA256` or `ECDHE-RSA-AES128-GCM-SHA256`), "Supported protocols and ciphers between viewers and
//! CloudFront" (OpenSSL's cipher names for TLS 1.2, the RFC names for TLS 1.3). CloudFront serves the certificate of
//! its ACM or default `*.cloudfront.net` identity; here the certificate is self-signed (no CA can sign for loopback),
//! so a client trusts it by its PEM (`--https-certificate`) or is told to ignore the name check.

use std::net::IpAddr;
use std::sync::Arc;

use tokio_rustls::rustls::{self, ServerConnection};
use tokio_rustls::TlsAcceptor;

/// What one viewer connection negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerTls {
    /// `TLSv1.2`, `TLSv1.3`.
    pub protocol: String,
    /// OpenSSL's name for a TLS 1.2 suite, the RFC name for a TLS 1.3 one.
    pub cipher: String,
    /// The connection resumed an earlier session (TLS tickets).
    pub resumed: bool,
}

impl ViewerTls {
    pub fn of(connection: &ServerConnection) -> Option<Self> {
        let protocol = match connection.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
            _ => return None,
        };
        let suite = connection.negotiated_cipher_suite()?.suite();
        Some(Self {
            protocol: protocol.to_string(),
            cipher: cipher_name(suite),
            resumed: matches!(connection.handshake_kind(), Some(rustls::HandshakeKind::Resumed)),
        })
    }

    /// The `CloudFront-Viewer-TLS` value: `version:cipher:handshake`.
    pub fn header_value(&self) -> String {
        let handshake = if self.resumed {
            "sessionResumed"
        } else {
            "fullHandshake"
        };
        format!("{}:{}:{handshake}", self.protocol, self.cipher)
    }
}

/// The name CloudFront gives a cipher suite: the TLS 1.3 suites by their RFC 8446 names, the TLS 1.2 ones by
/// OpenSSL's (the suites rustls offers; any other by its IANA name).
fn cipher_name(suite: rustls::CipherSuite) -> String {
    use rustls::CipherSuite as S;
    let name = match suite {
        S::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        S::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        S::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        other => return format!("{other:?}"),
    };
    name.to_string()
}

/// The viewer listener's TLS: its acceptor and the certificate's PEM.
pub struct ViewerCertificate {
    pub acceptor: TlsAcceptor,
    pub pem: String,
}

/// A self-signed certificate for `names` (DNS names or IP addresses: the distribution's domain name, its aliases,
/// `localhost` and the listener's address), and an acceptor that offers TLS 1.2 and 1.3 with HTTP/1.1 by ALPN (the
/// edge serves HTTP/1.1 only).
pub fn certificate(names: &[String]) -> Result<ViewerCertificate, String> {
    let mut names: Vec<String> = names.to_vec();
    names.sort();
    names.dedup();
    let mut params =
        rcgen::CertificateParams::new(names.clone()).map_err(|e| format!("the viewer certificate's names: {e}"))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    let common = names
        .iter()
        .find(|n| n.parse::<IpAddr>().is_err())
        .cloned()
        .unwrap_or_else(|| "localhost".into());
    params.distinguished_name.push(rcgen::DnType::CommonName, common);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("the viewer certificate's key: {e}"))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("the viewer certificate: {e}"))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("the viewer listener's TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        )
        .map_err(|e| format!("the viewer listener's TLS: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ViewerCertificate {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        pem: cert.pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_are_cloudfronts() {
        assert_eq!(
            cipher_name(rustls::CipherSuite::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(
            cipher_name(rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "ECDHE-RSA-AES128-GCM-SHA256"
        );
        let tls = ViewerTls {
            protocol: "TLSv1.2".into(),
            cipher: "ECDHE-ECDSA-AES128-GCM-SHA256".into(),
            resumed: true,
        };
        assert_eq!(
            tls.header_value(),
            "TLSv1.2:ECDHE-ECDSA-AES128-GCM-SHA256:sessionResumed"
        );
    }

    #[test]
    fn the_certificate_names_the_distribution_and_loopback() {
        let made = certificate(&[
            "d111111abcdef8.cloudfront.net".into(),
            "127.0.0.1".into(),
            "localhost".into(),
        ])
        .unwrap();
        assert!(made.pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
