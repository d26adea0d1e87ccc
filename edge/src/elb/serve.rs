//! Load balancers started: each listener bound on its own loopback port and served, the health checkers of the
//! target groups they forward to started.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::health;
use super::listener::{self, ListenerService};
use super::load::{self, Context};
use super::model::{Action, TargetGroup};

pub struct Started {
    /// One serving line per listener of the load balancers named on the command line.
    pub lines: Vec<String>,
    /// Each listener's loopback address, by load balancer ARN and listener port.
    addresses: HashMap<(String, u16), SocketAddr>,
    names: HashMap<String, String>,
}

impl Started {
    /// Where the load balancer's listener on `port` is served.
    pub fn address(&self, load_balancer_arn: &str, port: u16) -> Result<SocketAddr, String> {
        self.addresses
            .get(&(load_balancer_arn.to_string(), port))
            .copied()
            .ok_or_else(|| {
                let name = self
                    .names
                    .get(load_balancer_arn)
                    .map_or(load_balancer_arn, String::as_str);
                format!("load balancer {name} has no listener on port {port}")
            })
    }
}

/// Loads and serves the load balancers `named` (their listeners printed) and `internal` (reached only through a
/// distribution's origins; served, not printed).
pub async fn start(
    ctx: &Context<'_>,
    named: &[String],
    internal: &[String],
    health_check_interval: Option<Duration>,
) -> Result<Started, String> {
    let mut started = Started {
        lines: Vec::new(),
        addresses: HashMap::new(),
        names: HashMap::new(),
    };
    let mut groups: HashMap<String, Arc<TargetGroup>> = HashMap::new();
    let wanted = named
        .iter()
        .map(|n| (n, true))
        .chain(internal.iter().map(|n| (n, false)));
    for (name_or_arn, print) in wanted {
        if started.names.contains_key(name_or_arn.as_str()) || started.names.values().any(|n| n == name_or_arn) {
            continue;
        }
        let lb = load::load(ctx, name_or_arn).await?;
        started.names.insert(lb.arn.clone(), lb.name.clone());
        for l in lb.listeners {
            for action in l.rules.iter().map(|r| &r.action).chain([&l.default_action]) {
                if let Action::Forward(tgs) = action {
                    for (g, _) in tgs {
                        groups.entry(g.arn.clone()).or_insert_with(|| g.clone());
                    }
                }
            }
            let socket = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("load balancer {}: binding a port for listener {}: {e}", lb.name, l.port))?;
            let addr = socket.local_addr().map_err(|e| e.to_string())?;
            if print {
                started.lines.push(format!(
                    "nextstack-edge: serving http://{addr} ({} {}:{})",
                    lb.name,
                    l.protocol.as_aws(),
                    l.port
                ));
            }
            started.addresses.insert((lb.arn.clone(), l.port), addr);
            let service = Arc::new(ListenerService::new(lb.name.clone(), l, ctx.targets.clone()));
            tokio::spawn(listener::serve(socket, service));
        }
    }
    let groups: Vec<Arc<TargetGroup>> = groups.into_values().collect();
    health::spawn(&groups, ctx.targets, health_check_interval);
    Ok(started)
}
