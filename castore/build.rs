//! Compiles the protobuf definitions in `protos/` with the pure-Rust `protox`
//! parser (no `protoc` needed) and generates prost messages and, with the `grpc`
//! feature, tonic clients and servers.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "protos/castore.proto",
        "protos/rpc_blobstore.proto",
        "protos/rpc_chunkstore.proto",
        "protos/rpc_directory.proto",
    ];
    for p in &protos {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(protos, ["protos"])?;
    let grpc = std::env::var_os("CARGO_FEATURE_GRPC").is_some();
    tonic_prost_build::configure()
        .build_client(grpc)
        .build_server(grpc)
        .bytes(".")
        .compile_fds(fds)?;
    Ok(())
}
