//! The anonymous side: topics, the waiting room, the asker's own chat.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use pforte_domain::{Command, Party, RequestId, TopicId};
use pforte_wire::{
    ApiError, AskerState, EnterWaitingRoom, EnteredWaitingRoom, ErrorCode, Health, Message,
    MessageList, PublicTopic, PublicTopicList, SendMessage, Sender,
};
use uuid::Uuid;

use super::client::Client;
use super::extract::{AppJson, AppPath, AskerAuth, AskerSending};
use super::origins::Topic;
use super::{post_message, Limits};
use crate::error::{AppError, AppResult};
use crate::reception::Reception;
use crate::secrets::{new_pseudonym, new_token, token_hash};
use crate::store::{ChatState, NewChat};

#[utoipa::path(get, path = "/api/health", tag = "public",
    responses((status = 200, body = Health)))]
pub async fn health() -> AppJson<Health> {
    AppJson(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

async fn public_topics(reception: &Reception) -> Vec<PublicTopic> {
    let now = reception.clock();
    reception
        .read(|desk| {
            let directory = reception.directory();
            let mut topics: Vec<PublicTopic> = desk
                .live_chat_topics()
                .filter_map(|id| directory.topics.get(&id))
                .map(|topic| {
                    let (current_slot, next_opening, hours_note) =
                        reception.public_hours(desk, topic.id, now);
                    PublicTopic {
                        id: topic.id.0,
                        slug: topic.slug.clone(),
                        name: topic.name.clone(),
                        gate_open: desk.gate_open(topic.id),
                        chat_hours: topic.chat_hours.clone(),
                        current_slot,
                        next_opening,
                        hours_note,
                    }
                })
                .collect();
            topics.sort_by(|a, b| a.name.cmp(&b.name));
            topics
        })
        .await
}

/// The topics that offer live chat, each with whether its waiting room is open now.
#[utoipa::path(get, path = "/api/topics", tag = "public",
    responses((status = 200, body = PublicTopicList)))]
pub async fn topics(State(reception): State<Arc<Reception>>) -> AppJson<PublicTopicList> {
    AppJson(PublicTopicList {
        topics: public_topics(&reception).await,
    })
}

/// One topic that offers live chat (for a direct link).
#[utoipa::path(get, path = "/api/topics/{slug}", tag = "public",
    params(("slug" = String, Path, description = "the topic's slug")),
    responses((status = 200, body = PublicTopic), (status = 404, body = ApiError)))]
pub async fn topic(
    State(reception): State<Arc<Reception>>,
    AppPath(slug): AppPath<String>,
) -> AppResult<AppJson<PublicTopic>> {
    public_topics(&reception)
        .await
        .into_iter()
        .find(|t| t.slug == slug)
        .map(AppJson)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownTopic,
                "no topic with live chat has this slug",
            )
        })
}

/// Enter the waiting room of a topic. Refused with `gate_closed` while nobody of the topic is
/// available; then nothing is created and nobody is told.
#[utoipa::path(post, path = "/api/waiting-room", tag = "asker",
    request_body = EnterWaitingRoom,
    responses(
        (status = 201, body = EnteredWaitingRoom),
        (status = 409, body = ApiError, description = "`gate_closed`, `live_chat_disabled`"),
        (status = 403, body = ApiError, description = "`origin_not_allowed`: sent from a page of a website that may not embed the topic"),
        (status = 404, body = ApiError, description = "`unknown_topic`"),
        (status = 422, body = ApiError, description = "`consent_required`"),
        (status = 429, body = ApiError, description = "`rate_limited`"),
    ))]
pub async fn enter(
    State(reception): State<Arc<Reception>>,
    Extension(limits): Extension<Arc<Limits>>,
    Client(client): Client,
    headers: HeaderMap,
    AppJson(body): AppJson<EnterWaitingRoom>,
) -> AppResult<(StatusCode, AppJson<EnteredWaitingRoom>)> {
    super::origins::check(&reception, &headers, Topic::Id(TopicId(body.topic_id)))?;
    limits.check_enter(client)?;
    if !body.consent {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ConsentRequired,
            "please agree to the terms of the chat first",
        ));
    }
    let asker_key = super::keys::asker_key(&body.public_key)?;
    let token = new_token();
    let pseudonym = new_pseudonym();
    let request = RequestId(Uuid::new_v4());
    let topic = TopicId(body.topic_id);
    let (_, position) = reception
        .decide(
            Command::Enter {
                request,
                topic,
                pseudonym: pseudonym.clone(),
                asker_key: asker_key.as_str().to_owned(),
            },
            Some(NewChat {
                token_hash: token_hash(&token),
                pseudonym: pseudonym.clone(),
                asker_key: asker_key.as_str().to_owned(),
            }),
            |desk| desk.position(request),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        AppJson(EnteredWaitingRoom {
            token,
            request_id: request.0,
            pseudonym,
            topic_id: topic.0,
            position: position.and_then(|p| u32::try_from(p).ok()).unwrap_or(1),
        }),
    ))
}

/// Where the asker stands: waiting (with position), chatting, or ended.
#[utoipa::path(get, path = "/api/asker", tag = "asker", security(("asker_token" = [])),
    responses((status = 200, body = AskerState), (status = 401, body = ApiError)))]
pub async fn state(
    State(reception): State<Arc<Reception>>,
    asker: AskerAuth,
) -> AppJson<AskerState> {
    AppJson(
        reception
            .read(|desk| reception.asker_state(desk, &asker.chat))
            .await,
    )
}

/// Leave the waiting room.
#[utoipa::path(post, path = "/api/asker/leave", tag = "asker", security(("asker_token" = [])),
    responses((status = 204), (status = 409, body = ApiError, description = "`request_gone`")))]
pub async fn leave(
    State(reception): State<Arc<Reception>>,
    asker: AskerAuth,
) -> AppResult<StatusCode> {
    reception
        .run(Command::Leave {
            request: asker.chat.id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_accepted() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        ErrorCode::NotAccepted,
        "no counselor has accepted this request yet",
    )
}

/// The messages of the asker's conversation.
#[utoipa::path(get, path = "/api/asker/messages", tag = "asker", security(("asker_token" = [])),
    responses((status = 200, body = MessageList), (status = 401, body = ApiError)))]
pub async fn messages(
    State(reception): State<Arc<Reception>>,
    asker: AskerAuth,
) -> AppResult<AppJson<MessageList>> {
    super::message_list(&reception, asker.chat.id).await
}

/// Send a message; answered once it is stored.
#[utoipa::path(post, path = "/api/asker/messages", tag = "asker", security(("asker_token" = [])),
    request_body = SendMessage,
    responses(
        (status = 201, body = Message, description = "stored"),
        (status = 200, body = Message, description = "a retry (same `client_id`): stored before"),
        (status = 409, body = ApiError, description = "`not_accepted`, `conversation_ended`"),
        (status = 422, body = ApiError, description = "`sealed_invalid`, `message_too_long`"),
    ))]
pub async fn send(
    State(reception): State<Arc<Reception>>,
    asker: AskerSending,
    AppJson(body): AppJson<SendMessage>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    if asker.state == ChatState::Waiting {
        return Err(not_accepted());
    }
    let posted = post_message(&reception, asker.chat, asker.counselor, Sender::Asker, body).await?;
    Ok((posted.status(), AppJson(posted.message)))
}

/// End the conversation ("Chat beenden"). It is read-only afterwards.
#[utoipa::path(post, path = "/api/asker/end", tag = "asker", security(("asker_token" = [])),
    responses((status = 204), (status = 409, body = ApiError, description = "`not_accepted`, `request_gone`, `conversation_ended`")))]
pub async fn end(
    State(reception): State<Arc<Reception>>,
    asker: AskerAuth,
) -> AppResult<StatusCode> {
    match asker.chat.state {
        ChatState::Waiting => return Err(not_accepted()),
        ChatState::RequestEnded => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::RequestGone,
                "there is no conversation to end: the request ended before a counselor accepted it",
            ))
        }
        ChatState::Chatting | ChatState::ChatEnded => {}
    }
    reception
        .run(Command::EndConversation {
            conversation: asker.chat.id,
            by: Party::Asker,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
