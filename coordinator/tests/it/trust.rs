//! Trust across machines: mutual TLS with one identity per country. A run
//! over TLS gives the bytes of an in-process run; forged messages and
//! hijacking calls are refused and counted; nothing connects in plaintext
//! while claiming TLS.

use crate::support;
use pocnet_coordinator::engine::{Nodes, Placement};
use pocnet_node::CountryCode;
use pocnet_node::grpc::{Credentials, Node, Party};
use pocnet_proto as pb;
use pocnet_proto::contact_point_client::ContactPointClient;
use pocnet_proto::simulation_client::SimulationClient;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

/// Certificates for `countries` and the coordinator in a fresh directory.
fn certificates(countries: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let countries: Vec<CountryCode> = countries.iter().map(|c| CountryCode::from(*c)).collect();
    pocnet_coordinator::certs::init(dir.path(), &countries, 30).expect("certificates are made");
    dir
}

/// A node serving mutual TLS as `country` on a loopback port; the node is
/// returned to read its refusal count.
async fn tls_node(dir: &Path, country: &str) -> (String, Node, tokio::sync::oneshot::Sender<()>) {
    let credentials = Credentials::load(dir, Party::Node(CountryCode::from(country))).unwrap();
    let node = Node::new(Some(credentials));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(pocnet_node::grpc::serve(listener, node.clone(), async {
        let _ = stopped.await;
    }));
    (url, node, stop)
}

/// A channel to the node `to` at `url`, showing `who`'s certificate.
async fn channel_as(dir: &Path, who: Party, to: &str, url: &str) -> Result<Channel, tonic::transport::Error> {
    let credentials = Credentials::load(dir, who).unwrap();
    let tls = credentials.client_of(&Party::Node(CountryCode::from(to)));
    Endpoint::from_shared(url.to_owned()).unwrap().tls_config(tls).unwrap().connect().await
}

/// Runs `name` over mutual TLS, one node per country on loopback: the
/// in-process bytes, every call of the run admitted.
async fn over_mutual_tls_as_in_process(name: &str) {
    let scenario = support::load(name);
    let codes: Vec<String> = scenario.countries.keys().map(|c| c.as_str().to_owned()).collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let dir = certificates(&codes);
    let mut urls = BTreeMap::new();
    let mut servers = Vec::new();
    for code in &codes {
        let (url, node, stop) = tls_node(dir.path(), code).await;
        urls.insert(CountryCode::from(*code), url);
        servers.push((node, stop));
    }
    let credentials = Some(Credentials::load(dir.path(), Party::Coordinator).unwrap());
    let placement = Placement::Remote { urls, timeout: Duration::from_secs(30), credentials, addresses: None };
    let over_tls = support::run_json(&scenario, 11, &placement).await;
    let in_process = support::run_json(&scenario, 11, &Placement::InProcess).await;
    assert!(support::first_difference(&in_process, &over_tls).is_none(), "{name}: TLS changes nothing simulated");
    assert!(servers.iter().all(|(node, _)| node.refused_calls() == 0), "the run's own calls are all admitted");
}

#[tokio::test]
async fn a_run_over_mutual_tls_gives_the_in_process_bytes() {
    over_mutual_tls_as_in_process("quickstart.toml").await;
}

/// Canada's code is CA: its files are `ca.pem` and `ca.key`, and they are
/// Canada's, never the authority's (`authority.pem`). A network with Canada
/// runs over mutual TLS; a directory of the earlier layout, where `ca.pem`
/// was the authority, is refused for use and for adding to, saying how to fix it.
#[tokio::test]
async fn canada_gets_its_own_certificate_not_the_authority_s() {
    over_mutual_tls_as_in_process("g8-1997.toml").await;
    let dir = certificates(&["CA", "DE"]);
    let canada = std::fs::read_to_string(dir.path().join("ca.pem")).unwrap();
    let authority = std::fs::read_to_string(dir.path().join("authority.pem")).unwrap();
    assert_ne!(canada, authority);
    let credentials = Credentials::load(dir.path(), Party::Node(CountryCode::from("CA"))).unwrap();
    assert_eq!(credentials.party, Party::Node(CountryCode::from("CA")));

    let old = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("authority.pem"), old.path().join("ca.pem")).unwrap();
    std::fs::copy(dir.path().join("authority.key"), old.path().join("ca.key")).unwrap();
    let refused = pocnet_coordinator::certs::init(old.path(), &[CountryCode::from("DE")], 30).unwrap_err();
    assert!(refused.to_string().contains("earlier pocnet"), "{refused}");
    let refused = Credentials::load(old.path(), Party::Coordinator).unwrap_err();
    assert!(refused.to_string().contains("run `pocnet certs init` again"), "{refused}");
}

#[tokio::test]
async fn forged_messages_and_hijacking_calls_are_refused_and_counted() {
    let dir = certificates(&["DE", "FR", "NL"]);
    let (url, node, _stop) = tls_node(dir.path(), "DE").await;
    let configs = support::load("quickstart.toml").node_configs(1, 0);
    let configuration_of = |code: &str| {
        let config = configs.iter().find(|c| c.country.code.as_str() == code).unwrap();
        pocnet_node::grpc::node_config_to_proto(config, &BTreeMap::new())
    };
    let configuration = configuration_of("DE");

    // France's node may deliver France's messages, no one else's.
    let french = channel_as(dir.path(), Party::Node("FR".into()), "DE", &url).await.expect("FR's certificate is valid");
    let mut as_france = SimulationClient::new(french.clone());
    let hijack = as_france.configure(configuration.clone()).await.expect_err("a node cannot configure another");
    assert_eq!(hijack.code(), Code::PermissionDenied, "{hijack:?}");
    let advance = pb::AdvanceRequest { until_ms: 1, run_id: String::new(), window: 0, deliver_timeout_ms: 0 };
    let hijack = as_france.advance(advance.clone()).await.expect_err("a node cannot grant time");
    assert_eq!(hijack.code(), Code::PermissionDenied, "{hijack:?}");
    let hijack = as_france.end(pb::EndRequest { run_id: String::new() }).await.expect_err("a node cannot end a run");
    assert_eq!(hijack.code(), Code::PermissionDenied, "{hijack:?}");
    let forged = pb::Envelopes {
        envelopes: vec![pb::Envelope { from: "NL".into(), to: "DE".into(), ..Default::default() }],
        run_id: String::new(),
    };
    let refused =
        ContactPointClient::new(french.clone()).deliver(forged.clone()).await.expect_err("FR cannot speak for NL");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert!(refused.message().contains("node NL"), "{}", refused.message());
    // Nor on the streams: the window stream is the coordinator's, and each
    // batch on a delivery stream is admitted as `Deliver` admits one.
    let windows = as_france.windows(tokio_stream::iter([advance.clone()])).await;
    let hijack = windows.expect_err("a node cannot open the window stream");
    assert_eq!(hijack.code(), Code::PermissionDenied, "{hijack:?}");
    let mut answers = ContactPointClient::new(french)
        .deliveries(tokio_stream::iter([forged.clone()]))
        .await
        .expect("a node opens a delivery stream")
        .into_inner();
    let refused = answers.message().await.expect_err("FR cannot speak for NL on a stream either");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert!(refused.message().contains("node NL"), "{}", refused.message());

    // The coordinator's certificate does not make it a country either.
    let coordinator = channel_as(dir.path(), Party::Coordinator, "DE", &url).await.unwrap();
    let refused = ContactPointClient::new(coordinator.clone()).deliver(forged).await.expect_err("not a country");
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(node.refused_calls(), 7, "each refusal is counted");

    // The coordinator itself is taken; only as Germany.
    let mut as_coordinator = SimulationClient::new(coordinator);
    as_coordinator.configure(configuration.clone()).await.expect("the coordinator configures its node");
    let wrong = as_coordinator.configure(configuration_of("FR")).await.expect_err("a German node stays German");
    assert_eq!(wrong.code(), Code::PermissionDenied, "{wrong:?}");
}

#[tokio::test]
async fn callers_without_a_certificate_of_the_authority_do_not_get_through() {
    let dir = certificates(&["DE"]);
    let (url, node, _stop) = tls_node(dir.path(), "DE").await;
    // Another network's authority, with its own "DE" and coordinator.
    let stranger = certificates(&["DE"]);
    let result = channel_as(stranger.path(), Party::Coordinator, "DE", &url).await;
    let call =
        async { SimulationClient::new(result?).end(pb::EndRequest::default()).await.map_err(|s| s.to_string().into()) };
    let outcome: Result<_, Box<dyn std::error::Error>> = call.await;
    assert!(outcome.is_err(), "a certificate of another authority is refused at the handshake");

    // No client certificate at all: the handshake fails too.
    let ca = tonic::transport::Certificate::from_pem(std::fs::read(dir.path().join("authority.pem")).unwrap());
    let tls = tonic::transport::ClientTlsConfig::new().ca_certificate(ca).domain_name("de.node.pocnet");
    let anonymous = Endpoint::from_shared(url.clone()).unwrap().tls_config(tls).unwrap().connect().await;
    let outcome = match anonymous {
        Ok(channel) => SimulationClient::new(channel).end(pb::EndRequest::default()).await.map(|_| ()),
        Err(error) => Err(tonic::Status::unavailable(error.to_string())),
    };
    assert!(outcome.is_err(), "a client without a certificate is refused");

    // Plaintext to a TLS node gets nothing either.
    let plain = url.replace("https://", "http://");
    let outcome = match Endpoint::from_shared(plain).unwrap().connect().await {
        Ok(channel) => SimulationClient::new(channel).end(pb::EndRequest::default()).await.map(|_| ()),
        Err(error) => Err(tonic::Status::unavailable(error.to_string())),
    };
    assert!(outcome.is_err(), "plaintext is not served beside TLS");
    assert_eq!(node.refused_calls(), 0, "none of them reached a handler to be counted");
}

#[tokio::test]
async fn addresses_say_tls_exactly_when_the_run_has_it() {
    let scenario = support::load("quickstart.toml");
    let dir = certificates(&["US", "FR", "DE"]);
    let urls = |scheme: &str| -> BTreeMap<CountryCode, String> {
        scenario.countries.keys().enumerate().map(|(i, c)| (*c, format!("{scheme}://127.0.0.1:{}", 9 + i))).collect()
    };
    let configs = || scenario.node_configs(1, 0);
    let error = Nodes::connect(configs(), &urls("https"), Duration::from_secs(1), None).await.err().unwrap();
    assert!(error.to_string().contains("add --tls DIR"), "{error}");
    let credentials = Credentials::load(dir.path(), Party::Coordinator).unwrap();
    let error =
        Nodes::connect(configs(), &urls("http"), Duration::from_secs(1), Some(&credentials)).await.err().unwrap();
    assert!(error.to_string().contains("give https://"), "{error}");
    // A directory without the party's files says what to make.
    let error = Credentials::load(dir.path(), Party::Node("GR".into())).unwrap_err();
    assert!(error.to_string().contains("gr.pem") && error.to_string().contains("pocnet certs init"), "{error}");
}

/// A `pocnet node` process on `listen`; its address, and its log lines as they come.
fn node_process(listen: &str) -> (std::process::Child, String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .args(["node", "--listen", listen, "-v"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pocnet node starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let address = first_line.trim().rsplit(' ').next().expect("the line ends with the address").to_owned();
    let (send, lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    (child, address, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_run_and_restarted_gives_the_report_of_an_undisturbed_run() {
    kill_a_node_mid_run(Comeback::SameAddress).await;
}

/// The operator restarts the lost node elsewhere and says so in the
/// addresses file the run was given (`--nodes @FILE`), which the coordinator
/// reads again while it waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_lost_and_restarted_at_a_new_address_named_in_the_nodes_file_is_found() {
    kill_a_node_mid_run(Comeback::NewAddressInFile).await;
}

enum Comeback {
    SameAddress,
    NewAddressInFile,
}

/// Runs hub-vs-relay on `pocnet node` processes, kills one with SIGKILL
/// mid-run, brings it back, and checks the report against an undisturbed run.
async fn kill_a_node_mid_run(comeback: Comeback) {
    let scenario = support::load("hub-vs-relay.toml");
    let mut nodes = support::Processes(Vec::new());
    let mut addresses = Vec::new();
    let mut logs = Vec::new();
    for code in scenario.countries.keys() {
        let (child, address, lines) = node_process("127.0.0.1:0");
        nodes.0.push(child);
        addresses.push((*code, address));
        logs.push(lines);
    }
    let list = |addresses: &[(CountryCode, String)]| -> Vec<String> {
        addresses.iter().map(|(code, address)| format!("{code}=http://{address}")).collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("recovered.json");
    let file = dir.path().join("nodes.txt");
    std::fs::write(&file, format!("# the run's nodes\n{}\n", list(&addresses).join("\n"))).unwrap();
    let nodes_flag = match comeback {
        Comeback::SameAddress => list(&addresses).join(","),
        Comeback::NewAddressInFile => format!("@{}", file.display()),
    };
    let mut coordinator = std::process::Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .args(["run", "scenarios/hub-vs-relay.toml", "--timeout", "30s", "--json", json.to_str().unwrap()])
        .args(["--nodes", &nodes_flag])
        .current_dir(support::workspace_root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // The second country's node is killed once it has taken its first
    // steps (it logs about 300 in the run): the run is under way, with most
    // of its windows still to come. (A fixed wait raced a run that got faster.)
    let victim = 1;
    let configured = logs[victim].iter().find(|line| line.contains("configured"));
    assert!(configured.is_some(), "the node was configured");
    let steps = logs[victim].iter().filter(|line| line.contains(" sim=")).take(10).count();
    assert_eq!(steps, 10, "the node took its first steps");
    assert!(coordinator.try_wait().unwrap().is_none(), "the run is still going when the node is killed");
    nodes.0[victim].kill().unwrap(); // SIGKILL
    nodes.0[victim].wait().unwrap();
    match comeback {
        Comeback::SameAddress => {
            let (restarted, address, _) = node_process(&addresses[victim].1);
            assert_eq!(address, addresses[victim].1, "the node comes back at its address");
            nodes.0.push(restarted);
        }
        Comeback::NewAddressInFile => {
            let (restarted, address, _) = node_process("127.0.0.1:0");
            assert_ne!(address, addresses[victim].1, "the node comes back elsewhere");
            nodes.0.push(restarted);
            addresses[victim].1 = address;
            std::fs::write(&file, list(&addresses).join("\n")).unwrap();
        }
    }

    let output = coordinator.wait_with_output().unwrap();
    let stderr = support::text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("was lost"), "{stderr}");
    assert!(stderr.contains("replaying the run"), "the loss was noticed and recovered: {stderr}");
    if let Comeback::NewAddressInFile = comeback {
        assert!(stderr.contains("the node addresses have changed"), "{stderr}");
    }
    let undisturbed = support::run_json(&scenario, scenario.seed, &Placement::InProcess).await;
    let recovered = std::fs::read_to_string(json).unwrap();
    assert!(
        support::first_difference(&undisturbed, &recovered).is_none(),
        "{:?}",
        support::first_difference(&undisturbed, &recovered)
    );
}

/// A node stopped mid-run (SIGSTOP: it holds its connections and never
/// answers) is the node the run names, whichever of two it is: the others
/// that wait to deliver to it give up first and say whom they waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_node_is_the_node_named() {
    let scenario = support::load("hub-vs-relay.toml");
    let codes: Vec<CountryCode> = scenario.countries.keys().cloned().collect();
    for victim in [0, codes.len() - 1] {
        let mut nodes = support::Processes(Vec::new());
        let mut addresses = Vec::new();
        for code in &codes {
            let (child, address, _) = node_process("127.0.0.1:0");
            nodes.0.push(child);
            addresses.push(format!("{code}=http://{address}"));
        }
        let coordinator = std::process::Command::new(env!("CARGO_BIN_EXE_pocnet"))
            .args(["run", "scenarios/hub-vs-relay.toml", "--timeout", "4s", "--nodes", &addresses.join(",")])
            .current_dir(support::workspace_root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let pid = nodes.0[victim].id().to_string();
        let stopped = std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap();
        assert!(stopped.success());
        let output = coordinator.wait_with_output().unwrap();
        let _ = std::process::Command::new("kill").args(["-CONT", &pid]).status();
        let stderr = support::text(&output.stderr);
        assert!(!output.status.success(), "the run went on without {}: {stderr}", codes[victim]);
        let named = format!("node {} ", codes[victim]);
        let error = stderr.lines().find(|l| l.starts_with("error")).unwrap_or_default();
        eprintln!("{} stopped: {error}", codes[victim]);
        assert!(error.contains(&named), "{} stopped, but: {stderr}", codes[victim]);
        for (i, code) in codes.iter().enumerate() {
            assert!(i == victim || !error.contains(&format!("node {code} ")), "{code} misnamed: {error}");
        }
    }
}
