//! `pocnet certs init`: a private certificate authority for one network of
//! nodes, a certificate per country node and one for the coordinator.
//!
//! Each certificate names its party as `Party::dns_name` says (the node
//! crate's one definition), for both client and server use: a node serves
//! the coordinator and its peers, and calls its peers. Running it again on
//! the same directory keeps what is there and adds the parties missing,
//! signed by the same authority, so a country can join a network later.

use pocnet_node::CountryCode;
use pocnet_node::grpc::Party;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CertsError {
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{path} exists but {missing} does not: the directory holds half an authority; move it aside")]
    HalfAuthority { path: PathBuf, missing: PathBuf },
    #[error("making a certificate failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error(
        "{0} was made by an earlier pocnet, which named the authority's files ca.pem and ca.key, Canada's names \
         too: move it aside and run `pocnet certs init` again"
    )]
    OldLayout(PathBuf),
}

/// What `init` did: files written, and parties whose files were already there.
#[derive(Debug, Default)]
pub struct Issued {
    pub written: Vec<PathBuf>,
    pub kept: Vec<Party>,
}

/// Makes (or reuses) the authority in `dir` and a certificate valid `days`
/// days for the coordinator and each country lacking one.
pub fn init(dir: &Path, countries: &[CountryCode], days: u32) -> Result<Issued, CertsError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    if pocnet_node::grpc::tls::old_layout(dir) {
        return Err(CertsError::OldLayout(dir.to_owned()));
    }
    let mut issued = Issued::default();
    let validity = Validity::from_today(days);
    let issuer = authority(dir, &validity, &mut issued)?;
    let parties = std::iter::once(Party::Coordinator).chain(countries.iter().cloned().map(Party::Node));
    for party in parties {
        let (cert_path, key_path) = files(dir, &party.file_stem());
        if cert_path.exists() || key_path.exists() {
            issued.kept.push(party);
            continue;
        }
        let mut params = CertificateParams::new(vec![party.dns_name()])?;
        params.distinguished_name.push(DnType::OrganizationName, "pocnet");
        params.distinguished_name.push(DnType::CommonName, party.to_string());
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        validity.apply(&mut params);
        let key = KeyPair::generate()?;
        let certificate = params.signed_by(&key, &issuer)?;
        write(&cert_path, &certificate.pem(), false)?;
        write(&key_path, &key.serialize_pem(), true)?;
        issued.written.extend([cert_path, key_path]);
    }
    Ok(issued)
}

/// The authority in `dir`, made there first if absent.
fn authority(dir: &Path, validity: &Validity, issued: &mut Issued) -> Result<Issuer<'static, KeyPair>, CertsError> {
    let (cert_path, key_path) = files(dir, "authority");
    match (cert_path.exists(), key_path.exists()) {
        (true, true) => {
            // The authority's name and key are all a signature needs: its
            // subject is always the one below, its key identifier the key's hash.
            let pem = std::fs::read_to_string(&key_path).map_err(|e| io(&key_path, e))?;
            Ok(Issuer::new(authority_params()?, KeyPair::from_pem(&pem)?))
        }
        (true, false) => Err(CertsError::HalfAuthority { path: cert_path, missing: key_path }),
        (false, true) => Err(CertsError::HalfAuthority { path: key_path, missing: cert_path }),
        (false, false) => {
            let mut params = authority_params()?;
            validity.apply(&mut params);
            let key = KeyPair::generate()?;
            let certificate = params.self_signed(&key)?;
            write(&cert_path, &certificate.pem(), false)?;
            write(&key_path, &key.serialize_pem(), true)?;
            issued.written.extend([cert_path, key_path]);
            Ok(Issuer::new(params, key))
        }
    }
}

fn authority_params() -> Result<CertificateParams, CertsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.distinguished_name.push(DnType::OrganizationName, "pocnet");
    params.distinguished_name.push(DnType::CommonName, "pocnet network authority");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(params)
}

/// From yesterday (clocks a little behind still accept it) for `days` days.
struct Validity {
    from: jiff::civil::Date,
    until: jiff::civil::Date,
}

impl Validity {
    fn from_today(days: u32) -> Validity {
        let today = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
        let from = today.yesterday().unwrap_or(today);
        let until = today.checked_add(jiff::Span::new().days(i64::from(days))).unwrap_or(jiff::civil::Date::MAX);
        Validity { from, until }
    }

    fn apply(&self, params: &mut CertificateParams) {
        let stamp = |d: jiff::civil::Date| rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8);
        params.not_before = stamp(self.from);
        params.not_after = stamp(self.until);
    }
}

fn files(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    (dir.join(format!("{stem}.pem")), dir.join(format!("{stem}.key")))
}

/// Writes a new file; a private key is readable by its owner only.
fn write(path: &Path, contents: &str, private: bool) -> Result<(), CertsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| io(path, e))?;
    file.write_all(contents.as_bytes()).map_err(|e| io(path, e))
}

fn io(path: &Path, error: std::io::Error) -> CertsError {
    CertsError::Io { path: path.to_owned(), reason: error.to_string() }
}
