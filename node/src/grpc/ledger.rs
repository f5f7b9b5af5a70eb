//! A run's traffic, as each node saw it. Without TLS, the run id is all
//! that admits a caller, and a node cannot tell a forged batch that names
//! it from a peer's. So every node keeps a digest of what it sent to each
//! peer and of what it queued from each, and the coordinator compares them
//! when the run ends: a message one node took that no node of the run sent
//! (or sent otherwise) makes the digests differ, and the run fails instead
//! of reporting a world someone else wrote into.

use pocnet_proto as pb;
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One node's digests of the run so far.
#[derive(Clone, Default)]
pub struct Ledger {
    sent: BTreeMap<String, Sha256>,
    accepted: BTreeMap<String, Sha256>,
}

/// The digest kept for `country`, made the first time only (a message
/// would otherwise copy the country's code to look it up).
fn digest_of<'d>(digests: &'d mut BTreeMap<String, Sha256>, country: &str) -> &'d mut Sha256 {
    if !digests.contains_key(country) {
        digests.insert(country.to_owned(), Sha256::new());
    }
    digests.get_mut(country).expect("inserted if it was missing")
}

fn add(digest: &mut Sha256, encoded: &[u8]) {
    digest.update((encoded.len() as u64).to_le_bytes());
    digest.update(encoded);
}

impl Ledger {
    /// A message this node sends `to`, once however often its batch is retried.
    pub fn sent(&mut self, to: &str, envelope: &pb::Envelope) {
        add(digest_of(&mut self.sent, to), &envelope.encode_to_vec());
    }

    /// A message this node queued from `from`, as it arrived encoded.
    pub fn accepted(&mut self, from: &str, encoded: &[u8]) {
        add(digest_of(&mut self.accepted, from), encoded);
    }

    /// The digests as the run's end reports them, with the calls refused.
    pub fn close(&self, refused: u64) -> pb::Ended {
        let finish = |digests: &BTreeMap<String, Sha256>| {
            digests.iter().map(|(country, digest)| (country.clone(), digest.clone().finalize().to_vec())).collect()
        };
        pb::Ended { sent: finish(&self.sent), accepted: finish(&self.accepted), refused }
    }
}

/// What the nodes' ledgers say of a run, compared at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audit {
    /// Every message a node queued was sent to it, in that order, by the
    /// node it names; `refused` calls were turned away and changed nothing.
    Clean { refused: BTreeMap<String, u64> },
    /// `at` queued from `from` messages `from` did not send it (forged, or
    /// a real batch replaced): the run's result cannot be trusted.
    Forged { at: String, from: String },
}

/// Compares every pair's digests: what `from` sent `to` must be what `to` queued from `from`.
pub fn audit(ended: &BTreeMap<String, pb::Ended>) -> Audit {
    let empty = Sha256::new().finalize().to_vec();
    for (at, report) in ended {
        let senders = ended.keys().chain(report.accepted.keys());
        for from in senders {
            let sent = ended.get(from).and_then(|r| r.sent.get(at)).unwrap_or(&empty);
            let accepted = report.accepted.get(from).unwrap_or(&empty);
            if sent != accepted {
                return Audit::Forged { at: at.clone(), from: from.clone() };
            }
        }
    }
    let refused = ended.iter().filter(|(_, r)| r.refused > 0).map(|(c, r)| (c.clone(), r.refused)).collect();
    Audit::Clean { refused }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(from: &str, to: &str, sequence: u64) -> pb::Envelope {
        pb::Envelope { from: from.to_owned(), to: to.to_owned(), sequence, ..Default::default() }
    }

    #[test]
    fn what_was_sent_and_taken_agrees_and_a_forged_or_replaced_message_does_not() {
        let (mut de, mut nl) = (Ledger::default(), Ledger::default());
        for n in 1..=3 {
            let message = envelope("DE", "NL", n);
            de.sent("NL", &message);
            nl.accepted("DE", &message.encode_to_vec());
        }
        let ended = |de: &Ledger, nl: &Ledger, refused| {
            BTreeMap::from([("DE".to_owned(), de.close(0)), ("NL".to_owned(), nl.close(refused))])
        };
        assert_eq!(audit(&ended(&de, &nl, 0)), Audit::Clean { refused: BTreeMap::new() });
        // Refused calls are counted, and change nothing.
        assert_eq!(audit(&ended(&de, &nl, 2)), Audit::Clean { refused: BTreeMap::from([("NL".to_owned(), 2)]) });
        // One more message NL took "from DE" that DE never sent.
        let mut forged = nl.clone();
        forged.accepted("DE", &envelope("DE", "NL", 4).encode_to_vec());
        assert_eq!(audit(&ended(&de, &forged, 0)), Audit::Forged { at: "NL".to_owned(), from: "DE".to_owned() });
        // A message from a country that is not in the run at all.
        let mut stranger = nl.clone();
        stranger.accepted("XX", &envelope("XX", "NL", 1).encode_to_vec());
        assert_eq!(audit(&ended(&de, &stranger, 0)), Audit::Forged { at: "NL".to_owned(), from: "XX".to_owned() });
        // The same count, another content: a real message replaced.
        let mut replaced = Ledger::default();
        for n in [1, 2, 9] {
            replaced.accepted("DE", &envelope("DE", "NL", n).encode_to_vec());
        }
        assert_eq!(audit(&ended(&de, &replaced, 0)), Audit::Forged { at: "NL".to_owned(), from: "DE".to_owned() });
    }
}
