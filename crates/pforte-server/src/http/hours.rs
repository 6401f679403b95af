//! Chat hours on the counselor side: "Meine Chatzeiten" (the slots a counselor covers) and a
//! topic's weekly plan. The desk holds both; these handlers translate and validate.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use pforte_domain::schedule::{ClockTime, Date, Schedule, SlotKey};
use pforte_domain::shifts::{week_plan, CoveredSlots};
use pforte_domain::{Command, CounselorId, Desk, TopicId};
use pforte_wire::{
    ApiError, ErrorCode, MyShifts, PlanEntry, SetMyShifts, ShiftSlot, TopicShifts, WeekPlan,
};

use super::extract::{AppJson, AppPath, AppQuery, CounselorAuth};
use crate::convert::{weekday, weekday_from};
use crate::error::{AppError, AppResult};
use crate::reception::Reception;

fn my_shifts(reception: &Reception, desk: &Desk, counselor: CounselorId) -> MyShifts {
    let covered = desk.shifts_of(counselor);
    let mut topics: Vec<TopicShifts> = desk
        .topics_of(counselor)
        .filter_map(|topic| {
            let schedule = desk.schedule(topic)?;
            let mine = covered.and_then(|c| c.get(&topic));
            Some(TopicShifts {
                topic_id: topic.0,
                topic_name: reception.topic_name(topic),
                slots: schedule
                    .weekly()
                    .iter()
                    .map(|slot| ShiftSlot {
                        day: weekday(slot.weekday),
                        start: slot.range.start().to_string(),
                        end: slot.range.end().to_string(),
                        covered: mine.is_some_and(|m| m.contains(slot.key())),
                    })
                    .collect(),
                hours_note: Some(schedule.note().to_owned()).filter(|n| !n.is_empty()),
            })
        })
        .collect();
    topics.sort_by(|a, b| a.topic_name.cmp(&b.topic_name));
    MyShifts {
        topics,
        auto_switch_off: desk.auto_switch_off(counselor),
    }
}

/// "Meine Chatzeiten": the weekly slots of the counselor's topics with chat hours, and which
/// of them they cover.
#[utoipa::path(get, path = "/api/me/shifts", tag = "counselor",
    security(("session_token" = [])), responses((status = 200, body = MyShifts)))]
pub async fn get_shifts(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
) -> AppJson<MyShifts> {
    AppJson(
        reception
            .read(|desk| my_shifts(&reception, desk, auth.counselor))
            .await,
    )
}

/// The covered slots of one topic, checked against its schedule.
fn covered_of(
    schedule: Option<&Schedule>,
    topic: i64,
    slots: &[pforte_wire::SlotRef],
) -> AppResult<CoveredSlots> {
    let Some(schedule) = schedule else {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownSlot,
            format!("topic {topic} has no chat hours, so no slot to cover"),
        ));
    };
    let mut keys = Vec::with_capacity(slots.len());
    for slot in slots {
        let start: ClockTime = slot
            .start
            .parse()
            .map_err(|e: pforte_domain::ScheduleError| AppError::invalid_field(e.to_string()))?;
        keys.push(SlotKey {
            weekday: weekday_from(slot.day),
            start,
        });
    }
    CoveredSlots::new(schedule, keys).map_err(|e| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownSlot,
            e.to_string(),
        )
    })
}

/// Set "Meine Chatzeiten": the slots covered per topic (topics left out: none) and whether to
/// be switched off automatically when a shift ends. Refused as a whole if any slot is not
/// a slot of its topic's hours (`unknown_slot`) or a topic is not the counselor's.
#[utoipa::path(put, path = "/api/me/shifts", tag = "counselor", request_body = SetMyShifts,
    security(("session_token" = [])),
    responses(
        (status = 200, body = MyShifts),
        (status = 422, body = ApiError, description = "`unknown_slot`, `invalid_field`"),
        (status = 403, body = ApiError, description = "`not_your_topic`"),
    ))]
pub async fn set_shifts(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppJson(body): AppJson<SetMyShifts>,
) -> AppResult<AppJson<MyShifts>> {
    let desk = reception.desk();
    let mut covered: BTreeMap<TopicId, CoveredSlots> = BTreeMap::new();
    for topic in &body.topics {
        let id = TopicId(topic.topic_id);
        if !desk.topics_of(auth.counselor).any(|t| t == id) {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotYourTopic,
                format!("topic {} is not one of yours", topic.topic_id),
            ));
        }
        if covered.contains_key(&id) {
            return Err(AppError::invalid_field(format!(
                "topic {} is listed twice",
                topic.topic_id
            )));
        }
        covered.insert(
            id,
            covered_of(desk.schedule(id), topic.topic_id, &topic.slots)?,
        );
    }
    reception
        .run(Command::SetShifts {
            counselor: auth.counselor,
            covered,
            auto_switch_off: body.auto_switch_off,
        })
        .await?;
    Ok(AppJson(
        reception
            .read(|desk| my_shifts(&reception, desk, auth.counselor))
            .await,
    ))
}

/// Which week of the plan.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Week {
    /// A day of the week (`YYYY-MM-DD`); default today.
    #[serde(default)]
    #[param(required = false, format = Date)]
    date: Option<String>,
}

/// A topic's weekly plan: every occurrence of its chat hours in the week, with who covers
/// it; `counselors` is empty where nobody does (a gap).
#[utoipa::path(get, path = "/api/topics/{slug}/plan", tag = "counselor",
    security(("session_token" = [])),
    params(("slug" = String, Path, description = "the topic's slug"), Week),
    responses(
        (status = 200, body = WeekPlan),
        (status = 404, body = ApiError, description = "`unknown_topic`: not one of yours"),
        (status = 400, body = ApiError, description = "`invalid_parameter`: the date"),
    ))]
pub async fn plan(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(slug): AppPath<String>,
    AppQuery(week): AppQuery<Week>,
) -> AppResult<AppJson<WeekPlan>> {
    let unknown = || {
        AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownTopic,
            "none of your topics has this slug",
        )
    };
    let topic = reception
        .directory()
        .topics
        .values()
        .find(|t| t.slug == slug)
        .map(|t| t.id)
        .ok_or_else(unknown)?;
    let desk = reception.desk();
    if !desk.topics_of(auth.counselor).any(|t| t == topic) {
        return Err(unknown());
    }
    let empty = Schedule::empty(reception.settings.time_zone.clone());
    let schedule = desk.schedule(topic).unwrap_or(&empty);
    let day: Date = match &week.date {
        Some(text) => text
            .parse()
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| {
                AppError::invalid_parameter(format!("date {text:?}: write YYYY-MM-DD"))
            })?,
        None => schedule.zone().date_at(reception.clock()),
    };
    let plan = week_plan(schedule, day, desk.coverage_of_slots(topic));
    let entries: Vec<PlanEntry> = plan
        .entries
        .iter()
        .map(|entry| PlanEntry {
            day: weekday(entry.weekday),
            date: entry.occurrence.date.to_string(),
            start: entry.start.to_string(),
            end: entry.end.to_string(),
            starts_at: entry.occurrence.start.as_millis(),
            ends_at: entry.occurrence.end.as_millis(),
            counselors: entry
                .counselors
                .iter()
                .map(|c| reception.counselor_name(*c))
                .collect(),
            extra_hours: matches!(
                entry.occurrence.origin,
                pforte_domain::schedule::Origin::ExtraHours
            ),
        })
        .collect();
    Ok(AppJson(WeekPlan {
        topic_id: topic.0,
        topic_name: reception.topic_name(topic),
        monday: plan.monday.to_string(),
        gaps: u32::try_from(plan.gaps().count()).unwrap_or(u32::MAX),
        entries,
    }))
}
