//! The exercise server under a crowd and under attack, on loopback: many
//! live consoles and many idle sockets leave the director's console
//! answering; a silent socket is closed after the header timeout; past the
//! caps (per address, per token) a client reads a 503 that says why.

use crate::exercise::{http, serve};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const SCENARIO: &str = "scenarios/exercises/hospital-ransomware.toml";

/// Opens an event stream and reads its status line: "HTTP/1.1 200 OK", or a 503.
fn open_stream(address: &str, token: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET /api/events?token={token} HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 4096 {
        if stream.read(&mut byte).unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let status = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned();
    (stream, status)
}

/// The quickest of three reads of the director's state, in wall time.
fn director_answers(address: &str, director: &str) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let (status, state) = http(address, "GET", "/api/state", Some(director), None);
            assert_eq!(status, 200, "{state}");
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// 500 live consoles (63 evaluators' tokens, eight tabs each) and 1,000
/// sockets that never send a byte: the director's console still answers
/// within a second; the silent sockets are closed once the header timeout
/// passes; a ninth tab on one token is refused, saying why.
#[test]
fn a_crowd_of_consoles_and_idle_sockets_leave_the_director_answering() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let dir = tempfile::tempdir().unwrap();
    let served = serve(
        SCENARIO,
        &dir.path().join("j"),
        &["--max-connections-per-address", "4000", "--max-connections", "4000", "--header-timeout", "4s"],
        2,
    );
    let (address, director) = (served.address.clone(), served.director.clone());
    let tokens: Vec<String> = (0..63)
        .map(|n| {
            let cell = if n % 2 == 0 { "DE" } else { "NL" };
            let (status, answer) =
                http(&address, "POST", "/api/evaluators", Some(&director), Some(&json!({"cell": cell}).to_string()));
            assert_eq!(status, 200, "{answer}");
            let url = answer["url"].as_str().unwrap().to_owned();
            url.split_once("?token=").unwrap().1.to_owned()
        })
        .collect();
    let mut streams = Vec::new();
    for n in 0..500 {
        let (stream, status) = open_stream(&address, &tokens[n / 8]);
        assert!(status.contains(" 200 "), "stream {n}: {status}");
        streams.push(stream);
    }
    // A ninth tab on a token that has eight.
    let (_, status) = open_stream(&address, &tokens[0]);
    assert!(status.contains(" 503 "), "{status}");
    let mut silent: Vec<TcpStream> = (0..1000).map(|_| TcpStream::connect(&address).unwrap()).collect();
    let took = director_answers(&address, &director);
    eprintln!("the director's state with 500 streams and 1,000 idle sockets open: {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    // The silent sockets are closed by the server once the header timeout passes.
    let deadline = Instant::now() + Duration::from_secs(20);
    for socket in &mut silent {
        socket
            .set_read_timeout(Some(deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))))
            .unwrap();
        let mut byte = [0u8; 1];
        let read = socket.read(&mut byte);
        assert!(
            matches!(read, Ok(0)) || read.is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "still open"
        );
    }
    // The live streams were not timed out with them: a change still reaches one.
    let (status, _) = http(&address, "POST", "/api/clock", Some(&director), Some(r#"{"action": "resume"}"#));
    assert_eq!(status, 200);
    let mut seen = String::new();
    let mut buffer = [0u8; 512];
    let stream = &mut streams[499];
    while !seen.contains("event: change") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "the stream closed: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
}

/// Past the cap on one address, a connection is answered 503 with the
/// reason in the consoles' JSON shape; once the others close, it is served.
#[test]
fn past_the_cap_on_one_address_a_client_reads_why() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(SCENARIO, &dir.path().join("j"), &["--max-connections-per-address", "20"], 2);
    let (address, director) = (served.address.clone(), served.director.clone());
    let held: Vec<TcpStream> = (0..20).map(|_| TcpStream::connect(&address).unwrap()).collect();
    // Accepted in order: the twentieth is counted before the next is read.
    std::thread::sleep(Duration::from_millis(300));
    let (status, answer) = http(&address, "GET", "/api/state", Some(&director), None);
    assert_eq!(status, 503, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("holds its limit of 20 connections"), "{answer}");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = http(&address, "GET", "/api/state", Some(&director), None);
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still refused after the others closed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A client that sends its headers a line at a time, never finishing, is
/// closed once the header timeout passes (slowloris).
#[test]
fn a_slow_client_is_closed_at_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(SCENARIO, &dir.path().join("j"), &["--header-timeout", "1s"], 2);
    let mut slow = TcpStream::connect(&served.address).unwrap();
    write!(slow, "GET /api/state HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let closed = (0..40).any(|n| {
        std::thread::sleep(Duration::from_millis(250));
        write!(slow, "X-Line-{n}: still typing\r\n").and_then(|()| slow.flush()).is_err()
            || started.elapsed() > Duration::from_secs(5)
    });
    assert!(closed, "never closed");
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "closed after {elapsed:?}");
}
