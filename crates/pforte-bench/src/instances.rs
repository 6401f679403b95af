//! Issue 9's figures: three `pforte-server` processes on one fresh PostgreSQL database as one
//! service, beside a single instance on a fresh SQLite database, measured by the same code in
//! the same run. "A" is the first instance, "B" another one (for the single instance both are
//! the same process): the counselor is on A, the askers and gate watchers on B.
//!
//! Then, on the several instances only: kill -9 of the instance holding the only available
//! counselor (time until the gate watchers on another instance see the gate closed), and a
//! rolling restart (SIGTERM each instance in turn, start it again) watched by gate watchers
//! and waiting askers that reconnect to the next instance when told to (close code 1012).
//!
//! PostgreSQL: `PFORTE_TEST_POSTGRES` (what `scripts/lib.sh`'s `ensure_postgres` exports) or
//! the machine's server on 127.0.0.1:5432 (user postgres); a fresh database per run, dropped
//! at the end. Where none answers, the part is skipped with a line saying so.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, ensure, Context};
use futures_util::{SinkExt, StreamExt};
use pforte_wire::{AskerStatus, ServerEvent};
use reqwest::StatusCode;
use sqlx::{Connection, Executor};
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout, Instant};
use tokio_tungstenite::tungstenite::Message;

use crate::api::Api;
use crate::net::{self, Dial, Fleet, Tag};
use crate::report::{self, Chats, Entry, FanOut, Instances, Kill, Race, Rolling};
use crate::server::{self, Process};
use crate::stats::{millis, summarize, Summary};
use crate::{log, Checks, Plan, PARALLEL_DIALS, PASSWORD};

/// `pforte-server`'s lease settings (`reception::LEASE`, renewed every third of it in
/// `app.rs`, lapsed leases looked for every second): the bound a kill -9 is judged against.
const LEASE_S: f64 = 6.0;
const RENEW_S: f64 = 2.0;
const CHECK_S: f64 = 1.0;
/// How many instances form the service.
pub const INSTANCES: usize = 3;

const TOPICS: [&str; 5] = ["gate", "race", "chat", "roll", "lost"];

/// The PostgreSQL server (a URL without database).
pub fn postgres_server() -> String {
    std::env::var("PFORTE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_owned()
}

/// A fresh database on the PostgreSQL server, dropped by [`Database::drop_it`].
pub struct Database {
    server: String,
    name: String,
    pub url: String,
}

impl Database {
    /// Create one, or say why not (nothing answers, no permission).
    pub async fn create(server: &str) -> anyhow::Result<Self> {
        let mut admin = timeout(
            Duration::from_secs(5),
            sqlx::PgConnection::connect(&format!("{server}/postgres")),
        )
        .await
        .map_err(|_| anyhow!("no answer from {server} within 5 s"))?
        .with_context(|| format!("connecting to {server}"))?;
        let name = format!("pforte_bench_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .with_context(|| format!("creating database {name} on {server}"))?;
        let _ = admin.close().await;
        Ok(Self {
            server: server.to_owned(),
            url: format!("{server}/{name}"),
            name,
        })
    }

    pub async fn drop_it(self) -> anyhow::Result<()> {
        let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", self.server)).await?;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await?;
        Ok(())
    }
}

/// One server process of a service.
struct Node {
    process: Option<Process>,
    port: u16,
    address: SocketAddr,
    api: Api,
    data: PathBuf,
}

/// A service: one SQLite instance, or several instances on one PostgreSQL database.
struct Service {
    store: &'static str,
    nodes: Vec<Node>,
    binary: PathBuf,
    extra: Vec<(&'static str, String)>,
    tokens: HashMap<String, String>,
    topics: HashMap<&'static str, i64>,
    starts: usize,
}

fn race_names(plan: &Plan) -> Vec<String> {
    (0..plan.race).map(|i| format!("r{i:03}")).collect()
}

impl Service {
    fn label(&self) -> String {
        format!("{} × {}", self.nodes.len(), self.store)
    }

    fn a(&self) -> &Node {
        &self.nodes[0]
    }

    fn b(&self) -> &Node {
        &self.nodes[1 % self.nodes.len()]
    }

    fn node(&self, i: usize) -> &Node {
        &self.nodes[i % self.nodes.len()]
    }

    fn token(&self, name: &str) -> anyhow::Result<String> {
        self.tokens
            .get(name)
            .cloned()
            .ok_or_else(|| anyhow!("{name} is not logged in"))
    }

    fn topic(&self, slug: &str) -> anyhow::Result<i64> {
        self.topics
            .get(slug)
            .copied()
            .ok_or_else(|| anyhow!("no topic {slug}"))
    }

    /// Seed with the operator CLI, start `n` instances, log everybody in.
    async fn start(
        plan: &Plan,
        binary: &Path,
        folder: &Path,
        database: Option<String>,
        n: usize,
        started: Instant,
    ) -> anyhow::Result<Self> {
        let store = if database.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        std::fs::create_dir_all(folder)?;
        let db = database.as_deref();
        for slug in TOPICS {
            server::operator_on(
                binary,
                folder,
                db,
                &[
                    "topic",
                    "create",
                    "--slug",
                    slug,
                    "--name",
                    slug,
                    "--live-chat",
                ],
            )
            .await?;
        }
        let mut accounts: Vec<(String, &str)> = vec![
            ("gatekeeper".into(), "gate"),
            ("chatter".into(), "chat"),
            ("roller".into(), "roll"),
            ("goner".into(), "lost"),
        ];
        accounts.extend(race_names(plan).into_iter().map(|n| (n, "race")));
        let names: Vec<String> = accounts.iter().map(|(n, _)| n.clone()).collect();
        let created: Vec<anyhow::Result<String>> = futures_util::stream::iter(accounts)
            .map(|(name, topic)| async move {
                server::operator_on(
                    binary,
                    folder,
                    db,
                    &[
                        "counselor",
                        "create",
                        "--name",
                        &name,
                        "--topics",
                        topic,
                        "--password",
                        PASSWORD,
                    ],
                )
                .await
            })
            .buffer_unordered(4)
            .collect()
            .await;
        for result in created {
            result?;
        }
        let mut extra = Vec::new();
        if let Some(url) = &database {
            extra.push(("PFORTE_DATABASE_URL", url.clone()));
        }
        if let Some(handover) = plan.handover {
            extra.push(("PFORTE_HANDOVER", format!("{}s", handover.as_secs())));
        }
        let mut service = Self {
            store,
            nodes: Vec::new(),
            binary: binary.to_owned(),
            extra,
            tokens: HashMap::new(),
            topics: HashMap::new(),
            starts: 0,
        };
        for i in 0..n {
            // Each instance its own folder (its log); with SQLite the one folder is the data.
            let data = if n == 1 {
                folder.to_owned()
            } else {
                folder.join(format!("instance-{i}"))
            };
            std::fs::create_dir_all(&data)?;
            let node = service.launch(data, server::free_port()?).await?;
            service.nodes.push(node);
        }
        log(
            started,
            format!(
                "{}: listening on {}",
                service.label(),
                service
                    .nodes
                    .iter()
                    .map(|n| n.address.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for slug in TOPICS {
            service
                .topics
                .insert(slug, service.a().api.topic_id(slug).await?);
        }
        let api = service.a().api.clone();
        let logged: Vec<anyhow::Result<(String, String)>> = futures_util::stream::iter(names)
            .map(|name| {
                let api = api.clone();
                async move {
                    let (token, _) = api.login(&name, PASSWORD).await?;
                    Ok((name, token))
                }
            })
            .buffer_unordered(4)
            .collect()
            .await;
        for result in logged {
            let (name, token) = result?;
            service.tokens.insert(name, token);
        }
        Ok(service)
    }

    /// Start one instance on `port`.
    async fn launch(&mut self, data: PathBuf, port: u16) -> anyhow::Result<Node> {
        self.starts += 1;
        let (process, address) =
            server::start_pforte_on(&self.binary, &data, self.starts, port, &self.extra).await?;
        Ok(Node {
            process: Some(process),
            port,
            address,
            api: Api::new(address)?,
            data,
        })
    }

    /// Start instance `i` again (same port, same folder); how long until it listened.
    async fn relaunch(&mut self, i: usize) -> anyhow::Result<Duration> {
        let at = Instant::now();
        let (data, port) = (self.nodes[i].data.clone(), self.nodes[i].port);
        let node = self.launch(data, port).await?;
        self.nodes[i] = node;
        Ok(at.elapsed())
    }

    /// Wait until every instance says the gate of `slug` is `open`.
    async fn until_gate(&self, slug: &str, open: bool) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        for node in &self.nodes {
            while node.api.gate_open(slug).await? != open {
                ensure!(
                    Instant::now() < deadline,
                    "{}: the gate of {slug} did not become {} on {} within 15 s",
                    self.label(),
                    if open { "open" } else { "closed" },
                    node.address
                );
                sleep(Duration::from_millis(10)).await;
            }
        }
        Ok(())
    }

    fn counselor(&self, node: &Node, name: &str) -> anyhow::Result<Dial> {
        Ok(Dial::Counselor {
            server: node.address,
            token: self.token(name)?,
        })
    }

    async fn socket(&self, node: &Node, name: &str) -> anyhow::Result<Fleet> {
        let mut fleet = Fleet::new(format!("{name}'s socket on {}", node.address));
        fleet
            .grow(
                &[self.counselor(node, name)?],
                1,
                1,
                Duration::from_secs(20),
            )
            .await?;
        Ok(fleet)
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        let mut first_error = None;
        for node in &mut self.nodes {
            if let Some(process) = node.process.take() {
                if let Err(error) = process.stop(Duration::from_secs(60)).await {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Gate change on A → the watchers on B.
async fn gate(plan: &Plan, s: &Service) -> anyhow::Result<FanOut> {
    let topic = s.topic("gate")?;
    let token = s.token("gatekeeper")?;
    let _keeper = s.socket(s.a(), "gatekeeper").await?;
    let k = plan.instance_watchers;
    let mut fleet = Fleet::new(format!("gate watchers on B ({})", s.label()));
    fleet
        .grow(
            &[Dial::Watcher {
                server: s.b().address,
            }],
            k,
            PARALLEL_DIALS,
            plan.connect_limit(k),
        )
        .await?;
    sleep(plan.settle).await;
    fleet.drain()?;
    let mut per_event = Vec::new();
    let mut answers = Vec::new();
    for i in 0..plan.events {
        let open = i % 2 == 0;
        let at = Instant::now();
        answers.push(millis(s.a().api.availability(&token, open).await?));
        let arrivals = fleet
            .collect(
                k,
                |tag| *tag == Tag::Gate { topic, open },
                Duration::from_secs(30),
                &format!("gate change {i}"),
            )
            .await?;
        per_event.push(
            arrivals
                .iter()
                .map(|a| millis(a.at.saturating_duration_since(at)))
                .collect::<Vec<f64>>(),
        );
        sleep(Duration::from_millis(100)).await;
    }
    Ok(FanOut::from_events(report::PFORTE, k, &per_event, &answers))
}

/// Asker entry on B → the counselor on A, then the accept race with the counselors spread
/// over the instances (and the asker entering through each in turn).
async fn entry_and_race(plan: &Plan, s: &Service) -> anyhow::Result<(Entry, Race, Summary)> {
    let topic = s.topic("race")?;
    let names = race_names(plan);
    let tokens: Vec<String> = names
        .iter()
        .map(|n| s.token(n))
        .collect::<anyhow::Result<_>>()?;
    let dials: Vec<Dial> = names
        .iter()
        .enumerate()
        .map(|(i, n)| s.counselor(s.node(i), n))
        .collect::<anyhow::Result<_>>()?;
    let mut fleet = Fleet::new(format!("race counselors ({})", s.label()));
    fleet
        .grow(
            &dials,
            dials.len(),
            PARALLEL_DIALS,
            plan.connect_limit(dials.len()),
        )
        .await?;

    // One counselor available, on A.
    s.a().api.availability(&tokens[0], true).await?;
    s.until_gate("race", true).await?;
    fleet.drain()?;
    let mut delivery = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..plan.entry_rounds {
        let at = Instant::now();
        let (entered, answer) = s.b().api.enter(topic).await?;
        let id = entered.request_id;
        let got = fleet
            .collect(
                1,
                |t| *t == Tag::Request(id),
                Duration::from_secs(10),
                "request_created",
            )
            .await?;
        ensure!(
            got[0].socket == 0,
            "request_created reached counselor {} who is not available",
            got[0].socket
        );
        delivery.push(got[0].at.saturating_duration_since(at));
        answers.push(answer);
        s.a().api.accept_won(&tokens[0], id).await?;
    }
    let entry = Entry {
        counselors: 1,
        rounds: plan.entry_rounds,
        delivery: summarize(&delivery),
        to_all: summarize(&delivery),
        answer: summarize(&answers),
    };

    // All of them available, each through their own instance.
    for (i, token) in tokens.iter().enumerate().skip(1) {
        s.node(i).api.availability(token, true).await?;
    }
    sleep(plan.settle).await;
    fleet.drain()?;
    let mut all_answered = Vec::new();
    let mut losers_told = Vec::new();
    let mut winners = Vec::new();
    for round in 0..plan.race_rounds {
        let (entered, _) = s.node(round).api.enter(topic).await?;
        let id = entered.request_id;
        fleet
            .collect(
                tokens.len(),
                |t| *t == Tag::Request(id),
                Duration::from_secs(30),
                "request_created",
            )
            .await?;
        let start = Instant::now();
        let accepts =
            futures_util::future::join_all(tokens.iter().enumerate().map(|(i, token)| {
                let api = s.node(i).api.clone();
                async move {
                    let (status, took) = api.accept(token, id).await?;
                    Ok::<_, anyhow::Error>((status, took, Instant::now()))
                }
            }));
        let results = timeout(Duration::from_secs(60), accepts)
            .await
            .map_err(|_| {
                anyhow!("race round {round}: not every accept was answered within 60 s")
            })?;
        let mut winner = None;
        let mut lost = 0;
        let mut last = start;
        for (i, result) in results.into_iter().enumerate() {
            let (status, took, done) = result?;
            last = last.max(done);
            match status {
                StatusCode::OK => {
                    ensure!(
                        winner.is_none(),
                        "race round {round}: a second accept won (counselor {i})"
                    );
                    winner = Some(i);
                    winners.push(took);
                }
                StatusCode::CONFLICT => lost += 1,
                other => bail!("race round {round}: an accept was answered {other}"),
            }
        }
        let winner = winner.ok_or_else(|| anyhow!("race round {round}: nobody won"))?;
        ensure!(
            lost == tokens.len() - 1,
            "race round {round}: {lost} lost of {} (exactly one must win)",
            tokens.len()
        );
        all_answered.push(last.saturating_duration_since(start));
        let told = fleet
            .collect_where(
                tokens.len() - 1,
                |a| a.tag == Tag::Taken(id) && a.socket != winner,
                Duration::from_secs(30),
                "request_taken",
            )
            .await?;
        losers_told.push(
            told.iter()
                .map(|a| a.at.saturating_duration_since(start))
                .max()
                .unwrap_or_default(),
        );
        sleep(Duration::from_millis(100)).await;
        fleet.drain()?;
    }
    for (i, token) in tokens.iter().enumerate() {
        s.node(i).api.availability(token, false).await?;
    }
    let race = Race {
        counselors: tokens.len(),
        rounds: plan.race_rounds,
        all_answered: summarize(&all_answered),
        winner: summarize(&winners),
    };
    Ok((entry, race, summarize(&losers_told)))
}

/// Acknowledged messages in closed loops: askers on B, the counselor on A.
async fn chats(plan: &Plan, s: &Service) -> anyhow::Result<Vec<Chats>> {
    let topic = s.topic("chat")?;
    let token = s.token("chatter")?;
    let _socket = s.socket(s.a(), "chatter").await?;
    s.a().api.availability(&token, true).await?;
    s.until_gate("chat", true).await?;
    let mut out = Vec::new();
    for &n in &plan.chats {
        let mut askers = Vec::new();
        for _ in 0..n {
            let (entered, _) = s.b().api.enter(topic).await?;
            s.a().api.accept_won(&token, entered.request_id).await?;
            askers.push(entered.token);
        }
        let start = Instant::now();
        let deadline = start + plan.chat_time;
        let loops = askers.iter().cloned().enumerate().map(|(i, asker)| {
            let api = s.b().api.clone();
            tokio::spawn(async move {
                let mut acks = Vec::new();
                while Instant::now() < deadline {
                    let text = format!("Nachricht {} aus Chat {i}", acks.len());
                    acks.push(api.asker_message(&asker, &text).await?);
                }
                Ok::<_, anyhow::Error>(acks)
            })
        });
        let joined = timeout(
            plan.chat_time + Duration::from_secs(60),
            futures_util::future::join_all(loops),
        )
        .await
        .map_err(|_| anyhow!("{n} chats: the loops did not end within 60 s of their time"))?;
        let seconds = start.elapsed().as_secs_f64();
        let mut acks = Vec::new();
        for result in joined {
            acks.extend(result??);
        }
        out.push(Chats {
            chats: n,
            messages: acks.len(),
            seconds,
            per_s: acks.len() as f64 / seconds,
            ack: summarize(&acks),
        });
        for asker in &askers {
            s.b().api.asker_end(asker).await?;
        }
    }
    s.a().api.availability(&token, false).await?;
    Ok(out)
}

/// kill -9 of the last instance while it holds the only available counselor; watchers on the
/// first. The instance is started again after each round.
async fn kill(plan: &Plan, s: &mut Service, started: Instant) -> anyhow::Result<Kill> {
    ensure!(s.nodes.len() >= 2, "kill -9 needs two instances");
    let topic = s.topic("lost")?;
    let token = s.token("goner")?;
    let victim = s.nodes.len() - 1;
    let mut closed = Vec::new();
    for round in 0..plan.kill_rounds {
        let mut watchers = Fleet::new("gate watchers on A");
        watchers
            .grow(
                &[Dial::Watcher {
                    server: s.a().address,
                }],
                plan.kill_watchers,
                PARALLEL_DIALS,
                plan.connect_limit(plan.kill_watchers),
            )
            .await?;
        let mut socket = s.socket(&s.nodes[victim], "goner").await?;
        s.nodes[victim].api.availability(&token, true).await?;
        watchers
            .collect(
                plan.kill_watchers,
                |t| *t == Tag::Gate { topic, open: true },
                Duration::from_secs(10),
                "the gate opening",
            )
            .await?;
        let process = s.nodes[victim]
            .process
            .take()
            .ok_or_else(|| anyhow!("the instance is not running"))?;
        let at = Instant::now();
        process.kill().await?;
        let got = watchers
            .collect(
                plan.kill_watchers,
                |t| *t == Tag::Gate { topic, open: false },
                Duration::from_secs(30),
                "the gate closing after kill -9",
            )
            .await?;
        let took = got
            .iter()
            .map(|a| a.at.saturating_duration_since(at))
            .max()
            .unwrap_or_default();
        log(
            started,
            format!(
                "kill -9 round {round}: the watchers on another instance saw the gate closed after {:.2} s",
                took.as_secs_f64()
            ),
        );
        closed.push(took);
        socket.truncate(0);
        drop(socket);
        s.relaunch(victim).await?;
    }
    Ok(Kill {
        rounds: plan.kill_rounds,
        closed: summarize(&closed),
        lease_s: LEASE_S,
        renew_s: RENEW_S,
        check_s: CHECK_S,
    })
}

/// What the reconnecting clients of the rolling restart saw.
#[derive(Default)]
struct Seen {
    reconnects: AtomicUsize,
    gate_closed: AtomicUsize,
    closing: AtomicUsize,
    connected: AtomicUsize,
}

#[derive(Clone)]
enum Who {
    Watcher,
    Asker(String),
    Counselor(String),
}

/// A client that, whenever its socket ends (1012 from an instance going down), reconnects
/// at once to the next instance, and counts every sign of closing it receives.
fn reconnecting(
    addresses: Vec<SocketAddr>,
    first: usize,
    who: Who,
    topic: i64,
    seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut next = first;
        let mut was_connected = false;
        while !stop.load(Ordering::Relaxed) {
            let address = addresses[next % addresses.len()];
            next += 1;
            let source = net::next_source();
            let opened = timeout(Duration::from_secs(5), async {
                let mut ws = match &who {
                    Who::Watcher => net::open(source, address, "/api/gates/ws", &[]).await?,
                    Who::Counselor(token) => {
                        net::open(
                            source,
                            address,
                            "/api/counselor/ws",
                            &[("authorization", format!("Bearer {token}"))],
                        )
                        .await?
                    }
                    Who::Asker(token) => {
                        let mut ws = net::open(source, address, "/api/asker/ws", &[]).await?;
                        let auth = serde_json::json!({"type": "auth", "token": token});
                        ws.send(Message::text(auth.to_string())).await?;
                        ws
                    }
                };
                net::pforte_ready(&mut ws).await?;
                Ok::<_, anyhow::Error>(ws)
            })
            .await;
            let Ok(Ok(mut ws)) = opened else {
                sleep(Duration::from_millis(20)).await;
                continue;
            };
            if was_connected {
                seen.reconnects.fetch_add(1, Ordering::Relaxed);
            }
            was_connected = true;
            seen.connected.fetch_add(1, Ordering::Relaxed);
            while let Some(Ok(message)) = ws.next().await {
                let Message::Text(text) = message else {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                    continue;
                };
                match serde_json::from_str::<ServerEvent>(&text) {
                    Ok(ServerEvent::GateChanged {
                        topic_id,
                        open: false,
                    }) if topic_id == topic => {
                        seen.gate_closed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(ServerEvent::WaitingRoomClosing { .. }) => {
                        seen.closing.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
            seen.connected.fetch_sub(1, Ordering::Relaxed);
        }
    })
}

async fn until_connected(seen: &Seen, clients: usize, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while seen.connected.load(Ordering::Relaxed) < clients {
        ensure!(
            Instant::now() < deadline,
            "only {} of {clients} clients connected within {limit:?}",
            seen.connected.load(Ordering::Relaxed)
        );
        sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The asker's place, or why it has none.
async fn place(api: &Api, token: &str) -> anyhow::Result<Result<u32, String>> {
    Ok(match api.asker_state(token).await?.status {
        AskerStatus::Waiting { position, .. } => Ok(position),
        other => Err(format!("{other:?}")),
    })
}

/// SIGTERM each instance in turn and start it again, with the counselor, gate watchers and
/// waiting askers reconnecting as the web pages do.
async fn rolling(plan: &Plan, s: &mut Service, started: Instant) -> anyhow::Result<Rolling> {
    let topic = s.topic("roll")?;
    let token = s.token("roller")?;
    let addresses: Vec<SocketAddr> = s.nodes.iter().map(|n| n.address).collect();
    let seen = Arc::new(Seen::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = vec![reconnecting(
        addresses.clone(),
        0,
        Who::Counselor(token.clone()),
        topic,
        seen.clone(),
        stop.clone(),
    )];
    until_connected(&seen, 1, Duration::from_secs(10)).await?;
    s.a().api.availability(&token, true).await?;
    if let Err(error) = s.until_gate("roll", true).await {
        let mut views = String::new();
        for node in &s.nodes {
            let me = node.api.me_text(&token).await?;
            views.push_str(&format!("\n{}: {me}", node.address));
        }
        bail!("{error}; the counselor as each instance sees them:{views}");
    }
    let mut askers = Vec::new();
    for i in 0..plan.roll_askers {
        let (entered, _) = s.node(i).api.enter(topic).await?;
        tasks.push(reconnecting(
            addresses.clone(),
            i,
            Who::Asker(entered.token.clone()),
            topic,
            seen.clone(),
            stop.clone(),
        ));
        askers.push(entered.token);
    }
    for i in 0..plan.roll_watchers {
        tasks.push(reconnecting(
            addresses.clone(),
            i,
            Who::Watcher,
            topic,
            seen.clone(),
            stop.clone(),
        ));
    }
    let clients = tasks.len();
    until_connected(&seen, clients, Duration::from_secs(30)).await?;
    let mut before = Vec::new();
    for asker in &askers {
        before.push(place(&s.a().api, asker).await?);
    }

    let at = Instant::now();
    let mut stops = Vec::new();
    let mut starts = Vec::new();
    for i in 0..s.nodes.len() {
        let process = s.nodes[i]
            .process
            .take()
            .ok_or_else(|| anyhow!("instance {i} is not running"))?;
        let stopping = Instant::now();
        process.stop(Duration::from_secs(60)).await?;
        stops.push(stopping.elapsed());
        starts.push(s.relaunch(i).await?);
        log(
            started,
            format!(
                "rolling restart: instance {i} stopped after {:.2} s, listening again after {:.2} s",
                stops[i].as_secs_f64(),
                starts[i].as_secs_f64()
            ),
        );
        until_connected(&seen, clients, Duration::from_secs(30)).await?;
    }
    let seconds = at.elapsed().as_secs_f64();
    // The handover of the last instance ends after its window: watch until then and a bit.
    let watched = plan.handover.unwrap_or(Duration::from_secs(15)) + Duration::from_secs(2);
    sleep(watched).await;
    s.until_gate("roll", true).await?;
    let mut places_lost = 0;
    for (asker, then) in askers.iter().zip(&before) {
        let now = place(&s.a().api, asker).await?;
        if now != *then || then.is_err() {
            places_lost += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for task in &tasks {
        task.abort();
    }
    s.a().api.availability(&token, false).await?;
    Ok(Rolling {
        instances: s.nodes.len(),
        seconds,
        stop: summarize(&stops),
        start: summarize(&starts),
        watched_s: (at.elapsed().as_secs_f64() - seconds).round(),
        watchers: plan.roll_watchers,
        askers: askers.len(),
        reconnects: seen.reconnects.load(Ordering::Relaxed),
        gate_closed_seen: seen.gate_closed.load(Ordering::Relaxed),
        closing_seen: seen.closing.load(Ordering::Relaxed),
        places_lost,
    })
}

/// The common measurements of one service.
async fn measure(
    plan: &Plan,
    s: &Service,
    checks: &mut Checks,
    started: Instant,
) -> report::Service {
    let mut out = report::Service {
        instances: s.nodes.len(),
        store: s.store.into(),
        ..report::Service::default()
    };
    let label = s.label();
    log(
        started,
        format!("{label}: gate change on A → watchers on B"),
    );
    if let Some(g) = checks.keep(
        started,
        &format!("{label}: gate change → watchers on another instance"),
        gate(plan, s).await,
    ) {
        out.gate = Some(g);
    }
    log(
        started,
        format!("{label}: entry on B → counselor on A, accept race"),
    );
    if let Some((entry, race, told)) = checks.keep(
        started,
        &format!("{label}: entry → counselor on another instance, accept race"),
        entry_and_race(plan, s).await,
    ) {
        out.entry = Some(entry);
        out.race = Some(race);
        out.losers_told = Some(told);
    }
    log(started, format!("{label}: acknowledged messages"));
    if let Some(c) = checks.keep(
        started,
        &format!("{label}: acknowledged messages, asker and counselor on different instances"),
        chats(plan, s).await,
    ) {
        out.chats = c;
    }
    out
}

/// The whole part: skipped (with a line) when no PostgreSQL answers.
pub async fn part(
    plan: &Plan,
    binary: &Path,
    folder: &Path,
    figures: &mut report::Figures,
    checks: &mut Checks,
    started: Instant,
) {
    let pg = postgres_server();
    let database = match Database::create(&pg).await {
        Ok(database) => database,
        Err(error) => {
            let why = format!("no PostgreSQL to use ({error:#}); set PFORTE_TEST_POSTGRES or start one on 127.0.0.1:5432");
            log(started, format!("several instances: skipped: {why}"));
            figures.instances_skipped = Some(why);
            return;
        }
    };
    log(
        started,
        format!("several instances: a fresh database on {pg}, and a fresh SQLite one"),
    );
    let mut instances = Instances::default();

    let single = Service::start(plan, binary, &folder.join("single"), None, 1, started).await;
    if let Some(single) = checks.keep(started, "start one instance on SQLite", single) {
        instances.single = measure(plan, &single, checks, started).await;
        checks.record(started, "stop the SQLite instance", single.stop().await);
    }

    // One instance on PostgreSQL too: the store's own cost, apart from crossing instances.
    match Database::create(&pg).await {
        Ok(own) => {
            let one = Service::start(
                plan,
                binary,
                &folder.join("single-postgres"),
                Some(own.url.clone()),
                1,
                started,
            )
            .await;
            if let Some(one) = checks.keep(started, "start one instance on PostgreSQL", one) {
                instances.single_postgres = Some(measure(plan, &one, checks, started).await);
                checks.record(started, "stop the PostgreSQL instance", one.stop().await);
            }
            checks.record(started, "drop its database", own.drop_it().await);
        }
        Err(error) => {
            checks.record(started, "a second PostgreSQL database", Err(error));
        }
    }

    let multi = Service::start(
        plan,
        binary,
        &folder.join("multi"),
        Some(database.url.clone()),
        INSTANCES,
        started,
    )
    .await;
    if let Some(mut multi) = checks.keep(
        started,
        &format!("start {INSTANCES} instances on PostgreSQL"),
        multi,
    ) {
        instances.multi = measure(plan, &multi, checks, started).await;
        log(
            started,
            "several instances: kill -9 of the counselor's instance",
        );
        instances.kill = checks.keep(
            started,
            "kill -9 of an instance → gate closed on the others",
            kill(plan, &mut multi, started).await,
        );
        log(started, "several instances: rolling restart");
        instances.rolling = checks.keep(
            started,
            "rolling restart: no gate closes, no place lost",
            rolling(plan, &mut multi, started).await,
        );
        if let Some(r) = &instances.rolling {
            let noticed = r.gate_closed_seen + r.closing_seen + r.places_lost;
            checks.record(
                started,
                "nobody noticed the rolling restart",
                if noticed == 0 {
                    Ok(())
                } else {
                    Err(anyhow!(
                        "{} gate closings seen, {} closing notices, {} places lost",
                        r.gate_closed_seen,
                        r.closing_seen,
                        r.places_lost
                    ))
                },
            );
        }
        checks.record(
            started,
            &format!("stop the {INSTANCES} instances"),
            multi.stop().await,
        );
        log(
            started,
            format!(
                "the instances' logs: {}",
                (0..INSTANCES)
                    .map(|i| server::log_summary(
                        &folder.join("multi").join(format!("instance-{i}"))
                    ))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        );
    }
    checks.record(
        started,
        "drop the PostgreSQL database",
        database.drop_it().await,
    );
    figures.instances = Some(instances);
}
