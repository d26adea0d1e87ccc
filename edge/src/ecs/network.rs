//! `awsvpc` networking: each task in a network namespace of its own, as each Fargate task gets its own elastic
//! network interface and private address ("every Amazon ECS task on Fargate is provided an elastic network interface
//! (ENI) with a primary private IP address"; "Containers that belong to the same task can also communicate over the
//! localhost interface", Amazon ECS Developer Guide, "Amazon ECS task networking options for Fargate").
//!
//! Here a task's namespace has only its loopback interface. Every container of the task runs in it, so each listens
//! on its `containerPort` exactly as its command says (gunicorn's `--bind 0.0.0.0:8000`), and two tasks, or a task
//! and anything else on this machine, never clash. The task's private address is a loopback address of this
//! machine's, its own (127.78.0.1 onwards, the first whose container ports are all free here): the edge listens
//! there on each container port and forwards each connection into the namespace, to the same address and port (all
//! of 127.0.0.0/8 is local on a namespace's loopback). So what the target group registers is where the task is
//! reached, and a program that listens on 127.0.0.1 only is not reached from outside its task, as in a VPC.
//!
//! Out of the task: its namespace routes nowhere, as a private subnet without a route would not. The edge listens
//! inside it on the addresses the task is given (the AWS endpoint's, and each `--endpoint-map` address) and
//! forwards each connection, unchanged, to the server on this machine (the NAT gateway or VPC endpoint, the RDS
//! instance). Anything else is unreachable from the task.
//!
//! Linux: the namespace is made with `unshare(CLONE_NEWNET)` on a thread of its own (the edge runs as root, or
//! with CAP_SYS_ADMIN), kept by a file descriptor of its `/proc/thread-self/ns/net`; the containers join it with
//! `setns` before bubblewrap starts, and sockets into it are made on a thread that joins it.

use std::fs::File;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// A connection out of the task: the edge listens at `inside` in the task's namespace, forwarding to `target` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Egress {
    pub inside: SocketAddr,
    pub target: SocketAddr,
}

/// A task's network: its namespace, its address, the forwarders; dropping it stops them (the namespace goes when
/// its last process and socket are gone).
pub struct TaskNetwork {
    netns: Arc<File>,
    /// The task's private address (where its container ports are reached).
    pub address: Ipv4Addr,
    /// Connections into the task open now (through the forwarders): a deregistering target with none has no
    /// in-flight requests.
    pub connections: Arc<AtomicUsize>,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for TaskNetwork {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
    }
}

/// The addresses tasks are given (127.78.0.1 onwards; 127.0.0.0/8 is all loopback on Linux).
fn candidates() -> impl Iterator<Item = Ipv4Addr> {
    (1u32..=0xfffe).map(|n| Ipv4Addr::new(127, 78, (n >> 8) as u8, (n & 0xff) as u8))
}

impl TaskNetwork {
    /// A new namespace with its loopback up and the egress listeners in it; the task's address, where the edge
    /// listens on each of `ports` and forwards into the namespace.
    pub async fn create(ports: &[u16], egress: &[Egress]) -> Result<Self, String> {
        let inside: Vec<SocketAddr> = egress.iter().map(|e| e.inside).collect();
        let made = tokio::task::spawn_blocking(move || {
            std::thread::spawn(move || new_namespace(&inside))
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the namespace thread panicked")))
        })
        .await
        .map_err(|e| e.to_string())?;
        let (netns, inner) = made.map_err(|e| {
            format!(
                "awsvpc: cannot make the task's network namespace ({e}): nextstack-edge runs ECS tasks in network \
                 namespaces of their own, which needs root (CAP_SYS_ADMIN)"
            )
        })?;
        let netns = Arc::new(netns);
        let mut handles = Vec::new();
        for (listener, e) in inner.into_iter().zip(egress) {
            let listener = TcpListener::from_std(listener).map_err(|err| err.to_string())?;
            handles.push(tokio::spawn(forward_out(listener, e.target)));
        }
        let (address, listeners) = bind_address(ports).await?;
        let connections = Arc::new(AtomicUsize::new(0));
        for (listener, port) in listeners.into_iter().zip(ports) {
            let to = SocketAddr::new(IpAddr::V4(address), *port);
            handles.push(tokio::spawn(forward_in(
                listener,
                netns.clone(),
                to,
                connections.clone(),
            )));
        }
        Ok(Self {
            netns,
            address,
            connections,
            handles,
        })
    }

    /// The namespace's file descriptor, for a container process to join (`join` in its pre-exec hook).
    pub fn fd(&self) -> RawFd {
        self.netns.as_raw_fd()
    }
}

/// Moves the calling thread (or a forked child before exec) into the namespace `fd`.
pub fn join(fd: RawFd) -> io::Result<()> {
    // SAFETY: setns takes a file descriptor and a flag; it touches no memory of ours.
    if unsafe { libc::setns(fd, libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Runs on a thread of its own, which stays in the new namespace until it ends.
fn new_namespace(egress: &[SocketAddr]) -> io::Result<(File, Vec<std::net::TcpListener>)> {
    // SAFETY: unshare takes a flag; it changes this thread's namespace only (CLONE_NEWNET is per thread).
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    loopback_up()?;
    let netns = File::open("/proc/thread-self/ns/net")?;
    let mut listeners = Vec::new();
    for addr in egress {
        let l = std::net::TcpListener::bind(addr)
            .map_err(|e| io::Error::new(e.kind(), format!("listening on {addr} in the task: {e}")))?;
        l.set_nonblocking(true)?;
        listeners.push(l);
    }
    Ok((netns, listeners))
}

/// `ip link set lo up` in the current namespace (a new one starts with its loopback down).
fn loopback_up() -> io::Result<()> {
    // SAFETY: a socket used only for the two interface ioctls, on a zeroed ifreq naming "lo"; closed before return.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut result = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if result == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            result = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        let err = io::Error::last_os_error();
        libc::close(fd);
        if result != 0 {
            return Err(err);
        }
    }
    Ok(())
}

/// The first task address whose every port is free here, listening on them.
async fn bind_address(ports: &[u16]) -> Result<(Ipv4Addr, Vec<TcpListener>), String> {
    let mut last = String::new();
    'addresses: for ip in candidates() {
        let mut listeners = Vec::new();
        for port in ports {
            match TcpListener::bind((ip, *port)).await {
                Ok(l) => listeners.push(l),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                    last = e.to_string();
                    continue 'addresses;
                }
                Err(e) => return Err(format!("awsvpc: listening on {ip}:{port} for a task: {e}")),
            }
        }
        return Ok((ip, listeners));
    }
    Err(format!("awsvpc: no free task address in 127.78.0.0/16 ({last})"))
}

/// A TCP socket in the namespace `netns`, made on a short-lived thread that joins it (a thread of the runtime
/// must not change namespace).
async fn socket_in(netns: Arc<File>) -> io::Result<TcpSocket> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(join(netns.as_raw_fd()).and_then(|()| TcpSocket::new_v4()));
    });
    rx.await.map_err(|_| io::Error::other("the socket thread ended"))?
}

/// Into the task: each connection to the task's address here, to the same address and port in its namespace.
async fn forward_in(listener: TcpListener, netns: Arc<File>, to: SocketAddr, open: Arc<AtomicUsize>) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        let netns = netns.clone();
        let open = Open::count(&open);
        tokio::spawn(async move {
            let _open = open;
            // Nothing listening in the task: the connection is closed, as the load balancer's to a port the
            // task does not serve fails.
            if let Ok(socket) = socket_in(netns).await {
                if let Ok(mut outbound) = socket.connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            }
        });
    }
}

/// One open connection, counted while it lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn count(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Out of the task: each connection to an egress address in its namespace, to the server here.
async fn forward_out(listener: TcpListener, target: SocketAddr) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            match TcpStream::connect(target).await {
                Ok(mut outbound) => {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
                // The task sees its connection closed, as when the server is not reachable.
                Err(e) => eprintln!("nextstack-edge: a task's connection to {target}: {e}"),
            }
        });
    }
}

/// Where the tasks reach the AWS endpoint: the endpoint URL's own address, when it is on this machine's loopback
/// (an emulator); None for an endpoint elsewhere, which the tasks cannot reach.
pub fn endpoint_egress(url: &str) -> Option<Egress> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let default_port = if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
    let addr: SocketAddr = match authority.parse() {
        Ok(a) => a,
        Err(_) => {
            let (host, port) = match authority.rsplit_once(':') {
                Some((h, p)) => (h, p.parse().ok()?),
                None => (authority, default_port),
            };
            let ip: IpAddr = if host.eq_ignore_ascii_case("localhost") {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            } else {
                host.parse().ok()?
            };
            SocketAddr::new(ip, port)
        }
    };
    (addr.is_ipv4() && addr.ip().is_loopback()).then_some(Egress {
        inside: addr,
        target: addr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_reached_at_its_own_loopback_address() {
        let e = endpoint_egress("http://127.0.0.1:5000").unwrap();
        assert_eq!(
            (e.inside, e.target),
            ("127.0.0.1:5000".parse().unwrap(), "127.0.0.1:5000".parse().unwrap())
        );
        assert_eq!(
            endpoint_egress("http://localhost:4566/").unwrap().inside,
            "127.0.0.1:4566".parse().unwrap()
        );
        assert_eq!(
            endpoint_egress("http://127.0.0.2").unwrap().inside,
            "127.0.0.2:80".parse().unwrap()
        );
        assert_eq!(endpoint_egress("https://ecs.eu-west-1.amazonaws.com"), None);
    }

    #[test]
    fn task_addresses_are_loopback_and_distinct() {
        let first: Vec<Ipv4Addr> = candidates().take(300).collect();
        assert_eq!(first[0], Ipv4Addr::new(127, 78, 0, 1));
        assert!(first.iter().all(|a| a.is_loopback()));
        let mut sorted = first.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), first.len());
    }

    /// Two tasks listen on the same container port, each in its own namespace, each reached at its own address
    /// and port; a task reaches the egress server through its namespace. Needs root (as the edge does).
    #[tokio::test]
    async fn two_tasks_on_one_port_each_reached_at_its_own_address() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = server.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = server.accept().await {
                let _ = s.write_all(b"egress").await;
            }
        });
        let egress = [Egress {
            inside: "127.77.0.1:5432".parse().unwrap(),
            target,
        }];
        let port = 18_000 + fastrand::u16(..2000);
        let mut networks = Vec::new();
        for name in ["a", "b"] {
            let net = TaskNetwork::create(&[port], &egress).await.unwrap();
            // The container: listens on 0.0.0.0:port in the namespace, answers its name and what egress said.
            let netns = net.netns.clone();
            let listener = tokio::task::spawn_blocking(move || {
                std::thread::spawn(move || {
                    join(netns.as_raw_fd())?;
                    let l = std::net::TcpListener::bind(("0.0.0.0", port))?;
                    l.set_nonblocking(true)?;
                    let mut out = std::net::TcpStream::connect("127.77.0.1:5432")?;
                    let mut said = String::new();
                    std::io::Read::read_to_string(&mut out, &mut said)?;
                    Ok::<_, io::Error>((l, said))
                })
                .join()
                .unwrap()
            })
            .await
            .unwrap()
            .unwrap();
            let (listener, said) = listener;
            assert_eq!(said, "egress");
            let listener = TcpListener::from_std(listener).unwrap();
            tokio::spawn(async move {
                while let Ok((mut s, _)) = listener.accept().await {
                    let _ = s.write_all(name.as_bytes()).await;
                }
            });
            networks.push(net);
        }
        assert_ne!(networks[0].address, networks[1].address);
        for (net, name) in networks.iter().zip(["a", "b"]) {
            let mut s = TcpStream::connect((net.address, port)).await.unwrap();
            let mut got = String::new();
            s.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, name);
        }
    }
}
