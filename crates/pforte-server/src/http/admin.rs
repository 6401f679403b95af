//! The operator console's REST side (`/api/admin/…`): topics, counselor accounts, the forced
//! switch-off, the audit log and the live overview. Only operators: everyone else is refused
//! with `403 operator_only`. The work is done by `operator.rs`, the same code the command
//! line runs; what needs the desk (switching off, deleting a topic) goes through the
//! reception like every desk command, so every instance applies it at once.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use pforte_domain::text::{Name, OperatorReason, SeatLimit};
use pforte_domain::{Command, Desk, SwitchReason};
use pforte_wire::{
    AdminCounselor, AdminCounselorList, AdminTopic, AdminTopicList, ApiError, AuditEntry,
    AuditPage, ChangeCounselor, ChangeTopic, CreateCounselor, CreateTopic, ErrorCode,
    OneTimePassword, Overview, SessionEndReason, SwitchOff,
};
use serde::Deserialize;
use serde_json::json;

use super::extract::{AppJson, AppPath, AppQuery, CounselorAuth};
use crate::error::{AppError, AppResult};
use crate::operator::{self, find_counselor, NewCounselor, NewTopic};
use crate::reception::Reception;
use crate::store::{Actor, CounselorRecord, TopicRecord};

/// A logged-in operator.
pub struct OperatorAuth {
    pub actor: Actor,
}

impl FromRequestParts<Arc<Reception>> for OperatorAuth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        reception: &Arc<Reception>,
    ) -> Result<Self, Self::Rejection> {
        let auth = CounselorAuth::from_request_parts(parts, reception).await?;
        // The rights as stored now: a flag taken away counts at once, on every instance.
        match reception.store.counselor(auth.counselor).await? {
            Some(c) if c.operator && !c.deactivated => Ok(Self {
                actor: Actor::Operator {
                    id: c.id,
                    login: c.name,
                },
            }),
            _ => Err(AppError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::OperatorOnly,
                "only operators (Administrator_innen) may do this",
            )),
        }
    }
}

/// Apply the change on this instance before answering (the others hear of it through the
/// log's notification, or look within a second).
async fn applied(reception: &Reception) {
    if let Err(error) = reception.reload_directory().await {
        tracing::warn!(%error, "applying an operator's change here failed; the next look will");
    }
}

fn admin_topic(reception: &Reception, desk: &Desk, topic: &TopicRecord) -> AdminTopic {
    let open = desk.queue_len(topic.id) + desk.conversations_in(topic.id);
    AdminTopic {
        id: topic.id.0,
        slug: topic.slug.clone(),
        name: topic.name.clone(),
        live_chat: topic.live_chat,
        chat_hours: topic.chat_hours.clone(),
        open_chats: u32::try_from(open).unwrap_or(u32::MAX),
        hours_text: operator::hours_text(topic),
        hours_note: topic
            .schedule
            .as_ref()
            .map(|s| s.note().to_owned())
            .unwrap_or_default(),
        time_zone: topic
            .schedule
            .as_ref()
            .map(|s| s.zone().name().to_owned())
            .unwrap_or_else(|| reception.settings.time_zone.name().to_owned()),
        seats: topic.seats,
        embed_origins: topic
            .embed_origins
            .iter()
            .map(|o| o.as_str().to_owned())
            .collect(),
    }
}

fn admin_counselor(desk: &Desk, topics: &[TopicRecord], c: &CounselorRecord) -> AdminCounselor {
    let mut slugs: Vec<String> = c
        .topics
        .iter()
        .filter_map(|id| topics.iter().find(|t| t.id == *id))
        .map(|t| t.slug.clone())
        .collect();
    slugs.sort();
    AdminCounselor {
        id: c.id.0,
        login: c.name.clone(),
        display_name: c.display_name.clone(),
        topics: slugs,
        operator: c.operator,
        deactivated: c.deactivated,
        must_change_password: c.must_change_password,
        available: !c.deactivated && desk.is_available(c.id),
        seats: c.seats,
    }
}

async fn counselor_view(reception: &Reception, c: &CounselorRecord) -> AppResult<AdminCounselor> {
    let topics = reception.store.topics().await?;
    Ok(admin_counselor(&reception.desk(), &topics, c))
}

/// Every topic.
#[utoipa::path(get, path = "/api/admin/topics", tag = "operator", security(("session_token" = [])),
    responses((status = 200, body = AdminTopicList), (status = 403, body = ApiError, description = "`operator_only`")))]
pub async fn topics(
    State(reception): State<Arc<Reception>>,
    _operator: OperatorAuth,
) -> AppResult<AppJson<AdminTopicList>> {
    let desk = reception.desk();
    let topics = reception.store.topics().await?;
    Ok(AppJson(AdminTopicList {
        topics: topics
            .iter()
            .map(|t| admin_topic(&reception, &desk, t))
            .collect(),
    }))
}

/// Create a topic.
#[utoipa::path(post, path = "/api/admin/topics", tag = "operator", security(("session_token" = [])),
    request_body = CreateTopic,
    responses(
        (status = 201, body = AdminTopic),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 409, body = ApiError, description = "`slug_taken`"),
        (status = 422, body = ApiError, description = "`slug_invalid`, `slug_too_short`, `slug_too_long`, `name_empty`, `name_too_long`, `name_invalid`"),
    ))]
pub async fn create_topic(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppJson(body): AppJson<CreateTopic>,
) -> AppResult<(StatusCode, AppJson<AdminTopic>)> {
    let new = NewTopic::parse(
        &body.slug,
        &body.name,
        body.live_chat,
        body.chat_hours.as_deref(),
    )?;
    let topic = operator::create_topic(reception.store.as_ref(), &operator.actor, new).await?;
    applied(&reception).await;
    Ok((
        StatusCode::CREATED,
        AppJson(admin_topic(&reception, &reception.desk(), &topic)),
    ))
}

/// Change a topic: its name, live chat, chat hours, seat limit, websites. Everything given is
/// checked before anything changes; each change is recorded in the audit log.
#[utoipa::path(patch, path = "/api/admin/topics/{slug}", tag = "operator", security(("session_token" = [])),
    params(("slug" = String, Path)), request_body = ChangeTopic,
    responses(
        (status = 200, body = AdminTopic),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_topic`"),
        (status = 422, body = ApiError, description = "`name_empty`, `name_too_long`, `name_invalid`, `seats_invalid`, the chat hours' codes (`unknown_weekday`, `overlapping_slots`, `exception_in_past`, …), the websites' codes (`origin_invalid`, `origin_not_https`, …)"),
    ))]
pub async fn change_topic(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(slug): AppPath<String>,
    AppJson(body): AppJson<ChangeTopic>,
) -> AppResult<AppJson<AdminTopic>> {
    let store = reception.store.as_ref();
    let actor = &operator.actor;
    let mut topic = store
        .topics()
        .await?
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| operator::OperatorError::UnknownTopic(slug.clone()))?;
    // Check everything before changing anything: a refusal leaves the topic as it was.
    if let Some(name) = &body.name {
        Name::parse(name)?;
    }
    let seats = body
        .seats
        .as_ref()
        .map(|s| SeatLimit::parse(s.limit))
        .transpose()?;
    if let Some(origins) = &body.embed_origins {
        operator::parse_origins(origins)?;
    }
    let zone = &reception.settings.time_zone;
    let now = reception.clock();
    if let Some(hours) = &body.hours {
        operator::check_hours(&topic, zone, &hours.text, &hours.note, now)?;
    }
    if let Some(name) = &body.name {
        topic = operator::rename_topic(store, actor, &slug, name).await?;
    }
    if let Some(on) = body.live_chat {
        topic = operator::set_live_chat(store, actor, &slug, on).await?;
    }
    if let Some(hours) = &body.hours {
        topic =
            operator::set_hours(store, actor, &slug, zone, &hours.text, &hours.note, now).await?;
    }
    if let Some(seats) = seats {
        topic = operator::set_topic_seats(store, actor, &slug, seats).await?;
    }
    if let Some(origins) = &body.embed_origins {
        topic = operator::set_embed_origins(store, actor, &slug, origins).await?;
    }
    applied(&reception).await;
    Ok(AppJson(admin_topic(&reception, &reception.desk(), &topic)))
}

/// Delete a topic: only while no request waits and no chat runs in it (its ended chats go
/// with it).
#[utoipa::path(delete, path = "/api/admin/topics/{slug}", tag = "operator", security(("session_token" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 204),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_topic`"),
        (status = 409, body = ApiError, description = "`topic_in_use`: a request waits or a chat runs in it"),
    ))]
pub async fn delete_topic(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(slug): AppPath<String>,
) -> AppResult<StatusCode> {
    let store = reception.store.as_ref();
    let topic = store
        .topics()
        .await?
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| operator::OperatorError::UnknownTopic(slug.clone()))?;
    let audit = operator::draft(
        &operator.actor,
        "topic_deleted",
        &slug,
        Some(operator::topic_json(&topic)),
        None,
    );
    reception
        .run_audited(Command::RemoveTopic { topic: topic.id }, &audit)
        .await?;
    applied(&reception).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Every counselor account.
#[utoipa::path(get, path = "/api/admin/counselors", tag = "operator", security(("session_token" = [])),
    responses((status = 200, body = AdminCounselorList), (status = 403, body = ApiError, description = "`operator_only`")))]
pub async fn counselors(
    State(reception): State<Arc<Reception>>,
    _operator: OperatorAuth,
) -> AppResult<AppJson<AdminCounselorList>> {
    let desk = reception.desk();
    let topics = reception.store.topics().await?;
    let counselors = reception.store.counselors().await?;
    Ok(AppJson(AdminCounselorList {
        counselors: counselors
            .iter()
            .map(|c| admin_counselor(&desk, &topics, c))
            .collect(),
    }))
}

/// Create an account with a one-time password (shown in this answer only; to be changed at
/// the first login).
#[utoipa::path(post, path = "/api/admin/counselors", tag = "operator", security(("session_token" = [])),
    request_body = CreateCounselor,
    responses(
        (status = 201, body = OneTimePassword),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_topic`"),
        (status = 409, body = ApiError, description = "`login_taken`"),
        (status = 422, body = ApiError, description = "`login_empty`, `login_too_long`, `login_invalid`, `name_empty`, `name_too_long`, `name_invalid`, `slug_invalid`, …"),
    ))]
pub async fn create_counselor(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppJson(body): AppJson<CreateCounselor>,
) -> AppResult<(StatusCode, AppJson<OneTimePassword>)> {
    let new = NewCounselor::parse(
        &body.login,
        Some(&body.display_name),
        &body.topics,
        body.operator,
        None,
    )?;
    let (counselor, password) =
        operator::add_counselor(reception.store.as_ref(), &operator.actor, new).await?;
    applied(&reception).await;
    Ok((
        StatusCode::CREATED,
        AppJson(OneTimePassword {
            counselor: counselor_view(&reception, &counselor).await?,
            one_time_password: password.unwrap_or_default(),
        }),
    ))
}

/// Change a counselor's topics, operator flag or seat limit. Everything given is checked
/// before anything changes.
#[utoipa::path(patch, path = "/api/admin/counselors/{login}", tag = "operator", security(("session_token" = [])),
    params(("login" = String, Path)), request_body = ChangeCounselor,
    responses(
        (status = 200, body = AdminCounselor),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_counselor`, `unknown_topic`"),
        (status = 422, body = ApiError, description = "`slug_invalid`, `seats_invalid`, …"),
    ))]
pub async fn change_counselor(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(login): AppPath<String>,
    AppJson(body): AppJson<ChangeCounselor>,
) -> AppResult<AppJson<AdminCounselor>> {
    let store = reception.store.as_ref();
    let mut counselor = find_counselor(store, &login).await?;
    let seats = body
        .seats
        .as_ref()
        .map(|s| SeatLimit::parse(s.limit))
        .transpose()?;
    if let Some(topics) = &body.topics {
        operator::check_counselor_topics(store, topics).await?;
    }
    if let Some(topics) = &body.topics {
        counselor = operator::set_counselor_topics(store, &operator.actor, &login, topics).await?;
    }
    if let Some(on) = body.operator {
        counselor = operator::set_operator(store, &operator.actor, &login, on).await?;
    }
    if let Some(seats) = seats {
        counselor = operator::set_counselor_seats(store, &operator.actor, &login, seats).await?;
    }
    applied(&reception).await;
    Ok(AppJson(counselor_view(&reception, &counselor).await?))
}

/// Deactivate an account: availability off and every session ended at once, on every
/// device and instance; it can no longer log in.
#[utoipa::path(post, path = "/api/admin/counselors/{login}/deactivate", tag = "operator", security(("session_token" = [])),
    params(("login" = String, Path)),
    responses(
        (status = 200, body = AdminCounselor),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_counselor`"),
    ))]
pub async fn deactivate(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(login): AppPath<String>,
) -> AppResult<AppJson<AdminCounselor>> {
    let store = reception.store.as_ref();
    let before = find_counselor(store, &login).await?;
    match reception
        .run(Command::SwitchAvailability {
            counselor: before.id,
            on: false,
            reason: SwitchReason::Operator,
        })
        .await
    {
        Ok(_)
        | Err(AppError {
            status: StatusCode::UNAUTHORIZED,
            ..
        }) => {}
        Err(other) => return Err(other),
    }
    let topics = store.topics().await?;
    let audit = operator::counselor_draft(
        &operator.actor,
        "counselor_deactivated",
        &topics,
        &before,
        |c| c.deactivated = true,
    );
    store.deactivate_counselor(&login, Some(&audit)).await?;
    reception
        .end_counselor(before.id, SessionEndReason::Deactivated)
        .await;
    let after = find_counselor(store, &login).await?;
    applied(&reception).await;
    Ok(AppJson(counselor_view(&reception, &after).await?))
}

/// Reactivate a deactivated account: it may log in again, with its password as it was
/// (reset the password too if the counselor may not know it any more).
#[utoipa::path(post, path = "/api/admin/counselors/{login}/reactivate", tag = "operator", security(("session_token" = [])),
    params(("login" = String, Path)),
    responses(
        (status = 200, body = AdminCounselor),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_counselor`"),
    ))]
pub async fn reactivate(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(login): AppPath<String>,
) -> AppResult<AppJson<AdminCounselor>> {
    let counselor = operator::reactivate(reception.store.as_ref(), &operator.actor, &login).await?;
    applied(&reception).await;
    Ok(AppJson(counselor_view(&reception, &counselor).await?))
}

/// Reset a password: a new one-time password, shown in this answer only; the counselor must
/// change it at the next login.
#[utoipa::path(post, path = "/api/admin/counselors/{login}/reset-password", tag = "operator", security(("session_token" = [])),
    params(("login" = String, Path)),
    responses(
        (status = 200, body = OneTimePassword),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_counselor`"),
    ))]
pub async fn reset_password(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(login): AppPath<String>,
) -> AppResult<AppJson<OneTimePassword>> {
    let (counselor, password) =
        operator::reset_password(reception.store.as_ref(), &operator.actor, &login).await?;
    Ok(AppJson(OneTimePassword {
        counselor: counselor_view(&reception, &counselor).await?,
        one_time_password: password,
    }))
}

/// "Verfügbarkeit beenden": switch a counselor off with a reason every device of theirs
/// shows ("Von der Administration ausgeschaltet: …").
#[utoipa::path(post, path = "/api/admin/counselors/{login}/switch-off", tag = "operator", security(("session_token" = [])),
    params(("login" = String, Path)), request_body = SwitchOff,
    responses(
        (status = 204),
        (status = 403, body = ApiError, description = "`operator_only`"),
        (status = 404, body = ApiError, description = "`unknown_counselor`"),
        (status = 422, body = ApiError, description = "`reason_empty`, `reason_too_long`, `reason_invalid`"),
    ))]
pub async fn switch_off(
    State(reception): State<Arc<Reception>>,
    operator: OperatorAuth,
    AppPath(login): AppPath<String>,
    AppJson(body): AppJson<SwitchOff>,
) -> AppResult<StatusCode> {
    let reason = OperatorReason::parse(&body.reason)?;
    let store = reception.store.as_ref();
    let counselor = find_counselor(store, &login).await?;
    let was_on = reception.desk().is_switched_on(counselor.id);
    let audit = operator::draft(
        &operator.actor,
        "counselor_switched_off",
        &login,
        Some(json!({"switched_on": was_on})),
        Some(json!({"switched_on": false, "reason": reason.as_str()})),
    );
    reception
        .run_audited(
            Command::SwitchOffByOperator {
                counselor: counselor.id,
                reason: reason.clone(),
            },
            &audit,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Entries older than this id (the `next_before` of the previous page).
    before: Option<i64>,
    /// At most this many (1–200, default 50).
    limit: Option<u32>,
}

/// The audit log, newest first, a page at a time.
#[utoipa::path(get, path = "/api/admin/audit", tag = "operator", security(("session_token" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ApiError, description = "`operator_only`")))]
pub async fn audit(
    State(reception): State<Arc<Reception>>,
    _operator: OperatorAuth,
    AppQuery(query): AppQuery<AuditQuery>,
) -> AppResult<AppJson<AuditPage>> {
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let records = reception.store.audit(query.before, limit).await?;
    let next_before = (records.len() == limit as usize)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    Ok(AppJson(AuditPage {
        entries: records
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at.as_millis(),
                actor: r.actor,
                action: r.action,
                target: r.target,
                before: r.before,
                after: r.after,
            })
            .collect(),
        next_before,
    }))
}

/// The live overview now (the operator's socket pushes it as `overview_changed`).
#[utoipa::path(get, path = "/api/admin/overview", tag = "operator", security(("session_token" = [])),
    responses((status = 200, body = Overview), (status = 403, body = ApiError, description = "`operator_only`")))]
pub async fn overview(
    State(reception): State<Arc<Reception>>,
    _operator: OperatorAuth,
) -> AppResult<AppJson<Overview>> {
    Ok(AppJson(reception.overview(&reception.desk())))
}
