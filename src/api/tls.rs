//! TLS trust: extra root certificates (`--ca-cert`) and recognising a certificate the client
//! does not trust among transport failures.
//!
//! A self-hosted server often has a certificate from a private CA. Without that CA the
//! handshake fails the same way on every attempt, so the failure is told apart from a dropped
//! connection (which is retried) and reported once, with the ways to trust the CA.

use std::error::Error as StdError;
use std::fmt;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Root certificates trusted in addition to the system's, parsed and checked when read so a
/// bad file fails before any request.
#[derive(Clone, Default)]
pub struct TrustedRoots {
    certificates: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for TrustedRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedRoots")
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

/// Why a CA file cannot be used; the caller adds the file's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// No `-----BEGIN CERTIFICATE-----` block at all (a DER file, a key, anything else).
    #[error(
        "no PEM certificate in it (expected one or more -----BEGIN CERTIFICATE----- blocks; \
         a DER file converts with `openssl x509 -inform der -in FILE -out FILE.pem`)"
    )]
    NoCertificate,
    /// A block that is not valid PEM.
    #[error("certificate {index} is not valid PEM: {reason}")]
    NotPem {
        /// 1-based position of the block in the file.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A well-formed PEM block that does not hold a usable X.509 certificate.
    #[error("certificate {index} is not a valid X.509 certificate: {reason}")]
    NotCertificate {
        /// 1-based position of the block in the file.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl TrustedRoots {
    /// Reads a PEM certificate or bundle; every certificate in it becomes a trusted root.
    pub fn from_pem(pem: &[u8]) -> Result<Self, TrustError> {
        let mut certificates = Vec::new();
        for (position, item) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let index = position + 1;
            let certificate = item.map_err(|err| TrustError::NotPem {
                index,
                reason: err.to_string(),
            })?;
            rustls::RootCertStore::empty()
                .add(certificate.clone())
                .map_err(|err| TrustError::NotCertificate {
                    index,
                    reason: err.to_string(),
                })?;
            certificates.push(certificate);
        }
        if certificates.is_empty() {
            return Err(TrustError::NoCertificate);
        }
        Ok(Self { certificates })
    }

    /// How many certificates were read.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// True when nothing is trusted beyond the system's roots.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The certificates in the form reqwest takes.
    pub(crate) fn to_reqwest(&self) -> Vec<reqwest::Certificate> {
        self.certificates
            .iter()
            .map(|der| {
                reqwest::Certificate::from_der(der)
                    .expect("invariant: the DER was checked when the file was read")
            })
            .collect()
    }
}

/// How rustls words a refused certificate: `invalid peer certificate: <reason>`.
const RUSTLS_CERTIFICATE_PREFIX: &str = "invalid peer certificate: ";

/// The certificate problem behind a transport error, when there is one: the peer's certificate
/// was refused, or the server sent none. Retrying cannot help with either.
///
/// The rustls error sits inside an `std::io::Error`, whose `source()` skips the error it wraps,
/// so each `io::Error` in the chain is opened with `get_ref` as well. Should reqwest ever link
/// another rustls version (whose type would not match), the message still tells.
pub(crate) fn certificate_problem(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return tls_certificate_problem(tls);
        }
        if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && let Some(problem) = certificate_problem(inner)
        {
            return Some(problem);
        }
        if let Some(reason) = current.to_string().strip_prefix(RUSTLS_CERTIFICATE_PREFIX) {
            return Some(reason.to_owned());
        }
        next = current.source();
    }
    None
}

fn tls_certificate_problem(tls: &rustls::Error) -> Option<String> {
    match tls {
        rustls::Error::InvalidCertificate(reason) => Some(certificate_reason(reason)),
        rustls::Error::NoCertificatesPresented => Some("the server sent no certificate".into()),
        rustls::Error::UnsupportedNameType => {
            Some("the server name cannot be checked against a certificate".into())
        }
        _ => None,
    }
}

/// rustls's reason, with the likely cause of the common one spelled out.
fn certificate_reason(reason: &rustls::CertificateError) -> String {
    match reason {
        rustls::CertificateError::UnknownIssuer => {
            "it is signed by an unknown issuer (a private or self-signed CA?)".to_owned()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{TrustError, TrustedRoots, certificate_problem};

    /// A CA certificate (the test CA of tests/integration/api/tls).
    const CA: &str = include_str!("../../tests/integration/api/tls/ca.pem");

    #[test]
    fn pem_certificates_and_bundles_are_read() {
        assert_eq!(TrustedRoots::from_pem(CA.as_bytes()).unwrap().len(), 1);
        let bundle = format!("# comment\n{CA}\n{CA}");
        assert_eq!(TrustedRoots::from_pem(bundle.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn files_without_a_usable_certificate_are_refused() {
        assert_eq!(
            TrustedRoots::from_pem(b"not a certificate\n").unwrap_err(),
            TrustError::NoCertificate
        );
        assert_eq!(
            TrustedRoots::from_pem(&[0x30, 0x82, 0x01, 0x0a]).unwrap_err(),
            TrustError::NoCertificate
        );
        let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            TrustedRoots::from_pem(broken.as_bytes()).unwrap_err(),
            TrustError::NotPem { index: 1, .. }
        ));
        let not_x509 = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        let bundle = format!("{CA}{not_x509}");
        assert!(matches!(
            TrustedRoots::from_pem(bundle.as_bytes()).unwrap_err(),
            TrustError::NotCertificate { index: 2, .. }
        ));
    }

    #[derive(Debug)]
    struct Wrapper(Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&*self.0)
        }
    }

    /// The chain reqwest builds for a refused certificate: its error, hyper's, an io::Error
    /// holding the rustls error.
    fn chain(inner: rustls::Error) -> Wrapper {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, inner);
        Wrapper(Box::new(Wrapper(Box::new(io))))
    }

    #[test]
    fn certificate_failures_are_found_inside_io_errors() {
        let unknown = chain(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert_eq!(
            certificate_problem(&unknown).as_deref(),
            Some("it is signed by an unknown issuer (a private or self-signed CA?)")
        );
        let none = chain(rustls::Error::NoCertificatesPresented);
        assert!(certificate_problem(&none).is_some());
    }

    #[test]
    fn a_certificate_failure_is_also_recognised_by_its_message() {
        let io = std::io::Error::other("invalid peer certificate: Expired");
        let err = Wrapper(Box::new(Wrapper(Box::new(io))));
        assert_eq!(certificate_problem(&err).as_deref(), Some("Expired"));
    }

    #[test]
    fn other_failures_are_not_certificate_problems() {
        let alert = chain(rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert_eq!(certificate_problem(&alert), None);
        let reset = Wrapper(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(certificate_problem(&reset), None);
    }
}
