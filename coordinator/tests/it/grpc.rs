//! The node's gRPC surface as a stock client sees it: health, reflection, and
//! `INVALID_ARGUMENT` naming the field for a bad request, after which the node
//! keeps serving.

use crate::support;
use pocnet_node::grpc::node_config_to_proto;
use pocnet_proto as pb;
use pocnet_proto::contact_point_client::ContactPointClient;
use pocnet_proto::simulation_client::SimulationClient;
use std::collections::BTreeMap;
use tonic::Code;

async fn start_node() -> (String, tokio::sync::oneshot::Sender<()>) {
    start(pocnet_node::grpc::Node::default()).await
}

async fn start(node: pocnet_node::grpc::Node) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(pocnet_node::grpc::serve(listener, node, async {
        let _ = stopped.await;
    }));
    (url, stop)
}

fn german_config() -> pb::NodeConfig {
    let scenario = support::load("quickstart.toml");
    let config = scenario.node_configs(1, 0).into_iter().find(|c| c.country.code.as_str() == "DE").unwrap();
    let peers = BTreeMap::from([(pocnet_node::CountryCode::from("FR"), "http://127.0.0.1:9".to_owned())]);
    node_config_to_proto(&config, &peers)
}

/// France's preservation request to Germany's mailbox carrier in the quickstart.
pub(crate) fn request_envelope() -> pb::Envelope {
    pb::Envelope {
        from: "FR".into(),
        to: "DE".into(),
        sequence: 0,
        sent_at_ms: 130_000_000,
        deliver_at_ms: 130_300_000,
        incident: "phish-1".into(),
        hop: 0,
        body: Some(pb::envelope::Body::PreservationRequest(pb::PreservationRequest {
            carrier: "mailbox-de".into(),
            reporting_country: "FR".into(),
            languages: vec!["fr".into()],
            ..Default::default()
        })),
    }
}

/// One sender's messages of a window, in order, as nodes deliver them.
fn batch(envelope: pb::Envelope) -> pb::Envelopes {
    pb::Envelopes { envelopes: vec![envelope], run_id: String::new() }
}

fn assert_invalid(result: Result<impl std::fmt::Debug, tonic::Status>, field: &str) {
    let status = result.expect_err("the request is invalid");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().starts_with(field), "`{}` should name {field}", status.message());
}

#[tokio::test]
async fn invalid_requests_get_invalid_argument_naming_the_field_and_the_node_keeps_running() {
    let (url, _stop) = start_node().await;
    let mut simulation = SimulationClient::connect(url.clone()).await.unwrap();
    let mut contact = ContactPointClient::connect(url).await.unwrap();

    let early = contact.deliver(batch(request_envelope())).await.unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);

    let mut no_country = german_config();
    no_country.country = None;
    assert_invalid(simulation.configure(no_country).await, "country");
    let mut bad_zone = german_config();
    bad_zone.country.as_mut().unwrap().time_zone = "Europe/Nowhere".into();
    assert_invalid(simulation.configure(bad_zone).await, "country.time_zone");
    let mut zero_lookahead = german_config();
    zero_lookahead.min_message_delay_ms = 0;
    assert_invalid(simulation.configure(zero_lookahead).await, "min_message_delay_ms");
    let mut bad_law = german_config();
    bad_law.carriers[0].preservation = None;
    assert_invalid(simulation.configure(bad_law).await, "carriers[0].preservation");
    simulation.configure(german_config()).await.expect("a valid configuration is accepted");

    let mut no_body = request_envelope();
    no_body.body = None;
    assert_invalid(contact.deliver(batch(no_body)).await, "envelopes[0].body");
    let mut no_sender = request_envelope();
    no_sender.from = String::new();
    assert_invalid(contact.deliver(batch(no_sender)).await, "envelopes[0].from");
    let mut unknown_carrier = request_envelope();
    unknown_carrier.body = Some(pb::envelope::Body::PreservationRequest(pb::PreservationRequest {
        carrier: "nobody".into(),
        reporting_country: "FR".into(),
        ..Default::default()
    }));
    assert_invalid(contact.deliver(batch(unknown_carrier)).await, "envelopes[0].preservation_request.carrier");
    let mut instant = request_envelope();
    instant.deliver_at_ms = instant.sent_at_ms;
    assert_invalid(contact.deliver(batch(instant)).await, "envelopes[0].deliver_at_ms");

    // Still serving, and nothing accepted was lost: the good request runs.
    contact.deliver(batch(request_envelope())).await.expect("a valid request is queued");
    let reply = simulation
        .advance(pb::AdvanceRequest { until_ms: 130_300_001, run_id: String::new(), window: 1, deliver_timeout_ms: 0 })
        .await
        .unwrap()
        .into_inner();
    let kinds: Vec<i32> = reply.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [pb::EventKind::RequestReceived as i32]);
    assert!(reply.next_event_ms.is_some(), "the acknowledgement is scheduled");
}

#[tokio::test]
async fn a_node_sheds_load_past_its_queue_and_refuses_oversized_batches() {
    let (url, _stop) = start(pocnet_node::grpc::Node::default().with_queue_limit(1)).await;
    let mut simulation = SimulationClient::connect(url.clone()).await.unwrap();
    let mut contact = ContactPointClient::connect(url).await.unwrap();
    simulation.configure(german_config()).await.unwrap();
    let mut second = request_envelope();
    second.sequence = 1;
    second.hop = 1;
    let two = pb::Envelopes { envelopes: vec![request_envelope(), second], run_id: String::new() };
    let shed = contact.deliver(two).await.expect_err("two inputs exceed a queue of one");
    assert_eq!(shed.code(), Code::ResourceExhausted, "{shed:?}");
    assert!(shed.message().contains("the most it takes is 1"), "{}", shed.message());
    contact.deliver(batch(request_envelope())).await.expect("one fits, and the node still serves");

    let mut huge = request_envelope();
    huge.incident = "x".repeat(pocnet_node::grpc::service::MAX_DELIVERY_BYTES + 1);
    let refused = contact.deliver(batch(huge)).await.expect_err("a batch past the size bound is not decoded");
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
}

#[tokio::test]
async fn a_retried_advance_or_delivery_runs_nothing_twice() {
    let (url, _stop) = start_node().await;
    let mut simulation = SimulationClient::connect(url.clone()).await.unwrap();
    let mut contact = ContactPointClient::connect(url).await.unwrap();
    simulation.configure(german_config()).await.unwrap();
    // A batch sent again after its answer was lost is not queued twice
    // (a second preservation request for the hop would be refused).
    contact.deliver(batch(request_envelope())).await.unwrap();
    contact.deliver(batch(request_envelope())).await.expect("the same batch again is taken, once");
    let advance =
        |window| pb::AdvanceRequest { until_ms: 130_300_001, run_id: String::new(), window, deliver_timeout_ms: 0 };
    let first = simulation.advance(advance(1)).await.unwrap().into_inner();
    assert_eq!(first.events.len(), 1, "the request is received once");
    let again = simulation.advance(advance(1)).await.unwrap().into_inner();
    assert_eq!(again, first, "window 1 asked again: the same reply, nothing run twice");
    let next = simulation.advance(advance(2)).await.unwrap().into_inner();
    assert!(next.events.is_empty(), "window 2 to the same time has nothing left to run");
}

#[tokio::test]
async fn a_stock_client_sees_health_and_can_list_services_by_reflection() {
    use tokio_stream::StreamExt;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    use tonic_health::pb::health_check_response::ServingStatus;

    let (url, _stop) = start_node().await;
    let channel = tonic::transport::Endpoint::from_shared(url).unwrap().connect().await.unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let mut status = async |service: &str| {
        let request = tonic_health::pb::HealthCheckRequest { service: service.into() };
        ServingStatus::try_from(health.check(request).await.unwrap().into_inner().status).unwrap()
    };
    // The simulation service serves while a run holds the node; delivery always.
    assert_eq!(status("pocnet.v1.Simulation").await, ServingStatus::NotServing, "not configured yet");
    assert_eq!(status("pocnet.v1.ContactPoint").await, ServingStatus::Serving);
    let mut simulation = SimulationClient::new(channel.clone());
    simulation.configure(german_config()).await.unwrap();
    assert_eq!(status("pocnet.v1.Simulation").await, ServingStatus::Serving, "configured");
    simulation.end(pb::EndRequest { run_id: String::new() }).await.unwrap();
    assert_eq!(status("pocnet.v1.Simulation").await, ServingStatus::NotServing, "the run has ended");

    // Both versions of reflection: v1alpha is all some stock clients speak.
    {
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut old = ServerReflectionClient::new(channel.clone());
        let mut responses = old.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
        let response = responses.next().await.expect("one response").unwrap();
        assert!(format!("{response:?}").contains("pocnet.v1.Simulation"), "{response:?}");
    }

    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
    let response = responses.next().await.expect("one response").unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("expected a service list, got {response:?}")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in ["pocnet.v1.ContactPoint", "pocnet.v1.Simulation", "grpc.health.v1.Health"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
}

/// A node that accepts the connection and never answers is named, after the
/// deadline, instead of blocking the run forever; one address given for two
/// countries is refused before any call.
#[test]
fn a_silent_node_is_named_after_the_deadline_and_a_shared_address_is_refused() {
    let listeners: Vec<std::net::TcpListener> =
        (0..3).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let urls: Vec<String> = listeners.iter().map(|l| format!("http://{}", l.local_addr().unwrap())).collect();
    // Accept every connection and say nothing.
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for listener in listeners {
        let held = held.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                held.lock().unwrap().push(stream);
            }
        });
    }
    let nodes = format!("DE={},FR={},US={}", urls[0], urls[1], urls[2]);
    let started = std::time::Instant::now();
    let output = crate::support::pocnet(&["run", "scenarios/quickstart.toml", "--nodes", &nodes, "--timeout", "1s"]);
    let stderr = crate::support::text(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("node DE did not answer Configure within 1s"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "it did not wait for ever");

    let https = format!("DE={},FR={},US={}", urls[0].replace("http://", "https://"), urls[1], urls[2]);
    let output = crate::support::pocnet(&["run", "scenarios/quickstart.toml", "--nodes", &https]);
    let stderr = crate::support::text(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("add --tls DIR"),
        "https:// is not plaintext in disguise: {stderr}"
    );

    let shared = format!("DE={},FR={},US={}", urls[0], urls[0], urls[2]);
    let output = crate::support::pocnet(&["run", "scenarios/quickstart.toml", "--nodes", &shared]);
    let stderr = crate::support::text(&output.stderr);
    assert!(!output.status.success() && stderr.contains("is given for DE and for FR"), "{stderr}");
}

/// A node serves one run at a time: a second coordinator is refused while
/// a run holds it, a call naming another run is refused, and once the run
/// ends the node takes the next.
#[test]
fn a_second_coordinator_is_refused_while_a_run_holds_the_nodes() {
    use pocnet_coordinator::engine::{self, DEFAULT_CALL_TIMEOUT, EngineError, Nodes};
    let scenario = support::load("quickstart.toml");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let servers = engine::spawn_local_servers(scenario.countries.keys().cloned()).await.unwrap();
        let configs = || scenario.node_configs(scenario.seed, 0);
        let mut first = Nodes::connect(configs(), &servers.urls, DEFAULT_CALL_TIMEOUT, None).await.unwrap();
        match Nodes::connect(configs(), &servers.urls, DEFAULT_CALL_TIMEOUT, None).await {
            Err(EngineError::Refused { call: "Configure", status, .. }) => {
                assert!(status.contains("is in another run") && !status.contains('`'), "no run id said: {status}")
            }
            other => panic!("a second coordinator got in: {:?}", other.err()),
        }
        let url = servers.urls.values().next().unwrap().clone();
        let mut forged = SimulationClient::connect(url).await.unwrap();
        let refused = forged
            .advance(pb::AdvanceRequest { until_ms: 1, run_id: "forged".to_owned(), window: 1, deliver_timeout_ms: 0 })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
        // The refusal never says the run's id: knowing it is what lets a caller in.
        let hex_run = refused.message().split(|c: char| !c.is_ascii_hexdigit()).any(|w| w.len() >= 16);
        assert!(!hex_run, "{refused:?}");
        let log = engine::run(&scenario, scenario.seed, &mut first).await.expect("the first run is undisturbed");
        assert!(!log.events.is_empty());
        first.end().await.expect("the refused call changed nothing");
        let mut next = Nodes::connect(configs(), &servers.urls, DEFAULT_CALL_TIMEOUT, None)
            .await
            .expect("the next run gets the nodes");
        engine::run(&scenario, scenario.seed, &mut next).await.unwrap();
    });
}

/// Python's grpcio reflection client (v1alpha only) lists and describes the
/// node's services. Runs when `python3` can import grpcio-reflection, or when
/// `POCNET_PYTHON_TESTS=1` asks for it (as `.ci/run` does); otherwise skips.
#[tokio::test]
async fn python_grpcio_lists_and_describes_the_services_by_reflection() {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import grpc, grpc_reflection"])
        .output()
        .is_ok_and(|o| o.status.success());
    let required = std::env::var("POCNET_PYTHON_TESTS").is_ok_and(|v| v == "1");
    assert!(importable || !required, "POCNET_PYTHON_TESTS=1 but python3 cannot import grpcio-reflection");
    if !importable {
        eprintln!("skipped: python3 cannot import grpc_reflection (pip install grpcio grpcio-reflection)");
        return;
    }
    let (url, _stop) = start_node().await;
    let address = url.trim_start_matches("http://").to_owned();
    let script = crate::support::workspace_root().join("coordinator/tests/python/reflection.py");
    // The server runs on this test's runtime; the client waits on a thread beside it.
    let client = std::thread::spawn(move || std::process::Command::new("python3").arg(script).arg(&address).output());
    let output = tokio::task::spawn_blocking(move || client.join().unwrap().unwrap()).await.unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{said}");
    assert!(said.contains("pocnet.v1.Simulation: Configure(pocnet.v1.NodeConfig)"), "{said}");
    assert!(said.contains("pocnet.v1.ContactPoint: Deliver(pocnet.v1.Envelopes)"), "{said}");
}

/// The tester's attack on a plaintext run, replayed: a third party calls
/// every node while a run goes on. Guessing the run's id, every batch is
/// refused without the id said back, counted, and the run gives the
/// in-process bytes. Having learnt the id (sniffed off the wire), its
/// forged batch is queued; the nodes' ledgers then disagree at the end and
/// the run fails, naming the node, instead of reporting a changed world.
#[test]
fn a_third_party_delivering_into_a_plaintext_run_fails_it_or_changes_nothing() {
    use pocnet_coordinator::engine::{self, DEFAULT_CALL_TIMEOUT, EngineError, Nodes, Placement};
    use pocnet_node::message::{Body, Envelope};
    use pocnet_node::{CountryCode, IncidentId, SimTime};
    let scenario = support::load("quickstart.toml");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let expected = engine::run_scenario(&scenario, scenario.seed, &Placement::InProcess).await.unwrap().events;
        let servers = engine::spawn_local_servers(scenario.countries.keys().cloned()).await.unwrap();
        let configs = || scenario.node_configs(scenario.seed, 0);
        // An acknowledgement "from DE" of FR's case: well formed, and one FR would queue.
        let forged = |run_id: &str, sequence: u64| pb::Envelopes {
            envelopes: vec![pocnet_node::grpc::envelope_to_proto(&Envelope {
                from: CountryCode::from("DE"),
                to: CountryCode::from("FR"),
                sequence,
                sent_at: SimTime(0),
                deliver_at: SimTime(86_400_000),
                incident: IncidentId::from("phish-1"),
                hop: 0,
                body: Body::Acknowledgement,
            })],
            run_id: run_id.to_owned(),
        };
        let france = servers.urls[&CountryCode::from("FR")].clone();

        // Guessing: 200 batches to every node during the run, each refused.
        let mut nodes = Nodes::connect(configs(), &servers.urls, DEFAULT_CALL_TIMEOUT, None).await.unwrap();
        let urls: Vec<String> = servers.urls.values().cloned().collect();
        let guesses = tokio::spawn(async move {
            let mut said = Vec::new();
            for n in 0..200u64 {
                let mut client = ContactPointClient::connect(urls[n as usize % urls.len()].clone()).await.unwrap();
                let guess = format!("{n:032x}");
                let refused = client.deliver(forged(&guess, 1_000_000 + n)).await.expect_err("a guessed id is refused");
                said.push(refused.message().to_owned());
            }
            said
        });
        let log = engine::run(&scenario, scenario.seed, &mut nodes).await.expect("guesses leave the run alone");
        let said = guesses.await.unwrap();
        let run_id = nodes.run_id().to_owned();
        assert!(said.iter().all(|m| !m.contains(&run_id)), "a refusal said the run's id");
        nodes.end().await.expect("refused calls changed nothing");
        assert_eq!(log.events, expected, "the in-process bytes");

        // Knowing the id: the forged batch is queued, and the run fails.
        let mut nodes = Nodes::connect(configs(), &servers.urls, DEFAULT_CALL_TIMEOUT, None).await.unwrap();
        let mut client = ContactPointClient::connect(france).await.unwrap();
        client.deliver(forged(nodes.run_id(), 1_000_000)).await.expect("with the run's id, a plaintext node takes it");
        let ran = engine::run(&scenario, scenario.seed, &mut nodes).await;
        let ended = nodes.end().await;
        match (ran, ended) {
            (Ok(_), Err(EngineError::Forged { at, from })) => {
                assert_eq!((at.as_str(), from.as_str()), ("FR", "DE"));
                let said = EngineError::Forged { at, from }.to_string();
                assert!(said.contains("no report is written") && said.contains("mutual TLS"), "{said}");
                eprintln!("the run failed at its end: {said}");
            }
            (Err(failed), _) => eprintln!("the run failed: {failed}"),
            (Ok(log), Ok(())) => panic!("a forged message went unnoticed ({} events)", log.events.len()),
            (Ok(_), Err(other)) => panic!("the end of the run failed otherwise: {other}"),
        }
    });
}

/// A configuration sent to a node by anyone but pocnet's coordinator may hold
/// values no scenario would pass `check` with: each is refused, naming the
/// field, before the node keeps any of it.
#[test]
fn a_node_refuses_nonsense_in_its_configuration() {
    use pocnet_node::grpc::{node_config_from_proto, node_config_to_proto};
    type Mutation = (&'static str, fn(&mut pb::NodeConfig));
    let scenario = support::load("network-today.toml");
    let config =
        scenario.node_configs(1, 0).into_iter().find(|c| !c.logs.is_empty() && !c.incidents.is_empty()).unwrap();
    let base = node_config_to_proto(&config, &BTreeMap::new());
    assert!(node_config_from_proto(base.clone()).is_ok(), "the scenario's own configuration is taken");
    fn country(c: &mut pb::NodeConfig) -> &mut pb::Country {
        c.country.as_mut().unwrap()
    }
    fn carrier(c: &mut pb::NodeConfig) -> &mut pb::Carrier {
        c.carriers.first_mut().unwrap()
    }
    fn delay(ms: i64) -> Option<pb::Distribution> {
        Some(pb::Distribution { kind: Some(pb::distribution::Kind::FixedMs(ms)) })
    }
    fn log_normal(median_ms: i64, p90_ms: i64) -> Option<pb::Distribution> {
        Some(pb::Distribution { kind: Some(pb::distribution::Kind::LogNormal(pb::LogNormal { median_ms, p90_ms })) })
    }
    fn office_hours(opens_minute: u32, weekday: u32, holiday: &str) -> Option<pb::Staffing> {
        Some(pb::Staffing {
            kind: Some(pb::staffing::Kind::OfficeHours(pb::OfficeHours {
                shifts: vec![pb::Shift { opens_minute, closes_minute: opens_minute + 100 }],
                weekdays: vec![weekday],
                holidays: if holiday.is_empty() { vec![] } else { vec![holiday.to_owned()] },
                on_call: None,
            })),
        })
    }
    fn window(from_ms: i64, until_ms: i64) -> Option<pb::Window> {
        Some(pb::Window { from_ms, until_ms })
    }
    let mutations: Vec<Mutation> = vec![
        ("a negative hold", |c| country(c).hold_ms = -1),
        ("a negative hold renewal", |c| country(c).hold_renewal_ms = Some(-5)),
        ("a billion officers", |c| country(c).officers = Some(1_000_000_000)),
        ("a timestamp error share above 1", |c| country(c).timestamp_errors = 1.5),
        ("a negative defect share", |c| country(c).request_defects = -0.1),
        ("a refusal share that is not a number", |c| country(c).refusal_grounds = f64::NAN),
        ("a follow-up share of 2", |c| country(c).follow_up_origin = Some(2.0)),
        ("a negative fixed handling time", |c| country(c).handling = delay(-1)),
        ("a handling time of three hundred millennia", |c| country(c).handling = delay(i64::MAX)),
        ("a log-normal median below zero", |c| country(c).translation = log_normal(-10, 5)),
        ("a p90 below the median", |c| country(c).court_order = log_normal(10_000, 5)),
        ("an unknown time zone", |c| country(c).time_zone = "Mars/Olympus_Mons".to_owned()),
        ("an empty language", |c| country(c).languages = vec![String::new()]),
        ("an unknown Art. 30 rule", |c| country(c).art30 = "sometimes".to_owned()),
        ("a negative retention", |c| carrier(c).retention_ms = -1),
        ("a negative subscriber retention", |c| carrier(c).subscriber_retention_ms = Some(-1)),
        ("a voluntary disclosure share of 3", |c| carrier(c).voluntary_disclosure = 3.0),
        ("a carrier kind of a megabyte", |c| carrier(c).kind = "x".repeat(1 << 20)),
        ("a uniform delay whose minimum passes its maximum", |c| {
            country(c).police_response = Some(pb::Distribution {
                kind: Some(pb::distribution::Kind::Uniform(pb::Uniform { min_ms: 9, max_ms: 1 })),
            })
        }),
        ("a negative exponential mean", |c| {
            country(c).prosecutor_sign_off =
                Some(pb::Distribution { kind: Some(pb::distribution::Kind::ExponentialMeanMs(-60_000)) })
        }),
        ("a shift opening at minute 2000", |c| carrier(c).hours = office_hours(2000, 1, "")),
        ("a ninth weekday", |c| carrier(c).hours = office_hours(480, 9, "")),
        ("a holiday on the 45th of the 13th month", |c| carrier(c).hours = office_hours(480, 1, "2026-13-45")),
        ("a communication at the dawn of time", |c| c.logs[0].communication_at_ms = i64::MIN),
        ("a report at the end of time", |c| c.incidents[0].communication_at_ms = i64::MAX),
        ("an epoch past any calendar", |c| c.epoch_unix_ms = i64::MAX),
        ("a negative minimum message delay", |c| c.min_message_delay_ms = -5),
        ("a desk outage that ends before it begins", |c| {
            c.desk_outages = vec![pb::Window { from_ms: 10, until_ms: 5 }]
        }),
        ("a message loss retried after a negative time", |c| {
            c.message_losses = vec![pb::MessageLoss { to: "FR".to_owned(), window: window(0, 10), retry_after_ms: -1 }]
        }),
        ("a coordination window below zero", |c| {
            c.coordination = Some(pb::Coordination { window_ms: -1, delay: delay(1000) })
        }),
        ("an e-Evidence Regulation in force before time", |c| {
            c.epoc = Some(pb::Epoc {
                bound: vec![],
                in_force_ms: i64::MIN,
                preparation: delay(1),
                response: delay(1),
                represented: Default::default(),
            })
        }),
        ("a negative message delay", |c| c.message_delay = delay(-1000)),
        ("a directory entry stale with probability -1", |c| {
            c.directory = vec![pb::DirectoryEntry {
                country: "FR".to_owned(),
                channel: delay(1000),
                stale_probability: -1.0,
                fallback: delay(1000),
                stale_windows: vec![],
            }]
        }),
    ];
    let mut taken = Vec::new();
    for (what, mutate) in &mutations {
        let mut config = base.clone();
        mutate(&mut config);
        if node_config_from_proto(config).is_ok() {
            taken.push(*what);
        }
    }
    assert!(taken.is_empty(), "taken: {taken:?}");
}

/// A node asked to stop mid-run stops: its open window and delivery
/// streams end with `UNAVAILABLE`, instead of holding the node until the
/// run ends (a graceful shutdown waits for every open call).
#[tokio::test]
async fn a_node_asked_to_stop_ends_its_open_streams_and_stops() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(pocnet_node::grpc::serve(listener, pocnet_node::grpc::Node::default(), async {
        let _ = stopped.await;
    }));
    let mut simulation = SimulationClient::connect(url.clone()).await.unwrap();
    let mut contact_point = ContactPointClient::connect(url).await.unwrap();
    // Streams opened and left open, as a coordinator and a peer leave them between windows.
    let (_requests, outgoing) = tokio::sync::mpsc::channel::<pb::AdvanceRequest>(1);
    let mut windows =
        simulation.windows(tokio_stream::wrappers::ReceiverStream::new(outgoing)).await.unwrap().into_inner();
    let (_batches, outgoing) = tokio::sync::mpsc::channel::<pb::Envelopes>(1);
    let mut deliveries =
        contact_point.deliveries(tokio_stream::wrappers::ReceiverStream::new(outgoing)).await.unwrap().into_inner();

    stop.send(()).unwrap();
    let patience = std::time::Duration::from_secs(10);
    let ended = tokio::time::timeout(patience, windows.message()).await.expect("the window stream ends at once");
    let status = ended.expect_err("it ends with a status");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("stopping"), "{status:?}");
    let ended = tokio::time::timeout(patience, deliveries.message()).await.expect("the delivery stream ends at once");
    assert_eq!(ended.expect_err("it ends with a status").code(), Code::Unavailable);
    let served = tokio::time::timeout(patience, served).await.expect("the node stops with the streams still open");
    served.unwrap().expect("it stops cleanly");
}
