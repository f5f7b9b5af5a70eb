//! The JSON Schema of the scenario format, for TOML editors (taplo, Even
//! Better TOML) to complete and check scenario files as they are written.
//! `pocnet schema` prints it; `scenarios/pocnet-scenario.schema.json` is a
//! copy the repository's `.taplo.toml` points editors to, kept equal by a test.

use serde_json::{Value, json};

fn duration(description: &str) -> Value {
    json!({
        "type": "string",
        "description": description,
        // No `M`: a month to the parser, a minute to most readers; refused.
        "pattern": "^\\s*[0-9]+\\s*(ms|s|sec|m|min|h|hr|d|day|days|w|week|weeks|y)(\\s*[0-9]+\\s*(ms|s|m|h|d|w))*\\s*$",
        "examples": ["90s", "15m", "4h", "7d", "1h 30m"]
    })
}

fn delay(description: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [
            duration("always this long"),
            {
                "type": "object", "description": "log-normal: half within the median, 90% within p90",
                "properties": { "median": duration("median"), "p90": duration("90th percentile, at least the median") },
                "required": ["median", "p90"], "additionalProperties": false
            },
            {
                "type": "object", "description": "exponential with this mean",
                "properties": { "mean": duration("mean") }, "required": ["mean"], "additionalProperties": false
            },
            {
                "type": "object", "description": "uniform between min and max",
                "properties": { "min": duration("shortest"), "max": duration("longest") },
                "required": ["min", "max"], "additionalProperties": false
            }
        ]
    })
}

fn offence() -> Value {
    json!({
        "type": "string",
        "description": "offence category: Budapest Convention Arts. 2-10 (attempt and aiding, Art. 11, go with them), or a common offence outside it",
        "enum": pocnet_node::Offence::ALL.map(pocnet_node::Offence::name)
    })
}

fn chain() -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "minItems": 1,
            "description": "carrier ids from the victim's side back to the origin" })
}

/// An RFC 3339 instant: date, time and its UTC offset (a local time alone is ambiguous).
fn instant(description: &str) -> Value {
    json!({
        "type": "string", "description": description, "examples": ["2026-03-06T18:30:00+01:00", "2026-03-06T17:30:00Z"],
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)(\\[[^\\]]+\\])?$"
    })
}

/// An ISO 3166 alpha-2 code, as the scenario's [countries] tables are keyed.
fn country_code(description: &str) -> Value {
    json!({ "type": "string", "description": description, "pattern": COUNTRY_CODE, "examples": ["DE", "FR", "US"] })
}

const COUNTRY_CODE: &str = "^[A-Z]{2}$";

pub fn scenario_schema() -> Value {
    let staffing = json!({
        "description": "\"24/7\", or office hours in local time",
        "oneOf": [
            { "const": "24/7" },
            {
                "type": "object",
                "properties": {
                    "office_hours": {
                        "description": "\"09:00-17:00\", or shifts [\"07:00-15:00\", \"15:00-23:00\"]",
                        "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }]
                    },
                    "days": { "type": "string", "description": "open days, like \"Mon-Fri\" or \"Mon,Wed,Fri\"", "default": "Mon-Fri" },
                    "on_call": delay("how long an on-call officer takes outside hours; absent: requests wait for the desk to open")
                },
                "required": ["office_hours"], "additionalProperties": false
            }
        ]
    });
    let mut country = json!({
        "type": "object",
        "description": "a member country's point of contact, keyed by its ISO 3166 alpha-2 code",
        "properties": {
            "name": { "type": "string" },
            "time_zone": { "type": "string", "description": "IANA time zone, like \"Europe/Paris\"" },
            "staffing": staffing.clone(),
            "acknowledgement": delay("desk handling time once an officer is at the desk [default: median 15m, p90 1h]"),
            "written_confirmation": delay("until the written confirmation of an expedited request is sent (Action Plan 8) [default: median 1d, p90 3d]"),
            "mla_preparation": delay("preparing the Art. 31 MLA request once data is held [default: median 21d, p90 60d]"),
            "mla_execution": delay("executing an MLA request received: producing the preserved data [default: median 222d, p90 600d: a mean of 300 days]"),
            "hold": duration("how long preserved data is held (Art. 29(7): at least 60 days) [default: 60d]"),
            "hold_renewal": duration("the hold renewable once for this long (US: 90 + 90 days) [default: none]"),
            "member_since": {
                "description": "year the country joined the network (both the G7 and the Budapest networks; see networks to set them apart), or \"never\"; not yet a member at the epoch: requests go by MLA. With the catalogue included, leave it out: Budapest membership comes dated from the catalogue",
                "oneOf": [{ "type": "integer", "minimum": 1997 }, { "const": "never" }]
            },
            "languages": { "type": "array", "items": { "type": "string" }, "description": "languages the desk reads (ISO 639-1)" },
            "translation": delay("translating a request in no language the desk reads [default: uniform 0-8h]"),
            "court_order": delay("a court order needed before the carrier may be ordered to preserve"),
            "holidays": { "type": "array", "items": { "type": "string", "format": "date" }, "description": "local dates the desk is closed (office-hours desks)" },
            "officers": { "type": "integer", "minimum": 1, "description": "officers at once; simultaneous cases queue [default: as many as needed]" },
            "dual_criminality": { "type": "array", "items": offence(), "description": "Art. 29(4) reservation: the offences outside Arts. 2-11 it does not punish and refuses to preserve for" },
            "art7_reservation": { "type": "boolean", "default": false, "description": "a Second Protocol Party that reserved the right not to apply Art. 7 (Art. 7(9)(a), as Japan did): no Art. 7 order reaches a provider here; an Art. 8 order serves instead" },
            "second_protocol": { "type": "boolean", "description": "a Party to the Second Protocol (CETS 224) [default: as the included catalogue has it on the epoch, else false], once it is in force ([instruments.second_protocol] in_force): between two Parties the origin's subscriber is asked of the provider directly (Art. 7, subscriber information only), and by an Art. 8 order where Art. 7 cannot ask or after its 30 days unanswered. The Protocol is not in force" },
            "art30": { "enum": ["direct", "order", "mla_only"], "default": "direct", "description": "Budapest Art. 30: how the next hop is disclosed to a foreign requester: at once, after a prosecutor's or judge's order (disclosure_order), or only when an MLA request or production order is executed (mla_only: a Party not complying with Art. 30, whose para. 2 allows withholding only on political-offence or essential-interest grounds; check warns)" },
            "disclosure_order": delay("the order an art30 = \"order\" country needs before disclosure [default: median 1d, p90 3d; assumed]"),
            "mla_follow_up": {
                "description": "as requester, the chance it follows held data up with a production request (MLA is often not pursued: T-CY 2014), one for every hop or by role [default: 1, always; assumed]",
                "oneOf": [
                    { "type": "number", "minimum": 0, "maximum": 1 },
                    {
                        "type": "object",
                        "properties": {
                            "intermediate": { "type": "number", "minimum": 0, "maximum": 1, "description": "for a hop that only named the next one" },
                            "origin": { "type": "number", "minimum": 0, "maximum": 1, "description": "for the origin, whose subscriber is wanted" }
                        },
                        "additionalProperties": false
                    }
                ]
            },
            "timestamp_errors": { "type": "number", "minimum": 0, "maximum": 1, "default": 0, "description": "as requester, the share of requests giving the wrong timestamp or time zone: the carrier's data for that moment names someone else [default: 0; assumed]" },
            "refusal_grounds": { "type": "number", "minimum": 0, "maximum": 1, "default": 0, "description": "as requested country, the share of requests it refuses on Art. 29(5) grounds (political offence; sovereignty, security, ordre public or other essential interests) [default: 0; assumed]" },
            "request_defects": { "type": "number", "minimum": 0, "maximum": 1, "default": 0, "description": "as requester, the share of requests with wrong identifiers or an over-broad scope, which the requested desk sends back for clarification before ordering preservation [default: 0; assumed]" },
            "renewal_forgotten": { "type": "number", "minimum": 0, "maximum": 1, "default": 0.1, "description": "as requester, the chance its desk (a bot) forgets to ask in time for the renewal of a hold that will lapse before its production request leaves: the hold lapses [default: 0.1; assumed, swept by pocnet sensitivity]" },
            "ip_assignment": { "enum": ["subscriber", "traffic"], "default": "subscriber", "description": "whether \"who held IP x at time t\" is subscriber information or traffic data in this country (T-CY Guidance Note #10): as traffic data, no Art. 7 order can ask it of the country's providers" },
            "e_evidence": { "type": "boolean", "description": "an EU Member State bound by the e-Evidence Regulation (2023/1543) [default: as the included catalogue has it on the epoch, else false]: production between two such countries goes by European Production Order once it applies" },
            "channel": { "enum": ["voice", "e-mail", "fax", "portal"], "description": "the channel the desk takes expedited requests by [default: network message_delay]" },
            "directory": {
                "type": "object", "description": "the contact directory's entry for this desk",
                "properties": {
                    "stale": { "type": "number", "minimum": 0, "maximum": 1, "description": "probability the listed contact is stale" },
                    "fallback": delay("extra delay of the fallback channel after a failed attempt [default: uniform 2h-24h]")
                },
                "required": ["stale"], "additionalProperties": false
            }
        },
        "required": ["name", "time_zone", "staffing"], "additionalProperties": false
    });
    // Networks and the steps around production, apart: one macro call for
    // every key exceeds json!'s recursion limit.
    let membership = json!({ "oneOf": [{ "type": "integer", "minimum": 1997 }, { "const": "never" }] });
    let practice = json!({
        "networks": {
            "type": "object",
            "description": "membership of each network of 24/7 points of contact apart, by year or \"never\"; two desks work together only within a network both belong to at the epoch (otherwise by MLA). A network not named is one the country does not belong to. Instead of member_since",
            "properties": { "g7": membership.clone(), "budapest": membership },
            "additionalProperties": false
        },
            "police_channel": { "type": "boolean", "default": false, "description": "as requester, asks the origin country's police (directly or through INTERPOL I-24/7) who the subscriber is, as intelligence, not evidence, while formal production runs" },
            "police_response": delay("as requested country, its police answering a foreign police or INTERPOL query about a subscriber [default: median 3d, p90 14d; assumed]"),
            "request_preparation": delay("as reporting country, preparing the first request before the desk sends it: the investigator's facts, WHOIS, the provider's identifiers [default: none]"),
            "prosecutor_sign_off": delay("as reporting country, a prosecutor's sign-off its law wants before a request leaves; not in an emergency [default: none]"),
            "emergency_disclosure": { "enum": ["direct", "urgent_mla"], "default": "direct", "description": "as requested country, how it discloses to a foreign State in an emergency: its point of contact has the provider disclose at once, or only on an urgent MLA request (Budapest Art. 25(3)): preserved at once, the next hop by its Art. 30 regime, the subscriber when the request is executed (urgent_mla). Second Protocol Parties in force disclose at once to each other (Art. 9) [default: direct; assumed]" },
            "preservation_order": delay("as requested country, drafting and serving the preservation order on the provider once the request is acknowledged (a step of its own) [default: median 30m, p90 2h; assumed]"),
            "mla_translation": delay("as requested country, the certified translation a formal request (MLA, an Art. 8 order) from a requester writing in none of its languages needs before it is executed [default: median 14d, p90 45d; assumed]"),
            "urgent_mla": delay("the urgent MLA request an emergency_disclosure = \"urgent_mla\" country needs, drafted, sent and executed [default: median 3d, p90 14d; assumed]"),
            "mla_abandoned_after": { "type": "string", "default": "730d", "description": "as requester, how long a formal request for production (MLA, an Art. 8 order) is waited on before it is abandoned unanswered, or \"never\" [default: 730d, the T-CY's 6 to 24 months at its upper end; assumed, swept by pocnet sensitivity]" }
    });
    if let (Some(properties), serde_json::Value::Object(more)) = (country["properties"].as_object_mut(), practice) {
        properties.extend(more);
    }
    let carrier = json!({
        "type": "object",
        "description": "a communications carrier, keyed by the id chains refer to",
        "properties": {
            "country": country_code("country code of a [countries] table"),
            "kind": { "type": "string", "examples": ["access-isp", "mobile", "vpn", "hosting", "e-mail", "cloud"] },
            "retention": {
                "description": "how long traffic data is kept, or \"none\" (no logs)",
                "oneOf": [duration("retention window"), { "const": "none" }]
            },
            "cgn": { "type": "boolean", "description": "behind carrier-grade NAT: without source port, nobody is identified", "default": false },
            "preservation": delay("executing a preservation order [default: median 4h, p90 24h]"),
            "disclosure": delay("producing the traffic data naming the previous hop [default: median 24h, p90 72h]"),
            "emergency_response": delay("preserving, and again disclosing, in an emergency [default: median 2h, p90 8h]"),
            "hours": staffing.clone(),
            "direct_response": delay("answering a direct request for subscriber information: an Art. 7 order (30 days, then Art. 8 or MLA) or a voluntary request [default: uniform 1d-30d]"),
            "voluntary_disclosure": { "type": "number", "minimum": 0, "maximum": 1, "default": 0, "description": "the share of foreign authorities' direct requests for non-content data it answers by its own policy (SIRIUS 2019: 68.4% of EU direct requests succeeded); 0: it takes none. Asked for the origin's subscriber where no production order can ask; declined, MLA follows after 30 days" },
            "eu_establishment": country_code("a provider offering services in the Union: the Member State of the establishment or legal representative it designated for orders (Directive 2023/1544), where a European Production Order reaches it from another bound Member State [default: its own country, if the Regulation binds it; otherwise none]"),
            "subscriber_retention": duration("how long subscriber records are kept; at the origin, the account holder is identified only if they still are [default: as long as needed]")
        },
        "required": ["country", "kind", "retention"], "additionalProperties": false
    });
    let incident = json!({
        "type": "object",
        "properties": {
            "id": { "type": "string" },
            "reported_by": country_code("country code of the victim's country"),
            "communication": instant("when the communication happened, RFC 3339 with offset"),
            "detection": delay("from the communication to the report reaching the point of contact"),
            "chain": chain(),
            "offence": offence(),
            "urgency": { "enum": ["routine", "emergency"], "default": "routine", "description": "emergency: Second Protocol Art. 9" },
            "source_port": { "type": "boolean", "default": true, "description": "requests carry the source port and a timestamp to the second" },
            "addresses": { "type": "array", "items": { "type": "string" }, "description": "for an exercise: the address (and port) each carrier of the chain served the communication from, one per carrier: 203.0.113.7 or 198.51.100.23:40001" }
        },
        "required": ["id", "reported_by", "communication", "detection", "chain"], "additionalProperties": false
    });
    let generator = json!({
        "type": "object",
        "description": "incidents drawn from a Poisson process, each from a template chosen by weight",
        "properties": {
            "id": { "type": "string", "description": "prefix of the generated ids" },
            "per_day": { "type": "number", "exclusiveMinimum": 0 },
            "from": instant("start of the period"),
            "period": duration("length of the period"),
            "detection": delay("from the communication to the report"),
            "offence": offence(),
            "urgency": { "enum": ["routine", "emergency"], "default": "routine" },
            "source_port": { "type": "boolean", "default": true },
            "templates": {
                "type": "array", "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "weight": { "type": "integer", "minimum": 1, "default": 1 },
                        "reported_by": country_code("country code of the victims' country"),
                        "chain": chain()
                    },
                    "required": ["reported_by", "chain"], "additionalProperties": false
                }
            }
        },
        "required": ["id", "per_day", "from", "period", "detection", "templates"], "additionalProperties": false
    });
    let goal_target = duration("target for this goal");
    let pace = json!({
        "type": "number",
        "minimum": crate::scenario::exercise::MIN_SPEED,
        "maximum": crate::scenario::exercise::MAX_SPEED
    });
    let exercise = json!({
        "type": "object",
        "description": "how the scenario is played as a training exercise (pocnet exercise, docs/exercise.md)",
        "properties": {
            "seats": { "type": "array", "items": { "type": "string" }, "description": "country codes of the desks people play, unless --seats says otherwise" },
            "speed": { "description": "simulated time per wall time once resumed [default: 10]", "allOf": [pace.clone()] },
            "start": instant("where the clock stands when the exercise opens [default: the epoch]"),
            "phases": {
                "type": "array",
                "items": {
                    "type": "object", "description": "from `from` on, the clock runs at `speed`",
                    "properties": { "name": { "type": "string" }, "from": instant("start of the phase"), "speed": pace },
                    "required": ["name", "from", "speed"], "additionalProperties": false
                }
            },
            "skips": {
                "type": "array",
                "items": {
                    "type": "object", "description": "a quiet span the director plans to skip: it costs no wall time in the plan, and the director's console offers it",
                    "properties": { "from": instant("where the skip begins"), "to": instant("where it lands") },
                    "required": ["from", "to"], "additionalProperties": false
                }
            },
            "briefings": { "type": "object", "additionalProperties": { "type": "string" }, "description": "what each seat reads before play, by country code" }
        },
        "additionalProperties": false
    });
    let expectation = json!({
        "type": "object", "description": "what a desk is expected to do once the inject reaches it",
        "properties": {
            "form": { "enum": crate::scenario::templates::StepKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>() },
            "by": { "type": "string", "description": "the country expected to act [default: the inject's recipient]" },
            "to": { "type": "string", "description": "the country the form goes to" },
            "fields": { "type": "array", "items": { "type": "string" }, "description": "fields the form must carry, exactly" },
            "goal": duration("met by this long after the inject: performed without challenges"),
            "limit": duration("missed past this long after the inject"),
            "objective": { "type": "string", "description": "the objective it serves" }
        },
        "required": ["form", "goal", "limit"], "additionalProperties": false
    });
    let inject = json!({
        "type": "object", "description": "one message of the MSEL",
        "properties": {
            "id": { "type": "string" },
            "at": { "type": "string", "description": "an instant, T+2h30m from the exercise start, or OTHER+1h after another inject; absent: a standby or contingency" },
            "to": { "type": "string", "description": "a seat's country code, all or director" },
            "from": { "type": "string", "description": "the persona it comes from" },
            "channel": { "type": "string" },
            "text": { "type": "string" },
            "attachments": { "type": "array", "items": { "type": "object", "properties": { "name": { "type": "string" }, "text": { "type": "string" } }, "required": ["name", "text"], "additionalProperties": false } },
            "expect": { "type": "array", "items": expectation },
            "on_missed": { "type": "string", "description": "the contingency inject fired when an expectation is missed" }
        },
        "required": ["id", "to", "text"], "additionalProperties": false
    });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "pocnet scenario",
        "description": "A world for the pocnet simulator of the 24/7 high-tech crime points-of-contact network (docs/scenarios.md).",
        "type": "object",
        "properties": {
            "include": { "type": "array", "items": { "type": "string" }, "description": "files (relative to this one) whose countries, carriers and incidents join this scenario; catalogue/countries.toml gives every country its treaty memberships by date" },
            "catalogue": {
                "type": "object", "description": "the country catalogue's date and the sources its dates were read in (scenarios/catalogue/countries.toml)",
                "properties": {
                    "as_of": { "type": "string", "format": "date", "description": "the day its facts hold on" },
                    "sources": { "type": "object", "additionalProperties": { "type": "string" }, "description": "each source by a short key, as `checked` names it" }
                },
                "required": ["as_of"], "additionalProperties": false
            },
            "states": {
                "type": "object", "description": "the catalogue's States by ISO 3166 code: what the treaties say of each, dated",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "name": { "type": "string" },
                        "time_zones": { "type": "array", "items": { "type": "string" }, "description": "IANA zones a desk there may keep" },
                        "budapest": {
                            "type": "object", "description": "the Convention on Cybercrime (ETS 185); absent: neither signed nor ratified; a table with no date: joined on a date the sources read did not give",
                            "properties": {
                                "signed": { "type": "string", "format": "date" },
                                "ratified": { "type": "string", "format": "date", "description": "ratification, acceptance or accession" },
                                "in_force": { "type": "string", "format": "date", "description": "the first day of the month three months after ratification (Arts. 36(4), 37(2))" },
                                "source": { "type": "string", "description": "the source these dates were read in, by key of [catalogue.sources]" },
                                "art29_4": {
                                    "type": "object", "description": "Art. 29(4): the reservation to refuse preservation where dual criminality fails, while it has effect",
                                    "properties": {
                                        "from": { "type": "string", "format": "date" },
                                        "withdrawn": { "type": "string", "format": "date" },
                                        "source": { "type": "string", "description": "where it was read, by key of [catalogue.sources]" }
                                    },
                                    "required": ["from", "source"], "additionalProperties": false
                                }
                            },
                            "additionalProperties": false
                        },
                        "second_protocol": {
                            "type": "object", "description": "the Second Additional Protocol (CETS 224)",
                            "properties": {
                                "signed": { "type": "string", "format": "date" },
                                "ratified": { "type": "string", "format": "date" },
                                "art7_reserved": { "type": "boolean", "description": "Art. 7(9)(a): no Art. 7 order reaches a provider there" },
                                "source": { "type": "string", "description": "the source these dates were read in, by key of [catalogue.sources]" }
                            },
                            "additionalProperties": false
                        },
                        "eu": {
                            "type": "object", "description": "EU membership",
                            "properties": { "joined": { "type": "string", "format": "date" }, "left": { "type": "string", "format": "date" } },
                            "required": ["joined"], "additionalProperties": false
                        },
                        "e_evidence": { "type": "boolean", "description": "false: a Member State the e-Evidence Regulation does not bind (Denmark)" },
                        "g7_network": { "type": "integer", "minimum": 1997, "description": "the year its point of contact joined the G7 24/7 network, where published" },
                        "checked": { "type": "array", "items": { "type": "string" }, "description": "the sources its dates were read against; none: unverified" }
                    },
                    "required": ["name"], "additionalProperties": false
                }
            },
            "scenario": {
                "type": "object",
                "properties": {
                    "name": { "type": "string" },
                    "description": { "type": "string" },
                    "epoch": instant("simulated time zero"),
                    "seed": { "type": "integer", "minimum": 0, "default": 1 },
                    "strategy": { "enum": pocnet_node::Strategy::ALL.map(pocnet_node::Strategy::name), "default": "hub" },
                    "goals": {
                        "description": "a goal profile, or one with targets changed",
                        "oneOf": [
                            { "enum": ["action-plan-1997", "budapest", "eu-e-evidence", "second-protocol"] },
                            {
                                "type": "object",
                                "properties": {
                                    "profile": { "enum": ["action-plan-1997", "budapest", "eu-e-evidence", "second-protocol"] },
                                    "acknowledgement": goal_target, "preservation_ordered": goal_target,
                                    "disclosure": goal_target, "written_confirmation": goal_target, "hold": goal_target,
                                    "production": goal_target
                                },
                                "additionalProperties": false
                            }
                        ]
                    }
                },
                "required": ["name", "epoch"], "additionalProperties": false
            },
            "network": {
                "type": "object",
                "properties": {
                    "min_message_delay": duration("no cross-border message is faster; above zero [default: 1m]"),
                    "message_delay": delay("transit of an expedited message [default: median 5m, p90 30m]"),
                    "mla_transit": delay("a request to or from a non-member, by MLA [default: median 222d, p90 600d: a mean of 300 days]")
                },
                "additionalProperties": false
            },
            "channels": {
                "type": "object", "description": "transit delays of the channels desks take requests by",
                "properties": {
                    "voice": delay("[default: median 5m, p90 30m]"), "e-mail": delay("[default: median 30m, p90 4h]"),
                    "fax": delay("[default: median 1h, p90 8h]"), "portal": delay("[default: median 10m, p90 1h]")
                },
                "additionalProperties": false
            },
            "coordination": {
                "type": "object", "description": "coordinated requests (G8 Principle II; a lead country or Europol): a requesting desk merges its requests to one carrier within `window` into one, sent after `delay`; the requested desk takes them up as one",
                "properties": {
                    "window": duration("requests to one carrier this close together are merged"),
                    "delay": delay("gathering the coordinated request [default: median 12h, p90 2d; assumed]")
                },
                "required": ["window"],
                "additionalProperties": false
            },
            "instruments": {
                "type": "object", "description": "legal instruments beyond the 24/7 network's own",
                "properties": {
                    "epoc": {
                        "type": "object",
                        "description": "Reg. (EU) 2023/1543: European Production Orders between countries with e_evidence = true",
                        "properties": {
                            "in_force": instant("when the Regulation applies [default: 2026-08-18T00:00:00Z, Art. 34]"),
                            "preparation": delay("issuing and validating an order [default: median 1d, p90 3d; assumed]"),
                            "response": delay("the provider's answer (Art. 10: 10 days) [default: median 5d, p90 10d; spread assumed]")
                        },
                        "additionalProperties": false
                    },
                    "second_protocol": {
                        "type": "object",
                        "description": "the Second Protocol (CETS 224) between countries with second_protocol = true; not in force (3 of 5 ratifications, Feb 2026) unless in_force says when",
                        "properties": {
                            "in_force": instant("when the Protocol enters into force [default: never during the scenario]"),
                            "art8_service": delay("the requested Party serving an Art. 8 order on its provider (Art. 8(6): within 45 days) [default: median 5d, p90 20d; assumed]"),
                            "art8_return": delay("the provider's answer once served (Art. 8(6): subscriber information within 20 days) [default: median 7d, p90 20d; spread assumed]")
                        },
                        "additionalProperties": false
                    }
                },
                "additionalProperties": false
            },
            "faults": {
                "type": "array",
                "items": {
                    "type": "object", "description": "a fault during [from, until)",
                    "properties": {
                        "kind": { "enum": ["desk-unreachable", "directory-stale", "message-lost", "carrier-outage"] },
                        "country": { "type": "string", "description": "desk-unreachable, directory-stale" },
                        "sender": { "type": "string", "description": "message-lost" },
                        "to": { "type": "string", "description": "message-lost" },
                        "carrier": { "type": "string", "description": "carrier-outage" },
                        "from": instant("start"),
                        "until": instant("end"),
                        "retry_after": duration("message-lost: the sender's timeout before resending [default: 4h]")
                    },
                    "required": ["kind", "from", "until"], "additionalProperties": false
                }
            },
            "exercise": exercise,
            "objectives": {
                "type": "array", "description": "the exercise's objectives, which expectations serve (rated P/S/M/U)",
                "items": { "type": "object", "properties": { "id": { "type": "string" }, "text": { "type": "string" } }, "required": ["id", "text"], "additionalProperties": false }
            },
            "injects": { "type": "array", "items": inject, "description": "the master scenario events list (docs/exercise.md)" },
            "countries": { "type": "object", "propertyNames": { "pattern": COUNTRY_CODE }, "additionalProperties": country },
            "carriers": { "type": "object", "additionalProperties": carrier },
            "incidents": { "type": "array", "items": incident },
            "incident_generators": { "type": "array", "items": generator }
        },
        "additionalProperties": false
    })
}

/// The schema as `pocnet schema` prints it.
pub fn scenario_schema_text() -> String {
    crate::units::to_json(&scenario_schema())
}
