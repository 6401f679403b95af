//! The shell's own connection to the Pforte server: REST with reqwest, events over the
//! counselor WebSocket (`/api/counselor/ws`, `Authorization: Bearer`); the owner decides when
//! to (re)connect (`pforte_shell_core::machine`). It talks to the configured server only.
//!
//! The shell's socket is one of the counselor's live connections: while the app runs (window
//! shown or hidden to the tray) it keeps the counselor reachable; when the process dies the
//! socket dies with it and the server's heartbeat notices.

use std::time::Duration;

use futures_util::StreamExt;
use pforte_wire::{
    ApiError, Availability, CoverageList, GoOffline, LiveChatRequestList, Me, OfflineReason,
    ServerEvent, SwitchAvailability,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

use pforte_shell_core::decisions::{self, socket_end, SocketEnd, SILENCE_LIMIT};
use pforte_shell_core::machine::SocketNews;

use crate::session::Session;

/// Any REST call that is not bounded tighter.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    /// The token is unknown or expired.
    #[error("not logged in")]
    Unauthorized,
    #[error("{status}: {error:?}")]
    Refused { status: u16, error: ApiError },
    #[error("the server did not answer: {0}")]
    Unreachable(String),
}

impl ApiFailure {
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiFailure::Unauthorized)
    }
}

/// One HTTP client for the whole app (connection reuse, rustls).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("pforte-desktop/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// REST calls of the logged-in counselor.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    session: Session,
}

/// A proxied answer: status and JSON body (or `null`).
#[derive(Debug, Serialize)]
pub struct RawAnswer {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Api {
    pub fn new(http: reqwest::Client, session: Session) -> Self {
        Self { http, session }
    }

    fn url(&self, path: &str) -> Result<Url, ApiFailure> {
        self.session
            .server
            .join(path)
            .map_err(|e| ApiFailure::Unreachable(e.to_string()))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        timeout: Duration,
    ) -> Result<T, ApiFailure> {
        let mut request = self
            .http
            .request(method, self.url(path)?)
            .bearer_auth(&self.session.token)
            .timeout(timeout);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(ApiFailure::Unauthorized);
        }
        if !status.is_success() {
            let error = response.json::<ApiError>().await.map_err(|e| {
                ApiFailure::Unreachable(format!("{status} without an error body: {e}"))
            })?;
            return Err(ApiFailure::Refused {
                status: status.as_u16(),
                error,
            });
        }
        if status == StatusCode::NO_CONTENT {
            return serde_json::from_value(serde_json::Value::Null)
                .map_err(|e| ApiFailure::Unreachable(e.to_string()));
        }
        response
            .json::<T>()
            .await
            .map_err(|e| ApiFailure::Unreachable(e.to_string()))
    }

    pub async fn me(&self) -> Result<Me, ApiFailure> {
        self.call(Method::GET, "/api/me", None::<&()>, REQUEST_TIMEOUT)
            .await
    }

    pub async fn coverage(&self) -> Result<CoverageList, ApiFailure> {
        self.call(
            Method::GET,
            "/api/me/coverage",
            None::<&()>,
            REQUEST_TIMEOUT,
        )
        .await
    }

    pub async fn requests(&self) -> Result<LiveChatRequestList, ApiFailure> {
        self.call(Method::GET, "/api/requests", None::<&()>, REQUEST_TIMEOUT)
            .await
    }

    pub async fn switch(&self, on: bool) -> Result<Availability, ApiFailure> {
        self.call(
            Method::PUT,
            "/api/me/availability",
            Some(&SwitchAvailability { on }),
            REQUEST_TIMEOUT,
        )
        .await
    }

    /// "Going offline", waited for at most `within`.
    pub async fn offline(
        &self,
        reason: OfflineReason,
        within: Duration,
    ) -> Result<Availability, ApiFailure> {
        self.call(
            Method::POST,
            "/api/me/offline",
            Some(&GoOffline { reason }),
            within,
        )
        .await
    }

    pub async fn logout(&self, within: Duration) -> Result<(), ApiFailure> {
        self.call::<()>(Method::POST, "/api/auth/logout", None::<&()>, within)
            .await
    }

    /// The webview's REST calls, to the configured server only (see
    /// [`decisions::api_call_allowed`]).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<RawAnswer, ApiFailure> {
        raw_call(
            &self.http,
            &self.session.server,
            Some(&self.session.token),
            method,
            path,
            body,
        )
        .await
    }
}

/// A REST call for the webview, with or without a session (login needs none).
pub async fn raw_call(
    http: &reqwest::Client,
    server: &Url,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<RawAnswer, ApiFailure> {
    if !decisions::api_call_allowed(method, path) {
        return Err(ApiFailure::Unreachable(format!(
            "{method} {path} is not an API call"
        )));
    }
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let url = server
        .join(path)
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    if url.origin() != server.origin() {
        return Err(ApiFailure::Unreachable("another server".to_owned()));
    }
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let body = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        })
    };
    Ok(RawAnswer { status, body })
}

/// A file the server generates (e.g. the statistics workbook), or its error answer.
pub struct Downloaded {
    pub status: u16,
    /// The name the server gives the file (`Content-Disposition`).
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// `GET path` with the session's token, for a file (the proxy above answers JSON only).
pub async fn download(
    http: &reqwest::Client,
    server: &Url,
    token: &str,
    path: &str,
) -> Result<Downloaded, ApiFailure> {
    if !decisions::api_call_allowed("GET", path) {
        return Err(ApiFailure::Unreachable(format!(
            "GET {path} is not an API call"
        )));
    }
    let url = server
        .join(path)
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    if url.origin() != server.origin() {
        return Err(ApiFailure::Unreachable("another server".to_owned()));
    }
    let response = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let file_name = response
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(decisions::disposition_file_name);
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?
        .to_vec();
    Ok(Downloaded {
        status,
        file_name,
        bytes,
    })
}

/// `http(s)://host/` → `ws(s)://host/api/counselor/ws`; `?fresh=true` when `fresh`.
///
/// A fresh connection is the first one after the app started (or the counselor logged in):
/// it ends a "lost connection" resume on the server, so a start never restores availability.
/// Reconnects after a drop are not fresh, so a short network hiccup keeps the switch on.
pub fn socket_url(server: &Url, fresh: bool) -> Option<Url> {
    let mut url = server.join("/api/counselor/ws").ok()?;
    let scheme = match server.scheme() {
        "https" => "wss",
        "http" => "ws",
        _ => return None,
    };
    url.set_scheme(scheme).ok()?;
    if fresh {
        url.set_query(Some("fresh=true"));
    }
    Some(url)
}

/// One attempt of the counselor's socket: wait `after`, connect, and report what happens
/// until it ends. The owner decides whether and when to try again.
pub async fn socket(session: &Session, fresh: bool, after: Duration, report: impl Fn(SocketNews)) {
    if !after.is_zero() {
        tokio::time::sleep(after).await;
    }
    let end = one_socket(session, fresh, &report).await;
    tracing::info!(?end, "the shell's socket ended");
    report(SocketNews::Down(end));
}

async fn one_socket(session: &Session, fresh: bool, report: &impl Fn(SocketNews)) -> SocketEnd {
    let Some(url) = socket_url(&session.server, fresh) else {
        return SocketEnd::Lost;
    };
    let Ok(mut request) = url.as_str().into_client_request() else {
        return SocketEnd::Lost;
    };
    match format!("Bearer {}", session.token).parse() {
        Ok(value) => {
            request.headers_mut().insert("authorization", value);
        }
        Err(_) => return SocketEnd::Refused,
    }
    let connected =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await;
    let mut socket = match connected {
        Ok(Ok((socket, _))) => socket,
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response)))
            if response.status() == StatusCode::UNAUTHORIZED =>
        {
            return SocketEnd::Refused
        }
        Ok(Err(e)) => {
            tracing::debug!(%e, "no socket");
            return SocketEnd::Lost;
        }
        Err(_) => return SocketEnd::Lost,
    };
    loop {
        // Reading also answers the server's pings (tungstenite queues and flushes pongs).
        let message = match tokio::time::timeout(SILENCE_LIMIT, socket.next()).await {
            Ok(Some(Ok(message))) => message,
            Err(_) => {
                tracing::info!("the server went silent");
                return SocketEnd::Lost;
            }
            Ok(None) | Ok(Some(Err(_))) => return SocketEnd::Lost,
        };
        match message {
            Message::Text(text) => match serde_json::from_str::<ServerEvent>(&text) {
                Ok(ServerEvent::Ready) => report(SocketNews::Up),
                Ok(event) => report(SocketNews::Event(event)),
                Err(e) => tracing::debug!(%e, "an event this version does not know"),
            },
            Message::Close(frame) => {
                let code = frame.as_ref().map(|f| u16::from(f.code));
                tracing::info!(?code, "closed by the server");
                return socket_end(code);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_address_follows_the_server_address() {
        let https = Url::parse("https://pforte.example.org/").unwrap();
        assert_eq!(
            socket_url(&https, false).unwrap().as_str(),
            "wss://pforte.example.org/api/counselor/ws"
        );
        let http = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            socket_url(&http, false).unwrap().as_str(),
            "ws://127.0.0.1:8080/api/counselor/ws"
        );
    }

    #[test]
    fn only_the_first_connection_after_a_start_is_fresh() {
        let http = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            socket_url(&http, true).unwrap().as_str(),
            "ws://127.0.0.1:8080/api/counselor/ws?fresh=true"
        );
    }
}
