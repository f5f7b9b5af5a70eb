//! Compiles `proto/pocnet.proto` with protox (pure Rust), so no system `protoc`
//! is needed, and keeps the descriptor set for gRPC reflection.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["pocnet.proto"], ["proto"])?;
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("pocnet_descriptor.bin"), prost::Message::encode_to_vec(&descriptors))?;
    // Ordered maps: nothing that crosses the wire is iterated in hash order.
    tonic_prost_build::configure().btree_map(".").compile_fds(descriptors)?;
    Ok(())
}
