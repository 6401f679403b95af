//! Settings of a running server, from flags and `PFORTE_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 60s, 30m, 48h)"))
}

/// An IANA time zone, or a clear refusal with its code.
pub fn time_zone(text: &str) -> Result<pforte_domain::schedule::OrgZone, String> {
    pforte_domain::schedule::OrgZone::parse(text).map_err(|e| format!("{}: {e}", e.code()))
}

/// Where the data lives.
#[derive(Args, Clone, Debug)]
pub struct StorageSettings {
    /// Database URL. Default: a SQLite file in the data folder.
    #[arg(long, env = "PFORTE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Folder for the default SQLite database.
    #[arg(long, env = "PFORTE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
}

impl StorageSettings {
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("pforte.db").display()))
    }
}

/// How the server runs.
#[derive(Args, Clone, Debug)]
pub struct ServeSettings {
    /// Address to listen on.
    #[arg(long, env = "PFORTE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// How long askers are kept when the gate of their topic closes.
    #[arg(long, env = "PFORTE_GRACE", default_value = "60s", value_parser = duration)]
    pub grace: Duration,
    /// The longest wait in a waiting room before the request ends.
    #[arg(long, env = "PFORTE_MAX_WAIT", default_value = "30m", value_parser = duration)]
    pub max_wait: Duration,
    /// How long everything of an ended chat is kept before it is deleted.
    #[arg(long, env = "PFORTE_RETENTION", default_value = "48h", value_parser = duration)]
    pub retention: Duration,
    /// How long the audit log keeps an operator's action.
    #[arg(long, env = "PFORTE_AUDIT_RETENTION", default_value = "365d", value_parser = duration)]
    pub audit_retention: Duration,
    /// Interval of the WebSocket heartbeat (ping).
    #[arg(long, env = "PFORTE_HEARTBEAT", default_value = "3s", value_parser = duration)]
    pub heartbeat: Duration,
    /// A connection that sent nothing (not even a pong) for this long counts as dead.
    #[arg(long, env = "PFORTE_HEARTBEAT_TIMEOUT", default_value = "9s", value_parser = duration)]
    pub heartbeat_timeout: Duration,
    /// Interval of the heartbeat of anonymous gate watchers (their timeout is three times
    /// it): they hold no availability, so a rare ping is enough to free dead sockets.
    #[arg(long, env = "PFORTE_WATCHER_HEARTBEAT", default_value = "25s", value_parser = duration)]
    pub watcher_heartbeat: Duration,
    /// A counselor whose last connection died keeps the switch on if back within this window.
    #[arg(long, env = "PFORTE_RESUME_WINDOW", default_value = "30s", value_parser = duration)]
    pub resume_window: Duration,
    /// A waiting asker whose page is gone keeps the place for this long (a reload comes back).
    #[arg(long, env = "PFORTE_ASKER_RECONNECT_WINDOW", default_value = "30s", value_parser = duration)]
    pub asker_reconnect_window: Duration,
    /// The most requests that may wait in one topic; the next asker hears `queue_full`.
    #[arg(long, env = "PFORTE_MAX_WAITING", default_value_t = 500)]
    pub max_waiting: usize,
    /// After a graceful shutdown (`SIGTERM`), how long this instance's connections still
    /// count: a counselor back through another instance (or this one restarted) within it
    /// closes no gate and costs no asker their place.
    #[arg(long, env = "PFORTE_HANDOVER", default_value = "15s", value_parser = duration)]
    pub handover: Duration,
    /// How long a counselor's login lasts.
    #[arg(long, env = "PFORTE_SESSION_TTL", default_value = "12h", value_parser = duration)]
    pub session_ttl: Duration,
    /// How many times one source address may enter a waiting room per minute.
    #[arg(long, env = "PFORTE_ENTER_PER_MINUTE", default_value_t = 10)]
    pub enter_per_minute: u32,
    /// How many login attempts one source address may make per minute.
    #[arg(long, env = "PFORTE_LOGIN_PER_MINUTE", default_value_t = 10)]
    pub login_per_minute: u32,
    /// Live WebSockets one client address may hold without logging in (gate watchers,
    /// askers); counselor sockets count only until they authenticated.
    #[arg(long, env = "PFORTE_SOCKETS_PER_ADDRESS", default_value_t = 100)]
    pub sockets_per_address: u32,
    /// Open HTTP connections one peer address may hold (a trusted proxy has no limit).
    #[arg(long, env = "PFORTE_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub connections_per_address: u32,
    /// How long a client may take to send a request's headers.
    #[arg(long, env = "PFORTE_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed for limits (addresses or
    /// networks, comma-separated). Off by default: behind a proxy, list it, or every client
    /// shares the proxy's limits. The address is never stored or logged either way.
    #[arg(long, env = "PFORTE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::http::client::parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Web origins besides the server's own that may call the API: the desktop app's
    /// bundled dashboard (`tauri://localhost` on Linux and macOS, `http://tauri.localhost`
    /// on Windows). Comma-separated.
    #[arg(
        long,
        env = "PFORTE_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = "tauri://localhost,http://tauri.localhost"
    )]
    pub allowed_origins: Vec<String>,
    /// Websites that may embed the chat button and the asker page of every topic (besides
    /// each topic's own list, `pforte-server topic embed-origins`): `https://` origins,
    /// comma-separated. Default: none.
    #[arg(
        long,
        env = "PFORTE_EMBED_ORIGINS",
        value_delimiter = ',',
        value_parser = crate::origin::parse_for_cli
    )]
    pub embed_origins: Vec<crate::origin::EmbedOrigin>,
    /// Folder with the built UI (`ui/dist`), served at `/`. Not served if missing.
    #[arg(long, env = "PFORTE_UI_DIR", default_value = "ui/dist")]
    pub ui_dir: PathBuf,
    /// The organisation's time zone (IANA name): chat hours, "heute"/"morgen" and the week
    /// plans are in it. An unknown zone stops the start with `unknown_time_zone`.
    #[arg(long, env = "PFORTE_TIME_ZONE", default_value = "Europe/Berlin", value_parser = time_zone)]
    pub time_zone: pforte_domain::schedule::OrgZone,
    /// Tests only: moves the desk's clock ahead of the wall clock (a shift boundary reached
    /// without waiting for it).
    #[arg(skip)]
    pub clock: TestClock,
}

/// The desk's clock ahead of the wall clock by an offset tests may move forward while the
/// server runs (it never goes back: the desk's time never runs backwards anyway). Zero unless
/// a test sets it.
#[derive(Clone, Debug, Default)]
pub struct TestClock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl TestClock {
    /// The wall clock plus the offset.
    pub fn now(&self) -> pforte_domain::Timestamp {
        crate::reception::now().plus_millis(self.0.load(std::sync::atomic::Ordering::Acquire))
    }

    /// Let the clock show `at` now (only forward).
    pub fn set_to(&self, at: pforte_domain::Timestamp) {
        let offset = at.as_millis() - crate::reception::now().as_millis();
        self.0
            .fetch_max(offset, std::sync::atomic::Ordering::AcqRel);
    }
}

impl ServeSettings {
    pub fn heartbeats(&self) -> crate::hub::Heartbeats {
        use crate::hub::Heartbeat;
        crate::hub::Heartbeats {
            people: Heartbeat {
                interval: self.heartbeat,
                timeout: self.heartbeat_timeout,
            },
            watchers: Heartbeat {
                interval: self.watcher_heartbeat,
                timeout: self.watcher_heartbeat * 3,
            },
        }
    }
}

impl Default for ServeSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            grace: Duration::from_secs(60),
            max_wait: Duration::from_secs(30 * 60),
            retention: Duration::from_secs(48 * 3600),
            audit_retention: Duration::from_secs(365 * 24 * 3600),
            heartbeat: Duration::from_secs(3),
            heartbeat_timeout: Duration::from_secs(9),
            watcher_heartbeat: Duration::from_secs(25),
            resume_window: Duration::from_secs(30),
            asker_reconnect_window: Duration::from_secs(30),
            session_ttl: Duration::from_secs(12 * 3600),
            handover: Duration::from_secs(15),
            max_waiting: 500,
            enter_per_minute: 10,
            login_per_minute: 10,
            sockets_per_address: 100,
            connections_per_address: 256,
            header_timeout: Duration::from_secs(10),
            trusted_proxies: Vec::new(),
            allowed_origins: vec!["tauri://localhost".into(), "http://tauri.localhost".into()],
            embed_origins: Vec::new(),
            ui_dir: PathBuf::from("ui/dist"),
            time_zone: pforte_domain::schedule::OrgZone::default(),
            clock: TestClock::default(),
        }
    }
}
