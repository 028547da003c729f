//! The cluster's shape and the configuration files written from it:
//! `slurm.conf` (the controller and the emulated nodes), `slurmdbd.conf`
//! (accounting) and the options MariaDB starts with.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// The environment variable that sets the number of emulated nodes.
pub const NODES_VAR: &str = "COURSE_SLURM_NODES";

/// Emulated nodes unless [`NODES_VAR`] says otherwise.
pub const DEFAULT_NODES: usize = 4;

/// The most emulated nodes: each is a daemon with a port of its own.
pub const MAX_NODES: usize = 16;

/// Ports a checkout's cluster takes, from its base: the controller, the
/// accounting daemon, then one per node.
const PORTS_PER_CLUSTER: u16 = 2 + MAX_NODES as u16;

/// The name of the database that holds the accounting.
pub const DATABASE: &str = "slurm_acct_db";

/// Where the daemons listen. With `NoCtldInAddrAny,NoInAddrAny`, Slurm
/// binds to what this machine's host name resolves to, so the
/// configuration names that same address: 127.0.0.1 or Debian's
/// 127.0.1.1 when `/etc/hosts` names the machine so (the daemons are then
/// out of the network's reach), a network address on many servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// The address the daemons are reached at.
    pub addr: std::net::IpAddr,
    /// Whether they bind to it alone (`false`: the host name does not
    /// resolve to an IPv4 address; they listen on every address, and
    /// are reached at 127.0.0.1).
    pub bound: bool,
}

impl Listen {
    /// The address `host` resolves to (its first IPv4 one: Slurm uses
    /// IPv4 unless told otherwise).
    pub fn of(host: &str) -> Listen {
        use std::net::ToSocketAddrs;
        let first = (host, 0)
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.find(std::net::SocketAddr::is_ipv4));
        match first {
            Some(a) => Listen {
                addr: a.ip(),
                bound: true,
            },
            None => Listen {
                addr: std::net::Ipv4Addr::LOCALHOST.into(),
                bound: false,
            },
        }
    }

    /// The line of `slurm.conf` that binds the daemons, or nothing.
    pub fn conf_line(&self) -> &'static str {
        if self.bound {
            "CommunicationParameters=NoCtldInAddrAny,NoInAddrAny\n"
        } else {
            ""
        }
    }

    /// The line of `slurmdbd.conf` that binds the accounting daemon, or
    /// nothing.
    pub fn dbd_line(&self) -> &'static str {
        if self.bound {
            "CommunicationParameters=NoInAddrAny\n"
        } else {
            ""
        }
    }

    /// A warning when the daemons can be reached from the network, with
    /// what to do; `host` is the machine's name, `ports` the cluster's.
    pub fn warning(&self, host: &str, ports: (u16, u16)) -> Option<String> {
        let (first, last) = ports;
        let close = format!(
            "munge authenticates every message, but close ports {first}-{last} to the network \
             with a firewall, or name this machine 127.0.1.1 in /etc/hosts"
        );
        if !self.bound {
            Some(format!(
                "!! The host name {host} does not resolve to an IPv4 address, so the cluster's \
                 daemons listen on every address: {close}."
            ))
        } else if !self.addr.is_loopback() {
            Some(format!(
                "!! The cluster's daemons listen on {} (what the host name {host} resolves to), \
                 not on the loopback interface: {close}.",
                self.addr
            ))
        } else {
            None
        }
    }
}

/// The cluster's shape, and where everything is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The folder of configuration, state, logs and keys (`.course/slurm`).
    pub dir: PathBuf,
    /// This machine's short host name.
    pub host: String,
    /// Where the daemons listen and are reached.
    pub listen: Listen,
    /// CPUs of each node: every CPU of this machine.
    pub cpus: usize,
    /// Memory of each node in MiB: this machine's memory divided among
    /// the nodes, so that the cluster promises no more than there is.
    pub memory_mib: u64,
    /// How many nodes.
    pub nodes: usize,
    /// The controller's port; the accounting daemon's is the next one,
    /// then one port per node.
    pub port: u16,
    /// Whether the cluster keeps accounting (slurmdbd with MariaDB).
    pub accounting: bool,
}

impl Shape {
    /// The node names, `node1` to `nodeN`.
    pub fn node_names(&self) -> Vec<String> {
        (1..=self.nodes).map(|k| format!("node{k}")).collect()
    }

    /// The node names as Slurm's host list (`node[1-4]`).
    pub fn node_list(&self) -> String {
        if self.nodes == 1 {
            "node1".into()
        } else {
            format!("node[1-{}]", self.nodes)
        }
    }

    /// The accounting daemon's port.
    pub fn dbd_port(&self) -> u16 {
        self.port + 1
    }

    /// The port of node `k` (1-based).
    pub fn node_port(&self, k: usize) -> u16 {
        self.port + 1 + k as u16
    }

    /// MariaDB's folder: its data, socket and pid file.
    pub fn db_dir(&self) -> PathBuf {
        self.dir.join("mariadb")
    }

    /// MariaDB's socket, the only way to reach it (no network).
    pub fn db_socket(&self) -> PathBuf {
        self.db_dir().join("mariadbd.sock")
    }
}

/// The number of nodes asked for in [`NODES_VAR`], or the default.
///
/// # Errors
///
/// As [`parse_nodes`].
pub fn nodes_from_env() -> anyhow::Result<usize> {
    match std::env::var(NODES_VAR) {
        Err(_) => Ok(DEFAULT_NODES),
        Ok(text) => parse_nodes(&text),
    }
}

/// A number of nodes written by a person.
///
/// # Errors
///
/// A value that is not a whole number from 1 to [`MAX_NODES`].
pub fn parse_nodes(text: &str) -> anyhow::Result<usize> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_NODES).contains(&n) => Ok(n),
        _ => bail!(
            "{NODES_VAR}={text:?}: give the number of emulated nodes, a whole number from 1 to \
             {MAX_NODES} (default {DEFAULT_NODES})"
        ),
    }
}

/// The ports the course's clusters take their blocks from, given the
/// machine's ephemeral range (`net.ipv4.ip_local_port_range`, from which
/// the kernel picks the local port of every outgoing connection and of
/// every socket bound to port 0, as Jupyter's kernels bind theirs).
///
/// A daemon whose port lies in that range finds it taken now and then:
/// a checkout at `/check/work/main` hashed to 34 256, and its controller
/// failed to start once in a run full of kernels and connections. So the
/// blocks lie below the ephemeral range (from 20 000, Linux's usual
/// 32 768 leaves 709 blocks), or above it when it starts too low, or, on a
/// machine whose range covers nearly everything, in 20 000–39 999 as
/// before (the ports are then checked free before the daemons start).
/// With Linux's default range, 32 768–60 999, that is 20 000–32 767;
/// with 1 024–59 999, 60 000–65 535; with no range known, Linux's default
/// is assumed.
pub fn port_range(ephemeral: Option<(u16, u16)>) -> (u32, u32) {
    const LOW: u32 = 20_000;
    // Room for a few hundred checkouts at least.
    let enough = 100 * u32::from(PORTS_PER_CLUSTER);
    let (first, last) =
        ephemeral.map_or((32_768, 60_999), |(a, b)| (u32::from(a), u32::from(b)));
    if first >= LOW + enough {
        (LOW, first)
    } else if 65_536 - (last + 1) >= enough {
        (last + 1, 65_536)
    } else {
        (LOW, 40_000)
    }
}

/// The machine's ephemeral port range, read from
/// `/proc/sys/net/ipv4/ip_local_port_range` (Linux); `None` elsewhere or
/// when it cannot be read.
pub fn ephemeral_ports() -> Option<(u16, u16)> {
    #[cfg(target_os = "linux")]
    {
        let text =
            std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
        let mut numbers = text.split_whitespace().map(str::parse::<u16>);
        match (numbers.next(), numbers.next()) {
            (Some(Ok(a)), Some(Ok(b))) if a <= b => Some((a, b)),
            _ => None,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The first of this checkout's ports, from its folder: every checkout on
/// a machine gets its own block of [`PORTS_PER_CLUSTER`] ports in `range`
/// (see [`port_range`]); `shift` moves it that many blocks on, for when
/// a port of the first block is taken.
pub fn port_base(dir: &Path, range: (u32, u32), shift: u32) -> u16 {
    let hash = dir
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    let per = u32::from(PORTS_PER_CLUSTER);
    let blocks = u64::from(((range.1 - range.0) / per).max(1));
    let block = (hash + u64::from(shift)) % blocks;
    // At most 65 536 - PORTS_PER_CLUSTER by `port_range`.
    (range.0 + per * block as u32) as u16
}

/// The ports of a cluster whose first port is `base`: the controller, the
/// accounting daemon and `nodes` nodes.
pub fn ports(base: u16, nodes: usize) -> std::ops::RangeInclusive<u16> {
    base..=base + 1 + nodes as u16
}

/// `slurm.conf`: the controller and the nodes listen where [`Listen`]
/// says;
/// every node has every CPU of the machine and its share of the memory;
/// one partition; jobs tracked by process; memory is a resource jobs ask
/// for; the accounting daemon keeps every job when `accounting`.
pub fn slurm_conf(shape: &Shape) -> String {
    let d = shape.dir.display();
    let host = &shape.host;
    let addr = shape.listen.addr;
    let bind = shape.listen.conf_line();
    let per_cpu = (shape.memory_mib / shape.cpus.max(1) as u64).max(1);
    let accounting = if shape.accounting {
        format!(
            "AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost={addr}
AccountingStoragePort={}
AccountingStoragePass={}/run/munge.socket
",
            shape.dbd_port(),
            d
        )
    } else {
        "AccountingStorageType=accounting_storage/none\n".to_string()
    };
    let mut nodes = String::new();
    for (k, name) in shape.node_names().iter().enumerate() {
        nodes.push_str(&format!(
            "NodeName={name} NodeHostname={host} NodeAddr={addr} Port={} CPUs={} \
             RealMemory={} State=UNKNOWN\n",
            shape.node_port(k + 1),
            shape.cpus,
            shape.memory_mib
        ));
    }
    format!(
        "# The course's cluster of {n} emulated nodes on this machine, written by ./lab:
# do not edit (it is rewritten at every start).
ClusterName=course
SlurmctldHost={host}({addr})
SlurmUser=root
SlurmdUser=root
SlurmctldPort={port}
{bind}AuthType=auth/munge
AuthInfo=socket={d}/run/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU={per_cpu}
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
{accounting}MpiDefault=pmix
ReturnToService=2
EnforcePartLimits=ALL
MinJobAge=3600
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool/%n
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd-%n.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd-%n.log
TmpFS={d}/tmp/%n
{nodes}PartitionName=course Nodes={list} Default=YES MaxTime=60 State=UP
",
        n = shape.nodes,
        port = shape.port,
        list = shape.node_list(),
    )
}

/// `slurmdbd.conf`: the accounting daemon where [`Listen`] says, storing in the
/// cluster's own MariaDB through its socket as root (MariaDB lets root in
/// by the socket's peer credentials: no password to keep).
pub fn slurmdbd_conf(shape: &Shape) -> String {
    let d = shape.dir.display();
    let addr = shape.listen.addr;
    let bind = shape.listen.dbd_line();
    format!(
        "# The course cluster's accounting daemon, written by ./lab: do not edit.
AuthType=auth/munge
AuthInfo=socket={d}/run/munge.socket
DbdHost=localhost
DbdAddr={addr}
DbdPort={port}
{bind}SlurmUser=root
PidFile={d}/slurmdbd.pid
LogFile={d}/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc={DATABASE}
",
        port = shape.dbd_port()
    )
}

/// MariaDB's options: no network at all (the socket only), its data, socket
/// and pid file under [`Shape::db_dir`], a small buffer pool.
pub fn mariadb_args(shape: &Shape) -> Vec<String> {
    let db = shape.db_dir();
    let d = db.display();
    vec![
        "--no-defaults".into(),
        format!("--datadir={d}/data"),
        format!("--socket={}", shape.db_socket().display()),
        format!("--pid-file={d}/mariadbd.pid"),
        format!(
            "--log-error={}",
            shape.dir.join("log/mariadb.log").display()
        ),
        "--skip-networking".into(),
        "--user=root".into(),
        "--innodb-buffer-pool-size=64M".into(),
        "--innodb-log-file-size=16M".into(),
        "--innodb-lock-wait-timeout=900".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(nodes: usize) -> Shape {
        Shape {
            dir: PathBuf::from("/x/.course/slurm"),
            host: "machine".into(),
            listen: Listen {
                addr: std::net::Ipv4Addr::LOCALHOST.into(),
                bound: true,
            },
            cpus: 4,
            memory_mib: 2048,
            nodes,
            port: 20_000,
            accounting: true,
        }
    }

    #[test]
    fn every_node_is_a_daemon_with_its_own_port_on_the_loopback() {
        let conf = slurm_conf(&shape(4));
        for (k, port) in [(1, 20_002), (2, 20_003), (3, 20_004), (4, 20_005)] {
            let line = format!(
                "NodeName=node{k} NodeHostname=machine NodeAddr=127.0.0.1 Port={port} CPUs=4 \
                 RealMemory=2048"
            );
            assert!(conf.contains(&line), "{line} in\n{conf}");
        }
        assert!(conf.contains("PartitionName=course Nodes=node[1-4] "));
        assert!(conf.contains("SlurmctldHost=machine(127.0.0.1)\n"));
        assert!(conf.contains("CommunicationParameters=NoCtldInAddrAny,NoInAddrAny\n"));
        assert!(conf.contains("AccountingStoragePort=20001\n"));
        assert!(conf.contains("DefMemPerCPU=512\n"));
        assert!(
            slurm_conf(&shape(1)).contains("Nodes=node1 "),
            "one node is named alone"
        );
    }

    #[test]
    fn everything_the_daemons_write_stays_under_the_clusters_folder() {
        let s = shape(2);
        for text in [
            slurm_conf(&s),
            slurmdbd_conf(&s),
            mariadb_args(&s).join("\n"),
        ] {
            for line in text.lines().filter(|l| l.contains("=/")) {
                assert!(line.contains("/x/.course/slurm/"), "{line}");
            }
        }
        assert!(mariadb_args(&s).contains(&"--skip-networking".to_string()));
        assert!(slurmdbd_conf(&s).contains(
            "DbdAddr=127.0.0.1\nDbdPort=20001\nCommunicationParameters=NoInAddrAny\n"
        ));
    }

    #[test]
    fn without_accounting_the_conf_says_so() {
        let mut s = shape(2);
        s.accounting = false;
        let conf = slurm_conf(&s);
        assert!(conf.contains("AccountingStorageType=accounting_storage/none\n"));
        assert!(!conf.contains("AccountingStoragePort"));
    }

    #[test]
    fn the_daemons_are_reached_where_they_bind_and_a_network_address_is_warned_of() {
        let mut s = shape(2);
        s.listen = Listen {
            addr: "192.168.1.7".parse().unwrap(),
            bound: true,
        };
        let conf = slurm_conf(&s);
        assert!(conf.contains("SlurmctldHost=machine(192.168.1.7)\n"));
        assert!(conf.contains("NodeAddr=192.168.1.7 "));
        assert!(conf.contains("AccountingStorageHost=192.168.1.7\n"));
        assert!(slurmdbd_conf(&s).contains("DbdAddr=192.168.1.7\n"));
        let warning = s.listen.warning("machine", (20_000, 20_003)).unwrap();
        assert!(warning.contains("listen on 192.168.1.7"), "{warning}");
        assert!(warning.contains("close ports 20000-20003"), "{warning}");

        let debian = Listen {
            addr: "127.0.1.1".parse().unwrap(),
            bound: true,
        };
        assert_eq!(debian.warning("machine", (20_000, 20_001)), None);

        s.listen = Listen::of("no-such-host.invalid");
        assert!(!s.listen.bound);
        assert!(!slurm_conf(&s).contains("InAddrAny"));
        assert!(!slurmdbd_conf(&s).contains("InAddrAny"));
        assert!(slurm_conf(&s).contains("SlurmctldHost=machine(127.0.0.1)\n"));
        let warning = s.listen.warning("machine", (20_000, 20_001)).unwrap();
        assert!(warning.contains("listen on every address"), "{warning}");
    }

    #[test]
    fn the_ports_lie_outside_the_ephemeral_range_where_there_is_room() {
        assert_eq!(port_range(Some((32_768, 60_999))), (20_000, 32_768));
        assert_eq!(port_range(None), (20_000, 32_768));
        assert_eq!(port_range(Some((10_000, 50_000))), (50_001, 65_536));
        // Nearly every port ephemeral: the old range, checked port by port.
        assert_eq!(port_range(Some((1_024, 65_535))), (20_000, 40_000));
    }

    #[test]
    fn two_checkouts_get_different_blocks_of_ports_below_the_ephemeral_range() {
        let range = port_range(Some((32_768, 60_999)));
        let a = port_base(Path::new("/home/a/course/.course/slurm"), range, 0);
        let b = port_base(Path::new("/tmp/ci/.course/slurm"), range, 0);
        // The checkout whose controller once found its port taken.
        let c = port_base(Path::new("/check/work/main/.course/slurm"), range, 0);
        assert_ne!(a, b);
        for p in [a, b, c] {
            assert!(*ports(p, MAX_NODES).end() < 32_768, "{p}");
            assert!(p >= 20_000);
            assert_eq!((p - 20_000) % PORTS_PER_CLUSTER, 0);
        }
    }

    #[test]
    fn a_shifted_block_is_the_next_one_and_wraps_inside_the_range() {
        let range = (20_000, 20_000 + 3 * u32::from(PORTS_PER_CLUSTER));
        let dir = Path::new("/home/a/course/.course/slurm");
        let bases: Vec<u16> = (0..4).map(|s| port_base(dir, range, s)).collect();
        assert_eq!(bases[3], bases[0]);
        for w in bases[..3].windows(2) {
            assert_ne!(w[0], w[1]);
        }
        for p in bases {
            assert!(u32::from(*ports(p, MAX_NODES).end()) < range.1);
        }
    }

    #[test]
    fn ports_above_a_low_ephemeral_range_stay_below_65536() {
        let range = port_range(Some((1_024, 59_999)));
        assert_eq!(range, (60_000, 65_536));
        for dir in ["/a/.course/slurm", "/b/.course/slurm", "/c/.course/slurm"] {
            let p = port_base(Path::new(dir), range, 7);
            assert!(p >= 60_000);
            assert!(u32::from(*ports(p, MAX_NODES).end()) < 65_536);
        }
    }

    #[test]
    fn a_node_count_outside_1_to_16_is_refused_with_the_range() {
        assert_eq!(parse_nodes(" 2 ").unwrap(), 2);
        assert_eq!(parse_nodes("16").unwrap(), 16);
        for bad in ["0", "17", "many", "-1", ""] {
            let err = parse_nodes(bad).unwrap_err().to_string();
            assert!(err.contains("from 1 to 16"), "{bad}: {err}");
        }
    }
}
