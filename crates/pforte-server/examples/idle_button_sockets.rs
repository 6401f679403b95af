//! Benchmark: memory of the server per idle chat-button socket (issue 14).
//!
//! Every visitor of a website that embeds the chat button holds one gate socket while the
//! page is visible. This starts the built `pforte-server` binary with a fresh database, lets
//! one website embed a topic, and opens N gate sockets as that website's pages do
//! (`/api/gates/ws?topic=…` with the website's `Origin`), spread over several client
//! addresses (127.0.0.x) so that no address runs out of ports. Each socket answers the
//! server's pings, as a browser does. It prints the growth of the server's resident memory per
//! socket right after they opened and again after a full watcher heartbeat, and fails when
//! that is above `--max-kib` (default: the gate-watcher figure of benches/RESULTS.md, 8.5 KiB,
//! plus a tenth).
//!
//! ```sh
//! cargo build --release -p pforte-server
//! cargo run --release -p pforte-server --example idle_button_sockets -- 10000
//! ```
//!
//! The server holds N sockets and this process N more: raise `ulimit -n` above N + 100.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The website that embeds the topic.
const SITE: &str = "https://www.beratung-beispiel.de";
/// Client addresses to spread the sockets over (127.0.0.1 … 127.0.0.SOURCES).
const SOURCES: u8 = 4;
/// The watcher heartbeat the server runs with (its default).
const WATCHER_HEARTBEAT: Duration = Duration::from_secs(25);

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

async fn gate_socket(
    server: SocketAddr,
    from: Ipv4Addr,
    origin: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    tokio_tungstenite::tungstenite::Error,
> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    let stream = socket.connect(server).await?;
    let mut request = format!("ws://{server}/api/gates/ws?topic=sucht")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    let (socket, _) = tokio_tungstenite::client_async(request, stream).await?;
    Ok(socket)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let max_kib: f64 = flag(&args, "--max-kib")
        .and_then(|v| v.parse().ok())
        .unwrap_or(8.5 * 1.1);
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
    run(&["topic", "embed-origins", "sucht", "--add", SITE]);
    let mut server = Command::new(&binary)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PFORTE_DATA_DIR", data.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let address: SocketAddr = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    // The check is on: a page of another website is refused before the upgrade.
    match gate_socket(address, Ipv4Addr::LOCALHOST, "https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a foreign origin was not refused: {:?}", other.map(|_| ())),
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = server.id();
    let before = rss_kib(pid);

    let started = Instant::now();
    let mut readers = Vec::with_capacity(count);
    for i in 0..count {
        let from = Ipv4Addr::new(127, 0, 0, 1 + (i % usize::from(SOURCES)) as u8);
        let mut socket = gate_socket(address, from, SITE)
            .await
            .unwrap_or_else(|e| panic!("socket {i} from {from}: {e}"));
        let _ready = socket.next().await;
        // Read on, so that the server's pings are answered (as a browser does).
        readers.push(tokio::spawn(async move {
            while let Some(Ok(_)) = socket.next().await {}
        }));
    }
    let opened = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let after_open = rss_kib(pid);
    tokio::time::sleep(WATCHER_HEARTBEAT + Duration::from_secs(5)).await;
    let after_heartbeat = rss_kib(pid);
    let alive = readers.iter().filter(|r| !r.is_finished()).count();

    let per = |rss: u64| rss.saturating_sub(before) as f64 / count as f64;
    println!(
        "idle button sockets: {count} (Origin {SITE}, from {SOURCES} client addresses), \
         opened in {:.1} s, {alive} still open after a heartbeat",
        opened.as_secs_f64()
    );
    println!("server RSS before: {before} KiB");
    println!(
        "per idle button socket, just opened: {:.1} KiB",
        per(after_open)
    );
    println!(
        "per idle button socket, after a {} s heartbeat: {:.1} KiB (bound {max_kib:.1} KiB)",
        WATCHER_HEARTBEAT.as_secs(),
        per(after_heartbeat)
    );
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        alive, count,
        "every socket stays open while it answers pings"
    );
    let worst = per(after_open).max(per(after_heartbeat));
    if worst > max_kib {
        eprintln!("FAILED: {worst:.1} KiB per socket is above {max_kib:.1} KiB");
        std::process::exit(1);
    }
}
