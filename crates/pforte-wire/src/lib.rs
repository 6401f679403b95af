//! Pforte's wire: every HTTP body and WebSocket message, defined once.
//!
//! The server serialises these with serde and documents them with utoipa (OpenAPI); the UI
//! imports the TypeScript declarations generated from them by ts-rs (see [`typescript`]).
//! Times are milliseconds since the Unix epoch; ids of topics and counselors are integers,
//! ids of requests/conversations and messages are UUIDs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

pub mod typescript;

/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest absence message, in characters.
pub const MAX_ABSENCE_MESSAGE_CHARS: usize = 500;

// ---------------------------------------------------------------- errors

/// Every error the API returns: a stable machine-readable code and a human message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// Stable error codes. Clients tell errors apart by these, never by the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON or does not match the expected shape.
    InvalidBody,
    /// A field has a value that is not allowed (the message names it).
    InvalidField,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The request needs `Content-Type: application/json`.
    UnsupportedMediaType,
    /// A query parameter or path segment is malformed.
    InvalidParameter,
    /// No such endpoint, or no such resource visible to the caller.
    NotFound,
    MethodNotAllowed,
    /// Missing, unknown or expired token.
    Unauthorized,
    /// Wrong name or password.
    InvalidCredentials,
    /// Too many attempts from this source; try again later.
    RateLimited,
    /// The asker did not consent to the terms of the chat.
    ConsentRequired,
    UnknownTopic,
    LiveChatDisabled,
    /// Nobody is available for the topic right now: the waiting room is closed.
    GateClosed,
    /// The waiting room of the topic is full right now; try again in a while.
    QueueFull,
    /// Absent counselors cannot switch availability on.
    Absent,
    /// Only available counselors see and accept live-chat requests.
    NotAvailable,
    NotYourTopic,
    /// Another counselor accepted the request first.
    AlreadyTaken,
    /// The request is no longer waiting (left, ended or unknown).
    RequestGone,
    /// The conversation has ended and is read-only.
    ConversationEnded,
    /// The asker's request has not been accepted yet.
    NotAccepted,
    MessageEmpty,
    /// A sealed message larger than the largest padding bucket (a text of more than 4000
    /// characters).
    MessageTooLong,
    /// A sealed message that is not of the format: base64url without padding, a 12-byte
    /// `iv`, a ciphertext of one of the padding buckets plus its 16-byte tag, key and counter
    /// from 1, a `device` exactly when a counselor sent it.
    SealedInvalid,
    /// A public or wrapped key that is not of the format (65-byte uncompressed P-256 point;
    /// wrapped: that point, a 12-byte iv and 48 sealed bytes), in base64url without padding.
    KeyInvalid,
    /// The content key must be wrapped for the asker and for exactly the counselor's current
    /// devices ("Meine Geräte"): re-read them and wrap again.
    DevicesChanged,
    /// Not one of the counselor's devices (removed, or never added).
    UnknownDevice,
    /// A counselor may have at most 20 devices.
    TooManyDevices,
    /// A device name is empty, too long (64 characters) or not one line.
    DeviceNameInvalid,
    /// The conversation has no content key for this device or the asker yet.
    NoKey,
    /// The chat has a newer content key than this one builds on: re-read its keys.
    KeyOutdated,
    /// The server could not complete the request; nothing of it was acknowledged.
    Internal,
    /// The server is starting or shutting down, or holds as many live connections as it can.
    Unavailable,
    /// A WebSocket endpoint was called without a WebSocket handshake.
    WebsocketRequired,
    /// A page of another website (its `Origin`) may not use this: the operator has not
    /// allowed that website to embed the topic's chat.
    OriginNotAllowed,
    /// All the counselor's seats (the most running live chats) are taken: "Chat starten"
    /// waits until one of their chats ends.
    NoFreeSeat,
    /// A slot is not a weekly slot of the topic's chat hours.
    UnknownSlot,
    /// Only operators (Administrator_innen) may do this.
    OperatorOnly,
    /// A topic's slug: only lowercase a–z, digits and hyphens.
    SlugInvalid,
    /// A topic's slug needs at least 2 characters.
    SlugTooShort,
    /// A topic's slug may have at most 64 characters.
    SlugTooLong,
    /// Another topic has this slug.
    SlugTaken,
    /// A name is empty (nothing visible after trimming).
    NameEmpty,
    /// A name may have at most 100 characters.
    NameTooLong,
    /// A name must be one line without control characters.
    NameInvalid,
    LoginEmpty,
    /// A login name may have at most 64 characters.
    LoginTooLong,
    /// A login name may not contain spaces or invisible characters.
    LoginInvalid,
    /// Another account has this login name.
    LoginTaken,
    /// A password needs at least 8 characters.
    PasswordTooShort,
    /// A password may have at most 256 characters.
    PasswordTooLong,
    /// A password may not contain control characters.
    PasswordInvalid,
    /// The current password given for a change is wrong.
    WrongPassword,
    /// The account holds a one-time password: set a new one (`PUT /api/me/password`) first.
    PasswordChangeRequired,
    /// The reason for switching a counselor off is empty.
    ReasonEmpty,
    /// The reason may have at most 300 characters.
    ReasonTooLong,
    ReasonInvalid,
    UnknownCounselor,
    /// A request waits or a chat runs in this topic: it cannot be deleted now.
    TopicInUse,
    /// The account is deactivated.
    Deactivated,
    /// A seat limit must be a whole number from 1 to 1000 (or `null`: unlimited).
    SeatsInvalid,
    // Chat hours (the codes of the schedule's text syntax; the message names the part).
    /// A weekday that is not one of `Mo Di Mi Do Fr Sa So` / `Mo Tu We Th Fr Sa Su`.
    UnknownWeekday,
    /// A group of times without a day before them.
    MissingWeekday,
    /// Days without times after them.
    MissingTimes,
    /// A time that is not `HH:MM` from 00:00 to 24:00.
    InvalidTime,
    /// A range that is not `start-end`.
    InvalidTimeRange,
    /// A date that is not `YYYY-MM-DD` or `DD.MM.YYYY`, or does not exist.
    InvalidDate,
    /// A dated exception that is neither `closed`, closed times nor extra hours.
    InvalidException,
    /// A slot that starts when it ends.
    EmptySlot,
    /// A slot whose end lies before its start on the same day.
    InvertedSlot,
    /// Two weekly slots overlap.
    OverlappingSlots,
    /// Two extra hours on one date overlap.
    OverlappingExtraHours,
    /// A dated exception lies in the past.
    ExceptionInPast,
    TooManySlots,
    TooManyExceptions,
    /// The note on the chat hours is too long.
    NoteTooLong,
    UnknownTimeZone,
    // Websites that may embed a topic's chat button.
    /// Not a web address of a website (`https://beispiel.de`).
    OriginInvalid,
    /// A website must be reached over `https://` (only this machine may use `http://`).
    OriginNotHttps,
    /// A website is given without a path: `https://beispiel.de`, not `…/kontakt`.
    OriginHasPath,
    OriginHasQuery,
    OriginHasCredentials,
    /// No wildcards: each website is named.
    OriginWildcard,
}

// ---------------------------------------------------------------- operator console

/// A topic as operators manage it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminTopic {
    #[ts(type = "number")]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub live_chat: bool,
    pub chat_hours: Option<String>,
    /// Requests waiting and chats running now: while any, the topic cannot be deleted.
    pub open_chats: u32,
    /// The chat hours in their text syntax, one group per line (weekly slots, then dated
    /// exceptions): what `hours.text` of a change takes. Empty: none.
    pub hours_text: String,
    /// The note on the chat hours ("An Feiertagen geschlossen"); empty: none.
    pub hours_note: String,
    /// The organisation's time zone the hours are in.
    pub time_zone: String,
    /// The most running chats per counselor in this topic (`null`: unlimited).
    pub seats: Option<u32>,
    /// The websites that may embed the topic's chat button.
    pub embed_origins: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminTopicList {
    pub topics: Vec<AdminTopic>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTopic {
    /// Lowercase a–z, digits and hyphens, 2–64 characters.
    pub slug: String,
    /// 1–100 characters after trimming.
    pub name: String,
    #[serde(default)]
    pub live_chat: bool,
    #[serde(default)]
    pub chat_hours: Option<String>,
}

/// What to change of a topic; absent fields stay. Everything is checked before anything is
/// changed: one refusal leaves the topic as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeTopic {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub live_chat: Option<bool>,
    /// Replace the chat hours (an empty text and note: none).
    #[serde(default)]
    pub hours: Option<SetHours>,
    /// The most running chats per counselor in this topic.
    #[serde(default)]
    pub seats: Option<SeatLimit>,
    /// Replace the websites that may embed the chat button (`https://beispiel.de`).
    #[serde(default)]
    pub embed_origins: Option<Vec<String>>,
}

/// A topic's chat hours in the text syntax of the command line: groups separated by line
/// breaks or `;`, e.g. `Mo-Fr 10:00-12:00, 14:00-16:00`, `2026-12-24 geschlossen`,
/// `2026-12-31 10:00-12:00` (extra hours). Past exceptions already stored may stay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetHours {
    #[schema(max_length = 10000)]
    pub text: String,
    #[serde(default)]
    pub note: String,
}

/// A seat limit: at most `limit` running chats (1–1000), `null`: unlimited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatLimit {
    pub limit: Option<u32>,
}

/// A counselor account as operators manage it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminCounselor {
    #[ts(type = "number")]
    pub id: i64,
    pub login: String,
    pub display_name: String,
    /// Slugs of their topics.
    pub topics: Vec<String>,
    pub operator: bool,
    pub deactivated: bool,
    pub must_change_password: bool,
    /// Whether they count as available now.
    pub available: bool,
    /// The most running chats of this counselor (`null`: unlimited; a topic's limit may be
    /// smaller).
    pub seats: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminCounselorList {
    pub counselors: Vec<AdminCounselor>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCounselor {
    /// 1–64 characters, no spaces.
    pub login: String,
    /// 1–100 characters after trimming.
    pub display_name: String,
    /// Slugs of their topics.
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub operator: bool,
}

/// A new account, or a reset password: the one-time password is shown this once and must be
/// changed at the next login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OneTimePassword {
    pub counselor: AdminCounselor,
    pub one_time_password: String,
}

/// What to change of a counselor; absent fields stay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeCounselor {
    #[serde(default)]
    pub topics: Option<Vec<String>>,
    #[serde(default)]
    pub operator: Option<bool>,
    /// The most running chats of this counselor.
    #[serde(default)]
    pub seats: Option<SeatLimit>,
}

/// "Verfügbarkeit beenden": why, shown to the counselor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchOff {
    /// 1–300 characters after trimming.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// 8–256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub new_password: String,
}

/// One operator action: who, what, on what, when, before and after. Never chat content,
/// never a password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub at: i64,
    /// The operator's login, or `cli` for the command line.
    pub actor: String,
    pub action: String,
    pub target: String,
    #[ts(type = "unknown")]
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[ts(type = "unknown")]
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

/// The live overview of one topic. Counts and names only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TopicOverview {
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub live_chat: bool,
    pub gate_open: bool,
    /// Display names of the counselors available now.
    pub available_counselors: Vec<String>,
    /// Free seats, where the topic limits concurrent chats (no limit: `null`).
    pub free_seats: Option<u32>,
    pub waiting: u32,
    /// When the oldest waiting asker entered (`null` if nobody waits).
    #[ts(type = "number | null")]
    pub oldest_waiting_since: Option<i64>,
    pub running_chats: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Overview {
    pub topics: Vec<TopicOverview>,
}

// ---------------------------------------------------------------- topics

/// A topic that offers live chat, as anyone may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PublicTopic {
    #[ts(type = "number")]
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Whether the waiting room can be entered now.
    pub gate_open: bool,
    /// When the chat is usually staffed, as the operator wrote it ("Mo–Fr 10–16 Uhr").
    pub chat_hours: Option<String>,
    /// The slot of the chat hours running now (`null`: outside the hours, or none set).
    #[serde(default)]
    pub current_slot: Option<TimeWindow>,
    /// The next opening of the chat hours after now (`null`: no more hours set).
    #[serde(default)]
    pub next_opening: Option<NextOpening>,
    /// The operator's note on the chat hours ("An Feiertagen geschlossen").
    #[serde(default)]
    pub hours_note: Option<String>,
}

/// A span of time, milliseconds since the Unix epoch; `ends_at` is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TimeWindow {
    #[ts(type = "number")]
    pub starts_at: i64,
    #[ts(type = "number")]
    pub ends_at: i64,
}

/// When the chat is open again, with the sentence the asker page shows, computed by the
/// server in the organisation's time zone ("Der Chat ist wieder geöffnet: heute
/// 14:00–16:00 Uhr").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct NextOpening {
    #[ts(type = "number")]
    pub starts_at: i64,
    #[ts(type = "number")]
    pub ends_at: i64,
    pub text_de: String,
    pub text_en: String,
}

/// How long the asker will probably wait: an honest range in whole minutes, from the
/// topic's recent accepts, the free seats and the position. Absent while the data is thin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct WaitEstimate {
    pub min_minutes: u32,
    /// `null`: "more than `min_minutes`".
    pub max_minutes: Option<u32>,
    /// "etwa 5–10 Minuten".
    pub text_de: String,
    /// "about 5–10 minutes".
    pub text_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PublicTopicList {
    pub topics: Vec<PublicTopic>,
}

/// A topic of a counselor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TopicRef {
    #[ts(type = "number")]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub live_chat: bool,
}

// ---------------------------------------------------------------- asker

/// An integer as JSON Schema means it: `7` and `7.0` alike, never `7.5`.
fn integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(integer) = number.as_i64() {
        return Ok(integer);
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 9.007_199_254_740_992e15 => {
            // Exact: an integral float below 2^53.
            Ok(float as i64)
        }
        _ => Err(serde::de::Error::custom("expected an integer")),
    }
}

fn yes() -> bool {
    true
}

/// A boolean that only `true` satisfies (agreements).
fn must_be_true() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .build()
}

/// Enter the waiting room of a topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterWaitingRoom {
    #[ts(type = "number")]
    #[serde(deserialize_with = "integer")]
    pub topic_id: i64,
    /// The asker agreed to the short consent text (must be `true`).
    #[schema(schema_with = must_be_true)]
    pub consent: bool,
    /// The public key the asker's tab made for this chat (65-byte uncompressed P-256 point,
    /// base64url): the accepting counselor wraps the chat's content key for it.
    #[schema(min_length = 87, max_length = 87)]
    pub public_key: String,
}

/// The asker is in the waiting room. The token is shown once and is the only key to the chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct EnteredWaitingRoom {
    pub token: String,
    pub request_id: Uuid,
    pub pseudonym: String,
    #[ts(type = "number")]
    pub topic_id: i64,
    pub position: u32,
}

/// Where an asker stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AskerStatus {
    Waiting {
        position: u32,
        gate_open: bool,
        /// While the gate is closed: when the wait ends unless someone comes back.
        #[ts(type = "number | null")]
        grace_until: Option<i64>,
        /// The waiting-time estimate (`null`: not enough data to be honest).
        #[serde(default)]
        estimate: Option<WaitEstimate>,
    },
    Chatting {
        counselor_name: String,
        counselor_online: bool,
    },
    /// The request ended without a chat.
    RequestEnded {
        reason: RequestEndReason,
        next_chat_hours: Option<String>,
    },
    /// The chat ended; it is read-only now.
    ChatEnded {
        counselor_name: String,
        ended_by: Sender,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AskerState {
    pub request_id: Uuid,
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub pseudonym: String,
    pub status: AskerStatus,
    /// How long an ended chat is kept before everything of it is deleted, in seconds.
    #[ts(type = "number")]
    pub retention_seconds: u64,
}

/// Why a request ended without a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestEndReason {
    /// The asker left the waiting room.
    Withdrawn,
    /// The asker's page was gone for too long.
    AskerGone,
    /// The last counselor left and nobody came back within the grace period.
    NobodyAvailable,
    /// The request waited longer than the longest wait.
    WaitedTooLong,
    /// The topic stopped offering live chat.
    TopicClosed,
}

// ---------------------------------------------------------------- messages

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Asker,
    Counselor,
}

/// A message as the sender's device sealed it (end-to-end encryption, ARCHITECTURE.md): the
/// server checks its shape, stores it and relays it as it is, and can read none of it.
/// Bytes are base64url without padding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// Which content key of the conversation sealed it (1, 2, …; see [`ChatKeys`]).
    #[schema(minimum = 1)]
    pub key: u32,
    /// The counselor's device that sealed it; `null` when the asker wrote it.
    pub device: Option<Uuid>,
    /// The sender's own number of the message in the conversation (1, 2, …), part of what
    /// the ciphertext authenticates, so a replayed or reordered message is refused.
    #[ts(type = "number")]
    #[schema(minimum = 1)]
    pub counter: u64,
    /// 12 bytes.
    #[schema(min_length = 16, max_length = 16)]
    pub iv: String,
    /// The padded text (256, 1024, 4096 or 16384 bytes) and the 16-byte tag.
    #[schema(min_length = 363, max_length = 21867)]
    pub ciphertext: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// The message, sealed on the sender's device.
    pub sealed: Sealed,
    /// A random id the client makes once per message and sends again with every retry of
    /// it: a retry after a lost answer is then stored once and answered with the stored
    /// message (status 200 instead of 201).
    #[serde(default)]
    #[ts(optional)]
    pub client_id: Option<Uuid>,
}

/// A chat message. Once the server answered with it, it is stored durably.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub from: Sender,
    pub sealed: Sealed,
    #[ts(type = "number")]
    pub sent_at: i64,
    /// The message's number within its conversation (1, 2, …), in the order the server
    /// stored them: the order both sides show.
    #[ts(type = "number")]
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct MessageList {
    pub messages: Vec<Message>,
}

// ---------------------------------------------------------------- counselor

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub name: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LoggedIn {
    /// Bearer token for the API and the WebSocket.
    pub token: String,
    #[ts(type = "number")]
    pub expires_at: i64,
    pub me: Me,
    /// The password is a one-time password: set a new one (`PUT /api/me/password`) first.
    pub must_change_password: bool,
}

/// The logged-in counselor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Me {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub topics: Vec<TopicRef>,
    pub availability: Availability,
    /// An operator (Administrator_in): the section "Verwaltung" and `/api/admin`.
    pub operator: bool,
    /// Logged in with a one-time password: must set a new one before anything else.
    pub must_change_password: bool,
}

/// A counselor's live-chat availability ("Meine Live-Chat Verfügbarkeit").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Availability {
    /// The switch: what the counselor chose.
    pub switched_on: bool,
    /// Whether they count as available: switched on, not absent, connected.
    pub available: bool,
    /// Whether any of their devices holds a live connection.
    pub online: bool,
    pub absent: bool,
    pub absence_message: Option<String>,
    /// Why the counselor does not count as available (`null` while available).
    pub unavailable_because: Option<UnavailableReason>,
    /// The topics where this counselor is the only available one (empty unless available),
    /// with the askers waiting there: switching off closes those waiting rooms. Sent again
    /// (`availability_changed` without a reason) whenever it changes.
    #[serde(default)]
    pub last_for: Vec<LastCover>,
    /// The counselor's seats in each of their topics with a seat limit (a topic not listed
    /// has no limit). Sent again when a chat of theirs starts or ends.
    #[serde(default)]
    pub seats: Vec<TopicSeats>,
}

/// Seats (the most running live chats) of a counselor in one topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TopicSeats {
    #[ts(type = "number")]
    pub topic_id: i64,
    pub limit: u32,
    pub free: u32,
}

/// Why a counselor does not count as available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnavailableReason {
    /// The switch is off.
    SwitchedOff,
    /// "Meine Abwesenheit" is on.
    Absent,
    /// Switched on, but no device of theirs holds a live connection: available as soon as
    /// one connects.
    NoConnection,
}

/// "You are the last available counselor of this topic, and this many askers wait."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LastCover {
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub waiting: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchAvailability {
    pub on: bool,
}

/// Why a client signals that its counselor goes offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    WindowClosed,
    AppQuit,
    ScreenLocked,
    SystemSleep,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoOffline {
    pub reason: OfflineReason,
}

/// Why a counselor's switch changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SwitchReason {
    Toggle,
    Logout,
    SessionExpired,
    Absence,
    WindowClosed,
    AppQuit,
    ScreenLocked,
    SystemSleep,
    ConnectionLost,
    /// An operator switched the counselor off (the reason comes as `switched_off_by_operator`).
    Operator,
    /// A covered shift ended and the counselor chose to be switched off then.
    ShiftEnded,
}

/// A weekday as the wire writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// A weekly slot of a topic's chat hours, and whether the counselor covers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ShiftSlot {
    pub day: Weekday,
    /// Local start, `HH:MM`.
    pub start: String,
    /// Local end, `HH:MM` (`24:00` at midnight; earlier than `start` across midnight).
    pub end: String,
    pub covered: bool,
}

/// "Meine Chatzeiten" of one topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TopicShifts {
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub slots: Vec<ShiftSlot>,
    pub hours_note: Option<String>,
}

/// "Meine Chatzeiten": the slots the counselor covers, per topic, and what happens when a
/// shift ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct MyShifts {
    pub topics: Vec<TopicShifts>,
    /// Switched off automatically when a shift ends (else reminded to switch off).
    pub auto_switch_off: bool,
}

/// A weekly slot named by its day and start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotRef {
    pub day: Weekday,
    /// `HH:MM`.
    pub start: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTopicShifts {
    #[ts(type = "number")]
    #[serde(deserialize_with = "integer")]
    pub topic_id: i64,
    pub slots: Vec<SlotRef>,
}

/// Set "Meine Chatzeiten": every topic's covered slots (topics left out cover none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMyShifts {
    pub topics: Vec<SetTopicShifts>,
    pub auto_switch_off: bool,
}

/// One occurrence of a topic's chat hours in its weekly plan, with who covers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PlanEntry {
    pub day: Weekday,
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// Local start and end, `HH:MM`.
    pub start: String,
    pub end: String,
    #[ts(type = "number")]
    pub starts_at: i64,
    #[ts(type = "number")]
    pub ends_at: i64,
    /// Display names of the counselors who cover it; empty: a gap.
    pub counselors: Vec<String>,
    /// Extra hours of a dated exception (nobody covers those).
    pub extra_hours: bool,
}

/// A topic's weekly plan (Monday to Sunday, local dates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct WeekPlan {
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    /// The Monday, `YYYY-MM-DD`.
    pub monday: String,
    pub entries: Vec<PlanEntry>,
    /// How many entries nobody covers.
    pub gaps: u32,
}

/// What a shift reminder says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShiftNotice {
    /// "Ihre Chatzeit beginnt – Sie sind noch nicht verfügbar" (offer to switch on).
    Started,
    /// The shift ended: remember to switch off.
    Ended,
    /// The shift ended and the counselor was switched off (reason `shift_ended`).
    SwitchedOff,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAbsence {
    pub absent: bool,
    pub message: Option<String>,
}

/// A waiting live-chat request as an available counselor sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LiveChatRequest {
    pub id: Uuid,
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub pseudonym: String,
    #[ts(type = "number")]
    pub entered_at: i64,
    pub asker_online: bool,
    /// The asker's public key for this chat: wrap the content key for it when accepting.
    pub asker_key: String,
}

/// One page of the waiting requests, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LiveChatRequestList {
    pub requests: Vec<LiveChatRequest>,
    /// How many requests wait in all (this page may hold fewer).
    pub total: u32,
}

/// One of a counselor's devices ("Meine Geräte"): a browser or the desktop app, with the
/// public key it made; its private key never leaves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Device {
    pub id: Uuid,
    pub name: String,
    pub public_key: String,
    #[ts(type = "number")]
    pub added_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceList {
    pub devices: Vec<Device>,
}

/// Add this device. Adding a public key a second time answers with the device it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDevice {
    /// How the counselor recognises it ("Firefox auf Linux", "Desktop-App").
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    #[schema(min_length = 87, max_length = 87)]
    pub public_key: String,
}

/// A conversation's content key wrapped for one of the counselor's devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceKey {
    pub device: Uuid,
    /// 125 bytes, base64url: the one-time public key, the iv and the sealed key.
    #[schema(min_length = 167, max_length = 167)]
    pub wrapped: String,
}

/// A new content key of a conversation, wrapped for every reader: the asker and exactly the
/// counselor's current devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyGrant {
    #[schema(min_length = 167, max_length = 167)]
    pub asker: String,
    pub devices: Vec<DeviceKey>,
}

/// "Chat starten": the content key of the chat, made and wrapped by the accepting device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub keys: KeyGrant,
}

/// A new content key for a running chat (after a device was removed), made by a device of
/// its counselor and wrapped for the asker and exactly the counselor's current devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// The new key's number: the chat's newest plus 1.
    #[schema(minimum = 2)]
    pub key: u32,
    #[schema(min_length = 167, max_length = 167)]
    pub asker: String,
    pub devices: Vec<DeviceKey>,
}

/// A device that holds a content key, for the "Sicherheitscode".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct KeyReader {
    pub device: Uuid,
    pub public_key: String,
}

/// One content key of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ChatKey {
    pub key: u32,
    /// Wrapped for the one asking (the asker, or the device named in the query); `null`
    /// when it was not wrapped for that device.
    pub wrapped: Option<String>,
    /// The counselor's devices it is wrapped for.
    pub readers: Vec<KeyReader>,
}

/// The keys of a conversation: what a reader needs to open its messages and to show the
/// "Sicherheitscode" (from the asker's key and the readers of the newest content key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ChatKeys {
    pub conversation_id: Uuid,
    pub asker_key: String,
    /// Oldest first; empty until a counselor accepted.
    pub keys: Vec<ChatKey>,
}

/// A conversation of a counselor ("Meine Beratungen").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Conversation {
    pub id: Uuid,
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub pseudonym: String,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number | null")]
    pub ended_at: Option<i64>,
    pub ended_by: Option<Sender>,
    pub asker_online: bool,
    #[ts(type = "number")]
    pub message_count: u64,
    #[ts(type = "number | null")]
    pub last_message_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
}

/// How many colleagues cover a topic now, and how many askers wait in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TopicCoverage {
    #[ts(type = "number")]
    pub topic_id: i64,
    pub topic_name: String,
    pub available_counselors: u32,
    pub waiting: u32,
    /// Free seats among the available counselors (`null`: someone has no seat limit).
    #[serde(default)]
    pub free_seats: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CoverageList {
    pub topics: Vec<TopicCoverage>,
}

/// "Meine Statistik" for a period of whole days (UTC), both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Statistics {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    #[ts(type = "number")]
    pub accepted_chats: u64,
    #[ts(type = "number")]
    pub messages_sent: u64,
    #[ts(type = "number")]
    pub available_seconds: u64,
    #[ts(type = "number")]
    pub conversations_ended: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
}

// ---------------------------------------------------------------- WebSocket

/// What a client may send over its WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message on a socket opened without an `Authorization` header (browsers).
    Auth { token: String },
    /// Application-level keep-alive for clients that cannot send WebSocket pings.
    Ping,
}

/// Why the server ended a counselor's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionEndReason {
    LoggedOut,
    Expired,
    /// An operator deactivated the account.
    Deactivated,
}

/// Everything the server pushes over a WebSocket. Each socket receives only what concerns
/// its owner: a counselor, an asker, or an anonymous watcher of the gates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// The socket is authenticated and subscribed; re-read state now (it may have changed
    /// while the socket was away).
    Ready,
    /// Answer to a `ping`.
    Pong,
    /// A gate opened or closed (gate watchers and askers).
    GateChanged {
        #[ts(type = "number")]
        topic_id: i64,
        open: bool,
    },

    // ---- to counselors
    /// The counselor's availability changed, on this or another device.
    AvailabilityChanged {
        availability: Availability,
        reason: Option<SwitchReason>,
    },
    /// A new request waits (only to available counselors of its topic). `notify` is false
    /// for a counselor without a free seat: it is listed, but no notification is raised.
    RequestCreated {
        request: LiveChatRequest,
        #[serde(default = "yes")]
        notify: bool,
    },
    /// A request left the list without a chat.
    RequestWithdrawn {
        request_id: Uuid,
        #[ts(type = "number")]
        topic_id: i64,
        reason: RequestEndReason,
    },
    /// A request was accepted (by you, on another device, or by a colleague).
    RequestTaken {
        request_id: Uuid,
        #[ts(type = "number")]
        topic_id: i64,
        by_you: bool,
    },
    /// The number of available colleagues or of waiting askers of a topic changed.
    CoverageChanged {
        coverage: TopicCoverage,
    },
    /// A conversation of this counselor started (possibly on another device).
    ConversationStarted {
        conversation: Conversation,
    },
    /// The asker of a conversation came or went.
    AskerPresenceChanged {
        conversation_id: Uuid,
        online: bool,
    },
    /// Events were left out because this socket fell behind (a flood of entries): request
    /// and coverage events and availability refreshes. Re-read the requests, the coverage
    /// and `GET /api/me`. Sent once the socket has caught up.
    RequestsChanged,
    /// The session was ended; the socket closes after this.
    SessionEnded {
        reason: SessionEndReason,
    },
    /// A covered shift of this counselor began while they are not available, or ended.
    ShiftReminder {
        notice: ShiftNotice,
        #[ts(type = "number")]
        topic_id: i64,
        topic_name: String,
        #[ts(type = "number")]
        starts_at: i64,
        #[ts(type = "number")]
        ends_at: i64,
    },
    /// An operator switched this counselor's availability off, saying why ("Von der
    /// Administration ausgeschaltet: …"). To every device of the counselor.
    SwitchedOffByOperator {
        reason: String,
    },
    /// "Meine Geräte" changed: a device of this counselor was added or removed (on any
    /// instance). Re-read `GET /api/me/devices`; a device holding a chat's key gives it to a
    /// device added later.
    DevicesChanged,
    /// The live overview of every topic (to operators only): counts and names of available
    /// counselors, never content or pseudonyms. Sent after `ready` and whenever it changes.
    OverviewChanged {
        overview: Overview,
    },

    // ---- to askers
    /// The asker's place in the queue, with the waiting-time estimate.
    QueuePosition {
        position: u32,
        #[serde(default)]
        estimate: Option<WaitEstimate>,
    },
    /// The last counselor left; the asker is kept until `grace_until`.
    WaitingRoomClosing {
        #[ts(type = "number | null")]
        grace_until: Option<i64>,
    },
    /// A counselor is back; the wait goes on.
    WaitingRoomReopened,
    /// The request ended without a chat.
    RequestEnded {
        reason: RequestEndReason,
        next_chat_hours: Option<String>,
    },
    /// A counselor accepted: the chat begins.
    ChatAccepted {
        counselor_name: String,
    },
    /// The counselor came or went.
    CounselorPresenceChanged {
        online: bool,
    },

    // ---- to both sides of a conversation
    MessagePosted {
        message: Message,
    },
    ConversationEnded {
        conversation_id: Uuid,
        by: Sender,
    },
}
