//! The reception: the one place where the desk's decisions are made, stored and announced.
//!
//! Every command runs under one async lock: the desk decides on a copy (O(1), the desk's maps
//! are persistent), the store makes the effects durable, only then does the copy become the
//! desk. A command the store could not persist leaves the desk untouched — unless it is a
//! fact (a socket closed, time passed): facts are applied whatever the store says, and their
//! persistence is retried until it succeeds.
//!
//! Reads never wait for a command: they see the desk as the last command left it.
//!
//! Announcing is outside the lock: under it, the events are turned into frames for their
//! recipients (cheap), and an announcer task delivers them in the order of the commands, so
//! a command's answer does not wait for thousands of sockets and no socket sees events out
//! of order. Everything else sent to sockets (chat messages) takes the same road.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use pforte_domain::{
    Command, CounselorId, Desk, DeskConfig, Event, InstanceId, SwitchReason, Timestamp, TopicId,
};
use pforte_wire as wire;
use pforte_wire::ServerEvent;
use tokio::sync::{mpsc, Mutex};

use crate::config::ServeSettings;
use crate::error::AppResult;
use crate::hub::{Hub, Outgoing, Target};
use crate::store::{ChatRecord, ChatState, CounselorRecord, NewChat, Store, TopicRecord};
use crate::writer::MessageWriter;

/// The wall clock, read at the edge and passed into the logic.
pub fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    Timestamp::from_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// Names and texts the desk does not need but the wire does.
#[derive(Default)]
pub struct Directory {
    pub topics: HashMap<TopicId, TopicRecord>,
    pub counselors: HashMap<CounselorId, CounselorRecord>,
}

/// The effects of a fact that could not be stored yet, in the order they happened.
struct Unstored {
    at: Timestamp,
    events: Vec<Event>,
}

/// What the command lock guards.
struct Commanding {
    desk: Desk,
    /// Facts applied to the desk whose effects the store has not taken yet.
    unstored: VecDeque<Unstored>,
}

/// Whether a command is a fact: something that happened whatever anyone thinks of it, which
/// the store cannot veto.
fn is_fact(command: &Command) -> bool {
    matches!(
        command,
        Command::Connect { .. }
            | Command::Disconnect { .. }
            | Command::AskerConnected { .. }
            | Command::AskerDisconnected { .. }
            | Command::InstanceLost { .. }
            | Command::InstanceStopping { .. }
            | Command::Tick
    )
}

pub struct Reception {
    command: Mutex<Commanding>,
    /// The desk as the last command left it, for reads.
    view: RwLock<Arc<Desk>>,
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    directory: RwLock<Directory>,
    pub settings: ServeSettings,
    /// This server process among the service's instances (it numbers its connections).
    pub instance: InstanceId,
    announcer: mpsc::UnboundedSender<Vec<Outgoing>>,
    /// Chat messages are stored through this (group commit).
    pub messages: MessageWriter,
}

impl Reception {
    /// Load everything from the store and restore the desk as it was.
    pub async fn start(store: Arc<dyn Store>, settings: ServeSettings) -> anyhow::Result<Self> {
        let now = now();
        store.close_open_availability(now).await?;
        let mut desk = Desk::new(DeskConfig {
            grace: settings.grace,
            max_wait: settings.max_wait,
            resume_window: settings.resume_window,
            asker_reconnect_window: settings.asker_reconnect_window,
            max_waiting_per_topic: settings.max_waiting,
        });
        let mut directory = Directory::default();
        for topic in store.topics().await? {
            desk.apply(
                Command::UpsertTopic {
                    topic: topic.id,
                    live_chat: topic.live_chat,
                },
                now,
            )?;
            directory.topics.insert(topic.id, topic);
        }
        for counselor in store.counselors().await? {
            desk.restore_counselor(
                counselor.id,
                counselor.topics.iter().copied().collect(),
                counselor.switched_on,
                counselor.absent,
                now,
            );
            directory.counselors.insert(counselor.id, counselor);
        }
        for chat in store.open_chats().await? {
            match (chat.state, chat.counselor) {
                (ChatState::Waiting, _) => {
                    desk.restore_waiting(chat.id, chat.topic, chat.pseudonym, chat.entered_at, now)
                }
                (ChatState::Chatting, Some(counselor)) => {
                    desk.restore_conversation(chat.id, chat.topic, counselor, chat.pseudonym)
                }
                _ => continue,
            }
        }
        let hub = Arc::new(Hub::default());
        let (announcer, deliveries) = mpsc::unbounded_channel();
        tokio::spawn(announce_in_order(hub.clone(), deliveries));
        Ok(Self {
            view: RwLock::new(Arc::new(desk.clone())),
            command: Mutex::new(Commanding {
                desk,
                unstored: VecDeque::new(),
            }),
            store: store.clone(),
            hub,
            directory: RwLock::new(directory),
            settings,
            instance: InstanceId(0),
            announcer,
            messages: MessageWriter::start(store.clone()),
        })
    }

    pub fn directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory.read().unwrap_or_else(|e| e.into_inner())
    }

    fn directory_mut(&self) -> std::sync::RwLockWriteGuard<'_, Directory> {
        self.directory.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The desk as the last command left it.
    pub fn desk(&self) -> Arc<Desk> {
        self.view.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Read the desk. Never waits for a running command.
    pub async fn read<R>(&self, f: impl FnOnce(&Desk) -> R) -> R {
        f(&self.desk())
    }

    /// Hand frames to the announcer: delivered after everything handed over before.
    pub fn send(&self, outgoing: Vec<Outgoing>) {
        if !outgoing.is_empty() {
            let _ = self.announcer.send(outgoing);
        }
    }

    /// Store facts applied earlier whose storing failed; stops at the first that fails again.
    async fn store_unstored(&self, commanding: &mut Commanding) -> crate::store::StoreResult<()> {
        while let Some(unstored) = commanding.unstored.front() {
            self.store
                .record(unstored.at, &unstored.events, None)
                .await?;
            commanding.unstored.pop_front();
        }
        Ok(())
    }

    /// Run a command: decide, persist, commit, announce. `after` reads the new desk under the
    /// same lock (e.g. the position of a request just created).
    pub async fn decide<R>(
        &self,
        command: Command,
        new_chat: Option<NewChat>,
        after: impl FnOnce(&Desk) -> R,
    ) -> AppResult<(Vec<Event>, R)> {
        let mut commanding = self.command.lock().await;
        let now = now();
        let fact = is_fact(&command);
        let mut next = commanding.desk.clone();
        let events = next.apply(command, now)?;
        if !events.is_empty() {
            let stored = match self.store_unstored(&mut commanding).await {
                Ok(()) => self.store.record(now, &events, new_chat.as_ref()).await,
                Err(error) => Err(error),
            };
            match stored {
                Ok(()) => {}
                Err(error) if fact => {
                    tracing::error!(%error, "storing a fact failed; it counts anyway and is stored later");
                    commanding.unstored.push_back(Unstored {
                        at: now,
                        events: events.clone(),
                    });
                }
                Err(error) => return Err(error.into()),
            }
        }
        commanding.desk = next;
        let desk = &commanding.desk;
        *self.view.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(desk.clone());
        self.send(self.announce(desk, &events, now));
        let result = after(desk);
        Ok((events, result))
    }

    /// Run a command whose only interest is its effect.
    pub async fn run(&self, command: Command) -> AppResult<Vec<Event>> {
        Ok(self.decide(command, None, |_| ()).await?.0)
    }

    /// Tell a counselor's devices their availability again (e.g. the absence message changed
    /// but nothing the desk knows), in order with the commands around it.
    pub async fn republish_availability(&self, counselor: CounselorId) {
        let commanding = self.command.lock().await;
        self.send(vec![Outgoing::new(
            Target::Counselor(counselor),
            &ServerEvent::AvailabilityChanged {
                availability: self.availability(&commanding.desk, counselor),
                reason: None,
            },
        )]);
    }

    /// Retry storing facts whose storing failed (the duties call this regularly).
    pub async fn retry_unstored(&self) {
        let mut commanding = self.command.lock().await;
        if let Err(error) = self.store_unstored(&mut commanding).await {
            tracing::warn!(%error, "storing earlier facts still fails");
        }
    }

    /// Re-read topics and counselors from the store (after operator changes).
    pub async fn reload_directory(&self) -> anyhow::Result<()> {
        let topics = self.store.topics().await?;
        let counselors = self.store.counselors().await?;
        for topic in &topics {
            self.run(Command::UpsertTopic {
                topic: topic.id,
                live_chat: topic.live_chat,
            })
            .await?;
        }
        for counselor in &counselors {
            self.run(Command::UpsertCounselor {
                counselor: counselor.id,
                topics: counselor.topics.iter().copied().collect(),
            })
            .await?;
        }
        let mut directory = self.directory_mut();
        directory.topics = topics.into_iter().map(|t| (t.id, t)).collect();
        for counselor in counselors {
            directory.counselors.insert(counselor.id, counselor);
        }
        Ok(())
    }

    pub fn set_absence_message(&self, counselor: CounselorId, message: Option<String>) {
        if let Some(record) = self.directory_mut().counselors.get_mut(&counselor) {
            record.absence_message = message;
        }
    }

    // ---- views ----

    pub fn availability(&self, desk: &Desk, counselor: CounselorId) -> wire::Availability {
        let unavailable_because = if desk.is_available(counselor) {
            None
        } else if desk.is_absent(counselor) {
            Some(wire::UnavailableReason::Absent)
        } else if !desk.is_switched_on(counselor) {
            Some(wire::UnavailableReason::SwitchedOff)
        } else {
            Some(wire::UnavailableReason::NoConnection)
        };
        wire::Availability {
            unavailable_because,
            switched_on: desk.is_switched_on(counselor),
            available: desk.is_available(counselor),
            online: desk.is_online(counselor),
            absent: desk.is_absent(counselor),
            absence_message: self
                .directory()
                .counselors
                .get(&counselor)
                .and_then(|c| c.absence_message.clone())
                .filter(|_| desk.is_absent(counselor)),
        }
    }

    pub fn coverage(&self, desk: &Desk, topic: TopicId) -> wire::TopicCoverage {
        wire::TopicCoverage {
            topic_id: topic.0,
            topic_name: self.topic_name(topic),
            available_counselors: desk.coverage(topic),
            waiting: u32::try_from(desk.queue(topic).len()).unwrap_or(u32::MAX),
        }
    }

    pub fn topic_name(&self, topic: TopicId) -> String {
        self.directory()
            .topics
            .get(&topic)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    }

    pub fn chat_hours(&self, topic: TopicId) -> Option<String> {
        self.directory()
            .topics
            .get(&topic)
            .and_then(|t| t.chat_hours.clone())
    }

    pub fn counselor_name(&self, counselor: CounselorId) -> String {
        self.directory()
            .counselors
            .get(&counselor)
            .map(|c| c.display_name.clone())
            .unwrap_or_default()
    }

    pub fn live_chat_request(
        &self,
        request: &pforte_domain::WaitingRequest,
    ) -> wire::LiveChatRequest {
        wire::LiveChatRequest {
            id: request.id.0,
            topic_id: request.topic.0,
            topic_name: self.topic_name(request.topic),
            pseudonym: request.pseudonym.clone(),
            entered_at: request.entered_at.as_millis(),
            asker_online: request.asker_online(),
        }
    }

    /// A conversation as its counselor sees it.
    pub fn conversation(&self, desk: &Desk, chat: &ChatRecord) -> wire::Conversation {
        wire::Conversation {
            id: chat.id.0,
            topic_id: chat.topic.0,
            topic_name: self.topic_name(chat.topic),
            pseudonym: chat.pseudonym.clone(),
            started_at: chat.accepted_at.unwrap_or(chat.entered_at).as_millis(),
            ended_at: chat.ended_at.map(Timestamp::as_millis),
            ended_by: chat.ended_by,
            asker_online: desk.conversation(chat.id).is_some_and(|c| c.asker_online()),
            message_count: chat.message_count,
            last_message_at: chat.last_message_at.map(Timestamp::as_millis),
        }
    }

    /// Where an asker stands.
    pub fn asker_state(&self, desk: &Desk, chat: &ChatRecord) -> wire::AskerState {
        let counselor_name = chat.counselor.map(|c| self.counselor_name(c));
        let status = match chat.state {
            ChatState::Waiting => wire::AskerStatus::Waiting {
                position: desk
                    .position(chat.id)
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(0),
                gate_open: desk.gate_open(chat.topic),
                grace_until: desk.grace_until(chat.topic).map(Timestamp::as_millis),
            },
            ChatState::Chatting => wire::AskerStatus::Chatting {
                counselor_name: counselor_name.unwrap_or_default(),
                counselor_online: chat.counselor.is_some_and(|c| desk.is_online(c)),
            },
            ChatState::RequestEnded => wire::AskerStatus::RequestEnded {
                reason: chat
                    .end_reason
                    .map(crate::convert::end_reason)
                    .unwrap_or(wire::RequestEndReason::Withdrawn),
                next_chat_hours: self.chat_hours(chat.topic),
            },
            ChatState::ChatEnded => wire::AskerStatus::ChatEnded {
                counselor_name: counselor_name.unwrap_or_default(),
                ended_by: chat.ended_by.unwrap_or(wire::Sender::Counselor),
            },
        };
        wire::AskerState {
            request_id: chat.id.0,
            topic_id: chat.topic.0,
            topic_name: self.topic_name(chat.topic),
            pseudonym: chat.pseudonym.clone(),
            status,
            retention_seconds: self.settings.retention.as_secs(),
        }
    }

    // ---- announcing events to the sockets concerned ----

    /// The frames that tell everyone concerned what happened.
    fn announce(&self, desk: &Desk, events: &[Event], now: Timestamp) -> Vec<Outgoing> {
        let mut out = Frames::default();
        let mut availability: BTreeMap<CounselorId, Option<SwitchReason>> = BTreeMap::new();
        let mut coverage: BTreeSet<TopicId> = BTreeSet::new();
        for event in events {
            match event {
                Event::AvailabilitySwitched {
                    counselor, reason, ..
                } => {
                    availability.insert(*counselor, Some(*reason));
                }
                Event::AbsenceChanged { counselor, .. }
                | Event::CounselorAvailabilityChanged { counselor, .. } => {
                    availability.entry(*counselor).or_insert(None);
                }
                Event::CounselorPresenceChanged { counselor, online } => {
                    availability.entry(*counselor).or_insert(None);
                    let changed = ServerEvent::CounselorPresenceChanged { online: *online };
                    out.to_each(
                        desk.conversations_of(*counselor)
                            .map(|c| Target::Chat(c.id)),
                        &changed,
                    );
                }
                Event::CoverageChanged { topic, .. } => {
                    coverage.insert(*topic);
                }
                Event::QueueChanged { topic, from } => {
                    coverage.insert(*topic);
                    // Only the askers whose place moved hear of it.
                    for (position, request) in desk.queue_from(*topic, *from) {
                        out.to(
                            Target::Chat(request.id),
                            &ServerEvent::QueuePosition {
                                position: u32::try_from(position).unwrap_or(u32::MAX),
                            },
                        );
                    }
                }
                Event::GateOpened { topic } => {
                    let changed = ServerEvent::GateChanged {
                        topic_id: topic.0,
                        open: true,
                    };
                    out.to(Target::Watchers, &changed);
                    let waiting: Vec<Target> = desk
                        .queue_from(*topic, 1)
                        .map(|(_, r)| Target::Chat(r.id))
                        .collect();
                    out.to_each(waiting.iter().copied(), &changed);
                    out.to_each(waiting.into_iter(), &ServerEvent::WaitingRoomReopened);
                }
                Event::GateClosed { topic, grace_until } => {
                    let changed = ServerEvent::GateChanged {
                        topic_id: topic.0,
                        open: false,
                    };
                    out.to(Target::Watchers, &changed);
                    let waiting: Vec<Target> = desk
                        .queue_from(*topic, 1)
                        .map(|(_, r)| Target::Chat(r.id))
                        .collect();
                    out.to_each(waiting.iter().copied(), &changed);
                    out.to_each(
                        waiting.into_iter(),
                        &ServerEvent::WaitingRoomClosing {
                            grace_until: grace_until.map(Timestamp::as_millis),
                        },
                    );
                }
                Event::RequestCreated { request, .. } => {
                    if let Some(waiting) = desk.waiting_request(*request) {
                        out.to_each(
                            desk.available_counselors_of(waiting.topic)
                                .map(Target::Counselor),
                            &ServerEvent::RequestCreated {
                                request: self.live_chat_request(waiting),
                            },
                        );
                    }
                }
                Event::RequestEnded {
                    request,
                    topic,
                    reason,
                } => {
                    out.to_each(
                        desk.available_counselors_of(*topic).map(Target::Counselor),
                        &ServerEvent::RequestWithdrawn {
                            request_id: request.0,
                            topic_id: topic.0,
                            reason: crate::convert::end_reason(*reason),
                        },
                    );
                    out.to(
                        Target::Chat(*request),
                        &ServerEvent::RequestEnded {
                            reason: crate::convert::end_reason(*reason),
                            next_chat_hours: self.chat_hours(*topic),
                        },
                    );
                }
                Event::RequestAccepted {
                    request,
                    topic,
                    counselor,
                } => {
                    out.to_each(
                        desk.available_counselors_of(*topic)
                            .filter(|colleague| colleague != counselor)
                            .map(Target::Counselor),
                        &ServerEvent::RequestTaken {
                            request_id: request.0,
                            topic_id: topic.0,
                            by_you: false,
                        },
                    );
                    out.to(
                        Target::Counselor(*counselor),
                        &ServerEvent::RequestTaken {
                            request_id: request.0,
                            topic_id: topic.0,
                            by_you: true,
                        },
                    );
                    let started = ChatRecord {
                        id: *request,
                        topic: *topic,
                        pseudonym: desk
                            .conversation(*request)
                            .map(|c| c.pseudonym.clone())
                            .unwrap_or_default(),
                        state: ChatState::Chatting,
                        entered_at: now,
                        end_reason: None,
                        counselor: Some(*counselor),
                        accepted_at: Some(now),
                        ended_at: None,
                        ended_by: None,
                        message_count: 0,
                        last_message_at: None,
                    };
                    out.to(
                        Target::Counselor(*counselor),
                        &ServerEvent::ConversationStarted {
                            conversation: self.conversation(desk, &started),
                        },
                    );
                    out.to(
                        Target::Chat(*request),
                        &ServerEvent::ChatAccepted {
                            counselor_name: self.counselor_name(*counselor),
                        },
                    );
                }
                Event::AskerPresenceChanged { request, online } => {
                    if let Some(conversation) = desk.conversation(*request) {
                        out.to(
                            Target::Counselor(conversation.counselor),
                            &ServerEvent::AskerPresenceChanged {
                                conversation_id: request.0,
                                online: *online,
                            },
                        );
                    }
                }
                Event::ConversationEnded {
                    conversation,
                    counselor,
                    by,
                    ..
                } => {
                    let ended = ServerEvent::ConversationEnded {
                        conversation_id: conversation.0,
                        by: crate::store::party_sender(*by),
                    };
                    out.to(Target::Counselor(*counselor), &ended);
                    out.to(Target::Chat(*conversation), &ended);
                }
                Event::TopicChanged { topic, .. } => {
                    coverage.insert(*topic);
                }
                Event::CounselorChanged { .. }
                | Event::GraceEnded { .. }
                | Event::InstanceGone { .. } => {}
            }
        }
        for (counselor, reason) in availability {
            out.to(
                Target::Counselor(counselor),
                &ServerEvent::AvailabilityChanged {
                    availability: self.availability(desk, counselor),
                    reason: reason.map(crate::convert::switch_reason),
                },
            );
        }
        for topic in coverage {
            out.to_each(
                desk.counselors_of(topic).map(Target::Counselor),
                &ServerEvent::CoverageChanged {
                    coverage: self.coverage(desk, topic),
                },
            );
        }
        out.0
    }
}

/// Frames for their recipients; one encoding per event, shared by all its recipients.
#[derive(Default)]
pub struct Frames(Vec<Outgoing>);

impl Frames {
    pub fn to(&mut self, target: Target, event: &ServerEvent) {
        self.0.push(Outgoing::new(target, event));
    }

    pub fn to_each(&mut self, targets: impl Iterator<Item = Target>, event: &ServerEvent) {
        let mut encoded: Option<Outgoing> = None;
        for target in targets {
            let outgoing = match &encoded {
                Some(first) => first.to(target),
                None => Outgoing::new(target, event),
            };
            encoded.get_or_insert_with(|| outgoing.clone());
            self.0.push(outgoing);
        }
    }

    pub fn into_vec(self) -> Vec<Outgoing> {
        self.0
    }
}

/// The announcer: delivers what the commands handed over, in their order.
async fn announce_in_order(hub: Arc<Hub>, mut deliveries: mpsc::UnboundedReceiver<Vec<Outgoing>>) {
    while let Some(outgoing) = deliveries.recv().await {
        for one in outgoing {
            hub.deliver(one);
        }
    }
}
