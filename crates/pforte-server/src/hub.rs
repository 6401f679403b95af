//! The live connections: who holds which WebSocket, and delivery of events to them.
//!
//! Delivery never waits: each socket has a small bounded queue, and a socket that cannot keep
//! up is dropped (its client reconnects and re-reads its state).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use axum::extract::ws::Utf8Bytes;
use pforte_domain::{ConnectionId, CounselorId, RequestId};
use pforte_wire::ServerEvent;
use tokio::sync::mpsc;

/// How many events may queue for one socket before it counts as stuck.
const QUEUE: usize = 256;

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
    /// Send a close frame with this code and reason, then end.
    Close(u16, &'static str),
}

/// Whom a delivery is for.
#[derive(Clone, Copy, Debug)]
enum Target {
    Counselor(CounselorId),
    Chat(RequestId),
    Watchers,
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

struct Connection {
    owner: Owner,
    tx: mpsc::Sender<Outbound>,
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

#[derive(Default)]
pub struct Hub {
    registry: Mutex<Registry>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while holding this lock cannot leave the maps half-updated in a way that
        // matters more than losing every connection, so keep serving.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register a socket. Returns its id, its queue, and whether it is the first socket of
    /// its owner (for askers: the page came (back)).
    pub fn register(&self, owner: Owner) -> (ConnectionId, mpsc::Receiver<Outbound>, bool) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = ConnectionId(registry.next_id);
        let first = match owner {
            Owner::Counselor { id: counselor, .. } => {
                let set = registry.by_counselor.entry(counselor).or_default();
                set.insert(id);
                set.len() == 1
            }
            Owner::Asker { chat } => {
                let set = registry.by_chat.entry(chat).or_default();
                set.insert(id);
                set.len() == 1
            }
            Owner::GateWatcher => {
                registry.watchers.insert(id);
                registry.watchers.len() == 1
            }
        };
        registry.connections.insert(id, Connection { owner, tx });
        (id, rx, first)
    }

    /// Forget a socket (if the hub has not dropped it already). Returns whether its owner has
    /// no socket left.
    pub fn unregister(&self, id: ConnectionId, owner: Owner) -> bool {
        let mut registry = self.lock();
        registry.remove(id);
        registry.targets(owner.into()).is_empty()
    }

    fn deliver(&self, target: Target, outbound: impl Fn() -> Outbound) {
        let mut registry = self.lock();
        let mut stuck = Vec::new();
        for id in registry.targets(target) {
            if let Some(connection) = registry.connections.get(&id) {
                if connection.tx.try_send(outbound()).is_err() {
                    stuck.push(id);
                }
            }
        }
        for id in stuck {
            // Dropping the sender ends the socket task, which reports the disconnect.
            registry.remove(id);
        }
    }

    fn encode(event: &ServerEvent) -> Utf8Bytes {
        Utf8Bytes::from(serde_json::to_string(event).unwrap_or_default())
    }

    pub fn to_counselor(&self, counselor: CounselorId, event: &ServerEvent) {
        let text = Self::encode(event);
        self.deliver(Target::Counselor(counselor), || {
            Outbound::Event(text.clone())
        });
    }

    pub fn to_chat(&self, chat: RequestId, event: &ServerEvent) {
        let text = Self::encode(event);
        self.deliver(Target::Chat(chat), || Outbound::Event(text.clone()));
    }

    pub fn to_watchers(&self, event: &ServerEvent) {
        let text = Self::encode(event);
        self.deliver(Target::Watchers, || Outbound::Event(text.clone()));
    }

    /// Tell the sockets of one login session that it ended, and close them.
    pub fn end_session(&self, session: i64, event: &ServerEvent) {
        let text = Self::encode(event);
        let registry = self.lock();
        for connection in registry.connections.values() {
            if matches!(connection.owner, Owner::Counselor { session: s, .. } if s == session) {
                let _ = connection.tx.try_send(Outbound::Event(text.clone()));
                let _ = connection
                    .tx
                    .try_send(Outbound::Close(4401, "session ended"));
            }
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
