//! Writes a generated network as a scenario file, for profiling `pocnet run`
//! on it: `cargo run --release -p pocnet-benches --example generate -- 100 10000 > net.toml`.

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let (Some(Ok(countries)), Some(Ok(incidents))) = (args.next(), args.next()) else {
        eprintln!("usage: generate COUNTRIES INCIDENTS");
        std::process::exit(2);
    };
    let text = pocnet_benches::generated_network(countries, incidents, 1);
    if std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()).is_err() {
        std::process::exit(1);
    }
}
