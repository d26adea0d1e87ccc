//! The real binary's start-up contract with go-plugin: refuse to run by hand,
//! print exactly one handshake line on stdout, speak only protocol 6.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use base64::Engine;

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-nextstack");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn terraform_like_client_cert() -> String {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    params.self_signed(&key).unwrap().pem()
}

#[test]
fn refuses_to_start_without_the_magic_cookie() {
    let out = Command::new(BINARY)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing may reach stdout");
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
}

#[test]
fn refuses_protocols_other_than_six() {
    let out = Command::new(BINARY)
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("speaks only protocol 6"));
}

#[test]
fn prints_one_handshake_line_with_the_server_certificate() {
    let mut child = Command::new(BINARY)
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6,5")
        .env("PLUGIN_CLIENT_CERT", terraform_like_client_cert())
        .env("PLUGIN_MIN_PORT", "42100")
        .env("PLUGIN_MAX_PORT", "42199")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();

    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], ["1", "6", "tcp"]);
    let port: u16 = fields[3]
        .strip_prefix("127.0.0.1:")
        .expect("loopback address")
        .parse()
        .unwrap();
    assert!(
        (42100..=42199).contains(&port),
        "port {port} outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT"
    );
    assert_eq!(fields[4], "grpc");
    assert!(!fields[5].ends_with('='), "base64 without padding");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("base64 certificate");
    assert_eq!(der[0], 0x30, "a DER certificate starts with a SEQUENCE");
}
