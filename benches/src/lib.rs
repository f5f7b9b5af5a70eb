//! What the benchmark runs on and measures with. Generated networks are
//! scenario files as a scenario author would write them, only larger, so the
//! benchmark measures the same path (`Scenario::parse` → engine → report)
//! that `pocnet run` takes.

pub mod deliver_load;
pub mod measure;
pub mod table;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

/// Real zones across the world, so desks open and close at different instants.
const TIME_ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Africa/Johannesburg",
    "Asia/Singapore",
    "Europe/Moscow",
    "America/Mexico_City",
    "Asia/Dubai",
    "Pacific/Auckland",
];

const CARRIER_KINDS: &[(&str, &str)] =
    &[("access-isp", "7d"), ("mobile", "60d"), ("hosting", "1y"), ("vpn", "30d"), ("e-mail", "90d")];

fn country_code(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    format!("{}{}", letters[i / 26] as char, letters[i % 26] as char)
}

/// A scenario with `countries` countries (3 carriers each) and `incidents`
/// incidents spread over 90 days, each with a chain of 2–6 carriers; about a
/// third of the desks keep office hours.
pub fn generated_network(countries: usize, incidents: usize, seed: u64) -> String {
    assert!((2..=26 * 26).contains(&countries), "2 to 676 countries");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut toml = String::new();
    let _ = writeln!(
        toml,
        "[scenario]\nname = \"generated: {countries} countries, {incidents} incidents\"\n\
         epoch = \"2026-01-05T00:00:00Z\"\nseed = {seed}\nstrategy = \"hub\"\n\n\
         [network]\nmin_message_delay = \"1m\"\nmessage_delay = {{ median = \"5m\", p90 = \"30m\" }}\n"
    );
    for i in 0..countries {
        let code = country_code(i);
        let zone = TIME_ZONES[i % TIME_ZONES.len()];
        let staffing = if i % 3 == 2 { "{ office_hours = \"09:00-17:00\", days = \"Mon-Fri\" }" } else { "\"24/7\"" };
        let _ = writeln!(
            toml,
            "[countries.{code}]\nname = \"Country {code}\"\ntime_zone = \"{zone}\"\nstaffing = {staffing}\n"
        );
        for (k, (kind, retention)) in CARRIER_KINDS.iter().enumerate().take(3).map(|(k, c)| (k + i % 3, c)) {
            let _ = writeln!(
                toml,
                "[carriers.c{k}-{code}]\ncountry = \"{code}\"\nkind = \"{kind}\"\nretention = \"{retention}\"\n"
            );
        }
    }
    for n in 0..incidents {
        let hops = rng.random_range(2..=6usize);
        let chain: Vec<String> = (0..hops)
            .map(|_| {
                let c = rng.random_range(0..countries);
                format!("\"c{}-{}\"", c % 3 + rng.random_range(0..3usize), country_code(c))
            })
            .collect();
        let reporter = country_code(rng.random_range(0..countries));
        // About 90 days after the epoch: January 5th to the end of March.
        let (month, day) = (rng.random_range(1..=3u32), rng.random_range(5..=28u32));
        let (hour, minute) = (rng.random_range(0..24u32), rng.random_range(0..60u32));
        let at = format!("2026-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z");
        let _ = writeln!(
            toml,
            "[[incidents]]\nid = \"i{n}\"\nreported_by = \"{reporter}\"\ncommunication = \"{at}\"\n\
             detection = {{ median = \"6h\", p90 = \"2d\" }}\nchain = [{}]\n",
            chain.join(", ")
        );
    }
    toml
}

/// `scenarios/quickstart.toml` with its one incident repeated `incidents`
/// times, a minute apart over a day (the chain of the first row of the
/// benchmark, which the SimPy baseline models).
pub fn quickstart_chain(incidents: usize) -> String {
    let text = std::fs::read_to_string(QUICKSTART).expect("scenarios/quickstart.toml is readable");
    let mut toml = text[..text.find("[[incidents]]").expect("the quickstart has an incident")].to_owned();
    for n in 0..incidents {
        let minutes = n % 1440;
        let at = march_third_plus(9 * 60 + 15 + minutes);
        let _ = writeln!(
            toml,
            "[[incidents]]\nid = \"phish-{n}\"\nreported_by = \"FR\"\ncommunication = \"{at}\"\n\
             detection = {{ median = \"4h\", p90 = \"12h\" }}\nchain = [\"mailbox-de\", \"cloudvm-us\", \"orange-fr\"]\n"
        );
    }
    toml
}

/// Where the quickstart scenario is; a scenario built from its text is
/// parsed as if it stood there, so its `include` finds the catalogue.
pub const QUICKSTART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/quickstart.toml");

/// 2026-03-03 (UTC) plus `minutes`, as RFC 3339.
fn march_third_plus(minutes: usize) -> String {
    let (day, minute) = (3 + minutes / 1440, minutes % 1440);
    format!("2026-03-{day:02}T{:02}:{:02}:00Z", minute / 60, minute % 60)
}
