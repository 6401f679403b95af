//! The reception desk: availability, presence, gates, waiting rooms, requests, conversations.
//!
//! The desk is a deterministic state machine: the same commands at the same times give the
//! same desk and the same events, whoever applies them. That is what lets several server
//! instances keep one service: each applies the same ordered log of commands.
//!
//! Its maps are persistent (`imbl`): cloning the desk to decide on a copy costs O(1), and a
//! change copies only the path it touches. Each topic's waiting room is an index ordered by
//! arrival, so entering, leaving and a place in the queue do not scan every request.

use std::collections::BTreeSet;
use std::time::Duration;

use imbl::{OrdMap, OrdSet};
use serde::{Deserialize, Serialize};

use crate::estimate::{estimate_wait, AcceptedWait, EstimateRules, QueueNow, WaitEstimate};
use crate::ids::{ConnectionId, CounselorId, InstanceId, RequestId, TopicId};
use crate::schedule::Schedule;
use crate::shifts::{self, AtShiftEnd, CounselorNow, CoveredSlots, ShiftDue};
use crate::time::Timestamp;

/// How many recent accepts per topic the desk keeps for the waiting-time estimate.
pub const KEPT_ACCEPTS: usize = 64;

/// How far ahead the desk looks for the next boundary of a covered shift; with none in it,
/// it looks again then.
const SHIFT_LOOKAHEAD_MS: i64 = 8 * 24 * 60 * 60 * 1000;

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
    /// The most requests that may wait in one topic's waiting room: a flood of entries
    /// stops there (the asker hears "queue full") instead of burying the counselors.
    pub max_waiting_per_topic: usize,
}

impl Default for DeskConfig {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(60),
            max_wait: Duration::from_secs(30 * 60),
            resume_window: Duration::from_secs(30),
            asker_reconnect_window: Duration::from_secs(30),
            max_waiting_per_topic: 1000,
        }
    }
}

/// Why a counselor's availability switch changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// An operator switched the counselor off ("Verfügbarkeit beenden"), or deactivated
    /// the account. The reason they gave comes with [`Event::SwitchedOffByOperator`].
    Operator,
    /// A covered shift ended and the counselor chose to be switched off then
    /// ([`crate::shifts::SHIFT_ENDED`]).
    ShiftEnded,
}

/// Whose seat limit (the most running live chats per counselor) is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SeatsOf {
    /// Every counselor in the chats of this topic.
    Topic(TopicId),
    /// This counselor, in all their topics.
    Counselor(CounselorId),
}

/// What a shift reminder says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShiftNotice {
    /// "Ihre Chatzeit beginnt – Sie sind noch nicht verfügbar" (with an action that switches
    /// on).
    Started,
    /// The shift ended: switch off, unless another shift follows.
    EndedSwitchOff,
    /// The shift ended and the counselor was switched off (reason `shift_ended`).
    EndedSwitchedOff,
}

/// Why a waiting request ended without being accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    Asker,
    Counselor(CounselorId),
}

/// Everything that can be asked of the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// An operator switches a counselor off, with a reason the counselor is shown on every
    /// device ("Von der Administration ausgeschaltet: …"). Told even if the switch was off
    /// already, so the operator's word always arrives.
    SwitchOffByOperator {
        counselor: CounselorId,
        reason: crate::text::OperatorReason,
    },
    /// Remove a topic (operator). Refused while a request waits or a chat runs in it.
    RemoveTopic { topic: TopicId },
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
    /// An anonymous asker wants to enter the waiting room of a topic, under a pseudonym.
    Enter {
        request: RequestId,
        topic: TopicId,
        pseudonym: String,
        /// The public key the asker's page made for this chat (opaque here; the server
        /// checked its shape): the accepting counselor wraps the chat's key for it.
        #[serde(default)]
        asker_key: String,
    },
    /// A page of the asker connected to their request or conversation.
    AskerConnected {
        request: RequestId,
        connection: ConnectionId,
    },
    /// A page of the asker disconnected from their request or conversation.
    AskerDisconnected {
        request: RequestId,
        connection: ConnectionId,
    },
    /// The asker leaves the waiting room.
    Leave { request: RequestId },
    /// A counselor accepts a waiting request ("Chat starten").
    Accept {
        request: RequestId,
        counselor: CounselorId,
    },
    /// Either side ends a running conversation ("Chat beenden").
    EndConversation { conversation: RequestId, by: Party },
    /// A server instance is gone (killed, its lease lapsed): every connection it held is
    /// gone, exactly as if each had been lost.
    InstanceLost { instance: InstanceId },
    /// A server instance is shutting down and has told its clients to reconnect elsewhere:
    /// its connections still count until `until` (the handover), then they are gone. A
    /// counselor back through another instance before that changes nothing for anyone.
    InstanceStopping {
        instance: InstanceId,
        until: Timestamp,
    },
    /// Set a topic's chat hours (operator). An empty schedule: no hours.
    SetSchedule { topic: TopicId, schedule: Schedule },
    /// Set a seat limit (operator): the most running live chats per counselor; `None` is
    /// unlimited, 0 is refused.
    SetSeats { of: SeatsOf, seats: Option<u32> },
    /// A counselor marks the slots they cover ("Meine Chatzeiten"), per topic (topics left
    /// out cover nothing), and whether they are switched off when a shift ends.
    SetShifts {
        counselor: CounselorId,
        covered: std::collections::BTreeMap<TopicId, CoveredSlots>,
        auto_switch_off: bool,
    },
    /// Time passed: expire grace periods, long waits, gone askers, lost connections and
    /// handovers; decide what covered shifts that began or ended call for.
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
    /// The topic is gone (its gate closed with it, if it was open).
    TopicRemoved {
        topic: TopicId,
    },
    /// An operator switched the counselor off, saying why (to every device of theirs).
    SwitchedOffByOperator {
        counselor: CounselorId,
        reason: String,
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
    /// Places in the waiting room of the topic moved, from place `from` (1-based) on; the
    /// places before it are as they were.
    QueueChanged {
        topic: TopicId,
        from: usize,
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
    /// The grace period of a closed gate ran out (its askers' requests ended with it).
    GraceEnded {
        topic: TopicId,
    },
    /// Everything an instance held is gone (it was lost, or its handover ended).
    InstanceGone {
        instance: InstanceId,
    },
    ScheduleChanged {
        topic: TopicId,
    },
    SeatsChanged {
        of: SeatsOf,
        seats: Option<u32>,
    },
    /// The counselor's covered slots (as they are now) or their choice changed.
    ShiftsChanged {
        counselor: CounselorId,
        covered: std::collections::BTreeMap<TopicId, CoveredSlots>,
        auto_switch_off: bool,
    },
    /// A covered shift of the counselor began or ended (see [`ShiftNotice`]).
    ShiftReminder {
        counselor: CounselorId,
        topic: TopicId,
        start: Timestamp,
        end: Timestamp,
        notice: ShiftNotice,
    },
    /// Covered shifts are decided up to `until` (each boundary once, on every replica).
    ShiftsDecided {
        until: Timestamp,
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
    #[error("the waiting room of this topic is full right now")]
    QueueFull,
    #[error("a request waits or a chat runs in this topic")]
    TopicInUse,
    #[error("no running conversation with this id")]
    ConversationGone,
    #[error("this conversation belongs to someone else")]
    NotParticipant,
    #[error("all your seats are taken: end a running chat first")]
    NoFreeSeat,
    #[error("a seat limit must be at least 1 (or unlimited)")]
    InvalidSeats,
    #[error("this is not a weekly slot of the topic's chat hours")]
    UnknownSlot,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct TopicState {
    live_chat: bool,
    /// Set while the gate is closed on waiting askers.
    grace_until: Option<Timestamp>,
    #[serde(default)]
    schedule: Option<Schedule>,
    #[serde(default)]
    seats: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CounselorState {
    topics: BTreeSet<TopicId>,
    switched_on: bool,
    absent: bool,
    connections: OrdSet<ConnectionId>,
    /// When the last connection went without a goodbye, while switched on.
    lost_at: Option<Timestamp>,
    #[serde(default)]
    seats: Option<u32>,
    /// The slots they cover, per topic.
    #[serde(default)]
    shifts: std::collections::BTreeMap<TopicId, CoveredSlots>,
    #[serde(default)]
    auto_switch_off: bool,
}

impl CounselorState {
    fn available(&self) -> bool {
        self.switched_on && !self.absent && !self.connections.is_empty()
    }
}

/// A request in a waiting room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRequest {
    pub id: RequestId,
    pub topic: TopicId,
    pub pseudonym: String,
    /// The asker's public key for this chat.
    #[serde(default)]
    pub asker_key: String,
    pub entered_at: Timestamp,
    asker_connections: OrdSet<ConnectionId>,
    asker_gone_at: Option<Timestamp>,
    seq: u64,
}

impl WaitingRequest {
    /// Whether a page of the asker is connected.
    pub fn asker_online(&self) -> bool {
        !self.asker_connections.is_empty()
    }
}

/// A running conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenConversation {
    pub id: RequestId,
    pub topic: TopicId,
    pub counselor: CounselorId,
    pub pseudonym: String,
    asker_connections: OrdSet<ConnectionId>,
}

impl OpenConversation {
    /// Whether a page of the asker is connected.
    pub fn asker_online(&self) -> bool {
        !self.asker_connections.is_empty()
    }
}

/// What `apply` compares before and after a change to derive events.
#[derive(PartialEq, Eq)]
struct Observed {
    available: BTreeSet<CounselorId>,
    online: BTreeSet<CounselorId>,
    coverage: std::collections::BTreeMap<TopicId, u32>,
    gates: std::collections::BTreeMap<TopicId, bool>,
}

/// The state machine of the reception desk. See the crate documentation.
///
/// Serialisable (without its configuration) so that a snapshot lets a server start without
/// replaying the whole log of commands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    #[serde(skip)]
    config: DeskConfig,
    topics: OrdMap<TopicId, TopicState>,
    counselors: OrdMap<CounselorId, CounselorState>,
    waiting: OrdMap<RequestId, WaitingRequest>,
    /// Each topic's waiting room: arrival number → request, oldest first.
    queues: OrdMap<TopicId, OrdMap<u64, RequestId>>,
    conversations: OrdMap<RequestId, OpenConversation>,
    /// Instances shutting down, with the end of their handover.
    draining: OrdMap<InstanceId, Timestamp>,
    next_seq: u64,
    /// The most recent accepts of each topic (at most [`KEPT_ACCEPTS`]), oldest first.
    #[serde(default)]
    accepts: OrdMap<TopicId, imbl::Vector<AcceptedWait>>,
    /// Covered shifts are decided up to here.
    #[serde(default)]
    shifts_until: Option<Timestamp>,
    /// The next start or end of a covered shift after `shifts_until` (or when to look again).
    #[serde(default)]
    next_shift_boundary: Option<Timestamp>,
}

impl Desk {
    pub fn new(config: DeskConfig) -> Self {
        Self {
            config,
            topics: OrdMap::new(),
            counselors: OrdMap::new(),
            waiting: OrdMap::new(),
            queues: OrdMap::new(),
            conversations: OrdMap::new(),
            draining: OrdMap::new(),
            next_seq: 0,
            accepts: OrdMap::new(),
            shifts_until: None,
            next_shift_boundary: None,
        }
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// The same desk under other timing rules (after loading a snapshot, or a reload).
    pub fn with_config(mut self, config: DeskConfig) -> Self {
        self.config = config;
        self
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
                connections: OrdSet::new(),
                lost_at: switched_on.then_some(now),
                ..CounselorState::default()
            },
        );
    }

    /// Restore a topic's chat hours and seat limit (stored rows, before the first snapshot).
    pub fn restore_topic_settings(
        &mut self,
        topic: TopicId,
        schedule: Option<Schedule>,
        seats: Option<u32>,
    ) {
        if let Some(state) = self.topics.get_mut(&topic) {
            state.schedule = schedule.filter(|s| !s.is_empty());
            state.seats = seats.filter(|s| *s > 0);
        }
    }

    /// Restore a counselor's seat limit and covered shifts, as stored (slots the schedule no
    /// longer has are kept and never due). Call [`Desk::restore_done`] after the last.
    pub fn restore_counselor_settings(
        &mut self,
        counselor: CounselorId,
        seats: Option<u32>,
        shifts: std::collections::BTreeMap<TopicId, CoveredSlots>,
        auto_switch_off: bool,
    ) {
        if let Some(state) = self.counselors.get_mut(&counselor) {
            state.seats = seats.filter(|s| *s > 0);
            state.shifts = shifts.into_iter().filter(|(_, c)| !c.is_empty()).collect();
            state.auto_switch_off = auto_switch_off;
        }
    }

    /// After restoring: covered shifts are decided from `now` on.
    pub fn restore_done(&mut self, now: Timestamp) {
        self.shifts_until = Some(self.shifts_until.map_or(now, |t| t.max(now)));
        self.plan_shift_boundary();
    }

    /// Restore a waiting request (call in the order they entered). Its gate is closed at
    /// start-up, so it gets the grace period, and its asker the reconnect window.
    pub fn restore_waiting(
        &mut self,
        request: RequestId,
        topic: TopicId,
        (pseudonym, asker_key): (String, String),
        entered_at: Timestamp,
        now: Timestamp,
    ) {
        self.insert_waiting(request, topic, (pseudonym, asker_key), entered_at, now);
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
        pseudonym: String,
    ) {
        self.conversations.insert(
            conversation,
            OpenConversation {
                id: conversation,
                topic,
                counselor,
                pseudonym,
                asker_connections: OrdSet::new(),
            },
        );
    }

    // ---- queries ----

    /// Rule 1: the gate of a topic is open iff live chat is on and a counselor is available.
    /// How many conversations run in a topic.
    pub fn conversations_in(&self, topic: TopicId) -> usize {
        self.conversations
            .values()
            .filter(|c| c.topic == topic)
            .count()
    }

    /// The request that waits longest in a topic (O(log n), for the operators' overview).
    pub fn oldest_waiting(&self, topic: TopicId) -> Option<&WaitingRequest> {
        let first = self.queues.get(&topic)?.values().next()?;
        self.waiting.get(first)
    }

    /// Every topic the desk knows.
    pub fn topic_ids(&self) -> impl Iterator<Item = TopicId> + '_ {
        self.topics.keys().copied()
    }

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
            .map(|topic| (topic, self.queue_len(topic)))
            .collect()
    }

    /// Every counselor of the topic (for coverage news).
    pub fn counselors_of(&self, topic: TopicId) -> impl Iterator<Item = CounselorId> + '_ {
        self.counselors
            .iter()
            .filter(move |(_, c)| c.topics.contains(&topic))
            .map(|(id, _)| *id)
    }

    /// How many requests wait in the topic.
    pub fn queue_len(&self, topic: TopicId) -> usize {
        self.queues.get(&topic).map_or(0, OrdMap::len)
    }

    /// The waiting requests of a topic, oldest first.
    pub fn queue(&self, topic: TopicId) -> Vec<&WaitingRequest> {
        self.queue_from(topic, 1).map(|(_, r)| r).collect()
    }

    /// The waiting requests of a topic from place `from` (1-based) on, with their places.
    /// Costs what it returns: a place near the end is reached from the end.
    pub fn queue_from(
        &self,
        topic: TopicId,
        from: usize,
    ) -> impl Iterator<Item = (usize, &WaitingRequest)> + '_ {
        let queue = self.queues.get(&topic);
        let len = queue.map_or(0, OrdMap::len);
        let from = from.max(1);
        let tail: Vec<&RequestId> = match queue {
            Some(queue) if from <= len => {
                if from - 1 <= len - from {
                    queue.values().skip(from - 1).collect()
                } else {
                    let mut tail: Vec<&RequestId> =
                        queue.values().rev().take(len - from + 1).collect();
                    tail.reverse();
                    tail
                }
            }
            _ => Vec::new(),
        };
        tail.into_iter()
            .enumerate()
            .filter_map(move |(index, id)| self.waiting.get(id).map(|r| (from + index, r)))
    }

    /// The 1-based place of a waiting request in its topic's queue.
    pub fn position(&self, request: RequestId) -> Option<usize> {
        let wanted = self.waiting.get(&request)?;
        Some(self.rank(wanted.topic, wanted.seq))
    }

    /// The place of `seq`, counted from whichever end is nearer (both walked in step).
    fn rank(&self, topic: TopicId, seq: u64) -> usize {
        let Some(queue) = self.queues.get(&topic) else {
            return 1;
        };
        let mut before = queue.range(..seq);
        let mut after = queue.range(seq..);
        let mut counted = 0;
        loop {
            if before.next().is_none() {
                return counted + 1;
            }
            if after.next().is_none() {
                // `counted` requests from `seq` on: the place is after all the others.
                return queue.len() - counted + 1;
            }
            counted += 1;
        }
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
        let mut list: Vec<&WaitingRequest> = state
            .topics
            .iter()
            .flat_map(|topic| self.queue_from(*topic, 1).map(|(_, r)| r))
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

    // ---- chat hours, seats, shifts, the estimate ----

    /// The topic's chat hours (`None`: none set).
    pub fn schedule(&self, topic: TopicId) -> Option<&Schedule> {
        self.topics.get(&topic).and_then(|t| t.schedule.as_ref())
    }

    /// The topic's seat limit per counselor (`None`: unlimited).
    pub fn topic_seats(&self, topic: TopicId) -> Option<u32> {
        self.topics.get(&topic).and_then(|t| t.seats)
    }

    /// The counselor's own seat limit (`None`: unlimited).
    pub fn counselor_seats(&self, counselor: CounselorId) -> Option<u32> {
        self.counselors.get(&counselor).and_then(|c| c.seats)
    }

    /// How many live chats the counselor runs now.
    pub fn running_chats(&self, counselor: CounselorId) -> u32 {
        u32::try_from(self.conversations_of(counselor).count()).unwrap_or(u32::MAX)
    }

    /// The counselor's seat limit in `topic`: the smaller of theirs and the topic's.
    pub fn seat_limit(&self, counselor: CounselorId, topic: TopicId) -> Option<u32> {
        match (self.counselor_seats(counselor), self.topic_seats(topic)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Seats the counselor has free for a request of `topic` (`None`: unlimited). A seat is
    /// room for one more running chat; every running chat counts, whatever its topic.
    pub fn free_seats(&self, counselor: CounselorId, topic: TopicId) -> Option<u32> {
        self.seat_limit(counselor, topic)
            .map(|limit| limit.saturating_sub(self.running_chats(counselor)))
    }

    /// Whether the counselor may start one more chat of `topic` ("Chat starten").
    pub fn has_free_seat(&self, counselor: CounselorId, topic: TopicId) -> bool {
        self.free_seats(counselor, topic)
            .is_none_or(|free| free > 0)
    }

    /// Free seats among the topic's available counselors (`None`: someone has no limit).
    pub fn topic_free_seats(&self, topic: TopicId) -> Option<u32> {
        self.available_counselors_of(topic)
            .map(|c| self.free_seats(c, topic))
            .try_fold(0u32, |sum, free| free.map(|f| sum.saturating_add(f)))
    }

    /// The recent accepts of a topic, oldest first.
    pub fn recent_accepts(&self, topic: TopicId) -> Vec<AcceptedWait> {
        self.accepts
            .get(&topic)
            .map(|a| a.iter().copied().collect())
            .unwrap_or_default()
    }

    /// How long the asker of a waiting request will probably wait, or `None` while the
    /// topic's recent accepts are too few to say. For the estimate, a counselor without a
    /// seat limit has one free seat while running no chat and none while chatting: a
    /// counselor in a chat rarely takes the next one at once.
    pub fn estimate(&self, request: RequestId, now: Timestamp) -> Option<WaitEstimate> {
        let waiting = self.waiting.get(&request)?;
        let position = u32::try_from(self.position(request)?).ok()?;
        let free_seats = self
            .available_counselors_of(waiting.topic)
            .map(|c| {
                self.free_seats(c, waiting.topic)
                    .unwrap_or(u32::from(self.running_chats(c) == 0))
            })
            .fold(0u32, u32::saturating_add);
        let queue = QueueNow {
            position: std::num::NonZeroU32::new(position)?,
            free_seats,
        };
        estimate_wait(
            &self.recent_accepts(waiting.topic),
            queue,
            now,
            &EstimateRules::default(),
        )
    }

    /// The slots the counselor covers, per topic.
    pub fn shifts_of(
        &self,
        counselor: CounselorId,
    ) -> Option<&std::collections::BTreeMap<TopicId, CoveredSlots>> {
        self.counselors.get(&counselor).map(|c| &c.shifts)
    }

    /// Whether the counselor chose to be switched off when a shift ends.
    pub fn auto_switch_off(&self, counselor: CounselorId) -> bool {
        self.counselors
            .get(&counselor)
            .is_some_and(|c| c.auto_switch_off)
    }

    /// Who covers which slots of `topic`, for its weekly plan.
    pub fn coverage_of_slots(&self, topic: TopicId) -> Vec<(CounselorId, &CoveredSlots)> {
        self.counselors
            .iter()
            .filter(|(_, c)| c.topics.contains(&topic))
            .filter_map(|(id, c)| c.shifts.get(&topic).map(|covered| (*id, covered)))
            .collect()
    }

    /// The next start or end of a covered shift not yet decided.
    pub fn next_shift_boundary(&self) -> Option<Timestamp> {
        self.next_shift_boundary
    }

    /// Every instance that holds a connection the desk counts, or hands over.
    pub fn instances_held(&self) -> BTreeSet<InstanceId> {
        let counselors = self
            .counselors
            .values()
            .flat_map(|c| c.connections.iter().map(|c| c.instance));
        let waiting = self
            .waiting
            .values()
            .flat_map(|r| r.asker_connections.iter().map(|c| c.instance));
        let chatting = self
            .conversations
            .values()
            .flat_map(|c| c.asker_connections.iter().map(|c| c.instance));
        counselors
            .chain(waiting)
            .chain(chatting)
            .chain(self.draining.keys().copied())
            .collect()
    }

    /// Whether an instance is shutting down and its handover still runs.
    pub fn is_handing_over(&self, instance: InstanceId) -> bool {
        self.draining.contains_key(&instance)
    }

    /// When a `Tick` next has something to do: a grace period, a longest wait, a reconnect
    /// window, a resume window or a handover ending. `None` while nothing is pending.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        let config = &self.config;
        let topics = self.topics.values().filter_map(|t| t.grace_until);
        let waits = self.waiting.values().flat_map(|r| {
            [
                Some(r.entered_at.plus(config.max_wait)),
                r.asker_gone_at
                    .map(|gone| gone.plus(config.asker_reconnect_window)),
            ]
            .into_iter()
            .flatten()
        });
        let lost = self
            .counselors
            .values()
            .filter_map(|c| c.lost_at.map(|at| at.plus(config.resume_window)));
        let handovers = self.draining.values().copied();
        topics
            .chain(waits)
            .chain(lost)
            .chain(handovers)
            .chain(self.next_shift_boundary)
            .min()
    }

    // ---- the one way to change anything ----

    /// Apply a command at time `now`. Either refuses it and changes nothing, or changes the
    /// state and returns what happened. A `Tick` or an `InstanceLost` that returns no events
    /// changed nothing (so it need not be written to a log).
    pub fn apply(&mut self, command: Command, now: Timestamp) -> Result<Vec<Event>, DeskError> {
        let before = self.observe();
        let mut events = Vec::new();
        let mut moved = Moves::default();
        self.execute(command, now, &mut events, &mut moved)?;
        let after = self.observe();
        if before != after {
            self.derive(&before, &after, now, &mut events);
        }
        events.extend(
            moved
                .0
                .into_iter()
                .map(|(topic, from)| Event::QueueChanged { topic, from }),
        );
        Ok(events)
    }

    fn execute(
        &mut self,
        command: Command,
        now: Timestamp,
        events: &mut Vec<Event>,
        moved: &mut Moves,
    ) -> Result<(), DeskError> {
        match command {
            Command::UpsertTopic { topic, live_chat } => {
                let state = self.topics.entry(topic).or_insert(TopicState {
                    live_chat,
                    grace_until: None,
                    schedule: None,
                    seats: None,
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
            Command::SwitchOffByOperator { counselor, reason } => {
                let state = self.counselor_mut(counselor)?;
                if state.switched_on {
                    state.switched_on = false;
                    state.lost_at = None;
                    events.push(Event::AvailabilitySwitched {
                        counselor,
                        on: false,
                        reason: SwitchReason::Operator,
                    });
                }
                events.push(Event::SwitchedOffByOperator {
                    counselor,
                    reason: reason.into_string(),
                });
            }
            Command::RemoveTopic { topic } => {
                if !self.topics.contains_key(&topic) {
                    return Err(DeskError::UnknownTopic);
                }
                if self.queue_len(topic) > 0
                    || self.conversations.values().any(|c| c.topic == topic)
                {
                    return Err(DeskError::TopicInUse);
                }
                if self.gate_open(topic) {
                    events.push(Event::GateClosed {
                        topic,
                        grace_until: None,
                    });
                }
                self.topics.remove(&topic);
                let holders: Vec<CounselorId> = self
                    .counselors
                    .iter()
                    .filter(|(_, c)| c.topics.contains(&topic))
                    .map(|(id, _)| *id)
                    .collect();
                for counselor in holders {
                    if let Some(state) = self.counselors.get_mut(&counselor) {
                        state.topics.remove(&topic);
                    }
                    events.push(Event::CounselorChanged { counselor });
                }
                events.push(Event::TopicRemoved { topic });
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
                Self::drop_connection(state, connection, now);
            }
            Command::Enter {
                request,
                topic,
                pseudonym,
                asker_key,
            } => {
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
                if self.queue_len(topic) >= self.config.max_waiting_per_topic {
                    return Err(DeskError::QueueFull);
                }
                self.insert_waiting(request, topic, (pseudonym, asker_key), now, now);
                moved.at(topic, self.queue_len(topic));
                events.push(Event::RequestCreated {
                    request,
                    topic,
                    entered_at: now,
                });
            }
            Command::AskerConnected {
                request,
                connection,
            } => self.asker_connection(request, connection, true, now, events)?,
            Command::AskerDisconnected {
                request,
                connection,
            } => self.asker_connection(request, connection, false, now, events)?,
            Command::Leave { request } => {
                if !self.waiting.contains_key(&request) {
                    return Err(DeskError::RequestGone);
                }
                self.end_request(request, EndReason::Withdrawn, events, moved);
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
                if !self.has_free_seat(counselor, waiting.topic) {
                    return Err(DeskError::NoFreeSeat);
                }
                let waiting = self
                    .take_waiting(request, moved)
                    .ok_or(DeskError::RequestGone)?;
                let accepts = self.accepts.entry(waiting.topic).or_default();
                accepts.push_back(AcceptedWait {
                    entered_at: waiting.entered_at,
                    accepted_at: now,
                });
                while accepts.len() > KEPT_ACCEPTS {
                    accepts.pop_front();
                }
                self.conversations.insert(
                    request,
                    OpenConversation {
                        id: request,
                        topic: waiting.topic,
                        counselor,
                        pseudonym: waiting.pseudonym,
                        asker_connections: waiting.asker_connections,
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
            Command::InstanceLost { instance } => self.lose_instance(instance, now, events),
            Command::InstanceStopping { instance, until } => {
                self.draining.insert(instance, until);
            }
            Command::SetSchedule { topic, schedule } => {
                if !self.topics.contains_key(&topic) {
                    return Err(DeskError::UnknownTopic);
                }
                self.decide_shifts(now, events);
                if let Some(state) = self.topics.get_mut(&topic) {
                    state.schedule = (!schedule.is_empty()).then_some(schedule);
                }
                events.push(Event::ScheduleChanged { topic });
                self.shifts_changed(now);
            }
            Command::SetSeats { of, seats } => {
                if seats == Some(0) {
                    return Err(DeskError::InvalidSeats);
                }
                match of {
                    SeatsOf::Topic(topic) => {
                        self.topics
                            .get_mut(&topic)
                            .ok_or(DeskError::UnknownTopic)?
                            .seats = seats;
                    }
                    SeatsOf::Counselor(counselor) => self.counselor_mut(counselor)?.seats = seats,
                }
                events.push(Event::SeatsChanged { of, seats });
            }
            Command::SetShifts {
                counselor,
                covered,
                auto_switch_off,
            } => {
                let state = self
                    .counselors
                    .get(&counselor)
                    .ok_or(DeskError::UnknownCounselor)?;
                for (topic, slots) in &covered {
                    if !state.topics.contains(topic) {
                        return Err(DeskError::NotYourTopic);
                    }
                    let schedule = self.schedule(*topic);
                    if slots
                        .iter()
                        .any(|key| schedule.and_then(|s| s.slot(key)).is_none())
                    {
                        return Err(DeskError::UnknownSlot);
                    }
                }
                self.decide_shifts(now, events);
                let state = self.counselor_mut(counselor)?;
                state.shifts = covered.into_iter().filter(|(_, c)| !c.is_empty()).collect();
                state.auto_switch_off = auto_switch_off;
                events.push(Event::ShiftsChanged {
                    counselor,
                    covered: state.shifts.clone(),
                    auto_switch_off,
                });
                self.shifts_changed(now);
            }
            Command::Tick => {
                self.expire(now, events, moved);
                self.decide_shifts(now, events);
            }
        }
        Ok(())
    }

    /// After the hours or the covered slots changed (what was due before is decided): the
    /// new shifts count from `now`, so a shift that ended before it was covered is never due.
    fn shifts_changed(&mut self, now: Timestamp) {
        self.shifts_until = Some(self.shifts_until.map_or(now, |t| t.max(now)));
        self.plan_shift_boundary();
    }

    /// The next start or end of a covered shift after `shifts_until`; with covered slots but
    /// none within the look-ahead, the end of the look-ahead (to look again).
    fn plan_shift_boundary(&mut self) {
        let Some(from) = self.shifts_until else {
            self.next_shift_boundary = None;
            return;
        };
        let to = from.plus_millis(SHIFT_LOOKAHEAD_MS);
        let mut any = false;
        let mut next: Option<Timestamp> = None;
        for state in self.counselors.values() {
            for (topic, covered) in &state.shifts {
                let Some(schedule) = self.schedule(*topic) else {
                    continue;
                };
                any = true;
                for shift in shifts::shifts(*topic, schedule, covered, from, to) {
                    for at in [shift.start, shift.end] {
                        if at > from && next.is_none_or(|n| at < n) {
                            next = Some(at);
                        }
                    }
                }
            }
        }
        self.next_shift_boundary = if any { Some(next.unwrap_or(to)) } else { None };
    }

    /// What covered shifts that began or ended since the last decision call for
    /// ([`shifts::due`]); every boundary is decided once, at the first tick at or after it.
    fn decide_shifts(&mut self, now: Timestamp, events: &mut Vec<Event>) {
        let (Some(boundary), Some(since)) = (self.next_shift_boundary, self.shifts_until) else {
            return;
        };
        if now < boundary || now <= since {
            return;
        }
        let mut decided = Vec::new();
        for (id, state) in &self.counselors {
            if state.shifts.is_empty() {
                continue;
            }
            let all: Vec<shifts::Shift> = state
                .shifts
                .iter()
                .filter_map(|(topic, covered)| {
                    self.schedule(*topic)
                        .map(|schedule| shifts::shifts(*topic, schedule, covered, since, now))
                })
                .flatten()
                .collect();
            let counselor = CounselorNow {
                available: state.available(),
                auto_switch_off: state.auto_switch_off,
            };
            for due in shifts::due(&all, counselor, since, now) {
                decided.push((*id, due));
            }
        }
        for (counselor, due) in decided {
            match due {
                ShiftDue::ShiftStarted { shift } => events.push(Event::ShiftReminder {
                    counselor,
                    topic: shift.topic,
                    start: shift.start,
                    end: shift.end,
                    notice: ShiftNotice::Started,
                }),
                ShiftDue::ShiftEnded { shift, action } => {
                    let mut notice = ShiftNotice::EndedSwitchOff;
                    if action == AtShiftEnd::SwitchOff {
                        if let Some(state) = self.counselors.get_mut(&counselor) {
                            if state.switched_on {
                                state.switched_on = false;
                                state.lost_at = None;
                                events.push(Event::AvailabilitySwitched {
                                    counselor,
                                    on: false,
                                    reason: SwitchReason::ShiftEnded,
                                });
                                notice = ShiftNotice::EndedSwitchedOff;
                            }
                        }
                    }
                    events.push(Event::ShiftReminder {
                        counselor,
                        topic: shift.topic,
                        start: shift.start,
                        end: shift.end,
                        notice,
                    });
                }
            }
        }
        self.shifts_until = Some(now);
        self.plan_shift_boundary();
        events.push(Event::ShiftsDecided { until: now });
    }

    fn counselor_mut(&mut self, counselor: CounselorId) -> Result<&mut CounselorState, DeskError> {
        self.counselors
            .get_mut(&counselor)
            .ok_or(DeskError::UnknownCounselor)
    }

    fn drop_connection(state: &mut CounselorState, connection: ConnectionId, now: Timestamp) {
        if state.connections.remove(&connection).is_some()
            && state.connections.is_empty()
            && state.switched_on
        {
            state.lost_at = Some(now);
        }
    }

    fn insert_waiting(
        &mut self,
        request: RequestId,
        topic: TopicId,
        (pseudonym, asker_key): (String, String),
        entered_at: Timestamp,
        now: Timestamp,
    ) {
        self.next_seq += 1;
        let seq = self.next_seq;
        self.waiting.insert(
            request,
            WaitingRequest {
                id: request,
                topic,
                pseudonym,
                asker_key,
                entered_at,
                asker_connections: OrdSet::new(),
                asker_gone_at: Some(now),
                seq,
            },
        );
        self.queues.entry(topic).or_default().insert(seq, request);
    }

    /// Take a request out of its waiting room, noting from which place on the others moved.
    fn take_waiting(&mut self, request: RequestId, moved: &mut Moves) -> Option<WaitingRequest> {
        let waiting = self.waiting.get(&request)?;
        let (topic, seq) = (waiting.topic, waiting.seq);
        moved.at(topic, self.rank(topic, seq));
        if let Some(queue) = self.queues.get_mut(&topic) {
            queue.remove(&seq);
            if queue.is_empty() {
                self.queues.remove(&topic);
            }
        }
        self.waiting.remove(&request)
    }

    fn asker_connection(
        &mut self,
        request: RequestId,
        connection: ConnectionId,
        online: bool,
        now: Timestamp,
        events: &mut Vec<Event>,
    ) -> Result<(), DeskError> {
        let (was, is) = if let Some(waiting) = self.waiting.get_mut(&request) {
            let was = waiting.asker_online();
            Self::toggle(&mut waiting.asker_connections, connection, online);
            let is = waiting.asker_online();
            if is {
                waiting.asker_gone_at = None;
            } else if was {
                waiting.asker_gone_at = Some(now);
            }
            (was, is)
        } else if let Some(open) = self.conversations.get_mut(&request) {
            let was = open.asker_online();
            Self::toggle(&mut open.asker_connections, connection, online);
            (was, open.asker_online())
        } else {
            return Err(DeskError::RequestGone);
        };
        if was != is {
            events.push(Event::AskerPresenceChanged {
                request,
                online: is,
            });
        }
        Ok(())
    }

    fn toggle(set: &mut OrdSet<ConnectionId>, connection: ConnectionId, on: bool) {
        if on {
            set.insert(connection);
        } else {
            set.remove(&connection);
        }
    }

    /// Every connection of `instance` is gone.
    fn lose_instance(&mut self, instance: InstanceId, now: Timestamp, events: &mut Vec<Event>) {
        let mut held = self.draining.remove(&instance).is_some();
        let of_instance = |connection: &ConnectionId| connection.instance == instance;
        let gone: Vec<(CounselorId, ConnectionId)> = self
            .counselors
            .iter()
            .flat_map(|(id, state)| state.connections.iter().map(move |c| (*id, *c)))
            .filter(|(_, connection)| of_instance(connection))
            .collect();
        held |= !gone.is_empty();
        for (counselor, connection) in gone {
            if let Some(state) = self.counselors.get_mut(&counselor) {
                Self::drop_connection(state, connection, now);
            }
        }
        let askers: Vec<(RequestId, ConnectionId)> = self
            .waiting
            .values()
            .flat_map(|r| r.asker_connections.iter().map(move |c| (r.id, *c)))
            .chain(
                self.conversations
                    .values()
                    .flat_map(|c| c.asker_connections.iter().map(move |a| (c.id, *a))),
            )
            .filter(|(_, connection)| of_instance(connection))
            .collect();
        held |= !askers.is_empty();
        for (request, connection) in askers {
            let _ = self.asker_connection(request, connection, false, now, events);
        }
        if held {
            events.push(Event::InstanceGone { instance });
        }
    }

    fn expire(&mut self, now: Timestamp, events: &mut Vec<Event>, moved: &mut Moves) {
        let handed_over: Vec<InstanceId> = self
            .draining
            .iter()
            .filter(|(_, until)| now >= **until)
            .map(|(instance, _)| *instance)
            .collect();
        for instance in handed_over {
            self.lose_instance(instance, now, events);
        }
        let config = self.config.clone();
        let resume_over: Vec<CounselorId> = self
            .counselors
            .iter()
            .filter(|(_, state)| {
                state.connections.is_empty()
                    && state
                        .lost_at
                        .is_some_and(|lost| now.since(lost) >= config.resume_window)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in resume_over {
            if let Some(state) = self.counselors.get_mut(&id) {
                state.lost_at = None;
                if state.switched_on {
                    state.switched_on = false;
                    events.push(Event::AvailabilitySwitched {
                        counselor: id,
                        on: false,
                        reason: SwitchReason::ConnectionLost,
                    });
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
            self.end_request(request, reason, events, moved);
        }
        let graces_over: Vec<TopicId> = self
            .topics
            .iter()
            .filter(|(_, t)| t.grace_until.is_some_and(|until| now >= until))
            .map(|(id, _)| *id)
            .collect();
        for topic in graces_over {
            if let Some(state) = self.topics.get_mut(&topic) {
                state.grace_until = None;
            }
            events.push(Event::GraceEnded { topic });
        }
    }

    fn end_request(
        &mut self,
        request: RequestId,
        reason: EndReason,
        events: &mut Vec<Event>,
        moved: &mut Moves,
    ) {
        if let Some(waiting) = self.take_waiting(request, moved) {
            events.push(Event::RequestEnded {
                request,
                topic: waiting.topic,
                reason,
            });
        }
    }

    fn observe(&self) -> Observed {
        let mut coverage: std::collections::BTreeMap<TopicId, u32> =
            self.topics.keys().map(|t| (*t, 0)).collect();
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
                let askers_wait = self.queue_len(*topic) > 0;
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
}

/// From which place on each topic's waiting room moved during one command.
#[derive(Default)]
struct Moves(std::collections::BTreeMap<TopicId, usize>);

impl Moves {
    fn at(&mut self, topic: TopicId, place: usize) {
        let from = self.0.entry(topic).or_insert(place);
        *from = (*from).min(place);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod hours_tests;
