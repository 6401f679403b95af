//! Benchmark: memory of the server per idle WebSocket.
//!
//! Starts the built `pforte-server` binary with a fresh database, opens N idle counselor
//! sockets (one session, many devices) and N idle gate-watcher sockets, and prints the growth
//! of the server's resident memory per socket.
//!
//! ```sh
//! cargo build --release -p pforte-server
//! cargo run --release -p pforte-server --example idle_socket_memory -- 2000
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let binary = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .join("../pforte-server");
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let ok = Command::new(&binary)
            .args(args)
            .env("PFORTE_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "{args:?}");
    };
    run(&[
        "topic",
        "create",
        "--slug",
        "sucht",
        "--name",
        "Sucht",
        "--live-chat",
    ]);
    run(&[
        "counselor",
        "create",
        "--name",
        "bench",
        "--topics",
        "sucht",
        "--password",
        "bench-password",
    ]);
    let mut server = Command::new(&binary)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PFORTE_DATA_DIR", data.path())
        // All sockets come from one address here: lift the per-address limits.
        .env("PFORTE_SOCKETS_PER_ADDRESS", "100000")
        .env("PFORTE_CONNECTIONS_PER_ADDRESS", "100000")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("http://{address}/api/auth/login"))
        .json(&serde_json::json!({"name": "bench", "password": "bench-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = server.id();
    let before = rss_kib(pid);

    let mut sockets = Vec::with_capacity(2 * count);
    for _ in 0..count {
        let mut request = format!("ws://{address}/api/counselor/ws")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let _ready = socket.next().await;
        sockets.push(socket);
    }
    let counselors = rss_kib(pid);
    for _ in 0..count {
        let (mut socket, _) =
            tokio_tungstenite::connect_async(format!("ws://{address}/api/gates/ws"))
                .await
                .unwrap();
        let _ready = socket.next().await;
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let watchers = rss_kib(pid);

    println!("idle sockets: {count} counselor + {count} gate watcher");
    println!("server RSS before: {before} KiB");
    println!(
        "per idle counselor socket: {:.1} KiB",
        (counselors.saturating_sub(before)) as f64 / count as f64
    );
    println!(
        "per idle gate-watcher socket: {:.1} KiB",
        (watchers.saturating_sub(counselors)) as f64 / count as f64
    );
    drop(sockets);
    let _ = server.kill();
    let _ = server.wait();
}
