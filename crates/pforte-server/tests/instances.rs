//! Several real `pforte-server` processes on loopback against one PostgreSQL database form
//! one service. Runs where `PFORTE_TEST_POSTGRES` names a PostgreSQL server (scripts/test
//! sets it); elsewhere each test says it was skipped and passes.

#[path = "common/sealed.rs"]
mod sealed;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sqlx::{Connection, Executor};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const BINARY: &str = env!("CARGO_BIN_EXE_pforte-server");

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A fresh database on the test PostgreSQL server, dropped at the end.
struct Database {
    server: String,
    name: String,
    url: String,
}

impl Database {
    async fn new() -> Option<Self> {
        let Ok(server) = std::env::var("PFORTE_TEST_POSTGRES") else {
            eprintln!("skipped: PFORTE_TEST_POSTGRES is not set (scripts/test sets it)");
            return None;
        };
        let server = server.trim_end_matches('/').to_owned();
        let name = format!("pforte_instances_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let url = format!("{server}/{name}");
        Some(Self { server, name, url })
    }

    /// An operator command against this database.
    fn operator(&self, args: &[&str]) -> String {
        let output = Command::new(BINARY)
            .args(args)
            .env("PFORTE_DATABASE_URL", &self.url)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Topic Suchtberatung with live chat; counselors bernd and carla for it.
    fn seed(&self) {
        self.operator(&[
            "topic",
            "create",
            "--slug",
            "suchtberatung",
            "--name",
            "Suchtberatung",
            "--live-chat",
        ]);
        for name in ["bernd", "carla"] {
            self.operator(&[
                "counselor",
                "create",
                "--name",
                name,
                "--topics",
                "suchtberatung",
                "--password",
                &format!("{name}-password"),
            ]);
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) =
                    sqlx::PgConnection::connect(&format!("{server}/postgres")).await
                {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

/// One server process of the service.
struct Instance {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    fn start(database: &Database) -> Self {
        Self::start_on(database, "127.0.0.1:0")
    }

    fn start_on(database: &Database, listen: &str) -> Self {
        let mut child = Command::new(BINARY)
            .args(["serve", "--listen", listen, "--ui-dir", "/nonexistent"])
            .env("PFORTE_DATABASE_URL", &database.url)
            .env("PFORTE_LOGIN_PER_MINUTE", "10000")
            .env("PFORTE_ENTER_PER_MINUTE", "10000")
            .env("PFORTE_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the instance printed its address")
                .unwrap();
            log.lock().unwrap().push(line.clone());
            if let Some(rest) = line.split("address=").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        for reader in [
            Box::new(lines.map_while(Result::ok)) as Box<dyn Iterator<Item = String> + Send>,
            Box::new(BufReader::new(stderr).lines().map_while(Result::ok)),
        ] {
            let kept = log.clone();
            std::thread::spawn(move || {
                for line in reader {
                    kept.lock().unwrap().push(line);
                }
            });
        }
        Self {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn ws(&self, path: &str) -> String {
        format!("{}{path}", self.base.replace("http://", "ws://"))
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn logged(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn login(instance: &Instance, name: &str) -> String {
    let answer = http()
        .post(instance.url("/api/auth/login"))
        .json(&json!({"name": name, "password": format!("{name}-password")}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "login of {name}");
    let body: Value = answer.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    sealed::add_device(&http(), &instance.base, &token).await;
    token
}

async fn counselor_socket(instance: &Instance, token: &str) -> Socket {
    let mut request = instance
        .ws("/api/counselor/ws")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    expect(&mut socket, "ready", Duration::from_secs(5), |e| {
        e["type"] == "ready"
    })
    .await;
    socket
}

/// Log in on `instance`, connect there and switch on.
async fn available(instance: &Instance, name: &str) -> (String, Socket) {
    let token = login(instance, name).await;
    let mut socket = counselor_socket(instance, &token).await;
    let answer = http()
        .put(instance.url("/api/me/availability"))
        .bearer_auth(&token)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    expect(
        &mut socket,
        "own availability",
        Duration::from_secs(5),
        |e| e["type"] == "availability_changed" && e["availability"]["available"] == true,
    )
    .await;
    (token, socket)
}

async fn gate_watcher(instance: &Instance) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(instance.ws("/api/gates/ws"))
        .await
        .unwrap();
    expect(&mut socket, "ready", Duration::from_secs(5), |e| {
        e["type"] == "ready"
    })
    .await;
    socket
}

/// Enter the waiting room through `instance`: the asker's token and request id.
async fn enter(instance: &Instance) -> Result<(String, String), u16> {
    let answer = http()
        .post(instance.url("/api/waiting-room"))
        .json(&sealed::entry(1))
        .send()
        .await
        .unwrap();
    if answer.status() != 201 {
        return Err(answer.status().as_u16());
    }
    let body: Value = answer.json().await.unwrap();
    Ok((
        body["token"].as_str().unwrap().to_owned(),
        body["request_id"].as_str().unwrap().to_owned(),
    ))
}

async fn asker_socket(instance: &Instance, token: &str) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(instance.ws("/api/asker/ws"))
        .await
        .unwrap();
    socket
        .send(Message::Text(
            json!({"type": "auth", "token": token}).to_string().into(),
        ))
        .await
        .unwrap();
    expect(&mut socket, "ready", Duration::from_secs(5), |e| {
        e["type"] == "ready"
    })
    .await;
    socket
}

/// The first event `wanted` accepts within `within`; panics otherwise.
async fn expect(
    socket: &mut Socket,
    what: &str,
    within: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next()).await;
        match next {
            Ok(Some(Ok(Message::Text(text)))) => {
                let event: Value = serde_json::from_str(&text).unwrap();
                if wanted(&event) {
                    return event;
                }
                seen.push(event);
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected {what} within {within:?}; got {other:?} after {seen:#?}"),
        }
    }
}

/// No event `unwanted` accepts within `within` (pings and other events are fine).
async fn expect_none(
    socket: &mut Socket,
    what: &str,
    within: Duration,
    unwanted: impl Fn(&Value) -> bool,
) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return,
            Ok(Some(Ok(Message::Text(text)))) => {
                let event: Value = serde_json::from_str(&text).unwrap();
                assert!(!unwanted(&event), "did not expect {what}: {event}");
            }
            Ok(Some(Ok(_))) => continue,
            Ok(other) => panic!("the socket ended while waiting: {other:?}"),
        }
    }
}

async fn gate_open(instance: &Instance) -> bool {
    let topics: Value = http()
        .get(instance.url("/api/topics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    topics["topics"][0]["gate_open"] == true
}

/// Wait (at most a second) until `instance` says the gate is `open`.
async fn eventually_open(instance: &Instance, open: bool) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while gate_open(instance).await != open {
        assert!(Instant::now() < deadline, "the gate stayed {}", !open);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_counselor_on_one_instance_opens_the_gate_for_askers_and_watchers_on_the_others() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let [a, b, c] = [(); 3].map(|_| Instance::start(&database));
    let mut watcher = gate_watcher(&c).await;
    assert_eq!(enter(&b).await, Err(409), "closed while nobody is there");

    let (_bernd, _bernd_socket) = available(&a, "bernd").await;
    expect(
        &mut watcher,
        "the gate opening",
        Duration::from_secs(3),
        |e| e["type"] == "gate_changed" && e["open"] == true,
    )
    .await;
    // Reads on an instance follow the log within its notification delay.
    for instance in [&b, &c] {
        eventually_open(instance, true).await;
    }
    let (token, _) = enter(&b).await.expect("open through another instance");
    let _asker = asker_socket(&c, &token).await;
}

#[tokio::test]
async fn an_instance_that_joins_a_running_service_sees_the_counselors_connected_through_the_others()
{
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let a = Instance::start(&database);
    let (_bernd, _bernd_socket) = available(&a, "bernd").await;
    eventually_open(&a, true).await;
    // A second instance, started (say, scaled out) while Bernd is connected through A.
    let b = Instance::start(&database);
    eventually_open(&b, true).await;
    let (token, _) = enter(&b)
        .await
        .expect("the gate is open through the new instance");
    let _asker = asker_socket(&b, &token).await;
}

#[tokio::test]
async fn a_device_added_through_one_instance_is_announced_to_the_counselors_sockets_on_another() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let [a, b] = [(); 2].map(|_| Instance::start(&database));
    let laptop = login(&a, "bernd").await;
    let mut laptop_socket = counselor_socket(&a, &laptop).await;
    // The office computer logs in through B; its key is added there.
    let _office = login(&b, "bernd").await;
    expect(
        &mut laptop_socket,
        "the added device announced",
        Duration::from_secs(3),
        |e| e["type"] == "devices_changed",
    )
    .await;
}

#[tokio::test]
async fn messages_between_instances_arrive_in_order_once_each_and_acknowledged_means_stored() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let [a, b] = [(); 2].map(|_| Instance::start(&database));
    let (bernd, mut bernd_socket) = available(&a, "bernd").await;
    let (asker, request) = enter(&b).await.unwrap();
    let mut asker_socket = asker_socket(&b, &asker).await;
    let accepted = http()
        .post(a.url(&format!("/api/requests/{request}/accept")))
        .bearer_auth(&bernd)
        .json(&sealed::accept_body(&reqwest::Client::new(), &a.base, &bernd).await)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    expect(&mut asker_socket, "accepted", Duration::from_secs(3), |e| {
        e["type"] == "chat_accepted"
    })
    .await;
    let device = sealed::own_device(&http(), &a.base, &bernd).await;
    for i in 0..30 {
        let text = format!("Nachricht {i}");
        let (instance, path, token, body) = if i % 2 == 0 {
            (
                &b,
                "/api/asker/messages".to_owned(),
                &asker,
                sealed::asker_says(&text),
            )
        } else {
            (
                &a,
                format!("/api/conversations/{request}/messages"),
                &bernd,
                sealed::device_says(&device, &text),
            )
        };
        let sent = http()
            .post(instance.url(&path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201);
    }
    for socket in [&mut bernd_socket, &mut asker_socket] {
        let mut heard = Vec::new();
        while heard.len() < 30 {
            let event = expect(socket, "the messages", Duration::from_secs(5), |e| {
                e["type"] == "message_posted"
            })
            .await;
            heard.push(sealed::opened(&event["message"]));
        }
        let expected: Vec<String> = (0..30).map(|i| format!("Nachricht {i}")).collect();
        assert_eq!(heard, expected, "in order, once each");
    }
}

#[tokio::test]
async fn an_askers_message_right_after_the_counselor_ended_the_chat_on_another_instance_is_refused()
{
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let [a, b] = [(); 2].map(|_| Instance::start(&database));
    let (bernd, _bernd_socket) = available(&a, "bernd").await;
    let (asker, request) = enter(&b).await.unwrap();
    let mut asker_socket = asker_socket(&b, &asker).await;
    let accepted = http()
        .post(a.url(&format!("/api/requests/{request}/accept")))
        .bearer_auth(&bernd)
        .json(&sealed::accept_body(&reqwest::Client::new(), &a.base, &bernd).await)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    expect(&mut asker_socket, "accepted", Duration::from_secs(3), |e| {
        e["type"] == "chat_accepted"
    })
    .await;
    let send = |text: &str| {
        http()
            .post(b.url("/api/asker/messages"))
            .bearer_auth(&asker)
            .json(&sealed::asker_says(text))
            .send()
    };
    // B knows the asker's chat now (and keeps it in memory).
    assert_eq!(send("Hallo").await.unwrap().status(), 201);
    let ended = http()
        .post(a.url(&format!("/api/conversations/{request}/end")))
        .bearer_auth(&bernd)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    // At once: B may not have applied the end yet; the store refuses all the same.
    let late = send("Noch da?").await.unwrap();
    assert_eq!(late.status(), 409);
    let late: Value = late.json().await.unwrap();
    assert_eq!(late["code"], "conversation_ended");
    let stored: Value = http()
        .get(b.url("/api/asker/messages"))
        .bearer_auth(&asker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn of_fifty_accepts_spread_over_three_instances_exactly_one_wins_twenty_times() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let instances = [(); 3].map(|_| Instance::start(&database));
    let (bernd, _s1) = available(&instances[0], "bernd").await;
    let (carla, _s2) = available(&instances[1], "carla").await;
    let bernd_grant = sealed::accept_body(&http(), &instances[0].base, &bernd).await;
    let carla_grant = sealed::accept_body(&http(), &instances[1].base, &carla).await;
    for round in 0..20 {
        let (_asker, request) = enter(&instances[round % 3]).await.unwrap();
        let accepts = (0..50).map(|i| {
            let instance = &instances[i % 3];
            let (token, grant) = if i % 2 == 0 {
                (&bernd, &bernd_grant)
            } else {
                (&carla, &carla_grant)
            };
            let url = instance.url(&format!("/api/requests/{request}/accept"));
            async move {
                http()
                    .post(url)
                    .bearer_auth(token)
                    .json(grant)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        });
        let statuses = futures_util::future::join_all(accepts).await;
        let winners = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(winners, 1, "round {round}: {statuses:?}");
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{statuses:?}"
        );
    }
}

#[tokio::test]
async fn when_the_instance_holding_the_only_counselor_is_killed_the_others_close_the_gate_within_ten_seconds(
) {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let mut a = Instance::start(&database);
    let [b, c] = [(); 2].map(|_| Instance::start(&database));
    let (_bernd, _socket) = available(&a, "bernd").await;
    let (asker, _) = enter(&b).await.unwrap();
    let mut asker_socket = asker_socket(&b, &asker).await;
    let mut watcher = gate_watcher(&c).await;

    a.kill(); // SIGKILL: no goodbye
    let killed = Instant::now();
    expect(
        &mut asker_socket,
        "the waiting room closing",
        Duration::from_secs(12),
        |e| e["type"] == "waiting_room_closing",
    )
    .await;
    let told = killed.elapsed();
    expect(
        &mut watcher,
        "the gate closing",
        Duration::from_secs(2),
        |e| e["type"] == "gate_changed" && e["open"] == false,
    )
    .await;
    println!("instance killed; the asker on another instance was told after {told:?}");
    assert!(told <= Duration::from_secs(10), "{told:?}");
    eventually_open(&c, false).await;
}

#[tokio::test]
async fn an_instance_paused_past_its_lease_resurrects_nothing_and_its_clients_go_elsewhere() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let a = Instance::start(&database);
    let b = Instance::start(&database);
    let (bernd, mut bernd_socket) = available(&a, "bernd").await;
    let mut watcher = gate_watcher(&b).await;

    a.signal("STOP");
    expect(
        &mut watcher,
        "the gate closing",
        Duration::from_secs(12),
        |e| e["type"] == "gate_changed" && e["open"] == false,
    )
    .await;
    // Bernd's request reaches the paused instance's socket only after it resumes: nothing it
    // does then may bring his availability back.
    tokio::time::sleep(Duration::from_secs(1)).await;
    a.signal("CONT");
    let answer = http()
        .put(a.url("/api/me/availability"))
        .bearer_auth(&bernd)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503, "a fenced instance refuses commands");
    // It closes its sockets, so that their clients reconnect elsewhere.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = bernd_socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the paused instance closed its socket");
    assert_eq!(closed, Some(1012));
    expect_none(
        &mut watcher,
        "the gate reopening",
        Duration::from_secs(2),
        |e| e["type"] == "gate_changed" && e["open"] == true,
    )
    .await;
    eventually_open(&b, false).await;
    assert!(
        b.logged().contains("lease lapsed"),
        "the other instance declared it lost:\n{}",
        b.logged()
    );
}

#[tokio::test]
async fn every_acknowledged_message_is_there_after_all_instances_are_killed_and_restarted() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let mut a = Instance::start(&database);
    let mut b = Instance::start(&database);
    let (bernd, _bernd_socket) = available(&a, "bernd").await;
    let (asker, request) = enter(&b).await.unwrap();
    http()
        .post(a.url(&format!("/api/requests/{request}/accept")))
        .bearer_auth(&bernd)
        .json(&sealed::accept_body(&reqwest::Client::new(), &a.base, &bernd).await)
        .send()
        .await
        .unwrap();
    let mut acknowledged = Vec::new();
    for i in 0..40 {
        let sent = http()
            .post(b.url("/api/asker/messages"))
            .bearer_auth(&asker)
            .json(&sealed::asker_says(&format!("bestätigt {i}")))
            .send()
            .await
            .unwrap();
        if sent.status() == 201 {
            acknowledged.push(format!("bestätigt {i}"));
        }
    }
    a.kill();
    b.kill();
    let c = Instance::start(&database);
    let stored: Value = http()
        .get(c.url("/api/asker/messages"))
        .bearer_auth(&asker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let texts: Vec<String> = stored["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(sealed::opened)
        .collect();
    assert_eq!(texts, acknowledged);
}

#[tokio::test]
async fn a_rolling_restart_closes_no_gate_and_costs_no_asker_their_place() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let a = Instance::start(&database);
    let b = Instance::start(&database);
    let (bernd, _old_socket) = available(&a, "bernd").await;
    let (first, _) = enter(&b).await.unwrap();
    let (second, _) = enter(&b).await.unwrap();
    let mut second_socket = asker_socket(&b, &second).await;
    let _first_socket = asker_socket(&b, &first).await;
    let mut watcher = gate_watcher(&b).await;

    // Instance A restarts: its clients are told to reconnect (1012) and come back through B.
    a.signal("TERM");
    let _back = counselor_socket(&b, &bernd).await;
    expect_none(
        &mut second_socket,
        "any sign of closing",
        Duration::from_secs(3),
        |e| e["type"] == "waiting_room_closing" || e["type"] == "gate_changed",
    )
    .await;
    expect_none(
        &mut watcher,
        "the gate closing",
        Duration::from_millis(500),
        |e| e["type"] == "gate_changed",
    )
    .await;
    let state: Value = http()
        .get(b.url("/api/asker"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "waiting");
    assert_eq!(state["status"]["position"], 2, "the place is kept");
    eventually_open(&b, true).await;
}

#[tokio::test]
async fn a_wrong_database_url_stops_the_server_at_start_with_one_clear_line() {
    let output = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PFORTE_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains("cannot open the database"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
    let unknown = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PFORTE_DATABASE_URL", "mysql://localhost/db")
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count(),
        1
    );
}

#[tokio::test]
async fn the_demo_seeds_an_empty_database_once_even_with_several_instances() {
    let Some(database) = Database::new().await else {
        return;
    };
    let mut first = Command::new(BINARY)
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--ui-dir",
            "/nonexistent",
        ])
        .env("PFORTE_DATABASE_URL", &database.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut second = Command::new(BINARY)
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--ui-dir",
            "/nonexistent",
        ])
        .env("PFORTE_DATABASE_URL", &database.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = first.kill();
    let _ = second.kill();
    let _ = first.wait();
    let _ = second.wait();
    let listed = database.operator(&["topic", "list"]);
    assert_eq!(
        listed
            .lines()
            .filter(|l| l.contains("suchtberatung"))
            .count(),
        1,
        "{listed}"
    );
    let counselors = database.operator(&["counselor", "list"]);
    assert_eq!(counselors.lines().filter(|l| l.contains("anna")).count(), 1);
}

/// A PostgreSQL cluster of the test's own (to stop and start it under a running service).
struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl PrivateCluster {
    fn as_postgres(&self, program: &str) -> Command {
        let mut command;
        if unsafe_is_root() {
            command = Command::new("runuser");
            command
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join(program));
        } else {
            command = Command::new(self.bin.join(program));
        }
        command
    }

    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()?;
        let dir = tempfile::tempdir().unwrap();
        if unsafe_is_root() {
            Command::new("chown")
                .args(["postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { dir, bin, port };
        let done = cluster
            .as_postgres("initdb")
            .arg("-D")
            .arg(cluster.dir.path().join("data"))
            .args(["-A", "trust", "-U", "pforte"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(done.success());
        cluster.up();
        Some(cluster)
    }

    fn up(&self) {
        let done = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1",
                self.port,
                self.dir.path().display()
            ))
            .arg("start")
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(done.success(), "the private PostgreSQL started");
    }

    fn down(&self) {
        let done = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(done.success(), "the private PostgreSQL stopped");
    }

    fn server(&self) -> String {
        format!("postgres://pforte@127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Whether this process runs as root (PostgreSQL refuses to run as root).
fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
    })
}

#[tokio::test]
async fn when_the_database_goes_away_the_instance_refuses_with_a_code_lets_its_clients_go_and_rejoins_when_it_is_back(
) {
    if std::env::var("PFORTE_TEST_POSTGRES").is_err() {
        eprintln!("skipped: PFORTE_TEST_POSTGRES is not set (scripts/test sets it)");
        return;
    }
    let Some(cluster) = PrivateCluster::start() else {
        eprintln!("skipped: no PostgreSQL binaries under /usr/lib/postgresql");
        return;
    };
    // The database of the service on the private cluster.
    let database = {
        let server = cluster.server();
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        admin.execute("CREATE DATABASE pforte").await.unwrap();
        Database {
            url: format!("{server}/pforte"),
            server,
            name: "pforte".into(),
        }
    };
    database.seed();
    let instance = Instance::start(&database);
    let (bernd, mut socket) = available(&instance, "bernd").await;

    cluster.down();
    let switched = http()
        .put(instance.url("/api/me/availability"))
        .bearer_auth(&bernd)
        .json(&json!({"on": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 503, "a clear refusal, never a 500");
    let body: Value = switched.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    // Once its lease cannot be renewed, it lets its clients go (to other instances).
    let closed = tokio::time::timeout(Duration::from_secs(12), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the socket was closed");
    assert_eq!(closed, Some(1012));

    cluster.up();
    // It joins again by itself; Bernd's app reconnects and is available again.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut back = loop {
        let mut request = instance
            .ws("/api/counselor/ws")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {bernd}").parse().unwrap());
        if let Ok((socket, _)) = tokio_tungstenite::connect_async(request).await {
            break socket;
        }
        assert!(Instant::now() < deadline, "the instance never rejoined");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    expect(&mut back, "ready", Duration::from_secs(5), |e| {
        e["type"] == "ready"
    })
    .await;
    let me: Value = http()
        .get(instance.url("/api/me"))
        .bearer_auth(&bernd)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["availability"]["available"], true,
        "back within the resume window: still on ({me})"
    );
    drop(database);
}

/// nginx with `deploy/nginx-pforte.conf` in front of instances on `ports`.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(ports: [u16; 2]) -> Option<Self> {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let site = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/nginx-pforte.conf"
        ))
        .unwrap()
        .replace("127.0.0.1:8081", &format!("127.0.0.1:{}", ports[0]))
        .replace("127.0.0.1:8082", &format!("127.0.0.1:{}", ports[1]))
        .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"));
        let d = dir.path().display();
        std::fs::write(dir.path().join("pforte.conf"), site).unwrap();
        std::fs::write(
            dir.path().join("nginx.conf"),
            format!(
                "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 include {d}/pforte.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new(nginx)
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-p")
            .arg(dir.path())
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Self {
            child,
            port,
            _dir: dir,
        })
    }

    /// What a client sees of the service.
    fn front(&self) -> Instance {
        Instance {
            child: Command::new("true").spawn().unwrap(),
            base: format!("http://127.0.0.1:{}", self.port),
            log: Arc::default(),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// SIGTERM, then wait for the process to end (its port is free again).
fn stop(instance: &mut Instance) {
    instance.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    while instance.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the instance did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A client behind the proxy as the apps are: it reconnects at once whenever its socket
/// closes (1012: the instance restarts), and records every event it hears.
fn resilient(url: String, token: Option<String>, auth_message: bool) -> Arc<Mutex<Vec<Value>>> {
    let heard: Arc<Mutex<Vec<Value>>> = Arc::default();
    let record = heard.clone();
    tokio::spawn(async move {
        loop {
            let mut request = url.as_str().into_client_request().unwrap();
            if let (Some(token), false) = (&token, auth_message) {
                request
                    .headers_mut()
                    .insert("authorization", format!("Bearer {token}").parse().unwrap());
            }
            let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            if let (Some(token), true) = (&token, auth_message) {
                let auth = json!({"type": "auth", "token": token}).to_string();
                if socket.send(Message::Text(auth.into())).await.is_err() {
                    continue;
                }
            }
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message {
                    record
                        .lock()
                        .unwrap()
                        .push(serde_json::from_str(&text).unwrap());
                }
            }
        }
    });
    heard
}

#[tokio::test]
async fn behind_nginx_a_rolling_restart_of_every_instance_closes_no_gate_and_costs_no_place() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    let ports = [free_port(), free_port()];
    let mut instances =
        ports.map(|port| Instance::start_on(&database, &format!("127.0.0.1:{port}")));
    let Some(nginx) = Nginx::start(ports) else {
        eprintln!("skipped: nginx is not installed (scripts/test installs nginx-light)");
        return;
    };
    let front = nginx.front();
    let bernd = login(&front, "bernd").await;
    let counselor = resilient(front.ws("/api/counselor/ws"), Some(bernd.clone()), false);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let switched = http()
        .put(front.url("/api/me/availability"))
        .bearer_auth(&bernd)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 200);
    let (_first, _) = enter(&front).await.unwrap();
    let (second, _) = enter(&front).await.unwrap();
    let asker = resilient(front.ws("/api/asker/ws"), Some(second.clone()), true);
    let watcher = resilient(front.ws("/api/gates/ws"), None, false);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Restart every instance, one after the other, as an upgrade would.
    for (slot, port) in ports.iter().enumerate() {
        stop(&mut instances[slot]);
        instances[slot] = Instance::start_on(&database, &format!("127.0.0.1:{port}"));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(gate_open(&front).await, "the gate stayed open");
    }
    // Past every handover: the old connections are gone, the new ones carry on.
    tokio::time::sleep(Duration::from_secs(16)).await;
    assert!(
        gate_open(&front).await,
        "the gate is still open after the handovers"
    );

    // What each heard once all was set up (Bernd available, the askers waiting).
    let closing = |heard: &Arc<Mutex<Vec<Value>>>| -> Vec<Value> {
        let heard = heard.lock().unwrap();
        let from = heard
            .iter()
            .position(|e| {
                e["type"] == "availability_changed" && e["availability"]["available"] == true
            })
            .unwrap_or(0);
        heard[from..]
            .iter()
            .filter(|e| {
                e["type"] == "waiting_room_closing"
                    || e["type"] == "request_ended"
                    || (e["type"] == "gate_changed" && e["open"] == false)
                    || (e["type"] == "availability_changed"
                        && e["availability"]["available"] == false)
            })
            .cloned()
            .collect()
    };
    assert_eq!(
        closing(&asker),
        Vec::<Value>::new(),
        "the asker heard nothing of it"
    );
    assert_eq!(
        closing(&watcher),
        Vec::<Value>::new(),
        "the gate never closed"
    );
    assert_eq!(
        closing(&counselor),
        Vec::<Value>::new(),
        "Bernd stayed available"
    );
    let readies = counselor
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "ready")
        .count();
    assert!(
        readies >= 2,
        "Bernd's app reconnected ({readies} times ready)"
    );
    let state: Value = http()
        .get(front.url("/api/asker"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "waiting");
    assert_eq!(state["status"]["position"], 2, "the place is kept");
}

#[tokio::test]
async fn an_operators_changes_on_one_instance_apply_on_the_others_at_once() {
    let Some(database) = Database::new().await else {
        return;
    };
    database.seed();
    database.operator(&[
        "counselor",
        "create",
        "--name",
        "olga",
        "--operator",
        "--password",
        "olga-password",
    ]);
    let [a, b, c] = [(); 3].map(|_| Instance::start(&database));
    let olga = login(&a, "olga").await;
    let admin = |method: reqwest::Method, path: &str, body: Value| {
        http()
            .request(method, a.url(path))
            .bearer_auth(&olga)
            .json(&body)
            .send()
    };
    let within = Duration::from_secs(1);

    // A new topic shows on another instance at once.
    let created = admin(
        reqwest::Method::POST,
        "/api/admin/topics",
        json!({"slug": "trauer", "name": "Trauer", "live_chat": true}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let deadline = Instant::now() + within;
    loop {
        let answer = http()
            .get(b.url("/api/topics/trauer"))
            .send()
            .await
            .unwrap();
        if answer.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the new topic is not on b");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The forced switch-off reaches carla's devices on b and c with its reason.
    let (carla, mut on_b) = available(&b, "carla").await;
    let mut on_c = counselor_socket(&c, &carla).await;
    let answer = admin(
        reqwest::Method::POST,
        "/api/admin/counselors/carla/switch-off",
        json!({"reason": "Feierabend"}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 204);
    for socket in [&mut on_b, &mut on_c] {
        expect(socket, "the operator's reason", within, |e| {
            e["type"] == "switched_off_by_operator" && e["reason"] == "Feierabend"
        })
        .await;
    }

    // Deactivating bernd on a ends his socket on b and his token everywhere, at once.
    let (bernd, mut bernd_on_b) = available(&b, "bernd").await;
    eventually_open(&c, true).await;
    let answer = admin(
        reqwest::Method::POST,
        "/api/admin/counselors/bernd/deactivate",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
    expect(&mut bernd_on_b, "the session ended", within, |e| {
        e["type"] == "session_ended" && e["reason"] == "deactivated"
    })
    .await;
    eventually_open(&c, false).await;
    let me = http()
        .get(c.url("/api/me"))
        .bearer_auth(&bernd)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);

    // Live chat off on a closes the gate of b's counselor for askers on c.
    let (_carla_again, _socket) = (carla.clone(), counselor_socket(&b, &carla).await);
    let answer = http()
        .put(b.url("/api/me/availability"))
        .bearer_auth(&carla)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    eventually_open(&c, true).await;
    let answer = admin(
        reqwest::Method::PATCH,
        "/api/admin/topics/suchtberatung",
        json!({"live_chat": false}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
    eventually_open(&c, false).await;
    assert_eq!(enter(&c).await, Err(409));
}
