//! What a valid scenario may still get wrong about the law: an instrument
//! used before it is in force or between countries it does not bind, or a
//! goal measured on a channel no request of the scenario can take. Warnings,
//! not errors: a scenario may explore a future, but its author should know.

use super::Scenario;
use crate::latency::Measure;
use pocnet_node::ProductionChannel;

/// Beyond this after the last communication, an instrument is out of the scenario's world.
const YEAR_MS: i64 = 365 * 86_400_000;

impl Scenario {
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.located_warnings.clone();
        if self.protocol_status.is_none() {
            warnings.push(
                "no country catalogue is included: each country's treaty memberships are this scenario's own \
                 (include catalogue/countries.toml to take them, dated, from the sources)"
                    .to_owned(),
            );
        }
        // Where it stands comes from the catalogue, dated, so it changes with the data.
        let status = self.protocol_status.clone().unwrap_or_else(|| {
            "it needs five ratifications, Art. 16(3); include catalogue/countries.toml for where it stands".to_owned()
        });
        let last = self.last_communication();
        let protocol_usable = match &self.second_protocol {
            None => false,
            Some(protocol) if protocol.parties.len() < 2 => {
                warnings.push(format!(
                    "only {} is a `second_protocol` Party: its orders need two Parties",
                    protocol.parties.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                ));
                false
            }
            Some(protocol) => match protocol.in_force_at {
                None => {
                    warnings.push(format!(
                        "the Second Protocol (CETS 224) is not in force ({status}), so its Parties here use MLA: set \
                         [instruments.second_protocol] in_force to explore a future where it is"
                    ));
                    false
                }
                Some(at) => {
                    warnings.push(format!(
                        "the Second Protocol (CETS 224) is in force from {} in this scenario ({status})",
                        self.date_text(at)
                    ));
                    // Production follows the communications by weeks: it may still apply.
                    true
                }
            },
        };
        let epoc_usable = match &self.epoc {
            None => false,
            Some(epoc) if epoc.bound.len() < 2 => {
                warnings.push(format!(
                    "only {} is `e_evidence`: a European Production Order needs two bound Member States",
                    epoc.bound.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                ));
                false
            }
            // Production follows the communication by days at least; one
            // after the last communication is still possible, so this only
            // warns when the Regulation applies after every incident, and
            // not for a world years before it (the catalogue binds the
            // Member States of that day).
            Some(epoc) if epoc.in_force_at > last && epoc.in_force_at.ms() - last.ms() < YEAR_MS => {
                warnings.push(format!(
                    "the e-Evidence Regulation applies from {}, after every incident's communication: \
                     production orders are used only once it applies",
                    self.date_text(epoc.in_force_at)
                ));
                true
            }
            Some(_) => true,
        };
        for goal in &self.goals.goals {
            if goal.measure != Measure::Production {
                continue;
            }
            let unused = match goal.channel {
                Some(ProductionChannel::Epoc) => !epoc_usable,
                Some(ProductionChannel::Emergency) => !self.incidents.iter().any(|i| i.emergency),
                Some(ProductionChannel::Art7 | ProductionChannel::Art8) => !protocol_usable,
                _ => false,
            };
            if unused {
                let channel = goal.channel.map_or("?", ProductionChannel::label);
                warnings.push(format!(
                    "goal profile `{}` measures production by {channel}, which no request of this scenario can \
                     take: its production goal will read \"not applicable\"",
                    self.goals.name
                ));
            }
        }
        warnings
    }

    fn date_text(&self, at: pocnet_node::SimTime) -> String {
        jiff::Timestamp::from_millisecond(self.epoch.as_millisecond() + at.ms())
            .map_or_else(|_| format!("sim ms {}", at.ms()), |t| t.strftime("%Y-%m-%d").to_string())
    }
}
