//! The one error type of the API: a status, a stable code and a human message. Internal
//! failures are logged here and reach the client only as `internal`.

use std::borrow::Cow;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pforte_domain::DeskError;
use pforte_wire::{ApiError, ErrorCode};

use crate::store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "missing, unknown or expired token",
        )
    }

    pub fn not_found(what: &'static str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn invalid_field(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
            message,
        )
    }

    pub fn invalid_parameter(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidParameter,
            message,
        )
    }

    pub fn internal(context: &str, error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server could not complete the request; nothing of it was stored",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code,
            message: self.message.into_owned(),
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<DeskError> for AppError {
    fn from(error: DeskError) -> Self {
        let (status, code) = match error {
            DeskError::UnknownTopic => (StatusCode::NOT_FOUND, ErrorCode::UnknownTopic),
            DeskError::LiveChatDisabled => (StatusCode::CONFLICT, ErrorCode::LiveChatDisabled),
            DeskError::GateClosed => (StatusCode::CONFLICT, ErrorCode::GateClosed),
            DeskError::QueueFull => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::QueueFull),
            DeskError::UnknownCounselor => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            DeskError::Absent => (StatusCode::CONFLICT, ErrorCode::Absent),
            DeskError::NotAvailable => (StatusCode::CONFLICT, ErrorCode::NotAvailable),
            DeskError::NotYourTopic => (StatusCode::FORBIDDEN, ErrorCode::NotYourTopic),
            DeskError::AlreadyTaken => (StatusCode::CONFLICT, ErrorCode::AlreadyTaken),
            DeskError::RequestGone | DeskError::DuplicateRequest => {
                (StatusCode::CONFLICT, ErrorCode::RequestGone)
            }
            DeskError::ConversationGone => (StatusCode::CONFLICT, ErrorCode::ConversationEnded),
            DeskError::NotParticipant => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            DeskError::NoFreeSeat => (StatusCode::CONFLICT, ErrorCode::NoFreeSeat),
            DeskError::InvalidSeats => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField),
            DeskError::UnknownSlot => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::UnknownSlot),
            DeskError::TopicInUse => (StatusCode::CONFLICT, ErrorCode::TopicInUse),
        };
        Self::new(status, code, error.to_string())
    }
}

impl From<pforte_domain::text::InputError> for AppError {
    fn from(error: pforte_domain::text::InputError) -> Self {
        let code = match error.code() {
            "slug_invalid" => ErrorCode::SlugInvalid,
            "slug_too_short" => ErrorCode::SlugTooShort,
            "slug_too_long" => ErrorCode::SlugTooLong,
            "name_empty" => ErrorCode::NameEmpty,
            "name_too_long" => ErrorCode::NameTooLong,
            "name_invalid" => ErrorCode::NameInvalid,
            "login_empty" => ErrorCode::LoginEmpty,
            "login_too_long" => ErrorCode::LoginTooLong,
            "login_invalid" => ErrorCode::LoginInvalid,
            "password_too_short" => ErrorCode::PasswordTooShort,
            "password_too_long" => ErrorCode::PasswordTooLong,
            "password_invalid" => ErrorCode::PasswordInvalid,
            "reason_empty" => ErrorCode::ReasonEmpty,
            "reason_too_long" => ErrorCode::ReasonTooLong,
            "reason_invalid" => ErrorCode::ReasonInvalid,
            "seats_invalid" => ErrorCode::SeatsInvalid,
            _ => ErrorCode::InvalidField,
        };
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string())
    }
}

/// The wire code spelled as a domain code (`"overlapping_slots"`), if there is one.
fn code_named(code: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .unwrap_or(ErrorCode::InvalidField)
}

impl From<pforte_domain::ScheduleError> for AppError {
    fn from(error: pforte_domain::ScheduleError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code_named(error.code()),
            error.to_string(),
        )
    }
}

impl From<crate::origin::OriginError> for AppError {
    fn from(error: crate::origin::OriginError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code_named(error.code()),
            error.to_string(),
        )
    }
}

impl From<crate::operator::OperatorError> for AppError {
    fn from(error: crate::operator::OperatorError) -> Self {
        use crate::operator::OperatorError as E;
        let message = error.to_string();
        match error {
            E::Input(input) => input.into(),
            E::Schedule(schedule) => schedule.into(),
            E::Origin(origin) => origin.into(),
            E::UnknownTopic(_) => {
                Self::new(StatusCode::NOT_FOUND, ErrorCode::UnknownTopic, message)
            }
            E::UnknownCounselor(_) => {
                Self::new(StatusCode::NOT_FOUND, ErrorCode::UnknownCounselor, message)
            }
            E::SlugTaken(_) => Self::new(StatusCode::CONFLICT, ErrorCode::SlugTaken, message),
            E::LoginTaken(_) => Self::new(StatusCode::CONFLICT, ErrorCode::LoginTaken, message),
            E::Store(store) => store.into(),
            E::Hashing(text) => Self::internal("hashing a password failed", &text),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Duplicate { what } => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::InvalidField,
                format!("{what} exists already"),
            ),
            StoreError::NotFound { what } => Self::not_found(what),
            StoreError::ConversationEnded => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::ConversationEnded,
                "the conversation has ended and is read-only",
            ),
            other if other.is_unreachable() => {
                tracing::warn!(error = %other, "the database is not reachable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Unavailable,
                    "the service cannot reach its database right now; nothing was changed, try again shortly",
                )
            }
            other => Self::internal("storage failed", &other),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "expected a body with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    "the body is too large",
                )
            }
            // Valid JSON of the wrong shape: well-formed but unprocessable.
            JsonRejection::JsonDataError(error) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidBody,
                error.body_text(),
            ),
            other => Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidBody,
                other.body_text(),
            ),
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        Self::invalid_parameter(rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        Self::invalid_parameter(rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_chat_hours_and_the_websites_has_its_own_wire_code() {
        for code in [
            "unknown_time_zone",
            "unknown_weekday",
            "missing_weekday",
            "missing_times",
            "invalid_time",
            "invalid_time_range",
            "invalid_date",
            "invalid_exception",
            "empty_slot",
            "inverted_slot",
            "overlapping_slots",
            "overlapping_extra_hours",
            "exception_in_past",
            "unknown_slot",
            "too_many_slots",
            "too_many_exceptions",
            "note_too_long",
            "origin_invalid",
            "origin_not_https",
            "origin_has_path",
            "origin_has_query",
            "origin_has_credentials",
            "origin_wildcard",
            "seats_invalid",
        ] {
            let wire = code_named(code);
            assert_ne!(wire, ErrorCode::InvalidField, "{code}");
            assert_eq!(serde_json::to_value(wire).unwrap(), code);
        }
    }
}
