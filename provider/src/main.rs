//! terraform-provider-nextstack: started by Terraform, never by hand
//! (except `--debug`, which prints a TF_REATTACH_PROVIDERS value).
//!
//! Layers (tests/layers.rs keeps them apart): `aws` knows AWS (clients, Route53, CloudFront invalidations,
//! polling, typed errors), `opennext` knows the build, `resources` joins them with the plugin framework and
//! holds only resources and `resources::target` (the region/role attributes and import ids they share).

mod aws;
mod functions;
mod opennext;
mod provider;
mod resources;

use std::process::ExitCode;

use tfplugin_framework::{serve, ServeOptions};

const ADDRESS: &str = "registry.terraform.io/nextstack/nextstack";

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-nextstack: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(
        provider::NextstackProvider,
        ServeOptions::from_args(ADDRESS, module_path!()),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
