//! "Meine Statistik": figures for a period, and the same as a real Excel workbook.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use pforte_domain::Timestamp;
use pforte_wire::{ApiError, Statistics};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, Duration, UtcOffset};
use utoipa::IntoParams;

use super::extract::{AppJson, AppQuery, CounselorAuth};
use crate::error::{AppError, AppResult};
use crate::reception::{now, Reception};

/// The longest period one can ask for.
const MAX_DAYS: i64 = 5 * 366;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date, example = "2026-11-01")]
    from: String,
    /// Last day, `YYYY-MM-DD` (included); not before `from`, at most five years after it.
    #[param(format = Date, example = "2026-11-30")]
    to: String,
    /// The counselor's offset from UTC in minutes, so days start at their midnight
    /// (default 0).
    #[serde(default)]
    #[param(required = false, minimum = -840, maximum = 840)]
    utc_offset_minutes: i32,
}

struct Bounds {
    from: Date,
    to: Date,
    start: Timestamp,
    end: Timestamp,
}

fn parse_day(text: &str, name: &str) -> AppResult<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| {
        AppError::invalid_parameter(format!("`{name}` must be a date like 2026-11-01"))
    })
}

fn bounds(period: &Period) -> AppResult<Bounds> {
    let from = parse_day(&period.from, "from")?;
    let to = parse_day(&period.to, "to")?;
    if to < from {
        return Err(AppError::invalid_parameter("`to` is before `from`"));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(AppError::invalid_parameter(
            "the period is longer than five years",
        ));
    }
    let offset = UtcOffset::from_whole_seconds(period.utc_offset_minutes.saturating_mul(60))
        .ok()
        .filter(|_| period.utc_offset_minutes.abs() <= 14 * 60)
        .ok_or_else(|| AppError::invalid_parameter("`utc_offset_minutes` is out of range"))?;
    let midnight = |day: Date| {
        let millis = day.midnight().assume_offset(offset).unix_timestamp() * 1000;
        Timestamp::from_millis(millis)
    };
    let after_last = to
        .checked_add(Duration::days(1))
        .ok_or_else(|| AppError::invalid_parameter("`to` is too far in the future"))?;
    Ok(Bounds {
        from,
        to,
        start: midnight(from),
        end: midnight(after_last),
    })
}

async fn compute(
    reception: &Reception,
    auth: CounselorAuth,
    period: &Period,
) -> AppResult<Statistics> {
    let bounds = bounds(period)?;
    let totals = reception
        .store
        .activity(auth.counselor, bounds.start, bounds.end, now())
        .await?;
    Ok(Statistics {
        from: bounds.from.to_string(),
        to: bounds.to.to_string(),
        accepted_chats: totals.accepted_chats,
        messages_sent: totals.messages_sent,
        available_seconds: totals.available_millis / 1000,
        conversations_ended: totals.conversations_ended,
    })
}

/// The figures of a period.
#[utoipa::path(get, path = "/api/me/statistics", tag = "counselor",
    security(("session_token" = [])), params(Period),
    responses((status = 200, body = Statistics), (status = 400, body = ApiError, description = "`invalid_parameter`")))]
pub async fn figures(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppQuery(period): AppQuery<Period>,
) -> AppResult<AppJson<Statistics>> {
    Ok(AppJson(compute(&reception, auth, &period).await?))
}

/// "Download Excel Datei": the figures of a period as an `.xlsx` workbook.
#[utoipa::path(get, path = "/api/me/statistics.xlsx", tag = "counselor",
    security(("session_token" = [])), params(Period),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "the workbook"),
        (status = 400, body = ApiError, description = "`invalid_parameter`")))]
pub async fn workbook(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppQuery(period): AppQuery<Period>,
) -> AppResult<Response> {
    let figures = compute(&reception, auth, &period).await?;
    let name = reception.counselor_name(auth.counselor);
    let bytes = render(&figures, &name)
        .map_err(|e| AppError::internal("could not write the workbook", &e))?;
    let filename = format!("pforte-statistik-{}-bis-{}.xlsx", figures.from, figures.to);
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The workbook: one sheet "Meine Statistik" with the period and its figures.
pub fn render(
    figures: &Statistics,
    counselor: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Meine Statistik")?;
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.00");
    sheet.write_string_with_format(0, 0, "Meine Statistik", &bold)?;
    sheet.write_string(0, 1, counselor)?;
    sheet.write_string_with_format(2, 0, "Zeitraum von", &bold)?;
    sheet.write_string(2, 1, &figures.from)?;
    sheet.write_string_with_format(3, 0, "Zeitraum bis", &bold)?;
    sheet.write_string(3, 1, &figures.to)?;
    let rows: [(&str, f64); 4] = [
        ("Angenommene Live-Chats", figures.accepted_chats as f64),
        ("Gesendete Nachrichten", figures.messages_sent as f64),
        ("Beendete Beratungen", figures.conversations_ended as f64),
        (
            "Live-Chat verfügbar (Stunden)",
            figures.available_seconds as f64 / 3600.0,
        ),
    ];
    for (index, (label, value)) in rows.iter().enumerate() {
        let row = 5 + index as u32;
        sheet.write_string_with_format(row, 0, *label, &bold)?;
        if index == 3 {
            sheet.write_number_with_format(row, 1, *value, &hours)?;
        } else {
            sheet.write_number(row, 1, *value)?;
        }
    }
    sheet.set_column_width(0, 32)?;
    sheet.set_column_width(1, 24)?;
    workbook.save_to_buffer()
}
