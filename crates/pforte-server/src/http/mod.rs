//! HTTP: the routes, their OpenAPI document, limits and the helpers the two sides share.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Extension, Router};
use pforte_domain::sealed::{SealedBody, SealedError};
use pforte_domain::{CounselorId, RequestId};
use pforte_wire::{ErrorCode, Message, MessageList, Sealed, SendMessage, Sender};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::reception::{now, Reception};
use crate::store::{Added, MessageRecord, NewMessage};
use crate::writer::Tell;

// The wire's documented limits are the domain's.
const _: () = assert!(pforte_wire::MAX_MESSAGE_CHARS == pforte_domain::text::MAX_MESSAGE_CHARS);
const _: () =
    assert!(pforte_wire::MAX_ABSENCE_MESSAGE_CHARS == pforte_domain::text::MAX_ABSENCE_CHARS);

pub mod admin;
pub mod asker;
pub mod client;
pub mod counselor;
pub mod extract;
pub mod headers;
pub mod hours;
pub mod keys;
pub mod limits;
pub mod openapi;
pub mod origins;
pub mod statistics;

use extract::AppJson;
pub use limits::Limits;

/// Largest JSON body accepted (a message of 4 000 characters of 4 bytes, and then some).
pub const MAX_BODY_BYTES: usize = 32 * 1024;

pub(crate) fn wire_message(record: &MessageRecord) -> Message {
    // Every stored body is sealed (the server refuses anything else, and the migration to
    // end-to-end encryption deleted the plain ones); a row changed by hand is passed on as
    // an empty seal, which no client can open and each shows as unreadable.
    let sealed = SealedBody::from_stored(&record.body).map_or_else(
        || Sealed {
            key: 0,
            device: None,
            counter: 0,
            iv: String::new(),
            ciphertext: String::new(),
        },
        |body| Sealed {
            key: body.key,
            device: body.device,
            counter: body.counter,
            iv: body.iv,
            ciphertext: body.ciphertext,
        },
    );
    Message {
        id: record.id,
        conversation_id: record.chat.0,
        from: record.from,
        sealed,
        sent_at: record.sent_at.as_millis(),
        seq: record.seq,
    }
}

/// A sealed message of the format, from the sender it names: the asker names no device, a
/// counselor one of their own.
async fn sealed_body(
    reception: &Reception,
    from: Sender,
    counselor: Option<CounselorId>,
    sealed: &Sealed,
) -> AppResult<SealedBody> {
    let body = SealedBody::parse(
        sealed.key,
        sealed.device,
        sealed.counter,
        &sealed.iv,
        &sealed.ciphertext,
    )
    .map_err(|error| match error {
        SealedError::TooLong { .. } => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::MessageTooLong,
            format!(
                "{error} (a text of at most {} characters)",
                pforte_wire::MAX_MESSAGE_CHARS
            ),
        ),
        SealedError::Invalid(why) => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::SealedInvalid,
            format!("not a sealed message: {why}"),
        ),
    })?;
    match (from, body.device, counselor) {
        (Sender::Asker, None, _) => Ok(body),
        (Sender::Counselor, Some(device), Some(counselor)) => {
            let devices = reception.store.devices(counselor).await?;
            if devices.iter().any(|d| d.id == device) {
                Ok(body)
            } else {
                Err(unknown_device())
            }
        }
        (Sender::Asker, Some(_), _) => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::SealedInvalid,
            "the asker's messages name no device",
        )),
        (Sender::Counselor, _, _) => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::SealedInvalid,
            "a counselor's message names the device that sealed it",
        )),
    }
}

pub(crate) fn unknown_device() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::UnknownDevice,
        "this device is not one of yours (removed under \"Meine Geräte\"?)",
    )
}

pub(crate) async fn message_list(
    reception: &Reception,
    chat: RequestId,
) -> AppResult<AppJson<MessageList>> {
    let messages = reception.store.messages(chat).await?;
    Ok(AppJson(MessageList {
        messages: messages.iter().map(wire_message).collect(),
    }))
}

/// A message posted: new (201) or a retry of one stored before (200, not announced again).
pub(crate) struct Posted {
    pub message: Message,
    pub new: bool,
}

impl Posted {
    pub fn status(&self) -> StatusCode {
        if self.new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        }
    }
}

/// Store a message of a running conversation, then deliver it to both sides.
pub(crate) async fn post_message(
    reception: &Reception,
    chat: RequestId,
    chat_counselor: Option<CounselorId>,
    from: Sender,
    body: SendMessage,
) -> AppResult<Posted> {
    let sealed = sealed_body(reception, from, chat_counselor, &body.sealed).await?;
    let mut record = MessageRecord {
        id: Uuid::new_v4(),
        seq: 0,
        client_id: body.client_id,
        chat,
        from,
        body: sealed.to_stored(),
        sent_at: now(),
    };
    let counselor = chat_counselor.filter(|_| from == Sender::Counselor);
    // The other instances hear of it from the writer, after the commit and the answer.
    let tell = Tell {
        instance: reception.instance(),
        counselor: chat_counselor,
    };
    let added = reception
        .messages
        .add(
            NewMessage {
                message: record.clone(),
                counselor,
            },
            Some(tell),
        )
        .await?;
    match added {
        Added::Before(stored) => {
            return Ok(Posted {
                message: wire_message(&stored),
                new: false,
            })
        }
        Added::Now { seq } => record.seq = seq,
    }
    let message = wire_message(&record);
    reception
        .deliver_messages(chat, chat_counselor, vec![record])
        .await;
    Ok(Posted { message, new: true })
}

async fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no such endpoint",
    )
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take this method",
    )
}

async fn openapi_json() -> Response {
    axum::Json(openapi::document()).into_response()
}

/// Every `/api` route.
pub fn router(limits: Arc<Limits>) -> Router<Arc<Reception>> {
    Router::new()
        .route("/api/health", get(asker::health))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/topics", get(asker::topics))
        .route("/api/topics/{slug}", get(asker::topic))
        .route("/api/waiting-room", post(asker::enter))
        .route("/api/asker", get(asker::state))
        .route("/api/asker/leave", post(asker::leave))
        .route(
            "/api/asker/messages",
            get(asker::messages).post(asker::send),
        )
        .route("/api/asker/end", post(asker::end))
        .route("/api/asker/keys", get(keys::asker_keys))
        .route("/api/auth/login", post(counselor::login))
        .route("/api/auth/logout", post(counselor::logout))
        .route("/api/me", get(counselor::get_me))
        .route("/api/me/availability", put(counselor::switch_availability))
        .route("/api/me/password", put(counselor::change_password))
        .route("/api/me/devices", get(keys::devices).post(keys::add_device))
        .route(
            "/api/me/devices/{id}",
            axum::routing::delete(keys::remove_device),
        )
        .route(
            "/api/admin/topics",
            get(admin::topics).post(admin::create_topic),
        )
        .route(
            "/api/admin/topics/{slug}",
            patch(admin::change_topic).delete(admin::delete_topic),
        )
        .route(
            "/api/admin/counselors",
            get(admin::counselors).post(admin::create_counselor),
        )
        .route(
            "/api/admin/counselors/{login}",
            patch(admin::change_counselor),
        )
        .route(
            "/api/admin/counselors/{login}/deactivate",
            post(admin::deactivate),
        )
        .route(
            "/api/admin/counselors/{login}/reactivate",
            post(admin::reactivate),
        )
        .route(
            "/api/admin/counselors/{login}/reset-password",
            post(admin::reset_password),
        )
        .route(
            "/api/admin/counselors/{login}/switch-off",
            post(admin::switch_off),
        )
        .route("/api/admin/audit", get(admin::audit))
        .route("/api/admin/overview", get(admin::overview))
        .route("/api/me/offline", post(counselor::go_offline))
        .route("/api/me/absence", put(counselor::set_absence))
        .route("/api/me/coverage", get(counselor::coverage))
        .route(
            "/api/me/shifts",
            get(hours::get_shifts).put(hours::set_shifts),
        )
        .route("/api/topics/{slug}/plan", get(hours::plan))
        .route("/api/me/statistics", get(statistics::figures))
        .route("/api/me/statistics.xlsx", get(statistics::workbook))
        .route("/api/requests", get(counselor::requests))
        .route("/api/requests/{id}/accept", post(counselor::accept))
        .route("/api/conversations", get(counselor::conversations))
        .route("/api/conversations/{id}", get(counselor::conversation))
        .route(
            "/api/conversations/{id}/messages",
            get(counselor::messages).post(counselor::send),
        )
        .route("/api/conversations/{id}/end", post(counselor::end))
        .route(
            "/api/conversations/{id}/keys",
            get(keys::conversation_keys).post(keys::new_key),
        )
        .route(
            "/api/conversations/{id}/keys/{key}/devices",
            post(keys::give_key),
        )
        .route("/api/gates/ws", get(crate::ws::gates))
        .route("/api/asker/ws", get(crate::ws::asker))
        .route("/api/counselor/ws", get(crate::ws::counselor))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(Extension(limits))
}
