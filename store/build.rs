//! Compiles the protobuf definitions in `protos/` (package `tvix.store.v1`) with
//! the pure-Rust `protox` parser. castore's messages (`tvix.castore.v1`) are
//! read from `../castore/protos` and mapped to `tvix_castore::proto`, so the
//! two crates share one generated `Node` type.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["protos/pathinfo.proto", "protos/rpc_pathinfo.proto"];
    for p in &protos {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-changed=../castore/protos/castore.proto");
    let fds = protox::compile(protos, ["protos", "../castore/protos"])?;
    let grpc = std::env::var_os("CARGO_FEATURE_GRPC").is_some();
    tonic_prost_build::configure()
        .build_client(grpc)
        .build_server(grpc)
        .bytes(".")
        .extern_path(".tvix.castore.v1", "::tvix_castore::proto")
        .compile_fds(fds)?;
    Ok(())
}
