//! The server as a process, as an operator runs it: operator commands, SIGKILL, SIGTERM.

#[path = "common/sealed.rs"]
mod sealed;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const BINARY: &str = env!("CARGO_BIN_EXE_pforte-server");

fn operator(data: &Path, args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .args(args)
        .env("PFORTE_DATA_DIR", data)
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

struct Server {
    child: Child,
    base: String,
    /// Every line the server logged so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Start `pforte-server serve` on a free port and wait until it listens.
    fn start(data: &Path) -> Self {
        Self::start_with(data, "", &[])
    }

    /// Start it through `bash -c "<prelude> exec pforte-server serve …"` (e.g. `ulimit`s) with
    /// extra environment variables.
    fn start_with(data: &Path, prelude: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(format!(
                "{prelude} exec \"$0\" serve --listen 127.0.0.1:0 --ui-dir /nonexistent"
            ))
            .arg(BINARY)
            .env("PFORTE_DATA_DIR", data)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let address = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            log.lock().unwrap().push(line.clone());
            if let Some(rest) = line.split("address=").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    fn logged(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(http: &reqwest::Client, server: &Server) -> String {
    let body: Value = http
        .post(server.url("/api/auth/login"))
        .json(&json!({"name": "bernd", "password": "bernd-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    sealed::add_device(http, &server.base, &token).await;
    token
}

async fn counselor_socket(
    server: &Server,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("{}/api/counselor/ws", server.base.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

fn seed(data: &Path) {
    let created = operator(
        data,
        &[
            "topic",
            "create",
            "--slug",
            "suchtberatung",
            "--name",
            "Suchtberatung",
            "--live-chat",
        ],
    );
    assert!(created.contains("created topic suchtberatung"));
    let created = operator(
        data,
        &[
            "counselor",
            "create",
            "--name",
            "bernd",
            "--topics",
            "suchtberatung",
            "--password",
            "bernd-password",
        ],
    );
    assert!(created.contains("created counselor bernd"));
    let listed = operator(data, &["counselor", "list"]);
    assert!(listed.contains("bernd") && listed.contains("suchtberatung"));
}

#[tokio::test]
async fn every_acknowledged_message_survives_the_server_being_killed_mid_conversation() {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    let server = Server::start(data.path());
    let http = reqwest::Client::new();
    let token = login(&http, &server).await;
    let mut socket = counselor_socket(&server, &token).await;
    let _ = socket.next().await; // ready
    http.put(server.url("/api/me/availability"))
        .bearer_auth(&token)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let entered: Value = http
        .post(server.url("/api/waiting-room"))
        .json(&sealed::entry(1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let asker = entered["token"].as_str().unwrap().to_owned();
    let chat = entered["request_id"].as_str().unwrap().to_owned();
    let accepted = http
        .post(server.url(&format!("/api/requests/{chat}/accept")))
        .bearer_auth(&token)
        .json(&sealed::accept_body(&reqwest::Client::new(), &server.base, &token).await)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);

    let mut acknowledged = Vec::new();
    let device = sealed::own_device(&http, &server.base, &token).await;
    for i in 0..30 {
        let text = format!("Nachricht {i}");
        let (path, bearer, body) = if i % 2 == 0 {
            (
                "/api/asker/messages".to_owned(),
                &asker,
                sealed::asker_says(&text),
            )
        } else {
            (
                format!("/api/conversations/{chat}/messages"),
                &token,
                sealed::device_says(&device, &text),
            )
        };
        let response = http
            .post(server.url(&path))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let message: Value = response.json().await.unwrap();
        acknowledged.push(message["id"].as_str().unwrap().to_owned());
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL: no goodbye, no flush
    server.child.wait().unwrap();
    drop(server);

    let server = Server::start(data.path());
    let token = login(&http, &server).await;
    let history: Value = http
        .get(server.url(&format!("/api/conversations/{chat}/messages")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: Vec<String> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, acknowledged, "every acknowledged message, in order");
    let state: Value = http
        .get(server.url("/api/asker"))
        .bearer_auth(&asker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        state["status"]["state"], "chatting",
        "the conversation goes on after the restart"
    );
}

#[tokio::test]
async fn sigterm_closes_every_websocket_with_service_restart_and_exits_cleanly() {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    let mut server = Server::start(data.path());
    let http = reqwest::Client::new();
    let token = login(&http, &server).await;
    let mut socket = counselor_socket(&server, &token).await;
    let _ = socket.next().await; // ready

    server.signal("TERM");

    let close = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the socket was closed");
    assert_eq!(close, Some(1012));
    let status = tokio::task::spawn_blocking(move || {
        let status = server.child.wait().unwrap();
        (status, server)
    })
    .await
    .unwrap()
    .0;
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn the_demo_command_seeds_two_live_chat_topics_one_without_and_two_counselors() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BINARY)
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--ui-dir",
            "/nonexistent",
        ])
        .env("PFORTE_DATA_DIR", data.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    while !printed.contains("Pforte is listening") {
        printed.push_str(&lines.next().unwrap().unwrap());
        printed.push('\n');
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(printed.contains("counselor anna"));
    assert!(printed.contains("counselor bernd"));
    assert_eq!(printed.matches("(live chat)").count(), 2);
    assert_eq!(printed.matches("(no live chat)").count(), 1);
    assert!(printed.contains("/asker.html"));
}

#[tokio::test]
async fn an_operator_switching_live_chat_off_takes_effect_on_sighup() {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    let server = Server::start(data.path());
    let http = reqwest::Client::new();
    let offered = |body: Value| body["topics"].as_array().unwrap().len();
    let topics: Value = http
        .get(server.url("/api/topics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(offered(topics), 1);

    let said = operator(data.path(), &["topic", "live-chat", "suchtberatung", "off"]);
    assert!(said.contains("live chat of suchtberatung is off"));
    server.signal("HUP");

    let mut listed = 1;
    for _ in 0..50 {
        let topics: Value = http
            .get(server.url("/api/topics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listed = offered(topics);
        if listed == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed, 0, "the topic no longer offers live chat");
}

/// A gate-watcher socket from `127.0.0.<n>`, or the HTTP status that refused it.
async fn watcher_from(
    base: &str,
    n: u8,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let address: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, n], 0)))
        .unwrap();
    let stream = socket.connect(address).await.unwrap();
    let url = format!("{}/api/gates/ws", base.replace("http://", "ws://"));
    match tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
        .await
    {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn at_its_descriptor_limit_the_server_refuses_sockets_cleanly_and_keeps_answering() {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    // A small table: 300 descriptors at most, and a soft limit of 150 the server raises.
    let server = Server::start_with(data.path(), "ulimit -Sn 150 && ulimit -Hn 300 &&", &[]);
    assert!(
        server.logged().contains("open_files=300"),
        "{}",
        server.logged()
    );

    let mut held = Vec::new();
    let mut refused = Vec::new();
    for i in 0..240u32 {
        let n = 10 + u8::try_from(i / 60).unwrap();
        match watcher_from(&server.base, n).await {
            Ok(socket) => held.push(socket),
            Err(status) => refused.push(status),
        }
    }
    assert!(
        held.len() > 150,
        "the soft limit was raised: {} held",
        held.len()
    );
    assert!(!refused.is_empty(), "the limit was reached");
    assert!(refused.iter().all(|s| *s == 503), "{refused:?}");

    let http = reqwest::Client::new();
    let health = http.get(server.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let login = http
        .post(server.url("/api/auth/login"))
        .json(&json!({"name": "bernd", "password": "bernd-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        reqwest::StatusCode::OK,
        "the REST API still answers"
    );
    assert!(
        server.logged().contains("refusing new WebSockets"),
        "a clear log line"
    );
    drop(held);
}

#[tokio::test]
async fn at_every_log_level_the_log_holds_no_text_token_password_address_or_query() {
    use futures_util::SinkExt;
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    let everything =
        "trace,tungstenite=trace,tokio_tungstenite=trace,hyper=trace,hyper_util=trace,\
                      axum=trace,tower_http=trace,sqlx=trace,pforte_server=trace";
    let server = Server::start_with(data.path(), "", &[("PFORTE_LOG", everything)]);
    let from = |n: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, n]))
            .build()
            .unwrap()
    };
    let (counselor_http, asker_http) = (from(3), from(4));

    let login: Value = counselor_http
        .post(server.url("/api/auth/login"))
        .json(&json!({"name": "bernd", "password": "bernd-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let counselor = login["token"].as_str().unwrap().to_owned();
    sealed::add_device(&counselor_http, &server.base, &counselor).await;
    let mut request = format!("{}/api/counselor/ws", server.base.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {counselor}").parse().unwrap(),
    );
    let (mut counselor_socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    counselor_socket.next().await.unwrap().unwrap();
    counselor_http
        .put(server.url("/api/me/availability"))
        .bearer_auth(&counselor)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();

    let entered: Value = asker_http
        .post(server.url("/api/waiting-room"))
        .json(&sealed::entry(1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let asker = entered["token"].as_str().unwrap().to_owned();
    let request_id = entered["request_id"].as_str().unwrap().to_owned();
    let (mut asker_socket, _) = tokio_tungstenite::connect_async(format!(
        "{}/api/asker/ws",
        server.base.replace("http", "ws")
    ))
    .await
    .unwrap();
    asker_socket
        .send(Message::Text(
            json!({"type": "auth", "token": asker}).to_string().into(),
        ))
        .await
        .unwrap();
    asker_socket.next().await.unwrap().unwrap();
    counselor_http
        .post(server.url(&format!("/api/requests/{request_id}/accept")))
        .bearer_auth(&counselor)
        .json(&sealed::accept_body(&reqwest::Client::new(), &server.base, &counselor).await)
        .send()
        .await
        .unwrap();
    let secret_message = sealed::asker_says("Geheime Nachricht 4711");
    asker_http
        .post(server.url("/api/asker/messages"))
        .bearer_auth(&asker)
        .json(&secret_message)
        .send()
        .await
        .unwrap();
    counselor_http
        .post(server.url(&format!("/api/conversations/{request_id}/messages")))
        .bearer_auth(&counselor)
        .json(&sealed::device_says(
            &sealed::own_device(&counselor_http, &server.base, &counselor).await,
            "Vertrauliche Antwort 0815",
        ))
        .send()
        .await
        .unwrap();
    counselor_http
        .put(server.url("/api/me/absence"))
        .bearer_auth(&counselor)
        .json(&json!({"absent": true, "message": "Abwesend wegen Kur 42"}))
        .send()
        .await
        .unwrap();
    counselor_http
        .get(server.url("/api/me/statistics?from=2026-01-01&to=2026-01-31&utc_offset_minutes=60"))
        .bearer_auth(&counselor)
        .send()
        .await
        .unwrap();
    // Let the sockets carry the events, then read the log.
    for socket in [&mut counselor_socket, &mut asker_socket] {
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while socket.next().await.is_some() {}
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.logged();
    assert!(
        log.contains("pforte_server::reception"),
        "the log is on at trace:\n{log}"
    );
    // Not even the ciphertext (nor its stand-in here) is logged.
    let ciphertext = secret_message["sealed"]["ciphertext"].as_str().unwrap();
    for secret in [
        &ciphertext[..40],
        "Geheime Nachricht",
        "Vertrauliche Antwort",
        "Abwesend wegen Kur",
        counselor.as_str(),
        asker.as_str(),
        "bernd-password",
        "utc_offset_minutes",
        "127.0.0.3",
        "127.0.0.4",
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

/// An operator command that must fail: its stderr.
fn operator_refused(data: &Path, args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .args(args)
        .env("PFORTE_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

#[tokio::test]
async fn an_operator_allows_a_website_to_embed_a_topic_gets_its_snippet_and_sighup_lets_it_in() {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    let server = Server::start(data.path());
    let http = reqwest::Client::new();
    let site = "https://www.sucht-hilfe.example";
    let enter_from_site = || {
        http.post(server.url("/api/waiting-room"))
            .header("origin", site)
            .json(&sealed::entry(1))
            .send()
    };
    let refused: Value = enter_from_site().await.unwrap().json().await.unwrap();
    assert_eq!(refused["code"], "origin_not_allowed");

    let bad = operator_refused(
        data.path(),
        &[
            "topic",
            "embed-origins",
            "suchtberatung",
            "--add",
            "http://www.sucht-hilfe.example",
        ],
    );
    assert!(bad.contains("origin_not_https"), "{bad}");
    let said = operator(
        data.path(),
        &["topic", "embed-origins", "suchtberatung", "--add", site],
    );
    assert!(
        said.contains(&format!(
            "Websites that may embed suchtberatung:\n  {site}\n"
        )),
        "{said}"
    );
    assert!(operator(data.path(), &["topic", "list"]).contains(&format!("embedded by: {site}")));
    let snippet = operator(
        data.path(),
        &[
            "topic",
            "snippet",
            "suchtberatung",
            "--base-url",
            "https://chat.example.org",
        ],
    );
    assert_eq!(
        snippet,
        "<script src=\"https://chat.example.org/embed.js\" data-topic=\"suchtberatung\" async></script>\n\
         <noscript><a href=\"https://chat.example.org/asker.html?topic=suchtberatung\">Anonymer Live-Chat: Suchtberatung</a></noscript>\n"
    );
    let no_https = operator_refused(
        data.path(),
        &[
            "topic",
            "snippet",
            "suchtberatung",
            "--base-url",
            "http://chat.example.org",
        ],
    );
    assert!(no_https.contains("base_url_not_https"), "{no_https}");

    server.signal("HUP");
    let mut code = Value::Null;
    for _ in 0..50 {
        let body: Value = enter_from_site().await.unwrap().json().await.unwrap();
        code = body["code"].clone();
        if code != "origin_not_allowed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        code, "gate_closed",
        "let in, and told that nobody is there yet"
    );
}

#[tokio::test]
async fn the_operator_sets_chat_hours_and_seats_with_the_cli_and_bad_ones_are_refused_with_their_codes(
) {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());

    let set = operator(
        data.path(),
        &[
            "topic",
            "hours",
            "suchtberatung",
            "--slot",
            "mo-fr 10:00-12:00",
            "--slot",
            "Mo-Fr 14:00-16:00",
            "--except",
            "2099-12-24:closed",
            "--note",
            "An Feiertagen geschlossen",
        ],
    );
    assert!(
        set.contains("Mo-Fr 10:00-12:00, 14:00-16:00; 2099-12-24 closed"),
        "{set}"
    );
    assert!(set.contains("note: An Feiertagen geschlossen"), "{set}");
    assert!(set.contains("next opening:"), "{set}");

    let overlap = operator_refused(
        data.path(),
        &[
            "topic",
            "hours",
            "suchtberatung",
            "--slot",
            "Mo 10:00-12:00",
            "--slot",
            "Mo 11:00-13:00",
        ],
    );
    assert!(overlap.contains("overlapping_slots"), "{overlap}");
    let zone = operator_refused(
        data.path(),
        &[
            "topic",
            "hours",
            "suchtberatung",
            "--slot",
            "Mo 10:00-12:00",
            "--time-zone",
            "Mars/Base",
        ],
    );
    assert!(zone.contains("unknown_time_zone"), "{zone}");
    let seats = operator_refused(data.path(), &["counselor", "seats", "bernd", "0"]);
    assert!(seats.contains("seats_invalid"), "{seats}");
    // Nothing of the refusals was stored.
    let shown = operator(data.path(), &["topic", "hours", "suchtberatung"]);
    assert!(
        shown.contains("Mo-Fr 10:00-12:00, 14:00-16:00; 2099-12-24 closed"),
        "{shown}"
    );

    let seats = operator(data.path(), &["topic", "seats", "suchtberatung", "2"]);
    assert!(seats.contains("at most 2"), "{seats}");
    let seats = operator(data.path(), &["counselor", "seats", "bernd", "unlimited"]);
    assert!(seats.contains("no seat limit"), "{seats}");
}

#[tokio::test]
async fn an_unknown_time_zone_stops_the_start_with_one_clear_line() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PFORTE_DATA_DIR", data.path())
        .env("PFORTE_TIME_ZONE", "Europe/Atlantis")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown_time_zone"), "{stderr}");
    assert!(stderr.contains("Europe/Atlantis"), "{stderr}");
}

#[tokio::test]
async fn operator_commands_refuse_bad_input_with_one_clear_line_and_make_operators() {
    let data = tempfile::tempdir().unwrap();
    seed(data.path());
    let long_login = "x".repeat(5000);
    for (args, code) in [
        (
            vec![
                "topic",
                "create",
                "--slug",
                "ümlaut slug/?",
                "--name",
                "Umlaut",
            ],
            "slug_invalid",
        ),
        (
            vec!["topic", "create", "--slug", "leer", "--name", "   "],
            "name_empty",
        ),
        (
            vec![
                "counselor",
                "create",
                "--name",
                "dora",
                "--display-name",
                "",
            ],
            "name_empty",
        ),
        (
            vec!["counselor", "create", "--name", long_login.as_str()],
            "login_too_long",
        ),
        (
            vec![
                "counselor",
                "create",
                "--name",
                "dora",
                "--topics",
                "gibt-es-nicht",
            ],
            "unknown_topic",
        ),
        (
            vec!["counselor", "create", "--name", "bernd"],
            "login_taken",
        ),
        (
            vec!["topic", "live-chat", "gibt-es-nicht", "on"],
            "unknown_topic",
        ),
        (
            vec!["counselor", "operator", "niemand", "on"],
            "unknown_counselor",
        ),
        (
            vec!["counselor", "reactivate", "niemand"],
            "unknown_counselor",
        ),
        (
            vec!["topic", "seats", "suchtberatung", "0"],
            "seats_invalid",
        ),
        (
            vec!["counselor", "seats", "bernd", "viele"],
            "seats_invalid",
        ),
        (
            vec![
                "topic",
                "hours",
                "suchtberatung",
                "--slot",
                "Mo 12:00-10:00",
            ],
            "inverted_slot",
        ),
    ] {
        let stderr = operator_refused(data.path(), &args);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(lines[0].contains(code), "{args:?}: {stderr}");
        // Said once: not "the login is empty: the login is empty".
        let (_, said) = lines[0].split_once(&format!("{code}: ")).unwrap();
        if let Some((first, second)) = said.rsplit_once(": ") {
            assert_ne!(first, second, "{args:?}: {stderr}");
        }
        if code == "seats_invalid" {
            assert!(said.contains("a whole number from 1 to 1000"), "{stderr}");
        }
        assert!(
            !stderr.contains("backtrace") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
    let listed = operator(data.path(), &["counselor", "list"]);
    assert!(!listed.contains("dora"), "{listed}");

    let created = operator(
        data.path(),
        &["counselor", "create", "--name", "olga", "--operator"],
    );
    assert!(created.contains("created operator olga"), "{created}");
    assert!(created.contains("one-time"), "{created}");
    let off = operator(data.path(), &["counselor", "operator", "olga", "off"]);
    assert!(off.contains("olga is not an operator"), "{off}");
    let on = operator(data.path(), &["counselor", "operator", "bernd", "on"]);
    assert!(on.contains("bernd is an operator"), "{on}");

    // bernd reaches the console of a running server at once; olga does not.
    let server = Server::start(data.path());
    let http = reqwest::Client::new();
    let token = login(&http, &server).await;
    let topics = http
        .get(server.url("/api/admin/topics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(topics.status(), 200);
    let audit: Value = http
        .get(server.url("/api/admin/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        [
            "counselor_operator",
            "counselor_operator",
            "counselor_created"
        ]
    );
    assert!(audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"] == "cli"));
}
