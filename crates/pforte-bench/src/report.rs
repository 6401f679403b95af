//! The figures of a run, their ratios to peers and limits, the goals, and the entry
//! in `benches/RESULTS.md`. Pure: formatting and arithmetic only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::disk::DiskFigures;
use crate::stats::{median, ratio, Summary};

pub const PFORTE: &str = "Pforte";
pub const NATS: &str = "NATS";
pub const MOSQUITTO: &str = "Mosquitto";

/// One gate change (or published message) to `subscribers` sockets, over several events.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FanOut {
    pub system: String,
    pub subscribers: usize,
    pub events: usize,
    /// Median over the events of the p50 / p99 over the subscribers, ms.
    pub p50: f64,
    pub p99: f64,
    /// Until the last subscriber had it: median and worst over the events, ms.
    pub to_all: f64,
    pub to_all_max: f64,
    /// The command's own answer (`PUT /api/me/availability`), median and worst, ms.
    pub answer: Option<f64>,
    pub answer_max: Option<f64>,
}

impl FanOut {
    /// Aggregate events: `per_event[i]` holds the latencies (ms) of event `i` at every
    /// subscriber, `answers[i]` the command's answer time.
    pub fn from_events(
        system: &str,
        subscribers: usize,
        per_event: &[Vec<f64>],
        answers: &[f64],
    ) -> Self {
        let mut p50 = Vec::new();
        let mut p99 = Vec::new();
        let mut to_all = Vec::new();
        for latencies in per_event {
            let mut sorted = latencies.clone();
            let summary = crate::stats::summarize_ms(&mut sorted);
            p50.push(summary.p50);
            p99.push(summary.p99);
            to_all.push(summary.max);
        }
        let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
        Self {
            system: system.into(),
            subscribers,
            events: per_event.len(),
            p50: median(&p50),
            p99: median(&p99),
            to_all: median(&to_all),
            to_all_max: max(&to_all),
            answer: (!answers.is_empty()).then(|| median(answers)),
            answer_max: (!answers.is_empty()).then(|| max(answers)),
        }
    }
}

/// Idle sockets of one kind.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Idle {
    pub system: String,
    pub kind: String,
    pub sockets: usize,
    pub kib_per_socket: f64,
    /// The server's CPU while the sockets idled, % of one core.
    pub cpu_percent: f64,
    /// The load generator's own CPU meanwhile.
    pub bench_cpu_percent: f64,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub counselors: usize,
    pub rounds: usize,
    /// From the POST until a counselor socket had `request_created`, over all counselors and rounds.
    pub delivery: Summary,
    /// Until the last counselor had it, over the rounds.
    pub to_all: Summary,
    /// The POST's own answer.
    pub answer: Summary,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Race {
    pub counselors: usize,
    pub rounds: usize,
    /// Until every accept was answered, over the rounds.
    pub all_answered: Summary,
    /// The winner's answer.
    pub winner: Summary,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Chats {
    pub chats: usize,
    pub messages: usize,
    pub seconds: f64,
    pub per_s: f64,
    pub ack: Summary,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Login {
    pub sequential: Summary,
    pub parallel: usize,
    pub logins: usize,
    pub per_s: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Queue {
    pub size: usize,
    pub enter_empty: Summary,
    pub accept_empty: Summary,
    pub enter_full: Summary,
    pub accept_full: Summary,
    /// Entries while the queue filled up: the first and the last tenth.
    pub fill_first: Summary,
    pub fill_last: Summary,
    pub fill_seconds: f64,
}

/// One service measured in the instances part: a single SQLite instance, or several instances
/// on PostgreSQL; the counselor on the first instance, askers and watchers on another.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Service {
    pub instances: usize,
    /// "SQLite" or "PostgreSQL".
    pub store: String,
    /// Gate change on instance A → the watchers on instance B.
    pub gate: Option<FanOut>,
    /// Asker entry on B → the counselor on A.
    pub entry: Option<Entry>,
    /// Asker on B, counselor on A.
    pub chats: Vec<Chats>,
    /// Counselors spread over the instances.
    pub race: Option<Race>,
    /// Until every losing counselor's socket had `request_taken`, over the rounds.
    pub losers_told: Option<Summary>,
}

impl Service {
    fn chats_at(&self, n: usize) -> Option<&Chats> {
        self.chats.iter().find(|c| c.chats == n)
    }

    pub fn label(&self) -> String {
        format!(
            "{} on {}",
            n_of(self.instances, "instance", "instances"),
            self.store
        )
    }
}

/// kill -9 of the instance holding the only available counselor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Kill {
    pub rounds: usize,
    /// From the SIGKILL until every gate watcher on another instance had the gate closed.
    pub closed: Summary,
    /// The configured bound: the lease, how often it is renewed and how often lapsed leases
    /// are looked for, seconds.
    pub lease_s: f64,
    pub renew_s: f64,
    pub check_s: f64,
}

impl Kill {
    /// The worst case the settings allow: killed just after a renewal, the lease runs out
    /// after `lease_s` and is noticed within `check_s`.
    pub fn bound_s(&self) -> f64 {
        self.lease_s + self.check_s
    }
}

/// SIGTERM of each instance in turn, each started again before the next.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rolling {
    pub instances: usize,
    /// From the first SIGTERM until the last instance listened again, s.
    pub seconds: f64,
    /// SIGTERM → exited, and start → listening, over the instances.
    pub stop: Summary,
    pub start: Summary,
    /// How long the clients were watched for a sign of closing after the last restart
    /// (the handover window and a little more), s.
    pub watched_s: f64,
    pub watchers: usize,
    pub askers: usize,
    /// Reconnects of all clients (watchers, askers, the counselor) to another instance.
    pub reconnects: usize,
    /// `gate_changed` closed, at any watcher or asker.
    pub gate_closed_seen: usize,
    /// `waiting_room_closing` at any asker.
    pub closing_seen: usize,
    /// Askers whose place (or state "waiting") differs after the restart.
    pub places_lost: usize,
}

/// Issue 9's figures: several instances on PostgreSQL beside one on SQLite, in one run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Instances {
    pub single: Service,
    pub multi: Service,
    /// One instance on PostgreSQL: what the store costs, apart from crossing instances.
    pub single_postgres: Option<Service>,
    pub kill: Option<Kill>,
    pub rolling: Option<Rolling>,
}

/// Everything a run measured (what a phase could not measure is missing).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Figures {
    /// The disk: the mean of `disk_runs`, the unit of the ratios.
    pub disk: Option<DiskFigures>,
    /// The disk at the start and at the end of the run.
    pub disk_runs: Vec<DiskFigures>,
    pub login: Option<Login>,
    pub fanout: Vec<FanOut>,
    pub idle: Vec<Idle>,
    pub entry: Vec<Entry>,
    pub race: Option<Race>,
    pub chats: Vec<Chats>,
    pub queue: Option<Queue>,
    pub instances: Option<Instances>,
    /// Why the instances part was skipped (no PostgreSQL).
    pub instances_skipped: Option<String>,
}

impl Figures {
    pub fn fan_out(&self, system: &str, subscribers: usize) -> Option<&FanOut> {
        self.fanout
            .iter()
            .find(|f| f.system == system && f.subscribers == subscribers)
    }

    pub fn idle_of(&self, system: &str, kind: &str) -> Option<&Idle> {
        self.idle
            .iter()
            .find(|i| i.system == system && i.kind == kind)
    }

    fn fdatasync_ms(&self) -> f64 {
        self.disk.as_ref().map_or(f64::NAN, |d| d.fdatasync.p50)
    }

    fn batched_rows_per_s(&self) -> f64 {
        self.disk
            .as_ref()
            .map_or(f64::NAN, |d| d.sqlite_batched_rows_per_s)
    }

    fn most_subscribers(&self) -> usize {
        self.fanout.iter().map(|f| f.subscribers).max().unwrap_or(0)
    }

    fn most_chats(&self) -> Option<&Chats> {
        self.chats.iter().max_by_key(|c| c.chats)
    }

    /// A few figures by name, kept in the results file so a later run can compare with this
    /// one (non-finite figures are left out).
    pub fn key_figures(&self) -> BTreeMap<String, f64> {
        let mut keys = BTreeMap::new();
        let mut put = |name: String, value: f64| {
            if value.is_finite() {
                keys.insert(name, value);
            }
        };
        if let Some(disk) = &self.disk {
            put("fdatasync_p50_ms".into(), disk.fdatasync.p50);
            put("sqlite_commits_per_s".into(), disk.sqlite_commits_per_s);
            put(
                "sqlite_batched_rows_per_s".into(),
                disk.sqlite_batched_rows_per_s,
            );
        }
        for chats in &self.chats {
            put(format!("messages_per_s_at_{}", chats.chats), chats.per_s);
            put(format!("ack_p99_ms_at_{}", chats.chats), chats.ack.p99);
        }
        for fan in &self.fanout {
            let system = fan.system.to_lowercase();
            put(
                format!("{system}_to_all_ms_at_{}", fan.subscribers),
                fan.to_all,
            );
            if let Some(answer) = fan.answer {
                put(format!("{system}_answer_ms_at_{}", fan.subscribers), answer);
            }
        }
        for idle in &self.idle {
            let name = format!("{}_{}", idle.system, idle.kind)
                .to_lowercase()
                .replace(' ', "_");
            put(format!("{name}_kib"), idle.kib_per_socket);
            put(format!("{name}_cpu_percent"), idle.cpu_percent);
        }
        if let Some(i) = &self.instances {
            let services = [
                Some(("single", &i.single)),
                Some(("multi", &i.multi)),
                i.single_postgres.as_ref().map(|s| ("single_postgres", s)),
            ];
            for (which, service) in services.into_iter().flatten() {
                if let Some(g) = &service.gate {
                    put(format!("instances_{which}_gate_to_all_ms"), g.to_all);
                }
                if let Some(e) = &service.entry {
                    put(format!("instances_{which}_entry_p50_ms"), e.delivery.p50);
                }
                for c in &service.chats {
                    put(
                        format!("instances_{which}_messages_per_s_at_{}", c.chats),
                        c.per_s,
                    );
                }
                if let Some(r) = &service.race {
                    put(
                        format!("instances_{which}_race_all_answered_ms"),
                        r.all_answered.p50,
                    );
                }
            }
            if let Some(k) = &i.kill {
                put("instances_kill_gate_closed_max_ms".into(), k.closed.max);
            }
            if let Some(r) = &i.rolling {
                put("instances_rolling_restart_s".into(), r.seconds);
            }
        }
        keys
    }
}

/// A number of milliseconds with about three significant digits.
pub fn ms(value: f64) -> String {
    if !value.is_finite() {
        "—".into()
    } else if value < 1.0 {
        format!("{value:.3} ms")
    } else if value < 10.0 {
        format!("{value:.2} ms")
    } else if value < 100.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.0} ms")
    }
}

/// A rate or count, grouped by thousands with thin spaces (`12 345`).
pub fn count(value: f64) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let rounded = if value < 100.0 {
        return format!("{value:.1}");
    } else {
        value.round() as u64
    };
    let digits = rounded.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

pub fn times(value: f64) -> String {
    if !value.is_finite() {
        "—".into()
    } else if value < 10.0 {
        format!("{value:.2}×")
    } else {
        format!("{value:.0}×")
    }
}

fn kib(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1} KiB")
    } else {
        "—".into()
    }
}

fn percent(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2} %")
    } else {
        "—".into()
    }
}

/// "1 watcher", "10k watchers".
fn n_of(k: usize, one: &str, many: &str) -> String {
    if k == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", k_label(k))
    }
}

fn k_label(k: usize) -> String {
    if k >= 1000 && (k / 1000) * 1000 == k {
        format!("{}k", k / 1000)
    } else {
        k.to_string()
    }
}

/// One line of the figures table.
struct Row {
    figure: String,
    pforte: String,
    reference: String,
    ratio: String,
}

fn row(
    figure: impl Into<String>,
    pforte: impl Into<String>,
    reference: impl Into<String>,
    ratio: impl Into<String>,
) -> Row {
    Row {
        figure: figure.into(),
        pforte: pforte.into(),
        reference: reference.into(),
        ratio: ratio.into(),
    }
}

fn rows(f: &Figures) -> Vec<Row> {
    let mut out = Vec::new();
    let sync = f.fdatasync_ms();
    // "(start 0.2 ms, end 0.8 ms)" when the disk was measured more than once.
    let runs = |get: fn(&DiskFigures) -> f64, show: fn(f64) -> String| {
        if f.disk_runs.len() < 2 {
            return String::new();
        }
        let all: Vec<String> = f.disk_runs.iter().map(|d| show(get(d))).collect();
        format!(" (start {}, end {})", all[0], all[all.len() - 1])
    };
    if let Some(d) = &f.disk {
        out.push(row(
            "disk: 4 KiB write in place + `fdatasync` (mean of the start and the end of the run)",
            format!(
                "p50 {}{}, {}/s",
                ms(d.fdatasync.p50),
                runs(|d| d.fdatasync.p50, ms),
                count(d.fdatasyncs_per_s)
            ),
            "—",
            "(\"one fdatasync\", the unit of the ratios below)",
        ));
        out.push(row(
            "disk: 4 KiB append + `fdatasync`",
            format!("p50 {}", ms(d.fdatasync_append.p50)),
            "in place",
            times(ratio(d.fdatasync_append.p50, sync)),
        ));
        out.push(row(
            "SQLite (WAL, synchronous=FULL): 1 row per commit",
            format!(
                "p50 {}, {} commits/s{}",
                ms(d.sqlite_commit.p50),
                count(d.sqlite_commits_per_s),
                runs(|d| d.sqlite_commits_per_s, count)
            ),
            "fdatasync",
            format!(
                "p50 {} of one fdatasync",
                times(ratio(d.sqlite_commit.p50, sync))
            ),
        ));
        out.push(row(
            "SQLite: 100 rows per commit",
            format!(
                "{} rows/s{} (p50 {} per commit)",
                count(d.sqlite_batched_rows_per_s),
                runs(|d| d.sqlite_batched_rows_per_s, count),
                ms(d.sqlite_batch_commit.p50)
            ),
            "1 row per commit",
            format!(
                "{} the rows/s",
                times(ratio(d.sqlite_batched_rows_per_s, d.sqlite_commits_per_s))
            ),
        ));
    }
    let mut ks: Vec<usize> = f
        .fanout
        .iter()
        .filter(|x| x.system == PFORTE)
        .map(|x| x.subscribers)
        .collect();
    ks.sort_unstable();
    let answer_at_1 = f
        .fan_out(PFORTE, 1)
        .and_then(|x| x.answer)
        .unwrap_or(f64::NAN);
    for k in &ks {
        let Some(p) = f.fan_out(PFORTE, *k) else {
            continue;
        };
        let nats = f.fan_out(NATS, *k);
        let mosq = f.fan_out(MOSQUITTO, *k);
        let peer = |x: Option<&FanOut>, get: fn(&FanOut) -> f64| x.map_or(f64::NAN, get);
        out.push(row(
            format!(
                "gate change → {}: p50 / p99 over watchers",
                n_of(*k, "watcher", "watchers")
            ),
            format!("{} / {}", ms(p.p50), ms(p.p99)),
            format!(
                "NATS {} / {}; Mosquitto {} / {}",
                ms(peer(nats, |x| x.p50)),
                ms(peer(nats, |x| x.p99)),
                ms(peer(mosq, |x| x.p50)),
                ms(peer(mosq, |x| x.p99))
            ),
            {
                let mut r = format!("p50 {} NATS", times(ratio(p.p50, peer(nats, |x| x.p50))));
                if *k == 1 {
                    r.push_str(&format!(", {} one fdatasync", times(ratio(p.p50, sync))));
                }
                r
            },
        ));
        out.push(row(
            format!(
                "gate change → {}: time to all (median of {}; worst)",
                n_of(*k, "watcher", "watchers"),
                p.events
            ),
            format!("{} ({})", ms(p.to_all), ms(p.to_all_max)),
            format!(
                "NATS {} ({}); Mosquitto {} ({})",
                ms(peer(nats, |x| x.to_all)),
                ms(peer(nats, |x| x.to_all_max)),
                ms(peer(mosq, |x| x.to_all)),
                ms(peer(mosq, |x| x.to_all_max))
            ),
            format!(
                "{} NATS, {} Mosquitto",
                times(ratio(p.to_all, peer(nats, |x| x.to_all))),
                times(ratio(p.to_all, peer(mosq, |x| x.to_all)))
            ),
        ));
        if let Some(answer) = p.answer {
            out.push(row(
                format!(
                    "`PUT /api/me/availability` answer with {} (median; worst)",
                    n_of(*k, "watcher", "watchers")
                ),
                format!("{} ({})", ms(answer), ms(p.answer_max.unwrap_or(f64::NAN))),
                format!("with 1 watcher: {}", ms(answer_at_1)),
                format!("{} of K = 1", times(ratio(answer, answer_at_1))),
            ));
        }
    }
    let mosq_sub = f.idle_of(MOSQUITTO, "subscriber");
    let nats_sub = f.idle_of(NATS, "subscriber");
    for kind in ["gate watcher", "counselor", "asker"] {
        let Some(i) = f.idle_of(PFORTE, kind) else {
            continue;
        };
        let m = mosq_sub.map_or(f64::NAN, |x| x.kib_per_socket);
        let n = nats_sub.map_or(f64::NAN, |x| x.kib_per_socket);
        out.push(row(
            format!(
                "idle memory per {kind} socket ({} sockets)",
                k_label(i.sockets)
            ),
            kib(i.kib_per_socket),
            format!("NATS {}, Mosquitto {} per subscriber", kib(n), kib(m)),
            format!(
                "{} Mosquitto, {} NATS",
                times(ratio(i.kib_per_socket, m)),
                times(ratio(i.kib_per_socket, n))
            ),
        ));
    }
    for kind in ["gate watcher", "counselor", "asker"] {
        let Some(i) = f.idle_of(PFORTE, kind) else {
            continue;
        };
        let m = mosq_sub.map_or(f64::NAN, |x| x.cpu_percent);
        let n = nats_sub.map_or(f64::NAN, |x| x.cpu_percent);
        out.push(row(
            format!(
                "idle CPU with {} {kind} sockets, % of one core over {:.0} s",
                k_label(i.sockets),
                i.seconds
            ),
            format!(
                "{} (bench itself {})",
                percent(i.cpu_percent),
                percent(i.bench_cpu_percent)
            ),
            format!("NATS {}, Mosquitto {}", percent(n), percent(m)),
            format!(
                "{} Mosquitto, {} NATS",
                times(ratio(i.cpu_percent, m)),
                times(ratio(i.cpu_percent, n))
            ),
        ));
    }
    for i in f.idle.iter().filter(|i| i.system != PFORTE) {
        out.push(row(
            format!(
                "{}: {} idle subscribers, memory per socket; CPU over {:.0} s",
                i.system,
                k_label(i.sockets),
                i.seconds
            ),
            "—",
            format!(
                "{}; {} (bench itself {})",
                kib(i.kib_per_socket),
                percent(i.cpu_percent),
                percent(i.bench_cpu_percent)
            ),
            "—",
        ));
    }
    for e in &f.entry {
        out.push(row(
            format!(
                "asker entry → {}: p50 / p99 ({} entries)",
                n_of(
                    e.counselors,
                    "available counselor",
                    "available counselors each"
                ),
                e.rounds
            ),
            format!(
                "{} / {} (to all: p50 {}; POST answer p50 {})",
                ms(e.delivery.p50),
                ms(e.delivery.p99),
                ms(e.to_all.p50),
                ms(e.answer.p50)
            ),
            format!("fdatasync {}", ms(sync)),
            format!("p50 {} one fdatasync", times(ratio(e.delivery.p50, sync))),
        ));
    }
    if let Some(r) = &f.race {
        out.push(row(
            format!(
                "accept race of {}: one 200, {} × 409; until all answered (median of {}; worst)",
                r.counselors,
                r.counselors - 1,
                r.rounds
            ),
            format!(
                "{} ({}); winner's answer p50 {}",
                ms(r.all_answered.p50),
                ms(r.all_answered.max),
                ms(r.winner.p50)
            ),
            format!("fdatasync {}", ms(sync)),
            format!("{} one fdatasync", times(ratio(r.all_answered.p50, sync))),
        ));
    }
    let batched = f.batched_rows_per_s();
    let single = f.disk.as_ref().map_or(f64::NAN, |d| d.sqlite_commits_per_s);
    for c in &f.chats {
        out.push(row(
            format!(
                "acknowledged messages, {}: per second; p50 / p99 ack",
                n_of(c.chats, "chat", "concurrent chats")
            ),
            format!(
                "{}/s; {} / {}",
                count(c.per_s),
                ms(c.ack.p50),
                ms(c.ack.p99)
            ),
            format!(
                "SQLite {} commits/s, {} batched rows/s",
                count(single),
                count(batched)
            ),
            format!(
                "{} SQLite commits, {} batched rows; p99 {} one fdatasync",
                times(ratio(c.per_s, single)),
                times(ratio(c.per_s, batched)),
                times(ratio(c.ack.p99, sync))
            ),
        ));
    }
    if let Some(l) = &f.login {
        out.push(row(
            format!("login (`POST /api/auth/login`, argon2id): p50 one at a time; logins/s with {} in parallel", l.parallel),
            format!("{}; {}/s", ms(l.sequential.p50), count(l.per_s)),
            format!("{} cores", std::thread::available_parallelism().map_or(0, usize::from)),
            format!("{:.2} cores busy (p50 × logins/s)", l.sequential.p50 / 1000.0 * l.per_s),
        ));
    }
    if let Some(q) = &f.queue {
        out.push(row(
            format!(
                "enter with {} waiting vs empty queue: p50 / p99",
                k_label(q.size)
            ),
            format!("{} / {}", ms(q.enter_full.p50), ms(q.enter_full.p99)),
            format!(
                "empty: {} / {}",
                ms(q.enter_empty.p50),
                ms(q.enter_empty.p99)
            ),
            format!(
                "p99 {} of empty",
                times(ratio(q.enter_full.p99, q.enter_empty.p99))
            ),
        ));
        out.push(row(
            format!(
                "accept with {} waiting vs empty queue: p50 / p99",
                k_label(q.size)
            ),
            format!("{} / {}", ms(q.accept_full.p50), ms(q.accept_full.p99)),
            format!(
                "empty: {} / {}",
                ms(q.accept_empty.p50),
                ms(q.accept_empty.p99)
            ),
            format!(
                "p99 {} of empty",
                times(ratio(q.accept_full.p99, q.accept_empty.p99))
            ),
        ));
        out.push(row(
            format!("entries while {} askers fill the queue (4 at a time): p50 of the first / last tenth", k_label(q.size)),
            format!("{} / {} ({:.0} s in all)", ms(q.fill_first.p50), ms(q.fill_last.p50), q.fill_seconds),
            "—",
            format!("{} growth", times(ratio(q.fill_last.p50, q.fill_first.p50))),
        ));
    }
    out
}

/// One of the goals, measured.
pub struct Goal {
    pub goal: String,
    pub figure: String,
    pub met: Option<bool>,
}

fn goal(goal: impl Into<String>, value: f64, limit: f64, below: bool, figure: String) -> Goal {
    let met = value.is_finite().then_some(if below {
        value <= limit
    } else {
        value >= limit
    });
    Goal {
        goal: goal.into(),
        figure,
        met,
    }
}

/// The goals of issue 8, each as a ratio measured in this run (`before`: the figures of the
/// run labelled "before", for the one goal that compares runs).
pub fn goals(f: &Figures, before: Option<&BTreeMap<String, f64>>) -> Vec<Goal> {
    let mut out = Vec::new();
    let sync = f.fdatasync_ms();
    let k = f.most_subscribers();
    if let Some(p) = f.fan_out(PFORTE, k) {
        let nats = f.fan_out(NATS, k).map_or(f64::NAN, |x| x.to_all);
        let r = ratio(p.to_all, nats);
        out.push(goal(
            format!(
                "gate change → {} watchers: time to all ≤ 0.8× NATS",
                k_label(k)
            ),
            r,
            0.8,
            true,
            format!("{} ({} vs {})", times(r), ms(p.to_all), ms(nats)),
        ));
        let at_1 = f
            .fan_out(PFORTE, 1)
            .and_then(|x| x.answer)
            .unwrap_or(f64::NAN);
        let r = ratio(p.answer.unwrap_or(f64::NAN), at_1);
        out.push(goal(
            format!(
                "the PUT's answer with {} watchers within 2× of K = 1",
                k_label(k)
            ),
            r,
            2.0,
            true,
            format!(
                "{} ({} vs {})",
                times(r),
                ms(p.answer.unwrap_or(f64::NAN)),
                ms(at_1)
            ),
        ));
    }
    if let Some(p) = f.fan_out(PFORTE, 1) {
        let r = ratio(p.p50, sync);
        out.push(goal(
            "gate change → 1 watcher ≤ 2× one fdatasync (p50 each)",
            r,
            2.0,
            true,
            format!("{} ({} vs {})", times(r), ms(p.p50), ms(sync)),
        ));
    }
    if let Some(e) = f.entry.iter().min_by_key(|e| e.counselors) {
        let r = ratio(e.delivery.p50, sync);
        out.push(goal(
            format!(
                "entry → counselor ({} available) ≤ 2× one fdatasync (p50 each)",
                e.counselors
            ),
            r,
            2.0,
            true,
            format!("{} ({} vs {})", times(r), ms(e.delivery.p50), ms(sync)),
        ));
    }
    let mosq = f
        .idle_of(MOSQUITTO, "subscriber")
        .map_or(f64::NAN, |x| x.kib_per_socket);
    for (kind, limit) in [("gate watcher", 4.0), ("counselor", 6.0)] {
        if let Some(i) = f.idle_of(PFORTE, kind) {
            out.push(goal(
                format!("idle memory ≤ {limit} KiB per {kind} socket"),
                i.kib_per_socket,
                limit,
                true,
                kib(i.kib_per_socket),
            ));
            let r = ratio(i.kib_per_socket, mosq);
            out.push(Goal {
                goal: format!("idle memory per {kind} socket below Mosquitto's"),
                figure: format!("{} ({} vs {})", times(r), kib(i.kib_per_socket), kib(mosq)),
                met: r.is_finite().then_some(r < 1.0),
            });
        }
    }
    for kind in ["gate watcher", "counselor", "asker"] {
        if let Some(i) = f.idle_of(PFORTE, kind) {
            out.push(goal(
                format!(
                    "idle CPU with {} {kind} sockets ≤ 1 % of a core",
                    k_label(i.sockets)
                ),
                i.cpu_percent,
                1.0,
                true,
                percent(i.cpu_percent),
            ));
        }
    }
    if let Some(c) = f.most_chats() {
        let key = format!("messages_per_s_at_{}", c.chats);
        match before.and_then(|b| b.get(&key).copied()) {
            Some(then) => {
                let r = ratio(c.per_s, then);
                out.push(goal(
                    format!(
                        "acknowledged messages/s at {} chats ≥ 20× the \"before\" run",
                        c.chats
                    ),
                    r,
                    20.0,
                    false,
                    format!("{} ({}/s vs {}/s)", times(r), count(c.per_s), count(then)),
                ));
            }
            None => out.push(Goal {
                goal: format!(
                    "acknowledged messages/s at {} chats ≥ 20× the \"before\" run",
                    c.chats
                ),
                figure: format!(
                    "{}/s; this is the \"before\" run (or none is recorded)",
                    count(c.per_s)
                ),
                met: None,
            }),
        }
        let r = ratio(c.per_s, f.batched_rows_per_s());
        out.push(goal(
            format!(
                "acknowledged messages/s at {} chats ≥ 0.3× SQLite's batched rows/s",
                c.chats
            ),
            r,
            0.3,
            false,
            format!(
                "{} ({}/s vs {}/s)",
                times(r),
                count(c.per_s),
                count(f.batched_rows_per_s())
            ),
        ));
        let r = ratio(c.ack.p99, sync);
        out.push(goal(
            format!(
                "acknowledgment p99 at {} chats ≤ 4× one fdatasync (p50)",
                c.chats
            ),
            r,
            4.0,
            true,
            format!("{} ({} vs {})", times(r), ms(c.ack.p99), ms(sync)),
        ));
    }
    if let Some(q) = &f.queue {
        for (what, full, empty) in [
            ("enter", q.enter_full.p99, q.enter_empty.p99),
            ("accept", q.accept_full.p99, q.accept_empty.p99),
        ] {
            let r = ratio(full, empty);
            out.push(goal(
                format!(
                    "{}-request queue: {what} p99 within 2× of an empty queue",
                    k_label(q.size)
                ),
                r,
                2.0,
                true,
                format!("{} ({} vs {})", times(r), ms(full), ms(empty)),
            ));
        }
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The two tables: every figure with its reference and ratio, then the goals.
pub fn tables(f: &Figures, before: Option<&BTreeMap<String, f64>>) -> String {
    let mut out =
        String::from("| figure | Pforte | peer / limit (same run) | ratio |\n|---|---|---|---|\n");
    for r in rows(f) {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&r.figure),
            cell(&r.pforte),
            cell(&r.reference),
            cell(&r.ratio)
        ));
    }
    out.push_str("\n| goal (issue 8) | measured | |\n|---|---|---|\n");
    for g in goals(f, before) {
        let met = match g.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "n/a",
        };
        out.push_str(&format!(
            "| {} | {} | {met} |\n",
            cell(&g.goal),
            cell(&g.figure)
        ));
    }
    if let Some(i) = &f.instances {
        out.push('\n');
        out.push_str(&instance_tables(i));
    } else if let Some(why) = &f.instances_skipped {
        out.push_str(&format!("\nSeveral instances (issue 9): skipped: {why}\n"));
    }
    out
}

fn seconds(value_ms: f64) -> String {
    if value_ms.is_finite() {
        format!("{:.2} s", value_ms / 1000.0)
    } else {
        "—".into()
    }
}

/// The rows of issue 9's table: (figure, several instances, one instance, ratio).
fn instance_rows(m: &Service, s: &Service, i: Option<&Instances>) -> Vec<Row> {
    let mut out = Vec::new();
    if let (Some(gm), Some(gs)) = (&m.gate, &s.gate) {
        let k = gm.subscribers;
        out.push(row(
            format!(
                "gate change on A → {} on B: p50 / p99 over watchers",
                n_of(k, "watcher", "watchers")
            ),
            format!("{} / {}", ms(gm.p50), ms(gm.p99)),
            format!("{} / {}", ms(gs.p50), ms(gs.p99)),
            format!(
                "p50 {}, p99 {}",
                times(ratio(gm.p50, gs.p50)),
                times(ratio(gm.p99, gs.p99))
            ),
        ));
        out.push(row(
            format!(
                "gate change on A → {} on B: time to all (median of {}; worst)",
                n_of(k, "watcher", "watchers"),
                gm.events
            ),
            format!("{} ({})", ms(gm.to_all), ms(gm.to_all_max)),
            format!("{} ({})", ms(gs.to_all), ms(gs.to_all_max)),
            times(ratio(gm.to_all, gs.to_all)),
        ));
        let (am, as_) = (gm.answer.unwrap_or(f64::NAN), gs.answer.unwrap_or(f64::NAN));
        out.push(row(
            "`PUT /api/me/availability` answer on A (median)",
            ms(am),
            ms(as_),
            times(ratio(am, as_)),
        ));
    }
    if let (Some(em), Some(es)) = (&m.entry, &s.entry) {
        out.push(row(
            format!(
                "asker entry on B → the counselor on A: p50 / p99 ({} entries)",
                em.rounds
            ),
            format!(
                "{} / {} (POST answer p50 {})",
                ms(em.delivery.p50),
                ms(em.delivery.p99),
                ms(em.answer.p50)
            ),
            format!(
                "{} / {} (POST answer p50 {})",
                ms(es.delivery.p50),
                ms(es.delivery.p99),
                ms(es.answer.p50)
            ),
            format!(
                "p50 {}, p99 {}",
                times(ratio(em.delivery.p50, es.delivery.p50)),
                times(ratio(em.delivery.p99, es.delivery.p99))
            ),
        ));
    }
    for cm in &m.chats {
        let Some(cs) = s.chats_at(cm.chats) else {
            continue;
        };
        out.push(row(
            format!(
                "acknowledged messages, {}, asker on B, counselor on A: per second; p50 / p99 ack",
                n_of(cm.chats, "chat", "concurrent chats")
            ),
            format!(
                "{}/s; {} / {}",
                count(cm.per_s),
                ms(cm.ack.p50),
                ms(cm.ack.p99)
            ),
            format!(
                "{}/s; {} / {}",
                count(cs.per_s),
                ms(cs.ack.p50),
                ms(cs.ack.p99)
            ),
            format!(
                "{} the rate; p50 {}, p99 {}",
                times(ratio(cm.per_s, cs.per_s)),
                times(ratio(cm.ack.p50, cs.ack.p50)),
                times(ratio(cm.ack.p99, cs.ack.p99))
            ),
        ));
    }
    if let (Some(rm), Some(rs)) = (&m.race, &s.race) {
        out.push(row(
            format!(
                "accept race of {} (spread over the instances): exactly one winner in each of {} rounds; until all answered (median; worst)",
                rm.counselors, rm.rounds
            ),
            format!(
                "{} ({}); winner's answer p50 {}",
                ms(rm.all_answered.p50),
                ms(rm.all_answered.max),
                ms(rm.winner.p50)
            ),
            format!(
                "{} ({}); winner's answer p50 {}",
                ms(rs.all_answered.p50),
                ms(rs.all_answered.max),
                ms(rs.winner.p50)
            ),
            times(ratio(rm.all_answered.p50, rs.all_answered.p50)),
        ));
        if let (Some(lm), Some(ls)) = (&m.losers_told, &s.losers_told) {
            out.push(row(
                format!(
                    "accept race of {}: until every loser's socket had `request_taken` (median; worst)",
                    rm.counselors
                ),
                format!("{} ({})", ms(lm.p50), ms(lm.max)),
                format!("{} ({})", ms(ls.p50), ms(ls.max)),
                times(ratio(lm.p50, ls.p50)),
            ));
        }
    }
    let Some(i) = i else {
        return out;
    };
    if let Some(k) = &i.kill {
        out.push(row(
            format!(
                "kill -9 of the instance holding the only available counselor → gate closed at the watchers on another instance (median of {}; worst)",
                k.rounds
            ),
            format!("{} ({})", seconds(k.closed.p50), seconds(k.closed.max)),
            format!(
                "bound: lease {:.0} s, renewed every {:.0} s, lapsed leases looked for every {:.0} s → ≤ {:.0} s",
                k.lease_s,
                k.renew_s,
                k.check_s,
                k.bound_s()
            ),
            format!("worst {} of 10 s", times(ratio(k.closed.max, 10_000.0))),
        ));
    }
    if let Some(r) = &i.rolling {
        out.push(row(
            format!(
                "rolling restart (SIGTERM each of {} instances in turn, start it again)",
                r.instances
            ),
            format!(
                "{:.1} s in all (stop p50 {}, start p50 {})",
                r.seconds,
                ms(r.stop.p50),
                ms(r.start.p50)
            ),
            format!(
                "{} gate watchers, {} waiting askers, watched until {:.0} s after the last restart; {} reconnects",
                r.watchers, r.askers, r.watched_s, r.reconnects
            ),
            format!(
                "gate closed seen {}×, waiting_room_closing {}×, places lost {} of {}",
                r.gate_closed_seen, r.closing_seen, r.places_lost, r.askers
            ),
        ));
    }
    out
}

/// Issue 9's goals: a command across instances within 2× the single instance, instance loss
/// noticed within 10 s, a rolling restart nobody notices.
pub fn instance_goals(i: &Instances) -> Vec<Goal> {
    let (m, s) = (&i.multi, &i.single);
    let mut out = Vec::new();
    let mut within_2x = |what: String, multi: f64, single: f64| {
        let r = ratio(multi, single);
        out.push(goal(
            format!("{what}: several instances within 2× one instance"),
            r,
            2.0,
            true,
            format!("{} ({} vs {})", times(r), ms(multi), ms(single)),
        ));
    };
    if let (Some(gm), Some(gs)) = (&m.gate, &s.gate) {
        within_2x(
            format!(
                "gate change → {} on another instance, time to all",
                n_of(gm.subscribers, "watcher", "watchers")
            ),
            gm.to_all,
            gs.to_all,
        );
    }
    if let (Some(em), Some(es)) = (&m.entry, &s.entry) {
        within_2x(
            "asker entry → counselor on another instance, p50".into(),
            em.delivery.p50,
            es.delivery.p50,
        );
    }
    for cm in &m.chats {
        if let Some(cs) = s.chats_at(cm.chats) {
            within_2x(
                format!(
                    "message acknowledgment at {}, p50",
                    n_of(cm.chats, "chat", "chats")
                ),
                cm.ack.p50,
                cs.ack.p50,
            );
        }
    }
    if let (Some(rm), Some(rs)) = (&m.race, &s.race) {
        within_2x(
            format!("accept race of {}, until all answered", rm.counselors),
            rm.all_answered.p50,
            rs.all_answered.p50,
        );
    }
    if let (Some(lm), Some(ls)) = (&m.losers_told, &s.losers_told) {
        within_2x(
            "accept race, until every loser is told".into(),
            lm.p50,
            ls.p50,
        );
    }
    if let Some(k) = &i.kill {
        out.push(goal(
            "instance lost (kill -9) → gate closed on the others ≤ 10 s, worst case",
            k.closed.max,
            10_000.0,
            true,
            format!(
                "worst {} of {} rounds (bound {:.0} s)",
                seconds(k.closed.max),
                k.rounds,
                k.bound_s()
            ),
        ));
    }
    if let Some(r) = &i.rolling {
        let noticed = r.gate_closed_seen + r.closing_seen + r.places_lost;
        out.push(Goal {
            goal: "rolling restart: no watcher sees the gate close, no asker loses their place"
                .into(),
            figure: format!(
                "{} gate closings seen, {} closing notices, {} places lost ({:.1} s)",
                r.gate_closed_seen, r.closing_seen, r.places_lost, r.seconds
            ),
            met: Some(noticed == 0),
        });
    }
    out
}

/// Issue 9's two tables.
pub fn instance_tables(i: &Instances) -> String {
    let mut out = format!(
        "| figure (issue 9: A, B = two different instances) | {} | {} (same run) | ratio |\n|---|---|---|---|\n",
        i.multi.label(),
        i.single.label()
    );
    for r in instance_rows(&i.multi, &i.single, Some(i)) {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&r.figure),
            cell(&r.pforte),
            cell(&r.reference),
            cell(&r.ratio)
        ));
    }
    out.push_str("\n| goal (issue 9) | measured | |\n|---|---|---|\n");
    for g in instance_goals(i) {
        let met = match g.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "n/a",
        };
        out.push_str(&format!(
            "| {} | {} | {met} |\n",
            cell(&g.goal),
            cell(&g.figure)
        ));
    }
    if let Some(pg) = &i.single_postgres {
        out.push_str(&format!(
            "\nThe same beside {} (what the store costs, apart from crossing instances):\n\n\
             | figure | {} | {} (same run) | ratio |\n|---|---|---|---|\n",
            pg.label(),
            i.multi.label(),
            pg.label()
        ));
        for r in instance_rows(&i.multi, pg, None) {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&r.figure),
                cell(&r.pforte),
                cell(&r.reference),
                cell(&r.ratio)
            ));
        }
    }
    out
}

/// The marker of the machine-readable line of an entry.
pub const MARKER: &str = "<!-- pforte-bench ";

#[derive(Serialize, Deserialize)]
pub struct Stamp {
    pub label: String,
    pub commit: String,
    pub figures: BTreeMap<String, f64>,
}

/// The key figures of the last entry with this label in a results file.
pub fn find_labelled(results: &str, label: &str) -> Option<BTreeMap<String, f64>> {
    results
        .lines()
        .filter_map(|l| l.trim().strip_prefix(MARKER)?.strip_suffix("-->"))
        .filter_map(|json| serde_json::from_str::<Stamp>(json.trim()).ok())
        .rfind(|s| s.label == label)
        .map(|s| s.figures)
}

pub fn stamp_line(label: &str, commit: &str, f: &Figures) -> String {
    let stamp = Stamp {
        label: label.into(),
        commit: commit.into(),
        figures: f.key_figures(),
    };
    format!(
        "{MARKER}{} -->",
        serde_json::to_string(&stamp).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(p50: f64, p99: f64) -> Summary {
        Summary {
            count: 10,
            p50,
            p99,
            max: p99,
        }
    }

    fn figures() -> Figures {
        Figures {
            disk: Some(DiskFigures {
                fdatasync: summary(2.0, 4.0),
                fdatasyncs_per_s: 500.0,
                fdatasync_append: summary(3.0, 5.0),
                sqlite_commit: summary(3.0, 6.0),
                sqlite_commits_per_s: 300.0,
                sqlite_batch_commit: summary(4.0, 8.0),
                sqlite_batched_rows_per_s: 25_000.0,
            }),
            fanout: vec![
                FanOut::from_events(PFORTE, 1, &[vec![3.0], vec![5.0]], &[3.0, 3.0]),
                FanOut::from_events(PFORTE, 10_000, &[vec![100.0, 150.0]], &[30.0]),
                FanOut::from_events(NATS, 10_000, &[vec![90.0, 170.0]], &[]),
            ],
            chats: vec![Chats {
                chats: 100,
                messages: 7000,
                seconds: 10.0,
                per_s: 700.0,
                ack: summary(100.0, 200.0),
            }],
            ..Figures::default()
        }
    }

    #[test]
    fn a_fan_out_takes_the_median_over_events_and_the_worst_time_to_all() {
        let fan = FanOut::from_events(
            PFORTE,
            2,
            &[vec![1.0, 4.0], vec![2.0, 8.0], vec![3.0, 6.0]],
            &[1.0, 9.0, 2.0],
        );
        assert_eq!(fan.p50, 2.0);
        assert_eq!(fan.to_all, 6.0);
        assert_eq!(fan.to_all_max, 8.0);
        assert_eq!(fan.answer, Some(2.0));
        assert_eq!(fan.answer_max, Some(9.0));
    }

    #[test]
    fn goals_are_judged_as_ratios_within_the_run() {
        let goals = goals(&figures(), None);
        let find = |start: &str| goals.iter().find(|g| g.goal.starts_with(start)).unwrap();
        // 150 ms to all vs NATS 170 ms: 0.88×, above 0.8×.
        assert_eq!(find("gate change → 10k watchers").met, Some(false));
        // 30 ms vs 3 ms.
        assert_eq!(find("the PUT's answer").met, Some(false));
        // p50 3 ms (the lower median of 3 and 5) vs fdatasync 2 ms: 1.5×, met.
        assert_eq!(find("gate change → 1 watcher").met, Some(true));
        // 700/s vs 25 000 rows/s.
        assert_eq!(
            find("acknowledged messages/s at 100 chats ≥ 0.3×").met,
            Some(false)
        );
        // No "before" run: not judged.
        assert_eq!(find("acknowledged messages/s at 100 chats ≥ 20×").met, None);
    }

    #[test]
    fn an_after_run_is_compared_with_the_key_figures_of_the_before_run_in_the_results_file() {
        let before = figures();
        let file = format!(
            "# Results\n\n## run\n\n{}\n\n## other\n\n{}\n",
            stamp_line("before", "abc1234", &before),
            stamp_line("after", "def5678", &Figures::default())
        );
        let found = find_labelled(&file, "before").unwrap();
        assert_eq!(found.get("messages_per_s_at_100"), Some(&700.0));
        let mut after = figures();
        after.chats[0].per_s = 21_000.0;
        let goals = goals(&after, Some(&found));
        let twenty = goals.iter().find(|g| g.goal.contains("20×")).unwrap();
        assert_eq!(twenty.met, Some(true));
        assert!(twenty.figure.starts_with("30×"), "{}", twenty.figure);
    }

    #[test]
    fn the_tables_show_every_measured_figure_and_mark_missed_goals() {
        let text = tables(&figures(), None);
        assert!(text.contains("| gate change → 10k watchers: time to all (median of 1; worst) | 150 ms (150 ms) | NATS 170 ms (170 ms); Mosquitto — (—) | 0.88× NATS, — Mosquitto |"), "{text}");
        assert!(text.contains("**missed**"));
        assert!(text.contains("| met |"));
    }

    #[test]
    fn instance_figures_are_judged_against_the_single_instance_of_the_same_run() {
        let service = |instances, store: &str, gate: f64, ack: f64| Service {
            instances,
            store: store.into(),
            gate: Some(FanOut::from_events(
                PFORTE,
                1000,
                &[vec![gate / 2.0, gate]],
                &[3.0],
            )),
            chats: vec![Chats {
                chats: 10,
                messages: 100,
                seconds: 1.0,
                per_s: 100.0,
                ack: summary(ack, ack * 2.0),
            }],
            ..Service::default()
        };
        let i = Instances {
            single: service(1, "SQLite", 10.0, 2.0),
            multi: service(3, "PostgreSQL", 30.0, 3.0),
            single_postgres: Some(service(1, "PostgreSQL", 20.0, 2.5)),
            kill: Some(Kill {
                rounds: 3,
                closed: summary(5_000.0, 7_500.0),
                lease_s: 6.0,
                renew_s: 2.0,
                check_s: 1.0,
            }),
            rolling: Some(Rolling {
                instances: 3,
                seconds: 9.0,
                stop: summary(100.0, 200.0),
                start: summary(300.0, 400.0),
                watched_s: 17.0,
                watchers: 30,
                askers: 20,
                reconnects: 60,
                gate_closed_seen: 0,
                closing_seen: 0,
                places_lost: 1,
            }),
        };
        let goals = instance_goals(&i);
        let find = |start: &str| goals.iter().find(|g| g.goal.starts_with(start)).unwrap();
        // 30 ms vs 10 ms to all: 3×.
        assert_eq!(find("gate change → 1k watchers").met, Some(false));
        // 3 ms vs 2 ms: 1.5×.
        assert_eq!(find("message acknowledgment at 10 chats").met, Some(true));
        assert_eq!(find("instance lost").met, Some(true));
        assert_eq!(find("rolling restart").met, Some(false));
        let text = instance_tables(&i);
        assert!(
            text.contains("| 3 instances on PostgreSQL | 1 instance on SQLite (same run) |"),
            "{text}"
        );
        assert!(text.contains("→ ≤ 7 s"), "{text}");
        assert!(
            text.contains("| 3 instances on PostgreSQL | 1 instance on PostgreSQL (same run) |"),
            "{text}"
        );
    }

    #[test]
    fn numbers_keep_about_three_digits_and_thousands_are_grouped() {
        assert_eq!(ms(0.2512), "0.251 ms");
        assert_eq!(ms(3.3), "3.30 ms");
        assert_eq!(ms(175.4), "175 ms");
        assert_eq!(count(23_456.4), "23\u{202f}456");
        assert_eq!(count(42.0), "42.0");
        assert_eq!(times(0.875), "0.88×");
    }
}
