//! The live connections: who holds which WebSocket, delivery of events to them, and the
//! heartbeat.
//!
//! Delivery never waits: each socket has a small bounded queue, and a socket that cannot keep
//! up is dropped (its client reconnects and re-reads its state). The hub can end a socket at
//! once, whatever its queue holds: the socket task learns it through its [`Link`] before it
//! sends anything else, so nothing queued reaches a logged-out device.
//!
//! The heartbeat is one sweep over all sockets ([`Hub::sweep`], a few times a second), not a
//! timer per socket: an idle socket costs no wake-ups between its pings. Each socket records
//! when it last heard its peer; the sweep pings sockets whose interval is due and ends those
//! silent past their timeout.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use pforte_domain::{ConnectionId, CounselorId, InstanceId, RequestId};
use pforte_wire::ServerEvent;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How many events may queue for one socket before it counts as stuck.
const QUEUE: usize = 256;
/// Events that can be replaced by one "re-read the list" marker ([`Delivery::Coalesce`]) stop
/// being queued once fewer than this many places are free, so a flood of requests never
/// crowds out a chat message.
const COALESCE_BELOW: usize = QUEUE / 2;

/// Who is at the other end of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Counselor { id: CounselorId, session: i64 },
    Asker { chat: RequestId },
    GateWatcher,
}

/// What a socket task is asked to send.
#[derive(Debug)]
pub enum Outbound {
    Event(Utf8Bytes),
    /// Wakes the socket task for a due ping ([`Link::take_ping_due`]).
    Ping,
}

/// Why the hub ended a socket. The socket task acts on it before anything else it holds.
#[derive(Debug)]
pub enum Ending {
    /// The login session ended: send this last event, then close with 4401.
    SessionEnded(Utf8Bytes),
    /// Nothing heard from the peer for longer than the heartbeat timeout: it is gone, so do
    /// not wait on it to say goodbye.
    Silent,
    /// The queue was full: the client could not keep up.
    TooSlow,
    /// This instance stops serving (it lost its lease or its database): reconnect, to
    /// another instance or to this one once it is back.
    Restart,
}

/// What the hub and a socket task share.
#[derive(Debug)]
pub struct Link {
    /// When the peer was last heard, in milliseconds since the hub's epoch.
    heard: AtomicU64,
    /// Request events were coalesced: send one `requests_changed` once the queue drains.
    requests_stale: AtomicBool,
    /// A ping is due: sent before the next queued event, so a slow reader with a full queue
    /// still answers the heartbeat in time.
    ping_due: AtomicBool,
}

impl Link {
    /// Whether a ping is due; clears the mark.
    pub fn take_ping_due(&self) -> bool {
        self.ping_due.swap(false, Ordering::AcqRel)
    }

    /// Whether request events were left out; clears the mark.
    pub fn take_requests_stale(&self) -> bool {
        self.requests_stale.swap(false, Ordering::AcqRel)
    }
}

/// What a socket task holds of its registration.
pub struct Registration {
    pub id: ConnectionId,
    pub outbox: mpsc::Receiver<Outbound>,
    pub ending: oneshot::Receiver<Ending>,
    pub link: Arc<Link>,
}

/// Whom a delivery is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Counselor(CounselorId),
    Chat(RequestId),
    Watchers,
    /// Every socket of this instance.
    Everyone,
}

impl From<Owner> for Target {
    fn from(owner: Owner) -> Self {
        match owner {
            Owner::Counselor { id, .. } => Target::Counselor(id),
            Owner::Asker { chat } => Target::Chat(chat),
            Owner::GateWatcher => Target::Watchers,
        }
    }
}

/// One encoded event for its recipients.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub target: Target,
    pub frame: Utf8Bytes,
    pub delivery: Delivery,
}

impl Outgoing {
    pub fn new(target: Target, event: &ServerEvent) -> Self {
        let delivery = match (target, event) {
            (
                Target::Counselor(_),
                ServerEvent::RequestCreated { .. }
                | ServerEvent::RequestWithdrawn { .. }
                | ServerEvent::CoverageChanged { .. }
                // A request taken by a colleague may be coalesced too; the one taken by this
                // counselor starts their conversation and must arrive.
                | ServerEvent::RequestTaken { by_you: false, .. }
                // A refresh without a reason (e.g. "you are now the last one, N wait"): its
                // newest state is what a re-read gives.
                | ServerEvent::AvailabilityChanged { reason: None, .. },
            ) => Delivery::Coalesce,
            _ => Delivery::Must,
        };
        Self {
            target,
            frame: Hub::encode(event),
            delivery,
        }
    }

    /// The same frame for someone else (shares the encoded bytes).
    pub fn to(&self, target: Target) -> Self {
        Self {
            target,
            frame: self.frame.clone(),
            delivery: self.delivery,
        }
    }
}

/// How an event may be treated when a socket's queue fills up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Must arrive (or the socket is dropped and its client re-reads everything).
    Must,
    /// A change of the request list: may be replaced by one `requests_changed`.
    Coalesce,
}

struct Connection {
    owner: Owner,
    tx: mpsc::Sender<Outbound>,
    ending: Option<oneshot::Sender<Ending>>,
    link: Arc<Link>,
    /// When the last ping was queued, in milliseconds since the hub's epoch.
    pinged: u64,
}

impl Connection {
    fn end(&mut self, why: Ending) {
        if let Some(ending) = self.ending.take() {
            let _ = ending.send(why);
        }
    }
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    connections: HashMap<ConnectionId, Connection>,
    by_counselor: HashMap<CounselorId, HashSet<ConnectionId>>,
    by_chat: HashMap<RequestId, HashSet<ConnectionId>>,
    watchers: HashSet<ConnectionId>,
}

impl Registry {
    fn targets(&self, target: Target) -> Vec<ConnectionId> {
        let set = match target {
            Target::Counselor(id) => self.by_counselor.get(&id),
            Target::Chat(chat) => self.by_chat.get(&chat),
            Target::Watchers => Some(&self.watchers),
            Target::Everyone => return self.connections.keys().copied().collect(),
        };
        set.map(|s| s.iter().copied().collect()).unwrap_or_default()
    }

    fn remove(&mut self, id: ConnectionId) -> Option<Connection> {
        let connection = self.connections.remove(&id)?;
        match connection.owner {
            Owner::Counselor { id: counselor, .. } => {
                if let Some(set) = self.by_counselor.get_mut(&counselor) {
                    set.remove(&id);
                    if set.is_empty() {
                        self.by_counselor.remove(&counselor);
                    }
                }
            }
            Owner::Asker { chat } => {
                if let Some(set) = self.by_chat.get_mut(&chat) {
                    set.remove(&id);
                    if set.is_empty() {
                        self.by_chat.remove(&chat);
                    }
                }
            }
            Owner::GateWatcher => {
                self.watchers.remove(&id);
            }
        }
        Some(connection)
    }
}

/// The heartbeat of one kind of socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    /// How often the server pings.
    pub interval: Duration,
    /// Silence after which the socket counts as dead.
    pub timeout: Duration,
}

/// The heartbeats of the server: counselors and askers must be found dead within seconds
/// (rule 2); gate watchers only cost resources, so they are pinged rarely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeats {
    pub people: Heartbeat,
    pub watchers: Heartbeat,
}

impl Heartbeats {
    fn of(&self, owner: Owner) -> Heartbeat {
        match owner {
            Owner::GateWatcher => self.watchers,
            _ => self.people,
        }
    }

    /// How often [`Hub::sweep`] must run: a silent socket is then found at most this long
    /// after its timeout.
    pub fn sweep_every(&self) -> Duration {
        (self.people.timeout / 18).clamp(Duration::from_millis(20), Duration::from_millis(500))
    }
}

pub struct Hub {
    registry: Mutex<Registry>,
    epoch: Instant,
    /// The instance whose connections these are (part of every connection id).
    instance: AtomicU32,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(InstanceId(0))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Hub {
    pub fn new(instance: InstanceId) -> Self {
        Self {
            registry: Mutex::default(),
            epoch: Instant::now(),
            instance: AtomicU32::new(instance.0),
        }
    }

    /// The instance new connections belong to (after rejoining the service).
    pub fn set_instance(&self, instance: InstanceId) {
        self.instance.store(instance.0, Ordering::Release);
    }

    /// End every socket: they are told to reconnect (1012) at once.
    pub fn close_all(&self) {
        let mut registry = self.lock();
        let ids: Vec<ConnectionId> = registry.connections.keys().copied().collect();
        for id in ids {
            if let Some(mut connection) = registry.remove(id) {
                connection.end(Ending::Restart);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while holding this lock cannot leave the maps half-updated in a way that
        // matters more than losing every connection, so keep serving.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> u64 {
        millis(self.epoch.elapsed())
    }

    /// The peer of this link was heard just now (any frame counts).
    pub fn heard(&self, link: &Link) {
        link.heard.store(self.now(), Ordering::Release);
    }

    /// Register a socket.
    pub fn register(&self, owner: Owner) -> Registration {
        let (tx, outbox) = mpsc::channel(QUEUE);
        let (ending_tx, ending) = oneshot::channel();
        let now = self.now();
        let link = Arc::new(Link {
            heard: AtomicU64::new(now),
            requests_stale: AtomicBool::new(false),
            ping_due: AtomicBool::new(false),
        });
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = ConnectionId::new(
            InstanceId(self.instance.load(Ordering::Acquire)),
            registry.next_id,
        );
        match owner {
            Owner::Counselor { id: counselor, .. } => {
                registry
                    .by_counselor
                    .entry(counselor)
                    .or_default()
                    .insert(id);
            }
            Owner::Asker { chat } => {
                registry.by_chat.entry(chat).or_default().insert(id);
            }
            Owner::GateWatcher => {
                registry.watchers.insert(id);
            }
        }
        registry.connections.insert(
            id,
            Connection {
                owner,
                tx,
                ending: Some(ending_tx),
                link: link.clone(),
                pinged: now,
            },
        );
        Registration {
            id,
            outbox,
            ending,
            link,
        }
    }

    /// Forget a socket (if the hub has not dropped it already).
    pub fn unregister(&self, id: ConnectionId) {
        self.lock().remove(id);
    }

    /// Queue a frame for every socket of its target; never waits.
    pub fn deliver(&self, outgoing: Outgoing) {
        let Outgoing {
            target,
            frame,
            delivery,
        } = outgoing;
        let mut registry = self.lock();
        let mut stuck = Vec::new();
        for id in registry.targets(target) {
            let Some(connection) = registry.connections.get(&id) else {
                continue;
            };
            if delivery == Delivery::Coalesce && connection.tx.capacity() < COALESCE_BELOW {
                connection
                    .link
                    .requests_stale
                    .store(true, Ordering::Release);
                continue;
            }
            if connection
                .tx
                .try_send(Outbound::Event(frame.clone()))
                .is_err()
            {
                stuck.push(id);
            }
        }
        for id in stuck {
            if let Some(mut connection) = registry.remove(id) {
                connection.end(Ending::TooSlow);
            }
        }
    }

    pub fn encode(event: &ServerEvent) -> Utf8Bytes {
        Utf8Bytes::from(serde_json::to_string(event).unwrap_or_default())
    }

    /// End the sockets of one login session at once: they leave the hub before this returns
    /// (nothing more is delivered to them), and each sends `event` and closes with 4401
    /// before anything still queued.
    pub fn end_session(&self, session: i64, event: &ServerEvent) {
        let text = Self::encode(event);
        let mut registry = self.lock();
        let ids: Vec<ConnectionId> = registry
            .connections
            .iter()
            .filter(|(_, c)| matches!(c.owner, Owner::Counselor { session: s, .. } if s == session))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(mut connection) = registry.remove(id) {
                connection.end(Ending::SessionEnded(text.clone()));
            }
        }
    }

    /// End every socket of a counselor (the account was deactivated).
    pub fn end_counselor(&self, counselor: CounselorId, event: &ServerEvent) {
        let text = Self::encode(event);
        let mut registry = self.lock();
        let ids: Vec<ConnectionId> = registry
            .connections
            .iter()
            .filter(|(_, c)| matches!(c.owner, Owner::Counselor { id, .. } if id == counselor))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(mut connection) = registry.remove(id) {
                connection.end(Ending::SessionEnded(text.clone()));
            }
        }
    }

    /// The heartbeat: ping the sockets whose interval is due and end those silent past their
    /// timeout. Call every [`Heartbeats::sweep_every`].
    pub fn sweep(&self, heartbeats: &Heartbeats) {
        let now = self.now();
        let mut registry = self.lock();
        let mut ended = Vec::new();
        for (id, connection) in registry.connections.iter_mut() {
            let beat = heartbeats.of(connection.owner);
            let heard = connection.link.heard.load(Ordering::Acquire);
            if now.saturating_sub(heard) >= millis(beat.timeout) {
                ended.push((*id, Ending::Silent));
            } else if now.saturating_sub(connection.pinged) >= millis(beat.interval) {
                connection.pinged = now;
                connection.link.ping_due.store(true, Ordering::Release);
                // Wake an idle socket task; a busy one sees the mark before its next event.
                if connection.tx.capacity() == connection.tx.max_capacity() {
                    let _ = connection.tx.try_send(Outbound::Ping);
                }
            }
        }
        for (id, why) in ended {
            if let Some(mut connection) = registry.remove(id) {
                connection.end(why);
            }
        }
    }

    /// Whether a socket here would get a frame sent to `target`.
    pub fn holds(&self, target: Target) -> bool {
        let registry = self.lock();
        match target {
            Target::Counselor(id) => registry.by_counselor.contains_key(&id),
            Target::Chat(chat) => registry.by_chat.contains_key(&chat),
            Target::Watchers => !registry.watchers.is_empty(),
            Target::Everyone => !registry.connections.is_empty(),
        }
    }

    /// Number of open sockets.
    pub fn len(&self) -> usize {
        self.lock().connections.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Hub {
        fn to_counselor(&self, counselor: CounselorId, event: &ServerEvent) {
            self.deliver(Outgoing::new(Target::Counselor(counselor), event));
        }
    }

    fn beats(interval_ms: u64, timeout_ms: u64) -> Heartbeats {
        let beat = Heartbeat {
            interval: Duration::from_millis(interval_ms),
            timeout: Duration::from_millis(timeout_ms),
        };
        Heartbeats {
            people: beat,
            watchers: beat,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_socket_silent_past_its_timeout_is_ended_by_the_next_sweep() {
        let hub = Hub::default();
        let heartbeats = beats(3_000, 9_000);
        let mut socket = hub.register(Owner::GateWatcher);
        tokio::time::advance(Duration::from_millis(8_999)).await;
        hub.sweep(&heartbeats);
        assert!(socket.ending.try_recv().is_err(), "not yet");
        tokio::time::advance(Duration::from_millis(1)).await;
        hub.sweep(&heartbeats);
        assert!(matches!(socket.ending.try_recv(), Ok(Ending::Silent)));
        assert!(hub.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn hearing_the_peer_keeps_a_socket_alive_and_pings_come_at_the_interval() {
        let hub = Hub::default();
        let heartbeats = beats(3_000, 9_000);
        let mut socket = hub.register(Owner::GateWatcher);
        for _ in 0..10 {
            tokio::time::advance(Duration::from_millis(3_000)).await;
            hub.sweep(&heartbeats);
            assert!(matches!(socket.outbox.try_recv(), Ok(Outbound::Ping)));
            assert!(socket.link.take_ping_due());
            hub.heard(&socket.link);
        }
        assert!(socket.ending.try_recv().is_err());
        assert_eq!(hub.len(), 1);
    }

    #[tokio::test]
    async fn the_hub_holds_a_chat_or_counselor_only_while_one_of_their_sockets_is_here() {
        let hub = Hub::default();
        let chat = RequestId(uuid::Uuid::new_v4());
        let asker = hub.register(Owner::Asker { chat });
        let counselor = hub.register(Owner::Counselor {
            id: CounselorId(1),
            session: 7,
        });
        assert!(hub.holds(Target::Chat(chat)));
        assert!(hub.holds(Target::Counselor(CounselorId(1))));
        assert!(!hub.holds(Target::Chat(RequestId(uuid::Uuid::new_v4()))));
        assert!(!hub.holds(Target::Counselor(CounselorId(2))));
        hub.unregister(asker.id);
        hub.unregister(counselor.id);
        assert!(!hub.holds(Target::Chat(chat)));
        assert!(!hub.holds(Target::Counselor(CounselorId(1))));
    }

    #[tokio::test]
    async fn ending_a_session_removes_its_sockets_even_with_a_full_queue() {
        let hub = Hub::default();
        let owner = Owner::Counselor {
            id: CounselorId(1),
            session: 7,
        };
        let mut socket = hub.register(owner);
        let message = ServerEvent::Pong;
        for _ in 0..QUEUE {
            hub.to_counselor(CounselorId(1), &message);
        }
        hub.end_session(7, &ServerEvent::Ready);
        assert!(hub.is_empty());
        assert!(matches!(
            socket.ending.try_recv(),
            Ok(Ending::SessionEnded(_))
        ));
        // Nothing delivered after the end.
        hub.to_counselor(CounselorId(1), &message);
        let mut queued = 0;
        while socket.outbox.try_recv().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, QUEUE);
    }

    #[tokio::test]
    async fn a_flood_of_request_events_is_coalesced_and_leaves_room_for_messages() {
        let hub = Hub::default();
        let mut socket = hub.register(Owner::Counselor {
            id: CounselorId(1),
            session: 1,
        });
        let withdrawn = ServerEvent::RequestWithdrawn {
            request_id: uuid::Uuid::nil(),
            topic_id: 1,
            reason: pforte_wire::RequestEndReason::Withdrawn,
        };
        for _ in 0..10 * QUEUE {
            hub.to_counselor(CounselorId(1), &withdrawn);
        }
        for _ in 0..QUEUE / 4 {
            hub.to_counselor(CounselorId(1), &ServerEvent::Pong);
        }
        assert_eq!(hub.len(), 1, "the counselor is not dropped");
        assert!(socket.link.take_requests_stale());
        assert!(socket.ending.try_recv().is_err());
    }
}
