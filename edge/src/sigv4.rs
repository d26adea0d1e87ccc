//! AWS Signature Version 4 for the few AWS API calls the edge makes without an SDK client (EventBridge's JSON API):
//! the endpoint routes a request by the service in its credential scope, and an emulator that checks signatures
//! gets a valid one.
//!
//! AWS: IAM User Guide, "Create a signed AWS API request" (canonical request, string to sign, the signing key
//! derived with HMAC-SHA256 from the date, region and service, the Authorization header) and RFC 2104 (HMAC).

use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::lambda::pool::Credentials;

/// HMAC-SHA256 (RFC 2104, block size 64).
fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(data).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// `YYYYMMDDTHHMMSSZ`
pub fn amz_date(t: SystemTime) -> String {
    let (date, time) = crate::access_log::date_time(t).unwrap_or_default();
    format!("{}T{}Z", date.replace('-', ""), time.replace(':', ""))
}

/// The headers to add to a POST of `body` to `path` on `host`: `x-amz-date`, `x-amz-content-sha256`,
/// `x-amz-security-token` when there is a session token, and `authorization`. `headers` are the request's other
/// headers to sign (lower-case names).
#[allow(clippy::too_many_arguments)] // the parts of the request that the signature covers, and the time
pub fn sign_post(
    credentials: &Credentials,
    region: &str,
    service: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    now: SystemTime,
) -> Vec<(String, String)> {
    let date_time = amz_date(now);
    let date = &date_time[..8];
    let payload_hash = hex::encode(Sha256::digest(body));
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    signed.push(("host".into(), host.to_string()));
    signed.push(("x-amz-date".into(), date_time.clone()));
    signed.push(("x-amz-content-sha256".into(), payload_hash.clone()));
    if let Some(token) = &credentials.session_token {
        signed.push(("x-amz-security-token".into(), token.clone()));
    }
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_names = signed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let canonical = format!("POST\n{path}\n\n{canonical_headers}\n{signed_names}\n{payload_hash}");
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date_time}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = [date, region, service, "aws4_request"].iter().fold(
        format!("AWS4{}", credentials.secret_access_key).into_bytes(),
        |k, part| hmac(&k, part.as_bytes()).to_vec(),
    );
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    let mut out: Vec<(String, String)> = signed.into_iter().filter(|(k, _)| k.starts_with("x-amz-")).collect();
    out.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_names}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hex::encode(hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_signing_key_of_the_documented_example() {
        // IAM User Guide's signing key example: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215,
        // us-east-1, iam.
        let key = ["20120215", "us-east-1", "iam", "aws4_request"]
            .iter()
            .fold(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_vec(), |k, p| {
                hmac(&k, p.as_bytes()).to_vec()
            });
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn the_scope_names_region_and_service() {
        let c = Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "secret".into(),
            session_token: None,
        };
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_765_000_000);
        let h = sign_post(
            &c,
            "eu-west-1",
            "events",
            "127.0.0.1:5000",
            "/",
            &[("x-amz-target", "AWSEvents.ListRules")],
            b"{}",
            t,
        );
        let auth = &h.iter().find(|(k, _)| k == "authorization").unwrap().1;
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/20251206/eu-west-1/events/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature="), "{auth}");
        assert_eq!(h.iter().find(|(k, _)| k == "x-amz-date").unwrap().1, "20251206T054640Z");
    }
}
