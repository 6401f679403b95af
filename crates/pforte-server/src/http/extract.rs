//! Extractors: JSON bodies that fail with the API's error format, and the two kinds of
//! callers (a logged-in counselor, an asker holding a chat token).

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use pforte_domain::{CounselorId, RequestId};

use crate::error::AppError;
use crate::reception::{now, Reception};
use crate::secrets::token_hash;
use crate::store::{ChatRecord, ChatState};

/// `Json` whose rejections use the API's error body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Path` with the API's error body.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// `Query` with the API's error body.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// A logged-in counselor.
#[derive(Clone, Copy, Debug)]
pub struct CounselorAuth {
    pub counselor: CounselorId,
    pub session: i64,
}

impl CounselorAuth {
    pub async fn from_token(reception: &Reception, token: &str) -> Result<Self, AppError> {
        let session = reception
            .store
            .session(&token_hash(token), now())
            .await?
            .ok_or_else(AppError::unauthorized)?;
        Ok(Self {
            counselor: session.counselor,
            session: session.id,
        })
    }
}

impl FromRequestParts<Arc<Reception>> for CounselorAuth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        reception: &Arc<Reception>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(AppError::unauthorized)?;
        let auth = Self::from_token(reception, token).await?;
        // After a one-time password the server lets the session do nothing but set a new
        // one (and read who it is, or log out): the client does not decide this.
        let allowed = matches!(
            parts.uri.path(),
            "/api/me" | "/api/me/password" | "/api/auth/logout"
        );
        let must_change = reception
            .directory()
            .counselors
            .get(&auth.counselor)
            .is_some_and(|c| c.must_change_password);
        if must_change && !allowed {
            return Err(AppError::new(
                axum::http::StatusCode::FORBIDDEN,
                pforte_wire::ErrorCode::PasswordChangeRequired,
                "set a new password first (PUT /api/me/password): this account holds a one-time password",
            ));
        }
        Ok(auth)
    }
}

/// An asker, known only by the token of their chat.
#[derive(Clone, Debug)]
pub struct AskerAuth {
    pub chat: ChatRecord,
}

impl AskerAuth {
    pub async fn from_token(reception: &Reception, token: &str) -> Result<Self, AppError> {
        let hash = token_hash(token);
        let chat = reception
            .store
            .chat_by_token(&hash)
            .await?
            .ok_or_else(AppError::unauthorized)?;
        reception.remember_asker_chat(&hash, chat.id);
        Ok(Self { chat })
    }
}

/// An asker sending a message: their chat and its counselor. A token this instance has
/// seen whose chat the desk holds as a running conversation needs no store (the desk is
/// the log's replica, and the store refuses a message of a chat that ended meanwhile);
/// anything else is read from the store as [`AskerAuth`] does.
#[derive(Clone, Debug)]
pub struct AskerSending {
    pub chat: RequestId,
    pub counselor: Option<CounselorId>,
    pub state: ChatState,
}

impl FromRequestParts<Arc<Reception>> for AskerSending {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        reception: &Arc<Reception>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(AppError::unauthorized)?;
        if let Some(chat) = reception.known_asker_chat(&token_hash(token)) {
            if let Some(conversation) = reception.desk().conversation(chat) {
                return Ok(Self {
                    chat,
                    counselor: Some(conversation.counselor),
                    state: ChatState::Chatting,
                });
            }
        }
        let AskerAuth { chat } = AskerAuth::from_token(reception, token).await?;
        Ok(Self {
            chat: chat.id,
            counselor: chat.counselor,
            state: chat.state,
        })
    }
}

impl FromRequestParts<Arc<Reception>> for AskerAuth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        reception: &Arc<Reception>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(AppError::unauthorized)?;
        Self::from_token(reception, token).await
    }
}
