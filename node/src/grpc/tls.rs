//! Who is calling: mutual TLS with one identity per country and one for the coordinator.
//!
//! A private certificate authority (`pocnet certs init`) signs a certificate
//! per party. Each names its party as a DNS subject alternative name
//! ([`Party::dns_name`]): `coordinator.pocnet`, `de.node.pocnet`. A node
//! verifies a peer's certificate against that name, never against the
//! address it dials, so a node moved to another host keeps its identity and
//! a node answering at the wrong address is refused at the handshake.
//!
//! The files of a directory made by `pocnet certs init`: `authority.pem`
//! (and `authority.key`, which only the machine making certificates needs),
//! then `coordinator.pem`/`coordinator.key` and `de.pem`/`de.key` per
//! country. No country code (two letters) can be `authority` or
//! `coordinator`; an earlier layout named the authority `ca`, which is
//! Canada's code, and is refused.

use crate::CountryCode;
use rustls_pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// A party to a run, as its certificate names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Coordinator,
    Node(CountryCode),
}

impl Party {
    /// The name its certificate carries and its peers verify.
    pub fn dns_name(&self) -> String {
        match self {
            Party::Coordinator => "coordinator.pocnet".to_owned(),
            Party::Node(code) => format!("{}.node.pocnet", code.as_str().to_ascii_lowercase()),
        }
    }

    /// The stem of its files in a certificate directory.
    pub fn file_stem(&self) -> String {
        match self {
            Party::Coordinator => "coordinator".to_owned(),
            Party::Node(code) => code.as_str().to_ascii_lowercase(),
        }
    }
}

impl std::fmt::Display for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Party::Coordinator => f.write_str("the coordinator"),
            Party::Node(code) => write!(f, "node {code}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason} (make the directory with `pocnet certs init DIR --countries ...`)")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path} holds no PEM certificate")]
    NotACertificate { path: PathBuf },
    #[error(
        "{dir} was made by an earlier pocnet, which named the authority's files ca.pem and ca.key, Canada's \
         names too: move it aside, run `pocnet certs init` again and hand out the new files"
    )]
    OldLayout { dir: PathBuf },
}

/// The authority's files in a certificates directory.
pub const AUTHORITY_CERTIFICATE: &str = "authority.pem";
pub const AUTHORITY_KEY: &str = "authority.key";

/// Whether `dir` holds the earlier layout: the authority as `ca.pem`, no `authority.pem`.
pub fn old_layout(dir: &Path) -> bool {
    !dir.join(AUTHORITY_CERTIFICATE).exists() && (dir.join("ca.pem").exists() || dir.join("ca.key").exists())
}

/// One party's credentials: the authority it trusts and its own certificate and key.
#[derive(Clone)]
pub struct Credentials {
    pub party: Party,
    authority: Certificate,
    identity: Identity,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("party", &self.party).finish_non_exhaustive()
    }
}

impl Credentials {
    /// Reads the authority's certificate and the party's certificate and key from `dir`.
    pub fn load(dir: &Path, party: Party) -> Result<Credentials, TlsError> {
        if old_layout(dir) {
            return Err(TlsError::OldLayout { dir: dir.to_owned() });
        }
        let read = |name: String| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map_err(|e| TlsError::Unreadable { path: path.clone(), reason: e.to_string() })
                .and_then(|bytes| {
                    if String::from_utf8_lossy(&bytes).contains("-----BEGIN") {
                        Ok(bytes)
                    } else {
                        Err(TlsError::NotACertificate { path })
                    }
                })
        };
        let stem = party.file_stem();
        let authority = Certificate::from_pem(read(AUTHORITY_CERTIFICATE.to_owned())?);
        let identity = Identity::from_pem(read(format!("{stem}.pem"))?, read(format!("{stem}.key"))?);
        Ok(Credentials { party, authority, identity })
    }

    /// A server that takes only clients with a certificate from our authority.
    pub fn server(&self) -> ServerTlsConfig {
        ServerTlsConfig::new().identity(self.identity.clone()).client_ca_root(self.authority.clone())
    }

    /// A client of `peer`, showing our certificate and taking only the
    /// peer's, whatever address it is reached at.
    pub fn client_of(&self, peer: &Party) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(self.authority.clone())
            .identity(self.identity.clone())
            .domain_name(peer.dns_name())
    }
}

/// Whether a caller's verified certificate (the first of its chain) names `party`.
pub fn certifies(chain: &[CertificateDer<'static>], party: &Party) -> bool {
    let Some(leaf) = chain.first() else { return false };
    let Ok(certificate) = webpki::EndEntityCert::try_from(leaf) else { return false };
    let Ok(name) = ServerName::try_from(party.dns_name()) else { return false };
    certificate.verify_is_valid_for_subject_name(&name).is_ok()
}
