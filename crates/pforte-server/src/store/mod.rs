//! The storage boundary. The rest of the server talks to [`Store`] only; [`sql`] implements
//! it for SQLite (the embedded default, one instance) and PostgreSQL (several instances).
//! [`changes`] maps the desk's events to typed row changes above every backend.
//!
//! The desk's commands are kept as one ordered log ([`LogEntry`]): a command runs in a
//! transaction that holds the log's one write lock ([`Store::begin_command`]), reads what
//! others appended since ([`CommandTx::entries_after`]), and appends its own entry together
//! with its row changes ([`CommandTx::append`]).

use async_trait::async_trait;
use pforte_domain::{
    Command, CounselorId, EndReason, InstanceId, Party, RequestId, Timestamp, TopicId,
};
use pforte_wire::Sender;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::origin::EmbedOrigin;

pub mod changes;
pub mod sql;

pub use changes::Change;

/// What one entry of the desk's log says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// A command the desk accepted.
    Desk(Command),
    /// Names, chat hours or embed origins changed: re-read topics and counselors.
    Directory,
}

/// One entry of the log, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub seq: u64,
    /// The time the command was decided at (replicas apply it at this time).
    pub at: Timestamp,
    /// Who appended it (0: an operator command).
    pub instance: InstanceId,
    pub entry: Entry,
}

/// A command in progress, holding the log's write lock until it commits or is dropped.
#[async_trait]
pub trait CommandTx: Send {
    /// What others appended after `seq`, in order.
    async fn entries_after(&mut self, seq: u64) -> StoreResult<Vec<LogEntry>>;
    /// Execute the row changes and append the entry; returns its number.
    async fn append(
        &mut self,
        at: Timestamp,
        entry: &Entry,
        changes: &[Change],
    ) -> StoreResult<u64>;
    /// Record an operator action in this transaction (with the command it caused).
    async fn audit(&mut self, draft: &AuditDraft) -> StoreResult<()>;
    /// A chat, as this transaction sees it.
    async fn chat(&mut self, id: RequestId) -> StoreResult<Option<ChatRecord>>;
    /// A counselor's devices, as this transaction sees it.
    async fn devices(&mut self, counselor: CounselorId) -> StoreResult<Vec<DeviceRecord>>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} exists already")]
    Duplicate { what: &'static str },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("the conversation has ended")]
    ConversationEnded,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A failure reported to several waiters (e.g. a batch of messages).
    #[error("database: {0}")]
    Failed(String),
    #[error("the store is closed")]
    Closed,
    /// This instance was declared lost by the others: it must not change anything.
    #[error("this server instance lost its lease")]
    Fenced,
}

impl StoreError {
    /// Whether the database cannot be reached (rather than refusing something): the
    /// connection broke, the pool timed out, or the server is shutting down or starting
    /// (PostgreSQL's SQLSTATE classes 08 and 57).
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_),
            )
            | StoreError::Closed
            | StoreError::Fenced => true,
            StoreError::Database(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            StoreError::Failed(text) => text.contains("connection") || text.contains("pool"),
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicRecord {
    pub id: TopicId,
    pub slug: String,
    pub name: String,
    pub live_chat: bool,
    pub chat_hours: Option<String>,
    /// Websites that may embed this topic's chat button and asker page (besides those of
    /// every topic, `PFORTE_EMBED_ORIGINS`).
    pub embed_origins: Vec<EmbedOrigin>,
    /// The chat hours (`None`: none set).
    pub schedule: Option<pforte_domain::Schedule>,
    /// The most running live chats per counselor in this topic (`None`: unlimited).
    pub seats: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounselorRecord {
    pub id: CounselorId,
    pub name: String,
    pub display_name: String,
    pub topics: Vec<TopicId>,
    pub switched_on: bool,
    pub absent: bool,
    pub absence_message: Option<String>,
    /// The most running live chats (`None`: unlimited).
    pub seats: Option<u32>,
    /// The slots they cover, per topic ("Meine Chatzeiten").
    pub shifts: std::collections::BTreeMap<TopicId, pforte_domain::shifts::CoveredSlots>,
    pub auto_switch_off: bool,
    /// An operator (Administrator_in): may use `/api/admin`.
    pub operator: bool,
    /// Holds a one-time password: must set a new one after logging in.
    pub must_change_password: bool,
    /// Deactivated by an operator: cannot log in, has no sessions.
    pub deactivated: bool,
}

/// Who did an operator action: an operator's account, or the command line on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Cli,
    Operator { id: CounselorId, login: String },
}

impl Actor {
    pub fn id(&self) -> Option<CounselorId> {
        match self {
            Actor::Cli => None,
            Actor::Operator { id, .. } => Some(*id),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::Cli => "cli",
            Actor::Operator { login, .. } => login,
        }
    }
}

/// An operator action to record: stored in the same transaction as the change it describes,
/// so there is never a change without its entry or an entry without its change. Never chat
/// content, never a password.
#[derive(Clone, Debug)]
pub struct AuditDraft {
    pub at: Timestamp,
    pub actor: Actor,
    pub action: &'static str,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One operator action as the audit log keeps it: who, what, on what, when, the state
/// before and after (as JSON, never chat content or passwords).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<CounselorId>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Where a chat stands in storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatState {
    Waiting,
    RequestEnded,
    Chatting,
    ChatEnded,
}

impl ChatState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Waiting => "waiting",
            ChatState::RequestEnded => "request_ended",
            ChatState::Chatting => "chatting",
            ChatState::ChatEnded => "chat_ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "waiting" => ChatState::Waiting,
            "request_ended" => ChatState::RequestEnded,
            "chatting" => ChatState::Chatting,
            "chat_ended" => ChatState::ChatEnded,
            _ => return None,
        })
    }
}

/// A live-chat request or conversation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatRecord {
    pub id: RequestId,
    pub topic: TopicId,
    pub pseudonym: String,
    pub state: ChatState,
    pub entered_at: Timestamp,
    pub end_reason: Option<EndReason>,
    pub counselor: Option<CounselorId>,
    pub accepted_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub ended_by: Option<Sender>,
    pub message_count: u64,
    pub last_message_at: Option<Timestamp>,
    /// The public key the asker's page made for the chat (`None`: a chat from before
    /// end-to-end encryption).
    pub asker_key: Option<String>,
}

/// What a new request needs beyond the domain's event.
#[derive(Clone, Debug)]
pub struct NewChat {
    pub token_hash: String,
    pub pseudonym: String,
    pub asker_key: String,
}

/// One of a counselor's devices, with its public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: Uuid,
    pub counselor: CounselorId,
    pub name: String,
    pub public_key: String,
    pub added_at: Timestamp,
    /// The session that last added it (its login on that device).
    pub session: Option<i64>,
}

/// Who a content key is wrapped for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reader {
    Asker,
    Device(Uuid),
}

/// A chat's content key wrapped for one reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// The content key's number (1, 2, …).
    pub key: u32,
    pub reader: Reader,
    /// The reader's public key it was wrapped for (kept when a device is removed).
    pub reader_key: String,
    pub wrapped: String,
}

/// Most devices a counselor may have.
pub const MAX_DEVICES: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: Uuid,
    /// The message's number within its chat (1, 2, …), in the order they were stored.
    pub seq: u64,
    /// The client's own id of the message, for retries (see `Store::add_message`).
    pub client_id: Option<Uuid>,
    pub chat: RequestId,
    pub from: Sender,
    /// The sealed message in its stored form (`SealedBody::to_stored`): never readable text.
    pub body: String,
    pub sent_at: Timestamp,
}

/// A message to store, and the counselor who wrote it (for "Meine Statistik").
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub message: MessageRecord,
    pub counselor: Option<CounselorId>,
}

/// What `add_messages` did with one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    /// Stored now as the chat's `seq`-th message.
    Now { seq: u64 },
    /// A retry: the message was stored before, as this.
    Before(MessageRecord),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub counselor: CounselorId,
    pub expires_at: Timestamp,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActivityTotals {
    pub accepted_chats: u64,
    pub messages_sent: u64,
    pub conversations_ended: u64,
    pub available_millis: u64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Flush and close (at shutdown).
    async fn close(&self);

    // ---- directory (operator)
    async fn create_topic(
        &self,
        slug: &str,
        name: &str,
        live_chat: bool,
        chat_hours: Option<&str>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord>;
    async fn set_live_chat(
        &self,
        slug: &str,
        live_chat: bool,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord>;
    /// Rename a topic (every instance re-reads the names).
    async fn rename_topic(
        &self,
        slug: &str,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord>;
    /// Replace the websites that may embed the topic.
    async fn set_embed_origins(
        &self,
        slug: &str,
        origins: &[EmbedOrigin],
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord>;
    async fn topics(&self) -> StoreResult<Vec<TopicRecord>>;
    /// Set a topic's chat hours (an empty schedule: none); every instance applies it.
    async fn set_schedule(
        &self,
        slug: &str,
        schedule: &pforte_domain::Schedule,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord>;
    /// Set a topic's seat limit per counselor (`None`: unlimited; never 0).
    async fn set_topic_seats(
        &self,
        slug: &str,
        seats: Option<u32>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord>;
    /// Set a counselor's seat limit (`None`: unlimited; never 0).
    async fn set_counselor_seats(
        &self,
        name: &str,
        seats: Option<u32>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord>;
    #[allow(clippy::too_many_arguments)]
    async fn create_counselor(
        &self,
        name: &str,
        display_name: &str,
        password_hash: &str,
        topic_slugs: &[String],
        operator: bool,
        must_change_password: bool,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord>;
    async fn set_password(&self, name: &str, password_hash: &str) -> StoreResult<()>;
    async fn counselors(&self) -> StoreResult<Vec<CounselorRecord>>;
    /// One counselor as stored now (operators' rights are checked against this).
    async fn counselor(&self, id: CounselorId) -> StoreResult<Option<CounselorRecord>>;
    /// The counselor and their password hash, for logging in (never a deactivated one).
    async fn counselor_login(&self, name: &str) -> StoreResult<Option<(CounselorId, String)>>;
    /// Make a counselor an operator or not (every instance re-reads the accounts).
    async fn set_operator(
        &self,
        name: &str,
        operator: bool,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord>;
    /// Replace a counselor's topics.
    async fn set_counselor_topics(
        &self,
        name: &str,
        topic_slugs: &[String],
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord>;
    /// Make a deactivated account usable again (its password as it was).
    async fn reactivate_counselor(
        &self,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord>;
    /// Deactivate an account: it can no longer log in; its sessions are deleted and returned.
    async fn deactivate_counselor(
        &self,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<Vec<SessionRecord>>;
    /// Set a one-time password: the counselor must change it at the next login.
    async fn set_one_time_password(
        &self,
        name: &str,
        password_hash: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<()>;
    /// The counselor's own new password (clears the one-time flag).
    async fn change_own_password(
        &self,
        counselor: CounselorId,
        password_hash: &str,
    ) -> StoreResult<()>;
    /// The current password hash of a counselor.
    async fn password_hash(&self, counselor: CounselorId) -> StoreResult<Option<String>>;

    // ---- the audit log (the directory changes above write theirs in their transaction)
    async fn add_audit(&self, draft: &AuditDraft) -> StoreResult<()>;
    /// Entries older than `before` (an id; all if `None`), newest first, at most `limit`.
    async fn audit(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>>;
    /// Delete audit entries from before `cutoff`; returns how many.
    async fn purge_audit(&self, cutoff: Timestamp) -> StoreResult<u64>;
    async fn set_absence_message(
        &self,
        counselor: CounselorId,
        message: Option<&str>,
    ) -> StoreResult<()>;

    // ---- sessions
    async fn create_session(
        &self,
        counselor: CounselorId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<SessionRecord>;
    async fn session(&self, token_hash: &str, now: Timestamp)
        -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, id: i64) -> StoreResult<()>;
    /// Delete expired sessions and say whose they were.
    async fn expire_sessions(&self, now: Timestamp) -> StoreResult<Vec<SessionRecord>>;

    /// Close availability periods left open by a crash (a single instance's start).
    async fn close_open_availability(&self, now: Timestamp) -> StoreResult<()>;

    // ---- the log of the desk, snapshots, instances
    /// Whether this store serves one instance only (SQLite): at start every other instance
    /// counts as gone.
    fn single_instance(&self) -> bool;
    /// Begin a command of `instance` (0: an operator); refused with [`StoreError::Fenced`]
    /// if the others declared the instance lost.
    async fn begin_command(&self, instance: InstanceId) -> StoreResult<Box<dyn CommandTx>>;
    /// What was appended after `seq` (outside a command: catching up).
    async fn entries_after(&self, seq: u64) -> StoreResult<Vec<LogEntry>>;
    /// The number of the last entry (0 if none).
    async fn head(&self) -> StoreResult<u64>;
    /// The newest snapshot of the desk: the entry it includes up to, and the desk as JSON.
    async fn latest_snapshot(&self) -> StoreResult<Option<(u64, String)>>;
    /// Save a snapshot taken after entry `seq`. Older snapshots and entries are pruned: all
    /// of them with `compact` (after a purge: nothing of a deleted chat stays in the log),
    /// else all but the newest two snapshots and the entries after the older of them.
    async fn save_snapshot(
        &self,
        seq: u64,
        at: Timestamp,
        desk: &str,
        compact: bool,
    ) -> StoreResult<()>;
    /// Make deleted rows unreadable in the files too (SQLite: truncate the WAL).
    async fn scrub(&self) -> StoreResult<()>;
    async fn register_instance(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<InstanceId>;
    /// Renew an instance's lease; `false` if the instance is no longer known (fenced).
    async fn renew_lease(&self, instance: InstanceId, lease_until: Timestamp) -> StoreResult<bool>;
    /// Every known instance with the end of its lease.
    async fn instances(&self) -> StoreResult<Vec<(InstanceId, Timestamp)>>;
    async fn forget_instance(&self, instance: InstanceId) -> StoreResult<()>;
    /// Where to listen for notifications (PostgreSQL), if the backend has them.
    fn notifications_url(&self) -> Option<&str>;
    /// Send a notification to every instance (nothing where the backend has none).
    async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()>;
    /// Send several notifications, in this order, in one go.
    async fn notify_all(&self, channel: &str, payloads: &[String]) -> StoreResult<()>;

    // ---- chats and messages
    async fn open_chats(&self) -> StoreResult<Vec<ChatRecord>>;
    async fn chat(&self, id: RequestId) -> StoreResult<Option<ChatRecord>>;
    async fn chat_by_token(&self, token_hash: &str) -> StoreResult<Option<ChatRecord>>;
    async fn chats_of(&self, counselor: CounselorId) -> StoreResult<Vec<ChatRecord>>;
    /// Store messages in one transaction (one sync to disk for all: group commit), each only
    /// if its conversation is running; acknowledged once this returns. A message whose
    /// `client_id` its chat has already is not stored again: the stored one is returned as
    /// [`Added::Before`]. The outer error fails the whole batch; the inner ones are per
    /// message.
    async fn add_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<StoreResult<Added>>>;
    async fn messages(&self, chat: RequestId) -> StoreResult<Vec<MessageRecord>>;
    /// The messages with these ids (to deliver what another instance stored).
    async fn messages_by_id(&self, ids: &[Uuid]) -> StoreResult<Vec<MessageRecord>>;
    /// Keep a new content key of a chat wrapped for these readers, as `counselor` made it
    /// (the first key is stored with the accept instead). A grant of that key for the same
    /// readers that is there already stays (the first of several devices renewing at once, or
    /// a retry): every reader must hold the same key. One for other readers (the devices
    /// changed since) is replaced.
    /// `true` when this grant is the one kept.
    async fn grant_keys(
        &self,
        chat: RequestId,
        counselor: CounselorId,
        keys: &[KeyRecord],
    ) -> StoreResult<bool>;
    /// Give an existing content key of a chat to one more reader (kept if it has it).
    async fn add_key_reader(
        &self,
        chat: RequestId,
        counselor: CounselorId,
        key: &KeyRecord,
    ) -> StoreResult<()>;
    /// The content keys `counselor` made for a chat, oldest first.
    async fn chat_keys(
        &self,
        chat: RequestId,
        counselor: CounselorId,
    ) -> StoreResult<Vec<KeyRecord>>;

    // ---- devices
    /// Add a device, or answer with the one of the same public key (its session updated).
    /// `None`: the counselor has [`MAX_DEVICES`] already.
    async fn add_device(&self, device: &DeviceRecord) -> StoreResult<Option<DeviceRecord>>;
    async fn devices(&self, counselor: CounselorId) -> StoreResult<Vec<DeviceRecord>>;
    /// Remove a device; `None` when it is not one of the counselor's, else the session that
    /// added it if that session still exists.
    async fn remove_device(
        &self,
        counselor: CounselorId,
        device: Uuid,
    ) -> StoreResult<Option<Option<i64>>>;

    /// Delete everything of chats that ended before `cutoff`; returns how many.
    async fn purge_ended(&self, cutoff: Timestamp) -> StoreResult<u64>;

    // ---- statistics
    async fn activity(
        &self,
        counselor: CounselorId,
        from: Timestamp,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<ActivityTotals>;
}

pub(crate) fn end_reason_str(reason: EndReason) -> &'static str {
    match reason {
        EndReason::Withdrawn => "withdrawn",
        EndReason::AskerGone => "asker_gone",
        EndReason::NobodyAvailable => "nobody_available",
        EndReason::WaitedTooLong => "waited_too_long",
        EndReason::TopicClosed => "topic_closed",
    }
}

pub(crate) fn parse_end_reason(text: &str) -> Option<EndReason> {
    Some(match text {
        "withdrawn" => EndReason::Withdrawn,
        "asker_gone" => EndReason::AskerGone,
        "nobody_available" => EndReason::NobodyAvailable,
        "waited_too_long" => EndReason::WaitedTooLong,
        "topic_closed" => EndReason::TopicClosed,
        _ => return None,
    })
}

pub(crate) fn sender_str(sender: Sender) -> &'static str {
    match sender {
        Sender::Asker => "asker",
        Sender::Counselor => "counselor",
    }
}

pub(crate) fn parse_sender(text: &str) -> Option<Sender> {
    match text {
        "asker" => Some(Sender::Asker),
        "counselor" => Some(Sender::Counselor),
        _ => None,
    }
}

pub(crate) fn party_sender(party: Party) -> Sender {
    match party {
        Party::Asker => Sender::Asker,
        Party::Counselor(_) => Sender::Counselor,
    }
}
