//! WebSockets: one per client, for events only (commands go over REST).
//!
//! A counselor counts as connected while one of their sockets lives. The hub's heartbeat
//! sweep ([`crate::hub::Hub::sweep`]) pings every socket and ends one that sent nothing (not
//! even a pong) for the heartbeat timeout, so a vanished laptop is noticed within seconds,
//! measured from the last thing it said, not from a tick. The socket task itself holds no
//! timer while idle: it waits on its queue, its peer, its ending and the shutdown only.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use pforte_domain::Command;
use pforte_wire::{ClientMessage, ErrorCode, ServerEvent};
use tokio::sync::oneshot;
use tokio::time::timeout;

use crate::app::Lifecycle;
use crate::error::AppError;
use crate::http::client::Client;
use crate::http::extract::{bearer, AppQuery, AskerAuth, CounselorAuth};
use crate::http::limits::{Limits, SocketPermit};
use crate::hub::{Ending, Hub, Outbound, Owner, Registration};
use crate::reception::{now, Reception};
use crate::secrets::token_hash;

/// Largest message a client may send (they only send `auth` and `ping`).
const MAX_INCOMING: usize = 8 * 1024;
/// How long a client has to authenticate after connecting.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a goodbye (last event, close frame) may take before the socket is just dropped.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(2);

/// Not (or no longer) logged in: the client should show its login.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
/// "Service restart": the client should reconnect at once (another instance, or this one back).
pub const CLOSE_RESTARTING: u16 = 1012;
/// The server failed (e.g. its database): the client should retry, and keep its login.
pub const CLOSE_INTERNAL: u16 = 1011;
/// The client sent a message larger than the server accepts.
pub const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_POLICY: u16 = 1008;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Counselor,
    Asker,
    GateWatcher,
}

/// Small buffers: an idle socket should cost a few KiB, not tungstenite's 128 KiB default.
/// The read buffer is sized to what each client sends (it grows for a larger frame, up to
/// the message limit): gate watchers send nothing but pongs, askers and counselors an `auth`
/// and pings.
fn tune(upgrade: WebSocketUpgrade, kind: Kind) -> WebSocketUpgrade {
    let read_buffer = match kind {
        Kind::GateWatcher => 256,
        Kind::Asker | Kind::Counselor => 1024,
    };
    upgrade
        .read_buffer_size(read_buffer)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
}

/// Query of a socket: `?fresh=true` on the first connection after a client started.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SocketQuery {
    #[serde(default)]
    fresh: bool,
}

/// A WebSocket route called without a WebSocket handshake: the API's JSON error.
fn not_a_websocket(rejection: WebSocketUpgradeRejection) -> Response {
    let status = rejection.status();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return AppError::new(
            status,
            ErrorCode::MethodNotAllowed,
            "a WebSocket is opened with GET",
        )
        .into_response();
    }
    AppError::new(
        StatusCode::UPGRADE_REQUIRED,
        ErrorCode::WebsocketRequired,
        "this endpoint is a WebSocket: open it with a WebSocket handshake",
    )
    .into_response()
}

/// What every socket route takes.
pub struct Upgrade {
    reception: Arc<Reception>,
    lifecycle: Lifecycle,
    limits: Arc<Limits>,
    client: Client,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade
where
    Arc<Reception>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let reception = Arc::<Reception>::from_ref(state);
        let Extension(lifecycle) = Extension::<Lifecycle>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Extension(limits) = Extension::<Arc<Limits>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let client = Client::from_request_parts(parts, &reception)
            .await
            .map_err(IntoResponse::into_response)?;
        let ws = WebSocketUpgrade::from_request_parts(parts, state).await;
        Ok(Self {
            reception,
            lifecycle,
            limits,
            client,
            headers: parts.headers.clone(),
            ws,
        })
    }
}

fn upgrade(upgrade: Upgrade, kind: Kind, query: SocketQuery) -> Response {
    let Upgrade {
        reception,
        lifecycle,
        limits,
        client: Client(client),
        headers,
        ws,
    } = upgrade;
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return not_a_websocket(rejection),
    };
    if !reception.is_serving() {
        return AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "this server is rejoining the service; try again shortly",
        )
        .into_response();
    }
    let permit = match limits.socket(client) {
        Ok(permit) => permit,
        Err(refused) => return refused.into_response(),
    };
    let token = bearer(&headers).map(str::to_owned);
    let tasks = lifecycle.tasks.clone();
    tune(ws, kind).on_upgrade(move |socket| {
        tasks.track_future(serve(
            reception,
            lifecycle,
            socket,
            kind,
            token,
            query.fresh,
            permit,
        ))
    })
}

pub async fn counselor(AppQuery(query): AppQuery<SocketQuery>, ws: Upgrade) -> Response {
    upgrade(ws, Kind::Counselor, query)
}

pub async fn asker(ws: Upgrade) -> Response {
    upgrade(ws, Kind::Asker, SocketQuery::default())
}

/// Query of the gate socket: `?topic=<slug>` names the topic an embedded button shows.
#[derive(Debug, Default, serde::Deserialize)]
pub struct GateQuery {
    topic: Option<String>,
}

pub async fn gates(AppQuery(query): AppQuery<GateQuery>, ws: Upgrade) -> Response {
    // Refused before the upgrade: a page of a website that may not embed Pforte.
    let topic = query.topic.as_deref().into();
    if let Err(refusal) = crate::http::origins::check(&ws.reception, &ws.headers, topic) {
        return refusal.into_response();
    }
    upgrade(ws, Kind::GateWatcher, SocketQuery::default())
}

type Sink = SplitSink<WebSocket, Message>;

async fn close(sink: &mut Sink, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = timeout(GOODBYE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}

/// Why a socket is not let in.
enum Refusal {
    /// No token, or one the store does not know (any more).
    Unauthorized,
    /// The store failed: say so, so the client retries instead of forgetting its login.
    Internal,
}

impl Refusal {
    fn close_code(&self) -> (u16, &'static str) {
        match self {
            Refusal::Unauthorized => (CLOSE_UNAUTHORIZED, "unauthorized"),
            Refusal::Internal => (CLOSE_INTERNAL, "internal error; try again"),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        if error.status.is_server_error() {
            Refusal::Internal
        } else {
            Refusal::Unauthorized
        }
    }
}

/// Who is there: from the header token, or the first message. Returns the token too.
async fn authenticate(
    reception: &Reception,
    kind: Kind,
    header_token: Option<String>,
    stream: &mut SplitStream<WebSocket>,
) -> Result<(Owner, Option<String>), Refusal> {
    if let Kind::GateWatcher = kind {
        return Ok((Owner::GateWatcher, None));
    }
    let token = match header_token {
        Some(token) => token,
        None => {
            let first = timeout(AUTH_TIMEOUT, stream.next())
                .await
                .ok()
                .flatten()
                .and_then(Result::ok)
                .ok_or(Refusal::Unauthorized)?;
            let Message::Text(text) = first else {
                return Err(Refusal::Unauthorized);
            };
            match serde_json::from_str::<ClientMessage>(&text) {
                Ok(ClientMessage::Auth { token }) => token,
                _ => return Err(Refusal::Unauthorized),
            }
        }
    };
    let owner = match kind {
        Kind::Counselor => {
            let auth = CounselorAuth::from_token(reception, &token).await?;
            Owner::Counselor {
                id: auth.counselor,
                session: auth.session,
            }
        }
        Kind::Asker => Owner::Asker {
            chat: AskerAuth::from_token(reception, &token).await?.chat.id,
        },
        Kind::GateWatcher => Owner::GateWatcher,
    };
    Ok((owner, Some(token)))
}

/// After registering: a session ended between the token check and the registration would
/// have missed this socket when it closed the session's sockets. Look again.
async fn still_logged_in(
    reception: &Reception,
    owner: Owner,
    token: Option<&str>,
) -> Result<(), Refusal> {
    let (Owner::Counselor { session, .. }, Some(token)) = (owner, token) else {
        return Ok(());
    };
    match reception.store.session(&token_hash(token), now()).await {
        Ok(Some(found)) if found.id == session => Ok(()),
        Ok(_) => Err(Refusal::Unauthorized),
        Err(error) => {
            tracing::error!(%error, "checking a session failed");
            Err(Refusal::Internal)
        }
    }
}

/// How a socket's life ended.
enum Goodbye {
    /// The peer closed, vanished, or the connection broke.
    PeerLeft,
    /// The client sent a message over the limit.
    TooBig,
    Shutdown,
    Ended(Ending),
}

/// Send one frame unless the hub ends the socket meanwhile (a kick must not wait on a peer
/// that does not read).
async fn send(
    sink: &mut Sink,
    ending: &mut oneshot::Receiver<Ending>,
    message: Message,
) -> Result<(), Goodbye> {
    tokio::select! {
        biased;
        why = ending => Err(why.map_or(Goodbye::PeerLeft, Goodbye::Ended)),
        sent = sink.send(message) => sent.map_err(|_| Goodbye::PeerLeft),
    }
}

fn is_too_big(error: axum::Error) -> bool {
    error
        .into_inner()
        .downcast::<tungstenite::Error>()
        .is_ok_and(|e| matches!(*e, tungstenite::Error::Capacity(_)))
}

async fn serve(
    reception: Arc<Reception>,
    lifecycle: Lifecycle,
    socket: WebSocket,
    kind: Kind,
    header_token: Option<String>,
    fresh: bool,
    mut permit: SocketPermit,
) {
    let (mut sink, mut stream) = socket.split();
    let (owner, token) = match authenticate(&reception, kind, header_token, &mut stream).await {
        Ok(found) => found,
        Err(refusal) => {
            let (code, reason) = refusal.close_code();
            close(&mut sink, code, reason).await;
            return;
        }
    };
    if let Owner::Counselor { .. } = owner {
        permit.authenticated();
    }
    let hub = &reception.hub;
    let Registration {
        id: connection,
        mut outbox,
        mut ending,
        link,
    } = hub.register(owner);
    if let Err(refusal) = still_logged_in(&reception, owner, token.as_deref()).await {
        hub.unregister(connection);
        let (code, reason) = refusal.close_code();
        close(&mut sink, code, reason).await;
        return;
    }
    let arrived = match owner {
        Owner::Counselor { id, .. } => Some(Command::Connect {
            counselor: id,
            connection,
            fresh,
        }),
        Owner::Asker { chat } => Some(Command::AskerConnected {
            request: chat,
            connection,
        }),
        _ => None,
    };
    if let Some(command) = arrived {
        // An asker whose request already ended is refused by the desk; nothing to do then.
        let _ = reception.run(command).await;
    }

    let mut result = send(
        &mut sink,
        &mut ending,
        Message::Text(Hub::encode(&ServerEvent::Ready)),
    )
    .await;
    if let Owner::Counselor { id, .. } = owner {
        if reception.is_operator(id) {
            reception.send_overview(id).await;
        }
    }
    // Made once, not per event.
    let shutdown = lifecycle.shutdown.cancelled();
    tokio::pin!(shutdown);
    while result.is_ok() {
        result = tokio::select! {
            biased;
            why = &mut ending => Err(why.map_or(Goodbye::PeerLeft, Goodbye::Ended)),
            () = &mut shutdown => Err(Goodbye::Shutdown),
            incoming = stream.next() => match incoming {
                Some(Ok(message)) => {
                    hub.heard(&link);
                    match message {
                        Message::Text(text) => match serde_json::from_str(&text) {
                            Ok(ClientMessage::Ping) => {
                                send(&mut sink, &mut ending, Message::Text(Hub::encode(&ServerEvent::Pong))).await
                            }
                            _ => Ok(()),
                        },
                        Message::Close(_) => Err(Goodbye::PeerLeft),
                        _ => Ok(()),
                    }
                }
                Some(Err(error)) => Err(if is_too_big(error) { Goodbye::TooBig } else { Goodbye::PeerLeft }),
                None => Err(Goodbye::PeerLeft),
            },
            outgoing = outbox.recv() => match outgoing {
                Some(outbound) => {
                    let mut sent = Ok(());
                    if link.take_ping_due() {
                        sent = send(&mut sink, &mut ending, Message::Ping(Default::default())).await;
                    }
                    match (sent, outbound) {
                        (Ok(()), Outbound::Event(text)) => {
                            send(&mut sink, &mut ending, Message::Text(text)).await
                        }
                        (sent, _) => sent,
                    }
                }
                // The hub always says why before it lets go of a socket.
                None => Err(Goodbye::Ended(Ending::TooSlow)),
            },
        };
        if result.is_ok() && outbox.is_empty() && link.take_requests_stale() {
            result = send(
                &mut sink,
                &mut ending,
                Message::Text(Hub::encode(&ServerEvent::RequestsChanged)),
            )
            .await;
        }
    }

    // Shutting down, this instance hands its connections over (`Reception::stopping`): they
    // still count until the clients are back through another instance, so no goodbye.
    let handed_over = matches!(result, Err(Goodbye::Shutdown));
    match result {
        Err(Goodbye::Shutdown) => close(&mut sink, CLOSE_RESTARTING, "server is restarting").await,
        Err(Goodbye::TooBig) => close(&mut sink, CLOSE_TOO_BIG, "message too big").await,
        Err(Goodbye::Ended(Ending::SessionEnded(last))) => {
            let _ = timeout(GOODBYE_TIMEOUT, sink.send(Message::Text(last))).await;
            close(&mut sink, CLOSE_UNAUTHORIZED, "session ended").await;
        }
        Err(Goodbye::Ended(Ending::TooSlow)) => close(&mut sink, CLOSE_POLICY, "too slow").await,
        Err(Goodbye::Ended(Ending::Restart)) => {
            close(&mut sink, CLOSE_RESTARTING, "reconnect, please").await;
        }
        // Silent or gone: nobody listens for a goodbye.
        _ => {}
    }

    hub.unregister(connection);
    if handed_over {
        return;
    }
    let left = match owner {
        Owner::Counselor { id, .. } => Some(Command::Disconnect {
            counselor: id,
            connection,
        }),
        Owner::Asker { chat } => Some(Command::AskerDisconnected {
            request: chat,
            connection,
        }),
        _ => None,
    };
    if let Some(command) = left {
        let _ = reception.run(command).await;
    }
}
