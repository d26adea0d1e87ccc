//! Compiles the project's .proto files (workspace `proto/`) into Rust with the
//! pure-Rust `protox` compiler (no system `protoc`) and `tonic-prost-build`.
//!
//! Output (in `OUT_DIR`): `tfplugin6.rs`, `plugin.rs`, `google.protobuf.rs`,
//! included by `src/proto.rs`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("../../proto");
    let proto_dir = proto_dir.canonicalize().unwrap_or(proto_dir);

    let files = [
        "tfplugin6.proto",
        "plugin/grpc_controller.proto",
        "plugin/grpc_stdio.proto",
        "plugin/grpc_broker.proto",
    ];

    println!("cargo:rerun-if-changed={}", proto_dir.display());
    for f in &files {
        println!("cargo:rerun-if-changed={}", proto_dir.join(f).display());
    }

    // google/protobuf/*.proto (timestamp, empty) are bundled with protox.
    let fds = protox::compile(files, [&proto_dir])?;

    tonic_prost_build::configure()
        .build_server(true)
        // Clients are handy for in-process tests of the server.
        .build_client(true)
        // RPCs a server does not override answer gRPC `Unimplemented`.
        .generate_default_stubs(true)
        // Generate google.protobuf.Timestamp ourselves (no prost-types dependency).
        .compile_well_known_types(true)
        // google.protobuf.Empty (GRPCStdio request) stays `()`; go-plugin's own
        // plugin.Empty (GRPCController) is generated as `plugin::Empty`.
        .extern_path(".google.protobuf.Empty", "()")
        .emit_rerun_if_changed(false)
        .compile_fds(fds)?;

    Ok(())
}
