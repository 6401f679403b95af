//! The counselor side: login, availability, absence, live-chat requests, conversations.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use pforte_domain::text::AbsenceText;
use pforte_domain::{Command, CounselorId, Party, RequestId, SwitchReason};
use pforte_wire::{
    AcceptRequest, ApiError, Availability, ChangePassword, Conversation, ConversationList,
    CoverageList, ErrorCode, GoOffline, LiveChatRequestList, LoggedIn, Login, Me, Message,
    MessageList, SendMessage, Sender, SessionEndReason, SetAbsence, SwitchAvailability, TopicRef,
    MAX_ABSENCE_MESSAGE_CHARS,
};
use uuid::Uuid;

use super::client::Client;
use super::extract::{AppJson, AppPath, AppQuery, CounselorAuth};
use super::{post_message, Limits};
use crate::error::{AppError, AppResult};
use crate::reception::{now, Reception};
use crate::secrets::{new_token, token_hash, verify_password, DUMMY_HASH};
use crate::store::ChatRecord;

async fn me(reception: &Reception, counselor: CounselorId) -> AppResult<Me> {
    let availability = reception
        .read(|desk| reception.availability(desk, counselor))
        .await;
    let (name, display_name, topics) = {
        let directory = reception.directory();
        let record = directory
            .counselors
            .get(&counselor)
            .ok_or_else(AppError::unauthorized)?;
        let mut topics: Vec<TopicRef> = record
            .topics
            .iter()
            .filter_map(|id| directory.topics.get(id))
            .map(|t| TopicRef {
                id: t.id.0,
                slug: t.slug.clone(),
                name: t.name.clone(),
                live_chat: t.live_chat,
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        (record.name.clone(), record.display_name.clone(), topics)
    };
    // The account's rights as stored now, not as this instance last read them.
    let account = reception
        .store
        .counselor(counselor)
        .await?
        .filter(|c| !c.deactivated)
        .ok_or_else(AppError::unauthorized)?;
    Ok(Me {
        id: counselor.0,
        name,
        display_name,
        topics,
        availability,
        operator: account.operator,
        must_change_password: account.must_change_password,
    })
}

/// Log in. Never switches availability on.
#[utoipa::path(post, path = "/api/auth/login", tag = "counselor", request_body = Login,
    responses(
        (status = 200, body = LoggedIn),
        (status = 401, body = ApiError, description = "`invalid_credentials`"),
        (status = 429, body = ApiError, description = "`rate_limited`: too many attempts from this client, or too many failed logins for this name (then with `Retry-After`)"),
    ))]
pub async fn login(
    State(reception): State<Arc<Reception>>,
    Extension(limits): Extension<Arc<Limits>>,
    Client(client): Client,
    AppJson(body): AppJson<Login>,
) -> AppResult<Response> {
    limits.check_login(client)?;
    let name = body.name.trim();
    if let Err(wait) = limits.check_account(name, client) {
        let seconds = wait.as_secs().max(1);
        let mut refused = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("too many failed logins for this name; try again in {seconds} s"),
        )
        .into_response();
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            refused.headers_mut().insert(RETRY_AFTER, value);
        }
        return Ok(refused);
    }
    let found = reception.store.counselor_login(name).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |(_, hash)| hash.clone());
    let password = body.password;
    let valid = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::internal("password check failed", &e))?;
    limits.login_result(name, client, valid && found.is_some());
    let Some((counselor, _)) = found.filter(|_| valid) else {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "name or password is wrong",
        ));
    };
    let token = new_token();
    let now = now();
    let expires_at = now.plus(reception.settings.session_ttl);
    reception
        .store
        .create_session(counselor, &token_hash(&token), now, expires_at)
        .await?;
    let me = me(&reception, counselor).await?;
    Ok(AppJson(LoggedIn {
        token,
        expires_at: expires_at.as_millis(),
        must_change_password: me.must_change_password,
        me,
    })
    .into_response())
}

/// Set a new password: with the current one (after a one-time password, this is the first
/// thing to do). Other sessions stay.
#[utoipa::path(put, path = "/api/me/password", tag = "counselor",
    security(("session_token" = [])), request_body = ChangePassword,
    responses(
        (status = 204),
        (status = 403, body = ApiError, description = "`wrong_password`: the current password is wrong"),
        (status = 422, body = ApiError, description = "`password_too_short`, `password_too_long`, `password_invalid`"),
    ))]
pub async fn change_password(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppJson(body): AppJson<ChangePassword>,
) -> AppResult<StatusCode> {
    let new = pforte_domain::text::Password::parse(&body.new_password)?;
    let hash = reception
        .store
        .password_hash(auth.counselor)
        .await?
        .ok_or_else(AppError::unauthorized)?;
    let current = body.current_password;
    let valid = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .map_err(|e| AppError::internal("password check failed", &e))?;
    if !valid {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::WrongPassword,
            "the current password is wrong",
        ));
    }
    let hash = tokio::task::spawn_blocking(move || crate::secrets::hash_password(new.as_str()))
        .await
        .map_err(|e| AppError::internal("hashing failed", &e))?
        .map_err(|e| AppError::internal("hashing failed", &e))?;
    reception
        .store
        .change_own_password(auth.counselor, &hash)
        .await?;
    if let Err(error) = reception.reload_directory().await {
        tracing::warn!(%error, "applying a password change here failed; the next look will");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Log out this device. Switches availability off on every device.
#[utoipa::path(post, path = "/api/auth/logout", tag = "counselor", security(("session_token" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn logout(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
) -> AppResult<StatusCode> {
    end_session(
        &reception,
        auth,
        SwitchReason::Logout,
        SessionEndReason::LoggedOut,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End a session: off first, then forget the session and close its sockets.
pub async fn end_session(
    reception: &Reception,
    auth: CounselorAuth,
    reason: SwitchReason,
    told: SessionEndReason,
) -> AppResult<()> {
    reception
        .run(Command::SwitchAvailability {
            counselor: auth.counselor,
            on: false,
            reason,
        })
        .await?;
    reception.store.delete_session(auth.session).await?;
    reception.end_session(auth.session, told).await;
    Ok(())
}

/// The logged-in counselor, their topics and availability.
#[utoipa::path(get, path = "/api/me", tag = "counselor", security(("session_token" = [])),
    responses((status = 200, body = Me), (status = 401, body = ApiError)))]
pub async fn get_me(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
) -> AppResult<AppJson<Me>> {
    Ok(AppJson(me(&reception, auth.counselor).await?))
}

async fn availability(reception: &Reception, counselor: CounselorId) -> AppJson<Availability> {
    AppJson(
        reception
            .read(|desk| reception.availability(desk, counselor))
            .await,
    )
}

/// Switch "Meine Live-Chat Verfügbarkeit" on or off (shows on every device at once).
#[utoipa::path(put, path = "/api/me/availability", tag = "counselor",
    security(("session_token" = [])), request_body = SwitchAvailability,
    responses((status = 200, body = Availability), (status = 409, body = ApiError, description = "`absent`")))]
pub async fn switch_availability(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppJson(body): AppJson<SwitchAvailability>,
) -> AppResult<AppJson<Availability>> {
    reception
        .run(Command::SwitchAvailability {
            counselor: auth.counselor,
            on: body.on,
            reason: SwitchReason::Toggle,
        })
        .await?;
    Ok(availability(&reception, auth.counselor).await)
}

/// Going offline (desktop window closed, app quit, screen locked, system sleep). Idempotent
/// and fast: the desktop app waits for it before its window goes.
#[utoipa::path(post, path = "/api/me/offline", tag = "counselor",
    security(("session_token" = [])), request_body = GoOffline,
    responses((status = 200, body = Availability)))]
pub async fn go_offline(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppJson(body): AppJson<GoOffline>,
) -> AppResult<AppJson<Availability>> {
    reception
        .run(Command::SwitchAvailability {
            counselor: auth.counselor,
            on: false,
            reason: crate::convert::offline_reason(body.reason),
        })
        .await?;
    Ok(availability(&reception, auth.counselor).await)
}

/// "Meine Abwesenheit": absence forces availability off and blocks switching it on.
#[utoipa::path(put, path = "/api/me/absence", tag = "counselor",
    security(("session_token" = [])), request_body = SetAbsence,
    responses((status = 200, body = Availability), (status = 422, body = ApiError)))]
pub async fn set_absence(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppJson(body): AppJson<SetAbsence>,
) -> AppResult<AppJson<Availability>> {
    let message = match body.message.as_deref().map(AbsenceText::parse) {
        None | Some(Ok(None)) => None,
        Some(Ok(Some(text))) => Some(text.into_string()),
        Some(Err(_)) => {
            return Err(AppError::invalid_field(format!(
                "the absence message may have at most {MAX_ABSENCE_MESSAGE_CHARS} characters"
            )))
        }
    }
    .filter(|_| body.absent);
    reception
        .store
        .set_absence_message(auth.counselor, message.as_deref())
        .await?;
    reception.set_absence_message(auth.counselor, message);
    let events = reception
        .run(Command::SetAbsence {
            counselor: auth.counselor,
            absent: body.absent,
        })
        .await?;
    if events.is_empty() {
        // Only the message changed: the other devices still need to see it.
        reception.republish_availability(auth.counselor).await;
    }
    let current = availability(&reception, auth.counselor).await;
    Ok(current)
}

/// Per topic of the counselor: available colleagues and waiting askers.
#[utoipa::path(get, path = "/api/me/coverage", tag = "counselor",
    security(("session_token" = [])), responses((status = 200, body = CoverageList)))]
pub async fn coverage(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
) -> AppJson<CoverageList> {
    let topics = reception
        .read(|desk| {
            desk.topics_of(auth.counselor)
                .map(|topic| reception.coverage(desk, topic))
                .collect()
        })
        .await;
    AppJson(CoverageList { topics })
}

/// Which page of the waiting requests.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// How many to skip (oldest first).
    #[serde(default)]
    #[param(required = false, minimum = 0)]
    offset: u32,
    /// How many at most (default 500, at most 1000).
    #[serde(default = "default_limit")]
    #[param(required = false, minimum = 1, maximum = 1000)]
    limit: usize,
}

fn default_limit() -> usize {
    500
}

/// "Erstanfragen > Live-Chat Anfragen": waiting requests of the counselor's topics, oldest
/// first, a page at a time. Only while available.
#[utoipa::path(get, path = "/api/requests", tag = "counselor",
    security(("session_token" = [])), params(Page),
    responses((status = 200, body = LiveChatRequestList), (status = 409, body = ApiError, description = "`not_available`")))]
pub async fn requests(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppQuery(page): AppQuery<Page>,
) -> AppResult<AppJson<LiveChatRequestList>> {
    if !(1..=1000).contains(&page.limit) {
        return Err(AppError::invalid_parameter(
            "`limit` must be between 1 and 1000",
        ));
    }
    let (requests, total) = reception
        .read(|desk| {
            desk.live_chat_requests(auth.counselor).map(|list| {
                let total = list.len();
                let requests = list
                    .into_iter()
                    .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
                    .take(page.limit)
                    .map(|r| reception.live_chat_request(r))
                    .collect();
                (requests, total)
            })
        })
        .await?;
    Ok(AppJson(LiveChatRequestList {
        requests,
        total: u32::try_from(total).unwrap_or(u32::MAX),
    }))
}

/// "Chat starten": accept a request. Of simultaneous accepts exactly one wins.
/// The body carries the chat's content key, made by the accepting device and wrapped for the
/// asker and for each of the counselor's devices.
#[utoipa::path(post, path = "/api/requests/{id}/accept", tag = "counselor",
    security(("session_token" = [])),
    params(("id" = Uuid, Path, description = "the request")),
    request_body = AcceptRequest,
    responses(
        (status = 200, body = Conversation),
        (status = 422, body = ApiError, description = "`key_invalid`"),
        (status = 409, body = ApiError, description = "`already_taken`, `request_gone`, `not_available`, `no_free_seat` (all the counselor's seats are taken), `devices_changed` (wrap for exactly your current devices)"),
        (status = 403, body = ApiError, description = "`not_your_topic`"),
    ))]
pub async fn accept(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<AcceptRequest>,
) -> AppResult<AppJson<Conversation>> {
    let request = RequestId(id);
    // Taken already, as this instance's desk knows (taken it stays): refused as the accept
    // would be, without storing the keys of a loser first. Of 200 simultaneous accepts, most
    // end here.
    let taken = reception
        .read(|desk| {
            desk.is_available(auth.counselor)
                && desk.waiting_request(request).is_none()
                && desk.conversation(request).is_some()
        })
        .await;
    if taken {
        return Err(pforte_domain::DeskError::AlreadyTaken.into());
    }
    let grant = crate::grant::Grant::first(&body.keys)?;
    reception.accept(request, auth.counselor, grant).await?;
    let chat = own_chat(&reception, auth, request).await?;
    Ok(AppJson(
        reception
            .read(|desk| reception.conversation(desk, &chat))
            .await,
    ))
}

/// A chat the counselor accepted, or 404 (someone else's chats do not exist for them).
async fn own_chat(
    reception: &Reception,
    auth: CounselorAuth,
    id: RequestId,
) -> AppResult<ChatRecord> {
    reception
        .store
        .chat(id)
        .await?
        .filter(|chat| chat.counselor == Some(auth.counselor))
        .ok_or_else(|| AppError::not_found("conversation"))
}

/// "Meine Beratungen": running conversations first, then ended ones.
#[utoipa::path(get, path = "/api/conversations", tag = "counselor",
    security(("session_token" = [])), responses((status = 200, body = ConversationList)))]
pub async fn conversations(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
) -> AppResult<AppJson<ConversationList>> {
    let chats = reception.store.chats_of(auth.counselor).await?;
    let conversations = reception
        .read(|desk| {
            chats
                .iter()
                .map(|chat| reception.conversation(desk, chat))
                .collect()
        })
        .await;
    Ok(AppJson(ConversationList { conversations }))
}

#[utoipa::path(get, path = "/api/conversations/{id}", tag = "counselor",
    security(("session_token" = [])),
    params(("id" = Uuid, Path, description = "the conversation")),
    responses((status = 200, body = Conversation), (status = 404, body = ApiError)))]
pub async fn conversation(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
) -> AppResult<AppJson<Conversation>> {
    let chat = own_chat(&reception, auth, RequestId(id)).await?;
    Ok(AppJson(
        reception
            .read(|desk| reception.conversation(desk, &chat))
            .await,
    ))
}

#[utoipa::path(get, path = "/api/conversations/{id}/messages", tag = "counselor",
    security(("session_token" = [])),
    params(("id" = Uuid, Path, description = "the conversation")),
    responses((status = 200, body = MessageList), (status = 404, body = ApiError)))]
pub async fn messages(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
) -> AppResult<AppJson<MessageList>> {
    let chat = own_chat(&reception, auth, RequestId(id)).await?;
    super::message_list(&reception, chat.id).await
}

/// Send a message; answered once it is stored.
#[utoipa::path(post, path = "/api/conversations/{id}/messages", tag = "counselor",
    security(("session_token" = [])), request_body = SendMessage,
    params(("id" = Uuid, Path, description = "the conversation")),
    responses(
        (status = 201, body = Message, description = "stored"),
        (status = 200, body = Message, description = "a retry (same `client_id`): stored before"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "`conversation_ended`"),
        (status = 403, body = ApiError, description = "`unknown_device`: the sealing device is not one of yours"),
        (status = 422, body = ApiError, description = "`sealed_invalid`, `message_too_long`"),
    ))]
pub async fn send(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<SendMessage>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let chat = own_chat(&reception, auth, RequestId(id)).await?;
    let posted = post_message(&reception, chat.id, chat.counselor, Sender::Counselor, body).await?;
    Ok((posted.status(), AppJson(posted.message)))
}

/// "Chat beenden". The conversation is read-only afterwards.
#[utoipa::path(post, path = "/api/conversations/{id}/end", tag = "counselor",
    security(("session_token" = [])),
    params(("id" = Uuid, Path, description = "the conversation")),
    responses((status = 204), (status = 404, body = ApiError), (status = 409, body = ApiError, description = "`conversation_ended`")))]
pub async fn end(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
) -> AppResult<StatusCode> {
    let chat = own_chat(&reception, auth, RequestId(id)).await?;
    reception
        .run(Command::EndConversation {
            conversation: chat.id,
            by: Party::Counselor(auth.counselor),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
