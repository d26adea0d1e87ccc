//! `nextstack-edge serve [--distribution-id ID] [--load-balancer NAME_OR_ARN]... [--endpoint URL] [--listen ADDR]`
//! `nextstack-edge run-task --task-definition ARN --images FILE [--container NAME --command JSON]`

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use nextstack_edge::cloudfront::cache::Cache;
use nextstack_edge::cloudfront::functions::FunctionWorker;
use nextstack_edge::cloudfront::router::{Edge, ViewerProtocol};
use nextstack_edge::cloudfront::{distribution, invalidations};
use nextstack_edge::control::{self, Control};
use nextstack_edge::ecs;
use nextstack_edge::endpoint::Aws;
use nextstack_edge::events::eventbridge::EventBridge;
use nextstack_edge::lambda::pool::Launcher;
use nextstack_edge::lambda::registry::Registry;
use nextstack_edge::targets::TargetGroups;
use nextstack_edge::{access_log::AccessLog, apigateway, elb, events, lambda, runtime, server};

#[derive(Parser)]
#[command(
    name = "nextstack-edge",
    version,
    about = "Serves a deployed layout from an AWS endpoint on 127.0.0.1, the way AWS would"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a CloudFront distribution and/or Application Load Balancers (at least one front door).
    Serve(Box<ServeArgs>),
    /// Run one standalone task of a task definition here to its end, as ECS RunTask would start it (docs/edge.md,
    /// "ECS tasks"); exits with the container's exit code.
    RunTask {
        /// The task definition's ARN or family[:revision].
        #[arg(long, value_name = "ARN")]
        task_definition: String,
        /// The container whose command --command overrides.
        #[arg(long, value_name = "NAME", requires = "command")]
        container: Option<String>,
        /// The command override, a JSON array of strings (containerOverrides' command).
        #[arg(long, value_name = "JSON", requires = "container")]
        command: Option<String>,
        /// The images file (as for serve).
        #[arg(long, value_name = "FILE")]
        images: PathBuf,
        /// As for serve.
        #[arg(long = "endpoint-map", value_name = "ADDRESS:PORT=HOST:PORT", value_parser = ecs::endpoints::parse)]
        endpoint_maps: Vec<ecs::endpoints::EndpointMap>,
        /// The AWS endpoint holding the task definition (an emulator's URL).
        #[arg(long, env = "AWS_ENDPOINT_URL")]
        endpoint: String,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// The distribution's id.
    #[arg(long)]
    distribution_id: Option<String>,
    /// An Application Load Balancer to serve (name in the default region, or ARN), each listener on its own
    /// loopback port; repeatable.
    #[arg(long = "load-balancer", value_name = "NAME_OR_ARN")]
    load_balancers: Vec<String>,
    /// An API Gateway REST API to serve directly (its id in the default region, its execute-api host name, or a
    /// custom domain name with base path mappings), on its own loopback port; repeatable.
    #[arg(long = "rest-api", value_name = "ID_OR_DOMAIN")]
    rest_apis: Vec<String>,
    /// Replaces every target group's health check interval (e.g. 200ms), so that tests need not wait 30 s; its
    /// timeout and thresholds are kept.
    #[arg(long, value_parser = parse_duration)]
    health_check_interval: Option<Duration>,
    /// The AWS endpoint holding the deployment (an emulator's URL).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint: String,
    /// Where to listen (port 0: any free port). Without --https-listen it stands for the distribution's HTTPS
    /// side; with it, it is the HTTP side, where each behaviour's viewer protocol policy applies.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Also serve the distribution over HTTPS here (loopback; port 0 picks one), with a self-signed certificate
    /// for its domain name, aliases, localhost and 127.0.0.1 made at start.
    #[arg(long, value_name = "ADDR", requires = "distribution_id")]
    https_listen: Option<SocketAddr>,
    /// Write the HTTPS listener's certificate (PEM) here, for clients to trust.
    #[arg(long, value_name = "FILE", requires = "https_listen")]
    https_certificate: Option<PathBuf>,
    /// The Node.js that runs functions built for this machine's CPU.
    #[arg(long, default_value = "node")]
    node: String,
    /// A command that runs an arm64 Node.js here (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu /opt/node-arm64/bin/node"),
    /// for functions whose packages carry arm64 native modules.
    #[arg(long, env = "NEXTSTACK_EDGE_NODE_ARM64")]
    node_arm64: Option<String>,
    /// Execution environments per function at most (reserved concurrency lowers it).
    #[arg(long, default_value_t = 8)]
    max_environments: usize,
    /// How often invalidations are looked for.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    invalidation_poll: Duration,
    /// Also serve the control API here (loopback; port 0 picks one): Lambda's Invoke API for the functions the
    /// edge runs, scheduled EventBridge rules fired on demand, a report of the functions' environments.
    #[arg(long)]
    control: Option<SocketAddr>,
    /// Run the tasks of every ECS service in this cluster as local processes (repeatable; docs/edge.md, "ECS
    /// tasks").
    #[arg(long = "cluster", value_name = "NAME")]
    clusters: Vec<String>,
    /// The images file: the local directory and command that stand for each container image.
    #[arg(long, value_name = "FILE")]
    images: Option<PathBuf>,
    /// A private endpoint the tasks name (e.g. an RDS instance's address and port) served here by a local
    /// server: ADDRESS:PORT=127.0.0.1:PORT (repeatable; docs/edge.md, "ECS tasks").
    #[arg(long = "endpoint-map", value_name = "ADDRESS:PORT=HOST:PORT", value_parser = ecs::endpoints::parse)]
    endpoint_maps: Vec<ecs::endpoints::EndpointMap>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not a duration like 500ms or 2s"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        _ => Err(format!("'{s}' is not a duration like 500ms or 2s")),
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Command::RunTask {
        task_definition,
        container,
        command,
        images,
        endpoint_maps,
        endpoint,
    } = cli.command
    {
        match run_task(task_definition, container, command, images, endpoint_maps, endpoint).await {
            Ok(code) => std::process::exit(code),
            Err(e) => {
                eprintln!("nextstack-edge: error: {e}");
                std::process::exit(2);
            }
        }
    }
    let Command::Serve(options) = cli.command else {
        unreachable!("run-task exits above")
    };
    if let Err(e) = serve(*options).await {
        eprintln!("nextstack-edge: error: {e}");
        std::process::exit(1);
    }
}

async fn serve(options: ServeArgs) -> Result<(), String> {
    let ServeArgs {
        distribution_id,
        load_balancers,
        rest_apis,
        health_check_interval,
        endpoint,
        listen,
        https_listen,
        https_certificate,
        node,
        node_arm64,
        max_environments,
        invalidation_poll,
        control,
        clusters,
        images,
        endpoint_maps,
    } = options;
    if distribution_id.is_none() && load_balancers.is_empty() && clusters.is_empty() && rest_apis.is_empty() {
        return Err(
            "nothing to serve: give --distribution-id ID, --load-balancer NAME_OR_ARN, --rest-api ID_OR_DOMAIN and/or --cluster NAME".into(),
        );
    }
    for (flag, addr) in [("--listen", Some(listen)), ("--https-listen", https_listen)] {
        if let Some(addr) = addr.filter(|a| !a.ip().is_loopback()) {
            return Err(format!(
                "{flag} {addr}: nextstack-edge serves on loopback addresses only"
            ));
        }
    }
    // Bound first: the functions' environments are told where it is.
    let control_listener = match control {
        Some(addr) if !addr.ip().is_loopback() => {
            return Err(format!(
                "--control {addr}: the control API listens on loopback addresses only"
            ))
        }
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("--control {addr}: {e}"))?,
        ),
        None => None,
    };
    let control_addr = match &control_listener {
        Some(l) => Some(l.local_addr().map_err(|e| e.to_string())?),
        None => None,
    };
    let cache_dir: PathBuf = runtime::cache_dir();
    let rt = runtime::install(&cache_dir)
        .map_err(|e| format!("writing the runtime files under {}: {e}", cache_dir.display()))?;
    let aws = Aws::connect(&endpoint).await;
    let launcher = Arc::new(Launcher {
        node: vec![node.clone()],
        node_arm64: node_arm64.map(|c| c.split_whitespace().map(str::to_string).collect()),
        bootstrap: rt.bootstrap,
        aws_sdk: rt.aws_sdk,
        endpoint: aws.endpoint.clone(),
        credentials: aws.credentials().await,
        max_environments: max_environments.max(1),
        lambda_endpoint: control_addr.map(|a| format!("http://{a}")),
    });
    let env_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    let mut registry = Registry::new(
        aws.clone(),
        launcher.clone(),
        cache_dir.join("code"),
        env_region.clone(),
    );
    // Targets of the load balancers' ip/instance target groups (ECS tasks the edge runs register here too).
    let targets = Arc::new(TargetGroups::new());
    let _services = start_services(&aws, &launcher, &targets, clusters, images, endpoint_maps).await?;
    let alb_origins = match &distribution_id {
        Some(id) => elb::cloudfront_origins::find(&aws, id).await?,
        None => Vec::new(),
    };
    let albs = {
        let ctx = elb::load::Context {
            aws: &aws,
            registry: &registry,
            targets: &targets,
            default_region: &env_region,
        };
        let reached: Vec<String> = alb_origins.iter().map(|o| o.load_balancer_arn.clone()).collect();
        elb::serve::start(&ctx, &load_balancers, &reached, health_check_interval).await?
    };
    let mut alb_addresses = HashMap::new();
    for o in &alb_origins {
        let addr = albs
            .address(&o.load_balancer_arn, o.port)
            .map_err(|e| format!("distribution origin {}: {e}", o.origin_id))?;
        alb_addresses.insert(o.origin_id.clone(), addr);
    }
    let front_door = match &distribution_id {
        Some(id) => {
            let setup = DistributionSetup {
                id,
                aws: &aws,
                launcher: &launcher,
                node: &node,
                function_worker: &rt.function_worker,
                cache_dir: &cache_dir,
                listen,
                https_listen,
                https_certificate: https_certificate.as_deref(),
                invalidation_poll,
                alb_origins: &alb_addresses,
            };
            Some(start_distribution(setup, &mut registry).await?)
        }
        None => None,
    };
    let api_lines = apigateway::front_door::start(
        &aws,
        &launcher,
        &cache_dir.join("code"),
        &registry,
        &rest_apis,
        &env_region,
    )
    .await?;
    let registry = Arc::new(registry);
    if let Some(door) = &front_door {
        println!(
            "nextstack-edge: serving http://{} ({})",
            door.addr, door.edge.distribution.id
        );
        if let Some((_, _, addr)) = &door.https {
            println!("nextstack-edge: serving https://{addr} ({})", door.edge.distribution.id);
        }
    }
    for line in albs.lines.iter().chain(&api_lines) {
        println!("{line}");
    }
    if let (Some(listener), Some(control_addr)) = (control_listener, control_addr) {
        let events = EventBridge::new(&aws.endpoint, launcher.credentials.clone())?;
        tokio::spawn(control::serve(listener, Arc::new(Control { registry, events })));
        println!("nextstack-edge: control http://{control_addr}");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match front_door {
        Some(door) => {
            let plain = match door.https {
                Some((listener, acceptor, _)) => {
                    tokio::spawn(server::serve(listener, door.edge.clone(), server::Side::Tls(acceptor)));
                    server::Side::Plain(ViewerProtocol::Http)
                }
                None => server::Side::Plain(ViewerProtocol::StandsForHttps),
            };
            tokio::select! {
                _ = server::serve(door.listener, door.edge, plain) => Ok(()),
                _ = shutdown() => Ok(()),
            }
        }
        None => {
            shutdown().await;
            Ok(())
        }
    }
}

/// What serving a distribution needs from `serve`.
struct DistributionSetup<'a> {
    id: &'a str,
    aws: &'a Aws,
    launcher: &'a Arc<Launcher>,
    node: &'a str,
    function_worker: &'a std::path::Path,
    cache_dir: &'a std::path::Path,
    listen: SocketAddr,
    https_listen: Option<SocketAddr>,
    https_certificate: Option<&'a std::path::Path>,
    invalidation_poll: Duration,
    alb_origins: &'a HashMap<String, SocketAddr>,
}

/// A distribution's listeners and router.
struct FrontDoor {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    /// The HTTPS listener, its TLS and its address.
    https: Option<(tokio::net::TcpListener, tokio_rustls::TlsAcceptor, SocketAddr)>,
    edge: Arc<Edge>,
}

/// Loads the distribution, starts what it runs (functions, SQS mappings, invalidations) and binds its listener.
async fn start_distribution(s: DistributionSetup<'_>, registry: &mut Registry) -> Result<FrontDoor, String> {
    let DistributionSetup {
        id,
        aws,
        launcher,
        node,
        function_worker,
        cache_dir,
        listen,
        https_listen,
        https_certificate,
        invalidation_poll,
        alb_origins,
    } = s;
    let code = cache_dir.join("code");
    let dist = distribution::load(aws, id, launcher.clone(), &code, alb_origins).await?;
    if let Some(acl) = &dist.web_acl_id {
        eprintln!("nextstack-edge: note: web ACL {acl} is not evaluated (AWS WAF is not modelled; see docs/edge.md)");
    }
    let uses_functions = dist
        .behaviors
        .iter()
        .any(|b| b.viewer_request.is_some() || b.viewer_response.is_some());
    let functions = if uses_functions {
        Some(
            FunctionWorker::start(node, function_worker)
                .map_err(|e| format!("starting {node} for CloudFront Functions: {e}"))?,
        )
    } else {
        None
    };
    let mut regions: Vec<String> = dist.function_regions();
    regions.sort();
    regions.dedup();
    let mappings = events::sqs_mappings(aws, &regions, launcher, &code).await?;
    if let Some(region) = regions.first() {
        registry.default_region = region.clone();
    }
    for origin in dist.origins.values() {
        registry.add_origin(origin.clone());
    }
    for mapping in &mappings {
        registry.add_pool(mapping.pool.clone());
    }
    for behavior in &dist.behaviors {
        for (_, function) in &behavior.lambda_edge {
            registry.add_pool(function.pool.clone());
        }
    }
    for mapping in mappings {
        eprintln!(
            "nextstack-edge: polling {} for function {} (event source mapping {})",
            mapping.queue_arn,
            mapping.pool.spec().name,
            mapping.uuid
        );
        tokio::spawn(events::sqs::poll(aws.clone(), mapping));
    }
    for origin in dist.origins.values() {
        let (aws, origin, launcher, code) = (aws.clone(), origin.clone(), launcher.clone(), code.clone());
        tokio::spawn(lambda::updates::follow(
            aws,
            origin,
            launcher,
            code,
            Duration::from_secs(2),
        ));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("--listen {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let https = match https_listen {
        Some(at) => Some(https_listener(&dist, at, addr, https_certificate).await?),
        None => None,
    };
    let cache = Arc::new(Cache::default());
    tokio::spawn(invalidations::follow(
        aws.cloudfront(),
        id.to_string(),
        cache.clone(),
        invalidation_poll,
    ));
    let edge = Arc::new(Edge {
        distribution: dist,
        cache,
        functions,
        log: AccessLog::default(),
        https_port: https.as_ref().map(|(_, _, a)| a.port()),
    });
    Ok(FrontDoor {
        listener,
        addr,
        https,
        edge,
    })
}

/// The distribution's HTTPS listener: bound, its certificate made for the distribution's names and both
/// listeners' address, and written out where asked.
async fn https_listener(
    dist: &distribution::Distribution,
    at: SocketAddr,
    plain: SocketAddr,
    certificate_out: Option<&std::path::Path>,
) -> Result<(tokio::net::TcpListener, tokio_rustls::TlsAcceptor, SocketAddr), String> {
    let listener = tokio::net::TcpListener::bind(at)
        .await
        .map_err(|e| format!("--https-listen {at}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut names = vec![dist.domain_name.clone(), "localhost".to_string()];
    names.extend(dist.aliases.iter().cloned());
    names.extend([addr.ip().to_string(), plain.ip().to_string()]);
    let made = nextstack_edge::viewer_tls::certificate(&names)?;
    if let Some(path) = certificate_out {
        std::fs::write(path, &made.pem).map_err(|e| format!("--https-certificate {}: {e}", path.display()))?;
    }
    Ok((listener, made.acceptor, addr))
}

/// The tasks of the `--cluster`s' ECS services, run here until the edge stops (dropping the handle stops them).
async fn start_services(
    aws: &Aws,
    launcher: &Launcher,
    targets: &Arc<TargetGroups>,
    clusters: Vec<String>,
    images: Option<PathBuf>,
    endpoint_maps: Vec<ecs::endpoints::EndpointMap>,
) -> Result<Option<ecs::Services>, String> {
    if clusters.is_empty() {
        if let Some(m) = endpoint_maps.first() {
            return Err(format!(
                "--endpoint-map {}:{}: only ECS tasks use it; give --cluster NAME",
                m.address, m.port
            ));
        }
        return Ok(None);
    }
    let images = match images {
        Some(path) => ecs::images::Images::load(&path)?,
        None => ecs::images::Images::default(),
    };
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    let options = ecs::Options {
        clusters,
        target_groups: Vec::new(),
        region,
        endpoint_maps,
    };
    let services = ecs::Services::start(aws, launcher.credentials.clone(), targets.clone(), images, &options).await?;
    Ok(Some(services))
}

async fn run_task(
    task_definition: String,
    container: Option<String>,
    command: Option<String>,
    images: PathBuf,
    endpoint_maps: Vec<ecs::endpoints::EndpointMap>,
    endpoint: String,
) -> Result<i32, String> {
    let command_override = match (container, command) {
        (Some(name), Some(json)) => {
            let argv: Vec<String> = serde_json::from_str(&json)
                .map_err(|e| format!("--command '{json}': not a JSON array of strings: {e}"))?;
            Some((name, argv))
        }
        _ => None,
    };
    let images = ecs::images::Images::load(&images)?;
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    let aws = Aws::connect(&endpoint).await;
    let run = ecs::run_task::RunTask {
        task_definition,
        region,
        command_override,
        endpoint_maps,
    };
    ecs::run_task::run(&aws, images, run).await
}

async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
}
