//! The country catalogue (`scenarios/catalogue/countries.toml`): what the
//! treaties say of each State, dated, so that a scenario set in any year gets
//! that year's world. A scenario that includes it takes each of its
//! countries' memberships, Second Protocol ratification and reservation, and
//! place under the e-Evidence Regulation from it, wherever the scenario
//! itself says nothing; where it says otherwise, the scenario's word stands
//! (it may explore another world) and `check` warns, located.

use super::diagnostic::Collector;
use super::raw::{Membership, NetworkName, RawCountry};
use super::span;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `[catalogue]`: the date its facts hold on, and the sources they were read in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalogue {
    pub as_of: Spanned<String>,
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// `[states.XX]`: one State as the catalogue has it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    pub name: String,
    #[serde(default)]
    pub time_zones: Vec<String>,
    pub budapest: Option<RawBudapest>,
    pub second_protocol: Option<RawStateProtocol>,
    pub eu: Option<RawEu>,
    /// `false`: a Member State the e-Evidence Regulation does not bind.
    pub e_evidence: Option<bool>,
    /// The year its point of contact joined the G7 24/7 network, where published.
    pub g7_network: Option<Spanned<i16>>,
    /// The sources, by key of `[catalogue.sources]`, its dates were read against.
    #[serde(default)]
    pub checked: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBudapest {
    pub signed: Option<Spanned<String>>,
    /// Ratification, acceptance or accession.
    pub ratified: Option<Spanned<String>>,
    pub in_force: Option<Spanned<String>>,
    /// The source, by key of `[catalogue.sources]`, these dates were read in.
    pub source: Option<Spanned<String>>,
    /// Art. 29(4): the reservation to refuse preservation where dual
    /// criminality fails (offences outside Arts. 2-11), while it has effect.
    pub art29_4: Option<RawReservation>,
}

/// A reservation with the period it has effect, and where it was read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReservation {
    pub from: Spanned<String>,
    pub withdrawn: Option<Spanned<String>>,
    pub source: Spanned<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStateProtocol {
    pub signed: Option<Spanned<String>>,
    pub ratified: Option<Spanned<String>>,
    /// Art. 7(9)(a): no Art. 7 order reaches a provider there.
    #[serde(default)]
    pub art7_reserved: bool,
    /// The source, by key of `[catalogue.sources]`, these dates were read in.
    pub source: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEu {
    pub joined: Spanned<String>,
    pub left: Option<Spanned<String>>,
}

/// A State's standing under the Budapest Convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budapest {
    /// Neither signed nor ratified.
    Outside,
    /// Signed, not ratified: not a Party.
    Signed,
    /// A Party from this date.
    Party(Date),
    /// Acceded on a date the sources read did not give: the scenario decides.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub time_zones: Vec<String>,
    pub budapest: Budapest,
    /// Art. 29(4): from, and until it was withdrawn.
    pub art29_4: Option<(Date, Option<Date>)>,
    pub protocol_ratified: Option<Date>,
    pub art7_reserved: bool,
    /// EU membership: joined, and left.
    pub eu: Option<(Date, Option<Date>)>,
    /// Whether the e-Evidence Regulation binds it while it is a Member State.
    pub e_evidence: bool,
    pub g7_network: Option<i16>,
}

impl State {
    /// Whether it is a Budapest Party on `day`; `None` where the catalogue does not know.
    pub fn budapest_party(&self, day: Date) -> Option<bool> {
        match self.budapest {
            Budapest::Party(from) => Some(day >= from),
            Budapest::Outside | Budapest::Signed => Some(false),
            Budapest::Unknown => None,
        }
    }

    /// Whether the e-Evidence Regulation binds it on `day` (were it applicable).
    pub fn bound_by_e_evidence(&self, day: Date) -> bool {
        self.e_evidence && self.eu.is_some_and(|(joined, left)| day >= joined && left.is_none_or(|left| day < left))
    }

    /// Whether its Art. 29(4) reservation has effect on `day`.
    pub fn reserves_dual_criminality(&self, day: Date) -> bool {
        self.art29_4.is_some_and(|(from, withdrawn)| day >= from && withdrawn.is_none_or(|w| day < w))
    }

    /// The date the Second Protocol binds it, if it has ratified (Art. 16(4)).
    pub fn protocol_from(&self) -> Option<Date> {
        self.protocol_ratified.map(entry_into_force)
    }
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub as_of: Date,
    pub states: BTreeMap<String, State>,
}

/// Ratifications the Second Protocol needs to enter into force (Art. 16(3)).
const PROTOCOL_RATIFICATIONS: usize = 5;

/// Budapest Arts. 36(4) and 37(2), Second Protocol Art. 16(3)-(4): a treaty
/// binds a State on the first day of the month after three months have
/// passed since its instrument was deposited.
pub fn entry_into_force(deposited: Date) -> Date {
    let expired = deposited.checked_add(3.months()).unwrap_or(deposited);
    expired.first_of_month().checked_add(1.month()).unwrap_or(expired)
}

impl Catalogue {
    /// The Second Protocol's Parties in the order they ratified.
    fn protocol_ratifications(&self) -> Vec<(&str, &State, Date)> {
        let mut parties: Vec<_> = self
            .states
            .iter()
            .filter_map(|(code, state)| state.protocol_ratified.map(|day| (code.as_str(), state, day)))
            .collect();
        parties.sort_by_key(|&(code, _, day)| (day, code));
        parties
    }

    /// When the Second Protocol enters into force, if it has its five ratifications.
    pub fn protocol_in_force(&self) -> Option<Date> {
        self.protocol_ratifications().get(PROTOCOL_RATIFICATIONS - 1).map(|&(_, _, day)| entry_into_force(day))
    }

    /// Where the Second Protocol stands, with its date and sources, for `check`.
    pub fn protocol_status(&self) -> String {
        let parties = self.protocol_ratifications();
        let list: Vec<String> =
            parties.iter().map(|(_, state, day)| format!("{} {}", state.name, day.strftime("%-d %b %Y"))).collect();
        let count = if parties.len() >= PROTOCOL_RATIFICATIONS {
            format!("{} ratifications", parties.len())
        } else {
            format!("{} of the {PROTOCOL_RATIFICATIONS} ratifications it needs", parties.len())
        };
        format!("{count}: {}; the country catalogue as of {}", list.join(", "), self.as_of)
    }
}

fn date(problems: &mut Collector, text: &Spanned<String>, what: &str) -> Option<Date> {
    match text.get_ref().parse::<Date>() {
        Ok(day) => Some(day),
        Err(_) => {
            problems.push(
                span(text),
                format!("{what} `{}` is not a date", text.get_ref()),
                Some("write dates as \"YYYY-MM-DD\", like \"2007-01-01\"".to_owned()),
            );
            None
        }
    }
}

/// The catalogue, checked; `None` when the scenario includes none.
pub(super) fn catalogue(
    problems: &mut Collector,
    meta: Option<(usize, RawCatalogue)>,
    raw_states: Vec<(usize, Spanned<String>, RawState)>,
) -> Option<Catalogue> {
    let Some((source, meta)) = meta else {
        if let Some((source, code, _)) = raw_states.first() {
            problems.switch(*source);
            problems.push(
                span(code),
                "[states] entries need the [catalogue] table that dates them".to_owned(),
                Some("add [catalogue] as_of = \"YYYY-MM-DD\" to the file that lists the states".to_owned()),
            );
        }
        return None;
    };
    problems.switch(source);
    let as_of = date(problems, &meta.as_of, "the catalogue's date").unwrap_or(Date::constant(2000, 1, 1));
    let mut states = BTreeMap::new();
    for (source, code, raw) in raw_states {
        problems.switch(source);
        if pocnet_node::constraint::country_code(code.get_ref()).is_err() {
            problems.push(span(&code), format!("state `{}` is not two capital letters", code.get_ref()), None);
            continue;
        }
        if states.contains_key(code.get_ref()) {
            problems.push(span(&code), format!("state `{}` is listed twice", code.get_ref()), None);
            continue;
        }
        let table_sources = [
            raw.budapest.as_ref().and_then(|b| b.source.as_ref()),
            raw.budapest.as_ref().and_then(|b| b.art29_4.as_ref()).map(|r| &r.source),
            raw.second_protocol.as_ref().and_then(|p| p.source.as_ref()),
        ];
        for id in raw.checked.iter().chain(table_sources.into_iter().flatten()) {
            if !meta.sources.contains_key(id.get_ref()) {
                let known: Vec<&str> = meta.sources.keys().map(String::as_str).collect();
                problems.unknown(span(id), "source", id.get_ref(), &known);
            }
        }
        let art29_4 = raw.budapest.as_ref().and_then(|b| b.art29_4.as_ref()).and_then(|reservation| {
            let from = date(problems, &reservation.from, "the reservation's effect")?;
            let withdrawn = reservation.withdrawn.as_ref().and_then(|d| date(problems, d, "the withdrawal"));
            if let (Some(withdrawn), Some(at)) = (withdrawn, &reservation.withdrawn)
                && withdrawn < from
            {
                problems.push(span(at), "withdrawn before it had effect".to_owned(), None);
            }
            Some((from, withdrawn))
        });
        let budapest = match raw.budapest {
            None => Budapest::Outside,
            Some(treaty) => {
                let in_force = treaty.in_force.as_ref().and_then(|d| date(problems, d, "entry into force"));
                let ratified = treaty.ratified.as_ref().and_then(|d| date(problems, d, "ratification"));
                let signed = treaty.signed.as_ref().and_then(|d| date(problems, d, "signature"));
                if let (Some(ratified), Some(in_force), Some(at)) = (ratified, in_force, &treaty.in_force)
                    && in_force < ratified
                {
                    problems.push(span(at), "in force before it was ratified".to_owned(), None);
                }
                match (in_force, ratified, signed) {
                    (Some(day), _, _) => Budapest::Party(day),
                    (None, Some(_), _) => {
                        problems.push(
                            span(&code),
                            format!("{} ratified the Convention with no date of entry into force", code.get_ref()),
                            Some("add in_force: the first day of the month three months after".to_owned()),
                        );
                        Budapest::Unknown
                    }
                    (None, None, Some(_)) => Budapest::Signed,
                    (None, None, None) => Budapest::Unknown,
                }
            }
        };
        let protocol = raw.second_protocol.unwrap_or_default();
        let protocol_ratified = protocol.ratified.as_ref().and_then(|d| date(problems, d, "ratification"));
        if let Some(signed) = &protocol.signed {
            date(problems, signed, "signature");
        }
        if protocol.art7_reserved && protocol_ratified.is_none() {
            problems.push(
                span(&code),
                format!("{} reserves Art. 7 of a Protocol it has not ratified", code.get_ref()),
                None,
            );
        }
        let eu = raw.eu.as_ref().and_then(|eu| {
            let joined = date(problems, &eu.joined, "EU accession")?;
            let left = eu.left.as_ref().and_then(|d| date(problems, d, "EU withdrawal"));
            Some((joined, left))
        });
        states.insert(
            code.into_inner(),
            State {
                name: raw.name,
                time_zones: raw.time_zones,
                budapest,
                art29_4,
                protocol_ratified,
                art7_reserved: protocol.art7_reserved,
                eu,
                e_evidence: raw.e_evidence.unwrap_or(true),
                g7_network: raw.g7_network.map(Spanned::into_inner),
            },
        );
    }
    Some(Catalogue { as_of, states })
}

/// What a scenario's country says against the catalogue, before it is read:
/// what it leaves unsaid is filled in from its State (as of `day`), and what
/// it says otherwise is warned of, located. Returns whether the e-Evidence
/// Regulation binds it by the catalogue (the scenario saying nothing): a
/// Member State of that day, which need not be one today.
pub(super) fn fill_in(
    problems: &Collector,
    state: &State,
    (code, code_at): (&str, std::ops::Range<usize>),
    day: Date,
    country: &mut RawCountry,
    warnings: &mut Vec<String>,
) -> bool {
    let here = |value_span: std::ops::Range<usize>| problems.location(value_span);
    let party = state.budapest_party(day);
    let party_text = |party: bool| match (party, state.budapest) {
        (true, Budapest::Party(from)) => format!("a Budapest Party since {from}"),
        (false, Budapest::Party(from)) => format!("a Budapest Party only from {from}"),
        (false, Budapest::Signed) => "a signatory of the Budapest Convention, not a Party".to_owned(),
        _ => "not a Budapest Party".to_owned(),
    };
    // The scenario's year-granular membership against the catalogue's day.
    let stated_year = |membership: Membership| match membership {
        Membership::Since(year) => year <= day.year(),
        Membership::Never => false,
    };
    // A State the catalogue cannot date is not made a Party on a guess.
    let from_catalogue = |party: Option<bool>| match party {
        Some(true) => Membership::Since(day.year()),
        Some(false) | None => Membership::Never,
    };
    match (&country.member_since, &mut country.networks) {
        (Some(since), _) => {
            if let Some(party) = party
                && stated_year(*since.get_ref()) != party
            {
                warnings.push(format!(
                    "{}: `member_since` makes {code} a member of both networks, Budapest's included, on {day}; the \
                     catalogue has it {}: say `networks = {{ g7 = YEAR }}` and let the catalogue say the rest",
                    here(span(since)),
                    party_text(party)
                ));
            }
        }
        (None, Some(networks)) => {
            let at = span(networks);
            let stated = networks.get_mut();
            match stated.get(&NetworkName::Budapest) {
                Some(&membership) => {
                    if let Some(party) = party
                        && stated_year(membership) != party
                    {
                        warnings.push(format!(
                            "{}: `networks.budapest` differs from the catalogue, which has {code} {} on {day}",
                            here(at),
                            party_text(party)
                        ));
                    }
                }
                None => {
                    stated.insert(NetworkName::Budapest, from_catalogue(party));
                }
            }
            if let (None, Some(year)) = (stated.get(&NetworkName::G7), state.g7_network) {
                stated.insert(NetworkName::G7, Membership::Since(year));
            }
        }
        (None, None) => {
            // A desk the scenario lists is in the G7 network unless it says
            // otherwise; Budapest is the catalogue's to say, and where it
            // cannot, nobody is made a Party on a guess.
            if party.is_none() {
                warnings.push(format!(
                    "{}: the catalogue does not say whether or when {} joined the Budapest Convention, so it is taken as \
                     not a Party on {day}: say `networks = {{ g7 = YEAR, budapest = YEAR }}` if it is",
                    here(code_at),
                    state.name
                ));
            }
            let g7 = state.g7_network.map_or(Membership::Since(day.year()), Membership::Since);
            let networks = [(NetworkName::G7, g7), (NetworkName::Budapest, from_catalogue(party))];
            country.networks = Some(Spanned::new(0..0, networks.into_iter().collect()));
        }
    }

    // A Party from its ratification; bound from the Protocol's entry into
    // force for it (`protocol_from`).
    let ratified = state.protocol_ratified.is_some_and(|ratified| ratified <= day);
    match &country.second_protocol {
        None => country.second_protocol = Some(Spanned::new(0..0, ratified)),
        Some(stated) if *stated.get_ref() != ratified => warnings.push(format!(
            "{}: the catalogue has {code} {} the Second Protocol",
            here(span(stated)),
            if ratified { "a Party to" } else { "not a Party to" },
        )),
        Some(_) => {}
    }
    if country.art7_reservation.is_none() && state.art7_reserved && ratified {
        country.art7_reservation = Some(Spanned::new(0..0, true));
    }

    let bound = state.bound_by_e_evidence(day);
    let bound_by_catalogue = country.e_evidence.is_none() && bound;
    match &country.e_evidence {
        None => {}
        // A code the Regulation can never bind is an error of its own.
        Some(stated) if *stated.get_ref() && !bound && state.eu.is_some() && state.e_evidence => {
            warnings.push(format!(
                "{}: {code} is not an EU Member State on {day} (the catalogue), so the Regulation would not bind it",
                here(span(stated))
            ))
        }
        Some(stated) if !*stated.get_ref() && bound => warnings.push(format!(
            "{}: {code} is an EU Member State bound by the e-Evidence Regulation on {day} (the catalogue)",
            here(span(stated))
        )),
        Some(_) => {}
    }

    // Art. 29(3): no Party makes preservation wait on dual criminality
    // unless it reserved 29(4), and then only for offences outside Arts. 2-11.
    if let Some(offences) = country.dual_criminality.as_ref().filter(|o| !o.is_empty())
        && party == Some(true)
        && !state.reserves_dual_criminality(day)
    {
        warnings.push(format!(
            "{}: {code} has no Art. 29(4) reservation in effect on {day} (the catalogue), so as a Party it may not \
             refuse preservation for want of dual criminality (Art. 29(3)); `dual_criminality` names {}",
            here(span(&offences[0])),
            offences.iter().map(|o| o.get_ref().name()).collect::<Vec<_>>().join(", ")
        ));
    }

    let zone = country.time_zone.get_ref();
    if !state.time_zones.is_empty() && !state.time_zones.iter().any(|z| z == zone) {
        warnings.push(format!(
            "{}: `{zone}` is not a time zone the catalogue lists for {} ({})",
            here(span(&country.time_zone)),
            state.name,
            state.time_zones.join(", ")
        ));
    }
    bound_by_catalogue
}

/// The day a scenario's world is taken on: its epoch's date in UTC.
pub fn day_of(epoch: jiff::Timestamp) -> Date {
    epoch.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_treaty_binds_on_the_first_of_the_month_three_months_after_deposit() {
        // Japan's acceptance of 3 Jul 2012 bound it from 1 Nov 2012 (MOFA).
        assert_eq!(entry_into_force(Date::constant(2012, 7, 3)), Date::constant(2012, 11, 1));
        assert_eq!(entry_into_force(Date::constant(2006, 9, 29)), Date::constant(2007, 1, 1));
        assert_eq!(entry_into_force(Date::constant(2024, 3, 8)), Date::constant(2024, 7, 1));
        assert_eq!(entry_into_force(Date::constant(2023, 2, 1)), Date::constant(2023, 6, 1));
    }
}
