//! Child processes (the Pforte server, nats-server, mosquitto): started on free loopback
//! ports with their data and logs in the run's temporary folder, stopped by their process id,
//! and killed by the watchdog if the run overstays its bound.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use tokio::process::{Child, Command};
use tokio::time::{sleep, timeout, Instant};

/// Every child still running, for the watchdog.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn children() -> std::sync::MutexGuard<'static, Vec<u32>> {
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Kill every child this run started (the watchdog's last act).
pub fn kill_all_children() {
    for pid in children().drain(..) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running child process.
pub struct Process {
    pub name: String,
    pub pid: u32,
    child: Child,
    pub log: PathBuf,
}

impl Process {
    /// Start `command` with stdout and stderr into `log`.
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> anyhow::Result<Self> {
        let out = std::fs::File::create(&log).with_context(|| format!("creating {log:?}"))?;
        let err = out.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let pid = child.id().ok_or_else(|| anyhow!("{name} exited at once"))?;
        children().push(pid);
        Ok(Self {
            name: name.into(),
            pid,
            child,
            log,
        })
    }

    /// The end of the log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Fail if the process has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its log ends:\n{}",
                self.name,
                self.log_tail()
            );
        }
        Ok(())
    }

    /// Wait until a TCP connection to `address` succeeds, within `limit`.
    pub async fn wait_listening(
        &mut self,
        address: SocketAddr,
        limit: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            self.check_alive()?;
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not listen on {address} within {limit:?}; its log ends:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`.
    pub async fn stop(mut self, grace: Duration) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        let ended = timeout(grace, self.child.wait()).await;
        children().retain(|pid| *pid != self.pid);
        match ended {
            Ok(status) => {
                status?;
                Ok(())
            }
            Err(_) => {
                let _ = self.child.kill().await;
                bail!("{} did not stop within {grace:?} of SIGTERM", self.name)
            }
        }
    }

    /// SIGKILL (no goodbye), and wait until it is gone.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status()
            .await;
        let ended = timeout(Duration::from_secs(10), self.child.wait()).await;
        children().retain(|pid| *pid != self.pid);
        match ended {
            Ok(status) => status.map(|_| ()).map_err(Into::into),
            Err(_) => bail!("{} did not end within 10 s of SIGKILL", self.name),
        }
    }

    /// Wait until the process holds at most `at_most` open files (it has noticed closed
    /// sockets), within `limit`.
    pub async fn wait_open_files(&mut self, at_most: usize, limit: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            self.check_alive()?;
            let open = crate::procfs::open_files(self.pid)?;
            if open <= at_most {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} still holds {open} open files {limit:?} after sockets closed (expected ≤ {at_most})",
                    self.name
                );
            }
            sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Run an operator command of the server binary and return what it printed.
pub async fn operator(binary: &Path, data: &Path, args: &[&str]) -> anyhow::Result<String> {
    operator_on(binary, data, None, args).await
}

/// An operator command against the SQLite database in `data`, or against `database` (a
/// `postgres://` URL) when given.
pub async fn operator_on(
    binary: &Path,
    data: &Path,
    database: Option<&str>,
    args: &[&str],
) -> anyhow::Result<String> {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("PFORTE_DATA_DIR", data)
        .env("NO_COLOR", "1");
    if let Some(url) = database {
        command.env("PFORTE_DATABASE_URL", url);
    }
    let run = command.stdin(Stdio::null()).kill_on_drop(true).output();
    let output = timeout(Duration::from_secs(120), run)
        .await
        .map_err(|_| anyhow!("`pforte-server {}` took longer than 120 s", args.join(" ")))?
        .with_context(|| format!("running {binary:?}"))?;
    if !output.status.success() {
        bail!(
            "`pforte-server {}` failed ({}): {}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The settings of the measured server: the default heartbeats and buffers, but none of the
/// per-client limits (every client of the bench comes from loopback), a waiting room without a
/// cap, and askers who may take an hour to open their socket (10 000 enter first).
pub const SERVER_ENV: [(&str, &str); 9] = [
    ("PFORTE_ENTER_PER_MINUTE", "1000000"),
    ("PFORTE_LOGIN_PER_MINUTE", "1000000"),
    ("PFORTE_SOCKETS_PER_ADDRESS", "1000000"),
    ("PFORTE_CONNECTIONS_PER_ADDRESS", "1000000"),
    ("PFORTE_MAX_WAITING", "1000000"),
    ("PFORTE_ASKER_RECONNECT_WINDOW", "1h"),
    ("PFORTE_MAX_WAIT", "2h"),
    ("PFORTE_GRACE", "10m"),
    ("PFORTE_LOG", "info"),
];

/// Start `pforte-server serve` on a free port with [`SERVER_ENV`]; the log goes to
/// `server-<n>.log` in the data folder.
pub async fn start_pforte(
    binary: &Path,
    data: &Path,
    n: usize,
) -> anyhow::Result<(Process, SocketAddr)> {
    start_pforte_on(binary, data, n, free_port()?, &[]).await
}

/// [`start_pforte`] on a given port, with more settings (e.g. `PFORTE_DATABASE_URL`).
pub async fn start_pforte_on(
    binary: &Path,
    data: &Path,
    n: usize,
    port: u16,
    extra: &[(&str, String)],
) -> anyhow::Result<(Process, SocketAddr)> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut command = Command::new(binary);
    command
        .args(["serve", "--listen", &address.to_string()])
        .env("PFORTE_DATA_DIR", data)
        .env("PFORTE_UI_DIR", data.join("no-ui"))
        .env("NO_COLOR", "1");
    for (name, value) in SERVER_ENV {
        command.env(name, value);
    }
    for (name, value) in extra {
        command.env(name, value);
    }
    let mut process = Process::spawn(
        "pforte-server",
        command,
        data.join(format!("server-{n}.log")),
    )?;
    process
        .wait_listening(address, Duration::from_secs(30))
        .await?;
    Ok((process, address))
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next().map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Which peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Nats,
    Mosquitto,
}

impl Peer {
    pub fn name(self) -> &'static str {
        match self {
            Peer::Nats => "NATS",
            Peer::Mosquitto => "Mosquitto",
        }
    }

    pub fn binary(self) -> &'static str {
        match self {
            Peer::Nats => "nats-server",
            Peer::Mosquitto => "mosquitto",
        }
    }

    /// The program's version, or why it cannot be run.
    pub fn version(self) -> anyhow::Result<String> {
        let flag = match self {
            Peer::Nats => "--version",
            Peer::Mosquitto => "-h",
        };
        let output = std::process::Command::new(self.binary())
            .arg(flag)
            .output()
            .with_context(|| {
                format!(
                    "{} is not installed (Debian: apt-get install nats-server mosquitto)",
                    self.binary()
                )
            })?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        Ok(text
            .lines()
            .find(|l| l.contains("version") || l.contains('v'))
            .unwrap_or("")
            .trim()
            .to_owned())
    }

    /// Start an own instance: WebSocket only on a free port of 127.0.0.1 (NATS also needs a
    /// client port, also on 127.0.0.1), config, log and state in `folder`. The heartbeat of
    /// idle subscribers is 25 s like Pforte's gate watchers: NATS pings them, MQTT clients ping
    /// (see [`crate::net::MQTT_PING_EVERY`]).
    pub async fn start(self, folder: &Path) -> anyhow::Result<(Process, SocketAddr)> {
        let ws_port = free_port()?;
        let address = SocketAddr::from(([127, 0, 0, 1], ws_port));
        let config = folder.join(format!("{}.conf", self.binary()));
        let text = match self {
            Peer::Nats => format!(
                "host: 127.0.0.1\nport: {}\nping_interval: \"25s\"\nmax_connections: 1000000\n\
                 websocket {{\n  host: 127.0.0.1\n  port: {ws_port}\n  no_tls: true\n}}\n",
                free_port()?
            ),
            // Two quirks of Debian's mosquitto 2.0.11 with its libwebsockets: a WebSocket
            // listener given the address 127.0.0.1 binds to [::] (the address lands in the
            // IPv6 flow info), so it is given the interface `lo` and IPv4 instead; and
            // mosquitto refuses to start without one plain MQTT listener ("Unable to start any
            // listening sockets"), so it gets one, also on 127.0.0.1, which the bench leaves
            // alone.
            Peer::Mosquitto => format!(
                "listener {ws_port} lo\nsocket_domain ipv4\nprotocol websockets\n\
                 listener {} 127.0.0.1\nprotocol mqtt\nallow_anonymous true\n\
                 persistence false\nlog_dest stdout\nmax_keepalive 120\n{}",
                free_port()?,
                if running_as_root() { "user root\n" } else { "" }
            ),
        };
        std::fs::write(&config, text).with_context(|| format!("writing {config:?}"))?;
        let mut command = Command::new(self.binary());
        command.arg("-c").arg(&config);
        let mut process = Process::spawn(
            self.binary(),
            command,
            folder.join(format!("{}.log", self.binary())),
        )?;
        process
            .wait_listening(address, Duration::from_secs(20))
            .await?;
        Ok((process, address))
    }
}

/// What the server's logs of this run hold: lines, warnings and errors (the distinct
/// messages of the latter, without their time stamps), and lines of stray debug output.
pub fn log_summary(data: &Path) -> String {
    let mut lines = 0;
    let mut debug = 0;
    let mut notable: Vec<String> = Vec::new();
    let mut counts = [0usize; 2];
    let mut files: Vec<PathBuf> = std::fs::read_dir(data)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("server-") && n.ends_with(".log"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines() {
            lines += 1;
            if line.starts_with("DEBUG") {
                debug += 1;
            }
            for (i, level) in [" WARN ", " ERROR "].iter().enumerate() {
                if let Some(at) = line.find(level) {
                    counts[i] += 1;
                    let message: String = line[at..].trim().chars().take(160).collect();
                    if notable.len() < 6 && !notable.contains(&message) {
                        notable.push(message);
                    }
                }
            }
        }
    }
    let mut out = format!(
        "{} server start(s), {lines} log lines, {} warnings, {} errors, {debug} lines starting with \"DEBUG\" (on stderr)",
        files.len(),
        counts[0],
        counts[1]
    );
    if !notable.is_empty() {
        out.push_str(&format!("; e.g. `{}`", notable.join("`, `")));
    }
    out
}
