//! WebSockets: one per client, for events only (commands go over REST).
//!
//! A counselor counts as connected while one of their sockets lives. The server pings every
//! `heartbeat` and drops a socket that sent nothing (not even a pong) for `heartbeat_timeout`,
//! so a vanished laptop is noticed within seconds, not minutes.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use pforte_domain::Command;
use pforte_wire::{ClientMessage, ServerEvent};
use tokio::time::{timeout, Instant};

use crate::app::Lifecycle;
use crate::http::extract::{bearer, AppQuery, AskerAuth, CounselorAuth};
use crate::hub::{Outbound, Owner};
use crate::reception::Reception;

/// Largest message a client may send (they only send `auth` and `ping`).
const MAX_INCOMING: usize = 8 * 1024;
/// How long a client has to authenticate after connecting.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);

const CLOSE_UNAUTHORIZED: u16 = 4401;
/// "Service restart": the client should reconnect at once (another instance, or this one back).
const CLOSE_RESTARTING: u16 = 1012;
const CLOSE_POLICY: u16 = 1008;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Counselor,
    Asker,
    GateWatcher,
}

/// Small buffers: an idle socket should cost a few KiB, not tungstenite's 128 KiB default.
fn tune(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(4 * 1024)
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

fn upgrade(
    reception: Arc<Reception>,
    lifecycle: Lifecycle,
    headers: &HeaderMap,
    ws: WebSocketUpgrade,
    kind: Kind,
    query: SocketQuery,
) -> Response {
    let token = bearer(headers).map(str::to_owned);
    let tasks = lifecycle.tasks.clone();
    tune(ws).on_upgrade(move |socket| {
        tasks.track_future(serve(
            reception,
            lifecycle,
            socket,
            kind,
            token,
            query.fresh,
        ))
    })
}

pub async fn counselor(
    State(reception): State<Arc<Reception>>,
    Extension(lifecycle): Extension<Lifecycle>,
    AppQuery(query): AppQuery<SocketQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(reception, lifecycle, &headers, ws, Kind::Counselor, query)
}

pub async fn asker(
    State(reception): State<Arc<Reception>>,
    Extension(lifecycle): Extension<Lifecycle>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(
        reception,
        lifecycle,
        &headers,
        ws,
        Kind::Asker,
        SocketQuery::default(),
    )
}

pub async fn gates(
    State(reception): State<Arc<Reception>>,
    Extension(lifecycle): Extension<Lifecycle>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(
        reception,
        lifecycle,
        &headers,
        ws,
        Kind::GateWatcher,
        SocketQuery::default(),
    )
}

type Sink = SplitSink<WebSocket, Message>;

async fn close(sink: &mut Sink, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = timeout(
        Duration::from_secs(2),
        sink.send(Message::Close(Some(frame))),
    )
    .await;
}

fn encode(event: &ServerEvent) -> Message {
    Message::Text(Utf8Bytes::from(
        serde_json::to_string(event).unwrap_or_default(),
    ))
}

/// Who is there: from the header token, or the first message.
async fn authenticate(
    reception: &Reception,
    kind: Kind,
    header_token: Option<String>,
    stream: &mut SplitStream<WebSocket>,
) -> Option<Owner> {
    if let Kind::GateWatcher = kind {
        return Some(Owner::GateWatcher);
    }
    let token = match header_token {
        Some(token) => token,
        None => {
            let first = timeout(AUTH_TIMEOUT, stream.next()).await.ok()??.ok()?;
            let Message::Text(text) = first else {
                return None;
            };
            match serde_json::from_str::<ClientMessage>(&text).ok()? {
                ClientMessage::Auth { token } => token,
                ClientMessage::Ping => return None,
            }
        }
    };
    match kind {
        Kind::Counselor => CounselorAuth::from_token(reception, &token)
            .await
            .ok()
            .map(|auth| Owner::Counselor {
                id: auth.counselor,
                session: auth.session,
            }),
        Kind::Asker => AskerAuth::from_token(reception, &token)
            .await
            .ok()
            .map(|auth| Owner::Asker { chat: auth.chat.id }),
        Kind::GateWatcher => Some(Owner::GateWatcher),
    }
}

async fn serve(
    reception: Arc<Reception>,
    lifecycle: Lifecycle,
    socket: WebSocket,
    kind: Kind,
    header_token: Option<String>,
    fresh: bool,
) {
    let (mut sink, mut stream) = socket.split();
    let Some(owner) = authenticate(&reception, kind, header_token, &mut stream).await else {
        close(&mut sink, CLOSE_UNAUTHORIZED, "unauthorized").await;
        return;
    };
    let (connection, mut outbox, first) = reception.hub.register(owner);
    let arrived = match owner {
        Owner::Counselor { id, .. } => Some(Command::Connect {
            counselor: id,
            connection,
            fresh,
        }),
        Owner::Asker { chat } if first => Some(Command::AskerConnected { request: chat }),
        _ => None,
    };
    if let Some(command) = arrived {
        // An asker whose request already ended is refused by the desk; nothing to do then.
        let _ = reception.run(command).await;
    }

    let heartbeat = reception.settings.heartbeat;
    let dead_after = reception.settings.heartbeat_timeout;
    let mut ticker = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    let mut last_heard = Instant::now();
    let mut alive = timeout(dead_after, sink.send(encode(&ServerEvent::Ready)))
        .await
        .is_ok_and(|sent| sent.is_ok());

    while alive {
        tokio::select! {
            () = lifecycle.shutdown.cancelled() => {
                close(&mut sink, CLOSE_RESTARTING, "server is restarting").await;
                break;
            }
            outgoing = outbox.recv() => match outgoing {
                Some(Outbound::Event(text)) => {
                    alive = timeout(dead_after, sink.send(Message::Text(text)))
                        .await
                        .is_ok_and(|sent| sent.is_ok());
                }
                Some(Outbound::Close(code, reason)) => {
                    close(&mut sink, code, reason).await;
                    break;
                }
                // The hub dropped a socket that could not keep up.
                None => {
                    close(&mut sink, CLOSE_POLICY, "too slow").await;
                    break;
                }
            },
            incoming = stream.next() => match incoming {
                Some(Ok(message)) => {
                    last_heard = Instant::now();
                    match message {
                        Message::Text(text) => {
                            if let Ok(ClientMessage::Ping) = serde_json::from_str(&text) {
                                alive = timeout(dead_after, sink.send(encode(&ServerEvent::Pong)))
                                    .await
                                    .is_ok_and(|sent| sent.is_ok());
                            }
                        }
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
                Some(Err(_)) | None => break,
            },
            _ = ticker.tick() => {
                if last_heard.elapsed() >= dead_after {
                    tracing::debug!(?kind, "socket silent past the heartbeat timeout; dropping it");
                    break;
                }
                alive = timeout(dead_after, sink.send(Message::Ping(Default::default())))
                    .await
                    .is_ok_and(|sent| sent.is_ok());
            }
        }
    }

    let last = reception.hub.unregister(connection, owner);
    let left = match owner {
        Owner::Counselor { id, .. } => Some(Command::Disconnect {
            counselor: id,
            connection,
        }),
        Owner::Asker { chat } if last => Some(Command::AskerDisconnected { request: chat }),
        _ => None,
    };
    if let Some(command) = left {
        let _ = reception.run(command).await;
    }
}
