// Generated from the Rust wire types (crates/pforte-wire). Do not edit.
// Regenerate: cargo run -p pforte-wire --bin pforte-generate-typescript

export type ApiError = { code: ErrorCode, message: string, };

export type ErrorCode = "invalid_body" | "invalid_field" | "payload_too_large" | "unsupported_media_type" | "invalid_parameter" | "not_found" | "method_not_allowed" | "unauthorized" | "invalid_credentials" | "rate_limited" | "consent_required" | "unknown_topic" | "live_chat_disabled" | "gate_closed" | "queue_full" | "absent" | "not_available" | "not_your_topic" | "already_taken" | "request_gone" | "conversation_ended" | "not_accepted" | "message_empty" | "message_too_long" | "sealed_invalid" | "key_invalid" | "devices_changed" | "unknown_device" | "too_many_devices" | "device_name_invalid" | "no_key" | "key_outdated" | "internal" | "unavailable" | "websocket_required" | "origin_not_allowed" | "no_free_seat" | "unknown_slot" | "operator_only" | "slug_invalid" | "slug_too_short" | "slug_too_long" | "slug_taken" | "name_empty" | "name_too_long" | "name_invalid" | "login_empty" | "login_too_long" | "login_invalid" | "login_taken" | "password_too_short" | "password_too_long" | "password_invalid" | "wrong_password" | "password_change_required" | "reason_empty" | "reason_too_long" | "reason_invalid" | "unknown_counselor" | "topic_in_use" | "deactivated" | "seats_invalid" | "unknown_weekday" | "missing_weekday" | "missing_times" | "invalid_time" | "invalid_time_range" | "invalid_date" | "invalid_exception" | "empty_slot" | "inverted_slot" | "overlapping_slots" | "overlapping_extra_hours" | "exception_in_past" | "too_many_slots" | "too_many_exceptions" | "note_too_long" | "unknown_time_zone" | "origin_invalid" | "origin_not_https" | "origin_has_path" | "origin_has_query" | "origin_has_credentials" | "origin_wildcard";

export type PublicTopic = { id: number, slug: string, name: string, 
/**
 * Whether the waiting room can be entered now.
 */
gate_open: boolean, 
/**
 * When the chat is usually staffed, as the operator wrote it ("Mo–Fr 10–16 Uhr").
 */
chat_hours: string | null, 
/**
 * The slot of the chat hours running now (`null`: outside the hours, or none set).
 */
current_slot: TimeWindow | null, 
/**
 * The next opening of the chat hours after now (`null`: no more hours set).
 */
next_opening: NextOpening | null, 
/**
 * The operator's note on the chat hours ("An Feiertagen geschlossen").
 */
hours_note: string | null, };

export type TimeWindow = { starts_at: number, ends_at: number, };

export type NextOpening = { starts_at: number, ends_at: number, text_de: string, text_en: string, };

export type WaitEstimate = { min_minutes: number, 
/**
 * `null`: "more than `min_minutes`".
 */
max_minutes: number | null, 
/**
 * "etwa 5–10 Minuten".
 */
text_de: string, 
/**
 * "about 5–10 minutes".
 */
text_en: string, };

export type PublicTopicList = { topics: Array<PublicTopic>, };

export type TopicRef = { id: number, slug: string, name: string, live_chat: boolean, };

export type EnterWaitingRoom = { topic_id: number, 
/**
 * The asker agreed to the short consent text (must be `true`).
 */
consent: boolean, 
/**
 * The public key the asker's tab made for this chat (65-byte uncompressed P-256 point,
 * base64url): the accepting counselor wraps the chat's content key for it.
 */
public_key: string, };

export type EnteredWaitingRoom = { token: string, request_id: string, pseudonym: string, topic_id: number, position: number, };

export type AskerStatus = { "state": "waiting", position: number, gate_open: boolean, 
/**
 * While the gate is closed: when the wait ends unless someone comes back.
 */
grace_until: number | null, 
/**
 * The waiting-time estimate (`null`: not enough data to be honest).
 */
estimate: WaitEstimate | null, } | { "state": "chatting", counselor_name: string, counselor_online: boolean, } | { "state": "request_ended", reason: RequestEndReason, next_chat_hours: string | null, } | { "state": "chat_ended", counselor_name: string, ended_by: Sender, };

export type AskerState = { request_id: string, topic_id: number, topic_name: string, pseudonym: string, status: AskerStatus, 
/**
 * How long an ended chat is kept before everything of it is deleted, in seconds.
 */
retention_seconds: number, };

export type RequestEndReason = "withdrawn" | "asker_gone" | "nobody_available" | "waited_too_long" | "topic_closed";

export type Sender = "asker" | "counselor";

export type Sealed = { 
/**
 * Which content key of the conversation sealed it (1, 2, …; see [`ChatKeys`]).
 */
key: number, 
/**
 * The counselor's device that sealed it; `null` when the asker wrote it.
 */
device: string | null, 
/**
 * The sender's own number of the message in the conversation (1, 2, …), part of what
 * the ciphertext authenticates, so a replayed or reordered message is refused.
 */
counter: number, 
/**
 * 12 bytes.
 */
iv: string, 
/**
 * The padded text (256, 1024, 4096 or 16384 bytes) and the 16-byte tag.
 */
ciphertext: string, };

export type SendMessage = { 
/**
 * The message, sealed on the sender's device.
 */
sealed: Sealed, 
/**
 * A random id the client makes once per message and sends again with every retry of
 * it: a retry after a lost answer is then stored once and answered with the stored
 * message (status 200 instead of 201).
 */
client_id?: string, };

export type Message = { id: string, conversation_id: string, from: Sender, sealed: Sealed, sent_at: number, 
/**
 * The message's number within its conversation (1, 2, …), in the order the server
 * stored them: the order both sides show.
 */
seq: number, };

export type MessageList = { messages: Array<Message>, };

export type Login = { name: string, password: string, };

export type LoggedIn = { 
/**
 * Bearer token for the API and the WebSocket.
 */
token: string, expires_at: number, me: Me, 
/**
 * The password is a one-time password: set a new one (`PUT /api/me/password`) first.
 */
must_change_password: boolean, };

export type Me = { id: number, name: string, display_name: string, topics: Array<TopicRef>, availability: Availability, 
/**
 * An operator (Administrator_in): the section "Verwaltung" and `/api/admin`.
 */
operator: boolean, 
/**
 * Logged in with a one-time password: must set a new one before anything else.
 */
must_change_password: boolean, };

export type Availability = { 
/**
 * The switch: what the counselor chose.
 */
switched_on: boolean, 
/**
 * Whether they count as available: switched on, not absent, connected.
 */
available: boolean, 
/**
 * Whether any of their devices holds a live connection.
 */
online: boolean, absent: boolean, absence_message: string | null, 
/**
 * Why the counselor does not count as available (`null` while available).
 */
unavailable_because: UnavailableReason | null, 
/**
 * The topics where this counselor is the only available one (empty unless available),
 * with the askers waiting there: switching off closes those waiting rooms. Sent again
 * (`availability_changed` without a reason) whenever it changes.
 */
last_for: Array<LastCover>, 
/**
 * The counselor's seats in each of their topics with a seat limit (a topic not listed
 * has no limit). Sent again when a chat of theirs starts or ends.
 */
seats: Array<TopicSeats>, };

export type UnavailableReason = "switched_off" | "absent" | "no_connection";

export type LastCover = { topic_id: number, topic_name: string, waiting: number, };

export type TopicSeats = { topic_id: number, limit: number, free: number, };

export type SwitchAvailability = { on: boolean, };

export type OfflineReason = "window_closed" | "app_quit" | "screen_locked" | "system_sleep";

export type GoOffline = { reason: OfflineReason, };

export type SwitchReason = "toggle" | "logout" | "session_expired" | "absence" | "window_closed" | "app_quit" | "screen_locked" | "system_sleep" | "connection_lost" | "operator" | "shift_ended";

export type Weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

export type ShiftSlot = { day: Weekday, 
/**
 * Local start, `HH:MM`.
 */
start: string, 
/**
 * Local end, `HH:MM` (`24:00` at midnight; earlier than `start` across midnight).
 */
end: string, covered: boolean, };

export type TopicShifts = { topic_id: number, topic_name: string, slots: Array<ShiftSlot>, hours_note: string | null, };

export type MyShifts = { topics: Array<TopicShifts>, 
/**
 * Switched off automatically when a shift ends (else reminded to switch off).
 */
auto_switch_off: boolean, };

export type SlotRef = { day: Weekday, 
/**
 * `HH:MM`.
 */
start: string, };

export type SetTopicShifts = { topic_id: number, slots: Array<SlotRef>, };

export type SetMyShifts = { topics: Array<SetTopicShifts>, auto_switch_off: boolean, };

export type PlanEntry = { day: Weekday, 
/**
 * The local date, `YYYY-MM-DD`.
 */
date: string, 
/**
 * Local start and end, `HH:MM`.
 */
start: string, end: string, starts_at: number, ends_at: number, 
/**
 * Display names of the counselors who cover it; empty: a gap.
 */
counselors: Array<string>, 
/**
 * Extra hours of a dated exception (nobody covers those).
 */
extra_hours: boolean, };

export type WeekPlan = { topic_id: number, topic_name: string, 
/**
 * The Monday, `YYYY-MM-DD`.
 */
monday: string, entries: Array<PlanEntry>, 
/**
 * How many entries nobody covers.
 */
gaps: number, };

export type ShiftNotice = "started" | "ended" | "switched_off";

export type SetAbsence = { absent: boolean, message: string | null, };

export type LiveChatRequest = { id: string, topic_id: number, topic_name: string, pseudonym: string, entered_at: number, asker_online: boolean, 
/**
 * The asker's public key for this chat: wrap the content key for it when accepting.
 */
asker_key: string, };

export type LiveChatRequestList = { requests: Array<LiveChatRequest>, 
/**
 * How many requests wait in all (this page may hold fewer).
 */
total: number, };

export type Device = { id: string, name: string, public_key: string, added_at: number, };

export type DeviceList = { devices: Array<Device>, };

export type AddDevice = { 
/**
 * How the counselor recognises it ("Firefox auf Linux", "Desktop-App").
 */
name: string, public_key: string, };

export type DeviceKey = { device: string, 
/**
 * 125 bytes, base64url: the one-time public key, the iv and the sealed key.
 */
wrapped: string, };

export type KeyGrant = { asker: string, devices: Array<DeviceKey>, };

export type AcceptRequest = { keys: KeyGrant, };

export type NewKey = { 
/**
 * The new key's number: the chat's newest plus 1.
 */
key: number, asker: string, devices: Array<DeviceKey>, };

export type KeyReader = { device: string, public_key: string, };

export type ChatKey = { key: number, 
/**
 * Wrapped for the one asking (the asker, or the device named in the query); `null`
 * when it was not wrapped for that device.
 */
wrapped: string | null, 
/**
 * The counselor's devices it is wrapped for.
 */
readers: Array<KeyReader>, };

export type ChatKeys = { conversation_id: string, asker_key: string, 
/**
 * Oldest first; empty until a counselor accepted.
 */
keys: Array<ChatKey>, };

export type Conversation = { id: string, topic_id: number, topic_name: string, pseudonym: string, started_at: number, ended_at: number | null, ended_by: Sender | null, asker_online: boolean, message_count: number, last_message_at: number | null, };

export type ConversationList = { conversations: Array<Conversation>, };

export type TopicCoverage = { topic_id: number, topic_name: string, available_counselors: number, waiting: number, 
/**
 * Free seats among the available counselors (`null`: someone has no seat limit).
 */
free_seats: number | null, };

export type CoverageList = { topics: Array<TopicCoverage>, };

export type Statistics = { 
/**
 * First day, `YYYY-MM-DD`.
 */
from: string, 
/**
 * Last day, `YYYY-MM-DD`.
 */
to: string, accepted_chats: number, messages_sent: number, available_seconds: number, conversations_ended: number, };

export type Health = { status: string, version: string, };

export type ClientMessage = { "type": "auth", token: string, } | { "type": "ping" };

export type SessionEndReason = "logged_out" | "expired" | "deactivated";

export type AdminTopic = { id: number, slug: string, name: string, live_chat: boolean, chat_hours: string | null, 
/**
 * Requests waiting and chats running now: while any, the topic cannot be deleted.
 */
open_chats: number, 
/**
 * The chat hours in their text syntax, one group per line (weekly slots, then dated
 * exceptions): what `hours.text` of a change takes. Empty: none.
 */
hours_text: string, 
/**
 * The note on the chat hours ("An Feiertagen geschlossen"); empty: none.
 */
hours_note: string, 
/**
 * The organisation's time zone the hours are in.
 */
time_zone: string, 
/**
 * The most running chats per counselor in this topic (`null`: unlimited).
 */
seats: number | null, 
/**
 * The websites that may embed the topic's chat button.
 */
embed_origins: Array<string>, };

export type AdminTopicList = { topics: Array<AdminTopic>, };

export type CreateTopic = { 
/**
 * Lowercase a–z, digits and hyphens, 2–64 characters.
 */
slug: string, 
/**
 * 1–100 characters after trimming.
 */
name: string, live_chat: boolean, chat_hours: string | null, };

export type ChangeTopic = { name: string | null, live_chat: boolean | null, 
/**
 * Replace the chat hours (an empty text and note: none).
 */
hours: SetHours | null, 
/**
 * The most running chats per counselor in this topic.
 */
seats: SeatLimit | null, 
/**
 * Replace the websites that may embed the chat button (`https://beispiel.de`).
 */
embed_origins: Array<string> | null, };

export type SetHours = { text: string, note: string, };

export type SeatLimit = { limit: number | null, };

export type AdminCounselor = { id: number, login: string, display_name: string, 
/**
 * Slugs of their topics.
 */
topics: Array<string>, operator: boolean, deactivated: boolean, must_change_password: boolean, 
/**
 * Whether they count as available now.
 */
available: boolean, 
/**
 * The most running chats of this counselor (`null`: unlimited; a topic's limit may be
 * smaller).
 */
seats: number | null, };

export type AdminCounselorList = { counselors: Array<AdminCounselor>, };

export type CreateCounselor = { 
/**
 * 1–64 characters, no spaces.
 */
login: string, 
/**
 * 1–100 characters after trimming.
 */
display_name: string, 
/**
 * Slugs of their topics.
 */
topics: Array<string>, operator: boolean, };

export type OneTimePassword = { counselor: AdminCounselor, one_time_password: string, };

export type ChangeCounselor = { topics: Array<string> | null, operator: boolean | null, 
/**
 * The most running chats of this counselor.
 */
seats: SeatLimit | null, };

export type SwitchOff = { 
/**
 * 1–300 characters after trimming.
 */
reason: string, };

export type ChangePassword = { current_password: string, 
/**
 * 8–256 characters.
 */
new_password: string, };

export type AuditEntry = { id: number, at: number, 
/**
 * The operator's login, or `cli` for the command line.
 */
actor: string, action: string, target: string, before: unknown, after: unknown, };

export type AuditPage = { 
/**
 * Newest first.
 */
entries: Array<AuditEntry>, 
/**
 * Pass as `before` for the next (older) page; `null` on the last page.
 */
next_before: number | null, };

export type TopicOverview = { topic_id: number, topic_name: string, live_chat: boolean, gate_open: boolean, 
/**
 * Display names of the counselors available now.
 */
available_counselors: Array<string>, 
/**
 * Free seats, where the topic limits concurrent chats (no limit: `null`).
 */
free_seats: number | null, waiting: number, 
/**
 * When the oldest waiting asker entered (`null` if nobody waits).
 */
oldest_waiting_since: number | null, running_chats: number, };

export type Overview = { topics: Array<TopicOverview>, };

export type ServerEvent = { "type": "ready" } | { "type": "pong" } | { "type": "gate_changed", topic_id: number, open: boolean, } | { "type": "availability_changed", availability: Availability, reason: SwitchReason | null, } | { "type": "request_created", request: LiveChatRequest, notify: boolean, } | { "type": "request_withdrawn", request_id: string, topic_id: number, reason: RequestEndReason, } | { "type": "request_taken", request_id: string, topic_id: number, by_you: boolean, } | { "type": "coverage_changed", coverage: TopicCoverage, } | { "type": "conversation_started", conversation: Conversation, } | { "type": "asker_presence_changed", conversation_id: string, online: boolean, } | { "type": "requests_changed" } | { "type": "session_ended", reason: SessionEndReason, } | { "type": "shift_reminder", notice: ShiftNotice, topic_id: number, topic_name: string, starts_at: number, ends_at: number, } | { "type": "switched_off_by_operator", reason: string, } | { "type": "devices_changed" } | { "type": "overview_changed", overview: Overview, } | { "type": "queue_position", position: number, estimate: WaitEstimate | null, } | { "type": "waiting_room_closing", grace_until: number | null, } | { "type": "waiting_room_reopened" } | { "type": "request_ended", reason: RequestEndReason, next_chat_hours: string | null, } | { "type": "chat_accepted", counselor_name: string, } | { "type": "counselor_presence_changed", online: boolean, } | { "type": "message_posted", message: Message, } | { "type": "conversation_ended", conversation_id: string, by: Sender, };
