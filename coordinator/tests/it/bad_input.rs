//! Bad scenarios and flags: a non-zero exit and a message naming the file,
//! line and column, and what was expected.

use crate::support::{pocnet, text};

const VALID: &str = r#"[scenario]
name = "tiny"
epoch = "2026-03-02T00:00:00Z"

[network]
min_message_delay = "1m"

[countries.FR]
name = "France"
time_zone = "Europe/Paris"
staffing = "24/7"

[countries.DE]
name = "Germany"
time_zone = "Europe/Berlin"
staffing = { office_hours = "09:00-17:00", days = "Mon-Fri" }

[carriers.isp-de]
country = "DE"
kind = "access-isp"
retention = "7d"

[[incidents]]
id = "one"
reported_by = "FR"
communication = "2026-03-03T10:00:00Z"
detection = "1h"
chain = ["isp-de"]
"#;

/// Writes `text` as `bad.toml`, runs `pocnet check`, and returns stderr.
fn check_fails(scenario: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, scenario).unwrap();
    let output = pocnet(&["check", path.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "check must fail with status 2:\n{stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout for an invalid file");
    stderr
}

fn replaced(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "the test's pattern `{from}` is in the valid scenario");
    VALID.replacen(from, to, 1)
}

fn assert_names(stderr: &str, location: &str, words: &[&str]) {
    assert!(stderr.contains(&format!("bad.toml:{location}")), "expected bad.toml:{location} in:\n{stderr}");
    for word in words {
        assert!(stderr.contains(word), "expected `{word}` in:\n{stderr}");
    }
}

#[test]
fn the_valid_base_scenario_passes_check_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.toml");
    std::fs::write(&path, VALID).unwrap();
    let output = pocnet(&["check", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    assert!(summary.contains("is valid") && summary.contains("2 countries, 1 carrier, 1 incident"), "{summary}");
}

#[test]
fn toml_syntax_error() {
    let stderr = check_fails(&replaced("name = \"tiny\"", "name = \"tiny"));
    assert_names(&stderr, "2:", &["invalid basic string"]);
}

#[test]
fn unknown_field_lists_the_valid_ones() {
    let stderr = check_fails(&replaced("staffing = \"24/7\"", "staffing = \"24/7\"\nstaffed = true"));
    assert_names(&stderr, "12:1", &["unknown key `staffed`", "time_zone", "acknowledgement"]);
}

#[test]
fn unknown_carrier_in_a_chain_with_a_hint() {
    let stderr = check_fails(&replaced("chain = [\"isp-de\"]", "chain = [\"isp-dee\"]"));
    assert_names(&stderr, "28:10", &["unknown carrier `isp-dee`", "did you mean `isp-de`?"]);
}

#[test]
fn unknown_country_of_a_carrier_and_of_a_reporter() {
    let with_carrier = replaced("country = \"DE\"", "country = \"GE\"");
    let stderr = check_fails(&with_carrier.replacen("reported_by = \"FR\"", "reported_by = \"XX\"", 1));
    assert_names(&stderr, "19:11", &["unknown country `GE`", "did you mean `DE`?"]);
    assert_names(&stderr, "25:15", &["unknown country `XX`", "2 problems"]);
}

#[test]
fn negative_duration() {
    let stderr = check_fails(&replaced("detection = \"1h\"", "detection = \"-1h\""));
    assert_names(&stderr, "27:13", &["`-1h` is negative"]);
}

#[test]
fn unparsable_duration_and_missing_unit() {
    let stderr = check_fails(&replaced("detection = \"1h\"", "detection = \"soon\""));
    assert_names(&stderr, "27:13", &["`soon` is not a duration", "\"15m\""]);
    let stderr = check_fails(&replaced("detection = \"1h\"", "detection = 60"));
    assert_names(&stderr, "27:13", &["has no unit"]);
}

#[test]
fn zero_minimum_message_delay() {
    let stderr = check_fails(&replaced("min_message_delay = \"1m\"", "min_message_delay = \"0s\""));
    assert_names(&stderr, "6:21", &["min_message_delay must be greater than zero", "lookahead"]);
}

#[test]
fn retention_below_zero() {
    let stderr = check_fails(&replaced("retention = \"7d\"", "retention = \"-7d\""));
    assert_names(&stderr, "21:13", &["`-7d` is negative"]);
}

#[test]
fn distribution_with_p90_below_median_and_unknown_time_zone() {
    let stderr = check_fails(&replaced("detection = \"1h\"", "detection = { median = \"2h\", p90 = \"1h\" }"));
    assert_names(&stderr, "27:13", &["p90 (1h) is below the median (2h)"]);
    let stderr = check_fails(&replaced("Europe/Berlin", "Europe/Berlinn"));
    assert_names(&stderr, "15:13", &["`Europe/Berlinn` is not an IANA time zone"]);
}

#[test]
fn run_refuses_an_invalid_scenario_and_a_malformed_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, replaced("chain = [\"isp-de\"]", "chain = []")).unwrap();
    let output = pocnet(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_names(&text(&output.stderr), "28:9", &["the chain is empty"]);

    let output = pocnet(&["run", "scenarios/quickstart.toml", "--nodes", "FR:http://127.0.0.1:1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("should be CC=URL"), "{}", text(&output.stderr));

    let output = pocnet(&["run", "scenarios/quickstart.toml", "--nodes", "FR=http://127.0.0.1:1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("--nodes must name every country"), "{}", text(&output.stderr));

    let output = pocnet(&["run", "no/such/file.toml"]);
    assert_ne!(output.status.code(), Some(0));
    assert!(text(&output.stderr).contains("cannot read scenario no/such/file.toml"), "{}", text(&output.stderr));
}

#[test]
fn check_reports_every_problem_not_only_the_first() {
    let mut text = replaced("time_zone = \"Europe/Paris\"", "time_zone = 42");
    text = text.replacen("retention = \"7d\"", "retention = \"7 days or so\"", 1);
    text = text.replacen("detection = \"1h\"", "detection = \"1h\"\nurgency = \"asap\"", 1);
    text = text.replacen("[countries.DE]", "[countries.DE]\nofficers = 0", 1);
    let stderr = check_fails(&text);
    assert!(stderr.contains("4 problems"), "{stderr}");
    assert_names(&stderr, "10:13", &["this should be a string, not integer `42`"]);
    assert_names(&stderr, "14:12", &["a desk needs at least one officer"]);
    assert_names(&stderr, "22:13", &["`7 days or so` is not a duration"]);
    assert_names(&stderr, "29:11", &["`asap` is not one of the accepted values", "routine", "emergency"]);
    // The country whose definition was broken is still known: FR reports, no cascade.
    assert!(!stderr.contains("unknown country `FR`"), "{stderr}");
}

#[test]
fn includes_share_catalogues_and_report_problems_in_the_included_file() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = "[countries.DE]\nname = \"Germany\"\ntime_zone = \"Europe/Berlin\"\nstaffing = \"24/7\"\n\n[carriers.isp-de]\ncountry = \"DE\"\nkind = \"access-isp\"\nretention = \"7d\"\n";
    std::fs::write(dir.path().join("catalogue.toml"), catalogue).unwrap();
    // `include` is a top-level key: it comes first, before any [table].
    let main = "include = [\"catalogue.toml\"]\n\n[scenario]\nname = \"with include\"\nepoch = \"2026-03-02T00:00:00Z\"\n\n[countries.FR]\nname = \"France\"\ntime_zone = \"Europe/Paris\"\nstaffing = \"24/7\"\n\n[[incidents]]\nid = \"one\"\nreported_by = \"FR\"\ncommunication = \"2026-03-03T10:00:00Z\"\ndetection = \"1h\"\nchain = [\"isp-de\"]\n";
    let main_path = dir.path().join("main.toml");
    std::fs::write(&main_path, main).unwrap();
    let output = pocnet(&["check", main_path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("2 countries, 1 carrier, 1 incident"));

    // A mistake in the catalogue is located in the catalogue.
    std::fs::write(dir.path().join("catalogue.toml"), catalogue.replace("Europe/Berlin", "Europe/Berln")).unwrap();
    let output = pocnet(&["check", main_path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("catalogue.toml:3:13"), "{}", text(&output.stderr));

    // A cycle is refused, naming the files.
    std::fs::write(dir.path().join("catalogue.toml"), format!("include = [\"main.toml\"]\n{catalogue}")).unwrap();
    let output = pocnet(&["check", main_path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("include cycle: main.toml → catalogue.toml → main.toml"), "{stderr}");

    // Included files hold catalogues, not the scenario's own settings.
    std::fs::write(dir.path().join("catalogue.toml"), format!("[network]\nmin_message_delay = \"1m\"\n{catalogue}"))
        .unwrap();
    let output = pocnet(&["check", main_path.to_str().unwrap()]);
    assert!(text(&output.stderr).contains("[network] belongs in the main scenario file"), "{}", text(&output.stderr));
}

/// Output paths are checked when the command line is lowered into a plan,
/// before any work: an unwritable `--json` used to fail after the whole run.
#[test]
fn unwritable_outputs_are_refused_before_any_work() {
    for flag in ["--json", "--html"] {
        let output = pocnet(&[
            "run",
            "scenarios/network-today.toml",
            "--replications",
            "100000",
            flag,
            "/nonexistent-dir/out.file",
        ]);
        assert_eq!(output.status.code(), Some(1), "{flag}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(&format!("{flag}: cannot write to /nonexistent-dir/out.file")), "{stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "").unwrap();
    let csv_dir = blocked.join("cases");
    let output = pocnet(&["run", "scenarios/quickstart.toml", "--csv", csv_dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("--csv: cannot create"), "{}", text(&output.stderr));
}

/// Art. 29(4): a reservation may refuse only offences outside Arts. 2-11, so
/// naming a Convention offence is an error located at the offence.
#[test]
fn a_reservation_naming_a_convention_offence_is_refused_where_it_is_written() {
    let stderr = check_fails(&replaced(
        "staffing = \"24/7\"",
        "staffing = \"24/7\"\ndual_criminality = [\"defamation\", \"illegal-access\"]",
    ));
    assert_names(
        &stderr,
        "12:35",
        &["`illegal-access` is a Convention offence (Art. 2)", "Art. 29(4)", "help:", "defamation, hate-speech"],
    );
}

#[test]
fn a_follow_up_chance_outside_zero_to_one_is_refused_where_it_is_written() {
    let stderr = check_fails(&replaced(
        "staffing = \"24/7\"",
        "staffing = \"24/7\"\nmla_follow_up = { intermediate = 0.3, origin = 1.5 }",
    ));
    assert_names(&stderr, "12:48", &["1.5 is not a probability between 0 and 1"]);
}

#[test]
fn a_disclosure_order_without_an_order_regime_is_refused_where_it_is_written() {
    let stderr = check_fails(&replaced("staffing = \"24/7\"", "staffing = \"24/7\"\ndisclosure_order = \"2d\""));
    assert_names(&stderr, "12:20", &["`disclosure_order` applies only where art30 = \"order\""]);
}

/// `[exercise]` is checked like the rest: an unknown seat, a pace that is
/// none, a phase before the epoch, each located and named.
#[test]
fn exercise_table_mistakes_are_located() {
    let text = format!(
        "{VALID}\n[exercise]\nseats = [\"FR\", \"XX\"]\nspeed = 0\nphases = [{{ name = \"early\", from = \"2026-01-01T00:00:00Z\", speed = 60 }}]\n\n[exercise.briefings]\nZZ = \"hello\"\n"
    );
    let stderr = check_fails(&text);
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_names(&stderr, &format!("{}:", line("seats =")), &["unknown country `XX`"]);
    assert_names(&stderr, &format!("{}:", line("speed = 0")), &["speed 0 is not a pace", "from 0.1 to 3600"]);
    assert_names(&stderr, &format!("{}:", line("phases =")), &["phase start is before the scenario's epoch"]);
    assert_names(&stderr, &format!("{}:", line("ZZ =")), &["unknown country `ZZ`"]);
    assert!(stderr.contains("4 problems"), "{stderr}");
}

/// The MSEL is checked like the rest: each mistake located and named.
#[test]
fn inject_mistakes_are_located() {
    let msel = r#"
[[objectives]]
id = "O1"
text = "preserve"

[[injects]]
id = "a"
at = "T+1h"
to = "XX"
text = "to a seat that is not there"

[[injects]]
id = "b"
at = "missing+1h"
to = "FR"
text = "after an inject that is not there"

[[injects]]
id = "c"
at = "d+1h"
to = "FR"
text = "a time cycle"

[[injects]]
id = "d"
at = "c+1h"
to = "FR"
text = "a time cycle"

[[injects]]
id = "e"
at = "T+2h"
to = "FR"
text = "expects what no form has"
expect = [{ form = "telepathy", goal = "1h", limit = "2h" }]

[[injects]]
id = "f"
at = "T+2h"
to = "FR"
text = "a field the form lacks, an objective not defined, a goal after its limit"
expect = [{ form = "send_request", fields = ["ip", "shoe_size"], goal = "3h", limit = "2h", objective = "O9" }]
on_missed = "g"

[[injects]]
id = "g"
to = "FR"
text = "contingencies in a cycle"
expect = [{ form = "confirm", goal = "1h", limit = "2h" }]
on_missed = "f"

[[injects]]
id = "h"
at = "next tuesday"
to = "director"
text = "no time"
"#;
    let text = format!("{VALID}{msel}");
    let stderr = check_fails(&text);
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_names(&stderr, &format!("{}:", line("to = \"XX\"")), &["unknown country `XX`"]);
    assert_names(&stderr, &format!("{}:", line("missing+1h")), &["unknown inject `missing`"]);
    assert_names(&stderr, &format!("{}:", line("id = \"c\"")), &["inject `c` leads back to itself through its time"]);
    assert_names(&stderr, &format!("{}:", line("telepathy")), &["unknown form `telepathy`"]);
    assert_names(
        &stderr,
        &format!("{}:", line("shoe_size")),
        &["`shoe_size` is not a field of the `send_request` form"],
    );
    assert!(
        stderr.contains("unknown objective `O9`") && stderr.contains("the goal is later than the limit"),
        "{stderr}"
    );
    assert_names(
        &stderr,
        &format!("{}:", line("id = \"g\"")),
        &["inject `g` leads back to itself through its contingencies"],
    );
    assert_names(&stderr, &format!("{}:", line("next tuesday")), &["is not a time"]);
}

/// A scenario or an include that is no regular file (a device that never
/// ends) is refused at once, not read until memory runs out.
#[test]
fn a_device_is_no_scenario_file() {
    let stderr = check_fails(&format!("include = [\"/dev/zero\"]\n{VALID}"));
    assert_names(&stderr, "1:12", &["cannot read `/dev/zero`: not a regular file"]);
    let output = pocnet(&["check", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("not a regular file"), "{}", text(&output.stderr));
}

/// A mistake far along a very long line, or in a very long value, is
/// reported (located, the value cut) instead of crashing the renderer or
/// quoting megabytes back.
#[test]
fn very_long_lines_and_values_are_reported_not_drawn() {
    let far = replaced("name = \"France\"", &format!("name = \"France\"\n{}bogus = 1", " ".repeat(70_000)));
    let stderr = check_fails(&far);
    assert_names(&stderr, "10:70001", &["unknown key `bogus`", "too long to show"]);
    let long = replaced("time_zone = \"Europe/Paris\"", &format!("time_zone = \"{}\"", "x".repeat(70_000)));
    let stderr = check_fails(&long);
    assert!(stderr.contains("is not an IANA time zone") && stderr.len() < 10_000, "{} bytes", stderr.len());
}

/// A study cannot ask for more replications than its statistics can hold.
#[test]
fn too_many_replications_are_refused_before_any_work() {
    let output = pocnet(&["run", "scenarios/quickstart.toml", "--replications", "100000000"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("100000000 is not in 1..=1000000"), "{}", text(&output.stderr));
}

/// Diagnostics a scenario author can act on: "did you mean" for a misspelt
/// key, time zone or day; every problem of a file in one pass; quoted times
/// never cut in a label; no follow-on error after a syntax error; no serde
/// jargon; a duration unit that reads two ways refused; weeks that start on
/// Sunday accepted.
#[test]
fn diagnostics_say_what_was_meant_and_find_every_problem_in_one_pass() {
    let five = VALID
        .replace("staffing = \"24/7\"", "staffing = \"24/7\"\nacknowledgment = { median = \"15m\", p90 = \"1h\" }")
        .replace("Europe/Berlin", "Europe/Berln")
        .replace("retention = \"7d\"", "retention = \"1M\"")
        .replace("detection = \"1h\"", "detection = \"1h\"\nurgency = \"asap\"")
        .replace("time_zone = \"Europe/Paris\"", "time_zone = \"Europe/Pariss\"");
    let stderr = check_fails(&five);
    assert!(stderr.contains("(5 problems)"), "one pass finds all five:\n{stderr}");
    assert!(
        stderr.contains("unknown key `acknowledgment`") && stderr.contains("did you mean `acknowledgement`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `Europe/Berlin`?") && stderr.contains("did you mean `Europe/Paris`?"),
        "{stderr}"
    );
    assert!(stderr.contains("`1M` reads two ways"), "{stderr}");
    assert!(stderr.contains("`asap` is not one of the accepted values"), "{stderr}");
    assert!(!stderr.contains("unknown variant") && !stderr.contains("unknown field"), "no jargon:\n{stderr}");
    assert_eq!(stderr.matches("expected one of").count(), 0, "no list of every key twice:\n{stderr}");

    let day = check_fails(&replaced("days = \"Mon-Fri\"", "days = \"Mon-Fry\""));
    assert!(day.contains("did you mean `Fri`?") && day.contains("\"Sun-Thu\""), "the accepted forms: {day}");
    let sunday_week = replaced("days = \"Mon-Fri\"", "days = \"Sun-Thu\"");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), &sunday_week).unwrap();
    let output = pocnet(&["check", dir.path().join("ok.toml").to_str().unwrap()]);
    assert!(output.status.success(), "a week that wraps is accepted: {}", text(&output.stderr));

    // A label keeps a quoted time whole.
    let instant =
        check_fails(&replaced("communication = \"2026-03-03T10:00:00Z\"", "communication = \"2026-04-10 22:00\""));
    assert!(instant.contains("╰── `2026-04-10 22:00`"), "{instant}");

    // An unquoted duration is a syntax error, and only that.
    let unquoted = check_fails(&replaced("retention = \"7d\"", "retention = 30d"));
    assert!(unquoted.contains("text must be in quotes") && unquoted.contains("(1 problem)"), "{unquoted}");
    assert!(!unquoted.contains("no countries"), "no follow-on error: {unquoted}");
}

/// A run whose estimated memory passes `--max-memory` is refused before it
/// starts, saying what it needs and how to proceed; within the bound it runs.
#[test]
fn a_run_too_large_for_its_memory_bound_is_refused_before_it_starts() {
    let output = pocnet(&["run", "scenarios/network-today.toml", "--transport", "inproc", "--max-memory", "40MB"]);
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    for words in ["needs about", "1007 incidents", "more than 40 MB allowed (--max-memory)", "fewer incidents"] {
        assert!(stderr.contains(words), "`{words}` in: {stderr}");
    }
    assert!(text(&output.stdout).is_empty(), "nothing ran");
    let threads = pocnet(&[
        "run",
        "scenarios/network-today.toml",
        "--replications",
        "4",
        "--threads",
        "2",
        "--max-memory",
        "72MB",
    ]);
    let stderr = text(&threads.stderr);
    assert!(!threads.status.success() && stderr.contains("fewer --threads") && stderr.contains("--shard"), "{stderr}");
    let fits = pocnet(&["run", "scenarios/quickstart.toml", "--transport", "inproc", "--max-memory", "200MB"]);
    assert!(fits.status.success(), "{}", text(&fits.stderr));
    let nonsense = pocnet(&["run", "scenarios/quickstart.toml", "--max-memory", "12 parsecs"]);
    assert!(!nonsense.status.success() && text(&nonsense.stderr).contains("no unit of size"));
}

/// `mla_follow_up` takes one chance for every hop, or one per role; anything
/// else is answered with what it takes, not with a type's internal name.
#[test]
fn mla_follow_up_takes_a_number_or_a_table_and_says_so() {
    let base = crate::support::library_text("quickstart.toml");
    let with =
        |value: &str| base.replacen("[countries.FR]\n", &format!("[countries.FR]\nmla_follow_up = {value}\n"), 1);
    let zero = pocnet_coordinator::scenario::Scenario::parse("q.toml", &with("0")).expect("a bare chance is taken");
    let france = &zero.countries[&pocnet_node::CountryCode::from("FR")];
    assert_eq!((france.follow_up.intermediate, france.follow_up.origin), (0.0, 0.0));
    pocnet_coordinator::scenario::Scenario::parse("q.toml", &with("{ origin = 0.5 }")).expect("a table is taken");
    let error = pocnet_coordinator::scenario::Scenario::parse("q.toml", &with("\"often\"")).expect_err("refused");
    let said = format!("{error:?}");
    assert!(said.contains("a chance from 0 to 1 for every hop") && !said.contains("RawFollowUp"), "{said}");
}

/// `pocnet` under a lower open-file limit (`ulimit -n` sets both limits; anyone may lower them).
fn pocnet_with_open_files(limit: u32, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_pocnet"))
        .args(args)
        .current_dir(crate::support::workspace_root())
        .env_remove("RUST_LOG")
        .output()
        .expect("sh runs")
}

#[test]
fn a_network_too_large_for_loopback_grpc_runs_in_process_or_is_refused_when_insisted_on() {
    // Network-today's 92 nodes would hold about 17,000 connections' ends:
    // past the limit, connections fail mid-run and a node only looks stalled.
    let output = pocnet_with_open_files(4096, &["run", "scenarios/network-today.toml", "--transport", "grpc"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("92 countries over loopback gRPC would need about 17176 open files"), "{stderr}");
    assert!(stderr.contains("(4096, `ulimit -n`)") && stderr.contains("--transport inproc"), "{stderr}");

    let output = pocnet_with_open_files(4096, &["run", "scenarios/network-today.toml"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the run goes by direct calls (the same report)"), "{stderr}");
    assert!(
        text(&output.stdout).contains("Outcomes: origin found and its data held in 843 of 1007 traces"),
        "{}",
        text(&output.stdout)
    );
}
