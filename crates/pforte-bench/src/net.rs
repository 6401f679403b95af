//! The load generator: many WebSockets, each read all the time by its own task, for Pforte,
//! NATS and Mosquitto alike (see [`crate::protocol`] for why no client libraries).
//!
//! Every socket is opened from one of thousands of loopback source addresses in turn
//! (127.1.0.2, 127.1.0.3, …): one address has only ~28 000 ephemeral ports, and a closed
//! socket keeps its port in `TIME_WAIT` for a minute, so tens of thousands of sockets in one
//! run need many. Every socket task keeps reading, so pings are answered (tungstenite queues
//! the pong and writes it on the next read) and events are timed when they arrive.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use pforte_wire::ServerEvent;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use uuid::Uuid;

use crate::protocol::{mqtt, nats};

pub type Ws = WebSocketStream<TcpStream>;

/// How long one socket may take to connect and subscribe.
const DIAL_TIMEOUT: Duration = Duration::from_secs(15);
/// The subject / topic every peer subscriber listens on.
pub const SUBJECT: &str = "gate";
/// The MQTT keep-alive the subscribers send a PINGREQ for (like Pforte's watcher heartbeat).
pub const MQTT_PING_EVERY: Duration = Duration::from_secs(25);
const SOURCES: usize = 4000;

static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);

/// The next loopback source address, round-robin over 4 000 of them.
pub fn next_source() -> IpAddr {
    let i = NEXT_SOURCE.fetch_add(1, Ordering::Relaxed) % SOURCES;
    IpAddr::V4(Ipv4Addr::new(127, 1, (i / 250) as u8, (i % 250 + 2) as u8))
}

/// Small buffers on the client side too: 10 000 sockets of tungstenite's default 128 KiB
/// would be 1.3 GB in the load generator.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(1 << 20))
        .max_frame_size(Some(1 << 20))
}

/// Open a WebSocket from `source` to `target` with some request headers.
pub async fn open(
    source: IpAddr,
    target: SocketAddr,
    path: &str,
    headers: &[(&'static str, String)],
) -> anyhow::Result<Ws> {
    let mut request = format!("ws://{target}{path}").into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse()?);
    }
    let socket = TcpSocket::new_v4()?;
    socket
        .bind(SocketAddr::new(source, 0))
        .with_context(|| format!("binding a client socket to {source}"))?;
    let stream = socket
        .connect(target)
        .await
        .with_context(|| format!("connecting {source} → {target}"))?;
    stream.set_nodelay(true)?;
    let (ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config()))
        .await
        .with_context(|| format!("WebSocket handshake with {target}{path}"))?;
    Ok(ws)
}

/// What a socket task reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// Pforte's `gate_changed`.
    Gate { topic: i64, open: bool },
    /// Pforte's `request_created`.
    Request(Uuid),
    /// Pforte's `request_taken` (to every counselor who was shown the request).
    Taken(Uuid),
    /// A peer's message with this payload.
    Seq(u64),
    /// The socket ended (with why).
    Closed(String),
}

#[derive(Clone, Debug)]
pub struct Arrival {
    pub socket: usize,
    pub at: Instant,
    pub tag: Tag,
}

type Report = mpsc::UnboundedSender<Arrival>;

/// What a subscriber is, and how it is opened.
#[derive(Clone, Debug)]
pub enum Dial {
    /// `GET /api/gates/ws`.
    Watcher { server: SocketAddr },
    /// `GET /api/counselor/ws` with the session's bearer token.
    Counselor { server: SocketAddr, token: String },
    /// `GET /api/asker/ws`, then `{"type":"auth","token":…}`.
    Asker { server: SocketAddr, token: String },
    /// NATS over WebSocket, subscribed to [`SUBJECT`].
    Nats { server: SocketAddr },
    /// MQTT 3.1.1 over WebSocket, subscribed to [`SUBJECT`].
    Mqtt { server: SocketAddr },
}

/// A connected, subscribed socket, ready for its reading task.
pub enum Conn {
    Pforte(Ws),
    Nats(Ws, nats::Parser),
    Mqtt(Ws, mqtt::Parser, usize),
}

async fn next_data(ws: &mut Ws) -> anyhow::Result<Vec<u8>> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Binary(b))) => return Ok(b.to_vec()),
            Some(Ok(Message::Text(t))) => return Ok(t.as_bytes().to_vec()),
            Some(Ok(Message::Close(frame))) => bail!("closed by the server: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(error.into()),
            None => bail!("the server ended the connection"),
        }
    }
}

/// Read until Pforte says `ready` (events before it are not measured).
pub async fn pforte_ready(ws: &mut Ws) -> anyhow::Result<()> {
    loop {
        let data = next_data(ws).await?;
        if let Ok(ServerEvent::Ready) = serde_json::from_slice(&data) {
            return Ok(());
        }
    }
}

/// Open and subscribe a NATS client; with `subscribe`, to [`SUBJECT`].
async fn nats_handshake(
    ws: &mut Ws,
    parser: &mut nats::Parser,
    subscribe: bool,
) -> anyhow::Result<()> {
    loop {
        parser.feed(&next_data(ws).await?);
        match parser.next_op().map_err(|e| anyhow!(e))? {
            Some(nats::Op::Info) => break,
            Some(other) => bail!("NATS said {other:?} before INFO"),
            None => continue,
        }
    }
    let mut hello = nats::connect();
    if subscribe {
        hello.push_str(&nats::sub(SUBJECT, 1));
    }
    hello.push_str(nats::PING);
    ws.send(Message::binary(hello.into_bytes())).await?;
    loop {
        while let Some(op) = parser.next_op().map_err(|e| anyhow!(e))? {
            match op {
                nats::Op::Pong => return Ok(()),
                nats::Op::Ping => {
                    ws.send(Message::binary(nats::PONG.as_bytes().to_vec()))
                        .await?
                }
                nats::Op::Err(error) => bail!("NATS refused: {error}"),
                _ => {}
            }
        }
        parser.feed(&next_data(ws).await?);
    }
}

async fn mqtt_handshake(
    ws: &mut Ws,
    parser: &mut mqtt::Parser,
    id: usize,
    subscribe: bool,
) -> anyhow::Result<()> {
    ws.send(Message::binary(mqtt::connect(&format!("b{id}"), 60)))
        .await?;
    let mut want = mqtt::CONNACK;
    loop {
        while let Some(packet) = parser.next_packet().map_err(|e| anyhow!(e))? {
            match packet.kind {
                mqtt::CONNACK if want == mqtt::CONNACK => {
                    if packet.body.get(1) != Some(&0) {
                        bail!("Mosquitto refused the connection: {:?}", packet.body);
                    }
                    if !subscribe {
                        return Ok(());
                    }
                    ws.send(Message::binary(mqtt::subscribe(1, SUBJECT)))
                        .await?;
                    want = mqtt::SUBACK;
                }
                mqtt::SUBACK if want == mqtt::SUBACK => {
                    if packet.body.get(2) == Some(&0x80) {
                        bail!("Mosquitto refused the subscription");
                    }
                    return Ok(());
                }
                _ => {}
            }
        }
        parser.feed(&next_data(ws).await?);
    }
}

static MQTT_IDS: AtomicUsize = AtomicUsize::new(0);

impl Dial {
    /// Connect and subscribe (bounded in time).
    pub async fn dial(&self) -> anyhow::Result<Conn> {
        timeout(DIAL_TIMEOUT, self.dial_unbounded())
            .await
            .map_err(|_| {
                anyhow!("{self:?} did not connect and subscribe within {DIAL_TIMEOUT:?}")
            })?
    }

    async fn dial_unbounded(&self) -> anyhow::Result<Conn> {
        let source = next_source();
        match self {
            Dial::Watcher { server } => {
                let mut ws = open(source, *server, "/api/gates/ws", &[]).await?;
                pforte_ready(&mut ws).await?;
                Ok(Conn::Pforte(ws))
            }
            Dial::Counselor { server, token } => {
                let mut ws = open(
                    source,
                    *server,
                    "/api/counselor/ws",
                    &[("authorization", format!("Bearer {token}"))],
                )
                .await?;
                pforte_ready(&mut ws).await?;
                Ok(Conn::Pforte(ws))
            }
            Dial::Asker { server, token } => {
                let mut ws = open(source, *server, "/api/asker/ws", &[]).await?;
                let auth = serde_json::json!({"type": "auth", "token": token}).to_string();
                ws.send(Message::text(auth)).await?;
                pforte_ready(&mut ws).await?;
                Ok(Conn::Pforte(ws))
            }
            Dial::Nats { server } => {
                let mut ws = open(source, *server, "/", &[]).await?;
                let mut parser = nats::Parser::default();
                nats_handshake(&mut ws, &mut parser, true).await?;
                Ok(Conn::Nats(ws, parser))
            }
            Dial::Mqtt { server } => {
                let mut ws = open(
                    source,
                    *server,
                    "/",
                    &[("sec-websocket-protocol", "mqtt".into())],
                )
                .await?;
                let mut parser = mqtt::Parser::default();
                let id = MQTT_IDS.fetch_add(1, Ordering::Relaxed);
                mqtt_handshake(&mut ws, &mut parser, id, true).await?;
                Ok(Conn::Mqtt(ws, parser, id))
            }
        }
    }
}

fn pforte_tag(data: &[u8]) -> Option<Tag> {
    match serde_json::from_slice(data).ok()? {
        ServerEvent::GateChanged { topic_id, open } => Some(Tag::Gate {
            topic: topic_id,
            open,
        }),
        ServerEvent::RequestCreated { request, .. } => Some(Tag::Request(request.id)),
        ServerEvent::RequestTaken { request_id, .. } => Some(Tag::Taken(request_id)),
        _ => None,
    }
}

fn seq(payload: &[u8]) -> Option<Tag> {
    std::str::from_utf8(payload)
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Tag::Seq)
}

/// Read a socket until it ends, reporting what the measurements wait for.
async fn read(socket: usize, conn: Conn, report: Report) {
    let why = match conn {
        Conn::Pforte(mut ws) => loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    if let Some(tag) = pforte_tag(text.as_bytes()) {
                        let _ = report.send(Arrival { socket, at, tag });
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    break format!("closed by the server: {frame:?}")
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => break error.to_string(),
                None => break "the server ended the connection".into(),
            }
        },
        Conn::Nats(mut ws, mut parser) => loop {
            let data = match next_data(&mut ws).await {
                Ok(data) => data,
                Err(error) => break error.to_string(),
            };
            let at = Instant::now();
            parser.feed(&data);
            let mut failed = None;
            loop {
                match parser.next_op() {
                    Ok(Some(nats::Op::Msg { payload, .. })) => {
                        if let Some(tag) = seq(&payload) {
                            let _ = report.send(Arrival { socket, at, tag });
                        }
                    }
                    Ok(Some(nats::Op::Ping)) => {
                        let pong = Message::binary(nats::PONG.as_bytes().to_vec());
                        if let Err(error) = ws.send(pong).await {
                            failed = Some(error.to_string());
                            break;
                        }
                    }
                    Ok(Some(nats::Op::Err(error))) => {
                        failed = Some(format!("NATS error: {error}"));
                        break;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => {
                        failed = Some(error);
                        break;
                    }
                }
            }
            if let Some(why) = failed {
                break why;
            }
        },
        Conn::Mqtt(mut ws, mut parser, id) => {
            // Spread the keep-alives over the interval, as real clients started at random.
            let offset = Duration::from_millis((id as u64 * 7919) % 25_000);
            let mut pings = tokio::time::interval_at(Instant::now() + offset, MQTT_PING_EVERY);
            loop {
                tokio::select! {
                    _ = pings.tick() => {
                        if let Err(error) = ws.send(Message::binary(mqtt::pingreq())).await {
                            break error.to_string();
                        }
                    }
                    data = next_data(&mut ws) => {
                        let data = match data {
                            Ok(data) => data,
                            Err(error) => break error.to_string(),
                        };
                        let at = Instant::now();
                        parser.feed(&data);
                        let mut failed = None;
                        loop {
                            match parser.next_packet() {
                                Ok(Some(packet)) if packet.kind == mqtt::PUBLISH => {
                                    if let Some(tag) = mqtt::publish_parts(&packet.body).and_then(|(_, p)| seq(p)) {
                                        let _ = report.send(Arrival { socket, at, tag });
                                    }
                                }
                                // PINGRESP, or a SUBACK come late: nothing to time.
                                Ok(Some(packet)) if packet.kind == mqtt::PINGRESP => {}
                                Ok(Some(_)) => {}
                                Ok(None) => break,
                                Err(error) => { failed = Some(error); break; }
                            }
                        }
                        if let Some(why) = failed {
                            break why;
                        }
                    }
                }
            }
        }
    };
    let _ = report.send(Arrival {
        socket,
        at: Instant::now(),
        tag: Tag::Closed(why),
    });
}

/// Many subscribed sockets, each read by its own task; what they receive comes out of
/// [`Fleet::collect`]. Dropping the fleet (or [`Fleet::truncate`]) closes the sockets.
pub struct Fleet {
    pub name: String,
    tasks: Vec<JoinHandle<()>>,
    report: Report,
    arrivals: mpsc::UnboundedReceiver<Arrival>,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Fleet {
    pub fn new(name: impl Into<String>) -> Self {
        let (report, arrivals) = mpsc::unbounded_channel();
        Self {
            name: name.into(),
            tasks: Vec::new(),
            report,
            arrivals,
        }
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Close all sockets from index `keep` on.
    pub fn truncate(&mut self, keep: usize) {
        for task in self.tasks.drain(keep.min(self.tasks.len())..) {
            task.abort();
        }
    }

    /// Open sockets until there are `to`, `parallel` at a time, socket `i` with
    /// `dials[i % dials.len()]`, within `limit` in all.
    pub async fn grow(
        &mut self,
        dials: &[Dial],
        to: usize,
        parallel: usize,
        limit: Duration,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(!dials.is_empty(), "nothing to dial");
        let mut pending = JoinSet::new();
        let mut next = self.tasks.len();
        // Each socket is read from the moment it is open: a counselor's socket that does not
        // answer pings for 9 s is closed by the server.
        let mut done: Vec<(usize, JoinHandle<()>)> = Vec::new();
        let result = self
            .grow_into(
                dials,
                to,
                parallel,
                limit,
                &mut pending,
                &mut next,
                &mut done,
            )
            .await;
        done.sort_by_key(|(index, _)| *index);
        match result {
            Ok(()) => {
                self.tasks.extend(done.into_iter().map(|(_, task)| task));
                Ok(())
            }
            Err(error) => {
                for (_, task) in done {
                    task.abort();
                }
                Err(error)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn grow_into(
        &self,
        dials: &[Dial],
        to: usize,
        parallel: usize,
        limit: Duration,
        pending: &mut JoinSet<(usize, anyhow::Result<Conn>)>,
        next: &mut usize,
        done: &mut Vec<(usize, JoinHandle<()>)>,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        let start_len = self.tasks.len();
        while start_len + done.len() < to {
            while *next < to && pending.len() < parallel {
                let dial = dials[*next % dials.len()].clone();
                let index = *next;
                pending.spawn(async move { (index, dial.dial().await) });
                *next += 1;
            }
            let joined = tokio::time::timeout_at(deadline, pending.join_next())
                .await
                .map_err(|_| {
                    anyhow!(
                        "{}: only {} of {to} sockets connected within {limit:?}",
                        self.name,
                        start_len + done.len()
                    )
                })?;
            match joined {
                Some(Ok((index, Ok(conn)))) => {
                    let task = tokio::spawn(read(index, conn, self.report.clone()));
                    done.push((index, task));
                }
                Some(Ok((index, Err(error)))) => {
                    return Err(error.context(format!("{}: socket {index}", self.name)))
                }
                Some(Err(error)) => bail!("{}: a dialing task failed: {error}", self.name),
                None => break,
            }
        }
        Ok(())
    }

    /// Forget what arrived so far.
    pub fn drain(&mut self) -> anyhow::Result<()> {
        while let Ok(arrival) = self.arrivals.try_recv() {
            if let Tag::Closed(why) = arrival.tag {
                bail!("{}: socket {} ended: {why}", self.name, arrival.socket);
            }
        }
        Ok(())
    }

    /// Wait until `count` arrivals match `want` (at most one per socket), within `limit`.
    /// A socket that ends meanwhile fails the measurement.
    pub async fn collect(
        &mut self,
        count: usize,
        want: impl Fn(&Tag) -> bool,
        limit: Duration,
        what: &str,
    ) -> anyhow::Result<Vec<Arrival>> {
        self.collect_where(count, |a| want(&a.tag), limit, what)
            .await
    }

    /// [`Fleet::collect`], judging the whole arrival (e.g. which socket it came from).
    pub async fn collect_where(
        &mut self,
        count: usize,
        want: impl Fn(&Arrival) -> bool,
        limit: Duration,
        what: &str,
    ) -> anyhow::Result<Vec<Arrival>> {
        let deadline = Instant::now() + limit;
        let mut seen = std::collections::HashSet::new();
        let mut got = Vec::with_capacity(count);
        while got.len() < count {
            let arrival = tokio::time::timeout_at(deadline, self.arrivals.recv())
                .await
                .map_err(|_| {
                    anyhow!(
                        "{}: only {} of {count} sockets got {what} within {limit:?}",
                        self.name,
                        got.len()
                    )
                })?
                .ok_or_else(|| anyhow!("{}: the fleet is gone", self.name))?;
            if let Tag::Closed(why) = &arrival.tag {
                bail!(
                    "{}: socket {} ended while waiting for {what}: {why}",
                    self.name,
                    arrival.socket
                );
            }
            if want(&arrival) && seen.insert(arrival.socket) {
                got.push(arrival);
            }
        }
        Ok(got)
    }
}

/// A peer's publisher: a task that sends what it is given and answers the server's pings.
pub struct Publisher {
    send: mpsc::Sender<Vec<u8>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Publisher {
    pub async fn nats(server: SocketAddr) -> anyhow::Result<Self> {
        let mut ws = open(next_source(), server, "/", &[]).await?;
        let mut parser = nats::Parser::default();
        timeout(DIAL_TIMEOUT, nats_handshake(&mut ws, &mut parser, false))
            .await
            .map_err(|_| anyhow!("the NATS publisher did not connect in time"))??;
        let (send, mut queue) = mpsc::channel::<Vec<u8>>(16);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    payload = queue.recv() => {
                        let Some(payload) = payload else { return Ok(()) };
                        let text = nats::publish(SUBJECT, std::str::from_utf8(&payload)?);
                        ws.send(Message::binary(text.into_bytes())).await?;
                    }
                    data = next_data(&mut ws) => {
                        parser.feed(&data?);
                        while let Some(op) = parser.next_op().map_err(|e| anyhow!(e))? {
                            if op == nats::Op::Ping {
                                ws.send(Message::binary(nats::PONG.as_bytes().to_vec())).await?;
                            }
                        }
                    }
                }
            }
        });
        Ok(Self { send, task })
    }

    pub async fn mqtt(server: SocketAddr) -> anyhow::Result<Self> {
        let mut ws = open(
            next_source(),
            server,
            "/",
            &[("sec-websocket-protocol", "mqtt".into())],
        )
        .await?;
        let mut parser = mqtt::Parser::default();
        let id = MQTT_IDS.fetch_add(1, Ordering::Relaxed);
        timeout(
            DIAL_TIMEOUT,
            mqtt_handshake(&mut ws, &mut parser, id, false),
        )
        .await
        .map_err(|_| anyhow!("the MQTT publisher did not connect in time"))??;
        let (send, mut queue) = mpsc::channel::<Vec<u8>>(16);
        let task = tokio::spawn(async move {
            let mut pings = tokio::time::interval(MQTT_PING_EVERY);
            loop {
                tokio::select! {
                    payload = queue.recv() => {
                        let Some(payload) = payload else { return Ok(()) };
                        ws.send(Message::binary(mqtt::publish(SUBJECT, &payload))).await?;
                    }
                    _ = pings.tick() => ws.send(Message::binary(mqtt::pingreq())).await?,
                    data = next_data(&mut ws) => parser.feed(&data?),
                }
            }
        });
        Ok(Self { send, task })
    }

    /// Publish `seq`; returns when the publisher task has it.
    pub async fn publish(&self, seq: u64) -> anyhow::Result<()> {
        if self.task.is_finished() {
            bail!("the publisher's connection ended");
        }
        timeout(
            Duration::from_secs(5),
            self.send.send(seq.to_string().into_bytes()),
        )
        .await
        .map_err(|_| anyhow!("the publisher is stuck"))?
        .map_err(|_| anyhow!("the publisher's connection ended"))
    }
}
