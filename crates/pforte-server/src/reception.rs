//! The reception: the one place where the desk's decisions are made, stored and announced.
//!
//! The service's history of desk commands is one ordered log in the store. A command runs
//! in a transaction that holds the log's write lock: the reception first applies what other
//! instances (or operator commands) appended since it last looked, then decides on a copy of
//! the desk (O(1): its maps are persistent), appends the command with its row changes and
//! commits; only then does the copy become the desk. Every instance applies the same log in
//! the same order at the recorded times, so every instance holds the same desk.
//!
//! A command the store could not take leaves the desk untouched — unless it is a fact (a
//! socket closed, time passed): facts count whatever the store says, and are appended as
//! soon as it takes them again.
//!
//! Reads never wait for a command: they see the desk as the last command left it.
//!
//! Announcing is outside the lock: under it, the events are turned into frames for their
//! recipients (cheap), and an announcer task delivers them in the order of the commands, so
//! a command's answer does not wait for thousands of sockets and no socket sees events out
//! of order. Chat messages take the same road.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pforte_domain::{
    Command, CounselorId, Desk, DeskConfig, Event, InstanceId, SwitchReason, Timestamp, TopicId,
};
use pforte_wire as wire;
use pforte_wire::ServerEvent;
use tokio::sync::{mpsc, Mutex};

use crate::config::ServeSettings;
use crate::error::{AppError, AppResult};
use crate::hub::{Hub, Outgoing, Target};
use crate::store::changes::changes as changes_of;
use crate::store::{
    AuditDraft, Change, ChatRecord, ChatState, CounselorRecord, Entry, LogEntry, MessageRecord,
    NewChat, Store, StoreError, StoreResult, TopicRecord,
};
use crate::writer::MessageWriter;

/// How long an instance's lease lasts; it renews it every third of that. Another instance
/// declares it lost once the lease has lapsed, so a dead instance is noticed within
/// `LEASE` + one check (1 s).
pub const LEASE: Duration = Duration::from_secs(6);

/// The notification channels between instances (PostgreSQL).
pub const LOG: &str = "pforte_log";
pub const MESSAGES: &str = "pforte_messages";
pub const SESSIONS: &str = "pforte_sessions";

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

/// A fact applied to the desk that the store has not taken yet.
struct Unstored {
    at: Timestamp,
    command: Command,
    changes: Vec<Change>,
}

/// What the command lock guards.
struct Commanding {
    desk: Desk,
    /// The last entry of the log the desk includes.
    seq: u64,
    /// The time of that entry: the log's time never runs backwards.
    last_at: Timestamp,
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

/// A store failure as the API says it: unreachable → 503 `unavailable`.
fn store_error(error: StoreError) -> AppError {
    error.into()
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
    instance: AtomicU32,
    announcer: mpsc::UnboundedSender<Vec<Outgoing>>,
    /// Chat messages are stored through this (group commit).
    pub messages: MessageWriter,
    /// Whether this instance serves: false after it lost its lease or its database, until
    /// it joined the service again.
    serving: std::sync::atomic::AtomicBool,
    /// The `last_for` each counselor's sockets were told last, to tell them again when it
    /// changes (a colleague came or went, an asker entered or left).
    last_for_sent: std::sync::Mutex<HashMap<CounselorId, Vec<wire::LastCover>>>,
    /// The number (`seq`) of the last message of each chat this instance delivered to its
    /// sockets: messages reach them in their order however they arrive (two posts resuming in
    /// either order, another instance's notice arriving after a later local post).
    /// One lock per chat, so that a chat waiting for the store holds up no other.
    delivered: std::sync::Mutex<HashMap<pforte_domain::RequestId, Arc<Mutex<Option<u64>>>>>,
    /// The chat of each asker token (by its hash) seen on this instance: a token names one
    /// chat for good, so an asker's message needs no lookup of the token in the store.
    asker_chats: std::sync::Mutex<HashMap<String, pforte_domain::RequestId>>,
}

/// More chats than this in [`Reception::delivered`] and it starts afresh (a chat it forgot
/// is taken up at its next message).
const DELIVERED_CHATS: usize = 50_000;

/// The most asker tokens [`Reception::asker_chats`] keeps; it starts afresh when full.
const ASKER_CHATS: usize = 100_000;

impl Reception {
    /// The desk's clock: the wall clock (ahead by the tests' offset).
    pub fn clock(&self) -> Timestamp {
        self.settings.clock.now()
    }

    pub fn is_serving(&self) -> bool {
        self.serving.load(Ordering::Acquire)
    }

    /// Stop serving: refuse new sockets, and tell every client to reconnect (elsewhere).
    pub fn stop_serving(&self) {
        self.serving.store(false, Ordering::Release);
        self.hub.close_all();
    }

    pub fn start_serving(&self) {
        self.serving.store(true, Ordering::Release);
    }

    fn desk_config(settings: &ServeSettings) -> DeskConfig {
        DeskConfig {
            grace: settings.grace,
            max_wait: settings.max_wait,
            resume_window: settings.resume_window,
            asker_reconnect_window: settings.asker_reconnect_window,
            max_waiting_per_topic: settings.max_waiting,
        }
    }

    /// The desk as the store has it: the newest snapshot and the log after it, or, before the
    /// first snapshot, the stored rows (with several instances that snapshot is written then).
    /// Returns the desk and the entry it includes up to.
    async fn load(
        store: &dyn Store,
        config: DeskConfig,
        now: Timestamp,
    ) -> anyhow::Result<(Desk, u64, Timestamp)> {
        let (mut desk, mut seq) = match store.latest_snapshot().await? {
            Some((seq, json)) => {
                let desk: Desk = serde_json::from_str(&json)?;
                (desk.with_config(config), seq)
            }
            None => {
                // Before the first snapshot: the rows hold everything but who is connected.
                let head = store.head().await?;
                if store.single_instance() {
                    store.close_open_availability(now).await?;
                }
                let mut desk = Desk::new(config);
                for topic in store.topics().await? {
                    desk.apply(
                        Command::UpsertTopic {
                            topic: topic.id,
                            live_chat: topic.live_chat,
                        },
                        now,
                    )?;
                    desk.restore_topic_settings(topic.id, topic.schedule, topic.seats);
                }
                for counselor in store.counselors().await? {
                    desk.restore_counselor(
                        counselor.id,
                        counselor.topics.iter().copied().collect(),
                        counselor.switched_on,
                        counselor.absent,
                        now,
                    );
                    desk.restore_counselor_settings(
                        counselor.id,
                        counselor.seats,
                        counselor.shifts,
                        counselor.auto_switch_off,
                    );
                }
                desk.restore_done(now);
                for chat in store.open_chats().await? {
                    match (chat.state, chat.counselor) {
                        (ChatState::Waiting, _) => desk.restore_waiting(
                            chat.id,
                            chat.topic,
                            (chat.pseudonym, chat.asker_key.unwrap_or_default()),
                            chat.entered_at,
                            now,
                        ),
                        (ChatState::Chatting, Some(counselor)) => desk.restore_conversation(
                            chat.id,
                            chat.topic,
                            counselor,
                            chat.pseudonym,
                        ),
                        _ => {}
                    }
                }
                if !store.single_instance() {
                    // Who is connected is in the log and the snapshots only: an instance that
                    // joins later must never rebuild from the rows while others serve. So the
                    // first one leaves a snapshot before it serves (of instances starting
                    // together, every one's is the same desk; the first write stays).
                    let json = serde_json::to_string(&desk)?;
                    store.save_snapshot(head, now, &json, false).await?;
                }
                (desk, head)
            }
        };
        let mut last_at = now;
        for entry in store.entries_after(seq).await? {
            if let Entry::Desk(command) = entry.entry {
                let _ = desk.apply(command, entry.at);
            }
            seq = entry.seq;
            last_at = entry.at;
        }
        Ok((desk, seq, last_at))
    }

    /// Register as an instance, load the desk, and let go of what instances that are gone
    /// still held.
    pub async fn start(store: Arc<dyn Store>, settings: ServeSettings) -> anyhow::Result<Self> {
        let now = now();
        let instance = store.register_instance(now, now.plus(LEASE)).await?;
        let clock = settings.clock.now();
        let (desk, seq, last_at) =
            Self::load(store.as_ref(), Self::desk_config(&settings), clock).await?;
        let directory = Self::read_directory(store.as_ref()).await?;
        let hub = Arc::new(Hub::new(instance));
        let (announcer, deliveries) = mpsc::unbounded_channel();
        tokio::spawn(announce_in_order(hub.clone(), deliveries));
        let reception = Self {
            view: RwLock::new(Arc::new(desk.clone())),
            command: Mutex::new(Commanding {
                desk,
                seq,
                last_at: last_at.max(clock),
                unstored: VecDeque::new(),
            }),
            messages: MessageWriter::start(store.clone()),
            store,
            hub,
            directory: RwLock::new(directory),
            settings,
            last_for_sent: std::sync::Mutex::default(),
            delivered: std::sync::Mutex::default(),
            asker_chats: std::sync::Mutex::default(),
            instance: AtomicU32::new(instance.0),
            announcer,
            serving: std::sync::atomic::AtomicBool::new(true),
        };
        reception.let_go_of_gone_instances().await?;
        tracing::info!(instance = instance.0, "joined the service");
        Ok(reception)
    }

    async fn read_directory(store: &dyn Store) -> StoreResult<Directory> {
        Ok(Directory {
            topics: store
                .topics()
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect(),
            counselors: store
                .counselors()
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect(),
        })
    }

    /// This instance's id.
    pub fn instance(&self) -> InstanceId {
        InstanceId(self.instance.load(Ordering::Acquire))
    }

    /// Every instance whose connections the desk still counts but that is gone: lost at once
    /// (each of its connections as if it had been lost). An instance handing over after a
    /// shutdown keeps its handover. With SQLite, every other instance is gone.
    async fn let_go_of_gone_instances(&self) -> anyhow::Result<()> {
        let me = self.instance();
        let now = now();
        let alive: BTreeSet<InstanceId> = if self.store.single_instance() {
            [me].into()
        } else {
            self.store
                .instances()
                .await?
                .into_iter()
                .filter(|(_, lease)| *lease > now)
                .map(|(id, _)| id)
                .collect()
        };
        for (id, lease) in self.store.instances().await? {
            if !alive.contains(&id) && (lease <= now || self.store.single_instance()) {
                self.store.forget_instance(id).await?;
            }
        }
        let desk = self.desk();
        for instance in desk.instances_held() {
            if !alive.contains(&instance) && !desk.is_handing_over(instance) {
                tracing::info!(instance = instance.0, "letting go of a gone instance");
                self.run(Command::InstanceLost { instance }).await?;
            }
        }
        Ok(())
    }

    pub fn directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory.read().unwrap_or_else(|e| e.into_inner())
    }

    fn directory_mut(&self) -> std::sync::RwLockWriteGuard<'_, Directory> {
        self.directory.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The chat whose token has this hash, if this instance has seen it.
    pub fn known_asker_chat(&self, token_hash: &str) -> Option<pforte_domain::RequestId> {
        let chats = self.asker_chats.lock().unwrap_or_else(|e| e.into_inner());
        chats.get(token_hash).copied()
    }

    /// Remember the chat of a token (read from the store).
    pub fn remember_asker_chat(&self, token_hash: &str, chat: pforte_domain::RequestId) {
        let mut chats = self.asker_chats.lock().unwrap_or_else(|e| e.into_inner());
        if chats.len() >= ASKER_CHATS {
            chats.clear();
        }
        chats.insert(token_hash.to_owned(), chat);
    }

    /// The desk as the last command left it.
    pub fn desk(&self) -> Arc<Desk> {
        self.view.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Read the desk. Never waits for a running command.
    pub async fn read<R>(&self, f: impl FnOnce(&Desk) -> R) -> R {
        f(&self.desk())
    }

    fn publish(&self, desk: &Desk) {
        *self.view.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(desk.clone());
    }

    /// Hand frames to the announcer: delivered after everything handed over before.
    pub fn send(&self, outgoing: Vec<Outgoing>) {
        if !outgoing.is_empty() {
            let _ = self.announcer.send(outgoing);
        }
    }

    /// Apply entries others appended; announce what they did. `false` if the log has a gap
    /// (entries were pruned that this desk never saw): then reload.
    async fn apply_entries(&self, commanding: &mut Commanding, entries: Vec<LogEntry>) -> bool {
        let mut names_changed = false;
        for entry in entries {
            if entry.seq <= commanding.seq {
                continue;
            }
            if entry.seq != commanding.seq + 1 {
                return false;
            }
            commanding.seq = entry.seq;
            commanding.last_at = commanding.last_at.max(entry.at);
            match entry.entry {
                Entry::Desk(command) => {
                    names_changed |= matches!(
                        command,
                        Command::UpsertTopic { .. }
                            | Command::UpsertCounselor { .. }
                            | Command::RemoveTopic { .. }
                    );
                    match commanding.desk.apply(command, entry.at) {
                        Ok(events) => {
                            let frames = self.announce(&commanding.desk, &events, entry.at);
                            self.send(frames);
                        }
                        Err(error) => {
                            tracing::warn!(%error, seq = entry.seq, "an entry of the log was refused here")
                        }
                    }
                }
                Entry::Directory => names_changed = true,
            }
        }
        if names_changed {
            if let Err(error) = self.reload_names().await {
                tracing::warn!(%error, "re-reading topics and counselors failed");
            }
            // Operators see new names, topics and accounts in the overview at once.
            self.send(self.overview_frames(&commanding.desk));
        }
        true
    }

    /// Load the desk again from the store (after a gap in the log).
    async fn reload(&self, commanding: &mut Commanding) -> anyhow::Result<()> {
        let (desk, seq, last_at) = Self::load(
            self.store.as_ref(),
            Self::desk_config(&self.settings),
            self.clock(),
        )
        .await?;
        commanding.desk = desk;
        commanding.seq = seq;
        commanding.last_at = commanding.last_at.max(last_at);
        self.publish(&commanding.desk);
        Ok(())
    }

    /// Apply what others appended to the log since this instance last looked.
    pub async fn catch_up(&self) -> anyhow::Result<()> {
        let mut commanding = self.command.lock().await;
        self.catch_up_locked(&mut commanding).await
    }

    async fn catch_up_locked(&self, commanding: &mut Commanding) -> anyhow::Result<()> {
        let entries = self.store.entries_after(commanding.seq).await?;
        if entries.is_empty() {
            return Ok(());
        }
        if !self.apply_entries(commanding, entries).await {
            self.reload(commanding).await?;
        }
        self.publish(&commanding.desk);
        Ok(())
    }

    /// A log notice (`pforte_log`): the entry itself when it fit, else its number. The next
    /// entry is applied as it came, without asking the store; one this desk has already (this
    /// instance's own) costs nothing; after a gap (a notice missed) the log is read.
    async fn log_notice(&self, payload: &str) -> anyhow::Result<()> {
        let notice = parse_log_notice(payload);
        let mut commanding = self.command.lock().await;
        let seq = match &notice {
            Some(LogNotice::Entry(entry)) => entry.seq,
            Some(LogNotice::Seq(seq)) => *seq,
            None => u64::MAX,
        };
        if seq <= commanding.seq {
            return Ok(());
        }
        match notice {
            Some(LogNotice::Entry(entry)) if entry.seq == commanding.seq + 1 => {
                self.apply_entries(&mut commanding, vec![entry]).await;
                self.publish(&commanding.desk);
                Ok(())
            }
            _ => self.catch_up_locked(&mut commanding).await,
        }
    }

    /// Run a command: catch up, decide, persist with the log entry, commit, announce.
    /// `after` reads the new desk under the same lock (e.g. the position of a request just
    /// created).
    pub async fn decide<R>(
        &self,
        command: Command,
        new_chat: Option<NewChat>,
        after: impl FnOnce(&Desk) -> R,
    ) -> AppResult<(Vec<Event>, R)> {
        self.decide_audited(command, new_chat, None, None, after)
            .await
    }

    /// Accept a request, storing the chat's first content key in the accept's own
    /// transaction: `grant` is checked against the chat and the counselor's devices there,
    /// once the desk let the accept win, so only the winner reads and writes keys.
    pub async fn accept(
        &self,
        request: pforte_domain::RequestId,
        counselor: CounselorId,
        grant: crate::grant::Grant,
    ) -> AppResult<Vec<Event>> {
        let command = Command::Accept { request, counselor };
        Ok(self
            .decide_audited(command, None, None, Some(grant), |_| ())
            .await?
            .0)
    }

    /// [`decide`](Self::decide), recording an operator's action in the transaction of the
    /// command it caused (refused: nothing recorded).
    /// `first_key`: an accept's grant, checked and stored in its transaction if the desk
    /// takes it.
    async fn decide_audited<R>(
        &self,
        command: Command,
        new_chat: Option<NewChat>,
        audit: Option<&AuditDraft>,
        first_key: Option<crate::grant::Grant>,
        after: impl FnOnce(&Desk) -> R,
    ) -> AppResult<(Vec<Event>, R)> {
        let mut commanding = self.command.lock().await;
        let fact = is_fact(&command);
        // A refusal no later entry of the log can change (the request was taken: taken it
        // stays) needs no trip to the store: of 200 simultaneous accepts, 199 end here.
        if let Err(refused) = commanding
            .desk
            .clone()
            .apply(command.clone(), commanding.last_at)
        {
            if matches!(
                refused,
                pforte_domain::DeskError::AlreadyTaken | pforte_domain::DeskError::NotParticipant
            ) {
                return Err(refused.into());
            }
        }
        let decided = self
            .decide_locked(
                &mut commanding,
                &command,
                new_chat.as_ref(),
                audit,
                first_key,
            )
            .await;
        let events = match decided {
            Ok(Ok(events)) => events,
            Ok(Err(refused)) => {
                self.publish(&commanding.desk);
                return Err(refused);
            }
            Err(error) if fact && !matches!(error, StoreError::Fenced) => {
                // The store failed; a fact counts anyway and is appended later.
                tracing::error!(%error, "storing a fact failed; it counts anyway and is stored later");
                let at = self.clock().max(commanding.last_at);
                let mut next = commanding.desk.clone();
                let events = next.apply(command.clone(), at)?;
                let changes = changes_of(&events, None, at)
                    .map_err(|e| AppError::internal("a fact without its data", &e))?;
                commanding.unstored.push_back(Unstored {
                    at,
                    command,
                    changes,
                });
                commanding.desk = next;
                events
            }
            Err(error) => return Err(store_error(error)),
        };
        let desk = &commanding.desk;
        self.publish(desk);
        self.send(self.announce(desk, &events, commanding.last_at));
        let result = after(desk);
        Ok((events, result))
    }

    /// The part of a command that talks to the store: `Ok(Err)` if the desk (or the check of
    /// an accept's first key) refused it.
    async fn decide_locked(
        &self,
        commanding: &mut Commanding,
        command: &Command,
        new_chat: Option<&NewChat>,
        audit: Option<&AuditDraft>,
        first_key: Option<crate::grant::Grant>,
    ) -> StoreResult<Result<Vec<Event>, AppError>> {
        let mut tx = self.store.begin_command(self.instance()).await?;
        let entries = tx.entries_after(commanding.seq).await?;
        if !self.apply_entries(commanding, entries).await {
            drop(tx);
            self.reload(commanding)
                .await
                .map_err(|e| StoreError::Failed(e.to_string()))?;
            tx = self.store.begin_command(self.instance()).await?;
            let entries = tx.entries_after(commanding.seq).await?;
            self.apply_entries(commanding, entries).await;
        }
        while let Some(unstored) = commanding.unstored.front() {
            let seq = tx
                .append(
                    unstored.at,
                    &Entry::Desk(unstored.command.clone()),
                    &unstored.changes,
                )
                .await?;
            commanding.seq = seq;
            commanding.unstored.pop_front();
        }
        let at = self.clock().max(commanding.last_at);
        let mut next = commanding.desk.clone();
        let events = match next.apply(command.clone(), at) {
            Ok(events) => events,
            Err(refused) => {
                tx.commit().await?;
                return Ok(Err(refused.into()));
            }
        };
        let mut with = Vec::new();
        if let (Some(grant), Command::Accept { request, counselor }) = (first_key, command) {
            let chat = tx.chat(*request).await?;
            let devices = tx.devices(*counselor).await?;
            match grant.first_records(chat.as_ref(), &devices) {
                Ok(keys) => with.push(Change::KeyCopies {
                    chat: *request,
                    counselor: *counselor,
                    keys,
                }),
                Err(refused) => {
                    // Earlier facts appended in this transaction are kept.
                    tx.commit().await?;
                    return Ok(Err(refused));
                }
            }
        }
        let nothing =
            events.is_empty() && matches!(command, Command::Tick | Command::InstanceLost { .. });
        let mut seq = commanding.seq;
        if !nothing {
            let mut changes =
                changes_of(&events, new_chat, at).map_err(|e| StoreError::Failed(e.to_string()))?;
            changes.extend(with);
            seq = tx
                .append(at, &Entry::Desk(command.clone()), &changes)
                .await?;
        }
        if let Some(draft) = audit {
            tx.audit(draft).await?;
        }
        tx.commit().await?;
        commanding.desk = next;
        commanding.seq = seq;
        commanding.last_at = at;
        Ok(Ok(events))
    }

    /// Run a command whose only interest is its effect.
    pub async fn run(&self, command: Command) -> AppResult<Vec<Event>> {
        Ok(self.decide(command, None, |_| ()).await?.0)
    }

    /// Run an operator's command and record it in the audit log, in one transaction.
    pub async fn run_audited(&self, command: Command, audit: &AuditDraft) -> AppResult<Vec<Event>> {
        Ok(self
            .decide_audited(command, None, Some(audit), None, |_| ())
            .await?
            .0)
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

    /// Append facts whose storing failed, once the store takes them again (the duties call
    /// this regularly).
    pub async fn retry_unstored(&self) {
        if self.command.lock().await.unstored.is_empty() {
            return;
        }
        if let Err(error) = self.run(Command::Tick).await {
            tracing::warn!(%error, "storing earlier facts still fails");
        }
    }

    /// A snapshot of the desk, if enough happened since the last one (or `force`).
    pub async fn snapshot(&self, since: &mut u64, force: bool) {
        let commanding = self.command.lock().await;
        if !commanding.unstored.is_empty() || (!force && commanding.seq < *since + 200) {
            return;
        }
        let json = match serde_json::to_string(&commanding.desk) {
            Ok(json) => json,
            Err(error) => {
                tracing::error!(%error, "the desk could not be written as a snapshot");
                return;
            }
        };
        match self
            .store
            .save_snapshot(commanding.seq, now(), &json, false)
            .await
        {
            Ok(()) => *since = commanding.seq,
            Err(error) => tracing::warn!(%error, "saving a snapshot of the desk failed"),
        }
    }

    /// After chats were deleted: a fresh snapshot replaces the log and every older snapshot
    /// (they still name the deleted chats' requests and pseudonyms), then the files are
    /// scrubbed.
    pub async fn compact_log(&self) -> StoreResult<()> {
        {
            let commanding = self.command.lock().await;
            let json = serde_json::to_string(&commanding.desk)
                .map_err(|e| StoreError::Failed(e.to_string()))?;
            self.store
                .save_snapshot(commanding.seq, now(), &json, true)
                .await?;
        }
        self.store.scrub().await
    }

    /// Leaving gracefully: the clients are told to reconnect (to another instance, or to
    /// this one restarted); their connections count for `handover` longer, so that nobody's
    /// gate closes for a counselor who is back in time.
    pub async fn stopping(&self, handover: Duration) {
        let instance = self.instance();
        if let Err(error) = self
            .run(Command::InstanceStopping {
                instance,
                until: self.clock().plus(handover),
            })
            .await
        {
            tracing::warn!(%error, "announcing the handover failed");
        }
        let mut since = 0;
        self.snapshot(&mut since, true).await;
        if let Err(error) = self.store.forget_instance(instance).await {
            tracing::warn!(%error, "leaving the list of instances failed");
        }
    }

    /// Renew this instance's lease; `false` once the others have declared it lost.
    pub async fn renew_lease(&self) -> StoreResult<bool> {
        self.store
            .renew_lease(self.instance(), now().plus(LEASE))
            .await
    }

    /// Declare lost every other instance whose lease lapsed (several instances only).
    pub async fn declare_lapsed_instances_lost(&self) -> StoreResult<()> {
        if self.store.single_instance() {
            return Ok(());
        }
        let me = self.instance();
        let now = now();
        for (instance, lease) in self.store.instances().await? {
            if instance != me && lease <= now {
                tracing::warn!(
                    instance = instance.0,
                    "an instance's lease lapsed; letting go of its connections"
                );
                if let Err(error) = self.run(Command::InstanceLost { instance }).await {
                    tracing::warn!(%error, "declaring an instance lost failed");
                    continue;
                }
                self.store.forget_instance(instance).await?;
            }
        }
        Ok(())
    }

    /// After losing the lease (or the database): join the service again as a new instance,
    /// with the desk as the store has it. The caller has closed every socket.
    pub async fn rejoin(&self) -> anyhow::Result<()> {
        let now = now();
        let instance = self.store.register_instance(now, now.plus(LEASE)).await?;
        {
            let mut commanding = self.command.lock().await;
            commanding.unstored.clear();
            self.instance.store(instance.0, Ordering::Release);
            self.hub.set_instance(instance);
            self.reload(&mut commanding).await?;
        }
        self.reload_names().await?;
        self.let_go_of_gone_instances().await?;
        tracing::info!(instance = instance.0, "joined the service again");
        Ok(())
    }

    /// End a login session's sockets on every instance (logout, expiry).
    pub async fn end_session(&self, session: i64, reason: wire::SessionEndReason) {
        let event = ServerEvent::SessionEnded { reason };
        self.hub.end_session(session, &event);
        let notice = serde_json::json!({"session": session, "reason": reason}).to_string();
        if let Err(error) = self.store.notify(SESSIONS, &notice).await {
            tracing::warn!(%error, "telling the other instances of an ended session failed");
        }
    }

    /// End every session and socket of a counselor on every instance (deactivated).
    pub async fn end_counselor(&self, counselor: CounselorId, reason: wire::SessionEndReason) {
        let event = ServerEvent::SessionEnded { reason };
        self.hub.end_counselor(counselor, &event);
        let notice = serde_json::json!({"counselor": counselor.0, "reason": reason}).to_string();
        if let Err(error) = self.store.notify(SESSIONS, &notice).await {
            tracing::warn!(%error, "telling the other instances of an ended account failed");
        }
    }

    /// A counselor's devices changed: tell their sockets on every instance.
    pub async fn devices_changed(&self, counselor: CounselorId) {
        self.tell_devices_changed(counselor);
        let notice =
            serde_json::json!({"devices": counselor.0, "instance": self.instance().0}).to_string();
        if let Err(error) = self.store.notify(SESSIONS, &notice).await {
            tracing::warn!(%error, "telling the other instances of changed devices failed");
        }
    }

    fn tell_devices_changed(&self, counselor: CounselorId) {
        let mut frames = Frames::default();
        frames.to(Target::Counselor(counselor), &ServerEvent::DevicesChanged);
        self.send(frames.into_vec());
    }

    /// Forget how far a chat was delivered here (no socket here gets it).
    fn forget_delivered(&self, chat: pforte_domain::RequestId) {
        self.delivered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&chat);
    }

    /// Deliver stored messages of one chat to its asker's and its counselor's sockets here,
    /// in their order: a message whose predecessors this instance has not delivered yet
    /// brings them along from the store (they are stored: a message is numbered only after
    /// the one before it was committed), and one delivered already is not sent again.
    pub async fn deliver_messages(
        &self,
        chat: pforte_domain::RequestId,
        counselor: Option<CounselorId>,
        mut messages: Vec<MessageRecord>,
    ) {
        messages.sort_by_key(|m| m.seq);
        let Some(newest) = messages.last().map(|m| m.seq) else {
            return;
        };
        let of_chat = {
            let mut chats = self
                .delivered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if chats.len() > DELIVERED_CHATS {
                chats.clear();
            }
            chats.entry(chat).or_default().clone()
        };
        let mut delivered = of_chat.lock().await;
        // A chat seen for the first time starts at its first message given here.
        let last = delivered.unwrap_or_else(|| messages[0].seq.saturating_sub(1));
        if newest <= last {
            return;
        }
        let missing = messages
            .iter()
            .filter(|m| m.seq > last)
            .zip(last + 1..)
            .any(|(m, expected)| m.seq != expected);
        if missing {
            match self.store.messages(chat).await {
                Ok(stored) => {
                    let wanted = |m: &MessageRecord| m.seq > last && m.seq <= newest;
                    let mut all: Vec<MessageRecord> = stored.into_iter().filter(wanted).collect();
                    for message in messages {
                        if !all.iter().any(|m| m.seq == message.seq) {
                            all.push(message);
                        }
                    }
                    all.sort_by_key(|m| m.seq);
                    messages = all;
                }
                Err(error) => {
                    // Deliver what is here; the clients load the chat again on reconnect.
                    tracing::warn!(%error, "fetching the messages before a newer one failed");
                }
            }
        }
        let mut frames = Frames::default();
        for message in messages.iter().filter(|m| m.seq > last) {
            let posted = ServerEvent::MessagePosted {
                message: crate::http::wire_message(message),
            };
            frames.to(Target::Chat(chat), &posted);
            if let Some(counselor) = counselor {
                frames.to(Target::Counselor(counselor), &posted);
            }
        }
        self.send(frames.into_vec());
        *delivered = Some(newest);
    }

    /// A notification from another instance (PostgreSQL's `LISTEN`).
    pub async fn notified(&self, channel: &str, payload: &str) {
        match channel {
            LOG => {
                if let Err(error) = self.log_notice(payload).await {
                    tracing::warn!(%error, "catching up with the log failed");
                }
            }
            MESSAGES => self.deliver_others(&[payload]).await,
            SESSIONS => {
                #[derive(serde::Deserialize)]
                struct Notice {
                    session: Option<i64>,
                    counselor: Option<i64>,
                    reason: Option<wire::SessionEndReason>,
                    devices: Option<i64>,
                    instance: Option<u32>,
                }
                let Ok(notice) = serde_json::from_str::<Notice>(payload) else {
                    return;
                };
                if let Some(reason) = notice.reason {
                    let event = ServerEvent::SessionEnded { reason };
                    if let Some(session) = notice.session {
                        self.hub.end_session(session, &event);
                    }
                    if let Some(counselor) = notice.counselor {
                        self.hub.end_counselor(CounselorId(counselor), &event);
                    }
                }
                // Told here already by the instance that sent it.
                let ours = notice.instance == Some(self.instance().0);
                if let (Some(counselor), false) = (notice.devices, ours) {
                    self.tell_devices_changed(CounselorId(counselor));
                }
            }
            _ => {}
        }
    }

    /// Deliver to this instance's sockets what other instances stored (the payloads of
    /// `pforte_messages` notices waiting together: one fetch for all of them).
    pub async fn deliver_others(&self, payloads: &[&str]) {
        let notices: Vec<crate::writer::MessageNotice> = payloads
            .iter()
            .filter_map(|payload| serde_json::from_str(payload).ok())
            .filter(|notice: &crate::writer::MessageNotice| notice.instance != self.instance().0)
            // Only what a socket here would get: the other instances fetch the rest.
            .filter(|notice| {
                let chat = pforte_domain::RequestId(notice.chat);
                let held = self.hub.holds(Target::Chat(chat))
                    || notice
                        .counselor
                        .is_some_and(|c| self.hub.holds(Target::Counselor(CounselorId(c))));
                if !held {
                    // Its order here starts again with the next message a socket gets.
                    self.forget_delivered(chat);
                }
                held
            })
            .collect();
        let ids: Vec<uuid::Uuid> = notices.iter().flat_map(|n| n.ids.iter().copied()).collect();
        if ids.is_empty() {
            return;
        }
        let mut found = HashMap::new();
        for ids in ids.chunks(1000) {
            match self.store.messages_by_id(ids).await {
                Ok(messages) => found.extend(messages.into_iter().map(|m| (m.id, m))),
                Err(error) => {
                    tracing::warn!(%error, "fetching another instance's messages failed");
                    return;
                }
            }
        }
        // In each chat's order, with what this instance has not delivered yet.
        for notice in &notices {
            let messages: Vec<MessageRecord> = notice
                .ids
                .iter()
                .filter_map(|id| found.get(id).cloned())
                .collect();
            self.deliver_messages(
                pforte_domain::RequestId(notice.chat),
                notice.counselor.map(CounselorId),
                messages,
            )
            .await;
        }
    }

    /// Notifications may have been missed (the listener reconnected): catch up with the log
    /// and have every client re-read what it shows (`ready`).
    pub async fn resync_everyone(&self) {
        if let Err(error) = self.catch_up().await {
            tracing::warn!(%error, "catching up with the log failed");
        }
        self.send(vec![Outgoing::new(Target::Everyone, &ServerEvent::Ready)]);
    }

    /// Re-read names, chat hours and embed origins from the store.
    pub async fn reload_names(&self) -> StoreResult<()> {
        let directory = Self::read_directory(self.store.as_ref()).await?;
        *self.directory_mut() = directory;
        Ok(())
    }

    /// Catch up with the log and re-read the names (`SIGHUP`, or whenever in doubt).
    pub async fn reload_directory(&self) -> anyhow::Result<()> {
        self.catch_up().await?;
        self.reload_names().await?;
        Ok(())
    }

    pub fn set_absence_message(&self, counselor: CounselorId, message: Option<String>) {
        if let Some(record) = self.directory_mut().counselors.get_mut(&counselor) {
            record.absence_message = message;
        }
    }

    // ---- views ----

    /// The live overview of every topic, for operators: names of available counselors and
    /// counts, never content or pseudonyms.
    pub fn overview(&self, desk: &Desk) -> wire::Overview {
        let directory = self.directory();
        let mut topics: Vec<wire::TopicOverview> = directory
            .topics
            .values()
            .filter(|t| desk.topic_ids().any(|id| id == t.id))
            .map(|t| {
                let mut available: Vec<String> = desk
                    .available_counselors_of(t.id)
                    .filter_map(|c| directory.counselors.get(&c))
                    .map(|c| c.display_name.clone())
                    .collect();
                available.sort();
                wire::TopicOverview {
                    topic_id: t.id.0,
                    topic_name: t.name.clone(),
                    live_chat: t.live_chat,
                    gate_open: desk.gate_open(t.id),
                    available_counselors: available,
                    free_seats: desk.topic_free_seats(t.id),
                    waiting: u32::try_from(desk.queue_len(t.id)).unwrap_or(u32::MAX),
                    oldest_waiting_since: desk
                        .oldest_waiting(t.id)
                        .map(|r| r.entered_at.as_millis()),
                    running_chats: u32::try_from(desk.conversations_in(t.id)).unwrap_or(u32::MAX),
                }
            })
            .collect();
        topics.sort_by(|a, b| a.topic_name.cmp(&b.topic_name));
        wire::Overview { topics }
    }

    /// Operators holding a live connection to this service.
    fn operators_online(&self, desk: &Desk) -> Vec<CounselorId> {
        self.directory()
            .counselors
            .values()
            .filter(|c| c.operator && !c.deactivated && desk.is_online(c.id))
            .map(|c| c.id)
            .collect()
    }

    /// The overview for every operator online (nothing if none is).
    fn overview_frames(&self, desk: &Desk) -> Vec<Outgoing> {
        let operators = self.operators_online(desk);
        if operators.is_empty() {
            return Vec::new();
        }
        let mut out = Frames::default();
        out.to_each(
            operators.into_iter().map(Target::Counselor),
            &ServerEvent::OverviewChanged {
                overview: self.overview(desk),
            },
        );
        out.0
    }

    /// Send the overview to one operator's devices, in order with the commands around it
    /// (after their socket said `ready`).
    pub async fn send_overview(&self, counselor: CounselorId) {
        let commanding = self.command.lock().await;
        self.send(vec![Outgoing::new(
            Target::Counselor(counselor),
            &ServerEvent::OverviewChanged {
                overview: self.overview(&commanding.desk),
            },
        )]);
    }

    /// Whether a counselor is an operator (as this instance's directory has it).
    pub fn is_operator(&self, counselor: CounselorId) -> bool {
        self.directory()
            .counselors
            .get(&counselor)
            .is_some_and(|c| c.operator && !c.deactivated)
    }

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
            last_for: desk
                .sole_cover(counselor)
                .into_iter()
                .map(|(topic, waiting)| wire::LastCover {
                    topic_id: topic.0,
                    topic_name: self.topic_name(topic),
                    waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
                })
                .collect(),
            seats: desk
                .topics_of(counselor)
                .filter_map(|topic| {
                    let limit = desk.seat_limit(counselor, topic)?;
                    Some(wire::TopicSeats {
                        topic_id: topic.0,
                        limit,
                        free: desk.free_seats(counselor, topic).unwrap_or(limit),
                    })
                })
                .collect(),
        }
    }

    pub fn coverage(&self, desk: &Desk, topic: TopicId) -> wire::TopicCoverage {
        wire::TopicCoverage {
            topic_id: topic.0,
            topic_name: self.topic_name(topic),
            available_counselors: desk.coverage(topic),
            waiting: u32::try_from(desk.queue_len(topic)).unwrap_or(u32::MAX),
            free_seats: desk.topic_free_seats(topic),
        }
    }

    /// A topic's chat hours as the public sees them at `now`: the running slot, the next
    /// opening with its sentence, the note.
    pub fn public_hours(
        &self,
        desk: &Desk,
        topic: TopicId,
        now: Timestamp,
    ) -> (
        Option<wire::TimeWindow>,
        Option<wire::NextOpening>,
        Option<String>,
    ) {
        let Some(schedule) = desk.schedule(topic) else {
            return (None, None, None);
        };
        let current = schedule.current_slot(now).map(|slot| wire::TimeWindow {
            starts_at: slot.start.as_millis(),
            ends_at: slot.end.as_millis(),
        });
        let next = schedule
            .reopening_notice(now)
            .map(|notice| wire::NextOpening {
                starts_at: notice.opening.start.as_millis(),
                ends_at: notice.opening.end.as_millis(),
                text_de: notice.german(),
                text_en: notice.english(),
            });
        let note = Some(schedule.note().to_owned()).filter(|n| !n.is_empty());
        (current, next, note)
    }

    /// What an asker whose request ended is told of the next chat hours: the next opening
    /// of the schedule, else the operator's free text.
    pub fn next_chat_hours(&self, desk: &Desk, topic: TopicId, now: Timestamp) -> Option<String> {
        desk.schedule(topic)
            .and_then(|s| s.reopening_notice(now))
            .map(|notice| notice.german())
            .or_else(|| self.chat_hours(topic))
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
            asker_key: request.asker_key.clone(),
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
                estimate: desk
                    .estimate(chat.id, self.clock())
                    .map(crate::convert::estimate),
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
                next_chat_hours: self.next_chat_hours(desk, chat.topic, self.clock()),
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
        let mut availability_maybe: BTreeSet<CounselorId> = BTreeSet::new();
        let mut coverage: BTreeSet<TopicId> = BTreeSet::new();
        let overview_changed = events.iter().any(|e| {
            matches!(
                e,
                Event::CoverageChanged { .. }
                    | Event::QueueChanged { .. }
                    | Event::RequestCreated { .. }
                    | Event::RequestEnded { .. }
                    | Event::RequestAccepted { .. }
                    | Event::ConversationEnded { .. }
                    | Event::TopicChanged { .. }
                    | Event::TopicRemoved { .. }
                    | Event::SeatsChanged { .. }
                    | Event::CounselorAvailabilityChanged { .. }
                    | Event::CounselorPresenceChanged { .. }
                    | Event::GateOpened { .. }
                    | Event::GateClosed { .. }
            )
        });
        for event in events {
            match event {
                Event::SwitchedOffByOperator { counselor, reason } => {
                    out.to(
                        Target::Counselor(*counselor),
                        &ServerEvent::SwitchedOffByOperator {
                            reason: reason.clone(),
                        },
                    );
                }
                Event::TopicRemoved { .. } => {}
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
                                estimate: desk
                                    .estimate(request.id, now)
                                    .map(crate::convert::estimate),
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
                        // Listed for everyone available; a notification only for those
                        // with a free seat.
                        let (seated, full): (Vec<CounselorId>, Vec<CounselorId>) = desk
                            .available_counselors_of(waiting.topic)
                            .partition(|c| desk.has_free_seat(*c, waiting.topic));
                        for (counselors, notify) in [(seated, true), (full, false)] {
                            out.to_each(
                                counselors.into_iter().map(Target::Counselor),
                                &ServerEvent::RequestCreated {
                                    request: self.live_chat_request(waiting),
                                    notify,
                                },
                            );
                        }
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
                            next_chat_hours: self.next_chat_hours(desk, *topic, now),
                        },
                    );
                }
                Event::RequestAccepted {
                    request,
                    topic,
                    counselor,
                } => {
                    // A seat of theirs is taken: their seats and every coverage of theirs.
                    availability.entry(*counselor).or_insert(None);
                    coverage.extend(desk.topics_of(*counselor));
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
                        asker_key: None,
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
                    availability.entry(*counselor).or_insert(None);
                    coverage.extend(desk.topics_of(*counselor));
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
                Event::CounselorChanged { counselor } => {
                    availability_maybe.insert(*counselor);
                }
                Event::SeatsChanged { of, .. } => {
                    let (counselors, topics): (Vec<CounselorId>, Vec<TopicId>) = match of {
                        pforte_domain::SeatsOf::Topic(topic) => {
                            (desk.counselors_of(*topic).collect(), vec![*topic])
                        }
                        pforte_domain::SeatsOf::Counselor(counselor) => {
                            (vec![*counselor], desk.topics_of(*counselor).collect())
                        }
                    };
                    for counselor in counselors {
                        availability.entry(counselor).or_insert(None);
                    }
                    coverage.extend(topics);
                }
                Event::ShiftReminder {
                    counselor,
                    topic,
                    start,
                    end,
                    notice,
                } => out.to(
                    Target::Counselor(*counselor),
                    &ServerEvent::ShiftReminder {
                        notice: crate::convert::shift_notice(*notice),
                        topic_id: topic.0,
                        topic_name: self.topic_name(*topic),
                        starts_at: start.as_millis(),
                        ends_at: end.as_millis(),
                    },
                ),
                Event::GraceEnded { .. }
                | Event::InstanceGone { .. }
                | Event::ScheduleChanged { .. }
                | Event::ShiftsChanged { .. }
                | Event::ShiftsDecided { .. } => {}
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
            out.to(
                Target::Counselor(counselor),
                &ServerEvent::AvailabilityChanged {
                    availability: current,
                    reason: reason.map(crate::convert::switch_reason),
                },
            );
        }
        drop(sent);
        for topic in coverage {
            out.to_each(
                desk.counselors_of(topic).map(Target::Counselor),
                &ServerEvent::CoverageChanged {
                    coverage: self.coverage(desk, topic),
                },
            );
        }
        if overview_changed {
            out.0.extend(self.overview_frames(desk));
        }
        out.0
    }
}

/// What a `pforte_log` notice says: `<seq>`, or `<seq> <at> <instance> <entry as JSON>`.
enum LogNotice {
    Seq(u64),
    Entry(LogEntry),
}

fn parse_log_notice(payload: &str) -> Option<LogNotice> {
    let mut parts = payload.splitn(4, ' ');
    let seq = parts.next()?.parse().ok()?;
    let Some(at) = parts.next() else {
        return Some(LogNotice::Seq(seq));
    };
    let at = Timestamp::from_millis(at.parse().ok()?);
    let instance = pforte_domain::InstanceId(parts.next()?.parse().ok()?);
    let entry = serde_json::from_str(parts.next()?).ok()?;
    Some(LogNotice::Entry(LogEntry {
        seq,
        at,
        instance,
        entry,
    }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_notice_carries_the_entry_or_only_its_number() {
        let entry = LogEntry {
            seq: 42,
            at: Timestamp::from_millis(1_700_000_000_123),
            instance: InstanceId(3),
            entry: Entry::Desk(Command::SwitchAvailability {
                counselor: CounselorId(7),
                on: true,
                reason: SwitchReason::Toggle,
            }),
        };
        let json = serde_json::to_string(&entry.entry).unwrap();
        let payload = format!("42 1700000000123 3 {json}");
        assert!(matches!(parse_log_notice(&payload), Some(LogNotice::Entry(e)) if e == entry));
        assert!(matches!(parse_log_notice("42"), Some(LogNotice::Seq(42))));
        assert!(parse_log_notice("").is_none());
        assert!(parse_log_notice("42 x 3 {}").is_none());
        assert!(parse_log_notice("42 1700000000123 3 {not json").is_none());
    }
}
