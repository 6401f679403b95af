//! `pforte-bench`: Pforte's live path measured from outside, beside NATS and Mosquitto driven
//! by the same load generator in the same run, and beside the disk's own limits.
//!
//! ```sh
//! cargo build --release -p pforte-server -p pforte-bench && target/release/pforte-bench
//! ```
//!
//! The full run starts the release server (`target/release/pforte-server`, next to this
//! binary) on a fresh temporary data folder, seeds it with the operator CLI, measures, prints
//! the tables and appends them to `benches/RESULTS.md`. `--smoke` runs the same code paths
//! with tiny numbers in seconds (no results entry) and fails on any error; `scripts/test`
//! runs it. Loopback only; every wait is bounded, and a watchdog ends the whole run (and the
//! processes it started) if it overstays its bound. See `benches/README.md`.

mod api;
mod disk;
mod instances;
mod net;
mod procfs;
mod protocol;
mod report;
mod server;
mod stats;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, ensure, Context};
use clap::Parser;
use futures_util::StreamExt;
use reqwest::StatusCode;
use tokio::time::{sleep, timeout, Instant};

use api::Api;
use disk::Budget;
use net::{Dial, Fleet, Publisher, Tag};
use report::{Figures, PFORTE};
use server::{Peer, Process};
use stats::{millis, summarize, summarize_ms};

#[derive(Parser)]
#[command(
    name = "pforte-bench",
    about = "Benchmarks of Pforte beside NATS and Mosquitto (loopback only)"
)]
struct Args {
    /// Tiny numbers, seconds in all, no results entry; exit code ≠ 0 on any failure.
    #[arg(long)]
    smoke: bool,
    /// The server binary (default: `pforte-server` next to this binary).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Measure only these (comma-separated: disk, pforte, nats, mosquitto, instances). A
    /// partial run writes no results entry.
    #[arg(long, value_delimiter = ',', value_parser = ["disk", "pforte", "nats", "mosquitto", "instances"])]
    only: Vec<String>,
    /// The results file (default: benches/RESULTS.md of this workspace).
    #[arg(long)]
    results: Option<PathBuf>,
    /// Do not append to the results file (print only).
    #[arg(long)]
    no_results: bool,
    /// A label for the entry (e.g. "before", "after"). An entry's goal "≥ 20× today" is
    /// judged against the last entry labelled "before".
    #[arg(long, default_value = "")]
    label: String,
}

/// How much each phase does.
struct Plan {
    smoke: bool,
    /// Fan-out sizes; the largest is also the number of idle sockets of each kind.
    fanout: Vec<usize>,
    /// Gate changes (or publications) per fan-out size; even, so the gate ends closed.
    events: usize,
    idle_time: Duration,
    settle: Duration,
    entry_rounds: usize,
    race: usize,
    race_rounds: usize,
    chats: Vec<usize>,
    chat_time: Duration,
    queue: usize,
    queue_probes: usize,
    logins_sequential: usize,
    /// Several instances (issue 9): gate watchers on another instance than the counselor's.
    instance_watchers: usize,
    kill_rounds: usize,
    kill_watchers: usize,
    roll_watchers: usize,
    roll_askers: usize,
    /// `PFORTE_HANDOVER` of the instances (None: the default, 15 s).
    handover: Option<Duration>,
    sync: Budget,
    sqlite_single: Budget,
    sqlite_batched: Budget,
    /// The whole run, after which the watchdog ends it.
    deadline: Duration,
}

impl Plan {
    fn full() -> Self {
        Self {
            smoke: false,
            fanout: vec![1, 1_000, 10_000],
            events: 10,
            idle_time: Duration::from_secs(30),
            settle: Duration::from_secs(2),
            entry_rounds: 20,
            race: 200,
            race_rounds: 10,
            chats: vec![1, 10, 100],
            chat_time: Duration::from_secs(10),
            queue: 10_000,
            queue_probes: 50,
            logins_sequential: 20,
            instance_watchers: 1_000,
            kill_rounds: 3,
            kill_watchers: 10,
            roll_watchers: 30,
            roll_askers: 20,
            handover: None,
            sync: Budget {
                count: 20_000,
                time: Duration::from_secs(3),
            },
            sqlite_single: Budget {
                count: 20_000,
                time: Duration::from_secs(3),
            },
            sqlite_batched: Budget {
                count: 2_000,
                time: Duration::from_secs(3),
            },
            deadline: Duration::from_secs(60 * 60),
        }
    }

    fn smoke() -> Self {
        Self {
            smoke: true,
            fanout: vec![1, 3, 12],
            events: 4,
            idle_time: Duration::from_millis(1000),
            settle: Duration::from_millis(200),
            entry_rounds: 3,
            race: 5,
            race_rounds: 2,
            chats: vec![1, 2, 4],
            chat_time: Duration::from_millis(300),
            queue: 30,
            queue_probes: 3,
            logins_sequential: 2,
            instance_watchers: 12,
            kill_rounds: 1,
            kill_watchers: 2,
            roll_watchers: 3,
            roll_askers: 3,
            handover: Some(Duration::from_secs(3)),
            sync: Budget {
                count: 20,
                time: Duration::from_secs(1),
            },
            sqlite_single: Budget {
                count: 20,
                time: Duration::from_secs(1),
            },
            sqlite_batched: Budget {
                count: 5,
                time: Duration::from_secs(1),
            },
            deadline: Duration::from_secs(5 * 60),
        }
    }

    fn sockets(&self) -> usize {
        self.fanout.iter().copied().max().unwrap_or(1)
    }

    /// How long opening `n` sockets may take.
    fn connect_limit(&self, n: usize) -> Duration {
        Duration::from_secs(30) + Duration::from_millis(20 * n as u64)
    }
}

const PASSWORD: &str = "bench-password";
const PARALLEL_DIALS: usize = 64;

fn log(started: Instant, message: impl AsRef<str>) {
    eprintln!(
        "[{:>6.1} s, load {}] {}",
        started.elapsed().as_secs_f64(),
        procfs::load_average(),
        message.as_ref()
    );
}

/// The server's and the bench's CPU over `wall`, % of one core.
async fn idle_cpu(pid: u32, wall: Duration) -> anyhow::Result<(f64, f64)> {
    let hz = procfs::ticks_per_second();
    let me = std::process::id();
    let (server0, me0) = (procfs::cpu_ticks(pid)?, procfs::cpu_ticks(me)?);
    let at = Instant::now();
    sleep(wall).await;
    let took = at.elapsed();
    let (server1, me1) = (procfs::cpu_ticks(pid)?, procfs::cpu_ticks(me)?);
    Ok((
        stats::cpu_percent(server1.saturating_sub(server0), hz, took),
        stats::cpu_percent(me1.saturating_sub(me0), hz, took),
    ))
}

/// Open `n` idle sockets to a process, and measure its memory growth and CPU while they idle.
async fn idle_sockets(
    plan: &Plan,
    process: &mut Process,
    fleet: &mut Fleet,
    dials: &[Dial],
    n: usize,
    system: &str,
    kind: &str,
) -> anyhow::Result<report::Idle> {
    sleep(plan.settle).await;
    let before = procfs::rss_kib(process.pid)?;
    fleet
        .grow(
            dials,
            fleet.len() + n,
            PARALLEL_DIALS,
            plan.connect_limit(n),
        )
        .await?;
    sleep(plan.settle).await;
    process.check_alive()?;
    let after = procfs::rss_kib(process.pid)?;
    let (cpu, bench) = idle_cpu(process.pid, plan.idle_time).await?;
    fleet.drain()?;
    Ok(report::Idle {
        system: system.into(),
        kind: kind.into(),
        sockets: n,
        kib_per_socket: stats::per_socket_kib(before, after, n),
        cpu_percent: cpu,
        bench_cpu_percent: bench,
        seconds: plan.idle_time.as_secs_f64(),
    })
}

/// Fan-out at each size (largest first, closing sockets in between): `trigger(i)` makes
/// event `i` happen (and returns the command's answer time, if it is one), `want(tag, i)`
/// recognises it at a subscriber.
async fn fan_outs<T, F>(
    plan: &Plan,
    process: &mut Process,
    fleet: &mut Fleet,
    system: &str,
    base_files: usize,
    mut trigger: T,
    want: impl Fn(&Tag, usize) -> bool + Copy,
) -> anyhow::Result<Vec<report::FanOut>>
where
    T: FnMut(usize) -> F,
    F: std::future::Future<Output = anyhow::Result<Option<Duration>>>,
{
    let mut sizes = plan.fanout.clone();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    let mut event = 0;
    for k in sizes {
        ensure!(
            fleet.len() >= k,
            "{}: {} sockets, {k} needed",
            fleet.name,
            fleet.len()
        );
        fleet.truncate(k);
        process
            .wait_open_files(base_files + k + 32, Duration::from_secs(60))
            .await?;
        fleet.drain()?;
        let mut per_event = Vec::new();
        let mut answers = Vec::new();
        for _ in 0..plan.events {
            let i = event;
            event += 1;
            let at = Instant::now();
            let answer = trigger(i).await?;
            let arrivals = fleet
                .collect(
                    k,
                    |tag| want(tag, i),
                    Duration::from_secs(30),
                    &format!("event {i}"),
                )
                .await?;
            per_event.push(
                arrivals
                    .iter()
                    .map(|a| millis(a.at.saturating_duration_since(at)))
                    .collect::<Vec<f64>>(),
            );
            answers.extend(answer.map(millis));
            sleep(Duration::from_millis(100)).await;
        }
        out.push(report::FanOut::from_events(system, k, &per_event, &answers));
    }
    Ok(out)
}

/// The Pforte server of the run, seeded.
struct Pforte {
    process: Process,
    address: std::net::SocketAddr,
    api: Api,
    tokens: HashMap<String, String>,
    topics: HashMap<&'static str, i64>,
    binary: PathBuf,
    data: PathBuf,
    /// How many times the server was started.
    starts: usize,
}

impl Pforte {
    fn token(&self, name: &str) -> anyhow::Result<&str> {
        self.tokens
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| anyhow!("{name} is not logged in"))
    }

    fn topic(&self, slug: &str) -> anyhow::Result<i64> {
        self.topics
            .get(slug)
            .copied()
            .ok_or_else(|| anyhow!("no topic {slug}"))
    }

    fn counselor(&self, name: &str) -> anyhow::Result<Dial> {
        Ok(Dial::Counselor {
            server: self.address,
            token: self.token(name)?.to_owned(),
        })
    }

    /// One socket for a counselor, read all the time (needed to be available).
    async fn counselor_socket(&self, name: &str) -> anyhow::Result<Fleet> {
        let mut fleet = Fleet::new(format!("{name}'s socket"));
        fleet
            .grow(&[self.counselor(name)?], 1, 1, Duration::from_secs(20))
            .await?;
        Ok(fleet)
    }
}

fn race_names(plan: &Plan) -> Vec<String> {
    (0..plan.race).map(|i| format!("r{i:03}")).collect()
}

/// Topics and counselors, with the operator CLI, before the server starts.
async fn seed(plan: &Plan, binary: &Path, data: &Path) -> anyhow::Result<()> {
    for slug in ["gate", "race", "chat", "queue"] {
        server::operator(
            binary,
            data,
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
        ("idler".into(), "gate"),
        ("chatter".into(), "chat"),
        ("keeper".into(), "queue"),
    ];
    accounts.extend(race_names(plan).into_iter().map(|n| (n, "race")));
    let results: Vec<anyhow::Result<String>> = futures_util::stream::iter(accounts)
        .map(|(name, topic)| async move {
            server::operator(
                binary,
                data,
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
    for result in results {
        result?;
    }
    Ok(())
}

/// Log everyone in; the first few one at a time (the login's own cost), the rest four at a
/// time (logins per second).
async fn logins(
    plan: &Plan,
    api: &Api,
    figures: &mut Figures,
) -> anyhow::Result<HashMap<String, String>> {
    let mut names: Vec<String> = ["gatekeeper", "idler", "chatter", "keeper"]
        .into_iter()
        .map(String::from)
        .collect();
    names.extend(race_names(plan));
    let mut tokens = HashMap::new();
    let mut sequential = Vec::new();
    let split = plan.logins_sequential.min(names.len());
    for name in &names[..split] {
        let (token, took) = api.login(name, PASSWORD).await?;
        sequential.push(took);
        tokens.insert(name.clone(), token);
    }
    let parallel = 4;
    let at = Instant::now();
    let rest: Vec<anyhow::Result<(String, String)>> =
        futures_util::stream::iter(names[split..].to_vec())
            .map(|name| async move {
                let (token, _) = api.login(&name, PASSWORD).await?;
                Ok((name, token))
            })
            .buffer_unordered(parallel)
            .collect()
            .await;
    let took = at.elapsed();
    let logged = rest.len();
    for result in rest {
        let (name, token) = result?;
        tokens.insert(name, token);
    }
    figures.login = Some(report::Login {
        sequential: summarize(&sequential),
        parallel,
        logins: logged,
        per_s: logged as f64 / took.as_secs_f64(),
    });
    Ok(tokens)
}

/// Gate watchers: idle memory and CPU with the most, then fan-out at each size.
async fn watchers(plan: &Plan, p: &mut Pforte, figures: &mut Figures) -> anyhow::Result<()> {
    let gate = p.topic("gate")?;
    let token = p.token("gatekeeper")?.to_owned();
    let _keeper = p.counselor_socket("gatekeeper").await?;
    sleep(plan.settle).await;
    let base_files = procfs::open_files(p.process.pid)?;
    let mut fleet = Fleet::new("Pforte gate watchers");
    let dials = [Dial::Watcher { server: p.address }];
    let idle = idle_sockets(
        plan,
        &mut p.process,
        &mut fleet,
        &dials,
        plan.sockets(),
        PFORTE,
        "gate watcher",
    )
    .await?;
    figures.idle.push(idle);
    let api = p.api.clone();
    let fans = fan_outs(
        plan,
        &mut p.process,
        &mut fleet,
        PFORTE,
        base_files,
        |i| {
            let api = api.clone();
            let token = token.clone();
            async move { Ok(Some(api.availability(&token, i % 2 == 0).await?)) }
        },
        move |tag, i| {
            *tag == Tag::Gate {
                topic: gate,
                open: i % 2 == 0,
            }
        },
    )
    .await?;
    figures.fanout.extend(fans);
    Ok(())
}

/// Idle counselor sockets: many devices of one session.
async fn counselors(plan: &Plan, p: &mut Pforte, figures: &mut Figures) -> anyhow::Result<()> {
    sleep(plan.settle).await;
    let base_files = procfs::open_files(p.process.pid)?;
    let mut fleet = Fleet::new("Pforte counselor sockets");
    let dials = [p.counselor("idler")?];
    let idle = idle_sockets(
        plan,
        &mut p.process,
        &mut fleet,
        &dials,
        plan.sockets(),
        PFORTE,
        "counselor",
    )
    .await?;
    figures.idle.push(idle);
    drop(fleet);
    p.process
        .wait_open_files(base_files + 32, Duration::from_secs(60))
        .await
}

/// Asker entry → every available counselor (1, then all of the race), and the accept race.
async fn entry_and_race(plan: &Plan, p: &mut Pforte, figures: &mut Figures) -> anyhow::Result<()> {
    let topic = p.topic("race")?;
    let names = race_names(plan);
    let tokens: Vec<String> = names
        .iter()
        .map(|n| p.token(n).map(str::to_owned))
        .collect::<anyhow::Result<_>>()?;
    let dials: Vec<Dial> = names
        .iter()
        .map(|n| p.counselor(n))
        .collect::<anyhow::Result<_>>()?;
    let mut fleet = Fleet::new("race counselors");
    fleet
        .grow(
            &dials,
            dials.len(),
            PARALLEL_DIALS,
            plan.connect_limit(dials.len()),
        )
        .await?;

    // One counselor available.
    p.api.availability(&tokens[0], true).await?;
    fleet.drain()?;
    let mut delivery = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..plan.entry_rounds {
        let at = Instant::now();
        let (entered, answer) = p.api.enter(topic).await?;
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
        p.api.accept_won(&tokens[0], id).await?;
    }
    figures.entry.push(report::Entry {
        counselors: 1,
        rounds: plan.entry_rounds,
        delivery: summarize(&delivery),
        to_all: summarize(&delivery),
        answer: summarize(&answers),
    });

    // All of them available: entry → all, then all accept at once.
    for token in &tokens[1..] {
        p.api.availability(token, true).await?;
    }
    sleep(plan.settle).await;
    fleet.drain()?;
    let mut delivery = Vec::new();
    let mut to_all = Vec::new();
    let mut answers = Vec::new();
    let mut all_answered = Vec::new();
    let mut winners = Vec::new();
    for round in 0..plan.race_rounds {
        let at = Instant::now();
        let (entered, answer) = p.api.enter(topic).await?;
        let id = entered.request_id;
        let got = fleet
            .collect(
                tokens.len(),
                |t| *t == Tag::Request(id),
                Duration::from_secs(30),
                "request_created",
            )
            .await?;
        let latencies: Vec<Duration> = got
            .iter()
            .map(|a| a.at.saturating_duration_since(at))
            .collect();
        to_all.push(latencies.iter().copied().max().unwrap_or_default());
        delivery.extend(latencies);
        answers.push(answer);

        let api = &p.api;
        let start = Instant::now();
        let accepts = futures_util::future::join_all(tokens.iter().map(|token| async move {
            let (status, took) = api.accept(token, id).await?;
            Ok::<_, anyhow::Error>((status, took, Instant::now()))
        }));
        let results = timeout(Duration::from_secs(60), accepts)
            .await
            .map_err(|_| {
                anyhow!("race round {round}: not every accept was answered within 60 s")
            })?;
        let mut won = 0;
        let mut lost = 0;
        let mut last = start;
        for result in results {
            let (status, took, done) = result?;
            last = last.max(done);
            match status {
                StatusCode::OK => {
                    won += 1;
                    winners.push(took);
                }
                StatusCode::CONFLICT => lost += 1,
                other => bail!("race round {round}: an accept was answered {other}"),
            }
        }
        ensure!(
            won == 1 && lost == tokens.len() - 1,
            "race round {round}: {won} won and {lost} lost of {} (exactly one must win)",
            tokens.len()
        );
        all_answered.push(last.saturating_duration_since(start));
        sleep(Duration::from_millis(100)).await;
        fleet.drain()?;
    }
    figures.entry.push(report::Entry {
        counselors: tokens.len(),
        rounds: plan.race_rounds,
        delivery: summarize(&delivery),
        to_all: summarize(&to_all),
        answer: summarize(&answers),
    });
    figures.race = Some(report::Race {
        counselors: tokens.len(),
        rounds: plan.race_rounds,
        all_answered: summarize(&all_answered),
        winner: summarize(&winners),
    });
    // Off before their sockets go, so no resume window ends during a later phase.
    for token in &tokens {
        p.api.availability(token, false).await?;
    }
    Ok(())
}

/// Acknowledged messages in closed loops, at each number of concurrent chats.
async fn chats(plan: &Plan, p: &mut Pforte, figures: &mut Figures) -> anyhow::Result<()> {
    let topic = p.topic("chat")?;
    let token = p.token("chatter")?.to_owned();
    let _socket = p.counselor_socket("chatter").await?;
    p.api.availability(&token, true).await?;
    for &n in &plan.chats {
        let mut askers = Vec::new();
        for _ in 0..n {
            let (entered, _) = p.api.enter(topic).await?;
            p.api.accept_won(&token, entered.request_id).await?;
            askers.push(entered.token);
        }
        let start = Instant::now();
        let deadline = start + plan.chat_time;
        let loops = askers.iter().cloned().enumerate().map(|(i, asker)| {
            let api = p.api.clone();
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
        .map_err(|_| {
            anyhow!("{n} chats: the message loops did not end within 60 s of their time")
        })?;
        let seconds = start.elapsed().as_secs_f64();
        let mut acks = Vec::new();
        for result in joined {
            acks.extend(result??);
        }
        figures.chats.push(report::Chats {
            chats: n,
            messages: acks.len(),
            seconds,
            per_s: acks.len() as f64 / seconds,
            ack: summarize(&acks),
        });
        for asker in &askers {
            p.api.asker_end(asker).await?;
        }
    }
    p.api.availability(&token, false).await?;
    Ok(())
}

/// Entries and accepts, `probes` times, each accepted by `token`.
async fn probe(
    api: &Api,
    topic: i64,
    token: &str,
    probes: usize,
) -> anyhow::Result<(stats::Summary, stats::Summary)> {
    let mut enters = Vec::new();
    let mut accepts = Vec::new();
    for _ in 0..probes {
        let (entered, took) = api.enter(topic).await?;
        enters.push(took);
        accepts.push(api.accept_won(token, entered.request_id).await?);
    }
    Ok((summarize(&enters), summarize(&accepts)))
}

/// What filling the queue left for the second half of the queue phase.
struct Filled {
    tokens: Vec<String>,
    enter_empty: stats::Summary,
    accept_empty: stats::Summary,
    fill_first: stats::Summary,
    fill_last: stats::Summary,
    fill_seconds: f64,
}

/// Enter and accept with an empty queue, then fill it.
async fn queue_fill(plan: &Plan, p: &mut Pforte, started: Instant) -> anyhow::Result<Filled> {
    let topic = p.topic("queue")?;
    let token = p.token("keeper")?.to_owned();
    let _socket = p.counselor_socket("keeper").await?;
    p.api.availability(&token, true).await?;
    let (enter_empty, accept_empty) = probe(&p.api, topic, &token, plan.queue_probes).await?;

    log(
        started,
        format!("filling the queue with {} askers", plan.queue),
    );
    let at = Instant::now();
    let api = &p.api;
    let fill = futures_util::stream::iter(0..plan.queue)
        .map(|_| async move { api.enter(topic).await })
        .buffer_unordered(4)
        .collect::<Vec<_>>();
    let entered = timeout(Duration::from_secs(40 * 60), fill)
        .await
        .map_err(|_| anyhow!("filling the queue took longer than 40 minutes"))?;
    let fill_seconds = at.elapsed().as_secs_f64();
    let mut takes = Vec::new();
    let mut tokens = Vec::new();
    for result in entered {
        let (entered, took) = result?;
        takes.push(millis(took));
        tokens.push(entered.token);
    }
    let tenth = (takes.len() / 10).max(1);
    Ok(Filled {
        tokens,
        enter_empty,
        accept_empty,
        fill_first: summarize_ms(&mut takes[..tenth].to_vec()),
        fill_last: summarize_ms(&mut takes[takes.len() - tenth..].to_vec()),
        fill_seconds,
    })
}

/// With the queue full (after a restart, so the memory is the sockets'): every asker opens
/// their socket (idle asker sockets), then enter and accept again.
async fn queue_full(
    plan: &Plan,
    p: &mut Pforte,
    figures: &mut Figures,
    filled: Filled,
    started: Instant,
) -> anyhow::Result<()> {
    let topic = p.topic("queue")?;
    let token = p.token("keeper")?.to_owned();
    let _socket = p.counselor_socket("keeper").await?;
    let dials: Vec<Dial> = filled
        .tokens
        .iter()
        .map(|token| Dial::Asker {
            server: p.address,
            token: token.clone(),
        })
        .collect();
    log(started, format!("opening {} asker sockets", dials.len()));
    let mut fleet = Fleet::new("Pforte asker sockets");
    let n = dials.len();
    let idle = idle_sockets(plan, &mut p.process, &mut fleet, &dials, n, PFORTE, "asker").await?;
    figures.idle.push(idle);
    let (enter_full, accept_full) = probe(&p.api, topic, &token, plan.queue_probes).await?;
    fleet.drain()?;
    figures.queue = Some(report::Queue {
        size: plan.queue,
        enter_empty: filled.enter_empty,
        accept_empty: filled.accept_empty,
        enter_full,
        accept_full,
        fill_first: filled.fill_first,
        fill_last: filled.fill_last,
        fill_seconds: filled.fill_seconds,
    });
    Ok(())
}

/// One peer: idle subscribers, then fan-out at each size.
async fn peer(plan: &Plan, peer: Peer, folder: &Path, figures: &mut Figures) -> anyhow::Result<()> {
    let (mut process, address) = peer.start(folder).await?;
    sleep(plan.settle).await;
    let base_files = procfs::open_files(process.pid)?;
    let mut fleet = Fleet::new(format!("{} subscribers", peer.name()));
    let dial = match peer {
        Peer::Nats => Dial::Nats { server: address },
        Peer::Mosquitto => Dial::Mqtt { server: address },
    };
    let idle = idle_sockets(
        plan,
        &mut process,
        &mut fleet,
        &[dial],
        plan.sockets(),
        peer.name(),
        "subscriber",
    )
    .await?;
    figures.idle.push(idle);
    let publisher = match peer {
        Peer::Nats => Publisher::nats(address).await?,
        Peer::Mosquitto => Publisher::mqtt(address).await?,
    };
    let publisher = &publisher;
    let fans = fan_outs(
        plan,
        &mut process,
        &mut fleet,
        peer.name(),
        base_files + 1,
        |i| async move {
            publisher.publish(i as u64).await?;
            Ok(None)
        },
        |tag, i| *tag == Tag::Seq(i as u64),
    )
    .await?;
    figures.fanout.extend(fans);
    drop(fleet);
    process.stop(Duration::from_secs(20)).await
}

/// The outcome of the checks of a run.
#[derive(Default)]
struct Checks {
    passed: Vec<String>,
    failed: Vec<(String, String)>,
}

impl Checks {
    /// Record a result that the next phases need.
    fn keep<T>(&mut self, started: Instant, name: &str, result: anyhow::Result<T>) -> Option<T> {
        match result {
            Ok(value) => {
                self.record(started, name, Ok(()));
                Some(value)
            }
            Err(error) => {
                self.record(started, name, Err(error));
                None
            }
        }
    }

    fn record(&mut self, started: Instant, name: &str, result: anyhow::Result<()>) -> bool {
        match result {
            Ok(()) => {
                log(started, format!("ok: {name}"));
                self.passed.push(name.into());
                true
            }
            Err(error) => {
                log(started, format!("FAILED: {name}: {error:#}"));
                self.failed.push((name.into(), format!("{error:#}")));
                false
            }
        }
    }
}

/// Start the server (the `n`-th time) and build its API client.
async fn start_server(
    binary: &Path,
    data: &Path,
    n: usize,
    started: Instant,
) -> anyhow::Result<(Process, std::net::SocketAddr, Api)> {
    let at = Instant::now();
    let (process, address) = server::start_pforte(binary, data, n).await?;
    log(
        started,
        format!(
            "pforte-server (pid {}) listens on {address} after {:.2} s",
            process.pid,
            at.elapsed().as_secs_f64()
        ),
    );
    Ok((process, address, Api::new(address)?))
}

impl Pforte {
    /// Stop the server and start it again on the same data: a fresh process, so that an
    /// idle-memory figure is not hidden by memory an earlier phase freed into the allocator.
    async fn restart(mut self, started: Instant) -> anyhow::Result<Self> {
        let at = Instant::now();
        self.process.stop(Duration::from_secs(60)).await?;
        log(
            started,
            format!(
                "pforte-server stopped after {:.2} s",
                at.elapsed().as_secs_f64()
            ),
        );
        self.starts += 1;
        let (process, address, api) =
            start_server(&self.binary, &self.data, self.starts, started).await?;
        Ok(Self {
            process,
            address,
            api,
            ..self
        })
    }
}

async fn pforte_phases(
    plan: &Plan,
    binary: &Path,
    data: &Path,
    figures: &mut Figures,
    checks: &mut Checks,
    started: Instant,
) {
    log(
        started,
        "seeding topics and counselors with the operator CLI",
    );
    if !checks.record(
        started,
        "seed with the operator CLI",
        seed(plan, binary, data).await,
    ) {
        return;
    }
    let setup = async {
        let (process, address, api) = start_server(binary, data, 1, started).await?;
        let mut topics = HashMap::new();
        for slug in ["gate", "race", "chat", "queue"] {
            topics.insert(slug, api.topic_id(slug).await?);
        }
        let tokens = logins(plan, &api, figures).await?;
        Ok::<_, anyhow::Error>(Pforte {
            process,
            address,
            api,
            tokens,
            topics,
            binary: binary.to_owned(),
            data: data.to_owned(),
            starts: 1,
        })
    };
    let Some(mut p) = checks.keep(started, "start the server, login cost", setup.await) else {
        return;
    };
    macro_rules! restart {
        () => {
            match p.restart(started).await {
                Ok(restarted) => restarted,
                Err(error) => {
                    checks.record(started, "restart the server", Err(error));
                    return;
                }
            }
        };
    }
    p = restart!();
    log(started, "gate watchers: idle, then fan-out");
    let r = watchers(plan, &mut p, figures).await;
    checks.record(
        started,
        "gate watchers: idle memory and CPU, gate-change fan-out",
        r,
    );
    p = restart!();
    log(started, "idle counselor sockets");
    let r = counselors(plan, &mut p, figures).await;
    checks.record(started, "idle counselor sockets", r);
    log(started, "entry → counselors, accept race");
    let r = entry_and_race(plan, &mut p, figures).await;
    checks.record(started, "entry → every available counselor, accept race", r);
    log(started, "acknowledged messages");
    let r = chats(plan, &mut p, figures).await;
    checks.record(started, "acknowledged messages at 1/10/100 chats", r);
    let filled = queue_fill(plan, &mut p, started).await;
    if let Some(filled) = checks.keep(started, "fill the queue", filled) {
        p = restart!();
        let r = queue_full(plan, &mut p, figures, filled, started).await;
        checks.record(started, "a full queue, idle asker sockets", r);
    }
    let r = p.api.health(Duration::from_secs(10)).await.map(|_| ());
    checks.record(started, "the server still answers /api/health", r);
    log(started, "stopping pforte-server");
    let at = Instant::now();
    let r = p.process.stop(Duration::from_secs(60)).await;
    log(
        started,
        format!(
            "pforte-server stopped after {:.2} s",
            at.elapsed().as_secs_f64()
        ),
    );
    checks.record(started, "the server stops on SIGTERM", r);
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn commit(root: &Path) -> String {
    let hash = git(root, &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(root, &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{hash} dirty")
    } else {
        hash
    }
}

fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Start the watchdog: after `limit`, kill every child and end the process.
fn watchdog(limit: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("pforte-bench: the run overstayed its bound of {limit:?}; ending it");
        server::kill_all_children();
        std::process::exit(3);
    });
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let plan = if args.smoke {
        Plan::smoke()
    } else {
        Plan::full()
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let binary = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .ok_or_else(|| anyhow!("the bench binary has no folder"))?
            .join("pforte-server"),
    };
    ensure!(
        binary.is_file(),
        "{binary:?} is missing: build it first (`cargo build --release -p pforte-server -p pforte-bench`, \
         or for --smoke `cargo build -p pforte-server -p pforte-bench`)"
    );
    let files = rlimit::increase_nofile_limit(u64::MAX).context("raising the open-files limit")?;
    let needed = plan.sockets() as u64 + 1_000;
    ensure!(
        files >= needed,
        "the bench holds {} sockets at a time and needs {needed} open files; the limit is {files}",
        plan.sockets()
    );
    watchdog(plan.deadline);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = runtime.block_on(run(&args, &plan, &root, &binary))?;
    runtime.shutdown_timeout(Duration::from_secs(5));
    std::process::exit(code);
}

async fn run(args: &Args, plan: &Plan, root: &Path, binary: &Path) -> anyhow::Result<i32> {
    let started = Instant::now();
    let load_start = procfs::load_average();
    let machine = procfs::machine();
    let commit = commit(root);
    log(
        started,
        format!(
            "pforte-bench{} on {machine}, commit {commit}, server {binary:?}",
            if plan.smoke { " --smoke" } else { "" }
        ),
    );
    let folder = tempfile::Builder::new().prefix("pforte-bench-").tempdir()?;
    let data = folder.path().join("data");
    std::fs::create_dir_all(&data)?;
    let mut figures = Figures::default();
    let mut checks = Checks::default();

    log(started, format!("the disk, in {data:?}"));
    let wanted = |what: &str| args.only.is_empty() || args.only.iter().any(|o| o == what);
    if wanted("disk") {
        let r = disk::measure(&data, plan.sync, plan.sqlite_single, plan.sqlite_batched).await;
        let r = r.map(|d| figures.disk_runs.push(d));
        checks.record(started, "disk at the start: fdatasync, SQLite commits", r);
    }

    let mut server_log = String::new();
    if wanted("pforte") {
        pforte_phases(plan, binary, &data, &mut figures, &mut checks, started).await;
        server_log = server::log_summary(&data);
        log(started, format!("the server's logs: {server_log}"));
    }

    if wanted("instances") {
        instances::part(
            plan,
            binary,
            folder.path(),
            &mut figures,
            &mut checks,
            started,
        )
        .await;
    }

    let mut versions = Vec::new();
    {
        for p in [Peer::Nats, Peer::Mosquitto] {
            if !wanted(&p.name().to_lowercase()) {
                continue;
            }
            log(
                started,
                format!("{}: idle subscribers, then fan-out", p.name()),
            );
            let r = match p.version() {
                Ok(version) => {
                    versions.push(format!("{} ({version})", p.binary()));
                    peer(plan, p, folder.path(), &mut figures).await
                }
                Err(error) => Err(error),
            };
            checks.record(started, &format!("{} beside it", p.name()), r);
        }
    }
    if wanted("disk") {
        log(started, "the disk again");
        let r = disk::measure(&data, plan.sync, plan.sqlite_single, plan.sqlite_batched).await;
        let r = r.map(|d| figures.disk_runs.push(d));
        checks.record(started, "disk at the end: fdatasync, SQLite commits", r);
        figures.disk = disk::mean(&figures.disk_runs);
    }
    let took = started.elapsed();
    let load_end = procfs::load_average();

    let before = if args.label == "before" {
        None
    } else {
        let file = args
            .results
            .clone()
            .unwrap_or_else(|| root.join("benches/RESULTS.md"));
        std::fs::read_to_string(file)
            .ok()
            .and_then(|text| report::find_labelled(&text, "before"))
    };
    let tables = report::tables(&figures, before.as_ref());
    println!("\n{tables}");
    println!(
        "machine: {machine}; load average (1/5/15 min) at the start {load_start}, at the end {load_end}; took {}",
        duration_text(took)
    );
    for note in notes((&load_start, &load_end), &figures.disk_runs) {
        println!("note: {note}");
    }
    let passed = checks.passed.len();
    let failed = checks.failed.len();
    for (name, error) in &checks.failed {
        println!("failed: {name}: {error}");
    }
    if failed > 0 {
        // The servers' logs are what tells why: kept, not deleted with the folder.
        println!(
            "the work folder with every server's log is kept: {:?}",
            folder.keep()
        );
    }
    if plan.smoke {
        println!("bench-smoke: {passed} passed, {failed} failed");
        return Ok(if failed == 0 { 0 } else { 1 });
    }
    if failed > 0 {
        println!(
            "{failed} of {} phases failed: no results entry written",
            passed + failed
        );
        return Ok(1);
    }
    if !args.only.is_empty() {
        println!("a partial run (--only): no results entry written");
    } else if !args.no_results {
        let path = args
            .results
            .clone()
            .unwrap_or_else(|| root.join("benches/RESULTS.md"));
        let entry = results_entry(
            &args.label,
            &commit,
            &machine,
            (&load_start, &load_end),
            &figures.disk_runs,
            took,
            &versions,
            &server_log,
            &figures,
            &tables,
        );
        let mut text =
            std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmark results\n".into());
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&entry);
        std::fs::write(&path, text).with_context(|| format!("writing {path:?}"))?;
        println!("appended to {}", path.display());
    }
    Ok(0)
}

/// Notes that qualify the figures.
fn notes(load: (&str, &str), disk_runs: &[disk::DiskFigures]) -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    let mut out = Vec::new();
    let first = |l: &str| {
        l.split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let worst = first(load.0).max(first(load.1));
    if worst > cores {
        out.push(format!(
            "The machine was loaded by other work (1-minute load average up to {worst:.1} on {cores:.0} cores): \
             absolute times are inflated; the ratios within the run are the figures to compare."
        ));
    }
    if let (Some(first), Some(last)) = (disk_runs.first(), disk_runs.last()) {
        let drift = |a: f64, b: f64| (a / b).max(b / a);
        let sync = drift(first.fdatasync.p50, last.fdatasync.p50);
        let commits = drift(first.sqlite_commits_per_s, last.sqlite_commits_per_s);
        if sync.max(commits) > 1.5 {
            out.push(format!(
                "The shared disk's speed drifted during the run (fdatasync p50 {} at the start, {} at the end; \
                 SQLite {}/s and {}/s single-row commits): ratios to the disk carry that uncertainty.",
                report::ms(first.fdatasync.p50),
                report::ms(last.fdatasync.p50),
                report::count(first.sqlite_commits_per_s),
                report::count(last.sqlite_commits_per_s),
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn results_entry(
    label: &str,
    commit: &str,
    machine: &str,
    load: (&str, &str),
    disk_runs: &[disk::DiskFigures],
    took: Duration,
    versions: &[String],
    server_log: &str,
    figures: &Figures,
    tables: &str,
) -> String {
    let date = time::OffsetDateTime::now_utc().date();
    let label_text = if label.is_empty() {
        String::new()
    } else {
        format!(" · {label}")
    };
    let mut out =
        format!("## Live path beside NATS and Mosquitto: {date} · {commit}{label_text}\n\n");
    out.push_str(
        "```sh\ncargo build --release -p pforte-server -p pforte-bench && target/release/pforte-bench\n```\n\n",
    );
    out.push_str(&format!(
        "Machine: {machine}. Load average (1/5/15 min) at the start {}, at the end {}. The run took {}. \
         Peers: {}. Server settings: defaults except the per-client limits lifted (`{}`).\n\n",
        load.0,
        load.1,
        duration_text(took),
        if versions.is_empty() { "none".into() } else { versions.join(", ") },
        server::SERVER_ENV
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    out.push_str(tables);
    if !server_log.is_empty() {
        out.push_str(&format!("\nThe server's logs: {server_log}.\n"));
    }
    for note in notes(load, disk_runs) {
        out.push_str(&format!("\n{note}\n"));
    }
    out.push('\n');
    out.push_str(&report::stamp_line(label, commit, figures));
    out.push('\n');
    out
}
