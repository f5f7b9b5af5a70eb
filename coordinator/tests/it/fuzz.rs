//! A mutation test over the library's scenarios: seeded and bounded, it
//! deletes, duplicates, swaps and rewrites lines (extreme numbers, long and
//! reversed values, far dates) and asserts that nothing panics or hangs and
//! that `check` accepts exactly what `run` accepts: a scenario that passes
//! validation runs to its report.

use pocnet_coordinator::engine;
use pocnet_coordinator::scenario::Scenario;
use std::time::Duration;

/// A small seeded generator (xorshift64*): the same cases every time.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Cases per run: a few seconds in a debug build.
const CASES: usize = 2_000;

const VALUES: [&str; 14] = [
    "0",
    "-1",
    "1",
    "1000000000",
    "99999999999999999999",
    "1e308",
    "nan",
    "\"\"",
    "\"0s\"",
    "\"999999d\"",
    "\"-1h\"",
    "[]",
    "{}",
    "\"3100-01-01T00:00:00Z\"",
];

fn mutate(cases: &mut Cases, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for _ in 0..1 + cases.below(3) {
        let i = cases.below(lines.len());
        match cases.below(10) {
            0..=2 => {
                lines.remove(i);
            }
            3 => {
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            4..=7 if lines[i].contains('=') && !lines[i].trim_start().starts_with('#') => {
                let key = lines[i].split('=').next().unwrap_or_default().to_owned();
                let value = match cases.below(4) {
                    // Long values too: a nearest-name search once took seconds on them.
                    0 => format!("\"{}\"", "x".repeat([1, 100, 5_000, 200_000][cases.below(4)])),
                    1 => lines[i].split('=').nth(1).unwrap_or_default().trim().chars().rev().collect(),
                    _ => VALUES[cases.below(VALUES.len())].to_owned(),
                };
                lines[i] = format!("{key}= {value}");
            }
            _ => {
                let j = cases.below(lines.len());
                lines.swap(i, j);
            }
        }
        if lines.is_empty() {
            break;
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_library_scenarios_neither_panic_nor_hang_and_check_means_run() {
    let root = crate::support::workspace_root().join("scenarios");
    // The two largest take seconds each; the rest cover the format.
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| !["network-today.toml", "botnet-surge.toml"].contains(&p.file_name().unwrap().to_str().unwrap()))
        .collect();
    files.sort();
    let mut cases = Cases(0x5eed_2026);
    let (mut accepted, mut refused) = (0, 0);
    let started = std::time::Instant::now();
    for case in 0..CASES {
        let file = &files[cases.below(files.len())];
        let text = mutate(&mut cases, &std::fs::read_to_string(file).unwrap());
        let name = format!("case {case} from {}", file.display());
        let path = file.clone();
        // Each case in a thread of its own, so that a hang fails the test instead of blocking it.
        let (sender, receiver) = std::sync::mpsc::channel();
        let worker_text = text.clone();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| {
                match Scenario::parse_at(&path.display().to_string(), &worker_text, Some(&path)) {
                    Err(_) => Ok(false),
                    Ok(scenario) => engine::run_in_process_blocking(&scenario, scenario.seed, 0)
                        .map(|_| true)
                        .map_err(|e| e.to_string()),
                }
            });
            let _ = sender.send(outcome);
        });
        match receiver.recv_timeout(Duration::from_secs(20)) {
            Err(_) => panic!("{name} hung:\n{text}"),
            Ok(Err(_)) => panic!("{name} panicked:\n{text}"),
            Ok(Ok(Err(error))) => panic!("{name} passes check but its run fails ({error}):\n{text}"),
            Ok(Ok(Ok(true))) => accepted += 1,
            Ok(Ok(Ok(false))) => refused += 1,
        }
    }
    eprintln!(
        "fuzz: {CASES} mutated scenarios, {accepted} accepted and run, {refused} refused by check, in {:?}",
        started.elapsed()
    );
    assert!(accepted > 100 && refused > 500, "the mutations reach both sides: {accepted} accepted, {refused} refused");
}

/// A value of ten megabytes in each place a name is looked up (a time
/// zone, a country code, a carrier in a chain, a seat, an inject's time)
/// is refused, naming its place, and `check` stays bounded: each case gets
/// its own thread and twenty seconds, far beyond the fraction of a second
/// it takes, so only a search linear in the value per candidate would fail.
#[test]
fn ten_megabyte_values_are_refused_without_a_long_search() {
    let huge = "Q".repeat(10 << 20);
    let quickstart = crate::support::library_text("quickstart.toml");
    let exercise = crate::support::library_text("exercises/hospital-ransomware.toml");
    let cases = [
        ("time zone", quickstart.replacen("time_zone = \"Europe/Paris\"", &format!("time_zone = \"{huge}\""), 1)),
        ("reporting country", quickstart.replacen("reported_by = \"FR\"", &format!("reported_by = \"{huge}\""), 1)),
        ("carrier in a chain", quickstart.replacen("chain = [\"mailbox-de\"", &format!("chain = [\"{huge}\""), 1)),
        ("seat", exercise.replacen("seats = [\"DE\"", &format!("seats = [\"{huge}\""), 1)),
        ("inject time", exercise.replacen("at = \"T+2m\"", &format!("at = \"{huge}\""), 1)),
    ];
    for (place, text) in cases {
        assert!(text.len() > 10 << 20, "the {place} was replaced");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let refused = Scenario::parse_at("long.toml", &text, None).is_err();
            let _ = sender.send(refused);
        });
        let refused =
            receiver.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("a long {place} hung check"));
        assert!(refused, "a ten-megabyte {place} was taken");
    }
}

/// Byte strings mutated from a valid configuration, envelopes and Advance
/// requests, fed to a live node's handlers in the order a run makes its
/// calls: each call answers (taken, or refused with a status) within a
/// second, and none panics. Seeded and bounded like the scenario cases.
#[tokio::test]
async fn mutated_protobuf_calls_to_a_live_node_are_answered_never_a_panic_or_a_hang() {
    use pocnet_proto::contact_point_server::ContactPoint;
    use pocnet_proto::simulation_server::Simulation;
    use prost::Message;
    use tonic::Request;

    let scenario = crate::support::load("quickstart.toml");
    let config = scenario.node_configs(1, 0).into_iter().find(|c| c.country.code.as_str() == "DE").unwrap();
    let configuration = pocnet_node::grpc::node_config_to_proto(&config, &Default::default()).encode_to_vec();
    let envelope = crate::grpc::request_envelope().encode_to_vec();
    let advance =
        pocnet_proto::AdvanceRequest { until_ms: 200_000_000, run_id: String::new(), window: 1, deliver_timeout_ms: 0 }
            .encode_to_vec();

    let mut cases = Cases(0x0005_EED5);
    let mut mutated = |bytes: &[u8]| {
        let mut bytes = bytes.to_vec();
        for _ in 0..1 + cases.below(3) {
            let at = cases.below(bytes.len().max(1));
            match cases.below(3) {
                0 if !bytes.is_empty() => bytes[at] ^= 1 << cases.below(8),
                1 if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at.min(bytes.len()), cases.next() as u8),
            }
        }
        bytes
    };
    let (mut calls, mut taken) = (0, 0);
    for case in 0..1000u64 {
        let node = pocnet_node::grpc::Node::default();
        // One configuration in four is mutated (most of those no longer
        // decode); the others let the mutated deliveries and grants reach a
        // configured node.
        let bytes = if case % 4 == 0 { mutated(&configuration) } else { configuration.clone() };
        let Ok(message) = pocnet_proto::NodeConfig::decode(&bytes[..]) else { continue };
        let configured = tokio::time::timeout(Duration::from_secs(1), node.configure(Request::new(message)));
        calls += 1;
        if configured.await.expect("Configure answers within a second").is_err() {
            continue;
        }
        taken += 1;
        for window in 0..8u64 {
            if let Ok(batch) = pocnet_proto::Envelope::decode(&mutated(&envelope)[..]) {
                let request = Request::new(pocnet_proto::Envelopes { envelopes: vec![batch], run_id: String::new() });
                let delivered = tokio::time::timeout(Duration::from_secs(1), node.deliver(request));
                calls += 1;
                taken += usize::from(delivered.await.expect("Deliver answers within a second").is_ok());
            }
            if let Ok(mut request) = pocnet_proto::AdvanceRequest::decode(&mutated(&advance)[..]) {
                request.window = window + case;
                let advanced = tokio::time::timeout(Duration::from_secs(1), node.advance(Request::new(request)));
                calls += 1;
                taken += usize::from(advanced.await.expect("Advance answers within a second").is_ok());
            }
        }
    }
    eprintln!("fuzz: {calls} mutated calls to a live node, {taken} taken, {} refused", calls - taken);
    assert!(calls > 1000 && taken > 100 && calls - taken > 100, "{calls} calls, {taken} taken");
}
