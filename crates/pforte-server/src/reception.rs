//! The reception: the one place where the desk's decisions are made, stored and announced.
//!
//! Every command runs under one async lock: the desk decides on a copy, the store makes the
//! effects durable, only then does the copy become the desk, and the events go out to the
//! sockets concerned. A command the store could not persist leaves the desk untouched.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use pforte_domain::{
    Command, CounselorId, Desk, DeskConfig, Event, RequestId, SwitchReason, Timestamp, TopicId,
};
use pforte_wire as wire;
use pforte_wire::ServerEvent;
use tokio::sync::Mutex;

use crate::config::ServeSettings;
use crate::error::AppResult;
use crate::hub::Hub;
use crate::store::{ChatRecord, ChatState, CounselorRecord, NewChat, Store, TopicRecord};

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
    /// Pseudonyms of requests and conversations that are open.
    pub pseudonyms: HashMap<RequestId, String>,
}

pub struct Reception {
    desk: Mutex<Desk>,
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    directory: RwLock<Directory>,
    pub settings: ServeSettings,
    /// The `last_for` each counselor's sockets were told last, to tell them again when it
    /// changes (a colleague came or went, an asker entered or left).
    last_for_sent: std::sync::Mutex<HashMap<CounselorId, Vec<wire::LastCover>>>,
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
                    desk.restore_waiting(chat.id, chat.topic, chat.entered_at, now)
                }
                (ChatState::Chatting, Some(counselor)) => {
                    desk.restore_conversation(chat.id, chat.topic, counselor)
                }
                _ => continue,
            }
            directory.pseudonyms.insert(chat.id, chat.pseudonym);
        }
        Ok(Self {
            desk: Mutex::new(desk),
            store,
            hub: Hub::default(),
            directory: RwLock::new(directory),
            settings,
            last_for_sent: std::sync::Mutex::default(),
        })
    }

    pub fn directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory.read().unwrap_or_else(|e| e.into_inner())
    }

    fn directory_mut(&self) -> std::sync::RwLockWriteGuard<'_, Directory> {
        self.directory.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Read the desk (briefly: this waits for a running command).
    pub async fn read<R>(&self, f: impl FnOnce(&Desk) -> R) -> R {
        let desk = self.desk.lock().await;
        f(&desk)
    }

    /// Run a command: decide, persist, commit, announce. `after` reads the new desk under the
    /// same lock (e.g. the position of a request just created).
    pub async fn decide<R>(
        &self,
        command: Command,
        new_chat: Option<NewChat>,
        after: impl FnOnce(&Desk) -> R,
    ) -> AppResult<(Vec<Event>, R)> {
        let mut desk = self.desk.lock().await;
        let now = now();
        let mut next = desk.clone();
        let events = next.apply(command, now)?;
        if !events.is_empty() {
            self.store.record(now, &events, new_chat.as_ref()).await?;
        }
        *desk = next;
        if let (Some(chat), Some(Event::RequestCreated { request, .. })) = (
            new_chat,
            events
                .iter()
                .find(|e| matches!(e, Event::RequestCreated { .. })),
        ) {
            self.directory_mut()
                .pseudonyms
                .insert(*request, chat.pseudonym);
        }
        self.announce(&desk, &events, now);
        let result = after(&desk);
        Ok((events, result))
    }

    /// Run a command whose only interest is its effect.
    pub async fn run(&self, command: Command) -> AppResult<Vec<Event>> {
        Ok(self.decide(command, None, |_| ()).await?.0)
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
        wire::Availability {
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
            last_for: desk
                .sole_cover(counselor)
                .into_iter()
                .map(|(topic, waiting)| wire::LastCover {
                    topic_id: topic.0,
                    topic_name: self.topic_name(topic),
                    waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
                })
                .collect(),
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

    fn pseudonym(&self, request: RequestId) -> String {
        self.directory()
            .pseudonyms
            .get(&request)
            .cloned()
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
            pseudonym: self.pseudonym(request.id),
            entered_at: request.entered_at.as_millis(),
            asker_online: request.asker_online,
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
            asker_online: desk.conversation(chat.id).is_some_and(|c| c.asker_online),
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

    fn announce(&self, desk: &Desk, events: &[Event], now: Timestamp) {
        let hub = &self.hub;
        let mut availability: BTreeMap<CounselorId, Option<SwitchReason>> = BTreeMap::new();
        let mut availability_maybe: BTreeSet<CounselorId> = BTreeSet::new();
        let mut coverage: BTreeSet<TopicId> = BTreeSet::new();
        let mut closed_chats = Vec::new();
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
                    for conversation in desk.conversations_of(*counselor) {
                        hub.to_chat(
                            conversation.id,
                            &ServerEvent::CounselorPresenceChanged { online: *online },
                        );
                    }
                }
                Event::CoverageChanged { topic, .. } | Event::QueueChanged { topic } => {
                    coverage.insert(*topic);
                    if matches!(event, Event::QueueChanged { .. }) {
                        for (index, request) in desk.queue(*topic).iter().enumerate() {
                            hub.to_chat(
                                request.id,
                                &ServerEvent::QueuePosition {
                                    position: u32::try_from(index + 1).unwrap_or(u32::MAX),
                                },
                            );
                        }
                    }
                }
                Event::GateOpened { topic } => {
                    let changed = ServerEvent::GateChanged {
                        topic_id: topic.0,
                        open: true,
                    };
                    hub.to_watchers(&changed);
                    for request in desk.queue(*topic) {
                        hub.to_chat(request.id, &changed);
                        hub.to_chat(request.id, &ServerEvent::WaitingRoomReopened);
                    }
                }
                Event::GateClosed { topic, grace_until } => {
                    let changed = ServerEvent::GateChanged {
                        topic_id: topic.0,
                        open: false,
                    };
                    hub.to_watchers(&changed);
                    for request in desk.queue(*topic) {
                        hub.to_chat(request.id, &changed);
                        hub.to_chat(
                            request.id,
                            &ServerEvent::WaitingRoomClosing {
                                grace_until: grace_until.map(Timestamp::as_millis),
                            },
                        );
                    }
                }
                Event::RequestCreated { request, .. } => {
                    if let Some(waiting) = desk.waiting_request(*request) {
                        let created = ServerEvent::RequestCreated {
                            request: self.live_chat_request(waiting),
                        };
                        for counselor in desk.available_counselors_of(waiting.topic) {
                            hub.to_counselor(counselor, &created);
                        }
                    }
                }
                Event::RequestEnded {
                    request,
                    topic,
                    reason,
                } => {
                    let withdrawn = ServerEvent::RequestWithdrawn {
                        request_id: request.0,
                        topic_id: topic.0,
                        reason: crate::convert::end_reason(*reason),
                    };
                    for counselor in desk.available_counselors_of(*topic) {
                        hub.to_counselor(counselor, &withdrawn);
                    }
                    hub.to_chat(
                        *request,
                        &ServerEvent::RequestEnded {
                            reason: crate::convert::end_reason(*reason),
                            next_chat_hours: self.chat_hours(*topic),
                        },
                    );
                    closed_chats.push(*request);
                }
                Event::RequestAccepted {
                    request,
                    topic,
                    counselor,
                } => {
                    for colleague in desk.available_counselors_of(*topic) {
                        if colleague != *counselor {
                            hub.to_counselor(
                                colleague,
                                &ServerEvent::RequestTaken {
                                    request_id: request.0,
                                    topic_id: topic.0,
                                    by_you: false,
                                },
                            );
                        }
                    }
                    hub.to_counselor(
                        *counselor,
                        &ServerEvent::RequestTaken {
                            request_id: request.0,
                            topic_id: topic.0,
                            by_you: true,
                        },
                    );
                    let started = ChatRecord {
                        id: *request,
                        topic: *topic,
                        pseudonym: self.pseudonym(*request),
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
                    hub.to_counselor(
                        *counselor,
                        &ServerEvent::ConversationStarted {
                            conversation: self.conversation(desk, &started),
                        },
                    );
                    hub.to_chat(
                        *request,
                        &ServerEvent::ChatAccepted {
                            counselor_name: self.counselor_name(*counselor),
                        },
                    );
                }
                Event::AskerPresenceChanged { request, online } => {
                    if let Some(conversation) = desk.conversation(*request) {
                        hub.to_counselor(
                            conversation.counselor,
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
                    hub.to_counselor(*counselor, &ended);
                    hub.to_chat(*conversation, &ended);
                    closed_chats.push(*conversation);
                }
                Event::TopicChanged { topic, .. } => {
                    coverage.insert(*topic);
                }
                Event::CounselorChanged { counselor } => {
                    availability_maybe.insert(*counselor);
                }
            }
        }
        // Whoever counsels a topic whose coverage or queue changed may have become (or
        // stopped being) its last available counselor: tell them when that changed.
        let mut sent = self.last_for_sent.lock().unwrap_or_else(|e| e.into_inner());
        availability_maybe.extend(coverage.iter().flat_map(|topic| desk.counselors_of(*topic)));
        for counselor in availability_maybe {
            if availability.contains_key(&counselor) {
                continue;
            }
            let before = sent.get(&counselor).map_or(&[][..], Vec::as_slice);
            if self.availability(desk, counselor).last_for != before {
                availability.insert(counselor, None);
            }
        }
        for (counselor, reason) in availability {
            let current = self.availability(desk, counselor);
            if current.last_for.is_empty() {
                sent.remove(&counselor);
            } else {
                sent.insert(counselor, current.last_for.clone());
            }
            hub.to_counselor(
                counselor,
                &ServerEvent::AvailabilityChanged {
                    availability: current,
                    reason: reason.map(crate::convert::switch_reason),
                },
            );
        }
        drop(sent);
        for topic in coverage {
            let news = ServerEvent::CoverageChanged {
                coverage: self.coverage(desk, topic),
            };
            for counselor in desk.counselors_of(topic) {
                hub.to_counselor(counselor, &news);
            }
        }
        if !closed_chats.is_empty() {
            let mut directory = self.directory_mut();
            for chat in closed_chats {
                directory.pseudonyms.remove(&chat);
            }
        }
    }
}
