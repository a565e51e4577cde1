//! Servers a test starts for itself on loopback, with their own data directories and ports,
//! and stops when dropped: never the machine's running servers reconfigured. Each says what
//! it needs and panics loudly, naming it, when that is missing.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (free when asked; the server takes it a moment later).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

#[track_caller]
fn run(what: &str, cmd: &mut Command) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({cmd:?}):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "{what} was not ready after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// PostgreSQL's server programs (Debian's `postgresql` package), run as the `postgres` user,
/// which the server requires.
fn pg_bin(name: &str) -> PathBuf {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin").join(name))
        .find(|p| p.exists());
    found.unwrap_or_else(|| {
        panic!("the PostgreSQL topology needs {name} from Debian's postgresql package (/usr/lib/postgresql/*/bin)")
    })
}

fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", "postgres", "--"]).arg(program);
    cmd
}

/// A directory the `postgres` user owns, removed with its contents when dropped.
struct PgDir(tempfile::TempDir);

impl PgDir {
    fn new() -> PgDir {
        let dir = tempfile::Builder::new()
            .prefix("migrate-pg-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        run(
            "chown for the postgres user",
            Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path()),
        );
        PgDir(dir)
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

/// A PostgreSQL primary of the test's own and a hot standby streaming from it
/// (`pg_basebackup -R`).
pub struct PgStandby {
    dir: PgDir,
    /// The primary's URL (database `postgres`).
    pub primary: String,
    /// The standby's URL (database `postgres`).
    pub standby: String,
}

impl PgStandby {
    /// Starts both; the standby is streaming and in recovery when this returns.
    pub fn start() -> PgStandby {
        let dir = PgDir::new();
        let primary_dir = dir.path().join("primary");
        let standby_dir = dir.path().join("standby");
        let (p1, p2) = (free_port(), free_port());
        run(
            "initdb (the test's own primary)",
            as_postgres(&pg_bin("initdb"))
                .args(["-A", "trust", "-U", "postgres", "-D"])
                .arg(&primary_dir),
        );
        let conf = format!(
            "port = {p1}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             wal_level = replica\nmax_wal_senders = 4\nfsync = off\n",
            dir.path().display()
        );
        append(&primary_dir.join("postgresql.conf"), &conf);
        start_pg(&primary_dir, "the primary");
        let this = PgStandby {
            primary: format!("postgresql://postgres@127.0.0.1:{p1}/postgres"),
            standby: format!("postgresql://postgres@127.0.0.1:{p2}/postgres"),
            dir,
        };
        run(
            "pg_basebackup (the standby's copy)",
            as_postgres(&pg_bin("pg_basebackup"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &p1.to_string(),
                    "-U",
                    "postgres",
                    "-R",
                    "-D",
                ])
                .arg(&standby_dir),
        );
        append(
            &standby_dir.join("postgresql.conf"),
            &format!("port = {p2}\n"),
        );
        start_pg(&standby_dir, "the standby");
        wait_until("the standby (in recovery)", Duration::from_secs(30), || {
            pg_query(p2, "SELECT pg_is_in_recovery()") == "t"
        });
        this
    }

    /// Waits until the standby has replayed everything the primary wrote so far.
    pub fn sync(&self) {
        let port = |url: &str| {
            url.rsplit(':')
                .next()
                .and_then(|p| p.split('/').next())
                .and_then(|p| p.parse::<u16>().ok())
                .expect("port")
        };
        let (p1, p2) = (port(&self.primary), port(&self.standby));
        let lsn = pg_query(p1, "SELECT pg_current_wal_lsn()");
        wait_until("the standby catching up", Duration::from_secs(30), || {
            pg_query(
                p2,
                &format!("SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"),
            ) == "t"
        });
    }
}

fn pg_query(port: u16, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-At",
            "-c",
            sql,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("psql (Debian's postgresql-client) is needed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn start_pg(data: &Path, what: &str) {
    let log = data.with_extension("log");
    run(
        &format!("pg_ctl start ({what})"),
        as_postgres(&pg_bin("pg_ctl"))
            .args(["-w", "-t", "60", "-D"])
            .arg(data)
            .arg("-l")
            .arg(&log)
            .arg("start"),
    );
}

fn append(file: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    f.write_all(text.as_bytes()).expect("append");
}

impl Drop for PgStandby {
    fn drop(&mut self) {
        for node in ["standby", "primary"] {
            let _ = as_postgres(&pg_bin("pg_ctl"))
                .args(["-m", "immediate", "-D"])
                .arg(self.dir.path().join(node))
                .arg("stop")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Runs SQL with the `mariadb` client as root on the server at `port` of 127.0.0.1: its
/// output without column names, or its error.
fn mariadb_client(port: u16, sql: &str) -> Result<String, String> {
    let out = Command::new("mariadb")
        .args(["-h", "127.0.0.1", "-uroot", "-N", "-e", sql])
        .arg(format!("-P{port}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("mariadb client: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

/// A MariaDB server of the test's own (Debian's `mariadbd`), root without a password.
pub struct MariaDb {
    dir: tempfile::TempDir,
    child: std::process::Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl MariaDb {
    /// Installs a data directory and starts the server, with TLS from `certs` or without;
    /// ready when this returns.
    pub fn start(certs: Option<&Certs>) -> MariaDb {
        let dir = tempfile::Builder::new()
            .prefix("migrate-mariadb-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let data = dir.path().join("data");
        run(
            "mariadb-install-db (the test's own MariaDB; Debian's mariadb-server)",
            Command::new("mariadb-install-db")
                .args([
                    "--no-defaults",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", data.display())),
        );
        let port = free_port();
        let tls: Vec<String> = certs.map_or_else(Vec::new, |c| {
            vec![
                format!("--ssl-ca={}", c.path("ca.pem").display()),
                format!("--ssl-cert={}", c.path("server.pem").display()),
                format!("--ssl-key={}", c.path("server.key").display()),
            ]
        });
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .args([
                "--user=root",
                "--bind-address=127.0.0.1",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--innodb-flush-log-at-trx-commit=0",
            ])
            .arg(format!("--port={port}"))
            .args(&tls)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd (Debian's mariadb-server) is needed");
        let server = MariaDb { dir, child, port };
        wait_until("the test's MariaDB", Duration::from_secs(60), || {
            server.sql("SELECT 1").is_ok()
        });
        server
    }

    /// The URL of `database`.
    pub fn url(&self, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL with the `mariadb` client as root.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        mariadb_client(self.port, sql)
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.dir.path();
    }
}

/// PgBouncer (Debian's `pgbouncer`) in transaction pooling mode in front of the machine's
/// PostgreSQL, with a pool of one server session: every client's transactions share it, as
/// they take turns on a busy production pool.
pub struct PgBouncer {
    dir: PgDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl PgBouncer {
    /// Starts it in front of `upstream` (`host:port` of the PostgreSQL server).
    pub fn start(upstream_port: u16) -> PgBouncer {
        let program = Path::new("/usr/sbin/pgbouncer");
        assert!(
            program.exists(),
            "the PgBouncer topology needs /usr/sbin/pgbouncer: apt-get install pgbouncer"
        );
        let dir = PgDir::new();
        let port = free_port();
        let d = dir.path().display();
        let ini = format!(
            "[databases]\n* = host=127.0.0.1 port={upstream_port}\n\n[pgbouncer]\n\
             listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {d}\n\
             auth_type = trust\nauth_file = {d}/users.txt\npool_mode = transaction\n\
             default_pool_size = 1\nmax_client_conn = 100\npidfile = {d}/pgbouncer.pid\n\
             logfile = {d}/pgbouncer.log\nignore_startup_parameters = extra_float_digits\n"
        );
        let ini_path = dir.path().join("pgbouncer.ini");
        std::fs::write(&ini_path, ini).expect("pgbouncer.ini");
        std::fs::write(dir.path().join("users.txt"), "\"postgres\" \"\"\n").expect("users");
        run(
            "chown for the postgres user",
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path()),
        );
        run(
            "pgbouncer -d (transaction pooling)",
            as_postgres(program).arg("-d").arg(&ini_path),
        );
        let bouncer = PgBouncer { dir, port };
        wait_until("PgBouncer", Duration::from_secs(30), || {
            pg_query(port, "SELECT 1") == "1"
        });
        bouncer
    }

    /// Starts it in front of the server `url` (a PostgreSQL URL on 127.0.0.1) points at.
    pub fn in_front_of(url: &str) -> PgBouncer {
        let port = url
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .expect("a PostgreSQL URL on 127.0.0.1 with a port");
        PgBouncer::start(port)
    }

    /// `url` (a PostgreSQL URL on 127.0.0.1) through the bouncer instead.
    pub fn url(&self, url: &str) -> String {
        let (head, tail) = url.split_once("127.0.0.1:").expect("a 127.0.0.1 URL");
        let rest = tail.split_once('/').map_or("", |(_, r)| r);
        format!("{head}127.0.0.1:{}/{rest}", self.port)
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let pid =
            std::fs::read_to_string(self.dir.path().join("pgbouncer.pid")).unwrap_or_default();
        if let Ok(pid) = pid.trim().parse::<i32>() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A certificate authority made for the test and a server certificate it signed, for
/// `localhost` and `127.0.0.1` (with the `openssl` command).
pub struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    /// Makes them.
    pub fn new() -> Certs {
        let dir = tempfile::Builder::new()
            .prefix("migrate-certs-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let d = dir.path();
        let openssl = |what: &str, args: &[&str]| {
            run(
                &format!("openssl ({what})"),
                Command::new("openssl").current_dir(d).args(args),
            )
        };
        openssl(
            "the test's CA",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=migrate test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        openssl(
            "the server's key and request",
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
        );
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .expect("extensions");
        openssl(
            "the server's certificate",
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "server.pem",
            ],
        );
        openssl(
            "another CA, which signed nothing of the server's",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=another CA",
                "-keyout",
                "other.key",
                "-out",
                "other.pem",
            ],
        );
        Certs { dir }
    }

    /// A file of the set: `ca.pem`, `other.pem`, `server.pem`, `server.key`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A PostgreSQL server of the test's own, with TLS from `certs` or without.
pub struct PgServer {
    dir: PgDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl PgServer {
    /// Starts it; ready when this returns.
    pub fn start(certs: Option<&Certs>) -> PgServer {
        let dir = PgDir::new();
        let data = dir.path().join("data");
        let port = free_port();
        run(
            "initdb (the test's own server)",
            as_postgres(&pg_bin("initdb"))
                .args(["-A", "trust", "-U", "postgres", "-D"])
                .arg(&data),
        );
        let mut conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\n",
            dir.path().display()
        );
        match certs {
            Some(certs) => {
                for name in ["server.pem", "server.key"] {
                    std::fs::copy(certs.path(name), data.join(name)).expect("copy certificate");
                }
                run(
                    "key permissions",
                    Command::new("sh").arg("-c").arg(format!(
                        "chown postgres:postgres {d}/server.pem {d}/server.key && chmod 600 {d}/server.key",
                        d = data.display()
                    )),
                );
                conf.push_str(
                    "ssl = on\nssl_cert_file = 'server.pem'\nssl_key_file = 'server.key'\n",
                );
            }
            None => conf.push_str("ssl = off\n"),
        }
        append(&data.join("postgresql.conf"), &conf);
        start_pg(&data, "the test's server");
        PgServer { dir, port }
    }

    /// The URL of database `postgres` on `host` (`127.0.0.1` or `localhost`), with `query`.
    pub fn url(&self, host: &str, query: &str) -> String {
        format!("postgresql://postgres@{host}:{}/postgres{query}", self.port)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = as_postgres(&pg_bin("pg_ctl"))
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A three-node MariaDB Galera cluster of the test's own (Debian's `galera-4` with the
/// machine's `mariadbd`), every node on 127.0.0.1 with ports of its own, root without a
/// password. The joiners start from a copy of the first node's data directory and receive
/// the rest by `rsync` state transfer, whose daemon runs as `nobody` and so must own them.
pub struct GaleraCluster {
    dir: tempfile::TempDir,
    nodes: Vec<GaleraNode>,
}

struct GaleraNode {
    child: Option<std::process::Child>,
    /// Client, group-communication, incremental-transfer and state-transfer ports.
    ports: [u16; 4],
}

const GALERA: &str = "/usr/lib/galera/libgalera_smm.so";

impl GaleraCluster {
    /// Starts the cluster; every node is synced when this returns.
    pub fn start() -> GaleraCluster {
        assert!(
            Path::new(GALERA).exists(),
            "the Galera topology needs {GALERA}: apt-get install galera-4"
        );
        assert!(
            Command::new("rsync").arg("--version").output().is_ok(),
            "the Galera topology needs rsync for state transfer: apt-get install rsync"
        );
        let dir = tempfile::Builder::new()
            .prefix("migrate-galera-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        // The rsync daemon (as nobody) must reach the joiners' directories through it.
        run(
            "chmod of the cluster directory",
            Command::new("chmod").arg("755").arg(dir.path()),
        );
        let data = |i: usize| dir.path().join(format!("node{i}"));
        run(
            "mariadb-install-db (the cluster's first node; Debian's mariadb-server)",
            Command::new("mariadb-install-db")
                .args([
                    "--no-defaults",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", data(0).display())),
        );
        for i in 1..3 {
            run(
                "copy of the first node's data directory",
                Command::new("cp").arg("-a").arg(data(0)).arg(data(i)),
            );
            run(
                "chown of a joiner's data directory to nobody (rsync state transfer)",
                Command::new("chown").args(["-R", "nobody"]).arg(data(i)),
            );
        }
        let nodes = (0..3)
            .map(|_| GaleraNode {
                child: None,
                ports: [free_port(), free_port(), free_port(), free_port()],
            })
            .collect();
        let mut cluster = GaleraCluster { dir, nodes };
        cluster.spawn(0, true);
        wait_until("the first Galera node", Duration::from_secs(60), || {
            cluster.synced(0)
        });
        cluster.spawn(1, false);
        cluster.spawn(2, false);
        for i in 1..3 {
            wait_until("a joining Galera node", Duration::from_secs(120), || {
                cluster.synced(i)
            });
        }
        cluster
    }

    fn spawn(&mut self, i: usize, bootstrap: bool) {
        let addresses: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.ports[1]))
            .collect();
        let [port, group, ist, sst] = self.nodes[i].ports;
        let node = self.dir.path().join(format!("node{i}"));
        let log =
            std::fs::File::create(self.dir.path().join(format!("node{i}.log"))).expect("node log");
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", node.display()))
            .arg(format!("--socket={}.sock", node.display()))
            .arg(format!("--pid-file={}.pid", node.display()))
            .args([
                "--user=root",
                "--bind-address=127.0.0.1",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--innodb-flush-log-at-trx-commit=0",
                "--binlog-format=ROW",
                "--default-storage-engine=InnoDB",
                "--innodb-autoinc-lock-mode=2",
                "--wsrep-on=ON",
                "--wsrep-cluster-name=migrate-test",
                "--wsrep-sst-method=rsync",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--wsrep-provider={GALERA}"))
            .arg(format!("--wsrep-cluster-address=gcomm://{}", addresses.join(",")))
            .arg(format!("--wsrep-node-address=127.0.0.1:{group}"))
            .arg(format!("--wsrep-node-name=node{i}"))
            .arg(format!(
                "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{group};ist.recv_addr=127.0.0.1:{ist}"
            ))
            .arg(format!("--wsrep-sst-receive-address=127.0.0.1:{sst}"))
            .args(bootstrap.then_some("--wsrep-new-cluster"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mariadbd (Debian's mariadb-server) is needed");
        self.nodes[i].child = Some(child);
    }

    fn synced(&self, i: usize) -> bool {
        self.sql(i, "SHOW STATUS LIKE 'wsrep_local_state_comment'")
            .is_ok_and(|s| s.ends_with("Synced"))
    }

    /// The URL of `database` on node `i`.
    pub fn url(&self, i: usize, database: &str) -> String {
        format!(
            "mysql://root@127.0.0.1:{}/{database}",
            self.nodes[i].ports[0]
        )
    }

    /// Runs SQL on node `i` with the `mariadb` client as root.
    pub fn sql(&self, i: usize, sql: &str) -> Result<String, String> {
        mariadb_client(self.nodes[i].ports[0], sql)
    }

    /// Kills node `i` at once (SIGKILL), as a crashed machine.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The cluster's size as node `i` sees it.
    pub fn size(&self, i: usize) -> String {
        self.sql(i, "SHOW STATUS LIKE 'wsrep_cluster_size'")
            .unwrap_or_default()
            .rsplit('\t')
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for GaleraCluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}
