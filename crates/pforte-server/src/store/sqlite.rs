//! SQLite storage: one file in WAL mode with full sync, so an acknowledged write survives a
//! crash of the process (and of the machine).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use pforte_domain::{CounselorId, Event, RequestId, Timestamp, TopicId};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Open (creating if needed) the database at `url` (`sqlite://path` or `sqlite::memory:`)
    /// and run the embedded migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted content is overwritten with zeros, not left in free pages: "deleted"
            // must mean gone from the file (PRODUCT.md rule 8).
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }
}

impl SqliteStore {
    /// The embed origins of one topic.
    async fn origins_of(&self, topic: TopicId) -> StoreResult<Vec<EmbedOrigin>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT origin FROM topic_embed_origins WHERE topic_id = ? ORDER BY origin",
        )
        .bind(topic.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().filter_map(|o| stored_origin(o)).collect())
    }

    /// Copy the WAL into the main file and truncate it to zero bytes, so that the page
    /// images of deleted rows that the WAL still holds are gone too. A reader holding an
    /// old snapshot makes the checkpoint report "busy"; then try again shortly.
    async fn truncate_wal(&self) -> StoreResult<()> {
        for attempt in 0..20 {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
        }
        tracing::warn!("the WAL could not be truncated after a purge; it will be at the next one");
        Ok(())
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn topic_from_row(row: &SqliteRow) -> TopicRecord {
    TopicRecord {
        id: TopicId(row.get("id")),
        slug: row.get("slug"),
        name: row.get("name"),
        live_chat: row.get("live_chat"),
        chat_hours: row.get("chat_hours"),
        embed_origins: Vec::new(),
    }
}

/// A stored embed origin, checked again: a value put into the file by other means never
/// reaches a header.
fn stored_origin(text: &str) -> Option<EmbedOrigin> {
    EmbedOrigin::parse(text)
        .inspect_err(|error| tracing::warn!(%error, "ignoring an invalid stored embed origin"))
        .ok()
}

const CHAT_COLUMNS: &str = "c.id, c.topic_id, c.pseudonym, c.state, c.entered_at, c.end_reason, \
     c.counselor_id, c.accepted_at, c.ended_at, c.ended_by, c.message_count, c.last_message_at";

fn chat_from_row(row: &SqliteRow) -> StoreResult<ChatRecord> {
    let corrupt = |what: &str| {
        StoreError::Database(sqlx::Error::Decode(
            format!("chats row has an invalid {what}").into(),
        ))
    };
    let id: String = row.get("id");
    let state: String = row.get("state");
    let end_reason: Option<String> = row.get("end_reason");
    let ended_by: Option<String> = row.get("ended_by");
    let message_count: i64 = row.get("message_count");
    Ok(ChatRecord {
        id: RequestId(Uuid::parse_str(&id).map_err(|_| corrupt("id"))?),
        topic: TopicId(row.get("topic_id")),
        pseudonym: row.get("pseudonym"),
        state: ChatState::parse(&state).ok_or_else(|| corrupt("state"))?,
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
    })
}

fn message_from_row(row: &SqliteRow) -> StoreResult<MessageRecord> {
    let corrupt = || StoreError::Database(sqlx::Error::Decode("messages row is invalid".into()));
    let id: String = row.get("id");
    let chat: String = row.get("chat_id");
    let sender: String = row.get("sender");
    let client_id: Option<String> = row.get("client_id");
    Ok(MessageRecord {
        id: Uuid::parse_str(&id).map_err(|_| corrupt())?,
        client_id: client_id
            .map(|c| Uuid::parse_str(&c).map_err(|_| corrupt()))
            .transpose()?,
        chat: RequestId(Uuid::parse_str(&chat).map_err(|_| corrupt())?),
        from: parse_sender(&sender).ok_or_else(corrupt)?,
        text: row.get("body"),
        sent_at: Timestamp::from_millis(row.get("sent_at")),
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn create_topic(
        &self,
        slug: &str,
        name: &str,
        live_chat: bool,
        chat_hours: Option<&str>,
    ) -> StoreResult<TopicRecord> {
        let row = sqlx::query(
            "INSERT INTO topics (slug, name, live_chat, chat_hours) VALUES (?, ?, ?, ?) \
             RETURNING id, slug, name, live_chat, chat_hours",
        )
        .bind(slug)
        .bind(name)
        .bind(live_chat)
        .bind(chat_hours)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate { what: "topic" }
            } else {
                e.into()
            }
        })?;
        Ok(topic_from_row(&row))
    }

    async fn set_live_chat(&self, slug: &str, live_chat: bool) -> StoreResult<TopicRecord> {
        let row = sqlx::query(
            "UPDATE topics SET live_chat = ? WHERE slug = ? \
             RETURNING id, slug, name, live_chat, chat_hours",
        )
        .bind(live_chat)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "topic" })?;
        let mut topic = topic_from_row(&row);
        topic.embed_origins = self.origins_of(topic.id).await?;
        Ok(topic)
    }

    async fn set_embed_origins(
        &self,
        slug: &str,
        origins: &[EmbedOrigin],
    ) -> StoreResult<TopicRecord> {
        let mut tx = self.pool.begin().await?;
        let row =
            sqlx::query("SELECT id, slug, name, live_chat, chat_hours FROM topics WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound { what: "topic" })?;
        let mut topic = topic_from_row(&row);
        sqlx::query("DELETE FROM topic_embed_origins WHERE topic_id = ?")
            .bind(topic.id.0)
            .execute(&mut *tx)
            .await?;
        for origin in origins {
            sqlx::query(
                "INSERT OR IGNORE INTO topic_embed_origins (topic_id, origin) VALUES (?, ?)",
            )
            .bind(topic.id.0)
            .bind(origin.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        topic.embed_origins = self.origins_of(topic.id).await?;
        Ok(topic)
    }

    async fn topics(&self) -> StoreResult<Vec<TopicRecord>> {
        let rows =
            sqlx::query("SELECT id, slug, name, live_chat, chat_hours FROM topics ORDER BY name")
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

    async fn create_counselor(
        &self,
        name: &str,
        display_name: &str,
        password_hash: &str,
        topic_slugs: &[String],
    ) -> StoreResult<CounselorRecord> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO counselors (name, display_name, password_hash) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(display_name)
        .bind(password_hash)
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
            let topic: i64 = sqlx::query_scalar("SELECT id FROM topics WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound { what: "topic" })?;
            sqlx::query(
                "INSERT OR IGNORE INTO counselor_topics (counselor_id, topic_id) VALUES (?, ?)",
            )
            .bind(id)
            .bind(topic)
            .execute(&mut *tx)
            .await?;
            topics.push(TopicId(topic));
        }
        tx.commit().await?;
        Ok(CounselorRecord {
            id: CounselorId(id),
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            topics,
            switched_on: false,
            absent: false,
            absence_message: None,
        })
    }

    async fn set_password(&self, name: &str, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE counselors SET password_hash = ? WHERE name = ?")
            .bind(password_hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "counselor" });
        }
        Ok(())
    }

    async fn counselors(&self) -> StoreResult<Vec<CounselorRecord>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.display_name, c.switched_on, c.absent, c.absence_message, \
             (SELECT GROUP_CONCAT(topic_id) FROM counselor_topics t WHERE t.counselor_id = c.id) AS topics \
             FROM counselors c ORDER BY c.name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| {
                let topics: Option<String> = row.get("topics");
                CounselorRecord {
                    id: CounselorId(row.get("id")),
                    name: row.get("name"),
                    display_name: row.get("display_name"),
                    topics: topics
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|t| t.parse().ok().map(TopicId))
                        .collect(),
                    switched_on: row.get("switched_on"),
                    absent: row.get("absent"),
                    absence_message: row.get("absence_message"),
                }
            })
            .collect())
    }

    async fn counselor_login(&self, name: &str) -> StoreResult<Option<(CounselorId, String)>> {
        let row = sqlx::query("SELECT id, password_hash FROM counselors WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (CounselorId(r.get("id")), r.get("password_hash"))))
    }

    async fn set_absence_message(
        &self,
        counselor: CounselorId,
        message: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE counselors SET absence_message = ? WHERE id = ?")
            .bind(message)
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
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(token_hash)
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
            "SELECT id, counselor_id, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(token_hash)
        .bind(now.as_millis())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SessionRecord {
            id: r.get("id"),
            counselor: CounselorId(r.get("counselor_id")),
            expires_at: Timestamp::from_millis(r.get("expires_at")),
        }))
    }

    async fn delete_session(&self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn expire_sessions(&self, now: Timestamp) -> StoreResult<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= ? RETURNING id, counselor_id, expires_at",
        )
        .bind(now.as_millis())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| SessionRecord {
                id: r.get("id"),
                counselor: CounselorId(r.get("counselor_id")),
                expires_at: Timestamp::from_millis(r.get("expires_at")),
            })
            .collect())
    }

    async fn record(
        &self,
        now: Timestamp,
        events: &[Event],
        new_chat: Option<&NewChat>,
    ) -> StoreResult<()> {
        let at = now.as_millis();
        let mut tx = self.pool.begin().await?;
        for event in events {
            match event {
                Event::AvailabilitySwitched { counselor, on, .. } => {
                    sqlx::query("UPDATE counselors SET switched_on = ? WHERE id = ?")
                        .bind(on)
                        .bind(counselor.0)
                        .execute(&mut *tx)
                        .await?;
                }
                Event::AbsenceChanged { counselor, absent } => {
                    sqlx::query("UPDATE counselors SET absent = ? WHERE id = ?")
                        .bind(absent)
                        .bind(counselor.0)
                        .execute(&mut *tx)
                        .await?;
                }
                Event::CounselorAvailabilityChanged {
                    counselor,
                    available,
                } => {
                    if *available {
                        sqlx::query(
                            "INSERT INTO availability_periods (counselor_id, started_at) VALUES (?, ?)",
                        )
                        .bind(counselor.0)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    } else {
                        sqlx::query(
                            "UPDATE availability_periods SET ended_at = ? \
                             WHERE counselor_id = ? AND ended_at IS NULL",
                        )
                        .bind(at)
                        .bind(counselor.0)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Event::RequestCreated {
                    request,
                    topic,
                    entered_at,
                } => {
                    let new_chat = new_chat.ok_or(StoreError::NotFound {
                        what: "data of the new request",
                    })?;
                    sqlx::query(
                        "INSERT INTO chats (id, topic_id, token_hash, pseudonym, state, entered_at) \
                         VALUES (?, ?, ?, ?, 'waiting', ?)",
                    )
                    .bind(request.0.to_string())
                    .bind(topic.0)
                    .bind(&new_chat.token_hash)
                    .bind(&new_chat.pseudonym)
                    .bind(entered_at.as_millis())
                    .execute(&mut *tx)
                    .await?;
                }
                Event::RequestEnded {
                    request, reason, ..
                } => {
                    sqlx::query(
                        "UPDATE chats SET state = 'request_ended', end_reason = ?, ended_at = ? \
                         WHERE id = ? AND state = 'waiting'",
                    )
                    .bind(end_reason_str(*reason))
                    .bind(at)
                    .bind(request.0.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                Event::RequestAccepted {
                    request, counselor, ..
                } => {
                    sqlx::query(
                        "UPDATE chats SET state = 'chatting', counselor_id = ?, accepted_at = ? \
                         WHERE id = ? AND state = 'waiting'",
                    )
                    .bind(counselor.0)
                    .bind(at)
                    .bind(request.0.to_string())
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO counselor_activity (counselor_id, kind, at) VALUES (?, 'accepted', ?)",
                    )
                    .bind(counselor.0)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::ConversationEnded {
                    conversation,
                    counselor,
                    by,
                    ..
                } => {
                    sqlx::query(
                        "UPDATE chats SET state = 'chat_ended', ended_at = ?, ended_by = ? \
                         WHERE id = ? AND state = 'chatting'",
                    )
                    .bind(at)
                    .bind(sender_str(party_sender(*by)))
                    .bind(conversation.0.to_string())
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO counselor_activity (counselor_id, kind, at) VALUES (?, 'ended', ?)",
                    )
                    .bind(counselor.0)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {}
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn close_open_availability(&self, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE availability_periods SET ended_at = ? WHERE ended_at IS NULL")
            .bind(now.as_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

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
        let row = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.id = ?"
        ))
        .bind(id.0.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(chat_from_row).transpose()
    }

    async fn chat_by_token(&self, token_hash: &str) -> StoreResult<Option<ChatRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.token_hash = ?"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(chat_from_row).transpose()
    }

    async fn chats_of(&self, counselor: CounselorId) -> StoreResult<Vec<ChatRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.counselor_id = ? \
             ORDER BY c.state = 'chat_ended', COALESCE(c.ended_at, c.accepted_at) DESC"
        ))
        .bind(counselor.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(chat_from_row).collect()
    }

    async fn add_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<StoreResult<Added>>> {
        let mut tx = self.pool.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for NewMessage { message, counselor } in batch {
            if let Some(client_id) = message.client_id {
                let before = sqlx::query(
                    "SELECT id, client_id, chat_id, sender, body, sent_at FROM messages \
                     WHERE chat_id = ? AND client_id = ?",
                )
                .bind(message.chat.0.to_string())
                .bind(client_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = before {
                    results.push(Ok(Added::Before(message_from_row(&row)?)));
                    continue;
                }
            }
            // The chat's row lock orders its messages: the number is the count after this one.
            let number: Option<i64> = sqlx::query_scalar(
                "UPDATE chats SET message_count = message_count + 1, last_message_at = ? \
                 WHERE id = ? AND state = 'chatting' RETURNING message_count",
            )
            .bind(message.sent_at.as_millis())
            .bind(message.chat.0.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(number) = number else {
                results.push(Err(StoreError::ConversationEnded));
                continue;
            };
            sqlx::query(
                "INSERT INTO messages (id, client_id, chat_id, chat_seq, sender, body, sent_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(message.id.to_string())
            .bind(message.client_id.map(|c| c.to_string()))
            .bind(message.chat.0.to_string())
            .bind(number)
            .bind(sender_str(message.from))
            .bind(&message.text)
            .bind(message.sent_at.as_millis())
            .execute(&mut *tx)
            .await?;
            if let Some(counselor) = counselor {
                sqlx::query(
                    "INSERT INTO counselor_activity (counselor_id, kind, at) VALUES (?, 'message', ?)",
                )
                .bind(counselor.0)
                .bind(message.sent_at.as_millis())
                .execute(&mut *tx)
                .await?;
            }
            results.push(Ok(Added::Now));
        }
        tx.commit().await?;
        Ok(results)
    }

    async fn messages(&self, chat: RequestId) -> StoreResult<Vec<MessageRecord>> {
        let rows = sqlx::query(
            "SELECT id, client_id, chat_id, sender, body, sent_at FROM messages WHERE chat_id = ? ORDER BY seq",
        )
        .bind(chat.0.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn purge_ended(&self, cutoff: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM chats WHERE state IN ('request_ended', 'chat_ended') AND ended_at < ?",
        )
        .bind(cutoff.as_millis())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() > 0 {
            self.truncate_wal().await?;
        }
        Ok(done.rows_affected())
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
               COALESCE(SUM(kind = 'accepted'), 0) AS accepted, \
               COALESCE(SUM(kind = 'message'), 0) AS messages, \
               COALESCE(SUM(kind = 'ended'), 0) AS ended \
             FROM counselor_activity WHERE counselor_id = ? AND at >= ? AND at < ?",
        )
        .bind(counselor.0)
        .bind(from.as_millis())
        .bind(until.as_millis())
        .fetch_one(&self.pool)
        .await?;
        let available: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(MIN(COALESCE(ended_at, ?3), ?2) - MAX(started_at, ?1)), 0) \
             FROM availability_periods \
             WHERE counselor_id = ?4 AND started_at < ?2 AND COALESCE(ended_at, ?3) > ?1",
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
