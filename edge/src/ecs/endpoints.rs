//! `--endpoint-map ADDRESS:PORT=HOST:PORT`: a private endpoint in the VPC that a task definition names by its DNS
//! name (an RDS instance's `Endpoint.Address`, in `DB_HOST`), reached here at a local server standing for it. In the
//! VPC the name resolves to the instance's private address through the Route 53 Resolver; here each mapped name gets
//! an address of its own (127.77.0.1 onwards), written into the `/etc/hosts` the tasks' sandboxes see, and in each
//! task's network namespace (`network.rs`) the edge listens there on the endpoint's own port and forwards each TCP
//! connection, unchanged, to HOST:PORT. So the program connects to the name and port its task definition gives, and
//! the bytes (TLS included) are the server's. Nothing is rewritten in the task's environment or in the machine's own
//! `/etc/hosts`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use super::network::Egress;

/// One `--endpoint-map`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointMap {
    /// The DNS name the task definition gives (e.g. `db.abc.eu-west-1.rds.amazonaws.com`).
    pub address: String,
    pub port: u16,
    /// The local server standing for it.
    pub target: SocketAddr,
}

/// Parses `ADDRESS:PORT=HOST:PORT` (HOST a loopback IP address).
pub fn parse(s: &str) -> Result<EndpointMap, String> {
    let bad = |why: &str| format!("--endpoint-map '{s}': {why} (expected ADDRESS:PORT=127.0.0.1:PORT)");
    let (from, to) = s.split_once('=').ok_or_else(|| bad("no '='"))?;
    let (address, port) = from.rsplit_once(':').ok_or_else(|| bad("the endpoint has no :PORT"))?;
    let port: u16 = port.parse().map_err(|_| bad("the endpoint's port is not a number"))?;
    let valid_name = !address.is_empty()
        && address.len() <= 253
        && address
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !valid_name {
        return Err(bad("the endpoint is not a DNS name"));
    }
    let target: SocketAddr = to.parse().map_err(|_| bad("the target is not IP:PORT"))?;
    if !target.ip().is_loopback() {
        return Err(bad("the target must be a loopback address"));
    }
    Ok(EndpointMap {
        address: address.to_ascii_lowercase(),
        port,
        target,
    })
}

/// The hosts file and the connections out of each task; dropping it removes the file.
pub struct Mapped {
    pub hosts_file: PathBuf,
    /// Where each task's namespace listens (the name's address, the endpoint's port) and what it forwards to.
    pub egress: Vec<Egress>,
}

impl Drop for Mapped {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.hosts_file);
    }
}

/// The addresses names are given (127.77.0.1 onwards; 127.0.0.0/8 is all loopback on Linux).
fn candidates() -> impl Iterator<Item = IpAddr> {
    (1u32..=0xfffe).map(|n| IpAddr::V4(Ipv4Addr::new(127, 77, (n >> 8) as u8, (n & 0xff) as u8)))
}

/// The machine's hosts file with one line per mapped name.
fn hosts_text(base: &str, names: &[(String, IpAddr)]) -> String {
    let mut text = base.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# nextstack-edge --endpoint-map\n");
    for (name, ip) in names {
        text.push_str(&format!("{ip}\t{name}\n"));
    }
    text
}

/// Gives each mapped name its address and writes the hosts file (None when there is no mapping). A name mapped on
/// two ports keeps one address; the same name and port mapped twice is an error.
pub fn start(maps: &[EndpointMap]) -> Result<Option<Mapped>, String> {
    if maps.is_empty() {
        return Ok(None);
    }
    let mut names: Vec<(String, IpAddr)> = Vec::new();
    let mut egress: Vec<Egress> = Vec::new();
    let mut fresh = candidates();
    for m in maps {
        let ip = match names.iter().find(|(n, _)| *n == m.address) {
            Some((_, ip)) => *ip,
            None => {
                let ip = fresh
                    .next()
                    .ok_or("--endpoint-map: more names than addresses in 127.77.0.0/16")?;
                names.push((m.address.clone(), ip));
                ip
            }
        };
        let inside = SocketAddr::new(ip, m.port);
        if egress.iter().any(|e| e.inside == inside) {
            return Err(format!("--endpoint-map {}:{} is given twice", m.address, m.port));
        }
        egress.push(Egress {
            inside,
            target: m.target,
        });
        eprintln!(
            "nextstack-edge: endpoint {}:{} is {ip}:{} in the tasks, forwarded to {}",
            m.address, m.port, m.port, m.target
        );
    }
    let base = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let hosts_file = std::env::temp_dir().join(format!("nextstack-edge-hosts-{}", std::process::id()));
    std::fs::write(&hosts_file, hosts_text(&base, &names))
        .map_err(|e| format!("writing {}: {e}", hosts_file.display()))?;
    Ok(Some(Mapped { hosts_file, egress }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let m = parse("Db.abc.eu-west-1.rds.amazonaws.com:5432=127.0.0.1:40001").unwrap();
        assert_eq!(m.address, "db.abc.eu-west-1.rds.amazonaws.com");
        assert_eq!((m.port, m.target.port()), (5432, 40001));
        for (s, why) in [
            ("db:5432", "no '='"),
            ("db=127.0.0.1:1", "no :PORT"),
            ("db:x=127.0.0.1:1", "port is not a number"),
            ("d_b:1=127.0.0.1:1", "not a DNS name"),
            ("db:1=localhost:1", "not IP:PORT"),
            ("db:1=10.0.0.1:1", "must be a loopback address"),
        ] {
            let err = parse(s).unwrap_err();
            assert!(err.contains(why) && err.contains(s), "{s}: {err}");
        }
    }

    #[test]
    fn hosts_file_keeps_the_machines_lines() {
        let names = vec![("db.example".to_string(), candidates().next().unwrap())];
        assert_eq!(
            hosts_text("127.0.0.1\tlocalhost", &names),
            "127.0.0.1\tlocalhost\n# nextstack-edge --endpoint-map\n127.77.0.1\tdb.example\n"
        );
    }
}
