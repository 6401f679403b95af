//! The store on SQL: SQLite (embedded, one server instance) and PostgreSQL (any number of
//! instances), one implementation. Both run the same statements through sqlx's `Any` driver:
//! `$n` parameters, `CASE` instead of `MIN`/`LEAST`, flags as integers 0/1, ids of chats and
//! messages as text. What differs is said where it differs: how a command transaction takes
//! the one write lock, how a batch of messages begins and locks its chats (and in how many
//! statements it writes), notifications, and SQLite's file hygiene after a purge.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`, so an acknowledged write survives a crash
//! of the process and of the machine, and with `secure_delete=on`, so deleted rows are zeroed.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use pforte_domain::{CounselorId, InstanceId, RequestId, Timestamp, TopicId};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use uuid::Uuid;

use super::changes::Change;
use super::*;

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The lock every command transaction takes on PostgreSQL: the one order of the log.
const LOG_LOCK: i64 = 0x5046_4f52_5445; // "PFORTE"

/// Which database is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// For PostgreSQL: the URL, for the notification listener's own connection.
    url: String,
}

fn flag(on: bool) -> i64 {
    i64::from(on)
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("invalid stored {what}").into()))
}

fn uuid_of(text: &str, what: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| corrupt(what))
}

fn get_flag(row: &AnyRow, column: &str) -> bool {
    row.get::<i64, _>(column) != 0
}

const COUNSELOR_COLUMNS: &str = "id, name, display_name, switched_on, absent, absence_message, \
     seats, shifts, shift_auto_off, operator, must_change_password, deactivated";

/// A counselor row without their topics.
fn counselor_from_row(row: &AnyRow) -> CounselorRecord {
    CounselorRecord {
        id: CounselorId(row.get("id")),
        name: row.get("name"),
        display_name: row.get("display_name"),
        topics: Vec::new(),
        switched_on: get_flag(row, "switched_on"),
        absent: get_flag(row, "absent"),
        absence_message: row.get("absence_message"),
        seats: stored_seats(row.get("seats")),
        shifts: stored_shifts(&row.get::<String, _>("shifts")),
        auto_switch_off: get_flag(row, "shift_auto_off"),
        operator: get_flag(row, "operator"),
        must_change_password: get_flag(row, "must_change_password"),
        deactivated: get_flag(row, "deactivated"),
    }
}

fn topic_from_row(row: &AnyRow) -> TopicRecord {
    TopicRecord {
        id: TopicId(row.get("id")),
        slug: row.get("slug"),
        name: row.get("name"),
        live_chat: get_flag(row, "live_chat"),
        chat_hours: row.get("chat_hours"),
        embed_origins: Vec::new(),
        schedule: row
            .get::<Option<String>, _>("schedule")
            .and_then(|json| stored_schedule(&json)),
        seats: stored_seats(row.get("seats")),
    }
}

/// A stored schedule, checked again; one that no longer reads is ignored (logged).
fn stored_schedule(json: &str) -> Option<pforte_domain::Schedule> {
    serde_json::from_str(json)
        .inspect_err(|error| tracing::warn!(%error, "ignoring invalid stored chat hours"))
        .ok()
}

fn stored_seats(seats: Option<i64>) -> Option<u32> {
    seats.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0)
}

/// Covered slots of one topic as stored in `counselors.shifts`.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredShifts {
    topic_id: i64,
    slots: pforte_domain::shifts::CoveredSlots,
}

type ShiftMap = std::collections::BTreeMap<TopicId, pforte_domain::shifts::CoveredSlots>;

fn shifts_json(covered: &ShiftMap) -> String {
    let list: Vec<StoredShifts> = covered
        .iter()
        .map(|(topic, slots)| StoredShifts {
            topic_id: topic.0,
            slots: slots.clone(),
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
}

fn stored_shifts(json: &str) -> ShiftMap {
    serde_json::from_str::<Vec<StoredShifts>>(json)
        .inspect_err(|error| tracing::warn!(%error, "ignoring invalid stored covered slots"))
        .unwrap_or_default()
        .into_iter()
        .map(|s| (TopicId(s.topic_id), s.slots))
        .collect()
}

/// A stored embed origin, checked again: a value put into the database by other means never
/// reaches a header.
fn stored_origin(text: &str) -> Option<EmbedOrigin> {
    EmbedOrigin::parse(text)
        .inspect_err(|error| tracing::warn!(%error, "ignoring an invalid stored embed origin"))
        .ok()
}

const TOPIC_COLUMNS: &str = "id, slug, name, live_chat, chat_hours, schedule, seats";

const CHAT_COLUMNS: &str = "c.id, c.topic_id, c.pseudonym, c.state, c.entered_at, c.end_reason, \
     c.counselor_id, c.accepted_at, c.ended_at, c.ended_by, c.message_count, c.last_message_at, \
     c.asker_key";

fn chat_from_row(row: &AnyRow) -> StoreResult<ChatRecord> {
    let id: String = row.get("id");
    let state: String = row.get("state");
    let end_reason: Option<String> = row.get("end_reason");
    let ended_by: Option<String> = row.get("ended_by");
    let message_count: i64 = row.get("message_count");
    Ok(ChatRecord {
        id: RequestId(uuid_of(&id, "chat id")?),
        topic: TopicId(row.get("topic_id")),
        pseudonym: row.get("pseudonym"),
        state: ChatState::parse(&state).ok_or_else(|| corrupt("chat state"))?,
        entered_at: Timestamp::from_millis(row.get("entered_at")),
        end_reason: end_reason.as_deref().and_then(parse_end_reason),
        counselor: row.get::<Option<i64>, _>("counselor_id").map(CounselorId),
        accepted_at: row
            .get::<Option<i64>, _>("accepted_at")
            .map(Timestamp::from_millis),
        ended_at: row
            .get::<Option<i64>, _>("ended_at")
            .map(Timestamp::from_millis),
        ended_by: ended_by.as_deref().and_then(parse_sender),
        message_count: u64::try_from(message_count).unwrap_or(0),
        last_message_at: row
            .get::<Option<i64>, _>("last_message_at")
            .map(Timestamp::from_millis),
        asker_key: row.get("asker_key"),
    })
}

const DEVICE_COLUMNS: &str = "id, counselor_id, name, public_key, added_at, session_id";

fn device_from_row(row: &AnyRow) -> StoreResult<DeviceRecord> {
    let id: String = row.get("id");
    Ok(DeviceRecord {
        id: uuid_of(&id, "device id")?,
        counselor: CounselorId(row.get("counselor_id")),
        name: row.get("name"),
        public_key: row.get("public_key"),
        added_at: Timestamp::from_millis(row.get("added_at")),
        session: row.get("session_id"),
    })
}

fn reader_str(reader: &Reader) -> String {
    match reader {
        Reader::Asker => "asker".to_owned(),
        Reader::Device(id) => id.to_string(),
    }
}

const MESSAGE_COLUMNS: &str = "id, client_id, chat_id, chat_seq, seq, sender, body, sent_at";

fn message_from_row(row: &AnyRow) -> StoreResult<MessageRecord> {
    let id: String = row.get("id");
    let chat: String = row.get("chat_id");
    let sender: String = row.get("sender");
    let client_id: Option<String> = row.get("client_id");
    let chat_seq: Option<i64> = row.get("chat_seq");
    Ok(MessageRecord {
        id: uuid_of(&id, "message id")?,
        client_id: client_id.map(|c| uuid_of(&c, "client id")).transpose()?,
        chat: RequestId(uuid_of(&chat, "chat id")?),
        from: parse_sender(&sender).ok_or_else(|| corrupt("sender"))?,
        body: row.get("body"),
        sent_at: Timestamp::from_millis(row.get("sent_at")),
        seq: u64::try_from(chat_seq.unwrap_or_else(|| row.get("seq"))).unwrap_or(0),
    })
}

fn session_from_row(row: &AnyRow) -> SessionRecord {
    SessionRecord {
        id: row.get("id"),
        counselor: CounselorId(row.get("counselor_id")),
        expires_at: Timestamp::from_millis(row.get("expires_at")),
    }
}

fn entry_from_row(row: &AnyRow) -> StoreResult<LogEntry> {
    let text: String = row.get("entry");
    let instance: i64 = row.get("instance");
    Ok(LogEntry {
        seq: u64::try_from(row.get::<i64, _>("seq")).unwrap_or(0),
        at: Timestamp::from_millis(row.get("at")),
        instance: InstanceId(u32::try_from(instance).unwrap_or(0)),
        entry: serde_json::from_str(&text).map_err(|_| corrupt("log entry"))?,
    })
}

fn instance_id(id: i64) -> StoreResult<InstanceId> {
    u32::try_from(id)
        .map(InstanceId)
        .map_err(|_| corrupt("instance id"))
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Store one reader's copy of a chat's content key; a copy that reader has already stays.
fn insert_key_copy(
    chat: RequestId,
    counselor: CounselorId,
    key: &KeyRecord,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(
        "INSERT INTO chat_keys (chat_id, counselor_id, key_no, reader, reader_key, wrapped) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (chat_id, counselor_id, key_no, reader) DO NOTHING",
    )
    .bind(chat.0.to_string())
    .bind(counselor.0)
    .bind(i64::from(key.key))
    .bind(reader_str(&key.reader))
    .bind(key.reader_key.clone())
    .bind(key.wrapped.clone())
}

/// `$from, $from+1, …`: `count` parameters.
fn params(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `count` rows of `width` parameters each from `$from` on, `($1, $2), ($3, $4)`; the `i`-th
/// cell of a row is what `column(i, parameter)` makes of its parameter.
fn rows_of(
    from: usize,
    count: usize,
    width: usize,
    column: impl Fn(usize, String) -> String,
) -> String {
    (0..count)
        .map(|row| {
            let cells = (0..width)
                .map(|i| column(i, format!("${}", from + row * width + i)))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({cells})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Store the new messages of a batch within `tx`, which holds their chats: one multi-row
/// `INSERT` of the messages, one `UPDATE` of their chats' counts and one `INSERT` of the
/// counselors' activity. On PostgreSQL the three are one statement (data-modifying `WITH`),
/// so the whole batch is one round trip before the commit; SQLite has no data-modifying
/// `WITH` and runs them one after the other (in process, no round trips).
async fn write_messages(
    connection: &mut sqlx::AnyConnection,
    postgres: bool,
    new: &[(&NewMessage, i64)],
) -> StoreResult<()> {
    // Each chat's count and last message time after the batch (the last one counts).
    let mut chats: Vec<(RequestId, i64, i64)> = Vec::new();
    for (item, number) in new {
        let at = item.message.sent_at.as_millis();
        match chats
            .iter_mut()
            .find(|(chat, _, _)| *chat == item.message.chat)
        {
            Some(chat) => (chat.1, chat.2) = (*number, at),
            None => chats.push((item.message.chat, *number, at)),
        }
    }
    let activity: Vec<(CounselorId, i64)> = new
        .iter()
        .filter_map(|(item, _)| {
            item.counselor
                .map(|c| (c, item.message.sent_at.as_millis()))
        })
        .collect();

    // On PostgreSQL the statements become one, so their parameters are numbered through;
    // on SQLite each statement's start at `$1`.
    let first = |before: usize| if postgres { before + 1 } else { 1 };
    let insert = format!(
        "INSERT INTO messages (id, client_id, chat_id, chat_seq, sender, body, sent_at) VALUES {}",
        rows_of(first(0), new.len(), 7, |_, p| p)
    );
    let update = format!(
        "UPDATE chats SET message_count = v.column2, last_message_at = v.column3 \
         FROM (VALUES {}) AS v WHERE chats.id = v.column1",
        rows_of(first(new.len() * 7), chats.len(), 3, |_, p| p)
    );
    let count = format!(
        "INSERT INTO counselor_activity (counselor_id, kind, at) VALUES {}",
        rows_of(
            first(new.len() * 7 + chats.len() * 3),
            activity.len(),
            2,
            |i, p| if i == 0 { format!("{p}, 'message'") } else { p }
        )
    );

    // Each statement with the number of its parameters.
    let mut statements = vec![(insert, new.len() * 7), (update, chats.len() * 3)];
    if !activity.is_empty() {
        statements.push((count, activity.len() * 2));
    }
    let statements = if postgres {
        // Every part of a `WITH` runs once and to its end, read or not.
        let wanted = statements.iter().map(|(_, n)| n).sum();
        let (last, _) = statements.pop().unwrap_or_default();
        let parts = statements
            .iter()
            .enumerate()
            .map(|(i, (s, _))| format!("w{i} AS ({s})"))
            .collect::<Vec<_>>()
            .join(", ");
        vec![(format!("WITH {parts} {last}"), wanted)]
    } else {
        statements
    };

    // The values in the order of their parameters, spread over the statements.
    let mut values: Vec<Value> =
        Vec::with_capacity(new.len() * 7 + chats.len() * 3 + activity.len() * 2);
    for (item, number) in new {
        let m = &item.message;
        values.push(Value::Text(Some(m.id.to_string())));
        values.push(Value::Text(m.client_id.map(|c| c.to_string())));
        values.push(Value::Text(Some(m.chat.0.to_string())));
        values.push(Value::Int(*number));
        values.push(Value::Text(Some(sender_str(m.from).to_owned())));
        values.push(Value::Text(Some(m.body.clone())));
        values.push(Value::Int(m.sent_at.as_millis()));
    }
    for (chat, number, at) in &chats {
        values.push(Value::Text(Some(chat.0.to_string())));
        values.push(Value::Int(*number));
        values.push(Value::Int(*at));
    }
    for (counselor, at) in &activity {
        values.push(Value::Int(counselor.0));
        values.push(Value::Int(*at));
    }
    let mut values = values.into_iter();
    for (sql, wanted) in &statements {
        let mut query = sqlx::query(sql);
        for value in values.by_ref().take(*wanted) {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(int) => query.bind(int),
            };
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// The batch within the transaction that holds its running chats (`running`: their ids and
/// counts): the retries looked up, each message's fate decided, the new ones written.
async fn store_batch(
    connection: &mut sqlx::AnyConnection,
    postgres: bool,
    batch: &[NewMessage],
    chats: &[String],
    running: &[AnyRow],
) -> StoreResult<Vec<StoreResult<Added>>> {
    let mut counts = HashMap::new();
    for row in running {
        let id: String = row.get("id");
        let count: i64 = row.get("message_count");
        counts.insert(RequestId(uuid_of(&id, "chat id")?), count);
    }
    // Retries: what the batch's chats hold already under the batch's client ids (read
    // after the lock, so a retry committed elsewhere meanwhile is seen).
    let mut client_ids: Vec<String> = batch
        .iter()
        .filter_map(|m| m.message.client_id.map(|c| c.to_string()))
        .collect();
    client_ids.sort_unstable();
    client_ids.dedup();
    let mut stored: HashMap<(RequestId, Uuid), MessageRecord> = HashMap::new();
    if !client_ids.is_empty() {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id IN ({}) AND client_id IN ({})",
            params(1, chats.len()),
            params(chats.len() + 1, client_ids.len())
        );
        let mut query = sqlx::query(&sql);
        for value in chats.iter().chain(&client_ids) {
            query = query.bind(value.clone());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let message = message_from_row(&row)?;
            if let Some(client_id) = message.client_id {
                stored.insert((message.chat, client_id), message);
            }
        }
    }
    // Each message's fate, in the batch's order: a retry gets what was stored before
    // (also a second copy within this batch), a message of a chat that does not run is
    // refused alone, every other one gets its chat's next number.
    let mut results = Vec::with_capacity(batch.len());
    let mut new: Vec<(&NewMessage, i64)> = Vec::new();
    for item in batch {
        let message = &item.message;
        let key = message.client_id.map(|c| (message.chat, c));
        if let Some(before) = key.and_then(|key| stored.get(&key)) {
            results.push(Ok(Added::Before(before.clone())));
            continue;
        }
        let Some(count) = counts.get_mut(&message.chat) else {
            results.push(Err(StoreError::ConversationEnded));
            continue;
        };
        *count += 1;
        let number = *count;
        let seq = u64::try_from(number).unwrap_or(0);
        if let Some(key) = key {
            stored.insert(
                key,
                MessageRecord {
                    seq,
                    ..message.clone()
                },
            );
        }
        new.push((item, number));
        results.push(Ok(Added::Now { seq }));
    }
    if !new.is_empty() {
        write_messages(connection, postgres, &new).await?;
    }
    Ok(results)
}

/// A transaction begun by hand on a pooled PostgreSQL connection. Dropped before its
/// `COMMIT` went through (an error, or the task ended), the connection is closed instead of
/// going back to the pool: the server rolls the transaction back.
struct Begun {
    connection: sqlx::pool::PoolConnection<sqlx::Any>,
    committed: bool,
}

impl Drop for Begun {
    fn drop(&mut self) {
        if !self.committed {
            self.connection.close_on_drop();
        }
    }
}

/// A parameter of a statement built at run time.
enum Value {
    Text(Option<String>),
    Int(i64),
}

/// The next entry of the log (a macro, so that both statements below are built from it).
macro_rules! append_sql {
    () => {
        "INSERT INTO desk_log (seq, at, instance, entry) \
         SELECT COALESCE(MAX(seq), 0) + 1, $1, $2, $3 FROM desk_log RETURNING seq"
    };
}

const APPEND: &str = append_sql!();

/// [`APPEND`] and, in the same statement, its notice, sent at commit in commit order: the
/// entry itself when it fits (payloads end at 8000 bytes; up to 7900 for the entry, the rest
/// for its number, time and instance), so the other instances need not read it; else its
/// number, and they fetch what follows their position.
const APPEND_AND_NOTIFY: &str = concat!(
    "WITH appended AS (",
    append_sql!(),
    ") SELECT seq, CAST(pg_notify('pforte_log', CASE WHEN octet_length($3) <= 7900 \
       THEN seq || ' ' || $1 || ' ' || $2 || ' ' || $3 ELSE CAST(seq AS TEXT) END) AS TEXT) \
     FROM appended"
);

/// Append an entry to the log within `tx` (which holds the write lock): the next number.
async fn append_entry(
    tx: &mut Tx,
    backend: Backend,
    at: Timestamp,
    instance: InstanceId,
    entry: &Entry,
) -> StoreResult<u64> {
    let text = serde_json::to_string(entry).map_err(|e| StoreError::Failed(e.to_string()))?;
    let seq: i64 = sqlx::query_scalar(if backend == Backend::Postgres {
        APPEND_AND_NOTIFY
    } else {
        APPEND
    })
    .bind(at.as_millis())
    .bind(i64::from(instance.0))
    .bind(text)
    .fetch_one(&mut **tx)
    .await?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

async fn entries_after(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    seq: u64,
) -> StoreResult<Vec<LogEntry>> {
    let rows =
        sqlx::query("SELECT seq, at, instance, entry FROM desk_log WHERE seq > $1 ORDER BY seq")
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .fetch_all(executor)
            .await?;
    rows.iter().map(entry_from_row).collect()
}

async fn chat_in(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: RequestId,
) -> StoreResult<Option<ChatRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.id = $1"
    ))
    .bind(id.0.to_string())
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(chat_from_row).transpose()
}

async fn devices_in(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    counselor: CounselorId,
) -> StoreResult<Vec<DeviceRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE counselor_id = $1 ORDER BY added_at, id"
    ))
    .bind(counselor.0)
    .fetch_all(executor)
    .await?;
    rows.iter().map(device_from_row).collect()
}

/// Execute the row changes of one decision within `tx`.
async fn execute(tx: &mut Tx, changes: &[Change]) -> StoreResult<()> {
    for change in changes {
        let query = match change {
            Change::TopicDeleted { topic } => {
                // Nothing runs in it (the desk refused otherwise): only ended chats are left,
                // which go with it (their messages with them).
                sqlx::query("DELETE FROM chats WHERE topic_id = $1")
                    .bind(topic.0)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("DELETE FROM topics WHERE id = $1").bind(topic.0)
            }
            Change::KeyCopies {
                chat,
                counselor,
                keys,
            } => {
                for key in keys {
                    insert_key_copy(*chat, *counselor, key)
                        .execute(&mut **tx)
                        .await?;
                }
                continue;
            }
            Change::SwitchedOn { counselor, on } => {
                sqlx::query("UPDATE counselors SET switched_on = $1 WHERE id = $2")
                    .bind(flag(*on))
                    .bind(counselor.0)
            }
            Change::Absent { counselor, absent } => {
                sqlx::query("UPDATE counselors SET absent = $1 WHERE id = $2")
                    .bind(flag(*absent))
                    .bind(counselor.0)
            }
            Change::AvailabilityStarted { counselor, at } => sqlx::query(
                "INSERT INTO availability_periods (counselor_id, started_at) VALUES ($1, $2)",
            )
            .bind(counselor.0)
            .bind(at.as_millis()),
            Change::AvailabilityEnded { counselor, at } => sqlx::query(
                "UPDATE availability_periods SET ended_at = $1 \
                 WHERE counselor_id = $2 AND ended_at IS NULL",
            )
            .bind(at.as_millis())
            .bind(counselor.0),
            Change::ChatOpened {
                request,
                topic,
                token_hash,
                pseudonym,
                asker_key,
                entered_at,
            } => sqlx::query(
                "INSERT INTO chats (id, topic_id, token_hash, pseudonym, state, entered_at, asker_key) \
                 VALUES ($1, $2, $3, $4, 'waiting', $5, $6)",
            )
            .bind(request.0.to_string())
            .bind(topic.0)
            .bind(token_hash.clone())
            .bind(pseudonym.clone())
            .bind(entered_at.as_millis())
            .bind(asker_key.clone()),
            Change::RequestEnded {
                request,
                reason,
                at,
            } => sqlx::query(
                "UPDATE chats SET state = 'request_ended', end_reason = $1, ended_at = $2 \
                 WHERE id = $3 AND state = 'waiting'",
            )
            .bind(end_reason_str(*reason))
            .bind(at.as_millis())
            .bind(request.0.to_string()),
            Change::RequestAccepted {
                request,
                counselor,
                at,
            } => sqlx::query(
                "UPDATE chats SET state = 'chatting', counselor_id = $1, accepted_at = $2 \
                 WHERE id = $3 AND state = 'waiting'",
            )
            .bind(counselor.0)
            .bind(at.as_millis())
            .bind(request.0.to_string()),
            Change::ConversationEnded {
                conversation,
                by,
                at,
            } => sqlx::query(
                "UPDATE chats SET state = 'chat_ended', ended_at = $1, ended_by = $2 \
                 WHERE id = $3 AND state = 'chatting'",
            )
            .bind(at.as_millis())
            .bind(sender_str(*by))
            .bind(conversation.0.to_string()),
            Change::Counted {
                counselor,
                activity,
                at,
            } => sqlx::query(
                "INSERT INTO counselor_activity (counselor_id, kind, at) VALUES ($1, $2, $3)",
            )
            .bind(counselor.0)
            .bind(activity.as_str())
            .bind(at.as_millis()),
            Change::Shifts {
                counselor,
                covered,
                auto_switch_off,
            } => {
                sqlx::query("UPDATE counselors SET shifts = $1, shift_auto_off = $2 WHERE id = $3")
                    .bind(shifts_json(covered))
                    .bind(flag(*auto_switch_off))
                    .bind(counselor.0)
            }
        };
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A command in progress: the write lock is held, the log is read up to its end.
struct SqlCommand {
    tx: Tx,
    backend: Backend,
    instance: InstanceId,
}

#[async_trait]
impl CommandTx for SqlCommand {
    async fn entries_after(&mut self, seq: u64) -> StoreResult<Vec<LogEntry>> {
        entries_after(&mut *self.tx, seq).await
    }

    async fn append(
        &mut self,
        at: Timestamp,
        entry: &Entry,
        changes: &[Change],
    ) -> StoreResult<u64> {
        execute(&mut self.tx, changes).await?;
        append_entry(&mut self.tx, self.backend, at, self.instance, entry).await
    }

    async fn audit(&mut self, draft: &AuditDraft) -> StoreResult<()> {
        write_audit(&mut self.tx, Some(draft)).await
    }

    async fn chat(&mut self, id: RequestId) -> StoreResult<Option<ChatRecord>> {
        chat_in(&mut *self.tx, id).await
    }

    async fn devices(&mut self, counselor: CounselorId) -> StoreResult<Vec<DeviceRecord>> {
        devices_in(&mut *self.tx, counselor).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Record an operator action inside the transaction of its change.
async fn write_audit(tx: &mut Tx, audit: Option<&AuditDraft>) -> StoreResult<()> {
    let Some(draft) = audit else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(draft.at.as_millis())
    .bind(draft.actor.id().map(|c| c.0))
    .bind(draft.actor.name().to_owned())
    .bind(draft.action.to_owned())
    .bind(draft.target.clone())
    .bind(draft.before.as_ref().map(|v| v.to_string()))
    .bind(draft.after.as_ref().map(|v| v.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl SqlStore {
    /// Open the database at `url` (`sqlite://path`, `postgres://…`), creating a SQLite file
    /// if needed, and run the embedded migrations (safe when several instances start at
    /// once: PostgreSQL's migrations take a lock).
    pub async fn open(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Failed(
                "the database URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let pool = match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                };
                AnyPoolOptions::new()
                    .max_connections(4)
                    // In process: a connection cannot have been lost, and a ping is a hand-off
                    // to the connection's thread and back for every statement.
                    .test_before_acquire(false)
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 5000",
                                // Deleted content is overwritten with zeros, not left in free
                                // pages: "deleted" must mean gone from the file (rule 8).
                                "PRAGMA secure_delete = ON",
                            ] {
                                connection.execute(pragma).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(5))
                    // A connection is pinged before use only when it sat idle for a second:
                    // one that answered a moment ago is alive, and a ping on every acquire
                    // is one more round trip to the server for every statement.
                    .test_before_acquire(false)
                    .before_acquire(|connection, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= Duration::from_secs(1) {
                                sqlx::Connection::ping(connection).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => SQLITE.run(&pool).await?,
            Backend::Postgres => POSTGRES.run(&pool).await?,
        }
        Ok(Self {
            pool,
            backend,
            url: url.to_owned(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that writes after reading, outside the log: on SQLite it holds the write
    /// lock from the start (a read lock upgraded later fails with "database is locked" when
    /// another writer came first).
    async fn writing(&self) -> StoreResult<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// A transaction holding the one write lock of the log.
    async fn locked(&self) -> StoreResult<Tx> {
        Ok(match self.backend {
            // IMMEDIATE: the write lock from the start, so two writers never deadlock on
            // upgrading a read lock.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            // The lock in the same round trip as the BEGIN (the simple protocol takes both).
            Backend::Postgres => {
                self.pool
                    .begin_with(format!("BEGIN; SELECT pg_advisory_xact_lock({LOG_LOCK})"))
                    .await?
            }
        })
    }

    /// Apply an operator's change: the rows and, in the same transaction, the log entry that
    /// tells every running instance.
    async fn operator_entry(&self, tx: &mut Tx, entry: Entry) -> StoreResult<()> {
        append_entry(
            tx,
            self.backend,
            crate::reception::now(),
            InstanceId(0),
            &entry,
        )
        .await?;
        Ok(())
    }

    /// Set one column of a topic (by slug) inside `tx`; the topic as it is then.
    async fn update_topic<T>(
        tx: &mut Tx,
        slug: &str,
        column: &'static str,
        value: T,
    ) -> StoreResult<TopicRecord>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
    {
        let row = sqlx::query(&format!(
            "UPDATE topics SET {column} = $1 WHERE slug = $2 RETURNING {TOPIC_COLUMNS}"
        ))
        .bind(value)
        .bind(slug.to_owned())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "topic" })?;
        let mut topic = topic_from_row(&row);
        topic.embed_origins = Self::origins_of(&mut **tx, topic.id).await?;
        Ok(topic)
    }

    /// The embed origins of one topic.
    async fn origins_of(
        executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
        topic: TopicId,
    ) -> StoreResult<Vec<EmbedOrigin>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT origin FROM topic_embed_origins WHERE topic_id = $1 ORDER BY origin",
        )
        .bind(topic.0)
        .fetch_all(executor)
        .await?;
        Ok(rows.iter().filter_map(|o| stored_origin(o)).collect())
    }

    async fn topics_of_counselors(
        &self,
    ) -> StoreResult<std::collections::HashMap<CounselorId, Vec<TopicId>>> {
        let rows = sqlx::query(
            "SELECT counselor_id, topic_id FROM counselor_topics ORDER BY counselor_id, topic_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut topics: std::collections::HashMap<CounselorId, Vec<TopicId>> = Default::default();
        for row in &rows {
            topics
                .entry(CounselorId(row.get("counselor_id")))
                .or_default()
                .push(TopicId(row.get("topic_id")));
        }
        Ok(topics)
    }

    /// Copy the WAL into the main file and truncate it to zero bytes, so that the page
    /// images of deleted rows that the WAL still holds are gone too. A reader holding an
    /// old snapshot makes the checkpoint report "busy"; then try again shortly.
    async fn truncate_wal(&self) -> StoreResult<()> {
        for attempt in 0..20 {
            let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await?;
            let busy: i64 = row.try_get(0)?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
        }
        tracing::warn!("the WAL could not be truncated after a purge; it will be at the next one");
        Ok(())
    }

    async fn counselor_by_name(tx: &mut Tx, name: &str) -> StoreResult<CounselorRecord> {
        let row = sqlx::query(&format!(
            "SELECT {COUNSELOR_COLUMNS} FROM counselors WHERE name = $1"
        ))
        .bind(name.to_owned())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "counselor" })?;
        let mut record = counselor_from_row(&row);
        record.topics = sqlx::query_scalar(
            "SELECT topic_id FROM counselor_topics WHERE counselor_id = $1 ORDER BY topic_id",
        )
        .bind(record.id.0)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(TopicId)
        .collect();
        Ok(record)
    }

    async fn topic_by_slug(tx: &mut Tx, slug: &str) -> StoreResult<TopicRecord> {
        let row = sqlx::query(&format!(
            "SELECT {TOPIC_COLUMNS} FROM topics WHERE slug = $1"
        ))
        .bind(slug.to_owned())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "topic" })?;
        Ok(topic_from_row(&row))
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    fn single_instance(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    async fn create_topic(
        &self,
        slug: &str,
        name: &str,
        live_chat: bool,
        chat_hours: Option<&str>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord> {
        let mut tx = self.locked().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO topics (slug, name, live_chat, chat_hours) VALUES ($1, $2, $3, $4) \
             RETURNING {TOPIC_COLUMNS}"
        ))
        .bind(slug.to_owned())
        .bind(name.to_owned())
        .bind(flag(live_chat))
        .bind(chat_hours.map(str::to_owned))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate { what: "topic" }
            } else {
                e.into()
            }
        })?;
        let topic = topic_from_row(&row);
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::UpsertTopic {
                topic: topic.id,
                live_chat: topic.live_chat,
            }),
        )
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(topic)
    }

    async fn set_live_chat(
        &self,
        slug: &str,
        live_chat: bool,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord> {
        let mut tx = self.locked().await?;
        let topic = Self::update_topic(&mut tx, slug, "live_chat", flag(live_chat)).await?;
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::UpsertTopic {
                topic: topic.id,
                live_chat,
            }),
        )
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(topic)
    }

    async fn rename_topic(
        &self,
        slug: &str,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord> {
        let mut tx = self.locked().await?;
        let topic = Self::update_topic(&mut tx, slug, "name", name.to_owned()).await?;
        self.operator_entry(&mut tx, Entry::Directory).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(topic)
    }

    async fn set_embed_origins(
        &self,
        slug: &str,
        origins: &[EmbedOrigin],
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord> {
        let mut tx = self.locked().await?;
        let mut topic = Self::topic_by_slug(&mut tx, slug).await?;
        sqlx::query("DELETE FROM topic_embed_origins WHERE topic_id = $1")
            .bind(topic.id.0)
            .execute(&mut *tx)
            .await?;
        for origin in origins {
            sqlx::query(
                "INSERT INTO topic_embed_origins (topic_id, origin) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(topic.id.0)
            .bind(origin.as_str().to_owned())
            .execute(&mut *tx)
            .await?;
        }
        topic.embed_origins = Self::origins_of(&mut *tx, topic.id).await?;
        self.operator_entry(&mut tx, Entry::Directory).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(topic)
    }

    async fn set_schedule(
        &self,
        slug: &str,
        schedule: &pforte_domain::Schedule,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord> {
        let json = (!schedule.is_empty() || !schedule.note().is_empty())
            .then(|| serde_json::to_string(schedule))
            .transpose()
            .map_err(|e| StoreError::Failed(e.to_string()))?;
        let mut tx = self.locked().await?;
        let topic = Self::update_topic(&mut tx, slug, "schedule", json).await?;
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::SetSchedule {
                topic: topic.id,
                schedule: schedule.clone(),
            }),
        )
        .await?;
        // The note and free text are directory data: the others re-read them.
        self.operator_entry(&mut tx, Entry::Directory).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(topic)
    }

    async fn set_topic_seats(
        &self,
        slug: &str,
        seats: Option<u32>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<TopicRecord> {
        let mut tx = self.locked().await?;
        let topic = Self::update_topic(&mut tx, slug, "seats", seats.map(i64::from)).await?;
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::SetSeats {
                of: pforte_domain::SeatsOf::Topic(topic.id),
                seats,
            }),
        )
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(topic)
    }

    async fn set_counselor_seats(
        &self,
        name: &str,
        seats: Option<u32>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord> {
        let mut tx = self.locked().await?;
        let id: i64 =
            sqlx::query_scalar("UPDATE counselors SET seats = $1 WHERE name = $2 RETURNING id")
                .bind(seats.map(i64::from))
                .bind(name.to_owned())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound { what: "counselor" })?;
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::SetSeats {
                of: pforte_domain::SeatsOf::Counselor(CounselorId(id)),
                seats,
            }),
        )
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        self.counselors()
            .await?
            .into_iter()
            .find(|c| c.id == CounselorId(id))
            .ok_or(StoreError::NotFound { what: "counselor" })
    }

    async fn topics(&self) -> StoreResult<Vec<TopicRecord>> {
        let rows = sqlx::query(&format!("SELECT {TOPIC_COLUMNS} FROM topics ORDER BY name"))
            .fetch_all(&self.pool)
            .await?;
        let origins = sqlx::query(
            "SELECT topic_id, origin FROM topic_embed_origins ORDER BY topic_id, origin",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut topics: Vec<TopicRecord> = rows.iter().map(topic_from_row).collect();
        for row in &origins {
            let id = TopicId(row.get("topic_id"));
            let origin: String = row.get("origin");
            if let (Some(topic), Some(origin)) = (
                topics.iter_mut().find(|t| t.id == id),
                stored_origin(&origin),
            ) {
                topic.embed_origins.push(origin);
            }
        }
        Ok(topics)
    }

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
    ) -> StoreResult<CounselorRecord> {
        let mut tx = self.locked().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO counselors (name, display_name, password_hash, operator, must_change_password) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name.to_owned())
        .bind(display_name.to_owned())
        .bind(password_hash.to_owned())
        .bind(flag(operator))
        .bind(flag(must_change_password))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate { what: "counselor" }
            } else {
                e.into()
            }
        })?;
        let mut topics = Vec::new();
        for slug in topic_slugs {
            let topic = Self::topic_by_slug(&mut tx, slug).await?;
            sqlx::query(
                "INSERT INTO counselor_topics (counselor_id, topic_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(topic.id.0)
            .execute(&mut *tx)
            .await?;
            if !topics.contains(&topic.id) {
                topics.push(topic.id);
            }
        }
        let counselor = CounselorId(id);
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::UpsertCounselor {
                counselor,
                topics: topics.iter().copied().collect(),
            }),
        )
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(CounselorRecord {
            id: counselor,
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            topics,
            switched_on: false,
            absent: false,
            absence_message: None,
            seats: None,
            shifts: ShiftMap::new(),
            auto_switch_off: false,
            operator,
            must_change_password,
            deactivated: false,
        })
    }

    async fn set_password(&self, name: &str, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE counselors SET password_hash = $1 WHERE name = $2")
            .bind(password_hash.to_owned())
            .bind(name.to_owned())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "counselor" });
        }
        Ok(())
    }

    async fn counselors(&self) -> StoreResult<Vec<CounselorRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COUNSELOR_COLUMNS} FROM counselors ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut topics = self.topics_of_counselors().await?;
        Ok(rows
            .iter()
            .map(|row| {
                let mut record = counselor_from_row(row);
                record.topics = topics.remove(&record.id).unwrap_or_default();
                record
            })
            .collect())
    }

    async fn counselor(&self, id: CounselorId) -> StoreResult<Option<CounselorRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COUNSELOR_COLUMNS} FROM counselors WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut record = counselor_from_row(&row);
        record.topics = sqlx::query_scalar(
            "SELECT topic_id FROM counselor_topics WHERE counselor_id = $1 ORDER BY topic_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(TopicId)
        .collect();
        Ok(Some(record))
    }

    async fn set_operator(
        &self,
        name: &str,
        operator: bool,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord> {
        let mut tx = self.locked().await?;
        let done = sqlx::query("UPDATE counselors SET operator = $1 WHERE name = $2")
            .bind(flag(operator))
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "counselor" });
        }
        self.operator_entry(&mut tx, Entry::Directory).await?;
        let record = Self::counselor_by_name(&mut tx, name).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn set_counselor_topics(
        &self,
        name: &str,
        topic_slugs: &[String],
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord> {
        let mut tx = self.locked().await?;
        let counselor = Self::counselor_by_name(&mut tx, name).await?;
        let mut topics = Vec::new();
        for slug in topic_slugs {
            let topic = Self::topic_by_slug(&mut tx, slug).await?;
            if !topics.contains(&topic.id) {
                topics.push(topic.id);
            }
        }
        sqlx::query("DELETE FROM counselor_topics WHERE counselor_id = $1")
            .bind(counselor.id.0)
            .execute(&mut *tx)
            .await?;
        for topic in &topics {
            sqlx::query("INSERT INTO counselor_topics (counselor_id, topic_id) VALUES ($1, $2)")
                .bind(counselor.id.0)
                .bind(topic.0)
                .execute(&mut *tx)
                .await?;
        }
        self.operator_entry(
            &mut tx,
            Entry::Desk(pforte_domain::Command::UpsertCounselor {
                counselor: counselor.id,
                topics: topics.iter().copied().collect(),
            }),
        )
        .await?;
        let record = Self::counselor_by_name(&mut tx, name).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn reactivate_counselor(
        &self,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<CounselorRecord> {
        let mut tx = self.locked().await?;
        let counselor = Self::counselor_by_name(&mut tx, name).await?;
        sqlx::query("UPDATE counselors SET deactivated = 0 WHERE id = $1")
            .bind(counselor.id.0)
            .execute(&mut *tx)
            .await?;
        self.operator_entry(&mut tx, Entry::Directory).await?;
        let record = Self::counselor_by_name(&mut tx, name).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn deactivate_counselor(
        &self,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<Vec<SessionRecord>> {
        let mut tx = self.locked().await?;
        let counselor = Self::counselor_by_name(&mut tx, name).await?;
        sqlx::query("UPDATE counselors SET deactivated = 1 WHERE id = $1")
            .bind(counselor.id.0)
            .execute(&mut *tx)
            .await?;
        let sessions = sqlx::query(
            "DELETE FROM sessions WHERE counselor_id = $1 RETURNING id, counselor_id, expires_at",
        )
        .bind(counselor.id.0)
        .fetch_all(&mut *tx)
        .await?;
        self.operator_entry(&mut tx, Entry::Directory).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(sessions.iter().map(session_from_row).collect())
    }

    async fn set_one_time_password(
        &self,
        name: &str,
        password_hash: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<()> {
        let mut tx = self.locked().await?;
        let done = sqlx::query(
            "UPDATE counselors SET password_hash = $1, must_change_password = 1 WHERE name = $2",
        )
        .bind(password_hash.to_owned())
        .bind(name.to_owned())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "counselor" });
        }
        // Every instance re-reads the account: its sessions may do nothing else until changed.
        self.operator_entry(&mut tx, Entry::Directory).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn change_own_password(
        &self,
        counselor: CounselorId,
        password_hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.locked().await?;
        sqlx::query(
            "UPDATE counselors SET password_hash = $1, must_change_password = 0 WHERE id = $2",
        )
        .bind(password_hash.to_owned())
        .bind(counselor.0)
        .execute(&mut *tx)
        .await?;
        self.operator_entry(&mut tx, Entry::Directory).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn password_hash(&self, counselor: CounselorId) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM counselors WHERE id = $1")
                .bind(counselor.0)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn add_audit(&self, draft: &AuditDraft) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        write_audit(&mut tx, Some(draft)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor, action, target, before_json, after_json \
             FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Ok(rows
            .iter()
            .map(|row| AuditRecord {
                id: row.get("id"),
                at: Timestamp::from_millis(row.get("at")),
                actor_id: row.get::<Option<i64>, _>("actor_id").map(CounselorId),
                actor: row.get("actor"),
                action: row.get("action"),
                target: row.get("target"),
                before: json(row.get("before_json")),
                after: json(row.get("after_json")),
            })
            .collect())
    }

    async fn purge_audit(&self, cutoff: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM audit_log WHERE at < $1")
            .bind(cutoff.as_millis())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn counselor_login(&self, name: &str) -> StoreResult<Option<(CounselorId, String)>> {
        let row = sqlx::query(
            "SELECT id, password_hash FROM counselors WHERE name = $1 AND deactivated = 0",
        )
        .bind(name.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (CounselorId(r.get("id")), r.get("password_hash"))))
    }

    async fn set_absence_message(
        &self,
        counselor: CounselorId,
        message: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE counselors SET absence_message = $1 WHERE id = $2")
            .bind(message.map(str::to_owned))
            .bind(counselor.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_session(
        &self,
        counselor: CounselorId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<SessionRecord> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, counselor_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(token_hash.to_owned())
        .bind(counselor.0)
        .bind(now.as_millis())
        .bind(expires_at.as_millis())
        .fetch_one(&self.pool)
        .await?;
        Ok(SessionRecord {
            id,
            counselor,
            expires_at,
        })
    }

    async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT id, counselor_id, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash.to_owned())
        .bind(now.as_millis())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(session_from_row))
    }

    async fn delete_session(&self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn expire_sessions(&self, now: Timestamp) -> StoreResult<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 RETURNING id, counselor_id, expires_at",
        )
        .bind(now.as_millis())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(session_from_row).collect())
    }

    async fn close_open_availability(&self, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE availability_periods SET ended_at = $1 WHERE ended_at IS NULL")
            .bind(now.as_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- the log of the desk

    async fn begin_command(&self, instance: InstanceId) -> StoreResult<Box<dyn CommandTx>> {
        let mut tx = self.locked().await?;
        if instance != InstanceId(0) {
            // Fencing: an instance the others declared lost (its row is gone) must not act.
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM instances WHERE id = $1")
                .bind(i64::from(instance.0))
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::Fenced);
            }
        }
        Ok(Box::new(SqlCommand {
            tx,
            backend: self.backend,
            instance,
        }))
    }

    async fn entries_after(&self, seq: u64) -> StoreResult<Vec<LogEntry>> {
        entries_after(&self.pool, seq).await
    }

    async fn head(&self) -> StoreResult<u64> {
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM desk_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(head).unwrap_or(0))
    }

    async fn latest_snapshot(&self) -> StoreResult<Option<(u64, String)>> {
        let row = sqlx::query("SELECT seq, desk FROM desk_snapshots ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| {
            (
                u64::try_from(r.get::<i64, _>("seq")).unwrap_or(0),
                r.get("desk"),
            )
        }))
    }

    async fn save_snapshot(
        &self,
        seq: u64,
        at: Timestamp,
        desk: &str,
        compact: bool,
    ) -> StoreResult<()> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO desk_snapshots (seq, taken_at, desk) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(seq)
        .bind(at.as_millis())
        .bind(desk.to_owned())
        .execute(&mut *tx)
        .await?;
        // Keep the newest two snapshots and the log after the older of them: an instance that
        // is behind can still catch up, and a new one starts from a snapshot.
        let keep = if compact { 1 } else { 2 };
        let kept: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(seq) FROM (SELECT seq FROM desk_snapshots ORDER BY seq DESC LIMIT $1) AS newest",
        )
        .bind(keep)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(kept) = kept {
            sqlx::query("DELETE FROM desk_snapshots WHERE seq < $1")
                .bind(kept)
                .execute(&mut *tx)
                .await?;
            // The last entry stays, so the log's numbering goes on.
            sqlx::query(
                "DELETE FROM desk_log WHERE seq <= $1 AND seq < (SELECT MAX(seq) FROM desk_log)",
            )
            .bind(kept)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn register_instance(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<InstanceId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO instances (started_at, lease_until) VALUES ($1, $2) RETURNING id",
        )
        .bind(now.as_millis())
        .bind(lease_until.as_millis())
        .fetch_one(&self.pool)
        .await?;
        instance_id(id)
    }

    async fn renew_lease(&self, instance: InstanceId, lease_until: Timestamp) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE instances SET lease_until = $1 WHERE id = $2")
            .bind(lease_until.as_millis())
            .bind(i64::from(instance.0))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn instances(&self) -> StoreResult<Vec<(InstanceId, Timestamp)>> {
        let rows = sqlx::query("SELECT id, lease_until FROM instances ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    instance_id(r.get("id"))?,
                    Timestamp::from_millis(r.get("lease_until")),
                ))
            })
            .collect()
    }

    async fn forget_instance(&self, instance: InstanceId) -> StoreResult<()> {
        sqlx::query("DELETE FROM instances WHERE id = $1")
            .bind(i64::from(instance.0))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn notifications_url(&self) -> Option<&str> {
        (self.backend == Backend::Postgres).then_some(self.url.as_str())
    }

    async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel.to_owned())
                .bind(payload.to_owned())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn notify_all(&self, channel: &str, payloads: &[String]) -> StoreResult<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        for payloads in payloads.chunks(1000) {
            // One statement: the select list is evaluated from left to right.
            let sql = format!(
                "SELECT {}",
                (2..payloads.len() + 2)
                    .map(|n| format!("pg_notify($1, ${n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut query = sqlx::query(&sql).bind(channel.to_owned());
            for payload in payloads {
                query = query.bind(payload.clone());
            }
            query.execute(&self.pool).await?;
        }
        Ok(())
    }

    // ---- chats and messages

    async fn open_chats(&self) -> StoreResult<Vec<ChatRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.state IN ('waiting', 'chatting') \
             ORDER BY c.entered_at, c.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(chat_from_row).collect()
    }

    async fn chat(&self, id: RequestId) -> StoreResult<Option<ChatRecord>> {
        chat_in(&self.pool, id).await
    }

    async fn chat_by_token(&self, token_hash: &str) -> StoreResult<Option<ChatRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.token_hash = $1"
        ))
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(chat_from_row).transpose()
    }

    async fn chats_of(&self, counselor: CounselorId) -> StoreResult<Vec<ChatRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.counselor_id = $1 \
             ORDER BY CASE WHEN c.state = 'chat_ended' THEN 1 ELSE 0 END, \
             COALESCE(c.ended_at, c.accepted_at) DESC"
        ))
        .bind(counselor.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(chat_from_row).collect()
    }

    async fn add_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<StoreResult<Added>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // A few statements for the whole batch, whatever its size: on PostgreSQL each
        // statement is a round trip to the server.
        let mut chats: Vec<String> = batch.iter().map(|m| m.message.chat.0.to_string()).collect();
        chats.sort_unstable();
        chats.dedup();
        // The running chats of the batch, locked: a chat's row orders its messages (its
        // count is a message's number) and makes a retry on another instance wait for this
        // batch. PostgreSQL locks them in the order of their ids, so two writers taking
        // overlapping sets of chats never deadlock; SQLite's `BEGIN IMMEDIATE` holds the
        // whole database already.
        match self.backend {
            Backend::Sqlite => {
                let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                let sql = format!(
                    "SELECT id, message_count FROM chats WHERE state = 'chatting' AND id IN ({})",
                    params(1, chats.len()),
                );
                let mut query = sqlx::query(&sql);
                for chat in &chats {
                    query = query.bind(chat.clone());
                }
                let rows = query.fetch_all(&mut *tx).await?;
                let results = store_batch(&mut tx, false, batch, &chats, &rows).await?;
                tx.commit().await?;
                Ok(results)
            }
            Backend::Postgres => {
                let mut begun = Begun {
                    connection: self.pool.acquire().await?,
                    committed: false,
                };
                // `BEGIN` and the lock in one round trip: the simple query protocol takes
                // several statements, though no parameters — the chat ids are this
                // server's own UUIDs (hex digits and dashes), written as literals.
                let sql = format!(
                    "BEGIN; SELECT id, message_count FROM chats \
                     WHERE state = 'chatting' AND id IN ({}) ORDER BY id FOR UPDATE",
                    chats
                        .iter()
                        .map(|chat| format!("'{chat}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let rows = begun.connection.fetch_all(sql.as_str()).await?;
                let results =
                    store_batch(&mut begun.connection, true, batch, &chats, &rows).await?;
                begun.connection.execute("COMMIT").await?;
                begun.committed = true;
                Ok(results)
            }
        }
    }

    async fn messages_by_id(&self, ids: &[Uuid]) -> StoreResult<Vec<MessageRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({}) ORDER BY seq",
            params(1, ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id.to_string());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn messages(&self, chat: RequestId) -> StoreResult<Vec<MessageRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 ORDER BY seq"
        ))
        .bind(chat.0.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn grant_keys(
        &self,
        chat: RequestId,
        counselor: CounselorId,
        keys: &[KeyRecord],
    ) -> StoreResult<bool> {
        let Some(first) = keys.first() else {
            return Ok(false);
        };
        let bind = |key: &KeyRecord| insert_key_copy(chat, counselor, key);
        let mut tx = self.writing().await?;
        // The first grant stays (another device of the counselor making the same key at
        // once waits here for it): every reader must hold the same key.
        if bind(first).execute(&mut *tx).await?.rows_affected() == 0 {
            let rows = sqlx::query(
                "SELECT reader FROM chat_keys WHERE chat_id = $1 AND counselor_id = $2 AND key_no = $3",
            )
            .bind(chat.0.to_string())
            .bind(counselor.0)
            .bind(i64::from(first.key))
            .fetch_all(&mut *tx)
            .await?;
            let mut stored: Vec<String> = rows.iter().map(|r| r.get("reader")).collect();
            let mut given: Vec<String> = keys.iter().map(|k| reader_str(&k.reader)).collect();
            stored.sort();
            given.sort();
            if stored == given {
                tx.commit().await?;
                return Ok(false);
            }
            // Wrapped for other devices than there are now (an accept that failed before
            // a device was added or removed): this grant replaces it.
            sqlx::query(
                "DELETE FROM chat_keys WHERE chat_id = $1 AND counselor_id = $2 AND key_no = $3",
            )
            .bind(chat.0.to_string())
            .bind(counselor.0)
            .bind(i64::from(first.key))
            .execute(&mut *tx)
            .await?;
            bind(first).execute(&mut *tx).await?;
        }
        for key in &keys[1..] {
            bind(key).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn add_key_reader(
        &self,
        chat: RequestId,
        counselor: CounselorId,
        key: &KeyRecord,
    ) -> StoreResult<()> {
        insert_key_copy(chat, counselor, key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn chat_keys(
        &self,
        chat: RequestId,
        counselor: CounselorId,
    ) -> StoreResult<Vec<KeyRecord>> {
        let rows = sqlx::query(
            "SELECT key_no, reader, reader_key, wrapped FROM chat_keys \
             WHERE chat_id = $1 AND counselor_id = $2 ORDER BY key_no, reader",
        )
        .bind(chat.0.to_string())
        .bind(counselor.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let reader: String = row.get("reader");
                Ok(KeyRecord {
                    key: u32::try_from(row.get::<i64, _>("key_no"))
                        .map_err(|_| corrupt("key number"))?,
                    reader: if reader == "asker" {
                        Reader::Asker
                    } else {
                        Reader::Device(uuid_of(&reader, "key reader")?)
                    },
                    reader_key: row.get("reader_key"),
                    wrapped: row.get("wrapped"),
                })
            })
            .collect()
    }

    async fn add_device(&self, device: &DeviceRecord) -> StoreResult<Option<DeviceRecord>> {
        let mut tx = self.writing().await?;
        if self.backend == Backend::Postgres {
            // One device added at a time per counselor, so the limit holds exactly.
            sqlx::query("SELECT id FROM counselors WHERE id = $1 FOR UPDATE")
                .bind(device.counselor.0)
                .execute(&mut *tx)
                .await?;
        }
        let known = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE counselor_id = $1 AND public_key = $2"
        ))
        .bind(device.counselor.0)
        .bind(device.public_key.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = known {
            let mut known = device_from_row(&row)?;
            if device.session.is_some() && known.session != device.session {
                sqlx::query("UPDATE devices SET session_id = $1 WHERE id = $2")
                    .bind(device.session)
                    .bind(known.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                known.session = device.session;
            }
            return Ok(Some(known));
        }
        let count: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM devices WHERE counselor_id = $1",
        )
        .bind(device.counselor.0)
        .fetch_one(&mut *tx)
        .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_DEVICES {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO devices (id, counselor_id, name, public_key, added_at, session_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(device.id.to_string())
        .bind(device.counselor.0)
        .bind(device.name.clone())
        .bind(device.public_key.clone())
        .bind(device.added_at.as_millis())
        .bind(device.session)
        .execute(&mut *tx)
        .await?;
        // No unique violation can come from a concurrent add of the same key: adds of one
        // counselor are serialized (PostgreSQL: the row lock above; SQLite: one writer).
        tx.commit().await?;
        Ok(Some(device.clone()))
    }

    async fn devices(&self, counselor: CounselorId) -> StoreResult<Vec<DeviceRecord>> {
        devices_in(&self.pool, counselor).await
    }

    async fn remove_device(
        &self,
        counselor: CounselorId,
        device: Uuid,
    ) -> StoreResult<Option<Option<i64>>> {
        let mut tx = self.writing().await?;
        let session: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT s.id FROM devices d LEFT JOIN sessions s ON s.id = d.session_id \
             WHERE d.counselor_id = $1 AND d.id = $2",
        )
        .bind(counselor.0)
        .bind(device.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if session.is_none() {
            return Ok(None);
        }
        sqlx::query("DELETE FROM devices WHERE counselor_id = $1 AND id = $2")
            .bind(counselor.0)
            .bind(device.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(session)
    }

    async fn purge_ended(&self, cutoff: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM chats WHERE state IN ('request_ended', 'chat_ended') AND ended_at < $1",
        )
        .bind(cutoff.as_millis())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn scrub(&self) -> StoreResult<()> {
        if self.backend == Backend::Sqlite {
            self.truncate_wal().await?;
        }
        Ok(())
    }

    async fn activity(
        &self,
        counselor: CounselorId,
        from: Timestamp,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<ActivityTotals> {
        let row = sqlx::query(
            "SELECT \
               CAST(COALESCE(SUM(CASE WHEN kind = 'accepted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted, \
               CAST(COALESCE(SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END), 0) AS BIGINT) AS messages, \
               CAST(COALESCE(SUM(CASE WHEN kind = 'ended' THEN 1 ELSE 0 END), 0) AS BIGINT) AS ended \
             FROM counselor_activity WHERE counselor_id = $1 AND at >= $2 AND at < $3",
        )
        .bind(counselor.0)
        .bind(from.as_millis())
        .bind(until.as_millis())
        .fetch_one(&self.pool)
        .await?;
        // The part of each period inside [from, until), an open period ending now.
        let available: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM( \
               (CASE WHEN COALESCE(ended_at, $3) < $2 THEN COALESCE(ended_at, $3) ELSE $2 END) \
             - (CASE WHEN started_at > $1 THEN started_at ELSE $1 END)), 0) AS BIGINT) \
             FROM availability_periods \
             WHERE counselor_id = $4 AND started_at < $2 AND COALESCE(ended_at, $3) > $1",
        )
        .bind(from.as_millis())
        .bind(until.as_millis())
        .bind(now.as_millis())
        .bind(counselor.0)
        .fetch_one(&self.pool)
        .await?;
        let count = |name: &str| u64::try_from(row.get::<i64, _>(name)).unwrap_or(0);
        Ok(ActivityTotals {
            accepted_chats: count("accepted"),
            messages_sent: count("messages"),
            conversations_ended: count("ended"),
            available_millis: u64::try_from(available).unwrap_or(0),
        })
    }
}
