//! The reception desk: availability, presence, gates, waiting rooms, requests, conversations.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::ids::{ConnectionId, CounselorId, RequestId, TopicId};
use crate::time::Timestamp;

/// Timing rules of the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskConfig {
    /// How long askers are kept after the gate of their topic closed (a counselor restarting
    /// the app comes back within it).
    pub grace: Duration,
    /// The longest wait before a request ends.
    pub max_wait: Duration,
    /// After a counselor's last connection died without a goodbye, how long a reconnect keeps
    /// their switch on. After it the switch goes off, so a later start never restores it.
    pub resume_window: Duration,
    /// How long a waiting asker whose page is gone keeps the place (a reload comes back).
    pub asker_reconnect_window: Duration,
}

impl Default for DeskConfig {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(60),
            max_wait: Duration::from_secs(30 * 60),
            resume_window: Duration::from_secs(30),
            asker_reconnect_window: Duration::from_secs(30),
        }
    }
}

/// Why a counselor's availability switch changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwitchReason {
    /// The toggle (dashboard, profile, tray).
    Toggle,
    /// The counselor logged out on some device.
    Logout,
    /// The counselor's session expired.
    SessionExpired,
    /// The counselor reported absence.
    Absence,
    /// The desktop window was closed.
    WindowClosed,
    /// The desktop app was quit.
    AppQuit,
    /// The screen was locked.
    ScreenLocked,
    /// The system went to sleep.
    SystemSleep,
    /// The last connection died and did not come back within the resume window.
    ConnectionLost,
}

/// Why a waiting request ended without being accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// The asker left the waiting room.
    Withdrawn,
    /// The asker's page was gone longer than the reconnect window.
    AskerGone,
    /// The gate closed and nobody came back within the grace period.
    NobodyAvailable,
    /// The request waited longer than the longest wait.
    WaitedTooLong,
    /// Live chat was switched off for the topic by the operator and the grace period ran out.
    TopicClosed,
}

/// Who did something to a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    Asker,
    Counselor(CounselorId),
}

/// Everything that can be asked of the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Create or update a topic (operator).
    UpsertTopic { topic: TopicId, live_chat: bool },
    /// Create a counselor or change their topics (operator).
    UpsertCounselor {
        counselor: CounselorId,
        topics: BTreeSet<TopicId>,
    },
    /// Switch a counselor's live-chat availability on or off. Idempotent.
    SwitchAvailability {
        counselor: CounselorId,
        on: bool,
        reason: SwitchReason,
    },
    /// Report or end absence. Absence forces the switch off and blocks switching it on.
    SetAbsence {
        counselor: CounselorId,
        absent: bool,
    },
    /// A live connection of a counselor was established. `fresh` marks the first connection
    /// of a client that just started (app start, page load): it ends a pending resume, so
    /// a start never restores availability; a reconnect after a drop is not fresh.
    Connect {
        counselor: CounselorId,
        connection: ConnectionId,
        fresh: bool,
    },
    /// A live connection of a counselor ended (closed or found dead).
    Disconnect {
        counselor: CounselorId,
        connection: ConnectionId,
    },
    /// An anonymous asker wants to enter the waiting room of a topic.
    Enter { request: RequestId, topic: TopicId },
    /// The asker's page (re)connected to its request or conversation.
    AskerConnected { request: RequestId },
    /// The asker's page disconnected from its request or conversation.
    AskerDisconnected { request: RequestId },
    /// The asker leaves the waiting room.
    Leave { request: RequestId },
    /// A counselor accepts a waiting request ("Chat starten").
    Accept {
        request: RequestId,
        counselor: CounselorId,
    },
    /// Either side ends a running conversation ("Chat beenden").
    EndConversation { conversation: RequestId, by: Party },
    /// Time passed: expire grace periods, long waits, gone askers and lost connections.
    Tick,
}

/// Facts that happened, in the order they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    TopicChanged {
        topic: TopicId,
        live_chat: bool,
    },
    CounselorChanged {
        counselor: CounselorId,
    },
    /// The counselor's switch changed (their intent), on every device.
    AvailabilitySwitched {
        counselor: CounselorId,
        on: bool,
        reason: SwitchReason,
    },
    AbsenceChanged {
        counselor: CounselorId,
        absent: bool,
    },
    /// Whether the counselor counts as available changed (switch, absence, connections).
    CounselorAvailabilityChanged {
        counselor: CounselorId,
        available: bool,
    },
    /// Whether the counselor has any live connection changed (shown to their askers).
    CounselorPresenceChanged {
        counselor: CounselorId,
        online: bool,
    },
    /// The number of available counselors of a topic changed.
    CoverageChanged {
        topic: TopicId,
        available_counselors: u32,
    },
    GateOpened {
        topic: TopicId,
    },
    /// The gate closed. If askers wait, they are kept until `grace_until`.
    GateClosed {
        topic: TopicId,
        grace_until: Option<Timestamp>,
    },
    RequestCreated {
        request: RequestId,
        topic: TopicId,
        entered_at: Timestamp,
    },
    RequestEnded {
        request: RequestId,
        topic: TopicId,
        reason: EndReason,
    },
    RequestAccepted {
        request: RequestId,
        topic: TopicId,
        counselor: CounselorId,
    },
    /// Positions in the waiting room of the topic moved.
    QueueChanged {
        topic: TopicId,
    },
    AskerPresenceChanged {
        request: RequestId,
        online: bool,
    },
    ConversationEnded {
        conversation: RequestId,
        topic: TopicId,
        counselor: CounselorId,
        by: Party,
    },
}

/// Why a command was refused. A refused command changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    #[error("unknown topic")]
    UnknownTopic,
    #[error("this topic does not offer live chat")]
    LiveChatDisabled,
    #[error("nobody is available for this topic right now")]
    GateClosed,
    #[error("unknown counselor")]
    UnknownCounselor,
    #[error("absent counselors cannot switch availability on")]
    Absent,
    #[error("only available counselors see and accept live-chat requests")]
    NotAvailable,
    #[error("this request belongs to a topic you do not counsel")]
    NotYourTopic,
    #[error("another counselor was faster")]
    AlreadyTaken,
    #[error("this request is no longer waiting")]
    RequestGone,
    #[error("a request with this id exists already")]
    DuplicateRequest,
    #[error("no running conversation with this id")]
    ConversationGone,
    #[error("this conversation belongs to someone else")]
    NotParticipant,
}

#[derive(Clone, Debug)]
struct TopicState {
    live_chat: bool,
    /// Set while the gate is closed on waiting askers.
    grace_until: Option<Timestamp>,
}

#[derive(Clone, Debug, Default)]
struct CounselorState {
    topics: BTreeSet<TopicId>,
    switched_on: bool,
    absent: bool,
    connections: BTreeSet<ConnectionId>,
    /// When the last connection went without a goodbye, while switched on.
    lost_at: Option<Timestamp>,
}

impl CounselorState {
    fn available(&self) -> bool {
        self.switched_on && !self.absent && !self.connections.is_empty()
    }
}

/// A request in a waiting room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingRequest {
    pub id: RequestId,
    pub topic: TopicId,
    pub entered_at: Timestamp,
    pub asker_online: bool,
    asker_gone_at: Option<Timestamp>,
    seq: u64,
}

/// A running conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenConversation {
    pub id: RequestId,
    pub topic: TopicId,
    pub counselor: CounselorId,
    pub asker_online: bool,
}

/// What `apply` compares before and after a change to derive events.
#[derive(PartialEq, Eq)]
struct Observed {
    available: BTreeSet<CounselorId>,
    online: BTreeSet<CounselorId>,
    coverage: BTreeMap<TopicId, u32>,
    gates: BTreeMap<TopicId, bool>,
}

/// The state machine of the reception desk. See the crate documentation.
#[derive(Clone, Debug)]
pub struct Desk {
    config: DeskConfig,
    topics: BTreeMap<TopicId, TopicState>,
    counselors: BTreeMap<CounselorId, CounselorState>,
    waiting: BTreeMap<RequestId, WaitingRequest>,
    conversations: BTreeMap<RequestId, OpenConversation>,
    next_seq: u64,
}

impl Desk {
    pub fn new(config: DeskConfig) -> Self {
        Self {
            config,
            topics: BTreeMap::new(),
            counselors: BTreeMap::new(),
            waiting: BTreeMap::new(),
            conversations: BTreeMap::new(),
            next_seq: 0,
        }
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    // ---- restoring from storage at start-up (not commands: nothing happened) ----

    /// Restore a counselor's switch and absence. A switched-on counselor starts without
    /// connections, as if their connection was lost at `now`: if they reconnect within the
    /// resume window, they are available again; otherwise the switch goes off.
    pub fn restore_counselor(
        &mut self,
        counselor: CounselorId,
        topics: BTreeSet<TopicId>,
        switched_on: bool,
        absent: bool,
        now: Timestamp,
    ) {
        let switched_on = switched_on && !absent;
        self.counselors.insert(
            counselor,
            CounselorState {
                topics,
                switched_on,
                absent,
                connections: BTreeSet::new(),
                lost_at: switched_on.then_some(now),
            },
        );
    }

    /// Restore a waiting request (call in the order they entered). Its gate is closed at
    /// start-up, so it gets the grace period, and its asker the reconnect window.
    pub fn restore_waiting(
        &mut self,
        request: RequestId,
        topic: TopicId,
        entered_at: Timestamp,
        now: Timestamp,
    ) {
        let seq = self.take_seq();
        self.waiting.insert(
            request,
            WaitingRequest {
                id: request,
                topic,
                entered_at,
                asker_online: false,
                asker_gone_at: Some(now),
                seq,
            },
        );
        if !self.gate_open(topic) {
            let grace_until = now.plus(self.config.grace);
            if let Some(state) = self.topics.get_mut(&topic) {
                state.grace_until.get_or_insert(grace_until);
            }
        }
    }

    /// Restore a running conversation.
    pub fn restore_conversation(
        &mut self,
        conversation: RequestId,
        topic: TopicId,
        counselor: CounselorId,
    ) {
        self.conversations.insert(
            conversation,
            OpenConversation {
                id: conversation,
                topic,
                counselor,
                asker_online: false,
            },
        );
    }

    // ---- queries ----

    /// Rule 1: the gate of a topic is open iff live chat is on and a counselor is available.
    pub fn gate_open(&self, topic: TopicId) -> bool {
        self.topics.get(&topic).is_some_and(|t| t.live_chat) && self.coverage(topic) > 0
    }

    /// When the grace period of a closed gate ends, while askers wait behind it.
    pub fn grace_until(&self, topic: TopicId) -> Option<Timestamp> {
        self.topics.get(&topic).and_then(|t| t.grace_until)
    }

    /// How many counselors of the topic are available now.
    pub fn coverage(&self, topic: TopicId) -> u32 {
        u32::try_from(self.available_counselors_of(topic).count()).unwrap_or(u32::MAX)
    }

    /// Rule 2.
    pub fn is_available(&self, counselor: CounselorId) -> bool {
        self.counselors
            .get(&counselor)
            .is_some_and(CounselorState::available)
    }

    pub fn is_switched_on(&self, counselor: CounselorId) -> bool {
        self.counselors
            .get(&counselor)
            .is_some_and(|c| c.switched_on)
    }

    pub fn is_absent(&self, counselor: CounselorId) -> bool {
        self.counselors.get(&counselor).is_some_and(|c| c.absent)
    }

    pub fn is_online(&self, counselor: CounselorId) -> bool {
        self.counselors
            .get(&counselor)
            .is_some_and(|c| !c.connections.is_empty())
    }

    pub fn topics_of(&self, counselor: CounselorId) -> impl Iterator<Item = TopicId> + '_ {
        self.counselors
            .get(&counselor)
            .into_iter()
            .flat_map(|c| c.topics.iter().copied())
    }

    /// Counselors of the topic who are available now: the only ones told of its requests.
    pub fn available_counselors_of(
        &self,
        topic: TopicId,
    ) -> impl Iterator<Item = CounselorId> + '_ {
        self.counselors
            .iter()
            .filter(move |(_, c)| c.available() && c.topics.contains(&topic))
            .map(|(id, _)| *id)
    }

    /// The live-chat topics that only this counselor covers now, with the number of askers
    /// waiting in each: the topics whose gate closes if they leave. Empty unless available.
    pub fn sole_cover(&self, counselor: CounselorId) -> Vec<(TopicId, usize)> {
        let Some(state) = self.counselors.get(&counselor).filter(|c| c.available()) else {
            return Vec::new();
        };
        state
            .topics
            .iter()
            .copied()
            .filter(|topic| self.topics.get(topic).is_some_and(|t| t.live_chat))
            .filter(|topic| {
                self.available_counselors_of(*topic)
                    .all(|other| other == counselor)
            })
            .map(|topic| {
                let waiting = self.waiting.values().filter(|r| r.topic == topic).count();
                (topic, waiting)
            })
            .collect()
    }

    /// Every counselor of the topic (for coverage news).
    pub fn counselors_of(&self, topic: TopicId) -> impl Iterator<Item = CounselorId> + '_ {
        self.counselors
            .iter()
            .filter(move |(_, c)| c.topics.contains(&topic))
            .map(|(id, _)| *id)
    }

    /// The waiting requests of a topic, oldest first.
    pub fn queue(&self, topic: TopicId) -> Vec<&WaitingRequest> {
        let mut queue: Vec<_> = self.waiting.values().filter(|r| r.topic == topic).collect();
        queue.sort_by_key(|r| r.seq);
        queue
    }

    /// The 1-based place of a waiting request in its topic's queue.
    pub fn position(&self, request: RequestId) -> Option<usize> {
        let wanted = self.waiting.get(&request)?;
        Some(
            self.waiting
                .values()
                .filter(|r| r.topic == wanted.topic && r.seq < wanted.seq)
                .count()
                + 1,
        )
    }

    pub fn waiting_request(&self, request: RequestId) -> Option<&WaitingRequest> {
        self.waiting.get(&request)
    }

    pub fn conversation(&self, conversation: RequestId) -> Option<&OpenConversation> {
        self.conversations.get(&conversation)
    }

    /// Rule 4: the live-chat requests a counselor may see, oldest first; refused unless
    /// the counselor is available.
    pub fn live_chat_requests(
        &self,
        counselor: CounselorId,
    ) -> Result<Vec<&WaitingRequest>, DeskError> {
        let state = self
            .counselors
            .get(&counselor)
            .ok_or(DeskError::UnknownCounselor)?;
        if !state.available() {
            return Err(DeskError::NotAvailable);
        }
        let mut list: Vec<_> = self
            .waiting
            .values()
            .filter(|r| state.topics.contains(&r.topic))
            .collect();
        list.sort_by_key(|r| r.seq);
        Ok(list)
    }

    /// The topics that offer live chat.
    pub fn live_chat_topics(&self) -> impl Iterator<Item = TopicId> + '_ {
        self.topics
            .iter()
            .filter(|(_, t)| t.live_chat)
            .map(|(id, _)| *id)
    }

    /// Running conversations of a counselor.
    pub fn conversations_of(
        &self,
        counselor: CounselorId,
    ) -> impl Iterator<Item = &OpenConversation> + '_ {
        self.conversations
            .values()
            .filter(move |c| c.counselor == counselor)
    }

    // ---- the one way to change anything ----

    /// Apply a command at time `now`. Either refuses it and changes nothing, or changes the
    /// state and returns what happened.
    pub fn apply(&mut self, command: Command, now: Timestamp) -> Result<Vec<Event>, DeskError> {
        let before = self.observe();
        let mut events = Vec::new();
        self.execute(command, now, &mut events)?;
        let after = self.observe();
        if before != after {
            self.derive(&before, &after, now, &mut events);
        }
        self.announce_queue_moves(&mut events);
        Ok(events)
    }

    fn execute(
        &mut self,
        command: Command,
        now: Timestamp,
        events: &mut Vec<Event>,
    ) -> Result<(), DeskError> {
        match command {
            Command::UpsertTopic { topic, live_chat } => {
                let state = self.topics.entry(topic).or_insert(TopicState {
                    live_chat,
                    grace_until: None,
                });
                state.live_chat = live_chat;
                events.push(Event::TopicChanged { topic, live_chat });
            }
            Command::UpsertCounselor { counselor, topics } => {
                self.counselors.entry(counselor).or_default().topics = topics;
                events.push(Event::CounselorChanged { counselor });
            }
            Command::SwitchAvailability {
                counselor,
                on,
                reason,
            } => {
                let state = self.counselor_mut(counselor)?;
                if on && state.absent {
                    return Err(DeskError::Absent);
                }
                if state.switched_on != on {
                    state.switched_on = on;
                    state.lost_at = None;
                    events.push(Event::AvailabilitySwitched {
                        counselor,
                        on,
                        reason,
                    });
                }
            }
            Command::SetAbsence { counselor, absent } => {
                let state = self.counselor_mut(counselor)?;
                if state.absent != absent {
                    state.absent = absent;
                    events.push(Event::AbsenceChanged { counselor, absent });
                    if absent && state.switched_on {
                        state.switched_on = false;
                        state.lost_at = None;
                        events.push(Event::AvailabilitySwitched {
                            counselor,
                            on: false,
                            reason: SwitchReason::Absence,
                        });
                    }
                }
            }
            Command::Connect {
                counselor,
                connection,
                fresh,
            } => {
                let state = self.counselor_mut(counselor)?;
                let resuming = state.connections.is_empty() && state.lost_at.is_some();
                if fresh && resuming && state.switched_on {
                    state.switched_on = false;
                    events.push(Event::AvailabilitySwitched {
                        counselor,
                        on: false,
                        reason: SwitchReason::ConnectionLost,
                    });
                }
                state.connections.insert(connection);
                state.lost_at = None;
            }
            Command::Disconnect {
                counselor,
                connection,
            } => {
                let state = self.counselor_mut(counselor)?;
                if state.connections.remove(&connection)
                    && state.connections.is_empty()
                    && state.switched_on
                {
                    state.lost_at = Some(now);
                }
            }
            Command::Enter { request, topic } => {
                let state = self.topics.get(&topic).ok_or(DeskError::UnknownTopic)?;
                if !state.live_chat {
                    return Err(DeskError::LiveChatDisabled);
                }
                if !self.gate_open(topic) {
                    return Err(DeskError::GateClosed);
                }
                if self.waiting.contains_key(&request) || self.conversations.contains_key(&request)
                {
                    return Err(DeskError::DuplicateRequest);
                }
                let seq = self.take_seq();
                self.waiting.insert(
                    request,
                    WaitingRequest {
                        id: request,
                        topic,
                        entered_at: now,
                        asker_online: false,
                        asker_gone_at: Some(now),
                        seq,
                    },
                );
                events.push(Event::RequestCreated {
                    request,
                    topic,
                    entered_at: now,
                });
            }
            Command::AskerConnected { request } => {
                self.set_asker_online(request, true, now, events)?
            }
            Command::AskerDisconnected { request } => {
                self.set_asker_online(request, false, now, events)?
            }
            Command::Leave { request } => {
                if !self.waiting.contains_key(&request) {
                    return Err(DeskError::RequestGone);
                }
                self.end_request(request, EndReason::Withdrawn, events);
            }
            Command::Accept { request, counselor } => {
                let state = self
                    .counselors
                    .get(&counselor)
                    .ok_or(DeskError::UnknownCounselor)?;
                if !state.available() {
                    return Err(DeskError::NotAvailable);
                }
                let Some(waiting) = self.waiting.get(&request) else {
                    return Err(if self.conversations.contains_key(&request) {
                        DeskError::AlreadyTaken
                    } else {
                        DeskError::RequestGone
                    });
                };
                if !state.topics.contains(&waiting.topic) {
                    return Err(DeskError::NotYourTopic);
                }
                let waiting = self
                    .waiting
                    .remove(&request)
                    .ok_or(DeskError::RequestGone)?;
                self.conversations.insert(
                    request,
                    OpenConversation {
                        id: request,
                        topic: waiting.topic,
                        counselor,
                        asker_online: waiting.asker_online,
                    },
                );
                events.push(Event::RequestAccepted {
                    request,
                    topic: waiting.topic,
                    counselor,
                });
            }
            Command::EndConversation { conversation, by } => {
                let open = self
                    .conversations
                    .get(&conversation)
                    .ok_or(DeskError::ConversationGone)?;
                if let Party::Counselor(counselor) = by {
                    if open.counselor != counselor {
                        return Err(DeskError::NotParticipant);
                    }
                }
                let open = self
                    .conversations
                    .remove(&conversation)
                    .ok_or(DeskError::ConversationGone)?;
                events.push(Event::ConversationEnded {
                    conversation,
                    topic: open.topic,
                    counselor: open.counselor,
                    by,
                });
            }
            Command::Tick => self.expire(now, events),
        }
        Ok(())
    }

    fn counselor_mut(&mut self, counselor: CounselorId) -> Result<&mut CounselorState, DeskError> {
        self.counselors
            .get_mut(&counselor)
            .ok_or(DeskError::UnknownCounselor)
    }

    fn set_asker_online(
        &mut self,
        request: RequestId,
        online: bool,
        now: Timestamp,
        events: &mut Vec<Event>,
    ) -> Result<(), DeskError> {
        let was = if let Some(waiting) = self.waiting.get_mut(&request) {
            waiting.asker_gone_at = (!online).then_some(now);
            std::mem::replace(&mut waiting.asker_online, online)
        } else if let Some(open) = self.conversations.get_mut(&request) {
            std::mem::replace(&mut open.asker_online, online)
        } else {
            return Err(DeskError::RequestGone);
        };
        if was != online {
            events.push(Event::AskerPresenceChanged { request, online });
        }
        Ok(())
    }

    fn expire(&mut self, now: Timestamp, events: &mut Vec<Event>) {
        let config = self.config.clone();
        for (id, state) in self.counselors.iter_mut() {
            if let Some(lost_at) = state.lost_at {
                if state.connections.is_empty() && now.since(lost_at) >= config.resume_window {
                    state.lost_at = None;
                    if state.switched_on {
                        state.switched_on = false;
                        events.push(Event::AvailabilitySwitched {
                            counselor: *id,
                            on: false,
                            reason: SwitchReason::ConnectionLost,
                        });
                    }
                }
            }
        }
        let mut ending = Vec::new();
        for request in self.waiting.values() {
            let topic = self.topics.get(&request.topic);
            let grace_over = topic
                .and_then(|t| t.grace_until)
                .is_some_and(|until| now >= until);
            let reason = if grace_over {
                Some(if topic.is_some_and(|t| t.live_chat) {
                    EndReason::NobodyAvailable
                } else {
                    EndReason::TopicClosed
                })
            } else if now.since(request.entered_at) >= config.max_wait {
                Some(EndReason::WaitedTooLong)
            } else if request
                .asker_gone_at
                .is_some_and(|gone| now.since(gone) >= config.asker_reconnect_window)
            {
                Some(EndReason::AskerGone)
            } else {
                None
            };
            if let Some(reason) = reason {
                ending.push((request.id, reason));
            }
        }
        for (request, reason) in ending {
            self.end_request(request, reason, events);
        }
        for state in self.topics.values_mut() {
            if state.grace_until.is_some_and(|until| now >= until) {
                state.grace_until = None;
            }
        }
    }

    fn end_request(&mut self, request: RequestId, reason: EndReason, events: &mut Vec<Event>) {
        if let Some(waiting) = self.waiting.remove(&request) {
            events.push(Event::RequestEnded {
                request,
                topic: waiting.topic,
                reason,
            });
        }
    }

    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn observe(&self) -> Observed {
        let mut coverage: BTreeMap<TopicId, u32> = self.topics.keys().map(|t| (*t, 0)).collect();
        let mut available = BTreeSet::new();
        let mut online = BTreeSet::new();
        for (id, state) in &self.counselors {
            if !state.connections.is_empty() {
                online.insert(*id);
            }
            if state.available() {
                available.insert(*id);
                for topic in &state.topics {
                    if let Some(count) = coverage.get_mut(topic) {
                        *count += 1;
                    }
                }
            }
        }
        let gates = self
            .topics
            .iter()
            .map(|(id, t)| (*id, t.live_chat && coverage.get(id).is_some_and(|c| *c > 0)))
            .collect();
        Observed {
            available,
            online,
            coverage,
            gates,
        }
    }

    fn derive(
        &mut self,
        before: &Observed,
        after: &Observed,
        now: Timestamp,
        events: &mut Vec<Event>,
    ) {
        for counselor in before.online.symmetric_difference(&after.online) {
            events.push(Event::CounselorPresenceChanged {
                counselor: *counselor,
                online: after.online.contains(counselor),
            });
        }
        for counselor in before.available.symmetric_difference(&after.available) {
            events.push(Event::CounselorAvailabilityChanged {
                counselor: *counselor,
                available: after.available.contains(counselor),
            });
        }
        for (topic, count) in &after.coverage {
            if before.coverage.get(topic) != Some(count) {
                events.push(Event::CoverageChanged {
                    topic: *topic,
                    available_counselors: *count,
                });
            }
        }
        for (topic, open) in &after.gates {
            let was_open = before.gates.get(topic).copied().unwrap_or(false);
            if was_open == *open {
                continue;
            }
            if *open {
                if let Some(state) = self.topics.get_mut(topic) {
                    state.grace_until = None;
                }
                events.push(Event::GateOpened { topic: *topic });
            } else {
                let askers_wait = self.waiting.values().any(|r| r.topic == *topic);
                let grace_until = askers_wait.then(|| now.plus(self.config.grace));
                if let Some(state) = self.topics.get_mut(topic) {
                    state.grace_until = grace_until;
                }
                events.push(Event::GateClosed {
                    topic: *topic,
                    grace_until,
                });
            }
        }
    }

    fn announce_queue_moves(&self, events: &mut Vec<Event>) {
        let moved: BTreeSet<TopicId> = events
            .iter()
            .filter_map(|e| match e {
                Event::RequestCreated { topic, .. }
                | Event::RequestEnded { topic, .. }
                | Event::RequestAccepted { topic, .. } => Some(*topic),
                _ => None,
            })
            .collect();
        events.extend(moved.into_iter().map(|topic| Event::QueueChanged { topic }));
    }
}

#[cfg(test)]
mod tests;
