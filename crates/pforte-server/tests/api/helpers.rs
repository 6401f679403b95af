//! Starts the real server on port 0 with a fresh SQLite file and talks to it over real HTTP
//! and WebSocket connections.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pforte_server::store::sql::SqlStore;
use pforte_server::store::Store;
use pforte_server::{operator, Application, ServeSettings};
use pforte_wire::{ApiError, ErrorCode, ServerEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

pub use crate::database::TestDatabase;
pub use crate::sealed;
pub use crate::sealed::{asker_says, opened, read, with_client_id};

pub const SUCHT: i64 = 1;
pub const SCHWANGER: i64 = 2;
pub const NO_CHAT: i64 = 3;

/// How long a test waits for an event that must come.
pub const SOON: Duration = Duration::from_secs(5);

/// Wait until `check` holds (the running server applies operator changes within about a
/// second); panic after `SOON`.
pub async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + SOON;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} within {SOON:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub struct TestApp {
    pub base: String,
    pub ws_base: String,
    pub http: reqwest::Client,
    pub database: TestDatabase,
    /// The running server's reception, for tests that stage what a race would do.
    pub reception: Arc<pforte_server::reception::Reception>,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<()>>,
}

pub fn fast_settings() -> ServeSettings {
    ServeSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        enter_per_minute: 1000,
        login_per_minute: 1000,
        ui_dir: "/nonexistent".into(),
        ..ServeSettings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Topics: Suchtberatung (1) and Schwangerschaftsberatung (2) with live chat, Go on (3)
/// without. Counselors: anna (1, 2), bernd (1), clara (2); password "<name>-password".
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ServeSettings)) -> TestApp {
    spawn_app_embedded_by(&[], adjust).await
}

/// As [`spawn_app_with`], and the websites `(topic slug, origin)` may embed those topics (set
/// with the operator's command before the server starts).
pub async fn spawn_app_embedded_by(
    embedding: &[(&str, &str)],
    adjust: impl FnOnce(&mut ServeSettings),
) -> TestApp {
    spawn(embedding, false, adjust).await
}

/// As [`spawn_app`], plus the operator olga (no topics, password "olga-password"), made on
/// the command line's path.
pub async fn spawn_console() -> TestApp {
    spawn(&[], true, |_| {}).await
}

async fn spawn(
    embedding: &[(&str, &str)],
    with_operator: bool,
    adjust: impl FnOnce(&mut ServeSettings),
) -> TestApp {
    let database = TestDatabase::new().await;
    let store = SqlStore::open(&database.url).await.unwrap();
    store
        .create_topic(
            "suchtberatung",
            "Suchtberatung",
            true,
            Some("Mo–Fr 10–16 Uhr"),
            None,
        )
        .await
        .unwrap();
    store
        .create_topic(
            "schwangerschaftsberatung",
            "Schwangerschaftsberatung",
            true,
            None,
            None,
        )
        .await
        .unwrap();
    store
        .create_topic("go-on", "Go on – Start up", false, None, None)
        .await
        .unwrap();
    for (name, topics) in [
        ("anna", vec!["suchtberatung", "schwangerschaftsberatung"]),
        ("bernd", vec!["suchtberatung"]),
        ("clara", vec!["schwangerschaftsberatung"]),
    ] {
        let topics: Vec<String> = topics.into_iter().map(String::from).collect();
        operator::create_counselor(&store, name, name, &format!("{name}-password"), &topics)
            .await
            .unwrap();
    }
    if with_operator {
        let new = operator::NewCounselor::parse(
            "olga",
            Some("Olga Operator"),
            &[],
            true,
            Some("olga-password"),
        )
        .unwrap();
        operator::add_counselor(&store, &pforte_server::store::Actor::Cli, new)
            .await
            .unwrap();
    }
    for (slug, origin) in embedding {
        operator::change_embed_origins(
            &store,
            &pforte_server::store::Actor::Cli,
            slug,
            &[origin.to_string()],
            &[],
            false,
        )
        .await
        .unwrap();
    }
    let mut settings = fast_settings();
    adjust(&mut settings);
    let app = Application::build(settings, Arc::new(store)).await.unwrap();
    let address = app.local_addr();
    let shutdown = app.shutdown_token();
    let reception = app.reception();
    let server = tokio::spawn(async move {
        app.run().await.unwrap();
    });
    TestApp {
        base: format!("http://{address}"),
        ws_base: format!("ws://{address}"),
        http: reqwest::Client::new(),
        database,
        reception,
        shutdown,
        server: Some(server),
    }
}

impl TestApp {
    /// Shut the server down gracefully and wait until it has closed the store.
    pub async fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client that collects the server's events.
pub struct Events {
    pub socket: Socket,
}

impl Events {
    /// The next event within `within`, skipping pings; `None` if none came.
    pub async fn next_within(&mut self, within: Duration) -> Option<ServerEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??
                .ok()?;
            match message {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("server events parse"))
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Wait for the first event that `wanted` accepts; panic if none within `SOON`.
    pub async fn expect(
        &mut self,
        what: &str,
        wanted: impl Fn(&ServerEvent) -> bool,
    ) -> ServerEvent {
        self.expect_within(what, SOON, wanted).await
    }

    pub async fn expect_within(
        &mut self,
        what: &str,
        within: Duration,
        wanted: impl Fn(&ServerEvent) -> bool,
    ) -> ServerEvent {
        let deadline = tokio::time::Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(event) if wanted(&event) => return event,
                Some(event) => seen.push(event),
                None => panic!("expected {what} within {within:?}; saw {seen:#?}"),
            }
        }
    }

    /// Assert that no event `unwanted` accepts arrives within `within`.
    pub async fn expect_none(
        &mut self,
        what: &str,
        within: Duration,
        unwanted: impl Fn(&ServerEvent) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return;
            }
            match self.next_within(left).await {
                Some(event) if unwanted(&event) => panic!("did not expect {what}, got {event:?}"),
                Some(_) => continue,
                None => return,
            }
        }
    }

    /// Whether the server closed the socket (with the close code, if any).
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(SOON, self.socket.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code.into()),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) | Ok(None) => return None,
                Err(_) => panic!("the socket stayed open"),
            }
        }
    }
}

/// The body of an error answer; asserts the status.
pub async fn error_of(response: reqwest::Response, status: StatusCode) -> ErrorCode {
    assert_eq!(response.status(), status, "unexpected status");
    let body: ApiError = response
        .json()
        .await
        .expect("error bodies are ApiError JSON");
    assert!(!body.message.is_empty());
    body.code
}

pub struct Counselor {
    pub token: String,
    /// The device this session added at login ("Meine Geräte"), as the dashboard does.
    pub device: String,
}

impl Counselor {
    /// A message body sealed by this session's device.
    pub fn says(&self, text: &str) -> Value {
        sealed::device_says(&self.device, text)
    }
}

pub struct Asker {
    pub token: String,
    pub request_id: String,
    pub position: u32,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, name: &str) -> Counselor {
        let response = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&json!({"name": name, "password": format!("{name}-password")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let token = body["token"].as_str().unwrap().to_owned();
        let device = self.add_device(&token).await;
        Counselor { token, device }
    }

    /// Add a device of the session `token` (a fresh key) and return its id.
    pub async fn add_device(&self, token: &str) -> String {
        sealed::add_device(&self.http, &self.base, token).await
    }

    /// The accept body of `counselor`: a content key wrapped for the asker and for each of
    /// the counselor's devices, as the accepting dashboard makes it.
    pub async fn grant(&self, counselor: &Counselor) -> Value {
        sealed::accept_body(&self.http, &self.base, &counselor.token).await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .put(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn switch(&self, counselor: &Counselor, on: bool) -> Value {
        let response = self
            .put("/api/me/availability", &counselor.token, json!({"on": on}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// A counselor device: socket open (header auth, as the desktop app does).
    pub async fn connect_counselor(&self, counselor: &Counselor) -> Events {
        self.connect_counselor_at(counselor, "/api/counselor/ws")
            .await
    }

    /// A counselor device that just started: its first socket says `fresh=true`.
    pub async fn start_counselor_device(&self, counselor: &Counselor) -> Events {
        self.connect_counselor_at(counselor, "/api/counselor/ws?fresh=true")
            .await
    }

    async fn connect_counselor_at(&self, counselor: &Counselor, path: &str) -> Events {
        let mut request = format!("{}{path}", self.ws_base)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {}", counselor.token).parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut events = Events { socket };
        events
            .expect("ready", |e| matches!(e, ServerEvent::Ready))
            .await;
        events
    }

    /// Log in, connect and switch on: an available counselor.
    pub async fn available(&self, name: &str) -> (Counselor, Events) {
        let counselor = self.login(name).await;
        let mut events = self.connect_counselor(&counselor).await;
        self.switch(&counselor, true).await;
        events
            .expect("own availability", |e| {
                matches!(e, ServerEvent::AvailabilityChanged { availability, .. } if availability.available)
            })
            .await;
        (counselor, events)
    }

    pub async fn try_enter(&self, topic: i64) -> reqwest::Response {
        self.http
            .post(self.url("/api/waiting-room"))
            .json(&sealed::entry(topic))
            .send()
            .await
            .unwrap()
    }

    pub async fn enter(&self, topic: i64) -> Asker {
        let response = self.try_enter(topic).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        Asker {
            token: body["token"].as_str().unwrap().to_owned(),
            request_id: body["request_id"].as_str().unwrap().to_owned(),
            position: body["position"].as_u64().unwrap() as u32,
        }
    }

    /// The asker's page: socket open with the first-message auth, as a browser does.
    pub async fn connect_asker(&self, asker: &Asker) -> Events {
        let (mut socket, _) =
            tokio_tungstenite::connect_async(format!("{}/api/asker/ws", self.ws_base))
                .await
                .unwrap();
        socket
            .send(Message::Text(
                json!({"type": "auth", "token": asker.token})
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();
        let mut events = Events { socket };
        events
            .expect("ready", |e| matches!(e, ServerEvent::Ready))
            .await;
        events
    }

    pub async fn watch_gates(&self) -> Events {
        let (socket, _) =
            tokio_tungstenite::connect_async(format!("{}/api/gates/ws", self.ws_base))
                .await
                .unwrap();
        let mut events = Events { socket };
        events
            .expect("ready", |e| matches!(e, ServerEvent::Ready))
            .await;
        events
    }

    /// Enter and open the page: a waiting asker.
    pub async fn waiting(&self, topic: i64) -> (Asker, Events) {
        let asker = self.enter(topic).await;
        let events = self.connect_asker(&asker).await;
        (asker, events)
    }

    pub async fn gate_open(&self, topic: i64) -> bool {
        let topics: Value = self
            .http
            .get(self.url("/api/topics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        topics["topics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == topic)
            .map(|t| t["gate_open"].as_bool().unwrap())
            .unwrap_or(false)
    }

    /// Count rows straight from the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.database.count(table).await
    }
}
